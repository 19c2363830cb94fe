#pragma once

// The operational endpoints every Cerulean process answers: GET /healthz, /readyz and
// /metrics. `cerulean serve` serves them among its API routes, `cerulean worker` alone on
// CERULEAN_WORKER_LISTEN: one implementation, so both say the same thing the same way.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/offload.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "http/task.hpp"
#include "jobs/worker.hpp"
#include "store/database.hpp"
#include "store/sync_job_repository.hpp"

namespace cerulean::api {

/// Settings of the operational endpoints.
struct OpsOptions {
    /// CERULEAN_METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>`;
    /// empty: /metrics is open (keep it off the public network).
    std::string metrics_token;
    /// How long the queue figures of /metrics are reused before the database is asked again.
    std::chrono::milliseconds metrics_cache{5'000};
    /// /readyz calls the queue stalled when a due run has waited this long although a worker
    /// of this process found nothing to claim after it was due.
    std::chrono::milliseconds queue_stall_after{60'000};
};

/// GET /healthz (200 while the process runs), GET /readyz (200 when the database answers with
/// a current schema and, when this process runs workers, they look for work; 503 problem
/// details naming the failed check otherwise) and GET /metrics (the default registry in the
/// Prometheus text format, the queue gauges refreshed from the database first).
class OpsEndpoints {
 public:
    /// Endpoints over `db`, querying it on `pool`. Registers the metric families of every
    /// layer (HTTP, Azure calls, database, sync runs), so that /metrics shows them from the
    /// start.
    OpsEndpoints(OpsOptions options, std::shared_ptr<store::Database> db, http::BlockingPool& pool);
    OpsEndpoints(const OpsEndpoints&) = delete;
    OpsEndpoints& operator=(const OpsEndpoints&) = delete;

    /// Adds the three routes to `router`; this object must outlive its requests.
    void AddRoutes(http::Router& router);

    /// Answers a request of a process that serves nothing else (`cerulean worker`): the three
    /// routes, errors as problem details, 404 problem details for anything else. Never throws.
    http::Task<http::Response> Handle(http::Request& request);

    /// Tells /readyz that `worker` runs sync jobs in this process (null: none does, the
    /// queue is served elsewhere). It must outlive the requests.
    void AttachWorker(const jobs::Worker* worker) { worker_.store(worker); }

 private:
    http::Task<http::Response> ReadyzAnswer();
    http::Task<http::Response> MetricsAnswer(const http::Request& request);
    http::Task<std::optional<store::QueueStats>> QueueStatsCached();

    OpsOptions options_;
    std::shared_ptr<store::Database> db_;
    http::BlockingPool& pool_;
    http::Router router_;  // for Handle
    std::atomic<const jobs::Worker*> worker_{nullptr};
    // The queue figures /metrics shows, reused for options_.metrics_cache.
    std::mutex queue_stats_mutex_;
    std::optional<store::QueueStats> queue_stats_;
    std::chrono::steady_clock::time_point queue_stats_at_;
};

}  // namespace cerulean::api
