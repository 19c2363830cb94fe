// The modification time sync keeps in blob metadata, and which time a blob is compared by.

#include "sync/blob_listing.hpp"

#include <gtest/gtest.h>

#include "sync/content_type.hpp"

namespace cerulean::sync {
namespace {

TEST(StoredMtime, RoundTripsMillisecondsAsRfc3339) {
    const core::UnixMillis t = 1'764'127'658'123;
    const std::string text = FormatStoredMtime(t);
    EXPECT_EQ(text, "2025-11-26T03:27:38.123Z");
    EXPECT_EQ(StoredMtime({{"cerulean_mtime", text}}), t);
}

TEST(StoredMtime, ReadsAnyCaseAndUnixMillisAndIgnoresGarbage) {
    EXPECT_EQ(StoredMtime({{"Cerulean_Mtime", "2025-11-26T03:27:38Z"}}), 1'764'127'658'000);
    EXPECT_EQ(StoredMtime({{"cerulean_mtime", "1764127658123"}}), 1'764'127'658'123);
    EXPECT_FALSE(StoredMtime({{"cerulean_mtime", "yesterday"}}));
    EXPECT_FALSE(StoredMtime({{"cerulean_mtime", ""}}));
    EXPECT_FALSE(StoredMtime({{"mtime", "2025-11-26T03:27:38Z"}}));
}

TEST(EffectiveMtime, PrefersTheStoredTimeToLastModified) {
    EXPECT_EQ(EffectiveMtime({{"cerulean_mtime", "1000"}}, 5000), 1000);
    EXPECT_EQ(EffectiveMtime({}, 5000), 5000);
    EXPECT_EQ(EffectiveMtime({{"cerulean_mtime", "bad"}}, 5000), 5000);
    EXPECT_FALSE(EffectiveMtime({}, std::nullopt));
}

TEST(GuessContentType, FollowsTheExtension) {
    EXPECT_EQ(GuessContentType("index.HTML"), "text/html");
    EXPECT_EQ(GuessContentType("data.bin"), "application/octet-stream");
    EXPECT_EQ(GuessContentType("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace cerulean::sync
