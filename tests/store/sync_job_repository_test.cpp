#include "store/sync_job_repository.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "store/connection_repository.hpp"
#include "store/database_fixture.hpp"
#include "store/migrations.hpp"

namespace cerulean::store {
namespace {

using core::RunStatus;
using std::chrono::milliseconds;

constexpr milliseconds kLease{30'000};
constexpr core::UnixMillis kT0 = 1'800'000'000'000;  // a fixed "now" the tests move by hand

class SyncJobRepositoryTest : public testing::DatabaseTest {
 protected:
    void SetUp() override {
        DatabaseTest::SetUp();
        Migrate(*db_);
        repo_ = std::make_unique<SyncJobRepository>(db_);
        connections_ = std::make_unique<ConnectionRepository>(
            db_, std::make_shared<crypto::Vault>(
                     std::vector<crypto::VaultKey>{{"k1", std::string(32, 'k')}}));
        UserRepository users(db_);
        for (const char* email : {"alice@x.io", "bob@x.io"}) {
            core::User user;
            user.email = email;
            user.password_hash = "h";
            const std::int64_t user_id = users.Create(user).id;
            core::Connection c;
            c.user_id = user_id;
            c.name = "main";
            c.account_name = "acct";
            c.auth_type = core::AuthType::kAccountKey;
            c.endpoint = "https://acct.blob.core.windows.net";
            users_.push_back(user_id);
            connection_ids_.push_back(connections_->Create(c, "{}").id);
        }
    }

    static core::SyncJobSpec Download(std::optional<std::int64_t> interval = std::nullopt) {
        core::SyncJobSpec spec;
        spec.direction = "download";
        spec.container = "docs";
        spec.prefix = "reports/";
        spec.local_path = "team-a/reports";
        spec.interval_seconds = interval;
        return spec;
    }

    // Alice's new job.
    core::SyncJob Create(std::optional<std::int64_t> interval = std::nullopt,
                         core::UnixMillis now = kT0) {
        return repo_->Create(users_[0], connection_ids_[0], Download(interval), now);
    }

    core::SyncJob Reload(const core::SyncJob& job) {
        auto got = repo_->Get(job.user_id, job.connection_id, job.id);
        EXPECT_TRUE(got);
        return got.value_or(core::SyncJob{});
    }

    std::unique_ptr<SyncJobRepository> repo_;
    std::unique_ptr<ConnectionRepository> connections_;
    std::vector<std::int64_t> users_;
    std::vector<std::int64_t> connection_ids_;
};

TEST_P(SyncJobRepositoryTest, CreatingAJobQueuesItsFirstRun) {
    const core::SyncJob job = Create(600);
    EXPECT_GT(job.id, 0);
    EXPECT_EQ(job.spec.direction, "download");
    EXPECT_EQ(job.spec.prefix, "reports/");
    EXPECT_EQ(job.spec.local_path, "team-a/reports");
    EXPECT_EQ(job.spec.interval_seconds, 600);
    EXPECT_FALSE(job.spec.target_connection_id);
    ASSERT_TRUE(job.latest_run);
    EXPECT_EQ(job.latest_run->status, RunStatus::kQueued);
    EXPECT_EQ(job.latest_run->trigger, core::RunTrigger::kCreate);
    EXPECT_EQ(job.latest_run->attempt, 1);
    EXPECT_FALSE(job.next_run_at);  // set when the run ends
    EXPECT_EQ(repo_->CountLive(), 1);
}

TEST_P(SyncJobRepositoryTest, AnotherUsersJobLooksMissing) {
    const core::SyncJob job = Create();
    EXPECT_FALSE(repo_->Get(users_[1], connection_ids_[0], job.id));
    EXPECT_FALSE(repo_->Get(users_[1], connection_ids_[1], job.id));
    EXPECT_FALSE(repo_->Get(users_[0], connection_ids_[1], job.id));  // not under that connection
    EXPECT_FALSE(
        repo_->QueueRun(users_[1], connection_ids_[1], job.id, core::RunTrigger::kManual, kT0));
    EXPECT_FALSE(repo_->Cancel(users_[1], connection_ids_[1], job.id, kT0));
    EXPECT_FALSE(repo_->ListRuns(users_[1], connection_ids_[1], job.id, 0, 10));
    EXPECT_FALSE(repo_->GetRun(users_[1], connection_ids_[1], job.id, job.latest_run->id));
    EXPECT_FALSE(repo_->Delete(users_[1], connection_ids_[1], job.id));
    EXPECT_EQ(repo_->List(users_[1], connection_ids_[1], 0, 10).total, 0);
    EXPECT_TRUE(repo_->Get(users_[0], connection_ids_[0], job.id));
}

TEST_P(SyncJobRepositoryTest, ListsNewestFirstWithTheTotal) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(Create().id);
    const auto page = repo_->List(users_[0], connection_ids_[0], 1, 2);
    EXPECT_EQ(page.total, 5);
    ASSERT_EQ(page.items.size(), 2U);
    EXPECT_EQ(page.items[0].id, ids[3]);
    EXPECT_EQ(page.items[1].id, ids[2]);
    EXPECT_TRUE(page.items[0].latest_run);
}

TEST_P(SyncJobRepositoryTest, AJobHasAtMostOneLiveRun) {
    const core::SyncJob job = Create();
    try {
        repo_->QueueRun(users_[0], connection_ids_[0], job.id, core::RunTrigger::kManual, kT0);
        FAIL() << "a second live run was queued";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.reason(), "sync_run_active");
    }
    // Once the run has ended, another may be queued.
    const auto claimed = repo_->Claim("w/0", kT0, kLease);
    ASSERT_TRUE(claimed);
    ASSERT_TRUE(
        repo_->Finish(claimed->run.id, "w/0", {RunStatus::kSucceeded, {}, {}, {}, {}}, kT0 + 1));
    const auto again =
        repo_->QueueRun(users_[0], connection_ids_[0], job.id, core::RunTrigger::kManual, kT0 + 2);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->trigger, core::RunTrigger::kManual);
    EXPECT_EQ(repo_->ListRuns(users_[0], connection_ids_[0], job.id, 0, 10)->total, 2);
}

TEST_P(SyncJobRepositoryTest, ManyWorkersClaimEachRunOnce) {
    constexpr int kJobs = 40;
    for (int i = 0; i < kJobs; ++i) Create();
    std::mutex mutex;
    std::map<std::int64_t, int> claims;  // run id -> times claimed
    std::set<std::string> workers_seen;
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) {
        workers.emplace_back([&, w] {
            const std::string id = "w/" + std::to_string(w);
            while (auto claimed = repo_->Claim(id, kT0, kLease)) {
                const std::lock_guard lock(mutex);
                ++claims[claimed->run.id];
                workers_seen.insert(id);
                EXPECT_EQ(claimed->run.status, RunStatus::kRunning);
                EXPECT_EQ(claimed->run.worker_id, id);
                EXPECT_EQ(claimed->job.id, claimed->run.job_id);
            }
        });
    }
    for (auto& t : workers) t.join();
    EXPECT_EQ(claims.size(), static_cast<std::size_t>(kJobs));
    for (const auto& [run, count] : claims) EXPECT_EQ(count, 1) << "run " << run;
    EXPECT_FALSE(repo_->Claim("late", kT0, kLease));
}

TEST_P(SyncJobRepositoryTest, ARunWhoseLeaseLapsedIsClaimedAgainAndTheOldHolderLosesIt) {
    const core::SyncJob job = Create();
    const auto first = repo_->Claim("dead/0", kT0, kLease);
    ASSERT_TRUE(first);
    // Within the lease nobody else gets it.
    EXPECT_FALSE(repo_->Claim("live/0", kT0 + kLease.count() - 1, kLease));
    const core::UnixMillis later = kT0 + kLease.count() + 1;
    const auto second = repo_->Claim("live/0", later, kLease);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->run.id, first->run.id);
    EXPECT_EQ(second->run.worker_id, "live/0");
    EXPECT_EQ(second->run.started_at, kT0);  // the first start is kept
    EXPECT_EQ(first->run.claims, 1);
    EXPECT_EQ(second->run.claims, 2);
    // The dead worker, back from a pause, can neither beat, nor finish, nor hand it back.
    EXPECT_EQ(repo_->Beat(first->run.id, "dead/0", {}, later, kLease), Heartbeat::kLost);
    EXPECT_FALSE(
        repo_->Finish(first->run.id, "dead/0", {RunStatus::kFailed, {}, {}, {}, {}}, later));
    EXPECT_FALSE(repo_->Release(first->run.id, "dead/0", later));
    EXPECT_EQ(Reload(job).latest_run->status, RunStatus::kRunning);
    EXPECT_EQ(repo_->Beat(first->run.id, "live/0", {}, later, kLease), Heartbeat::kContinue);
}

TEST_P(SyncJobRepositoryTest, HeartbeatsRenewTheLeaseAndRecordProgress) {
    const core::SyncJob job = Create();
    const auto claimed = repo_->Claim("w/0", kT0, kLease);
    ASSERT_TRUE(claimed);
    core::RunProgress progress{10, 4, 3, 1, 2, 4096, 1024};
    const core::UnixMillis beat_at = kT0 + 20'000;
    EXPECT_EQ(repo_->Beat(claimed->run.id, "w/0", progress, beat_at, kLease), Heartbeat::kContinue);
    // The renewed lease outlasts the first one.
    EXPECT_FALSE(repo_->Claim("other/0", kT0 + kLease.count() + 1, kLease));
    const core::SyncRun run = *Reload(job).latest_run;
    EXPECT_EQ(run.progress, progress);
    EXPECT_EQ(run.lease_expires_at, beat_at + kLease.count());
}

TEST_P(SyncJobRepositoryTest, CancelEndsAQueuedRunAtOnceAndAsksARunningOneToStop) {
    const core::SyncJob queued = Create(3600);
    const auto cancelled = repo_->Cancel(users_[0], connection_ids_[0], queued.id, kT0 + 5);
    ASSERT_TRUE(cancelled);
    EXPECT_EQ(cancelled->status, RunStatus::kCancelled);
    EXPECT_EQ(cancelled->finished_at, kT0 + 5);
    EXPECT_EQ(Reload(queued).next_run_at, kT0 + 5 + 3'600'000);  // the schedule goes on
    EXPECT_FALSE(repo_->Claim("w/0", kT0 + 10, kLease));

    const core::SyncJob running = Create();
    const auto claimed = repo_->Claim("w/0", kT0, kLease);
    ASSERT_TRUE(claimed);
    const auto asked = repo_->Cancel(users_[0], connection_ids_[0], running.id, kT0 + 1);
    ASSERT_TRUE(asked);
    EXPECT_EQ(asked->status, RunStatus::kRunning);
    EXPECT_TRUE(asked->cancel_requested);
    EXPECT_EQ(repo_->Beat(claimed->run.id, "w/0", {}, kT0 + 2, kLease), Heartbeat::kCancel);
    ASSERT_TRUE(
        repo_->Finish(claimed->run.id, "w/0", {RunStatus::kCancelled, {}, {}, {}, {}}, kT0 + 3));
    try {
        repo_->Cancel(users_[0], connection_ids_[0], running.id, kT0 + 4);
        FAIL() << "an idle job was cancelled";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.reason(), "sync_run_not_active");
    }
}

TEST_P(SyncJobRepositoryTest, ATransientFailureQueuesARetryThatWaitsForItsTime) {
    const core::SyncJob job = Create(3600);
    const auto claimed = repo_->Claim("w/0", kT0, kLease);
    ASSERT_TRUE(claimed);
    RunOutcome outcome{
        RunStatus::kFailed, {}, "azure_unavailable", "the service is unavailable", kT0 + 60'000};
    ASSERT_TRUE(repo_->Finish(claimed->run.id, "w/0", outcome, kT0 + 10));
    const core::SyncJob after = Reload(job);
    ASSERT_TRUE(after.latest_run);
    EXPECT_EQ(after.latest_run->status, RunStatus::kQueued);
    EXPECT_EQ(after.latest_run->trigger, core::RunTrigger::kRetry);
    EXPECT_EQ(after.latest_run->attempt, 2);
    EXPECT_FALSE(after.next_run_at);  // the schedule waits for the retries to end
    EXPECT_FALSE(repo_->Claim("w/0", kT0 + 59'999, kLease));
    const auto retry = repo_->Claim("w/0", kT0 + 60'000, kLease);
    ASSERT_TRUE(retry);
    EXPECT_EQ(retry->run.attempt, 2);
    // The history shows both attempts, the failure with its reason.
    const auto runs = repo_->ListRuns(users_[0], connection_ids_[0], job.id, 0, 10);
    ASSERT_EQ(runs->items.size(), 2U);
    EXPECT_EQ(runs->items[1].status, RunStatus::kFailed);
    EXPECT_EQ(runs->items[1].error_code, "azure_unavailable");
    EXPECT_EQ(runs->items[1].error_message, "the service is unavailable");
}

TEST_P(SyncJobRepositoryTest, AScheduledJobIsQueuedOnceWhenDue) {
    const core::SyncJob job = Create(120);
    const auto claimed = repo_->Claim("w/0", kT0, kLease);
    ASSERT_TRUE(claimed);
    ASSERT_TRUE(
        repo_->Finish(claimed->run.id, "w/0", {RunStatus::kSucceeded, {}, {}, {}, {}}, kT0 + 1000));
    EXPECT_EQ(Reload(job).next_run_at, kT0 + 1000 + 120'000);
    EXPECT_EQ(repo_->QueueDue(kT0 + 120'999), 0);
    // Several workers look at once: one run is queued.
    std::atomic<int> queued{0};
    std::vector<std::thread> schedulers;
    for (int i = 0; i < 4; ++i) {
        schedulers.emplace_back([&] { queued += repo_->QueueDue(kT0 + 121'000); });
    }
    for (auto& t : schedulers) t.join();
    EXPECT_EQ(queued.load(), 1);
    const core::SyncJob due = Reload(job);
    EXPECT_EQ(due.latest_run->trigger, core::RunTrigger::kSchedule);
    EXPECT_EQ(due.latest_run->status, RunStatus::kQueued);
    EXPECT_FALSE(due.next_run_at);
    EXPECT_EQ(repo_->QueueDue(kT0 + 500'000), 0);  // no overlap while it is live
}

TEST_P(SyncJobRepositoryTest, AHandedBackRunIsClaimableAtOnce) {
    Create();
    const auto claimed = repo_->Claim("stopping/0", kT0, kLease);
    ASSERT_TRUE(claimed);
    ASSERT_TRUE(repo_->Release(claimed->run.id, "stopping/0", kT0 + 5));
    const auto again = repo_->Claim("other/0", kT0 + 5, kLease);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->run.id, claimed->run.id);
}

TEST_P(SyncJobRepositoryTest, DeletingTheJobOrItsConnectionRemovesItsRunsAndTheHolderLosesIt) {
    const core::SyncJob job = Create();
    const auto claimed = repo_->Claim("w/0", kT0, kLease);
    ASSERT_TRUE(claimed);
    ASSERT_TRUE(repo_->Delete(users_[0], connection_ids_[0], job.id));
    EXPECT_EQ(repo_->Beat(claimed->run.id, "w/0", {}, kT0 + 1, kLease), Heartbeat::kLost);
    EXPECT_EQ(repo_->CountLive(), 0);

    const core::SyncJob other = Create();
    ASSERT_TRUE(repo_->Claim("w/1", kT0, kLease));
    ASSERT_TRUE(connections_->Delete(users_[0], connection_ids_[0]));
    EXPECT_FALSE(repo_->Get(users_[0], connection_ids_[0], other.id));
    EXPECT_EQ(repo_->CountLive(), 0);
}

TEST_P(SyncJobRepositoryTest, StatsCountTheLiveQueueAtAMoment) {
    const QueueStats empty = repo_->Stats(kT0);
    EXPECT_EQ(empty.queued, 0);
    EXPECT_EQ(empty.running, 0);
    EXPECT_EQ(empty.due, 0);
    EXPECT_FALSE(empty.oldest_due);
    EXPECT_EQ(empty.active_leases, 0);

    Create(std::nullopt, kT0);  // due at kT0: claimed below
    Create(std::nullopt, kT0 + 1000);
    Create(std::nullopt, kT0 + 2000);
    const auto claimed = repo_->Claim("w/0", kT0 + 500, kLease);
    ASSERT_TRUE(claimed);
    const QueueStats at = repo_->Stats(kT0 + 1500);
    EXPECT_EQ(at.queued, 2);
    EXPECT_EQ(at.running, 1);
    EXPECT_EQ(at.due, 1);  // the third is not due yet
    EXPECT_EQ(at.oldest_due, kT0 + 1000);
    EXPECT_EQ(at.active_leases, 1);

    // Past the lease, the running run's worker is presumed gone.
    const QueueStats later = repo_->Stats(kT0 + 500 + kLease.count() + 1);
    EXPECT_EQ(later.due, 2);
    EXPECT_EQ(later.oldest_due, kT0 + 1000);
    EXPECT_EQ(later.active_leases, 0);

    // Ended runs are history, not queue.
    ASSERT_TRUE(
        repo_->Finish(claimed->run.id, "w/0", {RunStatus::kSucceeded, {}, {}, {}, {}}, kT0 + 1600));
    const QueueStats after = repo_->Stats(kT0 + 1600);
    EXPECT_EQ(after.running, 0);
    EXPECT_EQ(after.queued, 2);
}

CERULEAN_ON_BOTH_DATABASES(SyncJobRepositoryTest);

}  // namespace
}  // namespace cerulean::store
