// The local walk: files in exactly the order List Blobs uses for names, with the names that
// trip a naive recursive walk or a plain byte sort, and what it passes over.

#include "sync/local_walk.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "sync/local_path.hpp"

namespace cerulean::sync {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFile;

std::vector<std::string> Walk(LocalWalk& walk) {
    std::vector<std::string> paths;
    while (auto entry = walk.Next()) paths.push_back(entry->path);
    return paths;
}

class LocalWalkTest : public ::testing::Test {
 protected:
    void SetUp() override {
        folder_ = LocalFolder::Open(dir_.path(), "", false);
        ASSERT_TRUE(folder_);
    }
    void Write(const std::string& relative, std::string_view bytes = "x") {
        WriteFile(dir_.path() / relative, bytes);
    }

    TempDir dir_{"cerulean-sync-walk"};
    std::optional<LocalFolder> folder_;
};

TEST_F(LocalWalkTest, EmitsFullPathsInTheServiceOrderWhateverTheNames) {
    // '/' is 0x2F: "a.txt" (0x2E) and "a-b" (0x2D) and "a!" come before all of "a/", "a0" and
    // "a~" after it; upper case before lower case; UTF-8 after ASCII; an emoji (a surrogate
    // pair in UTF-16) before U+FF21, though not by bytes.
    const std::vector<std::string> files{"a.txt",
                                         "a/b",
                                         "a/c/d",
                                         "a/c.d",
                                         "a/c-",
                                         "a0",
                                         "a-b",
                                         "a b",
                                         "a!",
                                         "a~",
                                         "A",
                                         "Z",
                                         "_x",
                                         ".hidden",
                                         "a/.b",
                                         "a.b.c",
                                         "a.b/c",
                                         "a.b/c0/d/e",
                                         "ab/c",
                                         "\xc3\xa9t\xc3\xa9.txt",
                                         "\xe6\x97\xa5\xe6\x9c\xac/x",
                                         "emoji\xf0\x9f\x98\x80",
                                         "e/\x7f",
                                         "e/~",
                                         "e/ ",
                                         "x\xef\xbc\xa1",
                                         "x\xf0\x9f\x98\x80",
                                         "x\xf0\x9f\x98\x81/y",
                                         "x\xef\xbf\xbd"};
    for (const auto& f : files) Write(f);
    fs::create_directories(dir_.path() / "empty" / "folders");

    LocalWalk walk(*folder_, false);
    const std::vector<std::string> paths = Walk(walk);
    std::vector<std::string> expected = files;
    std::sort(expected.begin(), expected.end(), NameLess);
    EXPECT_EQ(paths, expected);
    EXPECT_LT(std::find(paths.begin(), paths.end(), "x\xf0\x9f\x98\x81/y"),
              std::find(paths.begin(), paths.end(), "x\xef\xbc\xa1"));
    EXPECT_FALSE(walk.incomplete());
    // The order a naive recursive walk (sorting names, not keys) would give is not this one.
    EXPECT_LT(std::find(paths.begin(), paths.end(), "a.txt"),
              std::find(paths.begin(), paths.end(), "a/b"));
    EXPECT_LT(std::find(paths.begin(), paths.end(), "a/c/d"),
              std::find(paths.begin(), paths.end(), "a0"));
}

TEST_F(LocalWalkTest, GivesSizeAndMillisecondMtime) {
    Write("f.bin", "12345");
    const timespec times[2] = {{1'600'000'000, 987'654'321}, {1'600'000'000, 987'654'321}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (dir_.path() / "f.bin").c_str(), times, 0), 0);
    LocalWalk walk(*folder_, false);
    const auto entry = walk.Next();
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->size, 5U);
    EXPECT_EQ(entry->mtime, 1'600'000'000'987);
    EXPECT_TRUE(entry->md5.empty());
    EXPECT_FALSE(walk.Next());
}

TEST_F(LocalWalkTest, PassesOverSymlinksWithoutFollowingThem) {
    TempDir outside("cerulean-sync-outside");
    WriteFile(outside.path() / "secret", "s");
    Write("real");
    fs::create_directory_symlink(outside.path(), dir_.path() / "linked-dir");
    fs::create_symlink(outside.path() / "secret", dir_.path() / "linked-file");
    LocalWalk walk(*folder_, false);
    EXPECT_EQ(Walk(walk), std::vector<std::string>{"real"});
    EXPECT_EQ(walk.links_skipped(), 2U);
}

TEST_F(LocalWalkTest, SkipsTemporaryFilesAndRemovesThemOnlyWhenAsked) {
    Write("keep.txt");
    Write("sub/" + TemporaryNameFor("big.bin"), "partial");
    Write("sub/" + TemporaryNameFor("small.bin") + ".json.tmp", "{");
    Write("sub/" + TemporaryNameFor("gone.bin") + ".json", "{}");
    {
        LocalWalk walk(*folder_, false);
        EXPECT_EQ(Walk(walk), std::vector<std::string>{"keep.txt"});
        EXPECT_EQ(walk.temporary_removed(), 0U);
    }
    EXPECT_TRUE(fs::exists(dir_.path() / "sub" / TemporaryNameFor("big.bin")));
    LocalWalk walk(*folder_, true);
    EXPECT_EQ(Walk(walk), std::vector<std::string>{"keep.txt"});
    EXPECT_EQ(walk.temporary_removed(), 3U);
    EXPECT_TRUE(walk.kept_partials().empty());
    EXPECT_FALSE(fs::exists(dir_.path() / "sub" / TemporaryNameFor("big.bin")));
    EXPECT_TRUE(fs::is_empty(dir_.path() / "sub"));
}

TEST_F(LocalWalkTest, KeepsATemporaryFileWithItsRecordForTheDownloadToContinue) {
    Write("a/" + TemporaryNameFor("big.bin"), "partial");
    Write("a/" + RecordNameFor(TemporaryNameFor("big.bin")), "{}");
    Write("a/" + TemporaryNameFor("alone.bin"), "no record: a dead run's");
    Write(TemporaryNameFor("top.bin"), "partial");
    Write(RecordNameFor(TemporaryNameFor("top.bin")), "{}");
    Write("z.txt");
    LocalWalk walk(*folder_, true);
    EXPECT_EQ(Walk(walk), std::vector<std::string>{"z.txt"});
    EXPECT_EQ(walk.temporary_removed(), 1U);
    EXPECT_EQ(walk.kept_partials(), (std::vector<std::string>{"top.bin", "a/big.bin"}));
    EXPECT_TRUE(fs::exists(dir_.path() / "a" / TemporaryNameFor("big.bin")));
    EXPECT_TRUE(fs::exists(dir_.path() / "a" / RecordNameFor(TemporaryNameFor("big.bin"))));
    EXPECT_FALSE(fs::exists(dir_.path() / "a" / TemporaryNameFor("alone.bin")));
}

TEST_F(LocalWalkTest, AnUnreadableFolderMakesTheWalkIncomplete) {
    if (::geteuid() == 0) GTEST_SKIP() << "root reads every folder";
    Write("a/x");
    Write("b/y");
    fs::permissions(dir_.path() / "a", fs::perms::none);
    LocalWalk walk(*folder_, false);
    EXPECT_EQ(Walk(walk), std::vector<std::string>{"b/y"});
    EXPECT_TRUE(walk.incomplete());
    EXPECT_NE(walk.first_problem().find("'a/'"), std::string::npos) << walk.first_problem();
    fs::permissions(dir_.path() / "a", fs::perms::owner_all);
}

TEST_F(LocalWalkTest, AFolderThatCannotBeOpenedMakesTheWalkIncompleteAndTheRestGoesOn) {
    // Root reads every folder: run out of descriptors a few levels down instead.
    Write("a/b/c/d/e/f/g/h/x");
    Write("z");
    // Exactly three descriptors left: the folder's, one below it, and one more for a moment.
    int free_found = 0;
    int limit = 0;
    while (free_found < 3) {
        if (::fcntl(limit, F_GETFD) == -1) ++free_found;
        ++limit;
    }
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
    const rlimit tight{static_cast<rlim_t>(limit), old.rlim_max};
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
    std::vector<std::string> paths;
    bool threw = false;
    LocalWalk walk(*folder_, false);
    try {
        paths = Walk(walk);
    } catch (const std::exception&) {
        threw = true;
    }
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
    ASSERT_FALSE(threw);
    EXPECT_EQ(paths, std::vector<std::string>{"z"});
    EXPECT_TRUE(walk.incomplete());
    EXPECT_NE(walk.first_problem().find("cannot read the folder 'a/"), std::string::npos)
        << walk.first_problem();
}

TEST_F(LocalWalkTest, HoldsOnlyTheFoldersOnTheCurrentPath) {
    // Many folders of a few files: the walk never lists a folder before it reaches it, so a
    // file created in a later folder meanwhile is seen.
    for (int i = 100; i < 150; ++i) Write(std::string("d").append(std::to_string(i)) + "/f");
    LocalWalk walk(*folder_, false);
    ASSERT_EQ(walk.Next()->path, "d100/f");
    Write("d149/g");
    std::vector<std::string> rest = Walk(walk);
    EXPECT_EQ(rest.size(), 50U);
    EXPECT_EQ(rest.back(), "d149/g");
}

}  // namespace
}  // namespace cerulean::sync
