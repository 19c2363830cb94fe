#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace cerulean::core {

/// Where a run is: queued until a worker claims it, running while a worker holds its lease,
/// then one of the final three.
enum class RunStatus { kQueued, kRunning, kSucceeded, kFailed, kCancelled };

/// "queued", "running", "succeeded", "failed", "cancelled".
std::string_view ToString(RunStatus status) noexcept;
/// The status of its name; nullopt for an unknown one.
std::optional<RunStatus> ParseRunStatus(std::string_view name) noexcept;
/// True for succeeded, failed and cancelled.
bool IsFinal(RunStatus status) noexcept;

/// What queued a run.
enum class RunTrigger {
    kCreate,    ///< the job was created
    kManual,    ///< a user asked for it (POST …/run)
    kSchedule,  ///< the job's interval came round
    kRetry,     ///< an automatic retry of a run failed by a transient error
};

/// "create", "manual", "schedule", "retry".
std::string_view ToString(RunTrigger trigger) noexcept;
/// The trigger of its name; nullopt for an unknown one.
std::optional<RunTrigger> ParseRunTrigger(std::string_view name) noexcept;

/// A run's counters, as API.md's `progress` (plus files_deleted).
struct RunProgress {
    std::int64_t files_total = 0;    ///< source items considered
    std::int64_t files_done = 0;     ///< transferred
    std::int64_t files_skipped = 0;  ///< already up to date
    std::int64_t files_failed = 0;   ///< failed
    std::int64_t files_deleted = 0;  ///< destination items deleted
    std::int64_t bytes_total = 0;    ///< bytes the plan must transfer
    std::int64_t bytes_done = 0;     ///< bytes transferred

    friend bool operator==(const RunProgress&, const RunProgress&) = default;
};

/// The definition of a sync job (API.md's SyncJobCreate), as stored.
struct SyncJobSpec {
    std::string direction;                             ///< "download", "upload" or "copy"
    std::string container;                             ///< the source (download, copy) or
                                                       ///< destination (upload) container
    std::string prefix;                                ///< folder in `container` ("" for all)
    std::optional<std::string> local_path;             ///< below the sync root (download, upload)
    std::optional<std::int64_t> target_connection_id;  ///< copy: the destination connection
    std::optional<std::string> target_container;       ///< copy: the destination container
    std::optional<std::string> target_prefix;          ///< copy: the destination folder
    bool delete_extraneous = false;                    ///< delete what the source lacks
    std::optional<std::int64_t> max_delete;            ///< the most a run may delete
    std::string compare = "size_mtime";                ///< "size_mtime" or "md5"
    std::optional<std::int64_t> interval_seconds;      ///< a scheduled job's period
};

/// One run (attempt) of a job.
struct SyncRun {
    std::int64_t id = 0;                         ///< positive once stored
    std::int64_t job_id = 0;                     ///< its job
    RunStatus status = RunStatus::kQueued;       ///< where it is
    RunTrigger trigger = RunTrigger::kManual;    ///< what queued it
    int attempt = 1;                             ///< 1, then 2.. for retries
    RunProgress progress;                        ///< counters
    std::optional<std::string> error_code;       ///< a stable reason, when it failed
    std::optional<std::string> error_message;    ///< a readable sentence, never a secret
    bool cancel_requested = false;               ///< a user asked it to stop
    std::optional<std::string> worker_id;        ///< the worker holding it (running)
    std::optional<UnixMillis> lease_expires_at;  ///< when its lease lapses (running)
    UnixMillis run_after = 0;                    ///< not claimed before
    int claims = 0;                              ///< times a worker claimed it (resumes + 1)
    UnixMillis created_at = 0;                   ///< queued at
    std::optional<UnixMillis> started_at;        ///< first claimed at
    std::optional<UnixMillis> finished_at;       ///< ended at
};

/// A sync job with its latest run.
struct SyncJob {
    std::int64_t id = 0;                    ///< positive once stored
    std::int64_t user_id = 0;               ///< the owner
    std::int64_t connection_id = 0;         ///< the source (or, for uploads, destination)
    SyncJobSpec spec;                       ///< what it does
    std::optional<UnixMillis> next_run_at;  ///< a scheduled job's next run
    UnixMillis created_at = 0;              ///< creation time
    UnixMillis updated_at = 0;              ///< last change
    std::optional<SyncRun> latest_run;      ///< its newest run, if any
};

}  // namespace cerulean::core
