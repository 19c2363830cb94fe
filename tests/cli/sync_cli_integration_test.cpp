// `cerulean blob sync` end to end against Azurite, run as a child process: the three
// directions and a no-op rerun, deletes with their limit and a dry run, usage errors, and a
// process killed or interrupted in the middle of a download.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cli/blob_cli_fixture.hpp"
#include "cli/blob_cli_runner.hpp"
#include "support/files.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20U;

// The regular files below `root`: relative path -> content.
std::map<std::string, std::string> Files(const fs::path& root) {
    std::map<std::string, std::string> files;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::end(it); ++it) {
        if (it->is_regular_file()) {
            files[it->path().lexically_relative(root).generic_string()] = ReadFile(it->path());
        }
    }
    return files;
}

bool AnyPartialFile(const fs::path& root) {
    for (auto it = fs::recursive_directory_iterator(root); it != fs::end(it); ++it) {
        if (it->path().filename().string().find(".cerulean-partial") != std::string::npos) {
            return true;
        }
    }
    return false;
}

using SyncCli = BlobCli;

TEST_F(SyncCli, SyncsUpDownAndAcrossAndARerunTransfersNothing) {
    const fs::path src = dir_.path() / "tree" / "src";
    const std::map<std::string, std::string> files{{"a.txt", "alpha"},
                                                   {"d/b.bin", PatternBytes(2 * kMiB + 3, 2)},
                                                   {"sp ace/\xc3\xa9t\xc3\xa9.txt", "accents"}};
    for (const auto& [name, content] : files) WriteFile(src / name, content);

    const BlobCliOutcome up =
        Run({"sync", "tree/src", Remote("up"), "--json", "--block-size", "1MiB"});
    ASSERT_EQ(up.status, 0) << up.err;
    EXPECT_THAT(up.err, HasSubstr("uploaded 3 files"));
    EXPECT_THAT(up.out, HasSubstr("\"op\":\"copy\""));
    EXPECT_THAT(up.out, HasSubstr("\"status\":\"succeeded\""));
    const std::vector<std::string> names = Names(up.out);
    EXPECT_EQ(names.size(), 3U);

    const BlobCliOutcome again = Run({"sync", "tree/src", Remote("up")});
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_THAT(again.err, HasSubstr("uploaded 0 files"));
    EXPECT_THAT(again.err, HasSubstr("3 up to date"));

    const BlobCliOutcome down = Run({"sync", Remote("up/"), "tree/down"});
    ASSERT_EQ(down.status, 0) << down.err;
    EXPECT_THAT(down.err, HasSubstr("downloaded 3 files"));
    EXPECT_EQ(Files(dir_.path() / "tree" / "down"), files);
    const BlobCliOutcome down_again = Run({"sync", Remote("up/"), "tree/down", "--compare", "md5"});
    ASSERT_EQ(down_again.status, 0) << down_again.err;
    EXPECT_THAT(down_again.err, HasSubstr("3 up to date"));

    const BlobCliOutcome copy = Run({"sync", Remote("up"), Remote("copy"), "--json"});
    ASSERT_EQ(copy.status, 0) << copy.err;
    EXPECT_THAT(copy.err, HasSubstr("copied 3 files"));
    const BlobCliOutcome listed = Run({"ls", "--recursive", "--json", Remote("copy/")});
    EXPECT_EQ(Names(listed.out).size(), 3U);
    EXPECT_THAT(Run({"sync", Remote("up"), Remote("copy")}).err, HasSubstr("3 up to date"));
}

TEST_F(SyncCli, DeletesWithinTheLimitAndADryRunChangesNothing) {
    WriteFile(dir_.path() / "tree" / "src" / "keep", "k");
    ASSERT_EQ(Run({"sync", "tree/src", Remote("up")}).status, 0);
    for (const char* name : {"x1", "x2", "x3"}) {
        WriteFile(dir_.path() / "extra" / name, "x");
    }
    ASSERT_EQ(Run({"put", "--recursive", "extra", Remote("up/")}).status, 0);

    const BlobCliOutcome capped =
        Run({"sync", "tree/src", Remote("up"), "--delete", "--max-delete", "2"});
    EXPECT_EQ(capped.status, 1) << capped.err;
    EXPECT_THAT(capped.err, HasSubstr("max_delete"));
    EXPECT_EQ(Names(Run({"ls", "--recursive", "--json", Remote("up/")}).out).size(), 4U);

    const BlobCliOutcome dry = Run({"sync", "tree/src", Remote("up"), "--delete", "--dry-run"});
    ASSERT_EQ(dry.status, 0) << dry.err;
    EXPECT_THAT(dry.out, HasSubstr("delete x1\ndelete x2\ndelete x3\n"));
    EXPECT_THAT(dry.err, HasSubstr("delete 3"));
    const BlobCliOutcome dry_capped =
        Run({"sync", "tree/src", Remote("up"), "--delete", "--max-delete", "1", "--dry-run"});
    EXPECT_EQ(dry_capped.status, 1);
    EXPECT_THAT(dry_capped.err, HasSubstr("a run would fail"));
    EXPECT_EQ(Names(Run({"ls", "--recursive", "--json", Remote("up/")}).out).size(), 4U);

    const BlobCliOutcome deleted =
        Run({"sync", "tree/src", Remote("up"), "--delete", "--max-delete", "3", "--json"});
    ASSERT_EQ(deleted.status, 0) << deleted.err;
    EXPECT_THAT(deleted.err, HasSubstr("3 deleted"));
    EXPECT_THAT(deleted.out, HasSubstr("\"op\":\"delete\""));
    EXPECT_EQ(Names(Run({"ls", "--recursive", "--json", Remote("up/")}).out),
              std::vector<std::string>{"up/keep"});

    fs::create_directories(dir_.path() / "tree" / "empty");
    const BlobCliOutcome empty = Run({"sync", "tree/empty", Remote("up"), "--delete"});
    EXPECT_EQ(empty.status, 1);
    EXPECT_THAT(empty.err, HasSubstr("source is empty"));
    EXPECT_THAT(empty.err, Not(HasSubstr("uploaded 0 files")));
    EXPECT_EQ(Names(Run({"ls", "--recursive", "--json", Remote("up/")}).out).size(), 1U);
}

TEST_F(SyncCli, BadUsageExitsTwoWithOneLine) {
    fs::create_directories(dir_.path() / "tree" / "a");
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"sync", "tree/a", "tree/b"},
                                               {"sync", "tree/a"},
                                               {"sync", "tree/a", Remote("x"), "--compare", "sha1"},
                                               {"sync", "tree/a", Remote("x"), "--max-delete", "3"},
                                               {"sync", "tree/a", "az://BAD/x"}}) {
        const BlobCliOutcome o = Run(args);
        EXPECT_EQ(o.status, 2) << args.back() << ": " << o.err;
        EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
    }
    const BlobCliOutcome missing = Run({"sync", "tree/none", Remote("x")});
    EXPECT_EQ(missing.status, 1) << missing.err;
    EXPECT_THAT(missing.err, HasSubstr("does not exist"));
}

class SyncCliStopped : public BlobCli {
 protected:
    // Starts a download of a big blob (slowly: one request of 1 MiB at a time) and returns
    // once its temporary file holds some bytes.
    pid_t StartBigDownload() {
        big_ = PatternBytes(48 * kMiB, 3);
        WriteFile(dir_.path() / "big.bin", big_);
        EXPECT_EQ(Run({"put", "big.bin", Remote("r/big.bin")}).status, 0);
        EXPECT_EQ(Run({"put", "big.bin", Remote("r/more/copy.bin")}).status, 0);
        fs::remove(dir_.path() / "big.bin");
        const pid_t pid = StartBlobCli(
            CERULEAN_BINARY, dir_.path(),
            {"sync", Remote("r"), "tree/down", "--concurrency", "1", "--block-size", "1MiB"},
            connection_string_);
        const fs::path partial = dir_.path() / "tree" / "down" / ".big.bin.cerulean-partial";
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        std::error_code ec;
        while (std::chrono::steady_clock::now() < deadline &&
               !(fs::exists(partial, ec) && fs::file_size(partial, ec) >= 2 * kMiB)) {
            std::this_thread::sleep_for(1ms);
        }
        EXPECT_TRUE(fs::exists(partial)) << "the download never started";
        return pid;
    }

    std::string big_;
};

TEST_F(SyncCliStopped, AKilledRunLeavesNoPartialFileUnderAFinalNameAndARerunFinishes) {
    const pid_t pid = StartBigDownload();
    ::kill(pid, SIGKILL);
    const BlobCliOutcome killed = FinishBlobCli(pid, dir_.path(), 30s);
    EXPECT_EQ(killed.status, 128 + SIGKILL);
    const fs::path down = dir_.path() / "tree" / "down";
    EXPECT_FALSE(fs::exists(down / "big.bin"));
    EXPECT_TRUE(AnyPartialFile(down));

    const BlobCliOutcome rerun = Run({"sync", Remote("r"), "tree/down"});
    ASSERT_EQ(rerun.status, 0) << rerun.err;
    EXPECT_THAT(rerun.err, HasSubstr("partial files of an earlier run removed"));
    EXPECT_FALSE(AnyPartialFile(down));
    EXPECT_TRUE(ReadFile(down / "big.bin") == big_);
    EXPECT_TRUE(ReadFile(down / "more" / "copy.bin") == big_);
}

TEST_F(SyncCliStopped, CtrlCStopsTheRunTidilyWithStatus130AndARerunFinishesIt) {
    const pid_t pid = StartBigDownload();
    ::kill(pid, SIGINT);
    const BlobCliOutcome stopped = FinishBlobCli(pid, dir_.path(), 30s);
    EXPECT_EQ(stopped.status, 130) << stopped.err;
    EXPECT_THAT(stopped.err, HasSubstr("interrupted"));
    const fs::path down = dir_.path() / "tree" / "down";
    // Nothing under a final name; a large file's bytes may stay under its temporary name, with
    // the record of its ranges, for the next run to resume.
    EXPECT_FALSE(fs::exists(down / "big.bin"));

    const BlobCliOutcome rerun = Run({"sync", Remote("r"), "tree/down"});
    ASSERT_EQ(rerun.status, 0) << rerun.err;
    EXPECT_FALSE(AnyPartialFile(down));
    EXPECT_TRUE(ReadFile(down / "big.bin") == big_);
    EXPECT_TRUE(ReadFile(down / "more" / "copy.bin") == big_);
}

}  // namespace
}  // namespace cerulean::testing
