#include "http/request_metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/metrics.hpp"
#include "http/router.hpp"

namespace cerulean::http {
namespace {

// The line of `series` in the process's metrics, "" when there is none.
std::string Line(const std::string& series) {
    const std::string text = core::metrics::DefaultRegistry().Render();
    const auto at = text.find(series + " ");
    if (at == std::string::npos) return {};
    return text.substr(at, text.find('\n', at) - at);
}

TEST(RequestMetrics, RouteLabelsAreTemplatesWithoutParameterTypes) {
    EXPECT_EQ(RouteLabel("/api/v1/azure_blob/connections/{id:int}/containers/{container}"),
              "/api/v1/azure_blob/connections/{id}/containers/{container}");
    EXPECT_EQ(RouteLabel("/healthz"), "/healthz");
}

TEST(RequestMetrics, TheRouterNamesTheRouteOfARequestByItsTemplate) {
    Router router;
    const Handler nothing = [](Request&) -> Task<Response> { co_return EmptyResponse(204); };
    router.Add("GET", "/test-things/{id:int}/parts/{part}", nothing);
    router.Add("DELETE", "/test-things/{id:int}/parts/{part}", nothing);
    Request get("GET", "/test-things/17/parts/secret%20part");
    ASSERT_NE(router.Find(get).handler, nullptr);
    ASSERT_NE(get.route(), nullptr);
    EXPECT_EQ(get.route()->route(), "/test-things/{id}/parts/{part}");
    EXPECT_EQ(get.route()->method(), "GET");
    Request head("HEAD", "/test-things/17/parts/x");
    router.Find(head);
    ASSERT_NE(head.route(), nullptr);
    EXPECT_EQ(head.route()->method(), "HEAD");
    EXPECT_EQ(head.route()->route(), "/test-things/{id}/parts/{part}");
    Request other("POST", "/test-things/17/parts/x");  // 405: no route
    router.Find(other);
    EXPECT_EQ(other.route(), nullptr);
    EXPECT_EQ(&MetricsOfRoute("GET", "/test-things/{id}/parts/{part}"), get.route());
}

TEST(RequestMetrics, RecordsEachStatusExactlyEvenPastTheFastSlots) {
    RouteMetrics& route = MetricsOfRoute("PUT", "/test-record/{id}");
    for (int status = 200; status < 230; ++status) {  // more statuses than the route's slots
        for (int i = 0; i < 2; ++i) route.Record(status, std::chrono::milliseconds(3), 10, 20);
    }
    route.Record(200, std::chrono::seconds(2), 0, 0);
    const std::string labels = R"({method="PUT",route="/test-record/{id}")";
    EXPECT_EQ(Line("cerulean_http_requests_total" + labels + R"(,status="200"})"),
              "cerulean_http_requests_total" + labels + R"(,status="200"} 3)");
    EXPECT_EQ(Line("cerulean_http_requests_total" + labels + R"(,status="229"})"),
              "cerulean_http_requests_total" + labels + R"(,status="229"} 2)");
    EXPECT_EQ(Line("cerulean_http_request_body_bytes_total" + labels + "}"),
              "cerulean_http_request_body_bytes_total" + labels + "} 600");
    EXPECT_EQ(Line("cerulean_http_response_body_bytes_total" + labels + "}"),
              "cerulean_http_response_body_bytes_total" + labels + "} 1200");
    EXPECT_EQ(Line("cerulean_http_request_duration_seconds_bucket" + labels + R"(,le="0.005"})"),
              "cerulean_http_request_duration_seconds_bucket" + labels + R"(,le="0.005"} 60)");
    EXPECT_EQ(Line("cerulean_http_request_duration_seconds_count" + labels + "}"),
              "cerulean_http_request_duration_seconds_count" + labels + "} 61");
}

TEST(RequestMetrics, UnroutedRequestsAreLabelledByAKnownMethodOnly) {
    EXPECT_EQ(MetricsOfOtherRoute(OtherRoute::kUnmatched, "GET").method(), "GET");
    EXPECT_EQ(MetricsOfOtherRoute(OtherRoute::kUnmatched, "GET").route(), "unmatched");
    EXPECT_EQ(MetricsOfOtherRoute(OtherRoute::kStatic, "HEAD").route(), "static");
    EXPECT_EQ(MetricsOfOtherRoute(OtherRoute::kUnmatched, "BREW").method(), "other");
    EXPECT_EQ(MetricsOfOtherRoute(OtherRoute::kUnmatched, "get").method(), "other");
}

}  // namespace
}  // namespace cerulean::http
