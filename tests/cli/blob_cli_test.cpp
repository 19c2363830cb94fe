// The pure parts of `cerulean blob`: sizes, remote paths, progress text, checksums.

#include <gtest/gtest.h>

#include "cli/blob_command.hpp"
#include "cli/progress_bar.hpp"
#include "cli/remote_path.hpp"
#include "cli/size_parser.hpp"
#include "core/error.hpp"

namespace cerulean::cli {
namespace {

using std::chrono::seconds;

TEST(ParseSize, ReadsBytesAndBinaryUnitsHoweverSpelled) {
    EXPECT_EQ(ParseSize("8388608"), 8388608U);
    EXPECT_EQ(ParseSize("8MiB"), 8U << 20U);
    EXPECT_EQ(ParseSize("8M"), 8U << 20U);
    EXPECT_EQ(ParseSize("8mb"), 8U << 20U);
    EXPECT_EQ(ParseSize("512k"), 512U << 10U);
    EXPECT_EQ(ParseSize("1G"), 1ULL << 30U);
    EXPECT_EQ(ParseSize("1.5GiB"), 3ULL << 29U);
    EXPECT_EQ(ParseSize("100B"), 100U);
}

TEST(ParseSize, RejectsAnythingElse) {
    for (const char* bad : {"", "M", "8X", "8 MiB", "-1", "0", "8MiBs", "1.5", "8iB", ".5M", "8..M",
                            "99999999999999999999"}) {
        EXPECT_THROW(ParseSize(bad), core::Error) << bad;
    }
}

TEST(ParseRemotePath, TakesThePathVerbatim) {
    const RemotePath p = ParseRemotePath("az://c01/a%2Fb #1?.txt");
    EXPECT_EQ(p.container, "c01");
    EXPECT_EQ(p.path, "a%2Fb #1?.txt");
    EXPECT_EQ(ParseRemotePath("az://box/deep/er/").path, "deep/er/");
    EXPECT_EQ(ParseRemotePath("az://box").path, "");
    EXPECT_EQ(ParseRemotePath("az://box/").path, "");
    EXPECT_EQ(ParseRemotePath("az://").container, "");
}

TEST(ParseRemotePath, RejectsLocalPathsAndBadContainerNames) {
    EXPECT_FALSE(IsRemotePath("/tmp/az://x"));
    EXPECT_THROW(ParseRemotePath("./file"), core::Error);
    EXPECT_THROW(ParseRemotePath("az://UPPER/x"), core::Error);
    EXPECT_THROW(ParseRemotePath("az://a/x"), core::Error);
    EXPECT_THROW(ParseRemotePath("az://a--b/x"), core::Error);
    EXPECT_THROW(ParseRemotePath("az://-ab/x"), core::Error);
    EXPECT_TRUE(IsValidContainerName("$root"));
    EXPECT_TRUE(IsValidContainerName("a-b-c"));
}

TEST(FormatBytes, UsesBinaryUnitsWithOneDecimal) {
    EXPECT_EQ(FormatBytes(0), "0 B");
    EXPECT_EQ(FormatBytes(1023), "1023 B");
    EXPECT_EQ(FormatBytes(1024), "1.0 KiB");
    EXPECT_EQ(FormatBytes(1536ULL << 20U), "1.5 GiB");
}

TEST(FormatProgressLine, ShowsBytesPercentRateAndEta) {
    EXPECT_EQ(FormatProgressLine(50ULL << 20U, 100ULL << 20U, 0, seconds(5)),
              "50.0 MiB / 100.0 MiB  50%  10.0 MiB/s  ETA 0:05");
    EXPECT_EQ(FormatProgressLine(0, std::nullopt, 3, seconds(0)), "0 B  3 items  0 B/s  ETA --:--");
    EXPECT_EQ(FormatDuration(seconds(3723)), "1:02:03");
}

TEST(FormatSummary, SaysWhatMovedHowFast) {
    EXPECT_EQ(FormatSummary("uploaded", 2, "file", 2ULL << 20U, seconds(2)),
              "uploaded 2 files, 2.0 MiB in 2.00 s (1.0 MiB/s)");
    EXPECT_EQ(FormatSummary("removed", 1, "blob", 0, seconds(1)),
              "removed 1 blob, 0 B in 1.00 s (0 B/s)");
}

TEST(ParseChecksum, DefaultsLikeAzCopyAndNoChecksumWins) {
    auto is = [](ChecksumChoice c, bool block, bool whole) {
        return c.block == block && c.whole == whole;
    };
    EXPECT_TRUE(is(ParseChecksum("", false, "put"), true, false));  // transactional MD5 only
    EXPECT_TRUE(is(ParseChecksum("", false, "get"), false, true));  // check the blob's MD5
    EXPECT_TRUE(is(ParseChecksum("auto", false, "cp"), true, true));
    EXPECT_TRUE(is(ParseChecksum("both", false, "put"), true, true));
    EXPECT_TRUE(is(ParseChecksum("block", false, "get"), true, false));
    EXPECT_TRUE(is(ParseChecksum("whole", false, "put"), false, true));
    EXPECT_TRUE(is(ParseChecksum("none", false, "get"), false, false));
    EXPECT_TRUE(is(ParseChecksum("both", true, "put"), false, false));
    EXPECT_THROW(ParseChecksum("crc64", false, "put"), core::Error);
}

}  // namespace
}  // namespace cerulean::cli
