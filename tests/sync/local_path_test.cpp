// Local paths confined to the sync root: what a job may name, and what a run may open, even
// when a symlink is planted after the job was created.

#include "sync/local_path.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "sync/local_folder.hpp"

namespace cerulean::sync {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

// The reason of the core::Error `f` throws, or "" when it does not throw.
template <typename F>
std::string ReasonOf(F&& f) {
    try {
        f();
    } catch (const core::Error& e) {
        return e.reason();
    }
    return "";
}

class LocalPaths : public ::testing::Test {
 protected:
    void SetUp() override {
        fs::create_directories(root() / "team-a" / "reports");
        fs::create_directories(outside());
        WriteFile(outside() / "secret.txt", "not yours");
    }
    fs::path root() const { return dir_.path() / "root"; }
    fs::path outside() const { return dir_.path() / "outside"; }

    TempDir dir_{"cerulean-sync-path"};
};

TEST_F(LocalPaths, AcceptsRelativePathsAndNormalizesThem) {
    EXPECT_EQ(ValidateLocalPath(root(), "team-a/reports"), "team-a/reports");
    EXPECT_EQ(ValidateLocalPath(root(), "./team-a//reports/"), "team-a/reports");
    EXPECT_EQ(ValidateLocalPath(root(), "new/folder"), "new/folder");
    EXPECT_EQ(ValidateLocalPath(root(), ""), "");
    EXPECT_EQ(ValidateLocalPath(dir_.path() / "no-root-yet", "a/b"), "a/b");
}

TEST_F(LocalPaths, RefusesAbsolutePathsAndDotDot) {
    for (const char* bad : {"/etc", "/", "..", "../outside", "team-a/../../outside", "a/.."}) {
        EXPECT_EQ(ReasonOf([&] { (void)ValidateLocalPath(root(), bad); }), "invalid_local_path")
            << bad;
    }
    EXPECT_EQ(ReasonOf([&] { (void)ValidateLocalPath(root(), std::string("a\0b", 3)); }),
              "invalid_local_path");
}

TEST_F(LocalPaths, RefusesSymlinksLeadingOutsideButNotThoseInside) {
    fs::create_directory_symlink(outside(), root() / "escape");
    fs::create_directory_symlink(root() / "team-a", root() / "alias");
    fs::create_symlink("../../outside", root() / "team-a" / "relative-escape");
    EXPECT_EQ(ReasonOf([&] { (void)ValidateLocalPath(root(), "escape"); }), "invalid_local_path");
    EXPECT_EQ(ReasonOf([&] { (void)ValidateLocalPath(root(), "escape/deeper"); }),
              "invalid_local_path");
    EXPECT_EQ(ReasonOf([&] { (void)ValidateLocalPath(root(), "team-a/relative-escape"); }),
              "invalid_local_path");
    EXPECT_EQ(ValidateLocalPath(root(), "alias/reports"), "alias/reports");
}

TEST_F(LocalPaths, RefusesAFileWhereAFolderShouldBe) {
    WriteFile(root() / "file", "x");
    EXPECT_EQ(ReasonOf([&] { (void)ValidateLocalPath(root(), "file"); }), "invalid_local_path");
    EXPECT_EQ(ReasonOf([&] { (void)ValidateLocalPath(root(), "file/below"); }),
              "invalid_local_path");
}

TEST_F(LocalPaths, OpensAFolderThroughAnInsideSymlinkAndCreatesMissingOnes) {
    fs::create_directory_symlink(root() / "team-a", root() / "alias");
    EXPECT_TRUE(LocalFolder::Open(root(), "alias/reports", false));
    EXPECT_FALSE(LocalFolder::Open(root(), "brand/new", false));
    EXPECT_FALSE(fs::exists(root() / "brand"));
    EXPECT_TRUE(LocalFolder::Open(root(), "brand/new", true));
    EXPECT_TRUE(fs::is_directory(root() / "brand" / "new"));
}

TEST_F(LocalPaths, RefusesAJobFolderSwappedForASymlinkOutsideAfterCreation) {
    ASSERT_EQ(ValidateLocalPath(root(), "team-a/reports"), "team-a/reports");
    fs::remove_all(root() / "team-a" / "reports");
    fs::create_directory_symlink(outside(), root() / "team-a" / "reports");
    EXPECT_EQ(ReasonOf([&] { (void)LocalFolder::Open(root(), "team-a/reports", false); }),
              "invalid_local_path");
}

TEST_F(LocalPaths, RefusesToOpenFilesThroughASymlinkPlantedLater) {
    const auto folder = LocalFolder::Open(root(), "team-a", false);
    ASSERT_TRUE(folder);
    WriteFile(root() / "team-a" / "reports" / "q1.csv", "1,2");
    EXPECT_GE(folder->OpenFile("reports/q1.csv").get(), 0);

    // Planted after the folder was opened: a folder turned into a symlink, and a file too.
    fs::create_directory_symlink(outside(), root() / "team-a" / "planted");
    fs::create_symlink(outside() / "secret.txt", root() / "team-a" / "reports" / "link.txt");
    EXPECT_EQ(ReasonOf([&] { (void)folder->OpenFile("planted/secret.txt"); }),
              "invalid_local_path");
    EXPECT_EQ(ReasonOf([&] { (void)folder->OpenFile("reports/link.txt"); }), "invalid_local_path");
    EXPECT_EQ(ReasonOf([&] { (void)folder->OpenDirectory("planted", true); }),
              "invalid_local_path");
    // Even a symlink that stays inside is not followed below the job's folder.
    fs::create_directory_symlink(root() / "team-a" / "reports", root() / "team-a" / "inside");
    EXPECT_EQ(ReasonOf([&] { (void)folder->OpenFile("inside/q1.csv"); }), "invalid_local_path");
    EXPECT_EQ(ReasonOf([&] { (void)folder->OpenFile("../outside/secret.txt"); }),
              "invalid_local_path");
    EXPECT_EQ(ReadFile(outside() / "secret.txt"), "not yours");
}

TEST_F(LocalPaths, ADownloadNeverWritesThroughAPlantedSymlink) {
    const auto folder = LocalFolder::Open(root(), "team-a", false);
    ASSERT_TRUE(folder);
    fs::create_directory_symlink(outside(), root() / "team-a" / "planted");
    EXPECT_EQ(ReasonOf([&] { (void)folder->OpenDirectory("planted", true); }),
              "invalid_local_path");
    // The temporary name itself planted as a symlink to a file outside.
    fs::create_symlink(outside() / "secret.txt",
                       root() / "team-a" / TemporaryNameFor("victim.txt"));
    EXPECT_EQ(ReasonOf([&] { TemporaryFile file(folder->OpenDirectory("", false), "victim.txt"); }),
              "invalid_local_path");
    EXPECT_EQ(ReadFile(outside() / "secret.txt"), "not yours");
}

TEST_F(LocalPaths, ATemporaryFileIsRenamedIntoPlaceOnlyOnCommit) {
    const auto folder = LocalFolder::Open(root(), "team-a", false);
    ASSERT_TRUE(folder);
    const fs::path final_path = root() / "team-a" / "reports" / "out.bin";
    const fs::path temporary = root() / "team-a" / "reports" / TemporaryNameFor("out.bin");
    {
        TemporaryFile file(folder->OpenDirectory("reports", false), "out.bin");
        const int fd = file.TakeFile();
        ASSERT_EQ(::write(fd, "abc", 3), 3);
        ::close(fd);
        EXPECT_TRUE(fs::exists(temporary));
        EXPECT_FALSE(fs::exists(final_path));
    }  // not committed: removed
    EXPECT_FALSE(fs::exists(temporary));
    EXPECT_FALSE(fs::exists(final_path));
    {
        TemporaryFile file(folder->OpenDirectory("reports", false), "out.bin");
        const int fd = file.TakeFile();
        ASSERT_EQ(::write(fd, "abc", 3), 3);
        ::close(fd);
        file.SetModified(1'700'000'000'123);
        file.Commit();
    }
    EXPECT_EQ(ReadFile(final_path), "abc");
    EXPECT_FALSE(fs::exists(temporary));
    struct stat info {};
    ASSERT_EQ(::stat(final_path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mtim.tv_sec, 1'700'000'000);
    EXPECT_EQ(info.st_mtim.tv_nsec, 123'000'000);
}

TEST_F(LocalPaths, RemovingAFileRemovesTheFoldersItEmptiedButNotTheJobFolder) {
    const auto folder = LocalFolder::Open(root(), "team-a", false);
    ASSERT_TRUE(folder);
    WriteFile(root() / "team-a" / "x" / "y" / "z.txt", "z");
    WriteFile(root() / "team-a" / "x" / "keep.txt", "k");
    folder->RemoveFile("x/y/z.txt");
    EXPECT_FALSE(fs::exists(root() / "team-a" / "x" / "y"));
    EXPECT_TRUE(fs::exists(root() / "team-a" / "x" / "keep.txt"));
    folder->RemoveFile("x/keep.txt");
    EXPECT_FALSE(fs::exists(root() / "team-a" / "x"));
    EXPECT_TRUE(fs::exists(root() / "team-a"));
    folder->RemoveFile("x/keep.txt");  // gone already: no error
    EXPECT_NO_THROW(folder->RemoveFile("never/was.txt"));
}

TEST(SafeRelativePath, RefusesNamesThatEscapeTheFolder) {
    EXPECT_EQ(SafeRelativePath("a/b c/d#?.txt"), "a/b c/d#?.txt");
    EXPECT_EQ(SafeRelativePath("../etc/passwd"), "");
    EXPECT_EQ(SafeRelativePath("a/../../b"), "");
    EXPECT_EQ(SafeRelativePath("/abs"), "");
    EXPECT_EQ(SafeRelativePath("a//b"), "");
    EXPECT_EQ(SafeRelativePath("dir/"), "");
}

TEST(IsTemporaryName, KnowsPartialFilesAndTheirRecords) {
    EXPECT_EQ(TemporaryNameFor("a.txt"), ".a.txt.cerulean-partial");
    EXPECT_TRUE(IsTemporaryName(".a.txt.cerulean-partial"));
    EXPECT_TRUE(IsTemporaryName(".a.txt.cerulean-partial.json"));
    EXPECT_TRUE(IsTemporaryName(".a.txt.cerulean-partial.json.tmp"));
    EXPECT_FALSE(IsTemporaryName("a.txt.cerulean-partial"));
    EXPECT_FALSE(IsTemporaryName(".cerulean-partial"));
    EXPECT_FALSE(IsTemporaryName(".a.txt"));
}

TEST(IsTemporaryName, TellsTheRecordAndTheFinalNameOfATemporaryFile) {
    EXPECT_EQ(RecordNameFor(".a.txt.cerulean-partial"), ".a.txt.cerulean-partial.json");
    EXPECT_TRUE(IsTemporaryName(RecordNameFor(TemporaryNameFor("a.txt"))));
    EXPECT_EQ(NameOfTemporary(TemporaryNameFor("a.txt")), "a.txt");
    EXPECT_EQ(NameOfTemporary(TemporaryNameFor(".x")), ".x");
    EXPECT_EQ(NameOfTemporary(".a.txt.cerulean-partial.json"), "");
    EXPECT_EQ(NameOfTemporary(".cerulean-partial"), "");
    EXPECT_EQ(NameOfTemporary("a.txt"), "");
}

TEST_F(LocalPaths, RemovingTemporaryFilesKeepsEverythingElseAndNeverFollowsSymlinks) {
    const fs::path folder = root() / "team-a" / "reports";
    fs::create_directories(folder / "q1");
    WriteFile(folder / ".big.bin.cerulean-partial", "part");
    WriteFile(folder / ".big.bin.cerulean-partial.json", "{}");
    WriteFile(folder / "q1" / ".a.csv.cerulean-partial", "part");
    WriteFile(folder / "done.csv", "kept");
    WriteFile(outside() / ".theirs.cerulean-partial", "not yours either");
    fs::create_directory_symlink(outside(), folder / "link");
    EXPECT_EQ(RemoveTemporaryFiles(root(), "team-a/reports"), 3U);
    EXPECT_FALSE(fs::exists(folder / ".big.bin.cerulean-partial"));
    EXPECT_FALSE(fs::exists(folder / ".big.bin.cerulean-partial.json"));
    EXPECT_FALSE(fs::exists(folder / "q1" / ".a.csv.cerulean-partial"));
    EXPECT_TRUE(fs::exists(folder / "done.csv"));
    EXPECT_TRUE(fs::exists(outside() / ".theirs.cerulean-partial"));
    EXPECT_EQ(RemoveTemporaryFiles(root(), "team-a/missing"), 0U);
    EXPECT_EQ(ReasonOf([&] { RemoveTemporaryFiles(root(), "../outside"); }), "invalid_local_path");
}

}  // namespace
}  // namespace cerulean::sync
