#include "jobs/worker.hpp"

#include <unistd.h>

#include <algorithm>
#include <random>
#include <stop_token>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "sync/local_path.hpp"
#include "sync/sync_engine.hpp"

namespace cerulean::jobs {
namespace {

using core::RunStatus;
using Clock = std::chrono::steady_clock;

core::RunProgress ToRunProgress(const sync::SyncProgress& p) {
    core::RunProgress out;
    out.files_total = static_cast<std::int64_t>(p.files_total);
    out.files_done = static_cast<std::int64_t>(p.files_done);
    out.files_skipped = static_cast<std::int64_t>(p.files_skipped);
    out.files_failed = static_cast<std::int64_t>(p.files_failed);
    out.files_deleted = static_cast<std::int64_t>(p.files_deleted);
    out.bytes_total = static_cast<std::int64_t>(p.bytes_total);
    out.bytes_done = static_cast<std::int64_t>(p.bytes_done);
    return out;
}

std::string ReasonOf(const core::Error& error) {
    return error.reason().empty() ? std::string(core::ToString(error.code())) : error.reason();
}

// A credential refused during a run that has since reached its fixed end (a SAS's expiry, a
// given token's): the service's words ("failed to authenticate") become what happened.
std::optional<core::Error> ExpiredCredential(const ResolvedJob& job, const core::Error& error) {
    if (error.reason() != "azure_auth_failed") return std::nullopt;
    for (const azure::BlobClient* client : {job.client.get(), job.target_client.get()}) {
        if (client == nullptr) continue;
        const auto end = client->credential().expires_at();
        if (!end || core::NowMillis() < *end) continue;
        const char* what = client->credential().type() == azure::CredentialType::kSas
                               ? "SAS token"
                               : "access token";
        return core::Error(
            error.code(),
            std::string("the connection's ") + what + " expired at " + core::FormatRfc3339(*end) +
                " during the run: give the connection a new one (" + error.what() + ")",
            "azure_auth_failed");
    }
    return std::nullopt;
}

namespace metrics = core::metrics;

struct SyncMetrics {
    metrics::Family<metrics::Counter>& finished = metrics::DefaultRegistry().AddCounter(
        "cerulean_sync_runs_finished_total",
        "Sync runs this process's workers ended, by status (succeeded, failed, cancelled).",
        {"status"});
    metrics::Family<metrics::Gauge>& runs = metrics::DefaultRegistry().AddGauge(
        "cerulean_sync_runs", "Sync runs live in the queue now, by status (queued, running).",
        {"status"});
    metrics::Gauge& depth = metrics::DefaultRegistry()
                                .AddGauge("cerulean_sync_queue_depth",
                                          "Queued sync runs due now, waiting for a worker.")
                                .Get();
    metrics::Gauge& oldest =
        metrics::DefaultRegistry()
            .AddGauge("cerulean_sync_queue_oldest_seconds",
                      "How long the longest-waiting due run has waited (0 when none waits).")
            .Get();
    metrics::Gauge& leases =
        metrics::DefaultRegistry()
            .AddGauge("cerulean_sync_active_leases",
                      "Running sync runs whose worker's lease is current (any process).")
            .Get();
    metrics::Gauge& active =
        metrics::DefaultRegistry()
            .AddGauge("cerulean_sync_worker_runs_active", "Sync runs this process executes now.")
            .Get();
};

SyncMetrics& Metrics() {
    static SyncMetrics metrics;
    return metrics;
}

// How a run's execution ended besides the engine's own result.
enum class Interrupt { kNone, kCancel, kLost, kHandBack };

}  // namespace

bool IsTransient(const core::Error& error) noexcept {
    switch (error.code()) {
        case core::ErrorCode::kUnavailable:
        case core::ErrorCode::kDeadlineExceeded:
        case core::ErrorCode::kRateLimited:
            return true;
        default:
            break;
    }
    const std::string& reason = error.reason();
    return reason == "azure_error" || reason == "azure_unavailable" || reason == "azure_timeout";
}

std::chrono::milliseconds RetryDelay(const WorkerOptions& options, int attempt) {
    const int doublings = std::clamp(attempt - 1, 0, 20);
    const auto base =
        std::min<std::int64_t>(options.retry_base.count() << doublings, options.retry_cap.count());
    thread_local std::minstd_rand random{std::random_device{}()};
    std::uniform_int_distribution<std::int64_t> jitter(0, base / 5);
    return std::chrono::milliseconds(base + jitter(random));
}

void RegisterSyncMetrics() {
    Metrics();
}

void SetQueueGauges(const store::QueueStats& stats, core::UnixMillis now) {
    SyncMetrics& m = Metrics();
    m.runs.WithLabels({"queued"}).Set(static_cast<double>(stats.queued));
    m.runs.WithLabels({"running"}).Set(static_cast<double>(stats.running));
    m.depth.Set(static_cast<double>(stats.due));
    m.oldest.Set(stats.oldest_due
                     ? static_cast<double>(std::max<core::UnixMillis>(0, now - *stats.oldest_due)) /
                           1000.0
                     : 0.0);
    m.leases.Set(static_cast<double>(stats.active_leases));
}

std::string DefaultWorkerName() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return std::string(host[0] != '\0' ? host : "localhost") + ":" + std::to_string(getpid());
}

Worker::Worker(std::shared_ptr<store::Database> db,
               std::shared_ptr<service::ConnectionService> connections, WorkerOptions options)
    : repo_(db), audit_(db), connections_(std::move(connections)), options_(std::move(options)) {
    if (options_.name.empty()) options_.name = DefaultWorkerName();
    std::error_code ec;
    std::filesystem::create_directories(options_.jobs.sync_root, ec);
}

Worker::~Worker() {
    Stop(std::chrono::milliseconds(0));
}

void Worker::Start() {
    if (!threads_.empty() || options_.runs == 0) return;
    pool_ =
        std::make_unique<azure::TransferPool>(std::max<std::size_t>(options_.transfer_threads, 1));
    last_alive_ = core::NowMillis();
    serving_ = true;
    for (std::size_t i = 0; i < options_.runs; ++i) threads_.emplace_back([this, i] { Loop(i); });
    // Schedules have a thread of their own, so that long runs never delay them.
    threads_.emplace_back([this] {
        do {
            try {
                const int queued = repo_.QueueDue(core::NowMillis());
                if (queued > 0) {
                    core::log::Info("worker.schedules_queued", {{"runs", queued}});
                    wake_.notify_all();
                }
            } catch (const std::exception& e) {
                core::log::Warn("worker.schedule_failed", {{"error", e.what()}});
            }
        } while (Sleep(options_.schedule));
    });
    core::log::Info("worker.started", {{"worker", options_.name},
                                       {"runs", static_cast<std::uint64_t>(options_.runs)}});
}

void Worker::Stop(std::chrono::milliseconds grace) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    serving_ = false;
    wake_.notify_all();
    const auto deadline = Clock::now() + grace;
    while (active_.load() > 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    hand_back_ = true;
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
    threads_.clear();
    pool_.reset();
}

bool Worker::Sleep(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, duration, [this] { return stopping_; });
    return !stopping_;
}

void Worker::Loop(std::size_t index) {
    const std::string worker_id = options_.name + "/" + std::to_string(index);
    for (;;) {
        {
            const std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        std::optional<store::ClaimedRun> claimed;
        try {
            const core::UnixMillis now = core::NowMillis();
            claimed = repo_.Claim(worker_id, now, options_.lease);
            if (!claimed) last_empty_claim_ = now;
        } catch (const std::exception& e) {
            core::log::Warn("worker.claim_failed", {{"worker", worker_id}, {"error", e.what()}});
        }
        last_alive_ = core::NowMillis();
        if (!claimed) {
            if (!Sleep(options_.poll)) return;
            continue;
        }
        ++active_;
        Metrics().active.Add(1);
        try {
            Execute(worker_id, std::move(*claimed));
        } catch (const std::exception& e) {
            // Recording the end failed (the database is away): the lease lapses and the run
            // is claimed again, which a sync takes in its stride.
            core::log::Error("worker.run_aborted", {{"worker", worker_id}, {"error", e.what()}});
        }
        --active_;
        Metrics().active.Add(-1);
        ++finished_;
    }
}

void Worker::Execute(const std::string& worker_id, store::ClaimedRun claimed) {
    const core::SyncRun& run = claimed.run;
    const core::SyncJob& job = claimed.job;
    // Claimed before (a worker that died, or one that handed it back on SIGTERM): files already
    // in place are skipped, and a large file's kept ranges are resumed.
    const bool resumed = run.claims > 1;
    core::log::Info("worker.run_started", {{"worker", worker_id},
                                           {"job_id", job.id},
                                           {"run_id", run.id},
                                           {"attempt", run.attempt},
                                           {"direction", job.spec.direction},
                                           {"resumed", resumed}});
    const auto finish = [&](const store::RunOutcome& outcome) {
        const bool recorded = repo_.Finish(run.id, worker_id, outcome, core::NowMillis());
        if (recorded) Metrics().finished.WithLabels({core::ToString(outcome.status)}).Add();
        core::log::Write(outcome.status == RunStatus::kFailed ? core::log::Level::kWarn
                                                              : core::log::Level::kInfo,
                         "worker.run_finished",
                         {{"worker", worker_id},
                          {"job_id", job.id},
                          {"run_id", run.id},
                          {"status", core::ToString(outcome.status)},
                          {"files_done", outcome.progress.files_done},
                          {"files_skipped", outcome.progress.files_skipped},
                          {"files_failed", outcome.progress.files_failed},
                          {"files_deleted", outcome.progress.files_deleted},
                          {"bytes_done", outcome.progress.bytes_done},
                          {"error_code", outcome.error_code.value_or("")},
                          {"retry", outcome.retry_at.has_value()},
                          {"recorded", recorded}});
    };
    const auto failed = [&](const core::Error& error, const core::RunProgress& progress) {
        store::RunOutcome outcome;
        outcome.status = RunStatus::kFailed;
        outcome.progress = progress;
        outcome.error_code = ReasonOf(error);
        outcome.error_message = error.what();
        if (IsTransient(error) && run.attempt < options_.max_attempts) {
            outcome.retry_at = core::NowMillis() + RetryDelay(options_, run.attempt).count();
        }
        return outcome;
    };

    if (run.cancel_requested) {
        finish({RunStatus::kCancelled, run.progress, std::nullopt, std::nullopt, std::nullopt});
        return;
    }
    if (run.claims > options_.max_claims) {
        finish(failed(core::Error(core::ErrorCode::kInternal,
                                  "the run was interrupted " + std::to_string(run.claims - 1) +
                                      " times (its worker stopped while running it); giving up",
                                  "run_interrupted"),
                      run.progress));
        return;
    }

    std::optional<ResolvedJob> resolved;
    try {
        resolved.emplace(ResolveJob(*connections_, options_.jobs, job));
        // Every storage call of the run carries its id to the storage account's logs.
        resolved->options.transfer.call.client_request_id = "run-" + std::to_string(run.id);
    } catch (const core::Error& e) {
        finish(failed(e, {}));
        return;
    } catch (const std::exception& e) {
        finish(failed(core::Error(core::ErrorCode::kInternal, e.what(), "internal_error"), {}));
        return;
    }
    // The job's credentials were opened: the audit log says by which run, for which job.
    service::AuditEvent used{job.user_id,
                             "sync_run.credentials_used",
                             "connection",
                             std::to_string(job.connection_id),
                             {}};
    used.detail["job_id"] = job.id;
    used.detail["run_id"] = run.id;
    used.detail["attempt"] = run.attempt;
    if (job.spec.target_connection_id && *job.spec.target_connection_id != job.connection_id) {
        used.detail["target_connection_id"] = *job.spec.target_connection_id;
    }
    audit_.Record(used, {worker_id, ""});

    std::mutex progress_mutex;
    core::RunProgress progress;
    std::stop_source stop;
    std::atomic<Interrupt> interrupt{Interrupt::kNone};
    const auto interrupt_with = [&](Interrupt why) {
        Interrupt none = Interrupt::kNone;
        interrupt.compare_exchange_strong(none, why);
        stop.request_stop();
    };
    resolved->options.on_progress = [&](const sync::SyncProgress& p) {
        const std::lock_guard lock(progress_mutex);
        progress = ToRunProgress(p);
    };
    const sync::SyncEngine engine(*pool_, std::move(resolved->options));

    // The heartbeat: renews the lease, records the counters, and stops the run when a user
    // cancels it, when it is no longer this worker's, or when the worker hands it back. If the
    // database cannot be reached for most of a lease, the run stops too: after the lease
    // lapses another worker may claim it, and a run must never execute twice at once.
    std::jthread beat([&](std::stop_token done) {
        std::mutex mutex;
        std::condition_variable_any tick;
        auto last_renewed = Clock::now();
        for (;;) {
            {
                std::unique_lock lock(mutex);
                tick.wait_for(lock, done, options_.heartbeat, [] { return false; });
            }
            if (done.stop_requested()) return;
            if (hand_back_.load()) interrupt_with(Interrupt::kHandBack);
            core::RunProgress now_progress;
            {
                const std::lock_guard lock(progress_mutex);
                now_progress = progress;
            }
            try {
                const store::Heartbeat answer =
                    repo_.Beat(run.id, worker_id, now_progress, core::NowMillis(), options_.lease);
                last_renewed = Clock::now();
                last_alive_ = core::NowMillis();
                if (answer == store::Heartbeat::kCancel) interrupt_with(Interrupt::kCancel);
                if (answer == store::Heartbeat::kLost) {
                    interrupt_with(Interrupt::kLost);
                    return;
                }
            } catch (const std::exception& e) {
                core::log::Warn("worker.heartbeat_failed",
                                {{"run_id", run.id}, {"error", e.what()}});
                if (Clock::now() - last_renewed > options_.lease - 3 * options_.heartbeat) {
                    interrupt_with(Interrupt::kLost);
                    return;
                }
            }
        }
    });

    const sync::SyncResult result = engine.Run(resolved->endpoints, stop.get_token());
    beat.request_stop();
    beat.join();

    core::RunProgress final_progress = ToRunProgress(result.progress);
    final_progress.files_deleted = static_cast<std::int64_t>(result.deleted);
    switch (interrupt.load()) {
        case Interrupt::kLost:
            core::log::Warn("worker.run_lost", {{"worker", worker_id}, {"run_id", run.id}});
            return;
        case Interrupt::kHandBack:
            if (result.cancelled) {
                const bool released = repo_.Release(run.id, worker_id, core::NowMillis());
                core::log::Info("worker.run_handed_back",
                                {{"run_id", run.id}, {"released", released}});
                return;
            }
            break;  // it ended by itself meanwhile: record that
        case Interrupt::kCancel:
            if (result.cancelled) {
                // Cancelled for good: a large download's kept bytes will not be resumed.
                if (job.spec.direction == "download") {
                    try {
                        sync::RemoveTemporaryFiles(options_.jobs.sync_root,
                                                   job.spec.local_path.value_or(""));
                    } catch (const std::exception& e) {
                        core::log::Warn("worker.cleanup_failed",
                                        {{"run_id", run.id}, {"error", e.what()}});
                    }
                }
                finish({RunStatus::kCancelled, final_progress, std::nullopt, std::nullopt,
                        std::nullopt});
                return;
            }
            break;
        case Interrupt::kNone:
            break;
    }
    if (result.error) {
        const auto expired = ExpiredCredential(*resolved, *result.error);
        finish(failed(expired ? *expired : *result.error, final_progress));
    } else {
        finish({RunStatus::kSucceeded, final_progress, std::nullopt, std::nullopt, std::nullopt});
    }
}

}  // namespace cerulean::jobs
