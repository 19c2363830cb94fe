#include "azure/retry_policy.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"

namespace cerulean::azure {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicy, RetriesOnlyTransientStatuses) {
    for (const int status : {408, 429, 500, 502, 503, 504}) {
        EXPECT_TRUE(IsRetriableStatus(status)) << status;
    }
    for (const int status : {200, 201, 206, 304, 400, 401, 403, 404, 409, 412, 416, 501, 505}) {
        EXPECT_FALSE(IsRetriableStatus(status)) << status;
    }
}

TEST(RetryPolicy, TreatsOnlyThrottlingAsRefusedBeforeActing) {
    EXPECT_TRUE(IsRefusedStatus(429));
    EXPECT_TRUE(IsRefusedStatus(503));
    EXPECT_FALSE(IsRefusedStatus(500));
    EXPECT_FALSE(IsRefusedStatus(408));
    EXPECT_FALSE(IsRefusedStatus(504));
}

TEST(RetryAfter, ReadsDeltaSeconds) {
    EXPECT_EQ(ParseRetryAfter({{"Retry-After", "3"}}, 0), milliseconds(3000));
    EXPECT_EQ(ParseRetryAfter({{"retry-after", " 0 "}}, 0), milliseconds(0));
}

TEST(RetryAfter, PrefersMillisecondHeaders) {
    EXPECT_EQ(ParseRetryAfter({{"Retry-After", "3"}, {"x-ms-retry-after-ms", "250"}}, 0),
              milliseconds(250));
    EXPECT_EQ(ParseRetryAfter({{"retry-after-ms", "75"}, {"Retry-After", "3"}}, 0),
              milliseconds(75));
}

TEST(RetryAfter, ReadsHttpDatesRelativeToNow) {
    const core::UnixMillis now = *core::ParseHttpDate("Thu, 26 Nov 2026 03:27:38 GMT");
    EXPECT_EQ(ParseRetryAfter({{"Retry-After", "Thu, 26 Nov 2026 03:27:48 GMT"}}, now),
              milliseconds(10'000));
    // A date in the past means "now", never a negative wait.
    EXPECT_EQ(ParseRetryAfter({{"Retry-After", "Thu, 26 Nov 2026 03:27:00 GMT"}}, now),
              milliseconds(0));
}

TEST(RetryAfter, IgnoresMissingAndMalformedValues) {
    EXPECT_FALSE(ParseRetryAfter({}, 0));
    EXPECT_FALSE(ParseRetryAfter({{"Retry-After", "soon"}}, 0));
    EXPECT_FALSE(ParseRetryAfter({{"Retry-After", "-5"}}, 0));
    EXPECT_FALSE(ParseRetryAfter({{"Retry-After", "1.5"}}, 0));
    // A malformed millisecond header falls back to Retry-After.
    EXPECT_EQ(ParseRetryAfter({{"x-ms-retry-after-ms", "x"}, {"Retry-After", "2"}}, 0),
              milliseconds(2000));
}

TEST(Backoff, GrowsExponentiallyWithinJitterBounds) {
    RetryOptions options;
    options.base_delay = milliseconds(100);
    options.max_delay = milliseconds(60'000);
    for (int retry = 1; retry <= 6; ++retry) {
        const double nominal = 100.0 * (1 << (retry - 1));
        for (const double u : {0.0, 0.25, 0.5, 0.75, 0.999999}) {
            const auto delay = ComputeBackoff(retry, options, u);
            EXPECT_GE(delay.count(), static_cast<std::int64_t>(0.8 * nominal) - 1) << retry;
            EXPECT_LT(delay.count(), static_cast<std::int64_t>(1.2 * nominal) + 1) << retry;
        }
    }
    EXPECT_LT(ComputeBackoff(1, options, 0.0), ComputeBackoff(1, options, 0.99));
}

TEST(Backoff, NeverExceedsTheCap) {
    RetryOptions options;
    options.base_delay = milliseconds(400);
    options.max_delay = milliseconds(1000);
    for (int retry = 1; retry <= 100; ++retry) {
        EXPECT_LE(ComputeBackoff(retry, options, 0.999999), milliseconds(1000)) << retry;
    }
    EXPECT_EQ(ComputeBackoff(1000, options, 0.999999), milliseconds(1000));
    EXPECT_GE(ComputeBackoff(1000, options, 0.0), milliseconds(800));
}

TEST(Backoff, ToleratesOutOfRangeInputs) {
    RetryOptions options;
    options.base_delay = milliseconds(100);
    options.max_delay = milliseconds(1000);
    EXPECT_GE(ComputeBackoff(0, options, -1.0), milliseconds(80));
    EXPECT_LE(ComputeBackoff(-3, options, 5.0), milliseconds(120));
}

}  // namespace
}  // namespace cerulean::azure
