// The record of a kept partial download: where it lives, what it holds (never a query), and
// that anything but a whole, current record reads as none.

#include "cli/partial_download.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace cerulean::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class PartialRecordFile : public ::testing::Test {
 protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("cerulean-partial-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(++counter_));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    void Write(const std::string& text) {
        std::ofstream out(dir_ / "r.json", std::ios::binary | std::ios::trunc);
        out << text;
    }
    std::string Read() const {
        std::ifstream in(dir_ / "r.json", std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }

    static inline int counter_ = 0;
    fs::path dir_;
};

TEST(PartialPaths, SitNextToTheTarget) {
    EXPECT_EQ(PartialPathFor("out/dir/file.bin"), fs::path("out/dir/.file.bin.cerulean-partial"));
    EXPECT_EQ(PartialPathFor("file"), fs::path(".file.cerulean-partial"));
    EXPECT_EQ(RecordPathFor("out/.f.cerulean-partial"), fs::path("out/.f.cerulean-partial.json"));
}

TEST(UrlWithoutQuery, DropsTheQueryAndFragment) {
    EXPECT_EQ(UrlWithoutQuery("https://a.blob.core.windows.net/c/b?sv=1&sig=secret"),
              "https://a.blob.core.windows.net/c/b");
    EXPECT_EQ(UrlWithoutQuery("http://h/c/a%3Fb#frag"), "http://h/c/a%3Fb");
    EXPECT_EQ(UrlWithoutQuery("http://h/c/b"), "http://h/c/b");
}

TEST_F(PartialRecordFile, RoundTripsWithoutAQuery) {
    PartialRecord record{"http://h/acct/c/na%20me?sv=2025&sig=SECRET", "\"0x8DABC\"",
                         5'000'000'000ULL, 4'000'000'000ULL};
    WritePartialRecord(dir_ / "r.json", record);
    EXPECT_THAT(Read(), Not(HasSubstr("sig=")));
    EXPECT_THAT(Read(), Not(HasSubstr("SECRET")));
    EXPECT_FALSE(fs::exists(dir_ / "r.json.tmp"));
    const auto back = ReadPartialRecord(dir_ / "r.json");
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->url, "http://h/acct/c/na%20me");
    EXPECT_EQ(back->etag, "\"0x8DABC\"");
    EXPECT_EQ(back->size, 5'000'000'000ULL);
    EXPECT_EQ(back->prefix, 4'000'000'000ULL);
}

TEST_F(PartialRecordFile, AnythingButAWholeCurrentRecordIsNone) {
    EXPECT_FALSE(ReadPartialRecord(dir_ / "missing.json").has_value());
    const std::string good =
        R"({"version":1,"url":"http://h/c/b","etag":"\"e\"","size":10,"prefix":4})";
    Write(good);
    EXPECT_TRUE(ReadPartialRecord(dir_ / "r.json").has_value());
    for (const std::string& bad : std::vector<std::string>{
             std::string(),
             good.substr(0, good.size() - 5),  // cut short
             std::string("[]"),
             R"({"version":2,"url":"http://h/c/b","etag":"\"e\"","size":10,"prefix":4})",
             R"({"url":"http://h/c/b","etag":"\"e\"","size":10,"prefix":4})",
             R"({"version":1,"url":"http://h/c/b","etag":"","size":10,"prefix":4})",
             R"({"version":1,"url":"http://h/c/b","etag":"\"e\"","size":10,"prefix":11})",
             R"({"version":1,"url":"http://h/c/b","etag":"\"e\"","size":10,"prefix":-1})",
             R"({"version":1,"url":7,"etag":"\"e\"","size":10,"prefix":4})",
         }) {
        SCOPED_TRACE(bad);
        Write(bad);
        EXPECT_FALSE(ReadPartialRecord(dir_ / "r.json").has_value());
    }
}

}  // namespace
}  // namespace cerulean::cli
