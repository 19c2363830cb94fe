#include "jobs/sync_job_service.hpp"

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "core/error.hpp"
#include "sync/local_path.hpp"

namespace cerulean::jobs {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::int64_t kMinInterval = 60;
constexpr std::int64_t kMaxInterval = 365LL * 24 * 3600;
constexpr std::size_t kMaxPrefix = 1024;
constexpr std::size_t kPlanThreads = 4;

std::string AsPrefix(std::string prefix) {
    if (!prefix.empty() && prefix.back() != '/') prefix.push_back('/');
    return prefix;
}

// One prefix is inside the other: a copy between them would copy its own output.
bool Overlap(const std::string& a, const std::string& b) {
    const std::string pa = AsPrefix(a);
    const std::string pb = AsPrefix(b);
    return pa.compare(0, pb.size(), pb) == 0 || pb.compare(0, pa.size(), pa) == 0;
}

void CheckPrefix(Error& error, const std::string& field, const std::string& prefix) {
    if (prefix.size() > kMaxPrefix) error.WithField(field, "must be at most 1024 characters");
    if (!prefix.empty() && prefix.front() == '/') error.WithField(field, "must not start with '/'");
}

}  // namespace

core::Error SyncJobNotFound() {
    return Error(ErrorCode::kNotFound, "no such sync job", "sync_job_not_found");
}

ResolvedJob ResolveJob(service::ConnectionService& connections, const SyncJobOptions& options,
                       const core::SyncJob& job) {
    ResolvedJob resolved;
    const core::SyncJobSpec& spec = job.spec;
    resolved.client =
        std::make_unique<azure::BlobClient>(connections.Client(job.user_id, job.connection_id));
    const sync::BlobSide blobs{resolved.client.get(), spec.container, spec.prefix};
    const sync::Direction direction = sync::ParseDirection(spec.direction);
    if (direction == sync::Direction::kCopy) {
        const std::int64_t target_id = spec.target_connection_id.value_or(job.connection_id);
        const azure::BlobClient* target = resolved.client.get();
        if (target_id != job.connection_id) {
            resolved.target_client =
                std::make_unique<azure::BlobClient>(connections.Client(job.user_id, target_id));
            target = resolved.target_client.get();
        }
        resolved.endpoints = {blobs, sync::BlobSide{target, spec.target_container.value_or(""),
                                                    spec.target_prefix.value_or("")}};
    } else {
        // Checked again here: the folder may have become a symlink out of the root since.
        const sync::LocalSide local{
            options.sync_root,
            sync::ValidateLocalPath(options.sync_root, spec.local_path.value_or(""))};
        resolved.endpoints = direction == sync::Direction::kDownload
                                 ? sync::SyncEndpoints{blobs, local}
                                 : sync::SyncEndpoints{local, blobs};
    }
    resolved.options.compare = sync::ParseCompareMode(spec.compare);
    resolved.options.delete_extraneous = spec.delete_extraneous;
    if (spec.max_delete) resolved.options.max_delete = static_cast<std::uint64_t>(*spec.max_delete);
    resolved.options.transfer.concurrency = options.transfer_concurrency;
    return resolved;
}

SyncJobService::SyncJobService(std::shared_ptr<store::Database> db,
                               std::shared_ptr<service::ConnectionService> connections,
                               SyncJobOptions options)
    : repo_(std::move(db)),
      connections_(std::move(connections)),
      options_(std::move(options)),
      plan_pool_(std::make_unique<azure::TransferPool>(kPlanThreads)) {
    std::error_code ec;
    std::filesystem::create_directories(options_.sync_root, ec);
}

SyncJobService::~SyncJobService() = default;

core::SyncJobSpec SyncJobService::Validate(std::int64_t user_id, std::int64_t connection_id,
                                           const SyncJobFields& fields) {
    Error error(ErrorCode::kInvalidArgument, "the request is invalid", "validation_error");
    core::SyncJobSpec spec;

    std::optional<sync::Direction> direction;
    if (!fields.direction) {
        error.WithField("direction", "is required");
    } else {
        try {
            direction = sync::ParseDirection(*fields.direction);
            spec.direction = *fields.direction;
        } catch (const Error&) {
            error.WithField("direction", "must be download, upload or copy");
        }
    }
    if (!fields.container) {
        error.WithField("container", "is required");
    } else if (!service::IsValidContainerName(*fields.container)) {
        error.WithField("container", "is not a valid container name");
    } else {
        spec.container = *fields.container;
    }
    spec.prefix = fields.prefix.value_or("");
    CheckPrefix(error, "prefix", spec.prefix);

    const bool copy = direction == sync::Direction::kCopy;
    const std::optional<std::string> local_path =
        fields.local_path ? *fields.local_path : std::nullopt;
    const std::optional<TargetFields> target = fields.target ? *fields.target : std::nullopt;
    if (direction && !copy) {
        if (!local_path) error.WithField("local_path", "is required for a download or an upload");
        if (target) error.WithField("target", "is only for a copy");
    }
    if (copy) {
        if (local_path) error.WithField("local_path", "is not for a copy");
        if (!target) {
            error.WithField("target", "is required for a copy");
        } else {
            if (!target->connection_id) {
                error.WithField("target.connection_id", "is required");
            } else {
                try {
                    connections_->Get(user_id, *target->connection_id);
                    spec.target_connection_id = *target->connection_id;
                } catch (const Error& e) {
                    if (e.code() != ErrorCode::kNotFound) throw;
                    error.WithField("target.connection_id", "is not one of your connections");
                }
            }
            if (!target->container) {
                error.WithField("target.container", "is required");
            } else if (!service::IsValidContainerName(*target->container)) {
                error.WithField("target.container", "is not a valid container name");
            } else {
                spec.target_container = *target->container;
            }
            spec.target_prefix = target->prefix.value_or("");
            CheckPrefix(error, "target.prefix", *spec.target_prefix);
            if (spec.target_connection_id == connection_id &&
                spec.target_container == spec.container &&
                Overlap(spec.prefix, *spec.target_prefix)) {
                error.WithField("target.prefix",
                                "overlaps the source folder: a copy would copy its own output");
            }
        }
    }

    spec.delete_extraneous = fields.delete_extraneous.value_or(false);
    if (fields.max_delete && *fields.max_delete) {
        if (**fields.max_delete < 0) {
            error.WithField("max_delete", "must be 0 or more");
        } else if (!spec.delete_extraneous) {
            error.WithField("max_delete", "applies only with delete_extraneous");
        } else {
            spec.max_delete = **fields.max_delete;
        }
    }
    spec.compare = fields.compare.value_or("size_mtime");
    if (spec.compare != "size_mtime" && spec.compare != "md5") {
        error.WithField("compare", "must be size_mtime or md5");
    }
    if (fields.interval_seconds && *fields.interval_seconds) {
        const std::int64_t interval = **fields.interval_seconds;
        if (interval < kMinInterval || interval > kMaxInterval) {
            error.WithField("interval_seconds",
                            "must be null (run once) or from 60 to 31536000 seconds");
        } else {
            spec.interval_seconds = interval;
        }
    }
    if (!error.field_errors().empty()) throw error;

    // The local path last, as its own error: the contract's 422 invalid_local_path.
    if (!copy) spec.local_path = sync::ValidateLocalPath(options_.sync_root, *local_path);
    return spec;
}

core::SyncJob SyncJobService::Create(std::int64_t user_id, std::int64_t connection_id,
                                     const SyncJobFields& fields) {
    connections_->Get(user_id, connection_id);  // 404 unless it is the user's
    const core::SyncJobSpec spec = Validate(user_id, connection_id, fields);
    return repo_.Create(user_id, connection_id, spec, core::NowMillis());
}

core::SyncJob SyncJobService::Get(std::int64_t user_id, std::int64_t connection_id,
                                  std::int64_t job_id) {
    auto job = repo_.Get(user_id, connection_id, job_id);
    if (!job) throw SyncJobNotFound();
    return std::move(*job);
}

store::Page<core::SyncJob> SyncJobService::List(std::int64_t user_id, std::int64_t connection_id,
                                                std::int64_t skip, std::int64_t limit) {
    connections_->Get(user_id, connection_id);
    return repo_.List(user_id, connection_id, skip, limit);
}

void SyncJobService::Delete(std::int64_t user_id, std::int64_t connection_id, std::int64_t job_id) {
    if (!repo_.Delete(user_id, connection_id, job_id)) throw SyncJobNotFound();
}

core::SyncRun SyncJobService::RunNow(std::int64_t user_id, std::int64_t connection_id,
                                     std::int64_t job_id) {
    auto run = repo_.QueueRun(user_id, connection_id, job_id, core::RunTrigger::kManual,
                              core::NowMillis());
    if (!run) throw SyncJobNotFound();
    return std::move(*run);
}

core::SyncRun SyncJobService::Cancel(std::int64_t user_id, std::int64_t connection_id,
                                     std::int64_t job_id) {
    auto run = repo_.Cancel(user_id, connection_id, job_id, core::NowMillis());
    if (!run) throw SyncJobNotFound();
    return std::move(*run);
}

core::SyncRun SyncJobService::Run(std::int64_t user_id, std::int64_t connection_id,
                                  std::int64_t job_id, std::int64_t run_id) {
    auto run = repo_.GetRun(user_id, connection_id, job_id, run_id);
    if (!run) throw Error(ErrorCode::kNotFound, "no such sync run", "sync_run_not_found");
    return std::move(*run);
}

store::Page<core::SyncRun> SyncJobService::Runs(std::int64_t user_id, std::int64_t connection_id,
                                                std::int64_t job_id, std::int64_t skip,
                                                std::int64_t limit) {
    auto page = repo_.ListRuns(user_id, connection_id, job_id, skip, limit);
    if (!page) throw SyncJobNotFound();
    return std::move(*page);
}

sync::SyncPlan SyncJobService::PlanDraft(std::int64_t user_id, std::int64_t connection_id,
                                         const SyncJobFields& fields, std::stop_token stop) {
    connections_->Get(user_id, connection_id);
    core::SyncJob draft;
    draft.user_id = user_id;
    draft.connection_id = connection_id;
    draft.spec = Validate(user_id, connection_id, fields);
    return PlanOf(draft, std::move(stop));
}

sync::SyncPlan SyncJobService::PlanOf(const core::SyncJob& job, std::stop_token stop) {
    ResolvedJob resolved = ResolveJob(*connections_, options_, job);
    const sync::SyncEngine engine(*plan_pool_, std::move(resolved.options));
    // The client waits for the answer: the plan stops at the deadline, or when `stop` asks.
    std::stop_source deadline;
    std::stop_callback forward(stop, [&deadline] { deadline.request_stop(); });
    std::mutex mutex;
    std::condition_variable_any expired;
    std::jthread watchdog([&](std::stop_token done) {
        std::unique_lock lock(mutex);
        if (!expired.wait_for(lock, done, options_.plan_timeout, [] { return false; })) {
            if (!done.stop_requested()) deadline.request_stop();
        }
    });
    try {
        return engine.Plan(resolved.endpoints, deadline.get_token());
    } catch (const Error& e) {
        if (deadline.stop_requested() && !stop.stop_requested()) {
            throw Error(ErrorCode::kDeadlineExceeded,
                        "the dry run took longer than " +
                            std::to_string(options_.plan_timeout.count() / 1000) +
                            " s (both sides are listed while you wait); run the job to sync a "
                            "folder this large",
                        "plan_timeout");
        }
        throw;
    }
}

sync::SyncPlan SyncJobService::Plan(std::int64_t user_id, std::int64_t connection_id,
                                    std::int64_t job_id, std::stop_token stop) {
    return PlanOf(Get(user_id, connection_id, job_id), std::move(stop));
}

}  // namespace cerulean::jobs
