// The record of a partial download's ranges: the set merges what arrives in any order into few
// ranges and tells what is missing; the record reads back what it wrote, reads a `cerulean blob
// get` record as its prefix, refuses anything unsound, and is written whole or not at all.

#include "sync/range_record.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::sync {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFile;
using Ranges = std::vector<ByteRange>;

TEST(RangeSet, MergesRangesWrittenPieceByPieceAndOutOfOrder) {
    RangeSet set;
    for (std::uint64_t at = 100; at < 200; at += 10) set.Add(at, at + 10);  // one range's pieces
    EXPECT_EQ(set.ranges(), (Ranges{{100, 200}}));
    set.Add(300, 400);
    set.Add(0, 50);
    EXPECT_EQ(set.ranges(), (Ranges{{0, 50}, {100, 200}, {300, 400}}));
    set.Add(50, 100);  // touching both sides
    EXPECT_EQ(set.ranges(), (Ranges{{0, 200}, {300, 400}}));
    set.Add(150, 350);  // overlapping
    EXPECT_EQ(set.ranges(), (Ranges{{0, 400}}));
    set.Add(500, 500);  // empty
    set.Add(450, 460);
    set.Add(420, 480);  // covering one
    EXPECT_EQ(set.ranges(), (Ranges{{0, 400}, {420, 480}}));
    EXPECT_EQ(set.bytes(), 460U);
    EXPECT_EQ(set.prefix(), 400U);
}

TEST(RangeSet, TellsTheMissingRanges) {
    RangeSet set;
    EXPECT_EQ(set.Missing(10), (Ranges{{0, 10}}));
    EXPECT_EQ(set.prefix(), 0U);
    set.Add(2, 4);
    set.Add(6, 10);
    EXPECT_EQ(set.prefix(), 0U);
    EXPECT_EQ(set.Missing(10), (Ranges{{0, 2}, {4, 6}}));
    EXPECT_EQ(set.Missing(12), (Ranges{{0, 2}, {4, 6}, {10, 12}}));
    set.Add(0, 2);
    set.Add(4, 6);
    EXPECT_TRUE(set.Missing(10).empty());
}

TEST(RangeRecord, ReadsBackWhatItWrote) {
    RangeRecord record;
    record.url = "http://127.0.0.1:10000/devstoreaccount1/c/big.bin";
    record.etag = "\"0x8DC0FFEE\"";
    record.size = 10 << 20;
    record.ranges.Add(0, 3 << 20);
    record.ranges.Add(4 << 20, 6 << 20);
    const std::string text = FormatRangeRecord(record);
    // One line that `cerulean blob get --resume` reads too: version 1 and the prefix.
    EXPECT_EQ(text.find('\n'), text.size() - 1);
    EXPECT_NE(text.find("\"version\":1"), std::string::npos);
    EXPECT_NE(text.find("\"prefix\":3145728"), std::string::npos);
    const auto back = ParseRangeRecord(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->url, record.url);
    EXPECT_EQ(back->etag, record.etag);
    EXPECT_EQ(back->size, record.size);
    EXPECT_EQ(back->ranges.ranges(), record.ranges.ranges());
}

TEST(RangeRecord, ReadsTheRecordOfBlobGetAsItsPrefix) {
    const auto record = ParseRangeRecord(
        R"({"version":1,"url":"http://h/a/c/b","etag":"\"0x1\"","size":100,"prefix":40})");
    ASSERT_TRUE(record);
    EXPECT_EQ(record->ranges.ranges(), (Ranges{{0, 40}}));
    EXPECT_EQ(record->size, 100U);
}

TEST(RangeRecord, RefusesAnythingUnsound) {
    for (const char* text : {
             "",
             "not json",
             "[]",
             R"({"version":2,"etag":"e","size":10,"ranges":[]})",
             R"({"version":1,"size":10,"ranges":[]})",
             R"({"version":1,"etag":"","size":10,"ranges":[]})",
             R"({"version":1,"etag":"e","ranges":[]})",
             R"({"version":1,"etag":"e","size":-1,"ranges":[]})",
             R"({"version":1,"etag":"e","size":10})",
             R"({"version":1,"etag":"e","size":10,"prefix":11})",
             R"({"version":1,"etag":"e","size":10,"ranges":{}})",
             R"({"version":1,"etag":"e","size":10,"ranges":[[0,11]]})",
             R"({"version":1,"etag":"e","size":10,"ranges":[[4,4]]})",
             R"({"version":1,"etag":"e","size":10,"ranges":[[5,8],[0,2]]})",
             R"({"version":1,"etag":"e","size":10,"ranges":[[0,5],[4,8]]})",
             R"({"version":1,"etag":"e","size":10,"ranges":[[0]]})",
             R"({"version":1,"etag":"e","size":10,"ranges":[["0","5"]]})",
             R"({"version":1,"url":7,"etag":"e","size":10,"ranges":[]})",
         }) {
        EXPECT_FALSE(ParseRangeRecord(text)) << text;
    }
}

TEST(RangeRecord, IsWrittenWholeBesideItsFileAndNeverThroughASymlink) {
    const TempDir dir("cerulean-range-record");
    const int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    RangeRecord record;
    record.etag = "\"0x1\"";
    record.size = 10;
    record.ranges.Add(2, 5);
    WriteRangeRecord(fd, "r.json", record);
    EXPECT_FALSE(fs::exists(dir.path() / "r.json.tmp"));
    auto back = ReadRangeRecord(fd, "r.json");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->ranges.ranges(), (Ranges{{2, 5}}));
    record.ranges.Add(5, 10);
    WriteRangeRecord(fd, "r.json", record);
    back = ReadRangeRecord(fd, "r.json");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->ranges.ranges(), (Ranges{{2, 10}}));

    EXPECT_FALSE(ReadRangeRecord(fd, "missing.json"));
    WriteFile(dir.path() / "elsewhere", FormatRangeRecord(record));
    fs::create_symlink(dir.path() / "elsewhere", dir.path() / "link.json");
    EXPECT_FALSE(ReadRangeRecord(fd, "link.json"));
    fs::create_symlink(dir.path() / "target", dir.path() / "planted.json.tmp");
    EXPECT_THROW(WriteRangeRecord(fd, "planted.json", record), std::exception);
    EXPECT_FALSE(fs::exists(dir.path() / "target"));
    ::close(fd);
}

TEST(RangeRecord, ComparesEtagsWithOrWithoutQuotes) {
    EXPECT_EQ(BareEtag("\"0x8D\""), "0x8D");
    EXPECT_EQ(BareEtag("0x8D"), "0x8D");
    EXPECT_EQ(BareEtag("\""), "\"");
}

}  // namespace
}  // namespace cerulean::sync
