#pragma once

// The HTTP server's metrics: requests by method, route template and status, their latency,
// and the body bytes they carried in and out. A route's series are made when the route is
// registered, so that recording a request is a handful of relaxed atomic additions.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/metrics.hpp"

namespace cerulean::http {

/// The metrics of one route: a method and a route template (never a path with ids or names).
/// Its series are made at its first request, so that /metrics lists the routes in use only.
class RouteMetrics {
 public:
    /// The metrics of `method` on `route` (use MetricsOfRoute, which shares them).
    RouteMetrics(std::string_view method, std::string_view route);
    RouteMetrics(const RouteMetrics&) = delete;
    RouteMetrics& operator=(const RouteMetrics&) = delete;

    /// Counts one request answered with `status` after `duration`, that read `bytes_in` bytes
    /// of request body and sent `bytes_out` bytes of response body.
    void Record(int status, std::chrono::nanoseconds duration, std::uint64_t bytes_in,
                std::uint64_t bytes_out);

    /// The route label: the template, e.g. "/api/v1/azure_blob/connections/{id}".
    [[nodiscard]] const std::string& route() const noexcept { return route_; }
    /// The method label.
    [[nodiscard]] const std::string& method() const noexcept { return method_; }

 private:
    struct Series {
        core::metrics::Histogram& duration;
        core::metrics::Counter& bytes_in;
        core::metrics::Counter& bytes_out;
    };

    core::metrics::Counter& ForStatus(int status);
    Series& GetSeries();

    // The counters of the statuses seen so far, filled in order under `mutex_` and read
    // without it: a reader that finds a slot's status finds its counter too.
    struct Slot {
        std::atomic<int> status{0};
        std::atomic<core::metrics::Counter*> counter{nullptr};
    };

    std::string method_;
    std::string route_;
    std::atomic<Series*> series_{nullptr};
    std::unique_ptr<Series> series_storage_;  // set once, under `mutex_`
    std::array<Slot, 16> slots_;
    std::mutex mutex_;
};

/// The shared metrics of `method` on the route template `route` (made on first call: call it
/// when the route is registered and keep the reference).
RouteMetrics& MetricsOfRoute(std::string_view method, std::string_view route);

/// Route labels of requests no route template answered.
enum class OtherRoute {
    kUnmatched,  ///< "unmatched": 404, 405, requests that could not be parsed
    kStatic,     ///< "static": the web UI's files and the landing page
};

/// The metrics of requests with `method` that no route template answered. A method other than
/// GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS is labelled "other". No lock.
RouteMetrics& MetricsOfOtherRoute(OtherRoute route, std::string_view method);

/// Registers the HTTP families, so that /metrics shows them before the first request.
void RegisterHttpMetrics();

/// Counts connections opened (+1) and closed (-1).
void CountOpenConnections(int delta);

/// The route template with parameter types dropped, as labels and the OpenAPI document show
/// it: `/connections/{id:int}` becomes `/connections/{id}`.
std::string RouteLabel(std::string_view pattern);

}  // namespace cerulean::http
