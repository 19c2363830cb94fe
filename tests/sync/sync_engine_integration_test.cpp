// The sync engine against Azurite: the three directions, no-op reruns, deletes and their
// guards, md5 compare, a dead run's leftovers, failed downloads, cancel, and symlinks.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "azure/blob_client.hpp"
#include "azure/curl_transport.hpp"
#include "azure/transfer_pool.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "support/azurite_server.hpp"
#include "support/files.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"
#include "sync/blob_listing.hpp"
#include "sync/local_path.hpp"
#include "sync/sync_engine.hpp"
#include "sync/sync_engine_fixture.hpp"

namespace cerulean::sync {
namespace {

// Lets every request through but List Blobs pages after the first, which fail with a 500, as
// a service failing in the middle of a listing would.
class FailingLaterPages final : public azure::HttpTransport {
 public:
    azure::HttpResponse Send(const azure::HttpRequest& request,
                             const azure::TryControl& control) override {
        if (request.url.find("comp=list") != std::string::npos &&
            request.url.find("marker=") != std::string::npos) {
            failed_.fetch_add(1);
            azure::HttpResponse response;
            response.status = 500;
            response.body =
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>InternalError</Code>"
                "<Message>injected</Message></Error>";
            return response;
        }
        return inner_.Send(request, control);
    }
    int failed() const { return failed_.load(); }

 private:
    azure::CurlTransport inner_;
    std::atomic<int> failed_{0};
};

// Names whose order differs from a naive recursive walk's, from case-insensitive order, and
// (U+FF21 against an emoji) from UTF-8 byte order: the merge refuses a misordered listing, so a
// run succeeding shows that the walk and the service agree.
const std::vector<std::string>& TrickyNames() {
    static const std::vector<std::string> names{"a.txt",
                                                "a/b",
                                                "a/c/d",
                                                "a0",
                                                "a-b",
                                                "A",
                                                "Z",
                                                "a b/c",
                                                "_x",
                                                ".hidden",
                                                "q1.csv",
                                                "q1/a.csv",
                                                "q1-x",
                                                "\xc3\xa9t\xc3\xa9.txt",
                                                "\xe6\x97\xa5\xe6\x9c\xac/x",
                                                "\xef\xbc\xa1.txt",
                                                "\xf0\x9f\x98\x80.txt",
                                                "\xf0\x9f\x98\x80/in"};
    return names;
}

TEST_F(SyncEngineTest, DownloadsAPrefixWithItsTimesAndANoOpRerunTransfersNothing) {
    std::map<std::string, std::string> expected;
    unsigned seed = 1;
    for (const auto& name : TrickyNames()) {
        expected[name] = PatternBytes(100 + seed * 37, seed);
        Put("reports/" + name, expected[name]);
        ++seed;
    }
    expected["big.bin"] = PatternBytes(3 * kMiB + 5, 99);  // in parallel ranges
    Put("reports/big.bin", expected["big.bin"]);
    Put("reportsX/not-below", "x");
    Put("elsewhere/y", "y");

    const SyncResult first = Run(Down("reports", "team-a/reports"));
    ASSERT_TRUE(first.ok()) << Why(first);
    const fs::path folder = root() / "team-a" / "reports";
    EXPECT_EQ(Tree(folder), expected);
    EXPECT_EQ(first.progress.files_total, expected.size());
    EXPECT_EQ(first.progress.files_done, expected.size());
    EXPECT_EQ(first.progress.files_failed, 0U);
    std::uint64_t bytes = 0;
    for (const auto& [name, content] : expected) bytes += content.size();
    EXPECT_EQ(first.progress.bytes_total, bytes);
    EXPECT_EQ(first.progress.bytes_done, bytes);
    // The blob's Last-Modified became the file's modification time.
    const auto properties = client_->GetBlobProperties(container_, "reports/q1/a.csv");
    EXPECT_EQ(MtimeOf(folder / "q1" / "a.csv"), *properties.last_modified);

    std::vector<SyncProgress> reports;
    SyncOptions options = Options();
    options.on_progress = [&](const SyncProgress& p) { reports.push_back(p); };
    const SyncResult again = Run(Down("reports/", "team-a/reports"), options);
    ASSERT_TRUE(again.ok()) << Why(again);
    EXPECT_EQ(again.progress.files_done, 0U);
    EXPECT_EQ(again.progress.files_skipped, expected.size());
    EXPECT_EQ(again.progress.bytes_total, 0U);
    EXPECT_EQ(again.progress.bytes_done, 0U);
    ASSERT_FALSE(reports.empty());
    EXPECT_EQ(reports.back().files_skipped, expected.size());  // the last report is final
}

TEST_F(SyncEngineTest, UploadsAFolderWithMtimeAndMd5AndANoOpRerunTransfersNothing) {
    const fs::path folder = root() / "data";
    std::map<std::string, std::string> files{{"a.txt", "hello"},
                                             {"big.bin", PatternBytes(2 * kMiB + kMiB / 2, 4)},
                                             {"dir/sub/x.csv", "1,2,3\n"},
                                             {"empty", ""}};
    for (const auto& [name, content] : files) WriteFile(folder / name, content);

    const SyncResult first = Run(Up("data", "up"));
    ASSERT_TRUE(first.ok()) << Why(first);
    EXPECT_EQ(first.progress.files_done, files.size());
    EXPECT_EQ(Blobs("up/"), files);
    for (const auto& [name, content] : files) {
        const auto p = client_->GetBlobProperties(container_, "up/" + name);
        EXPECT_EQ(p.content_md5, Md5Of(content)) << name;  // the staged big.bin too
        EXPECT_EQ(StoredMtime(p.metadata), MtimeOf(folder / name)) << name;
    }
    EXPECT_EQ(client_->GetBlobProperties(container_, "up/dir/sub/x.csv").content_type, "text/csv");

    const SyncResult again = Run(Up("data", "up/"));
    ASSERT_TRUE(again.ok()) << Why(again);
    EXPECT_EQ(again.progress.files_done, 0U);
    EXPECT_EQ(again.progress.files_skipped, files.size());
    EXPECT_EQ(again.progress.bytes_done, 0U);

    // A new modification time alone is a change for size_mtime.
    SetMtime(folder / "a.txt", 1'500'000'000'000);
    const SyncResult touched = Run(Up("data", "up"));
    ASSERT_TRUE(touched.ok()) << Why(touched);
    EXPECT_EQ(touched.progress.files_done, 1U);
    EXPECT_EQ(StoredMtime(client_->GetBlobProperties(container_, "up/a.txt").metadata),
              1'500'000'000'000);
}

TEST_F(SyncEngineTest, CopiesBetweenContainersAndAccountsAndARerunCopiesNothing) {
    std::map<std::string, std::string> expected;
    for (int i = 0; i < 12; ++i) {
        const std::string name = Numbered("d", i % 3) + Numbered("/f", i);
        expected[name] = PatternBytes(500 + i, i);
        Put("src/" + name, expected[name], {{"owner", "me"}});
    }
    expected["big.bin"] = PatternBytes(2 * kMiB + 3, 5);
    Put("src/big.bin", expected["big.bin"]);
    const std::string target = UniqueName("synccopy");
    client_->CreateContainer(target);

    const SyncEndpoints within{BlobSide{&*client_, container_, "src"},
                               BlobSide{&*client_, target, "dst/"}};
    const SyncResult first = Run(within);
    ASSERT_TRUE(first.ok()) << Why(first);
    EXPECT_EQ(Blobs("dst/", &*client_, target), expected);
    const auto p = client_->GetBlobProperties(target, "dst/d0/f0");
    EXPECT_EQ(p.metadata.at("owner"), "me");
    EXPECT_TRUE(StoredMtime(p.metadata));
    const SyncResult again = Run(within);
    ASSERT_TRUE(again.ok()) << Why(again);
    EXPECT_EQ(again.progress.files_done, 0U);
    EXPECT_EQ(again.progress.files_skipped, expected.size());

    // Overlapping prefixes of one container would copy into what is being listed.
    const SyncResult overlap =
        Run({BlobSide{&*client_, container_, "src"}, BlobSide{&*client_, container_, "src/x"}});
    ASSERT_TRUE(overlap.error);
    EXPECT_EQ(overlap.error->reason(), "invalid_argument");

    testing::AzuriteServer other;
    const azure::BlobClient far =
        azure::BlobClient::FromConnectionString(other.connection_string());
    far.CreateContainer("there");
    const SyncEndpoints across{BlobSide{&*client_, container_, "src/"},
                               BlobSide{&far, "there", ""}};
    const SyncResult copied = Run(across);
    ASSERT_TRUE(copied.ok()) << Why(copied);
    EXPECT_EQ(Blobs("", &far, "there"), expected);
    const SyncResult noop = Run(across);
    ASSERT_TRUE(noop.ok()) << Why(noop);
    EXPECT_EQ(noop.progress.files_done, 0U);
}

TEST_F(SyncEngineTest, DeletesOnlyExtraneousFilesInsideTheFolderAfterTheCopies) {
    Put("r/a", "same");
    Put("r/new", "new");
    ASSERT_TRUE(Run(Down("r/", "job")).ok());
    WriteFile(root() / "job" / "old1", "old");
    WriteFile(root() / "job" / "sub" / "deeper" / "old2", "old");
    WriteFile(root() / "job2" / "keep", "sibling folder");
    WriteFile(root() / "job-keep", "sibling file");
    Put("r/newer", "newer");

    std::vector<std::string> order;
    std::vector<std::uint64_t> deleted_reports;
    SyncOptions options = Options();
    options.delete_extraneous = true;
    options.progress_interval = 0ms;
    options.on_item = [&](const SyncItem& item) {
        order.push_back((item.outcome == SyncItem::Outcome::kDeleted ? "delete " : "copy ") +
                        item.path);
    };
    options.on_progress = [&](const SyncProgress& p) {
        if (deleted_reports.empty() || deleted_reports.back() != p.files_deleted) {
            deleted_reports.push_back(p.files_deleted);
        }
    };
    const SyncResult result = Run(Down("r/", "job"), options);
    ASSERT_TRUE(result.ok()) << Why(result);
    EXPECT_EQ(result.deleted, 2U);
    EXPECT_EQ(result.progress.files_deleted, 2U);
    // Reported as the deletes happen, not only at the end.
    EXPECT_EQ(deleted_reports, (std::vector<std::uint64_t>{0, 1, 2}));
    EXPECT_EQ(Tree(root() / "job"), (std::map<std::string, std::string>{
                                        {"a", "same"}, {"new", "new"}, {"newer", "newer"}}));
    EXPECT_FALSE(fs::exists(root() / "job" / "sub"));  // emptied folders go too
    EXPECT_EQ(ReadFile(root() / "job2" / "keep"), "sibling folder");
    EXPECT_EQ(ReadFile(root() / "job-keep"), "sibling file");
    // Deletes come after the copies.
    EXPECT_EQ(order,
              (std::vector<std::string>{"copy newer", "delete old1", "delete sub/deeper/old2"}));
}

TEST_F(SyncEngineTest, DeletesOnlyBlobsBelowThePrefix) {
    WriteFile(root() / "src" / "fresh", "f");
    Put("up/stale", "s");
    Put("up/deep/stale", "s");
    Put("up-other/x", "x");
    Put("upfile", "u");
    Put("up", "bare name equal to the prefix");
    SyncOptions options = Options();
    options.delete_extraneous = true;
    const SyncResult result = Run(Up("src", "up"), options);
    ASSERT_TRUE(result.ok()) << Why(result);
    EXPECT_EQ(result.deleted, 2U);
    EXPECT_EQ(result.progress.files_deleted, 2U);
    EXPECT_EQ(Blobs("up/"), (std::map<std::string, std::string>{{"fresh", "f"}}));
    EXPECT_EQ(Blobs("up-other/").size(), 1U);
    EXPECT_EQ(client_->DownloadToString(container_, "upfile"), "u");
    EXPECT_EQ(client_->DownloadToString(container_, "up"), "bare name equal to the prefix");
}

TEST_F(SyncEngineTest, MoreDeletesThanMaxDeleteDeleteNothingAndFail) {
    WriteFile(root() / "src" / "keep", "k");
    WriteFile(root() / "src" / "new", "n");
    for (const char* name : {"up/x1", "up/x2", "up/x3"}) Put(name, "x");
    SyncOptions options = Options();
    options.delete_extraneous = true;
    options.max_delete = 2;
    const SyncResult result = Run(Up("src", "up"), options);
    ASSERT_TRUE(result.error) << Why(result);
    EXPECT_EQ(result.error->reason(), "too_many_deletes");
    EXPECT_EQ(result.deleted, 0U);
    EXPECT_EQ(Blobs("up/").size(), 5U);  // the copies were made, nothing deleted
    EXPECT_EQ(result.progress.files_done, 2U);

    const SyncPlan plan = Plan(Up("src", "up"), options);
    EXPECT_EQ(plan.remove, 3U);
    ASSERT_TRUE(plan.deletes_refused);
    EXPECT_EQ(plan.deletes_refused->reason(), "too_many_deletes");

    options.max_delete = 3;
    const SyncResult allowed = Run(Up("src", "up"), options);
    ASSERT_TRUE(allowed.ok()) << Why(allowed);
    EXPECT_EQ(allowed.deleted, 3U);
    EXPECT_EQ(Blobs("up/").size(), 2U);
}

TEST_F(SyncEngineTest, AnEmptySourceNeverEmptiesTheDestination) {
    fs::create_directories(root() / "empty");
    Put("up/precious", "p");
    SyncOptions options = Options();
    options.delete_extraneous = true;
    const SyncResult upload = Run(Up("empty", "up"), options);
    ASSERT_TRUE(upload.error);
    EXPECT_EQ(upload.error->reason(), "source_empty");
    EXPECT_EQ(client_->DownloadToString(container_, "up/precious"), "p");

    WriteFile(root() / "local" / "precious", "p");
    const SyncResult download = Run(Down("nothing-here/", "local"), options);
    ASSERT_TRUE(download.error);
    EXPECT_EQ(download.error->reason(), "source_empty");
    EXPECT_EQ(ReadFile(root() / "local" / "precious"), "p");
}

TEST_F(SyncEngineTest, AListingErrorFailsTheRunAndSkipsEveryDelete) {
    for (int i = 0; i < 5; ++i) Put(Numbered("r/f", i), "x");
    WriteFile(root() / "job" / "zzz-extraneous", "keep me");
    azure::ClientOptions flaky;
    auto failing = std::make_shared<FailingLaterPages>();
    flaky.transport = failing;
    flaky.pipeline.retry.max_retries = 0;
    const azure::BlobClient source =
        azure::BlobClient::FromConnectionString(SharedAzurite().connection_string(), flaky);
    SyncOptions options = Options();
    options.delete_extraneous = true;
    options.list_page_size = 2;
    const SyncResult result =
        Run({BlobSide{&source, container_, "r/"}, LocalSide{root(), "job"}}, options);
    ASSERT_TRUE(result.error) << Why(result);
    EXPECT_EQ(result.error->reason(), "listing_failed");
    EXPECT_GT(failing->failed(), 0);
    EXPECT_EQ(result.deleted, 0U);
    EXPECT_EQ(ReadFile(root() / "job" / "zzz-extraneous"), "keep me");
    EXPECT_FALSE(HasTemporaryFiles(root()));
}

TEST_F(SyncEngineTest, Md5CompareFindsAChangeThatSizeAndMtimeMiss) {
    const fs::path file = root() / "src" / "doc.txt";
    WriteFile(file, "version 1");
    ASSERT_TRUE(Run(Up("src", "up")).ok());
    const core::UnixMillis mtime = MtimeOf(file);
    WriteFile(file, "version 2");  // same size, same time
    SetMtime(file, mtime);

    const SyncResult by_time = Run(Up("src", "up"));
    ASSERT_TRUE(by_time.ok()) << Why(by_time);
    EXPECT_EQ(by_time.progress.files_done, 0U);
    EXPECT_EQ(client_->DownloadToString(container_, "up/doc.txt"), "version 1");

    SyncOptions md5 = Options();
    md5.compare = CompareMode::kMd5;
    const SyncPlan plan = Plan(Up("src", "up"), md5);
    EXPECT_EQ(plan.copy, 1U);
    EXPECT_EQ(plan.hash_by_download, 0U);  // the blob has its MD5; the file is hashed locally
    const SyncResult by_content = Run(Up("src", "up"), md5);
    ASSERT_TRUE(by_content.ok()) << Why(by_content);
    EXPECT_EQ(by_content.progress.files_done, 1U);
    EXPECT_EQ(client_->DownloadToString(container_, "up/doc.txt"), "version 2");
    const SyncResult again = Run(Up("src", "up"), md5);
    EXPECT_EQ(again.progress.files_skipped, 1U);
}

TEST_F(SyncEngineTest, BlobsWithoutAnMd5AreHashedByDownloadOnlyInMd5Mode) {
    WriteFile(root() / "src" / "same.bin", "identical bytes");
    WriteFile(root() / "src" / "diff.bin", "local  version");
    PutWithoutMd5("up/same.bin", "identical bytes");
    PutWithoutMd5("up/diff.bin", "remote version");

    SyncOptions md5 = Options();
    md5.compare = CompareMode::kMd5;
    const SyncPlan plan = Plan(Up("src", "up"), md5);
    EXPECT_EQ(plan.hash_by_download, 2U);
    ASSERT_EQ(plan.actions.size(), 2U);
    EXPECT_EQ(plan.actions[0].op, "hash");

    const SyncResult result = Run(Up("src", "up"), md5);
    ASSERT_TRUE(result.ok()) << Why(result);
    EXPECT_EQ(result.progress.files_skipped, 1U);
    EXPECT_EQ(result.progress.files_done, 1U);
    EXPECT_EQ(client_->DownloadToString(container_, "up/diff.bin"), "local  version");

    // In size_mtime mode nothing is hashed: the plan counts no download.
    const SyncPlan plain = Plan(Up("src", "up"));
    EXPECT_EQ(plain.hash_by_download, 0U);
}

TEST_F(SyncEngineTest, ADeadRunsTemporaryFilesAreRemovedByTheNextRun) {
    Put("r/a", "complete a");
    Put("r/sub/b", "complete b");
    // What a run killed mid-download leaves: partial bytes under temporary names only.
    WriteFile(root() / "job" / TemporaryNameFor("a"), "compl");
    WriteFile(root() / "job" / "sub" / TemporaryNameFor("b"), "co");
    WriteFile(root() / "job" / "sub" / (TemporaryNameFor("gone") + ".json"), "{}");

    const SyncPlan plan = Plan(Down("r/", "job"));
    EXPECT_EQ(plan.copy, 2U);
    EXPECT_TRUE(HasTemporaryFiles(root() / "job"));  // a plan changes nothing

    const SyncResult result = Run(Down("r/", "job"));
    ASSERT_TRUE(result.ok()) << Why(result);
    EXPECT_EQ(result.temporary_removed, 3U);
    EXPECT_FALSE(HasTemporaryFiles(root() / "job"));
    EXPECT_EQ(Tree(root() / "job"),
              (std::map<std::string, std::string>{{"a", "complete a"}, {"sub/b", "complete b"}}));
}

TEST_F(SyncEngineTest, AFailedDownloadLeavesNothingUnderItsFinalName) {
    // A block list's stored MD5 is not checked by the service: a blob whose bytes no longer
    // match it, as a corrupted one would be.
    const std::string id = azure::MakeBlockId("corrupt", 0);
    client_->PutBlock(container_, "r/corrupt", id, azure::RequestBody::FromBytes("the bytes"));
    azure::PutBlockListOptions wrong;
    wrong.headers.content_md5 = Md5Of("something else");
    client_->PutBlockList(container_, "r/corrupt", {id}, wrong);
    Put("r/fine", "fine");
    const SyncResult result = Run(Down("r/", "job"));
    ASSERT_TRUE(result.error) << Why(result);
    EXPECT_EQ(result.error->reason(), "files_failed");
    EXPECT_EQ(result.progress.files_failed, 1U);
    ASSERT_EQ(result.failures.size(), 1U);
    EXPECT_EQ(result.failures[0].reason, "md5_mismatch");
    EXPECT_FALSE(fs::exists(root() / "job" / "corrupt"));
    EXPECT_FALSE(HasTemporaryFiles(root() / "job"));
    EXPECT_EQ(ReadFile(root() / "job" / "fine"), "fine");
}

TEST_F(SyncEngineTest, BlobNamesThatCannotBeLocalPathsFailAlone) {
    Put("r/ok", "ok");
    Put("r/" + TemporaryNameFor("reserved"), "a name sync keeps for its partial files");
    Put("r/folder/", "");  // a folder marker
    const SyncPlan plan = Plan(Down("r/", "job"));
    EXPECT_EQ(plan.failed, 1U);
    EXPECT_EQ(plan.copy, 1U);
    const SyncResult result = Run(Down("r/", "job"));
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->reason(), "files_failed");
    EXPECT_EQ(result.progress.files_total, 2U);
    EXPECT_EQ(result.failures.at(0).reason, "invalid_blob_name");
    EXPECT_EQ(Tree(root() / "job"), (std::map<std::string, std::string>{{"ok", "ok"}}));
}

TEST_F(SyncEngineTest, CancelStopsARunPromptlyAndARerunFinishesIt) {
    std::map<std::string, std::string> expected;
    for (int i = 0; i < 24; ++i) {
        const std::string name = Numbered("f", 10 + i);
        expected[name] = PatternBytes(kMiB / 2 + i, i);
        Put("r/" + name, expected[name]);
    }
    expected["huge"] = PatternBytes(24 * kMiB, 7);
    Put("r/huge", expected["huge"]);

    std::stop_source stop;
    SyncOptions options = Options();
    options.transfer.concurrency = 1;
    options.files_in_flight = 1;
    options.progress_interval = 0ms;
    options.on_progress = [&](const SyncProgress& p) {
        if (p.bytes_done > 0) stop.request_stop();
    };
    const auto started = std::chrono::steady_clock::now();
    const SyncResult cancelled = Run(Down("r/", "job"), options, stop.get_token());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_TRUE(cancelled.cancelled) << Why(cancelled);
    EXPECT_FALSE(cancelled.error);
    EXPECT_LT(cancelled.progress.files_done, expected.size());
    EXPECT_FALSE(HasTemporaryFiles(root() / "job"));
    for (const auto& [name, content] : Tree(root() / "job")) {
        EXPECT_TRUE(content == expected[name]) << name << " is not whole";
    }

    const SyncResult rerun = Run(Down("r/", "job"));
    ASSERT_TRUE(rerun.ok()) << Why(rerun);
    EXPECT_EQ(rerun.progress.files_skipped, cancelled.progress.files_done);
    EXPECT_EQ(Tree(root() / "job"), expected);
}

TEST_F(SyncEngineTest, ASymlinkPlantedInTheDestinationIsRefusedNotFollowed) {
    TempDir outside("cerulean-sync-outside");
    Put("r/a/x", "would land outside");
    Put("r/b", "fine");
    fs::create_directories(root() / "job");
    fs::create_directory_symlink(outside.path(), root() / "job" / "a");
    const SyncResult result = Run(Down("r/", "job"));
    ASSERT_TRUE(result.error) << Why(result);
    EXPECT_EQ(result.failures.at(0).reason, "invalid_local_path");
    EXPECT_TRUE(fs::is_empty(outside.path()));
    EXPECT_EQ(ReadFile(root() / "job" / "b"), "fine");

    // The job's folder itself swapped for a symlink leading outside the root.
    fs::remove_all(root() / "job");
    fs::create_directory_symlink(outside.path(), root() / "job");
    const SyncResult swapped = Run(Down("r/", "job"));
    ASSERT_TRUE(swapped.error);
    EXPECT_EQ(swapped.error->reason(), "invalid_local_path");
    EXPECT_TRUE(fs::is_empty(outside.path()));
}

TEST_F(SyncEngineTest, SymlinksInAnUploadedFolderAreNotFollowed) {
    TempDir outside("cerulean-sync-outside");
    WriteFile(outside.path() / "secret", "not for upload");
    WriteFile(root() / "src" / "real", "r");
    fs::create_symlink(outside.path() / "secret", root() / "src" / "link");
    fs::create_directory_symlink(outside.path(), root() / "src" / "dirlink");
    const SyncResult result = Run(Up("src", "up"));
    ASSERT_TRUE(result.ok()) << Why(result);
    EXPECT_EQ(result.links_skipped, 2U);
    EXPECT_EQ(Blobs("up/"), (std::map<std::string, std::string>{{"real", "r"}}));
}

TEST_F(SyncEngineTest, APlanCountsWhatARunWouldDoAndChangesNothing) {
    Put("r/a", "same");
    Put("r/b", "new!");
    ASSERT_TRUE(Run(Down("r/", "job")).ok());
    Put("r/c", "newer");
    fs::remove(root() / "job" / "b");
    WriteFile(root() / "job" / "d", "extra");
    SyncOptions options = Options();
    options.delete_extraneous = true;
    const auto before = Tree(root() / "job");
    const SyncPlan plan = Plan(Down("r/", "job"), options);
    EXPECT_EQ(plan.copy, 2U);
    EXPECT_EQ(plan.skip, 1U);
    EXPECT_EQ(plan.remove, 1U);
    EXPECT_EQ(plan.bytes, 9U);
    EXPECT_FALSE(plan.deletes_refused);
    ASSERT_EQ(plan.actions.size(), 3U);
    EXPECT_EQ(plan.actions[0].op, "copy");
    EXPECT_EQ(plan.actions[0].path, "b");
    EXPECT_EQ(plan.actions[2].op, "delete");
    EXPECT_EQ(plan.actions[2].path, "d");
    EXPECT_EQ(plan.actions[2].size, 5U);
    EXPECT_EQ(Tree(root() / "job"), before);

    // A download's missing folder is not created by a plan.
    const SyncPlan fresh = Plan(Down("r/", "not/yet"));
    EXPECT_EQ(fresh.copy, 3U);
    EXPECT_FALSE(fs::exists(root() / "not"));
    options.max_plan_actions = 1;
    EXPECT_EQ(Plan(Down("r/", "job"), options).actions.size(), 1U);
    // Every action streams out, however few the plan keeps.
    std::vector<std::string> streamed;
    options.max_plan_actions = 0;
    options.on_plan_action = [&](const PlanAction& a) { streamed.push_back(a.op + " " + a.path); };
    EXPECT_TRUE(Plan(Down("r/", "job"), options).actions.empty());
    EXPECT_EQ(streamed, (std::vector<std::string>{"copy b", "copy c", "delete d"}));
}

}  // namespace
}  // namespace cerulean::sync
