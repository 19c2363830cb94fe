#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "azure/blob_client.hpp"
#include "azure/transfer_pool.hpp"
#include "core/sync_job.hpp"
#include "service/connection_service.hpp"
#include "store/database.hpp"
#include "store/sync_job_repository.hpp"
#include "sync/sync_engine.hpp"

namespace cerulean::jobs {

/// A job's target, as a request gives it (copy only).
struct TargetFields {
    std::optional<std::int64_t> connection_id;  ///< the user's destination connection
    std::optional<std::string> container;       ///< destination container
    std::optional<std::string> prefix;          ///< destination folder ("" for the container)
};

/// A SyncJobCreate body, field by field as given (validated by SyncJobService::Create).
struct SyncJobFields {
    std::optional<std::string> direction;                         ///< "download", "upload", "copy"
    std::optional<std::string> container;                         ///< the container side
    std::optional<std::string> prefix;                            ///< folder in it
    std::optional<std::optional<std::string>> local_path;         ///< below the sync root
    std::optional<std::optional<TargetFields>> target;            ///< copy's destination
    std::optional<bool> delete_extraneous;                        ///< delete what the source lacks
    std::optional<std::optional<std::int64_t>> max_delete;        ///< limit of deletes
    std::optional<std::string> compare;                           ///< "size_mtime" or "md5"
    std::optional<std::optional<std::int64_t>> interval_seconds;  ///< schedule
};

/// Settings of sync jobs.
struct SyncJobOptions {
    std::filesystem::path sync_root = "./data/sync";  ///< CERULEAN_SYNC_ROOT (created if missing)
    /// Requests in flight per transfer of a run (0: the transfer engine's default); block
    /// sizes and checksums are the engine's defaults (whole-blob MD5 stored and checked).
    std::size_t transfer_concurrency = 0;
    /// The longest a dry run may take (it lists both sides while the client waits); past it,
    /// 504 "plan_timeout".
    std::chrono::milliseconds plan_timeout{std::chrono::seconds(120)};
};

/// The two sides of a job's sync, with the clients they use (kept alive together).
struct ResolvedJob {
    std::unique_ptr<azure::BlobClient> client;         ///< the job's connection
    std::unique_ptr<azure::BlobClient> target_client;  ///< a copy's other connection, if another
    sync::SyncEndpoints endpoints;                     ///< refers to the clients above
    sync::SyncOptions options;                         ///< compare, deletes (no callbacks)
};

/// Builds the sync of `job`: the connections' clients (decrypting their credentials), the
/// sides and the engine's options. Throws core::Error: a connection gone ("connection_not_found")
/// or inactive ("connection_inactive"), a local path refused ("invalid_local_path").
ResolvedJob ResolveJob(service::ConnectionService& connections, const SyncJobOptions& options,
                       const core::SyncJob& job);

/// Sync jobs as users see them: validation of definitions, the user's jobs and runs, and the
/// dry run. Every call blocks (database; Plan also Azure and the disk). Another user's
/// connection or job answers like a missing one (404 "connection_not_found",
/// "sync_job_not_found").
class SyncJobService {
 public:
    /// A service over `db`, reaching storage through `connections`.
    SyncJobService(std::shared_ptr<store::Database> db,
                   std::shared_ptr<service::ConnectionService> connections, SyncJobOptions options);
    ~SyncJobService();
    SyncJobService(const SyncJobService&) = delete;
    SyncJobService& operator=(const SyncJobService&) = delete;

    /// Validates and stores a job, queueing its first run (422 with fields;
    /// "invalid_local_path" for a local path outside the sync root).
    core::SyncJob Create(std::int64_t user_id, std::int64_t connection_id,
                         const SyncJobFields& fields);
    /// The user's job.
    core::SyncJob Get(std::int64_t user_id, std::int64_t connection_id, std::int64_t job_id);
    /// The user's jobs on a connection, newest first.
    store::Page<core::SyncJob> List(std::int64_t user_id, std::int64_t connection_id,
                                    std::int64_t skip, std::int64_t limit);
    /// Deletes the job and its runs; a running run stops.
    void Delete(std::int64_t user_id, std::int64_t connection_id, std::int64_t job_id);
    /// Queues a run now (409 "sync_run_active" when one is queued or running).
    core::SyncRun RunNow(std::int64_t user_id, std::int64_t connection_id, std::int64_t job_id);
    /// Asks the live run to stop (409 "sync_run_not_active" when there is none).
    core::SyncRun Cancel(std::int64_t user_id, std::int64_t connection_id, std::int64_t job_id);
    /// The job's run `run_id` (404 "sync_run_not_found").
    core::SyncRun Run(std::int64_t user_id, std::int64_t connection_id, std::int64_t job_id,
                      std::int64_t run_id);
    /// The job's runs, newest first.
    store::Page<core::SyncRun> Runs(std::int64_t user_id, std::int64_t connection_id,
                                    std::int64_t job_id, std::int64_t skip, std::int64_t limit);
    /// What a run of a job defined by `fields` would do now, before it exists: validated as
    /// Create validates it (the same 422s), nothing stored, nothing changed.
    sync::SyncPlan PlanDraft(std::int64_t user_id, std::int64_t connection_id,
                             const SyncJobFields& fields, std::stop_token stop = {});
    /// What a run of the job would do now, changing nothing.
    sync::SyncPlan Plan(std::int64_t user_id, std::int64_t connection_id, std::int64_t job_id,
                        std::stop_token stop = {});

    /// The settings.
    [[nodiscard]] const SyncJobOptions& options() const noexcept { return options_; }

 private:
    core::SyncJobSpec Validate(std::int64_t user_id, std::int64_t connection_id,
                               const SyncJobFields& fields);
    sync::SyncPlan PlanOf(const core::SyncJob& job, std::stop_token stop);

    store::SyncJobRepository repo_;
    std::shared_ptr<service::ConnectionService> connections_;
    SyncJobOptions options_;
    std::unique_ptr<azure::TransferPool> plan_pool_;  // hashes local files for md5 plans
};

/// The 404 of a job that is not the user's (or not there).
core::Error SyncJobNotFound();

}  // namespace cerulean::jobs
