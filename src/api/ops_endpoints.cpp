#include "api/ops_endpoints.hpp"

#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "api/error_mapping.hpp"
#include "api/json.hpp"
#include "azure/pipeline.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "crypto/digest.hpp"
#include "http/problem.hpp"
#include "http/request_metrics.hpp"
#include "store/migrations.hpp"

namespace cerulean::api {
namespace {

// What /readyz says of the queue when this process runs workers: "served", or "stalled" when
// its worker threads have gone quiet for a lease's length (stopped, or stuck), or when a run
// has waited past `stall_after` although a thread looked for work after it was due and found
// none claimable. A claim sees a run a moment after it is due (the transaction that queued it
// commits after its run_after): hence the slack.
std::string_view QueueVerdict(const jobs::Worker& worker, const store::QueueStats& stats,
                              core::UnixMillis now, std::chrono::milliseconds stall_after) {
    constexpr core::UnixMillis kClaimSlack = 5'000;
    if (!worker.serving() || now - worker.last_alive() > worker.options().lease.count()) {
        return "stalled";
    }
    if (stats.oldest_due && now - *stats.oldest_due > stall_after.count() &&
        worker.last_empty_claim() > *stats.oldest_due + kClaimSlack) {
        return "stalled";
    }
    return "served";
}

core::metrics::Gauge& DatabaseUp() {
    static core::metrics::Gauge& up =
        core::metrics::DefaultRegistry()
            .AddGauge("cerulean_database_up",
                      "1 when the database answered the last query of the queue's figures (the "
                      "cerulean_sync_* gauges), 0 when it did not (they keep older values).")
            .Get();
    return up;
}

}  // namespace

OpsEndpoints::OpsEndpoints(OpsOptions options, std::shared_ptr<store::Database> db,
                           http::BlockingPool& pool)
    : options_(std::move(options)), db_(std::move(db)), pool_(pool) {
    http::RegisterHttpMetrics();
    azure::RegisterAzureMetrics();
    store::RegisterDatabaseMetrics();
    jobs::RegisterSyncMetrics();
    DatabaseUp();
    AddRoutes(router_);
}

void OpsEndpoints::AddRoutes(http::Router& router) {
    router.Add("GET", "/healthz", [](http::Request&) -> http::Task<http::Response> {
        // boost::json::serialize(object{{"status", "ok"}}), written once.
        co_return JsonText(200, std::string(R"({"status":"ok"})"));
    });
    router.Add("GET", "/readyz",
               [this](http::Request&) -> http::Task<http::Response> { return ReadyzAnswer(); });
    router.Add("GET", "/metrics", [this](http::Request& request) -> http::Task<http::Response> {
        return MetricsAnswer(request);
    });
}

http::Task<http::Response> OpsEndpoints::ReadyzAnswer() {
    // The answer names the failed check in a fixed phrase; the driver's own words (hosts,
    // ports, its messages) go to the log only.
    struct Readiness {
        int schema_version = 0;
        std::string failed;  // "" when ready
        std::string phrase;
        std::optional<store::QueueStats> queue;  // when this process runs workers
    };
    const jobs::Worker* worker = worker_.load();
    auto check = [db = db_, with_queue = worker != nullptr] {
        Readiness readiness;
        try {
            db->Ping();
        } catch (const core::Error& e) {
            core::log::Warn("readyz.database_unreachable", {{"error", e.what()}});
            return Readiness{0, "database", "unreachable"};
        }
        try {
            store::CheckSchemaCurrent(*db);
            readiness.schema_version = store::SchemaVersion(*db);
        } catch (const core::Error& e) {
            core::log::Warn("readyz.schema_not_current", {{"error", e.what()}});
            return Readiness{0, "database", "schema not current: run cerulean migrate"};
        }
        if (with_queue) {
            try {
                readiness.queue = store::SyncJobRepository(db).Stats(core::NowMillis());
            } catch (const core::Error& e) {
                core::log::Warn("readyz.database_unreachable", {{"error", e.what()}});
                return Readiness{0, "database", "unreachable", std::nullopt};
            }
        }
        return readiness;
    };
    Readiness readiness = co_await pool_.Run(check);
    boost::json::object checks;
    if (readiness.failed.empty()) {
        checks["database"] = "ok";
        // Without workers here, `cerulean worker` processes serve the queue: how they do
        // is for /metrics (cerulean_sync_queue_oldest_seconds), not for this readiness.
        std::string_view queue = "elsewhere";
        if (worker != nullptr && readiness.queue) {
            queue = QueueVerdict(*worker, *readiness.queue, core::NowMillis(),
                                 options_.queue_stall_after);
        }
        checks["queue"] = queue;
        if (queue == "stalled") {
            readiness.failed = "queue";
            readiness.phrase = "stalled";
        }
    } else {
        checks[readiness.failed] = readiness.phrase;
    }
    if (readiness.failed.empty()) {
        co_return JsonResponse(200,
                               boost::json::object{{"status", "ready"},
                                                   {"schema_version", readiness.schema_version},
                                                   {"checks", std::move(checks)}});
    }
    http::Problem problem{503, "not_ready", readiness.failed + ": " + readiness.phrase};
    problem.extensions["checks"] = std::move(checks);
    co_return http::ProblemResponse(problem);
}

http::Task<http::Response> OpsEndpoints::MetricsAnswer(const http::Request& request) {
    if (!options_.metrics_token.empty()) {
        // Compared as digests: neither the bytes nor the length of the token leak by time.
        const std::string token = BearerToken(request);
        if (!crypto::ConstantTimeEquals(crypto::Sha256(token),
                                        crypto::Sha256(options_.metrics_token))) {
            throw core::Error(core::ErrorCode::kUnauthenticated,
                              "a valid metrics token is required", "not_authenticated");
        }
    }
    const std::optional<store::QueueStats> stats = co_await QueueStatsCached();
    DatabaseUp().Set(stats ? 1 : 0);
    if (stats) jobs::SetQueueGauges(*stats, core::NowMillis());
    auto response = http::TextResponse(200, core::metrics::DefaultRegistry().Render(),
                                       core::metrics::kContentType);
    response.headers.Set("Cache-Control", "no-store");
    co_return response;
}

http::Task<std::optional<store::QueueStats>> OpsEndpoints::QueueStatsCached() {
    {
        const std::lock_guard lock(queue_stats_mutex_);
        if (queue_stats_ &&
            std::chrono::steady_clock::now() - queue_stats_at_ < options_.metrics_cache) {
            co_return queue_stats_;
        }
    }
    auto query = [db = db_]() -> std::optional<store::QueueStats> {
        try {
            return store::SyncJobRepository(db).Stats(core::NowMillis());
        } catch (const std::exception& e) {
            core::log::Warn("metrics.queue_unavailable", {{"error", e.what()}});
            return std::nullopt;
        }
    };
    std::optional<store::QueueStats> stats = co_await pool_.Run(query);
    if (stats) {
        const std::lock_guard lock(queue_stats_mutex_);
        queue_stats_ = stats;
        queue_stats_at_ = std::chrono::steady_clock::now();
    }
    co_return stats;
}

http::Task<http::Response> OpsEndpoints::Handle(http::Request& request) {
    const auto match = router_.Find(request);
    http::Response response;
    if (match.handler == nullptr) {
        // A method other than GET on a known path too: this listener has nothing else.
        response = http::ProblemResponse(
            {404, "not_found", "no such resource: " + std::string(request.path())});
    } else {
        try {
            response = co_await (*match.handler)(request);
        } catch (const core::Error& e) {
            if (HttpStatusOf(e.code()) >= 500) {
                core::log::Error("ops.request_failed", {{"request_id", request.request_id()},
                                                        {"code", core::ToString(e.code())},
                                                        {"error", e.what()}});
            }
            response = ErrorResponse(e);
        } catch (const std::exception& e) {
            core::log::Error("ops.request_failed",
                             {{"request_id", request.request_id()}, {"error", e.what()}});
            response =
                http::ProblemResponse({500, "internal_error", "an unexpected error occurred"});
        }
    }
    response.headers.Set("X-Content-Type-Options", "nosniff");
    co_return response;
}

}  // namespace cerulean::api
