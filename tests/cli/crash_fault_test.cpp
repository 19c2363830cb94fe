// Crashes around `cerulean serve` (issue 13, "Faults"): Azurite killed (SIGKILL) and started
// again on the same port and data in the middle of a sync run, which resumes and finishes with
// the exact tree; and the server itself SIGKILLed while API uploads and a download are in
// flight: on restart the database opens, every acknowledged upload (and database write) is
// there with its exact bytes, and no partial blob is visible.

#include <unistd.h>

#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/fault_fixture.hpp"
#include "support/azurite_server.hpp"
#include "support/budget_proxy.hpp"
#include "support/files.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The body bytes of a raw response read so far (after its head), or all of it when no head yet.
std::size_t BodyBytes(const std::string& raw) {
    const auto split = raw.find("\r\n\r\n");
    return split == std::string::npos ? 0 : raw.size() - split - 4;
}

// --- b. Azurite killed in the middle of a sync run -----------------------------------------------

class AzuriteCrashTest : public FaultServeTest {};

TEST_F(AzuriteCrashTest, ASyncRunThroughAKilledAndRestartedAzuriteFinishesExactly) {
    AzuriteOptions options;
    options.in_memory = false;  // blobs on disk, there again after the restart
    AzuriteServer azurite(options);
    const auto client = azure::BlobClient::FromConnectionString(azurite.connection_string());
    const std::string container = UniqueName("crash");
    client.CreateContainer(container);
    // Small files and one above the 32 MiB single-shot threshold (ranges and a resume record).
    std::map<std::string, std::string> tree;
    std::uint64_t total = 0;
    for (int i = 0; i < 30; ++i) {
        std::string name = "f";
        name += std::to_string(i);
        tree[name] = PatternBytes(128 * kKiB + static_cast<std::size_t>(i) * 999, 300 + i);
    }
    tree["big/large.bin"] = PatternBytes(36 * kMiB + 5, 77);
    for (const auto& [name, bytes] : tree) {
        client.PutBlob(container, "data/" + name, azure::RequestBody::FromBytes(bytes), {});
        total += bytes.size();
    }
    // Azurite saves its index of blobs now and then: a clean stop saves it, so that the kill
    // below loses nothing that the test put.
    azurite.Restart();

    // Answers stop after a third of the bytes: the kill finds the run in the middle.
    BudgetProxy proxy(azurite.port(), total / 3);
    StartServer();
    const std::int64_t connection = Connect(proxy.azurite_endpoint());
    const std::int64_t job = CreateJob(connection, {{"direction", "download"},
                                                    {"container", container},
                                                    {"prefix", "data/"},
                                                    {"local_path", "mirror"}});
    ASSERT_TRUE(proxy.WaitUntilHolding(60s)) << Log();
    azurite.Kill();
    proxy.Open();  // what was held goes on to a dead server: the connections break
    std::vector<std::string> temporaries;
    const auto at_kill = HashedTree(sync_root_ / "mirror", &temporaries);
    EXPECT_LT(at_kill.size(), tree.size()) << "the kill came too late to test anything";
    // Down for longer than a call's retries last (about 6 s): the run cannot simply wait.
    std::this_thread::sleep_for(8s);
    azurite.Start();

    // The first attempt may have ridden it out, or failed as transient with a retry queued
    // (15 s later); either way the job ends succeeded.
    const auto first = WaitForFirstRun(connection, job, 90s);
    ASSERT_FALSE(first.empty());
    std::cerr << "first attempt: " << boost::json::serialize(first) << "\n";
    const std::string job_path = ConnectionPath(connection, "/sync_jobs/" + std::to_string(job));
    // The job shows its latest run: a retry queued with the first's failure keeps it going.
    Answer state;
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    for (;;) {
        state = Api("GET", job_path);
        const std::string status = state.Field("status");
        if (status == "succeeded" || status == "failed" || status == "cancelled") break;
        if (std::chrono::steady_clock::now() > deadline) break;
        std::this_thread::sleep_for(250ms);
    }
    ASSERT_EQ(state.Field("status"), "succeeded") << state.Show() << "\n" << Log();
    if (first.at("status") != "succeeded") {
        // The retry is a run of its own, "retry", after a transient error of the first.
        const std::string code = first.at("error_code").is_string()
                                     ? std::string(first.at("error_code").as_string())
                                     : std::string();
        EXPECT_TRUE(code == "azure_unreachable" || code == "azure_unavailable" ||
                    code == "azure_timeout" || code == "files_failed")
            << boost::json::serialize(first);
    }

    temporaries.clear();
    const auto files = HashedTree(sync_root_ / "mirror", &temporaries);
    EXPECT_EQ(temporaries, std::vector<std::string>{});
    ASSERT_EQ(files.size(), tree.size());
    for (const auto& [name, bytes] : tree) {
        EXPECT_EQ(files.count(name) ? files.at(name) : "missing", Fingerprint(bytes)) << name;
    }
}

// --- c. The server killed during uploads and a download ------------------------------------------

class ServerCrashTest : public FaultServeTest {};

TEST_F(ServerCrashTest, AKilledServerKeepsEveryAcknowledgedUploadAndShowsNoPartialBlob) {
    const Env env{{"CERULEAN_WORKERS", "0"}};
    StartServer(env);
    const std::int64_t connection = Connect(SharedAzurite().blob_endpoint());
    const std::string blobs = ConnectionPath(connection, "/blobs");
    // A blob that an interrupted upload tries to replace, and one to download.
    const std::string before = PatternBytes(300 * kKiB, 1);
    const std::string big = PatternBytes(48 * kMiB + 1, 2);
    PutBlobs(container_, {{"replaced.bin", before}, {"big.bin", big}});

    // Uploaders that go on until the kill, small blobs and blocks alike; each remembers what
    // the server acknowledged (201) and what it was sending when the server died.
    std::mutex mutex;
    std::map<std::string, std::string> acknowledged;
    std::map<std::string, std::string> unanswered;
    std::atomic<bool> stop{false};
    std::vector<std::thread> uploaders;
    for (int t = 0; t < 3; ++t) {
        uploaders.emplace_back([&, t] {
            for (int i = 0; !stop; ++i) {
                std::string name = "c/t";
                name += std::to_string(t) + "-" + std::to_string(i);
                const std::size_t size = (i % 3 == 2) ? 6 * kMiB + 7 : 200 * kKiB + 13 * i;
                const std::string bytes = PatternBytes(size, 1000 * t + i);
                const Answer answer = Exchange(port_, "POST", blobs + "?name=" + name, token_,
                                               bytes, "Content-Type: application/x-crash\r\n");
                const std::lock_guard lock(mutex);
                if (answer.status == 201) {
                    acknowledged[name] = bytes;
                } else {
                    unanswered[name] = bytes;
                }
            }
        });
    }
    // A database write acknowledged just before the kill.
    const std::int64_t job = CreateJob(
        connection,
        {{"direction", "download"}, {"container", container_}, {"local_path", "never-run"}});
    ASSERT_GT(job, 0);

    // An upload replacing replaced.bin, cut after two of its three blocks.
    const std::string after = PatternBytes(12 * kMiB, 3);
    const int upload = Dial(port_);
    ASSERT_GE(upload, 0);
    ASSERT_TRUE(SendAll(upload, "POST " + blobs + "?name=replaced.bin HTTP/1.1\r\nHost: x\r\n" +
                                    "Authorization: Bearer " + token_ +
                                    "\r\nContent-Type: application/x-new\r\nContent-Length: " +
                                    std::to_string(after.size()) + "\r\n\r\n"));
    ASSERT_TRUE(SendAll(upload, std::string_view(after).substr(0, 9 * kMiB)));
    // A download under way.
    const int download = Dial(port_);
    ASSERT_GE(download, 0);
    ASSERT_TRUE(SendAll(download, "GET " + blobs + "/content?name=big.bin HTTP/1.1\r\nHost: x\r\n" +
                                      "Authorization: Bearer " + token_ + "\r\n\r\n"));
    auto [head, ended] = ReadFrom(download, 2 * kMiB, 30'000ms);  // the head and a MiB or more
    ASSERT_TRUE(head.starts_with("HTTP/1.1 200")) << head.substr(0, 512);
    ASSERT_FALSE(ended);

    // Let the uploaders get some acknowledged, then kill the server mid-flight.
    const auto wait_until = std::chrono::steady_clock::now() + 30s;
    for (;;) {
        {
            const std::lock_guard lock(mutex);
            if (acknowledged.size() >= 6 || std::chrono::steady_clock::now() > wait_until) break;
        }
        std::this_thread::sleep_for(20ms);
    }
    std::this_thread::sleep_for(500ms);  // the staged blocks of the cut upload reach Azure
    EXPECT_EQ(server_->Stop(SIGKILL, 5s), 128 + SIGKILL);
    stop = true;
    for (auto& thread : uploaders) thread.join();

    // The download's client sees a body short of its Content-Length.
    auto [rest, closed] = ReadFrom(download, SIZE_MAX, 30'000ms);
    EXPECT_TRUE(closed);
    EXPECT_LT(BodyBytes(head + rest), big.size());
    ::close(download);
    ::close(upload);

    // Restarted on the same data: the database opens, and the user, the connection and the job
    // written before the kill are all there.
    StartServer(env);
    EXPECT_EQ(Exchange(port_, "GET", "/readyz").status, 200) << Log();
    const boost::json::object login{{"username", email_}, {"password", "password123"}};
    const Answer token =
        Exchange(port_, "POST", "/api/v1/auth/token", {}, boost::json::serialize(login),
                 "Content-Type: application/json\r\n");
    ASSERT_EQ(token.status, 200) << token.Show();
    EXPECT_EQ(Api("GET", ConnectionPath(connection, "")).status, 200);
    EXPECT_EQ(Api("GET", ConnectionPath(connection, "/sync_jobs/" + std::to_string(job))).status,
              200);

    // Every acknowledged upload, exact; the others absent or whole (committed just before the
    // kill); the interrupted replacement left the old blob as it was.
    std::cerr << acknowledged.size() << " uploads acknowledged, " << unanswered.size()
              << " cut by the kill\n";
    ASSERT_GE(acknowledged.size(), 6U);
    for (const auto& [name, bytes] : acknowledged) {
        const auto stored = Stored(container_, name);
        ASSERT_TRUE(stored.has_value()) << name << " was acknowledged, then lost";
        EXPECT_EQ(Fingerprint(*stored), Fingerprint(bytes)) << name;
    }
    for (const auto& [name, bytes] : unanswered) {
        if (const auto stored = Stored(container_, name)) {
            EXPECT_EQ(Fingerprint(*stored), Fingerprint(bytes)) << name << " is partial";
        }
    }
    EXPECT_EQ(Fingerprint(Stored(container_, "replaced.bin").value_or("")), Fingerprint(before));
    EXPECT_EQ(azure_->GetBlobProperties(container_, "replaced.bin").content_type,
              azure_->GetBlobProperties(container_, "big.bin").content_type);

    // Through the API as well: the listing names only whole blobs, and the download works.
    const Answer listed = Api("GET", blobs + "?prefix=c/&limit=5000");
    ASSERT_EQ(listed.status, 200) << listed.Show();
    for (const auto& item : listed.json.as_object().at("items").as_array()) {
        const std::string name(item.as_object().at("name").as_string());
        const auto it =
            acknowledged.contains(name) ? acknowledged.find(name) : unanswered.find(name);
        ASSERT_NE(it, unanswered.end()) << "a blob nobody uploaded: " << name;
        EXPECT_EQ(item.as_object().at("size").as_int64(),
                  static_cast<std::int64_t>(it->second.size()))
            << name;
    }
    const Answer whole = Api("GET", blobs + "/content?name=big.bin");
    EXPECT_EQ(whole.status, 200);
    EXPECT_TRUE(whole.complete);
    EXPECT_EQ(Fingerprint(whole.body), Fingerprint(big));
}

}  // namespace
}  // namespace cerulean::testing
