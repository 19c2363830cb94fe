#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace cerulean::core::metrics {
namespace {

TEST(Metrics, RendersCountersAndGaugesWithHelpTypeAndSortedLabels) {
    Registry registry;
    auto& requests =
        registry.AddCounter("app_requests_total", "Requests answered.", {"route", "status"});
    requests.WithLabels({"/b", "200"}).Add(2);
    requests.WithLabels({"/a", "404"}).Add();
    registry.AddGauge("app_temperature", "Degrees.").Get().Set(-1.5);
    EXPECT_EQ(registry.Render(),
              "# HELP app_requests_total Requests answered.\n"
              "# TYPE app_requests_total counter\n"
              "app_requests_total{route=\"/a\",status=\"404\"} 1\n"
              "app_requests_total{route=\"/b\",status=\"200\"} 2\n"
              "# HELP app_temperature Degrees.\n"
              "# TYPE app_temperature gauge\n"
              "app_temperature -1.5\n");
}

TEST(Metrics, AFamilyWithoutSeriesShowsOnlyItsHelpAndType) {
    Registry registry;
    registry.AddCounter("idle_total", "Nothing yet.", {"kind"});
    EXPECT_EQ(registry.Render(), "# HELP idle_total Nothing yet.\n# TYPE idle_total counter\n");
}

TEST(Metrics, EscapesLabelValuesAndHelpAsTheTextFormatSays) {
    Registry registry;
    registry.AddCounter("odd_total", "Back\\slash and\nnewline \"quoted\".", {"v"})
        .WithLabels({"a\"b\\c\nd"})
        .Add();
    EXPECT_EQ(registry.Render(),
              "# HELP odd_total Back\\\\slash and\\nnewline \"quoted\".\n"
              "# TYPE odd_total counter\n"
              "odd_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
    EXPECT_EQ(EscapeLabelValue("plain"), "plain");
}

TEST(Metrics, HistogramsCountIntoInclusiveBucketsCumulatively) {
    Registry registry;
    static constexpr std::array<double, 3> kBounds = {0.1, 1, 2.5};
    auto& latency =
        registry.AddHistogram("op_seconds", "Latency.", kBounds, {"op"}).WithLabels({"get"});
    for (const double value : {0.05, 0.1, 0.5, 1.0, 3.0, 100.0}) latency.Observe(value);
    EXPECT_EQ(registry.Render(),
              "# HELP op_seconds Latency.\n"
              "# TYPE op_seconds histogram\n"
              "op_seconds_bucket{op=\"get\",le=\"0.1\"} 2\n"
              "op_seconds_bucket{op=\"get\",le=\"1\"} 4\n"
              "op_seconds_bucket{op=\"get\",le=\"2.5\"} 4\n"
              "op_seconds_bucket{op=\"get\",le=\"+Inf\"} 6\n"
              "op_seconds_sum{op=\"get\"} 104.65\n"
              "op_seconds_count{op=\"get\"} 6\n");
    const auto snapshot = latency.Read();
    EXPECT_EQ(snapshot.count, 6U);
    EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{2, 4, 4, 6}));
}

TEST(Metrics, AHistogramWithoutLabelsPutsLeAlone) {
    Registry registry;
    static constexpr std::array<double, 1> kBounds = {0.0005};
    auto& waits = registry.AddHistogram("wait_seconds", "Waits.", kBounds).Get();
    waits.Observe(std::numeric_limits<double>::quiet_NaN());  // lands in +Inf only
    const std::string text = registry.Render();
    EXPECT_NE(text.find("wait_seconds_bucket{le=\"0.0005\"} 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("wait_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("wait_seconds_count 1\n"), std::string::npos) << text;
}

TEST(Metrics, FormatsValuesAsPrometheusReadsThem) {
    EXPECT_EQ(FormatValue(3), "3");
    EXPECT_EQ(FormatValue(-0.25), "-0.25");
    EXPECT_EQ(FormatValue(0.0005), "0.0005");
    EXPECT_EQ(FormatValue(1e20), "1e+20");
    EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(Metrics, RegisteringANameAgainReturnsTheSameFamilyOrRefusesAMismatch) {
    Registry registry;
    auto& first = registry.AddCounter("same_total", "Once.", {"a"});
    EXPECT_EQ(&registry.AddCounter("same_total", "Twice.", {"a"}), &first);
    EXPECT_THROW(registry.AddCounter("same_total", "Other labels.", {"b"}), std::invalid_argument);
    EXPECT_THROW(registry.AddGauge("same_total", "Other type.", {"a"}), std::invalid_argument);
    EXPECT_THROW(registry.AddCounter("bad name", "x"), std::invalid_argument);
    EXPECT_THROW(registry.AddCounter("ok_total", "x", {"__reserved"}), std::invalid_argument);
    static constexpr std::array<double, 2> kDescending = {2, 1};
    EXPECT_THROW(registry.AddHistogram("h_seconds", "x", kDescending), std::invalid_argument);
    static constexpr std::array<double, 1> kOne = {1};
    EXPECT_THROW(registry.AddHistogram("h_seconds", "x", kOne, {"le"}), std::invalid_argument);
    EXPECT_THROW(first.WithLabels({"x", "y"}), std::invalid_argument);
    EXPECT_EQ(&first.WithLabels({"x"}), &first.WithLabels({"x"}));
}

TEST(Metrics, CountsFromManyThreadsAddUpExactly) {
    Registry registry;
    auto& counter = registry.AddCounter("hits_total", "Hits.").Get();
    static constexpr std::array<double, 1> kBounds = {1};
    auto& histogram = registry.AddHistogram("hit_seconds", "Hits.", kBounds).Get();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10'000; ++i) {
                counter.Add();
                histogram.Observe(0.5);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(counter.value(), 40'000U);
    EXPECT_EQ(histogram.Read().count, 40'000U);
    EXPECT_DOUBLE_EQ(histogram.Read().sum, 20'000.0);
}

}  // namespace
}  // namespace cerulean::core::metrics
