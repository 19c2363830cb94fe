// Workers against Azurite and a real database: runs to success, cancel, retries of transient
// failures, permanent failures, a job deleted under a running run, hand-back on stop, and
// schedules.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "azure/blob_client.hpp"
#include "core/error.hpp"
#include "crypto/vault.hpp"
#include "jobs/fast_worker.hpp"
#include "jobs/sync_job_service.hpp"
#include "jobs/worker.hpp"
#include "service/connection_service.hpp"
#include "store/audit_repository.hpp"
#include "store/database_fixture.hpp"
#include "store/database_impl.hpp"
#include "store/migrations.hpp"
#include "store/sync_job_repository.hpp"
#include "store/user_repository.hpp"
#include "support/budget_proxy.hpp"
#include "support/files.hpp"
#include "support/net.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::jobs {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using core::RunStatus;
using testing::SharedAzurite;
using testing::UniqueName;

class WorkerTest : public testing::DatabaseTest {
 protected:
    void SetUp() override {
        DatabaseTest::SetUp();
        store::Migrate(*db_);
        root_ = std::make_unique<testing::TempDir>("cerulean-jobs");
        service::ConnectionServiceOptions options;
        options.endpoints.allow_loopback = true;
        connections_ = std::make_shared<service::ConnectionService>(
            db_,
            std::make_shared<crypto::Vault>(
                std::vector<crypto::VaultKey>{{"k1", std::string(32, 'k')}}),
            options);
        core::User user;
        user.email = "owner@x.io";
        user.password_hash = "h";
        user_id_ = store::UserRepository(db_).Create(user).id;
        connection_id_ = Connect("direct", SharedAzurite().blob_endpoint());
        client_ =
            std::make_unique<azure::BlobClient>(connections_->Client(user_id_, connection_id_));
        container_ = UniqueName("jobs");
        client_->CreateContainer(container_);
        SyncJobOptions job_options;
        job_options.sync_root = root_->path() / "sync";
        jobs_ = std::make_unique<SyncJobService>(db_, connections_, job_options);
    }

    void TearDown() override {
        if (gate_) gate_->Open();
        worker_.reset();
        gate_.reset();
        DatabaseTest::TearDown();
    }

    std::int64_t Connect(const std::string& name, const std::string& endpoint) {
        service::ConnectionFields fields;
        fields.name = name;
        fields.auth_type = "account_key";
        fields.account_name = std::string(testing::AzuriteServer::kAccountName);
        fields.endpoint = endpoint;
        fields.credentials = std::map<std::string, std::string>{
            {"account_key", std::string(testing::AzuriteServer::kAccountKey)}};
        return connections_->Create(user_id_, fields).id;
    }

    void Put(const std::string& name, const std::string& bytes) {
        client_->PutBlob(container_, name, azure::RequestBody::FromBytes(bytes));
    }

    WorkerOptions FastWorker(std::size_t runs = 1) {
        return FastWorkerOptions(jobs_->options(), runs);
    }

    void StartWorker(WorkerOptions options) {
        worker_ = std::make_unique<Worker>(db_, connections_, std::move(options));
        worker_->Start();
    }

    core::SyncJob Download(std::int64_t connection_id, std::optional<std::int64_t> interval = {}) {
        SyncJobFields fields;
        fields.direction = "download";
        fields.container = container_;
        fields.prefix = "data/";
        fields.local_path = std::optional<std::string>("out");
        if (interval) fields.interval_seconds = std::optional<std::int64_t>(*interval);
        return jobs_->Create(user_id_, connection_id, fields);
    }

    core::SyncJob Reload(const core::SyncJob& job) {
        return jobs_->Get(user_id_, job.connection_id, job.id);
    }

    // Waits until `done(job)` holds (up to `timeout`); the job as last read.
    core::SyncJob WaitFor(const core::SyncJob& job,
                          const std::function<bool(const core::SyncJob&)>& done,
                          std::chrono::milliseconds timeout = 30s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        core::SyncJob current = Reload(job);
        while (!done(current) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20ms);
            current = Reload(job);
        }
        return current;
    }

    static bool Ended(const core::SyncJob& job) {
        return job.latest_run && core::IsFinal(job.latest_run->status);
    }

    std::vector<core::SyncRun> Runs(const core::SyncJob& job) {
        return jobs_->Runs(user_id_, job.connection_id, job.id, 0, 100).items;
    }

    fs::path Out() const { return root_->path() / "sync" / "out"; }

    // A download job through a gate held closed, started by a worker and waiting at the gate:
    // a run that stays running until the test opens the gate.
    core::SyncJob StalledRun() {
        gate_ = std::make_unique<testing::BudgetProxy>(SharedAzurite().port());
        gated_ = Connect("gated",
                         "http://127.0.0.1:" + std::to_string(gate_->port()) + "/devstoreaccount1");
        gate_->Hold();
        const core::SyncJob job = Download(gated_);
        StartWorker(FastWorker());
        const core::SyncJob running = WaitFor(job, [this](const core::SyncJob& j) {
            return j.latest_run && j.latest_run->status == RunStatus::kRunning && gate_->held() > 0;
        });
        EXPECT_EQ(running.latest_run->status, RunStatus::kRunning);
        return running;
    }

    std::unique_ptr<testing::TempDir> root_;
    std::shared_ptr<service::ConnectionService> connections_;
    std::int64_t user_id_ = 0;
    std::int64_t connection_id_ = 0;
    std::unique_ptr<azure::BlobClient> client_;
    std::string container_;
    std::unique_ptr<SyncJobService> jobs_;
    std::unique_ptr<Worker> worker_;
    std::unique_ptr<testing::BudgetProxy> gate_;  // destroyed after the worker (TearDown)
    std::int64_t gated_ = 0;
};

TEST_P(WorkerTest, RunsAQueuedJobToSuccessAndRecordsItsCounters) {
    Put("data/a.txt", "alpha");
    Put("data/sub/b.txt", "bravo!");
    Put("other/c.txt", "not in the job's folder");
    const core::SyncJob job = Download(connection_id_);
    StartWorker(FastWorker());
    const core::SyncJob done = WaitFor(job, Ended);
    ASSERT_TRUE(done.latest_run);
    EXPECT_EQ(done.latest_run->status, RunStatus::kSucceeded)
        << done.latest_run->error_message.value_or("");
    EXPECT_EQ(done.latest_run->progress.files_total, 2);
    EXPECT_EQ(done.latest_run->progress.files_done, 2);
    EXPECT_EQ(done.latest_run->progress.bytes_done, 11);
    EXPECT_EQ(testing::ReadFile(Out() / "a.txt"), "alpha");
    EXPECT_EQ(testing::ReadFile(Out() / "sub" / "b.txt"), "bravo!");
    EXPECT_FALSE(fs::exists(Out() / "c.txt"));
    EXPECT_TRUE(done.latest_run->started_at);
    EXPECT_TRUE(done.latest_run->finished_at);
    EXPECT_FALSE(done.latest_run->worker_id);
    // The audit log says which run opened the connection's credentials.
    const auto used = store::AuditRepository(db_).List({user_id_, "sync_run.", {}, {}}, 0, 10);
    ASSERT_EQ(used.total, 1);
    EXPECT_EQ(used.items[0].action, "sync_run.credentials_used");
    EXPECT_EQ(used.items[0].target_id, std::to_string(connection_id_));
    EXPECT_EQ(used.items[0].remote_address, "test/0");
    EXPECT_NE(used.items[0].detail.find("\"run_id\":" + std::to_string(done.latest_run->id)),
              std::string::npos);

    // A run queued by hand finds everything up to date.
    jobs_->RunNow(user_id_, connection_id_, job.id);
    const core::SyncJob again = WaitFor(job, [](const core::SyncJob& j) {
        return Ended(j) && j.latest_run->trigger == core::RunTrigger::kManual;
    });
    EXPECT_EQ(again.latest_run->status, RunStatus::kSucceeded);
    EXPECT_EQ(again.latest_run->progress.files_skipped, 2);
    EXPECT_EQ(again.latest_run->progress.files_done, 0);
}

TEST_P(WorkerTest, ACancelStopsARunningRunWithinSeconds) {
    for (int i = 0; i < 5; ++i) Put("data/f" + std::to_string(i), std::string(1000, 'x'));
    const core::SyncJob job = StalledRun();
    const auto asked_at = std::chrono::steady_clock::now();
    const core::SyncRun asked = jobs_->Cancel(user_id_, gated_, job.id);
    EXPECT_TRUE(asked.cancel_requested);
    const core::SyncJob cancelled = WaitFor(job, Ended, 20s);
    gate_->Open();
    ASSERT_TRUE(cancelled.latest_run);
    EXPECT_EQ(cancelled.latest_run->status, RunStatus::kCancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - asked_at, 15s);
    EXPECT_EQ(Runs(job).size(), 1U);  // a cancel is not retried
}

TEST_P(WorkerTest, ATransientFailureIsRetriedWithBackoffAndEachAttemptIsKept) {
    // Nothing listens there: the service is unreachable, which may pass.
    const int dead_port = testing::FreeLoopbackPort();
    const std::int64_t unreachable = Connect(
        "unreachable", "http://127.0.0.1:" + std::to_string(dead_port) + "/devstoreaccount1");
    const core::SyncJob job = Download(unreachable);
    StartWorker(FastWorker());
    const core::SyncJob done = WaitFor(
        job, [this](const core::SyncJob& j) { return Ended(j) && Runs(j).size() == 3; }, 90s);
    const auto runs = Runs(done);
    ASSERT_EQ(runs.size(), 3U);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const core::SyncRun& run = runs[runs.size() - 1 - i];  // oldest first
        EXPECT_EQ(run.attempt, static_cast<int>(i) + 1);
        EXPECT_EQ(run.trigger, i == 0 ? core::RunTrigger::kCreate : core::RunTrigger::kRetry);
        EXPECT_EQ(run.status, RunStatus::kFailed);
        EXPECT_EQ(run.error_code, "listing_failed");
        EXPECT_NE(run.error_message.value_or("").find("could not reach the service"),
                  std::string::npos)
            << run.error_message.value_or("");
        if (i > 0) {
            EXPECT_GE(run.run_after, runs[runs.size() - i].finished_at.value_or(0) + 50);
        }
    }
    EXPECT_EQ(done.latest_run->status, RunStatus::kFailed);  // the limit was reached: no more
}

TEST_P(WorkerTest, APermanentFailureFailsAtOnceWithAClearMessage) {
    const core::SyncJob job = [&] {
        SyncJobFields fields;
        fields.direction = "download";
        fields.container = UniqueName("missing");
        fields.local_path = std::optional<std::string>("out");
        return jobs_->Create(user_id_, connection_id_, fields);
    }();
    StartWorker(FastWorker());
    const core::SyncJob done = WaitFor(job, Ended);
    ASSERT_TRUE(done.latest_run);
    EXPECT_EQ(done.latest_run->status, RunStatus::kFailed);
    EXPECT_EQ(done.latest_run->error_code, "container_not_found");
    EXPECT_FALSE(done.latest_run->error_message.value_or("").empty());
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(Runs(done).size(), 1U);
}

TEST_P(WorkerTest, AnInactiveConnectionFailsTheRunWithConnectionInactive) {
    const core::SyncJob job = Download(connection_id_);
    service::ConnectionFields off;
    off.is_active = false;
    connections_->Patch(user_id_, connection_id_, off);
    StartWorker(FastWorker());
    const core::SyncJob done = WaitFor(job, Ended);
    EXPECT_EQ(done.latest_run->status, RunStatus::kFailed);
    EXPECT_EQ(done.latest_run->error_code, "connection_inactive");
}

TEST_P(WorkerTest, DeletingTheJobStopsItsRunningRun) {
    Put("data/f", "bytes");
    const core::SyncJob job = StalledRun();
    jobs_->Delete(user_id_, gated_, job.id);
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (worker_->active() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(worker_->active(), 0U);
    gate_->Open();
    EXPECT_FALSE(fs::exists(Out() / "f"));
    store::SyncJobRepository repo(db_);
    EXPECT_EQ(repo.CountLive(), 0);
}

TEST_P(WorkerTest, StoppingAWorkerHandsItsRunBackForAnotherToFinish) {
    Put("data/f", "bytes");
    const core::SyncJob job = StalledRun();
    worker_->Stop(0ms);
    const core::SyncJob handed = Reload(job);
    EXPECT_EQ(handed.latest_run->status, RunStatus::kQueued);
    EXPECT_FALSE(handed.latest_run->worker_id);
    gate_->Open();
    WorkerOptions other = FastWorker();
    other.name = "other";
    StartWorker(other);
    const core::SyncJob done = WaitFor(job, Ended);
    EXPECT_EQ(done.latest_run->status, RunStatus::kSucceeded);
    EXPECT_EQ(done.latest_run->id, job.latest_run->id);  // the same run, resumed
    EXPECT_EQ(testing::ReadFile(Out() / "f"), "bytes");
}

TEST_P(WorkerTest, ARunWhoseWorkersKeepDyingIsFailedInsteadOfClaimedForever) {
    const core::SyncJob job = Download(connection_id_);
    // Ten workers died holding it already.
    store::WithSession(*db_, [&](store::Session& session) {
        long long id = job.latest_run->id;
        session.sql() << "UPDATE azure_blob_sync_runs SET claims = 10 WHERE id = :r", soci::use(id);
    });
    StartWorker(FastWorker());
    const core::SyncJob done = WaitFor(job, Ended);
    EXPECT_EQ(done.latest_run->status, RunStatus::kFailed);
    EXPECT_EQ(done.latest_run->error_code, "run_interrupted");
    EXPECT_EQ(Runs(done).size(), 1U);  // not a transient failure: no retry
}

TEST_P(WorkerTest, ADryRunThatOutlastsItsDeadlineAnswersPlanTimeout) {
    gate_ = std::make_unique<testing::BudgetProxy>(SharedAzurite().port());
    gated_ = Connect("gated", gate_->azurite_endpoint());
    Put("data/a", "1");
    const core::SyncJob job = Download(gated_);
    SyncJobOptions hurried = jobs_->options();
    hurried.plan_timeout = 300ms;
    SyncJobService service(db_, connections_, hurried);
    EXPECT_EQ(service.Plan(user_id_, gated_, job.id).copy, 1U);  // in time
    gate_->Hold();                                               // the listing's answer never comes
    try {
        (void)service.Plan(user_id_, gated_, job.id);
        FAIL() << "the plan outlived its deadline";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), core::ErrorCode::kDeadlineExceeded);
        EXPECT_EQ(e.reason(), "plan_timeout");
    }
}

TEST_P(WorkerTest, AScheduledJobRunsAgainWhenDue) {
    Put("data/a", "1");
    const core::SyncJob job = Download(connection_id_, 3600);
    StartWorker(FastWorker());
    const core::SyncJob first = WaitFor(job, Ended);
    ASSERT_EQ(first.latest_run->status, RunStatus::kSucceeded);
    ASSERT_TRUE(first.next_run_at);
    EXPECT_GE(*first.next_run_at, first.latest_run->finished_at.value_or(0) + 3'600'000);
    // An hour passes.
    store::WithSession(*db_, [&](store::Session& session) {
        long long id = job.id;
        session.sql() << "UPDATE azure_blob_sync_jobs SET next_run_at = 1 WHERE id = :j",
            soci::use(id);
    });
    Put("data/b", "2");
    const core::SyncJob second = WaitFor(job, [](const core::SyncJob& j) {
        return Ended(j) && j.latest_run->trigger == core::RunTrigger::kSchedule;
    });
    EXPECT_EQ(second.latest_run->status, RunStatus::kSucceeded);
    EXPECT_EQ(second.latest_run->progress.files_done, 1);
    EXPECT_EQ(testing::ReadFile(Out() / "b"), "2");
    EXPECT_TRUE(second.next_run_at);
    EXPECT_EQ(Runs(second).size(), 2U);
}

CERULEAN_ON_BOTH_DATABASES(WorkerTest);

}  // namespace
}  // namespace cerulean::jobs
