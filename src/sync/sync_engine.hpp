#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <variant>
#include <vector>

#include "azure/blob_client.hpp"
#include "azure/transfer.hpp"
#include "azure/transfer_pool.hpp"
#include "core/error.hpp"
#include "sync/sync_plan.hpp"

namespace cerulean::sync {

/// A local folder side of a sync: `path` below the sync root `root`, which confines it (see
/// LocalFolder).
struct LocalSide {
    std::filesystem::path root;  ///< the sync root (CERULEAN_SYNC_ROOT; the CLI: the folder)
    std::string path;            ///< the folder below the root ("" for the root itself)
};

/// A container side of a sync.
struct BlobSide {
    const azure::BlobClient* client = nullptr;  ///< the account; not owned, must outlive the run
    std::string container;                      ///< the container (it must exist)
    std::string prefix;  ///< "" for the whole container; "reports" is taken as "reports/"
};

/// One side of a sync.
using SyncLocation = std::variant<LocalSide, BlobSide>;

/// Where a sync goes from and to.
struct SyncEndpoints {
    SyncLocation source;       ///< what is copied from (the reference)
    SyncLocation destination;  ///< what is made like the source
};

/// The direction of `endpoints`: container to local is a download, local to container an
/// upload, container to container a copy. Throws core::Error (kInvalidArgument,
/// "invalid_direction") for local to local.
Direction DirectionOf(const SyncEndpoints& endpoints);

/// The counters of a run, as API.md's `progress`.
struct SyncProgress {
    std::uint64_t files_total = 0;    ///< source entries considered so far
    std::uint64_t files_done = 0;     ///< transferred
    std::uint64_t files_skipped = 0;  ///< already up to date
    std::uint64_t files_failed = 0;   ///< failed
    std::uint64_t files_deleted = 0;  ///< destination items deleted so far
    std::uint64_t bytes_total = 0;    ///< bytes the run must transfer (grows as it lists)
    std::uint64_t bytes_done = 0;     ///< bytes transferred
};

/// What happened to one item (for a command line's per-item output).
struct SyncItem {
    /// What happened.
    enum class Outcome { kCopied, kDeleted, kFailed };
    Outcome outcome = Outcome::kCopied;  ///< what happened
    std::string path;                    ///< relative path
    std::uint64_t size = 0;              ///< bytes
    std::string error;                   ///< kFailed: a readable message (no secret)
    std::string reason;                  ///< kFailed: the error's stable reason, if any
};

/// Settings of the sync engine.
struct SyncOptions {
    CompareMode compare = CompareMode::kSizeMtime;  ///< how "up to date" is decided
    /// Delete what the destination has and the source lacks (after the copies; see
    /// RefuseDeletes for when nothing is deleted).
    bool delete_extraneous = false;
    /// At most this many deletes, or the run deletes nothing and fails with "too_many_deletes".
    std::optional<std::uint64_t> max_delete;
    /// Block size, concurrency and checksums of the transfers. compute_md5 (the default) makes
    /// uploads store the whole-blob Content-MD5 and downloads check it. `call.stop` and
    /// `on_progress` are chained with the engine's own.
    azure::TransferOptions transfer;
    /// Files transferred at once; 0: twice the pool's threads. Files larger than
    /// `transfer.single_shot_threshold` go one at a time, each in parallel blocks, and resume
    /// where they stopped (see ResumableDownload).
    std::size_t files_in_flight = 0;
    /// How often, at most, a large download saves the record of the ranges it holds (after
    /// flushing them), besides when it stops.
    std::chrono::milliseconds resume_record_interval{1000};
    /// Blobs per page of List Blobs (1..5000); 0: the service's default (5000).
    int list_page_size = 0;
    /// The number of actions a plan lists (API.md: the first 1,000).
    std::size_t max_plan_actions = 1000;
    /// Called with every action of a plan as it is found, all of them (not only the first
    /// `max_plan_actions`), from the thread planning: a long plan listed without being held in
    /// memory. Must not throw.
    std::function<void(const PlanAction&)> on_plan_action;
    /// How often, at most, on_progress is called while a run goes on.
    std::chrono::milliseconds progress_interval{250};
    /// Called with the counters as they change (throttled), from the engine's threads, one
    /// call at a time, and once more when the run ends. Must not throw.
    std::function<void(const SyncProgress&)> on_progress;
    /// Called for each item copied, deleted or failed, from the engine's threads, one call at
    /// a time. Must not throw.
    std::function<void(const SyncItem&)> on_item;
};

/// One item that failed.
struct SyncFailure {
    std::string path;     ///< relative path
    std::string message;  ///< readable, no secret
    std::string reason;   ///< the error's stable reason, if any
};

/// How a run ended.
struct SyncResult {
    SyncProgress progress;      ///< final counters
    std::uint64_t deleted = 0;  ///< destination items deleted
    /// A dead run's temporary files (and records) removed: those without a record, and those
    /// of paths the run did not download.
    std::uint64_t temporary_removed = 0;
    std::uint64_t links_skipped = 0;  ///< local symlinks passed over (never followed)
    /// Stopped by the caller's stop token: what was done stays done, temporary files are
    /// removed but a large download's, kept with its record for the next run to continue, and
    /// nothing was deleted unless the deletes had begun.
    bool cancelled = false;
    /// Why the run failed (none: it succeeded or was cancelled). Stable reasons include
    /// "too_many_deletes", "source_empty", "listing_failed", "invalid_local_path",
    /// "container_not_found", "azure_auth_failed" (a credential refused or expired mid-run),
    /// "disk_full" (the local disk or quota filled up: the run stops, keeping no partial file),
    /// "files_failed" (the code is the first failure's), "delete_failed".
    std::optional<core::Error> error;
    std::vector<SyncFailure> failures;  ///< the first items that failed (up to 100)

    /// Whether the run succeeded.
    [[nodiscard]] bool ok() const { return !cancelled && !error; }
};

/// Plans and runs syncs: enumerates both sides as streams in the service's name order (a page
/// of List Blobs at a time; a local walk that lists one folder at a time in the same order,
/// NameLess), merges them,
/// compares each path, transfers on a shared pool what must be, then deletes what must be.
/// Memory stays bounded whatever the number of files (extraneous items wait for the deletes in
/// a SpilledList). A run is resumable by design: a rerun after a crash or a cancel skips what
/// is already up to date, continues the large downloads a stopped or dead run kept (fetching
/// only their missing ranges), and removes the other temporary files a dead run left.
/// Thread-safe: one engine serves many runs at once.
class SyncEngine {
 public:
    /// An engine whose transfers run on `pool` (which must outlive it).
    SyncEngine(azure::TransferPool& pool, SyncOptions options);

    /// The options.
    [[nodiscard]] const SyncOptions& options() const noexcept { return options_; }

    /// What a run would do, changing nothing (a download's missing folder is not created; no
    /// temporary file is removed). md5 compare hashes local files here; blobs without an MD5
    /// are counted in SyncPlan::hash_by_download, not downloaded. Throws core::Error: invalid
    /// endpoints ("invalid_local_path", "invalid_direction", "invalid_argument"), listings
    /// ("listing_failed", "container_not_found", "azure_auth_failed"), "cancelled".
    [[nodiscard]] SyncPlan Plan(const SyncEndpoints& endpoints, std::stop_token stop = {}) const;

    /// Runs a sync until done or stopped by `stop`; never throws (but std::bad_alloc): the
    /// result says how it ended. Downloads are written to a temporary name in the same folder,
    /// fsynced, given the blob's modification time and renamed into place only when complete
    /// and checked (MD5, when the blob has one); uploads store the file's modification time in
    /// metadata and the whole-blob MD5; copies are server-side where the service can.
    [[nodiscard]] SyncResult Run(const SyncEndpoints& endpoints, std::stop_token stop = {}) const;

 private:
    azure::TransferPool& pool_;
    SyncOptions options_;
};

}  // namespace cerulean::sync
