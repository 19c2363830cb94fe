#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/sync_job.hpp"
#include "store/database.hpp"
#include "store/user_repository.hpp"

namespace cerulean::store {

/// How a worker's run ended, as Finish records it.
struct RunOutcome {
    core::RunStatus status = core::RunStatus::kSucceeded;  ///< succeeded, failed or cancelled
    core::RunProgress progress;                            ///< final counters
    std::optional<std::string> error_code;                 ///< stable reason (failed)
    std::optional<std::string> error_message;              ///< readable, no secret (failed)
    /// Failed by a transient error and worth another attempt: a new run (trigger "retry",
    /// attempt + 1) is queued, not to be claimed before this time.
    std::optional<core::UnixMillis> retry_at;
};

/// The live part of the queue at one moment, for monitoring (/metrics, /readyz).
struct QueueStats {
    std::int64_t queued = 0;   ///< runs queued, due or not
    std::int64_t running = 0;  ///< runs running
    std::int64_t due = 0;      ///< queued runs due: waiting for a worker to claim them
    /// When the run that has waited longest became due; nullopt when none is due.
    std::optional<core::UnixMillis> oldest_due;
    std::int64_t active_leases = 0;  ///< running runs whose lease has not lapsed
};

/// A run a worker has claimed, with its job.
struct ClaimedRun {
    core::SyncRun run;  ///< the run, now running under the worker's lease
    core::SyncJob job;  ///< its job (without latest_run)
};

/// What a heartbeat tells the worker holding a run.
enum class Heartbeat {
    kContinue,  ///< the lease is renewed
    kCancel,    ///< the lease is renewed, and a user asked the run to stop
    kLost,      ///< the run is no longer this worker's (deleted, or claimed after the lease
                ///< lapsed): stop at once and record nothing
};

/// Sync jobs and their runs: the durable queue. Calls made for a user are scoped to the user
/// and the connection in the request's path (another user's job looks exactly like a missing
/// one); the worker calls are not. A job has at most one run queued or running (a unique
/// index guards it on both dialects); a run is held by one worker at a time under a lease.
class SyncJobRepository {
 public:
    /// A repository over `db`.
    explicit SyncJobRepository(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    // --- For users -------------------------------------------------------------------------

    /// Stores a new job of the user on `connection_id` and queues its first run (trigger
    /// "create"), in one transaction.
    core::SyncJob Create(std::int64_t user_id, std::int64_t connection_id,
                         const core::SyncJobSpec& spec, core::UnixMillis now);
    /// The user's job `job_id` on `connection_id`, with its latest run.
    std::optional<core::SyncJob> Get(std::int64_t user_id, std::int64_t connection_id,
                                     std::int64_t job_id);
    /// The user's jobs on `connection_id`, newest first, each with its latest run.
    Page<core::SyncJob> List(std::int64_t user_id, std::int64_t connection_id, std::int64_t skip,
                             std::int64_t limit);
    /// Deletes the job and its runs (a worker running one finds its lease lost and stops);
    /// false when there is no such job.
    bool Delete(std::int64_t user_id, std::int64_t connection_id, std::int64_t job_id);
    /// Queues a run of the job now; nullopt when there is no such job. Throws core::Error
    /// (kFailedPrecondition, "sync_run_active") when a run is queued or running already.
    std::optional<core::SyncRun> QueueRun(std::int64_t user_id, std::int64_t connection_id,
                                          std::int64_t job_id, core::RunTrigger trigger,
                                          core::UnixMillis now);
    /// Asks the job's live run to stop: a queued one is cancelled at once, a running one when
    /// its worker next beats. Returns the run as it is then; nullopt when there is no such
    /// job. Throws core::Error (kFailedPrecondition, "sync_run_not_active") when none is live.
    std::optional<core::SyncRun> Cancel(std::int64_t user_id, std::int64_t connection_id,
                                        std::int64_t job_id, core::UnixMillis now);
    /// The job's run `run_id`; nullopt when there is no such job or run.
    std::optional<core::SyncRun> GetRun(std::int64_t user_id, std::int64_t connection_id,
                                        std::int64_t job_id, std::int64_t run_id);
    /// The job's runs, newest first; nullopt when there is no such job.
    std::optional<Page<core::SyncRun>> ListRuns(std::int64_t user_id, std::int64_t connection_id,
                                                std::int64_t job_id, std::int64_t skip,
                                                std::int64_t limit);

    // --- For workers -----------------------------------------------------------------------

    /// Claims the oldest claimable run for `worker_id` with a lease until `now + lease`: a
    /// queued run due by `now`, or a running one whose lease has lapsed (its worker died). One
    /// statement, atomic on both dialects (PostgreSQL: FOR UPDATE SKIP LOCKED, so that workers
    /// never wait on each other; SQLite: one writer at a time). nullopt when none is claimable.
    std::optional<ClaimedRun> Claim(const std::string& worker_id, core::UnixMillis now,
                                    std::chrono::milliseconds lease);
    /// Renews the lease of a run `worker_id` holds and records its counters.
    Heartbeat Beat(std::int64_t run_id, const std::string& worker_id,
                   const core::RunProgress& progress, core::UnixMillis now,
                   std::chrono::milliseconds lease);
    /// Ends a run `worker_id` holds: records the outcome, then queues the retry it asks for,
    /// or sets a scheduled job's next_run_at. False (nothing recorded) when the run is no
    /// longer the worker's.
    bool Finish(std::int64_t run_id, const std::string& worker_id, const RunOutcome& outcome,
                core::UnixMillis now);
    /// Hands a running run back to the queue (its worker is shutting down): any worker may
    /// claim it at once and resume it. False when it is no longer the worker's.
    bool Release(std::int64_t run_id, const std::string& worker_id, core::UnixMillis now);
    /// Queues a run (trigger "schedule") for each scheduled job that is due by `now` and has
    /// no live run; returns how many. Safe to call from many workers at once: a due job is
    /// queued once.
    int QueueDue(core::UnixMillis now);
    /// Runs queued or running, for monitoring and tests.
    std::int64_t CountLive();
    /// The queue at `now`: one query over the live runs only (an index range), whatever the
    /// length of the history.
    QueueStats Stats(core::UnixMillis now);

 private:
    std::shared_ptr<Database> db_;
};

}  // namespace cerulean::store
