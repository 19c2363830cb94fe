#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <ctime>

namespace cerulean::core {
namespace {

TEST(Clock, FormatsRfc3339InUtc) {
    EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(FormatRfc3339(1795663658000), "2026-11-26T03:27:38Z");
    EXPECT_EQ(FormatRfc3339Millis(1795663658123), "2026-11-26T03:27:38.123Z");
}

TEST(Clock, FormatsEveryDayLikeTheCLibrary) {
    // Every day from 1900 to 2200 at a varying time of day, against gmtime_r + strftime.
    for (std::int64_t day = -25567; day < 84000; day += 1) {
        const std::int64_t second_of_day = ((day * 7919) % 86400 + 86400) % 86400;
        const UnixMillis t = (day * 86400 + second_of_day) * 1000 + ((day % 1000) + 1000) % 1000;
        const auto secs = static_cast<std::time_t>(day * 86400 + second_of_day);
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char expected[32];
        std::strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%SZ", &tm);
        ASSERT_EQ(FormatRfc3339(t), expected) << day;
        ASSERT_EQ(ParseRfc3339(FormatRfc3339Millis(t)), t) << day;
    }
}

TEST(Clock, ParsesRfc3339WithOffsetsAndFractions) {
    EXPECT_EQ(ParseRfc3339("2026-11-26T03:27:38Z"), 1795663658000);
    EXPECT_EQ(ParseRfc3339("2026-11-26T03:27:38.5Z"), 1795663658500);
    EXPECT_EQ(ParseRfc3339("2026-11-26T04:27:38+01:00"), 1795663658000);
    EXPECT_EQ(ParseRfc3339("2026-11-25T22:27:38.1234567-05:00"), 1795663658123);
}

TEST(Clock, RejectsMalformedRfc3339) {
    EXPECT_FALSE(ParseRfc3339(""));
    EXPECT_FALSE(ParseRfc3339("2026-11-26 03:27:38Z"));
    EXPECT_FALSE(ParseRfc3339("2026-02-30T00:00:00Z"));
    EXPECT_FALSE(ParseRfc3339("2025-02-29T00:00:00Z"));
    EXPECT_FALSE(ParseRfc3339("2026-11-26T03:27:38"));
    EXPECT_FALSE(ParseRfc3339("2026-11-26T03:27:38Zjunk"));
    EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z"));
}

TEST(Clock, RoundTripsHttpDates) {
    EXPECT_EQ(FormatHttpDate(1795663658000), "Thu, 26 Nov 2026 03:27:38 GMT");
    EXPECT_EQ(ParseHttpDate("Thu, 26 Nov 2026 03:27:38 GMT"), 1795663658000);
    EXPECT_FALSE(ParseHttpDate("Thu, 26 Foo 2026 03:27:38 GMT"));
    EXPECT_FALSE(ParseHttpDate("26 Nov 2026"));
}

}  // namespace
}  // namespace cerulean::core
