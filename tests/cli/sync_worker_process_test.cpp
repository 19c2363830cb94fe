// Sync runs across real processes (issue 12, "Queue and workers"): `cerulean serve` killed with
// SIGKILL in the middle of a download and started again finishes the run exactly. Storage is the
// shared Azurite, reached through a test proxy that holds answers back (a download that stops at
// a known point). The test waits for the run's lease (30 s, not configurable from the
// environment) to lapse after the SIGKILL before the new server may claim the run again: it
// takes some 35-45 s by design.
//
// A `cerulean worker` process stopped by SIGTERM lets its run finish within its grace, or hands
// it back to the queue when the grace runs out, and another worker resumes it.
//
// Servers and workers sharing PostgreSQL (a hundred jobs drained exactly once by two `cerulean
// worker` processes, one of them killed mid-batch) are tested behind nginx in scale_out_test.cpp.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/cluster_fixture.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class SyncWorkerProcessTest : public ClusterTest {};

TEST_F(SyncWorkerProcessTest, AKilledServersDownloadIsClaimedAgainAndFinishesExactly) {
    // 150 small files and one large one (above the 32 MiB single-shot threshold: ranges, a
    // resume record); answers stop after a third of the bytes, so the kill finds the run mid-way.
    auto expected = PutBlobs("data/", 150, 64 * 1024, 1);
    const std::string big = PatternBytes((40U << 20U) + 123U, 99);
    azure_->PutBlob(container_, "data/big.bin", azure::RequestBody::FromBytes(big), {});
    expected["data/big.bin"] = big;
    std::uint64_t total = 0;
    for (const auto& [name, bytes] : expected) total += bytes.size();
    proxy_ = std::make_unique<BudgetProxy>(SharedAzurite().port(), total / 3);

    const fs::path sync_root = dir_.path() / "sync-root";
    const Env env{{"CERULEAN_WORKERS", "1"},
                  {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"},
                  {"CERULEAN_SYNC_ROOT", sync_root.string()}};
    int port = Serve(env);
    const std::string token = SignUp(port, "kill@x.io");
    const std::int64_t connection = CreateConnection(port, token, proxy_->azurite_endpoint());
    const auto created = Request(port, "POST", JobsPath(connection), token,
                                 {{"direction", "download"},
                                  {"container", container_},
                                  {"prefix", "data/"},
                                  {"local_path", "mirror"}});
    ASSERT_EQ(created.status, 202) << created.raw;
    const std::int64_t job = Field(created, "id").as_int64();
    const std::string job_path = JobPath(connection, job);

    ASSERT_TRUE(proxy_->WaitUntilHolding(60s)) << server_->LogTail();
    const auto running = Request(port, "GET", job_path, token);
    ASSERT_EQ(Text(Field(running, "status")), "running") << running.raw;
    EXPECT_EQ(server_->Stop(SIGKILL, 5s), 128 + SIGKILL);
    std::vector<std::string> names_at_kill;
    const auto at_kill = Tree(sync_root / "mirror", &names_at_kill);
    EXPECT_LT(at_kill.size(), expected.size()) << "the kill came too late to test anything";
    proxy_->Open();

    // The same data dir (database, keys, token secret): the run is claimed again once the dead
    // server's lease lapses (up to 30 s).
    port = Serve(env);
    const auto done = WaitForJob(port, token, connection, job, 120s);
    EXPECT_EQ(Text(done.at("status")), "succeeded")
        << boost::json::serialize(done) << server_->LogTail();
    const auto runs = Request(port, "GET", job_path + "/runs", token);
    EXPECT_EQ(Field(runs, "total"), 1) << "the run claimed again is the same run: " << runs.raw;

    std::vector<std::string> names;
    std::map<std::string, std::string> wanted;
    for (const auto& [name, bytes] : expected) wanted[name.substr(5)] = bytes;  // "data/" stripped
    ExpectSameTree(Tree(sync_root / "mirror", &names), wanted);
    EXPECT_EQ(TemporaryNames(names), std::vector<std::string>{});
    EXPECT_EQ(TemporaryNames([&] {
                  std::vector<std::string> all;
                  Tree(sync_root, &all);
                  return all;
              }()),
              std::vector<std::string>{});

    // The log: started twice (by the dead server, then resumed by the new one), finished once.
    const std::string log = Log();
    const auto started = LogEvents(log, "worker.run_started");
    ASSERT_EQ(started.size(), 2U) << log;
    EXPECT_EQ(started[0].at("run_id"), started[1].at("run_id"));
    EXPECT_EQ(started[1].at("resumed"), "true");
    EXPECT_NE(started[0].at("worker"), started[1].at("worker"));
    const auto finished = LogEvents(log, "worker.run_finished");
    ASSERT_EQ(finished.size(), 1U) << log;
    EXPECT_EQ(finished[0].at("status"), "succeeded");
    EXPECT_EQ(finished[0].at("recorded"), "true");
    EXPECT_EQ(server_->Stop(SIGTERM, 30s), 0) << server_->LogTail();
}

// A `cerulean worker` sharing the server's SQLite database and keys (CERULEAN_WORKERS=0 on the
// server), its storage behind a proxy that holds answers once a third of the bytes are through.
class WorkerSignalTest : public SyncWorkerProcessTest {
 protected:
    void SetUp() override {
        SyncWorkerProcessTest::SetUp();
        expected_ = PutBlobs("sig/", 60, 32 * 1024, 7);
        std::uint64_t total = 0;
        for (const auto& [name, bytes] : expected_) total += bytes.size();
        proxy_ = std::make_unique<BudgetProxy>(SharedAzurite().port(), total / 3);
        shared_ = dir_.path() / "shared";
        sync_root_ = dir_.path() / "sync-root";
        fs::create_directories(shared_);
        env_ = {{"CERULEAN_DATA_DIR", shared_.string()},
                {"CERULEAN_DATABASE_URL", "sqlite://" + (shared_ / "cerulean.db").string()},
                {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"},
                {"CERULEAN_SYNC_ROOT", sync_root_.string()}};
        Env serve = env_;
        serve.emplace_back("CERULEAN_WORKERS", "0");
        port_ = StartServe(serve, "serve");
        token_ = SignUp(port_, "signal@x.io");
        connection_ = CreateConnection(port_, token_, proxy_->azurite_endpoint());
        const auto created = Request(port_, "POST", JobsPath(connection_), token_,
                                     {{"direction", "download"},
                                      {"container", container_},
                                      {"prefix", "sig/"},
                                      {"local_path", "mirror"}});
        ASSERT_EQ(created.status, 202) << created.raw;
        job_ = Field(created, "id").as_int64();
    }

    ChildProcess& StartWorker(const std::string& name, const std::string& grace_seconds) {
        Env env = env_;
        env.emplace_back("CERULEAN_WORKERS", "1");
        env.emplace_back("CERULEAN_WORKER_GRACE_SECONDS", grace_seconds);
        return Start({"worker"}, env, name, dir_.path() / name, "Cerulean worker is running");
    }

    // The job's runs, newest first.
    boost::json::array Runs() {
        const auto runs = Request(port_, "GET", JobPath(connection_, job_, "/runs"), token_);
        EXPECT_EQ(runs.status, 200) << runs.raw;
        return Field(runs, "items").is_array() ? Field(runs, "items").as_array()
                                               : boost::json::array{};
    }

    void ExpectExactMirror() {
        std::map<std::string, std::string> wanted;
        for (const auto& [name, bytes] : expected_) wanted[name.substr(4)] = bytes;  // "sig/"
        std::vector<std::string> names;
        ExpectSameTree(Tree(sync_root_ / "mirror", &names), wanted);
        EXPECT_EQ(TemporaryNames(names), std::vector<std::string>{});
    }

    std::map<std::string, std::string> expected_;
    fs::path shared_;
    fs::path sync_root_;
    Env env_;
    int port_ = 0;
    std::string token_;
    std::int64_t connection_ = 0;
    std::int64_t job_ = 0;
};

TEST_F(WorkerSignalTest, ASigtermedWorkerFinishesItsRunWithinTheGraceAndExitsCleanly) {
    ChildProcess& worker = StartWorker("worker", "60");
    ASSERT_TRUE(proxy_->WaitUntilHolding(60s)) << worker.LogTail();
    ASSERT_EQ(Text(Field(Request(port_, "GET", JobPath(connection_, job_), token_), "status")),
              "running");
    ASSERT_EQ(::kill(worker.pid(), SIGTERM), 0);
    // The worker stops claiming but lets its run go on: the storage answers again after the
    // signal, and the run ends before the worker does.
    std::this_thread::sleep_for(500ms);
    EXPECT_TRUE(worker.Running()) << "the worker left before its run ended:\n" << worker.LogTail();
    proxy_->Open();
    EXPECT_EQ(worker.Wait(60s), std::optional<int>(0)) << worker.LogTail();
    const auto runs = Runs();
    ASSERT_EQ(runs.size(), 1U) << boost::json::serialize(runs);
    EXPECT_EQ(Text(runs[0].as_object().at("status")), "succeeded") << boost::json::serialize(runs);
    ExpectExactMirror();
    const std::string log = LogOf("worker");
    EXPECT_EQ(LogEvents(log, "worker.stopping").size(), 1U) << log;
    EXPECT_EQ(LogEvents(log, "worker.stopped").size(), 1U) << log;
    const auto finished = LogEvents(log, "worker.run_finished");
    ASSERT_EQ(finished.size(), 1U) << log;
    EXPECT_EQ(finished[0].at("status"), "succeeded");
}

TEST_F(WorkerSignalTest, ARunStillGoingAfterTheGraceIsHandedBackAndAnotherWorkerResumesIt) {
    ChildProcess& first = StartWorker("worker-1", "1");
    ASSERT_TRUE(proxy_->WaitUntilHolding(60s)) << first.LogTail();
    // The storage holds on: the grace (1 s) runs out, the run goes back to the queue at once
    // (not after its lease lapses) and the worker exits cleanly.
    const auto signalled = std::chrono::steady_clock::now();
    EXPECT_EQ(first.Stop(SIGTERM, 30s), 0) << first.LogTail();
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, 25s) << first.LogTail();
    auto runs = Runs();
    ASSERT_EQ(runs.size(), 1U) << boost::json::serialize(runs);
    EXPECT_EQ(Text(runs[0].as_object().at("status")), "queued") << boost::json::serialize(runs);
    EXPECT_TRUE(fs::exists(sync_root_ / "mirror")) << "the run had made progress";

    proxy_->Open();
    ChildProcess& second = StartWorker("worker-2", "20");
    const auto done = WaitForJob(port_, token_, connection_, job_, 120s);
    EXPECT_EQ(Text(done.at("status")), "succeeded")
        << boost::json::serialize(done) << second.LogTail();
    runs = Runs();
    ASSERT_EQ(runs.size(), 1U) << "the run handed back is the run resumed: "
                               << boost::json::serialize(runs);
    ExpectExactMirror();
    const auto resumed = LogEvents(LogOf("worker-2"), "worker.run_started");
    ASSERT_EQ(resumed.size(), 1U) << LogOf("worker-2");
    EXPECT_EQ(resumed[0].at("resumed"), "true");
    EXPECT_EQ(second.Stop(SIGTERM, 30s), 0) << second.LogTail();
}

}  // namespace
}  // namespace cerulean::testing
