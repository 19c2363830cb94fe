// The pure core of a sync: the service's name order, comparing two entries, merging two
// listings in that order, and the guards that keep deletes from doing harm.

#include "sync/sync_plan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace cerulean::sync {
namespace {

SyncEntry Entry(std::string path, std::uint64_t size = 1, std::optional<core::UnixMillis> mtime = 5,
                std::string md5 = {}) {
    SyncEntry e;
    e.path = std::move(path);
    e.size = size;
    e.mtime = mtime;
    e.md5 = std::move(md5);
    return e;
}

// A listing from a vector; fails on demand after some entries.
class FakeStream final : public EntryStream {
 public:
    explicit FakeStream(std::vector<SyncEntry> entries, std::optional<std::size_t> fail_at = {})
        : entries_(std::move(entries)), fail_at_(fail_at) {}
    std::optional<SyncEntry> Next() override {
        if (fail_at_ && next_ == *fail_at_) {
            throw core::Error(core::ErrorCode::kUnavailable, "page failed", "listing_failed");
        }
        if (next_ == entries_.size()) return std::nullopt;
        ++pulled_;
        return entries_[next_++];
    }
    std::size_t pulled() const { return pulled_; }

 private:
    std::vector<SyncEntry> entries_;
    std::optional<std::size_t> fail_at_;
    std::size_t next_ = 0;
    std::size_t pulled_ = 0;
};

std::vector<SyncEntry> Entries(const std::vector<std::string>& paths) {
    std::vector<SyncEntry> out;
    for (const auto& p : paths) out.push_back(Entry(p));
    return out;
}

// "S:path", "D:path" or "B:path" per visit.
std::vector<std::string> Merged(EntryStream& source, EntryStream& destination) {
    std::vector<std::string> out;
    MergeListings(source, destination, [&](const SyncEntry* s, const SyncEntry* d) {
        if (s != nullptr && d != nullptr) {
            out.push_back("B:" + s->path);
        } else if (s != nullptr) {
            out.push_back("S:" + s->path);
        } else {
            out.push_back("D:" + d->path);
        }
        return true;
    });
    return out;
}

// U+FF21 (fullwidth A, UTF-8 EF BC A1) and U+1F600 (an emoji, F0 9F 98 80, a surrogate pair in
// UTF-16): byte order puts the first first, UTF-16 order (the service's) the second.
constexpr const char* kFullwidthA = "\xef\xbc\xa1";
constexpr const char* kEmoji = "\xf0\x9f\x98\x80";

TEST(NameLess, FollowsUtf16CodeUnitsAsTheServiceSorts) {
    EXPECT_TRUE(NameLess("A", "a"));
    EXPECT_TRUE(NameLess("a.txt", "a/b"));  // '.' 0x2E before '/' 0x2F
    EXPECT_TRUE(NameLess("a/b", "a0"));
    EXPECT_TRUE(NameLess("a", "a/"));
    EXPECT_TRUE(NameLess("z", "\xc3\xa9"));              // ASCII before é
    EXPECT_TRUE(NameLess("\xc3\xa9", "\xe6\x97\xa5"));   // é before 日
    EXPECT_TRUE(NameLess("\xe6\x97\xa5", kEmoji));       // 日 before the emoji
    EXPECT_TRUE(NameLess(kEmoji, kFullwidthA));          // the emoji before Ａ
    EXPECT_TRUE(NameLess(kFullwidthA, "\xef\xbf\xbd"));  // Ａ before U+FFFD
    EXPECT_TRUE(NameLess("\xed\x9f\xbf", kEmoji));       // U+D7FF before the emoji
    EXPECT_FALSE(NameLess(kFullwidthA, kEmoji));
    EXPECT_FALSE(NameLess("same", "same"));
    EXPECT_FALSE(NameLess("ab", "a"));
}

TEST(MergeListings, PairsEqualPathsAndKeepsTheServiceOrder) {
    FakeStream source(Entries({"a.txt", "a/b", "a/c", "b", "\xc3\xa9t\xc3\xa9", kEmoji}));
    FakeStream destination(Entries({"a.txt", "a/c", "a0", "\xc3\xa9t\xc3\xa9", kFullwidthA}));
    EXPECT_EQ(
        Merged(source, destination),
        (std::vector<std::string>{"B:a.txt", "S:a/b", "B:a/c", "D:a0", "S:b", "B:\xc3\xa9t\xc3\xa9",
                                  std::string("S:") + kEmoji, std::string("D:") + kFullwidthA}));
}

TEST(MergeListings, HandlesAnEmptySideEitherWay) {
    FakeStream empty({});
    FakeStream some(Entries({"x", "y"}));
    EXPECT_EQ(Merged(empty, some), (std::vector<std::string>{"D:x", "D:y"}));
    FakeStream empty2({});
    FakeStream some2(Entries({"x", "y"}));
    EXPECT_EQ(Merged(some2, empty2), (std::vector<std::string>{"S:x", "S:y"}));
}

TEST(MergeListings, RefusesAListingOutOfOrder) {
    // "a/b" before "a.txt" is what a naive recursive walk gives: the merge must not trust it.
    FakeStream source(Entries({"a/b", "a.txt"}));
    FakeStream destination(Entries({"a.txt"}));
    try {
        Merged(source, destination);
        FAIL() << "no error";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.reason(), "listing_failed");
        EXPECT_NE(std::string(e.what()).find("source"), std::string::npos);
    }
    FakeStream bytewise(Entries({kFullwidthA, kEmoji}));  // UTF-8 byte order
    FakeStream nothing({});
    EXPECT_THROW(Merged(bytewise, nothing), core::Error);
    FakeStream dupes(Entries({"a", "a"}));
    FakeStream none({});
    EXPECT_THROW(Merged(none, dupes), core::Error);
}

TEST(MergeListings, PassesOnAListingError) {
    FakeStream source(Entries({"a", "b", "c"}), 2);
    FakeStream destination(Entries({"a"}));
    std::vector<std::string> seen;
    EXPECT_THROW(MergeListings(source, destination,
                               [&](const SyncEntry* s, const SyncEntry*) {
                                   seen.push_back(s->path);
                                   return true;
                               }),
                 core::Error);
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));  // never "c", nor an end
}

TEST(MergeListings, StopsWhenTheVisitorSaysSoWithoutPullingTheRest) {
    FakeStream source(Entries({"a", "b", "c", "d"}));
    FakeStream destination({});
    int visits = 0;
    MergeListings(source, destination,
                  [&](const SyncEntry*, const SyncEntry*) { return ++visits < 2; });
    EXPECT_EQ(visits, 2);
    EXPECT_LE(source.pulled(), 3U);
}

TEST(Compare, SizeAndMtimeDecideByDefault) {
    const auto mode = CompareMode::kSizeMtime;
    const auto dir = Direction::kUpload;
    EXPECT_EQ(Compare(Entry("a", 3, 100), Entry("a", 3, 100), mode, dir), Verdict::kSkip);
    EXPECT_EQ(Compare(Entry("a", 3, 100), Entry("a", 4, 100), mode, dir), Verdict::kCopy);
    EXPECT_EQ(Compare(Entry("a", 3, 100), Entry("a", 3, 101), mode, dir), Verdict::kCopy);
    EXPECT_EQ(Compare(Entry("a", 3, 100), Entry("a", 3, std::nullopt), mode, dir), Verdict::kCopy);
    // Equal MD5s do not matter in this mode.
    EXPECT_EQ(Compare(Entry("a", 3, 1, "x"), Entry("a", 3, 2, "x"), mode, dir), Verdict::kCopy);
}

TEST(Compare, Md5ComparesContentAndAsksForHashesItLacks) {
    struct Case {
        const char* source_md5;
        const char* destination_md5;
        std::uint64_t destination_size;
        Direction direction;
        Verdict expected;
    };
    const Case cases[] = {
        {"m", "m", 3, Direction::kCopy, Verdict::kSkip},  // mtimes differ: not looked at
        {"m", "n", 3, Direction::kCopy, Verdict::kCopy},
        {"m", "m", 4, Direction::kCopy, Verdict::kCopy},
        // A local file has no MD5 until hashed, nor has a blob stored without one.
        {"", "m", 3, Direction::kUpload, Verdict::kCompareContent},
        {"m", "", 3, Direction::kDownload, Verdict::kCompareContent},
        {"m", "", 3, Direction::kCopy, Verdict::kCompareContent},
        // Downloading a blob without an MD5 to hash it would read it all: it is simply copied.
        {"", "", 3, Direction::kDownload, Verdict::kCopy},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(Compare(Entry("a", 3, 1, c.source_md5),
                          Entry("a", c.destination_size, 2, c.destination_md5), CompareMode::kMd5,
                          c.direction),
                  c.expected)
            << c.source_md5 << " " << c.destination_md5 << " " << ToString(c.direction);
    }
}

TEST(RefuseDeletes, AllowsDeletesOnlyAfterACompleteNonEmptyListingWithinTheLimit) {
    EXPECT_FALSE(RefuseDeletes({false, 10, 3, std::nullopt}));
    EXPECT_FALSE(RefuseDeletes({false, 10, 3, 3}));
    EXPECT_FALSE(RefuseDeletes({true, 0, 0, 0}));  // nothing to delete, nothing to refuse
}

TEST(RefuseDeletes, RefusesAfterAnIncompleteListing) {
    const auto refused = RefuseDeletes({true, 10, 1, std::nullopt});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->reason(), "listing_failed");
}

TEST(RefuseDeletes, RefusesToEmptyTheDestinationFromAnEmptySource) {
    const auto refused = RefuseDeletes({false, 0, 5, std::nullopt});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->reason(), "source_empty");
}

TEST(RefuseDeletes, RefusesMoreDeletesThanMaxDelete) {
    const auto refused = RefuseDeletes({false, 10, 4, 3});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->reason(), "too_many_deletes");
    EXPECT_NE(std::string(refused->what()).find("4"), std::string::npos);
    EXPECT_TRUE(RefuseDeletes({false, 10, 1, 0}));
}

TEST(ParseDirection, ReadsTheApiWordsOnly) {
    EXPECT_EQ(ParseDirection("download"), Direction::kDownload);
    EXPECT_EQ(ParseDirection("upload"), Direction::kUpload);
    EXPECT_EQ(ParseDirection("copy"), Direction::kCopy);
    EXPECT_THROW(ParseDirection("Download"), core::Error);
    EXPECT_EQ(ParseCompareMode("md5"), CompareMode::kMd5);
    EXPECT_EQ(ParseCompareMode("size_mtime"), CompareMode::kSizeMtime);
    EXPECT_THROW(ParseCompareMode("sha1"), core::Error);
    EXPECT_EQ(ToString(CompareMode::kMd5), "md5");
}

}  // namespace
}  // namespace cerulean::sync
