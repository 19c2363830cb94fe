#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "azure/transfer_pool.hpp"
#include "core/error.hpp"
#include "jobs/sync_job_service.hpp"
#include "service/audit_log.hpp"
#include "service/connection_service.hpp"
#include "store/database.hpp"
#include "store/sync_job_repository.hpp"

namespace cerulean::jobs {

/// Settings of a worker.
struct WorkerOptions {
    std::size_t runs = 2;  ///< runs executed at once (CERULEAN_WORKERS): a thread each
    /// Names this process in runs' worker_id (each thread appends "/N"); empty: host:pid.
    std::string name;
    SyncJobOptions jobs;  ///< sync root and transfer settings
    /// Threads that move the bytes of all runs (blocks and files in flight).
    std::size_t transfer_threads = 16;
    std::chrono::milliseconds lease{30'000};     ///< a run's lease without a heartbeat
    std::chrono::milliseconds heartbeat{1'000};  ///< how often a running run beats
    std::chrono::milliseconds poll{1'000};       ///< how often an idle worker looks for runs
    std::chrono::milliseconds schedule{5'000};   ///< how often due schedules are queued
    int max_attempts = 5;                        ///< attempts of a run failing transiently
    /// Claims of one run before it is failed ("run_interrupted"): a run whose worker dies each
    /// time it runs it (a crash it causes) must not be claimed forever.
    int max_claims = 10;
    std::chrono::milliseconds retry_base{15'000};  ///< the first retry's delay (doubles)
    std::chrono::milliseconds retry_cap{600'000};  ///< the longest delay between attempts
};

/// Whether a run that failed with `error` may succeed if tried again: the network, the
/// service busy or failing (5xx, throttling, timeouts); not credentials, a missing container
/// or a bad path.
bool IsTransient(const core::Error& error) noexcept;

/// The delay before attempt `attempt + 1` of a run whose attempt `attempt` failed
/// transiently: retry_base doubling, capped, with up to a fifth of jitter.
std::chrono::milliseconds RetryDelay(const WorkerOptions& options, int attempt);

/// Runs queued sync runs from the database: `runs` threads, each claiming a run under a lease,
/// running it through the sync engine while a heartbeat renews the lease, records progress
/// and notices a cancel, then recording how it ended (and queueing a retry of a transient
/// failure). One thread also queues scheduled jobs when they are due. Any number of workers,
/// in any number of processes sharing the database, may run at once: a run is executed by one
/// of them at a time, and a run whose worker died is claimed again once its lease lapses.
class Worker {
 public:
    /// A worker over `db`, reaching storage through `connections`. Does nothing until Start.
    Worker(std::shared_ptr<store::Database> db,
           std::shared_ptr<service::ConnectionService> connections, WorkerOptions options);
    /// Stops at once (Stop with no grace).
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    /// Starts the threads.
    void Start();
    /// Stops claiming runs, lets the running ones go on for up to `grace`, then stops them
    /// and hands them back to the queue (another worker resumes them at once); returns when
    /// every thread has ended. Safe to call more than once.
    void Stop(std::chrono::milliseconds grace);

    /// Runs being executed now.
    [[nodiscard]] std::size_t active() const noexcept { return active_.load(); }
    /// Runs finished (any status) since Start, for tests and monitoring.
    [[nodiscard]] std::size_t finished() const noexcept { return finished_.load(); }
    /// The settings.
    [[nodiscard]] const WorkerOptions& options() const noexcept { return options_; }
    /// True between Start (with at least one run thread) and Stop.
    [[nodiscard]] bool serving() const noexcept { return serving_.load(); }
    /// When a thread last showed it was alive (looked for a run, or renewed a lease); 0
    /// before Start. /readyz calls a worker silent for a lease's length stalled.
    [[nodiscard]] core::UnixMillis last_alive() const noexcept { return last_alive_.load(); }
    /// When a thread last looked for a run and found none claimable; 0 if never.
    [[nodiscard]] core::UnixMillis last_empty_claim() const noexcept {
        return last_empty_claim_.load();
    }

 private:
    void Loop(std::size_t index);
    void Execute(const std::string& worker_id, store::ClaimedRun claimed);
    bool Sleep(std::chrono::milliseconds duration);

    store::SyncJobRepository repo_;
    service::AuditLog audit_;
    std::shared_ptr<service::ConnectionService> connections_;
    WorkerOptions options_;
    std::unique_ptr<azure::TransferPool> pool_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;               // guarded by mutex_: no new claims
    std::atomic<bool> hand_back_{false};  // the grace is over: stop runs and requeue them
    std::atomic<std::size_t> active_{0};
    std::atomic<std::size_t> finished_{0};
    std::atomic<bool> serving_{false};
    std::atomic<core::UnixMillis> last_alive_{0};
    std::atomic<core::UnixMillis> last_empty_claim_{0};
};

/// Registers the sync families (runs finished by this process's workers, and the gauges
/// /metrics reads from the queue), so that /metrics shows them from the start.
void RegisterSyncMetrics();

/// Sets the queue gauges of /metrics from `stats` taken at `now`.
void SetQueueGauges(const store::QueueStats& stats, core::UnixMillis now);

/// A worker name for this process: "host:pid".
std::string DefaultWorkerName();

}  // namespace cerulean::jobs
