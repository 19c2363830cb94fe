#include "http/request_metrics.hpp"

#include <map>
#include <memory>
#include <utility>

namespace cerulean::http {
namespace {

namespace metrics = core::metrics;

struct HttpFamilies {
    metrics::Family<metrics::Counter>& requests = metrics::DefaultRegistry().AddCounter(
        "cerulean_http_requests_total",
        "HTTP requests answered, by method, route template and status.",
        {"method", "route", "status"});
    metrics::Family<metrics::Histogram>& duration = metrics::DefaultRegistry().AddHistogram(
        "cerulean_http_request_duration_seconds",
        "Time from a request's header to the end of its response, by method and route template.",
        metrics::LatencyBuckets(), {"method", "route"});
    metrics::Family<metrics::Counter>& bytes_in = metrics::DefaultRegistry().AddCounter(
        "cerulean_http_request_body_bytes_total",
        "Request body bytes read (uploads), by method and route template.", {"method", "route"});
    metrics::Family<metrics::Counter>& bytes_out = metrics::DefaultRegistry().AddCounter(
        "cerulean_http_response_body_bytes_total",
        "Response body bytes sent (downloads), by method and route template.", {"method", "route"});
    metrics::Gauge& connections =
        metrics::DefaultRegistry()
            .AddGauge("cerulean_http_open_connections", "Client connections open now.")
            .Get();
};

HttpFamilies& Families() {
    static HttpFamilies families;
    return families;
}

constexpr std::array<std::string_view, 8> kMethods = {"GET",   "HEAD",   "POST",    "PUT",
                                                      "PATCH", "DELETE", "OPTIONS", "other"};

std::size_t MethodIndex(std::string_view method) {
    for (std::size_t i = 0; i + 1 < kMethods.size(); ++i) {
        if (kMethods[i] == method) return i;
    }
    return kMethods.size() - 1;
}

}  // namespace

RouteMetrics::RouteMetrics(std::string_view method, std::string_view route)
    : method_(method), route_(route) {}

RouteMetrics::Series& RouteMetrics::GetSeries() {
    if (Series* series = series_.load(std::memory_order_acquire)) return *series;
    const std::lock_guard lock(mutex_);
    if (!series_storage_) {
        auto& families = Families();
        series_storage_ =
            std::make_unique<Series>(Series{families.duration.WithLabels({method_, route_}),
                                            families.bytes_in.WithLabels({method_, route_}),
                                            families.bytes_out.WithLabels({method_, route_})});
        series_.store(series_storage_.get(), std::memory_order_release);
    }
    return *series_storage_;
}

metrics::Counter& RouteMetrics::ForStatus(int status) {
    for (auto& slot : slots_) {
        const int seen = slot.status.load(std::memory_order_acquire);
        if (seen == status) return *slot.counter.load(std::memory_order_relaxed);
        if (seen == 0) break;
    }
    const std::lock_guard lock(mutex_);
    const std::string code = std::to_string(status);
    for (auto& slot : slots_) {
        const int seen = slot.status.load(std::memory_order_relaxed);
        if (seen == status) return *slot.counter.load(std::memory_order_relaxed);
        if (seen == 0) {
            auto& counter = Families().requests.WithLabels({method_, route_, code});
            slot.counter.store(&counter, std::memory_order_relaxed);
            slot.status.store(status, std::memory_order_release);
            return counter;
        }
    }
    // More statuses than slots on one route: found the slow way each time.
    return Families().requests.WithLabels({method_, route_, code});
}

void RouteMetrics::Record(int status, std::chrono::nanoseconds duration, std::uint64_t bytes_in,
                          std::uint64_t bytes_out) {
    Series& series = GetSeries();
    ForStatus(status).Add();
    series.duration.Observe(std::chrono::duration<double>(duration).count());
    if (bytes_in > 0) series.bytes_in.Add(bytes_in);
    if (bytes_out > 0) series.bytes_out.Add(bytes_out);
}

RouteMetrics& MetricsOfRoute(std::string_view method, std::string_view route) {
    static std::mutex mutex;
    static std::map<std::pair<std::string, std::string>, std::unique_ptr<RouteMetrics>, std::less<>>
        routes;
    const std::lock_guard lock(mutex);
    auto key = std::pair{std::string(method), std::string(route)};
    auto it = routes.find(key);
    if (it == routes.end()) {
        it = routes.emplace(std::move(key), std::make_unique<RouteMetrics>(method, route)).first;
    }
    return *it->second;
}

RouteMetrics& MetricsOfOtherRoute(OtherRoute route, std::string_view method) {
    // Made up front (they make no series until used): no lock on the way of a 404 flood.
    using Table = std::array<RouteMetrics*, kMethods.size()>;
    static const std::array<Table, 2> tables = [] {
        std::array<Table, 2> out{};
        for (std::size_t i = 0; i < kMethods.size(); ++i) {
            out[0][i] = &MetricsOfRoute(kMethods[i], "unmatched");
            out[1][i] = &MetricsOfRoute(kMethods[i], "static");
        }
        return out;
    }();
    return *tables[route == OtherRoute::kStatic ? 1 : 0][MethodIndex(method)];
}

void RegisterHttpMetrics() {
    Families();
}

void CountOpenConnections(int delta) {
    Families().connections.Add(delta);
}

std::string RouteLabel(std::string_view pattern) {
    std::string out;
    out.reserve(pattern.size());
    bool in_param = false;
    bool in_type = false;
    for (const char c : pattern) {
        if (c == '{') in_param = true;
        if (c == '}') in_param = in_type = false;
        if (in_param && c == ':') in_type = true;
        if (!in_type) out.push_back(c);
    }
    return out;
}

}  // namespace cerulean::http
