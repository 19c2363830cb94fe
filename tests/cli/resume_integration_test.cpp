// Resumable downloads against Azurite: the transfer engine reports the completed prefix of a
// download that fails or is stopped, resumes from it pinned to the blob's ETag (and refuses a
// blob that changed); `cerulean blob get`, stopped by SIGINT or SIGTERM in the middle of a
// download (held up by a proxy that lets through only so many bytes), keeps its partial file
// with a record and `get --resume` completes it, or starts afresh when the blob changed.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "azure/blob_client.hpp"
#include "azure/sas.hpp"
#include "azure/shared_key.hpp"
#include "azure/transfer.hpp"
#include "cli/blob_cli_runner.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "support/azurite_server.hpp"
#include "support/budget_proxy.hpp"
#include "support/files.hpp"
#include "support/net.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20U;

std::string Md5Of(std::string_view bytes) {
    return crypto::Base64Encode(crypto::Md5(bytes));
}

// The ETag in a partial download's record, as sent in headers ("0x…" with its quotes).
std::string RecordEtag(const std::string& record) {
    const std::string key = "\"etag\":\"\\\"";
    const std::size_t at = record.find(key);
    if (at == std::string::npos) return {};
    const std::size_t end = record.find("\\\"", at + key.size());
    return "\"" + record.substr(at + key.size(), end - at - key.size()) + "\"";
}

// The head of the first request in `requests` (up to its blank line).
std::string FirstRequest(const std::string& requests) {
    return requests.substr(0, requests.find("\r\n\r\n"));
}

// The byte ranges (first, last) asked for with `x-ms-range: bytes=FIRST-LAST` in `requests`.
std::vector<std::pair<std::uint64_t, std::uint64_t>> RangesAskedFor(const std::string& requests) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    const std::string key = "x-ms-range: bytes=";
    for (std::size_t at = requests.find(key); at != std::string::npos;
         at = requests.find(key, at + 1)) {
        const std::size_t dash = requests.find('-', at + key.size());
        ranges.emplace_back(std::stoull(requests.substr(at + key.size())),
                            std::stoull(requests.substr(dash + 1)));
    }
    return ranges;
}

// The number after `"key":` in a one-line JSON object, or -1.
std::int64_t JsonNumber(const std::string& json, const std::string& key) {
    const std::size_t at = json.find("\"" + key + "\":");
    if (at == std::string::npos) return -1;
    return std::stoll(json.substr(at + key.size() + 3));
}

// --- The engine -------------------------------------------------------------------------------

// A FileSink that fails (or asks to stop) once `limit` bytes were written: a download that
// breaks in the middle, with ranges finished out of order.
class BreakingSink final : public azure::DownloadSink {
 public:
    BreakingSink(const fs::path& path, bool resume, std::uint64_t limit,
                 std::stop_source* stop = nullptr)
        : file_(path, resume), limit_(limit), stop_(stop) {}
    void WriteAt(std::uint64_t offset, std::string_view bytes) override {
        if (written_.fetch_add(bytes.size()) + bytes.size() > limit_) {
            if (stop_ != nullptr) {
                stop_->request_stop();  // the bytes are still written: a stop is no failure
            } else {
                throw core::Error(core::ErrorCode::kInternal, "the disk is full (a test)");
            }
        }
        file_.WriteAt(offset, bytes);
    }
    [[nodiscard]] bool random_access() const override { return true; }
    std::size_t ReadAt(std::uint64_t offset, char* buffer, std::size_t size) override {
        return file_.ReadAt(offset, buffer, size);
    }
    [[nodiscard]] bool readable() const override { return true; }
    void Finish(std::uint64_t end_offset) override { file_.Finish(end_offset); }

 private:
    azure::FileSink file_;
    std::uint64_t limit_;
    std::stop_source* stop_;
    std::atomic<std::uint64_t> written_{0};
};

// What a download reported through its callbacks, checked to come one at a time.
struct Reports {
    std::string etag;
    std::vector<std::uint64_t> prefixes;
    std::atomic<bool> inside{false};
    std::atomic<int> overlaps{0};

    void Attach(azure::DownloadOptions& options) {
        options.on_properties = [this](const azure::BlobProperties& p) { etag = p.etag; };
        options.on_prefix = [this](std::uint64_t prefix) {
            if (inside.exchange(true)) ++overlaps;
            std::this_thread::sleep_for(1ms);  // widens the window for an overlap to show
            prefixes.push_back(prefix);
            inside = false;
        };
    }
    [[nodiscard]] std::uint64_t last() const { return prefixes.empty() ? 0 : prefixes.back(); }
    void ExpectIncreasing() const {
        EXPECT_EQ(overlaps.load(), 0);
        for (std::size_t i = 1; i < prefixes.size(); ++i) {
            EXPECT_LT(prefixes[i - 1], prefixes[i]) << i;
        }
    }
};

class TransferResume : public ::testing::Test {
 protected:
    void SetUp() override {
        client_ = std::make_unique<azure::BlobClient>(
            azure::BlobClient::FromConnectionString(SharedAzurite().connection_string()));
        container_ = UniqueName("resume");
        client_->CreateContainer(container_);
        options_.block_size = 256 << 10U;
        options_.concurrency = 6;
    }

    // Uploads `data` as `name` with its whole MD5; returns the ETag.
    std::string Upload(const std::string& name, const std::string& data) {
        const azure::Transfer transfer(pool_, options_);
        azure::MemorySource source(data);
        return transfer.Upload(*client_, container_, name, source).etag;
    }

    TempDir dir_{"cerulean-resume"};
    std::unique_ptr<azure::BlobClient> client_;
    std::string container_;
    azure::TransferPool pool_{8};
    azure::TransferOptions options_;
};

TEST_F(TransferResume, AFailedDownloadReportsItsPrefixAndResumesToTheVerifiedBlob) {
    const std::string data = PatternBytes(5 * kMiB + 123, 1);
    const std::string etag = Upload("b", data);
    const fs::path path = dir_.path() / "partial";
    const azure::Transfer transfer(pool_, options_);

    Reports failed;
    azure::DownloadOptions first;
    failed.Attach(first);
    {
        BreakingSink sink(path, false, 2 * kMiB);
        try {
            transfer.Download(*client_, container_, "b", sink, first);
            ADD_FAILURE() << "the sink's failure went unnoticed";
        } catch (const core::Error& e) {
            EXPECT_THAT(e.what(), HasSubstr("disk is full"));
        }
    }
    failed.ExpectIncreasing();
    EXPECT_EQ(failed.etag, etag);
    const std::uint64_t prefix = failed.last();
    ASSERT_GT(prefix, 0U);
    ASSERT_LE(prefix, 2 * kMiB);
    const std::string kept = ReadFile(path);
    ASSERT_GE(kept.size(), prefix);
    EXPECT_TRUE(kept.substr(0, prefix) == data.substr(0, prefix));

    Reports resumed;
    azure::DownloadOptions rest;
    resumed.Attach(rest);
    rest.offset = prefix;
    rest.if_match = etag;
    azure::TransferResult result;
    {
        azure::FileSink sink(path, true);
        result = transfer.Download(*client_, container_, "b", sink, rest);
    }
    EXPECT_TRUE(result.md5_verified);
    EXPECT_EQ(result.size, data.size() - prefix);
    EXPECT_EQ(result.content_md5, Md5Of(data));
    EXPECT_TRUE(ReadFile(path) == data);
    resumed.ExpectIncreasing();
    EXPECT_EQ(resumed.last(), data.size());
    ASSERT_FALSE(resumed.prefixes.empty());
    EXPECT_GT(resumed.prefixes.front(), prefix);
}

TEST_F(TransferResume, AStoppedDownloadEndsPromptlyWithItsPrefixAndResumes) {
    const std::string data = PatternBytes(6 * kMiB + 7, 2);
    const std::string etag = Upload("b", data);
    const fs::path path = dir_.path() / "partial";
    std::stop_source stop;
    azure::TransferOptions stoppable = options_;
    stoppable.call.stop = stop.get_token();
    const azure::Transfer transfer(pool_, stoppable);
    Reports stopped;
    azure::DownloadOptions first;
    stopped.Attach(first);
    {
        BreakingSink sink(path, false, kMiB, &stop);
        try {
            transfer.Download(*client_, container_, "b", sink, first);
            ADD_FAILURE() << "the stop went unnoticed";
        } catch (const core::Error& e) {
            EXPECT_EQ(e.reason(), "cancelled") << e.what();
        }
    }
    stopped.ExpectIncreasing();
    const std::uint64_t prefix = stopped.last();
    ASSERT_GT(prefix, 0U);
    ASSERT_LT(prefix, data.size());
    EXPECT_TRUE(ReadFile(path).substr(0, prefix) == data.substr(0, prefix));

    const azure::Transfer plain(pool_, options_);
    azure::DownloadOptions rest;
    rest.offset = prefix;
    rest.if_match = etag;
    azure::FileSink sink(path, true);
    const azure::TransferResult result = plain.Download(*client_, container_, "b", sink, rest);
    EXPECT_TRUE(result.md5_verified);
    EXPECT_TRUE(ReadFile(path) == data);
}

TEST_F(TransferResume, ADownloadPinnedToAStaleEtagFailsAsBlobChanged) {
    const std::string data = PatternBytes(kMiB + 5, 3);
    const std::string old_etag = Upload("b", data);
    const std::string now_etag = Upload("b", PatternBytes(kMiB + 5, 4));
    ASSERT_NE(old_etag, now_etag);
    const fs::path path = dir_.path() / "file";
    WriteFile(path, data);
    const azure::Transfer transfer(pool_, options_);
    // From the start, from the middle, and from the very end (nothing left to fetch).
    for (const std::uint64_t offset : {std::uint64_t{0}, std::uint64_t{1000}, kMiB + 5}) {
        SCOPED_TRACE(offset);
        azure::DownloadOptions pinned;
        pinned.offset = offset;
        pinned.if_match = old_etag;
        azure::FileSink sink(path, true);
        try {
            transfer.Download(*client_, container_, "b", sink, pinned);
            ADD_FAILURE() << "a changed blob went unnoticed";
        } catch (const core::Error& e) {
            EXPECT_EQ(e.reason(), "blob_changed") << e.what();
            EXPECT_EQ(e.code(), core::ErrorCode::kFailedPrecondition);
        }
    }
    // Pinned to the ETag it has, it downloads, and a file already whole is only checked.
    azure::DownloadOptions current;
    current.if_match = now_etag;
    {
        azure::FileSink sink(path);
        EXPECT_TRUE(transfer.Download(*client_, container_, "b", sink, current).md5_verified);
    }
    current.offset = kMiB + 5;
    azure::FileSink sink(path, true);
    const azure::TransferResult whole = transfer.Download(*client_, container_, "b", sink, current);
    EXPECT_TRUE(whole.md5_verified);
    EXPECT_EQ(whole.size, 0U);
    EXPECT_TRUE(ReadFile(path) == PatternBytes(kMiB + 5, 4));
}

TEST_F(TransferResume, AnInOrderSinkReportsItsPrefixToTheEnd) {
    const std::string data = PatternBytes(2 * kMiB + 1, 5);
    Upload("b", data);
    const azure::Transfer transfer(pool_, options_);
    class Collect final : public azure::DownloadSink {
     public:
        void WriteAt(std::uint64_t offset, std::string_view bytes) override {
            EXPECT_EQ(offset, out.size());
            out.append(bytes);
        }
        std::string out;
    } sink;
    Reports reports;
    azure::DownloadOptions download;
    reports.Attach(download);
    transfer.Download(*client_, container_, "b", sink, download);
    EXPECT_TRUE(sink.out == data);
    reports.ExpectIncreasing();
    EXPECT_EQ(reports.last(), data.size());
}

// --- The command line -------------------------------------------------------------------------

using Outcome = BlobCliOutcome;

class BlobCliResume : public ::testing::Test {
 protected:
    void SetUp() override {
        client_ = std::make_unique<azure::BlobClient>(
            azure::BlobClient::FromConnectionString(SharedAzurite().connection_string()));
        container_ = UniqueName("cliresume");
        client_->CreateContainer(container_);
    }

    // Starts `cerulean blob ARGS…` with the account `cs` in the environment.
    pid_t Start(const std::vector<std::string>& args, const std::string& cs) {
        return StartBlobCli(CERULEAN_BINARY, dir_.path(), args, cs);
    }

    // Waits for `pid` (killing it after `timeout`).
    Outcome Finish(pid_t pid, std::chrono::seconds timeout = 120s) {
        return FinishBlobCli(pid, dir_.path(), timeout);
    }

    Outcome Run(const std::vector<std::string>& args, const std::string& cs) {
        return Finish(Start(args, cs));
    }

    // Runs ARGS through `proxy` (with `cs`, else the key) until it holds the download up, then
    // sends `signal`.
    Outcome Interrupt(BudgetProxy& proxy, const std::vector<std::string>& args, int signal,
                      const std::string& cs = {}) {
        const pid_t pid = Start(args, cs.empty() ? proxy.connection_string() : cs);
        const bool holding = proxy.WaitUntilHolding(60s);
        EXPECT_TRUE(holding) << "the download was not held up";
        ::kill(pid, signal);
        const auto sent = std::chrono::steady_clock::now();
        Outcome outcome = Finish(pid);
        // Stopped transfers notice within about a second (libcurl's progress calls).
        EXPECT_LT(std::chrono::steady_clock::now() - sent, 10s);
        return outcome;
    }

    std::string Remote(std::string_view name) const {
        return "az://" + container_ + "/" + std::string(name);
    }

    void Put(const std::string& name, const std::string& data) {
        WriteFile(dir_.path() / "upload", data);
        const Outcome put = Run({"put", "upload", Remote(name), "--checksum", "both"},
                                SharedAzurite().connection_string());
        ASSERT_EQ(put.status, 0) << put.err;
    }

    // The record of the partial download of `target` (empty when there is none).
    std::string Record(const fs::path& target) const {
        const fs::path record =
            target.parent_path() / ("." + target.filename().string() + ".cerulean-partial.json");
        return fs::exists(record) ? ReadFile(record) : std::string();
    }

    TempDir dir_{"cerulean-cli-resume"};
    std::unique_ptr<azure::BlobClient> client_;
    std::string container_;
};

const std::vector<std::string> kSmallBlocks{"--block-size", "1MiB", "--concurrency", "4"};

std::vector<std::string> With(std::vector<std::string> args,
                              const std::vector<std::string>& more = kSmallBlocks) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

TEST_F(BlobCliResume, AnInterruptedGetKeepsARecordAndResumeCompletesIt) {
    const std::string data = PatternBytes(24 * kMiB + 3, 7);
    Put("big.bin", data);
    BudgetProxy proxy(SharedAzurite().port(), 5 * kMiB);
    // Through a SAS, which must not end up in the record.
    azure::BlobSasOptions read;
    read.container = container_;
    read.permissions = "rl";
    read.expires_on = core::NowMillis() + 3'600'000;
    const std::string sas =
        azure::GenerateBlobSas(azure::SharedKeyCredential(std::string(AzuriteServer::kAccountName),
                                                          AzuriteServer::kAccountKey),
                               read)
            .query;
    const std::string cs = proxy.connection_string(sas);
    const Outcome stopped =
        Interrupt(proxy, With({"get", Remote("big.bin"), "big.back"}), SIGINT, cs);
    EXPECT_EQ(stopped.status, 130) << stopped.err;
    EXPECT_THAT(stopped.err, HasSubstr("interrupted"));
    EXPECT_THAT(stopped.err, HasSubstr("get --resume"));
    EXPECT_FALSE(fs::exists(dir_.path() / "big.back"));

    const std::string record = Record(dir_.path() / "big.back");
    ASSERT_FALSE(record.empty()) << stopped.err;
    const std::int64_t prefix = JsonNumber(record, "prefix");
    EXPECT_GE(prefix, static_cast<std::int64_t>(kMiB));  // the first range, at least
    EXPECT_LT(prefix, static_cast<std::int64_t>(data.size()));
    EXPECT_EQ(JsonNumber(record, "size"), static_cast<std::int64_t>(data.size()));
    EXPECT_THAT(record, HasSubstr("/" + container_ + "/big.bin\""));
    EXPECT_THAT(record, HasSubstr("\"etag\":\"\\\"0x"));
    // No secret: neither the account key nor a SAS.
    EXPECT_THAT(record, Not(HasSubstr(std::string(AzuriteServer::kAccountKey).substr(0, 16))));
    EXPECT_THAT(record, Not(HasSubstr("AccountKey")));
    EXPECT_THAT(record, Not(HasSubstr("sig=")));
    EXPECT_THAT(record, Not(HasSubstr("?")));
    EXPECT_THAT(stopped.err, Not(HasSubstr("sig=")));
    const std::string partial = ReadFile(dir_.path() / ".big.back.cerulean-partial");
    ASSERT_GE(partial.size(), static_cast<std::size_t>(prefix));
    EXPECT_TRUE(partial.substr(0, prefix) == data.substr(0, prefix));

    proxy.Open();
    proxy.TakeRequests();
    const Outcome resumed =
        Run(With({"get", Remote("big.bin"), "big.back", "--resume", "--json"}), cs);
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    // Pinned from the very first request, which starts at the prefix.
    const std::string requests = proxy.TakeRequests();
    const std::string first = FirstRequest(requests);
    EXPECT_THAT(first, HasSubstr("If-Match: " + RecordEtag(record) + "\r\n"));
    EXPECT_THAT(first, HasSubstr("x-ms-range: bytes=" + std::to_string(prefix) + "-"));
    EXPECT_EQ(JsonNumber(resumed.out, "resumed_from"), prefix);
    EXPECT_EQ(Md5Of(ReadFile(dir_.path() / "big.back")), Md5Of(data));
    // Only the rest was asked for: ranges that tile [prefix, size) exactly. (Counting the
    // proxy's bytes instead would also count what the stopped run's connections, still held
    // in the proxy, pass on once it opens.)
    auto ranges = RangesAskedFor(requests);
    std::sort(ranges.begin(), ranges.end());
    auto next = static_cast<std::uint64_t>(prefix);
    for (const auto& [from, to] : ranges) {
        EXPECT_EQ(from, next);
        next = to + 1;
    }
    EXPECT_EQ(next, data.size());
    EXPECT_FALSE(fs::exists(dir_.path() / ".big.back.cerulean-partial"));
    EXPECT_TRUE(Record(dir_.path() / "big.back").empty());
}

TEST_F(BlobCliResume, ABlobChangedSinceTheInterruptionIsDownloadedAfresh) {
    const std::string data = PatternBytes(16 * kMiB, 8);
    Put("b.bin", data);
    BudgetProxy proxy(SharedAzurite().port(), 4 * kMiB);
    const Outcome stopped = Interrupt(proxy, With({"get", Remote("b.bin"), "b.back"}), SIGINT);
    EXPECT_EQ(stopped.status, 130) << stopped.err;
    const std::string record = Record(dir_.path() / "b.back");
    ASSERT_FALSE(record.empty()) << stopped.err;
    ASSERT_GT(JsonNumber(record, "prefix"), 0);

    const std::string changed = PatternBytes(16 * kMiB, 9);  // same size, other bytes
    Put("b.bin", changed);
    proxy.Open();
    proxy.TakeRequests();
    const Outcome again = Run(With({"get", Remote("b.bin"), "b.back", "--resume", "--json"}),
                              proxy.connection_string());
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_THAT(FirstRequest(proxy.TakeRequests()),
                HasSubstr("If-Match: " + RecordEtag(record) + "\r\n"));
    EXPECT_THAT(again.err, HasSubstr("b.bin: the blob changed since the partial download"));
    EXPECT_EQ(std::count(again.err.begin(), again.err.end(), '\n'), 2) << again.err;  // + summary
    EXPECT_THAT(again.out, Not(HasSubstr("resumed_from")));
    EXPECT_EQ(Md5Of(ReadFile(dir_.path() / "b.back")), Md5Of(changed));
    EXPECT_TRUE(Record(dir_.path() / "b.back").empty());
}

TEST_F(BlobCliResume, WithoutResumeAPartialFileIsReplaced) {
    const std::string data = PatternBytes(8 * kMiB + 1, 10);
    Put("c.bin", data);
    BudgetProxy proxy(SharedAzurite().port(), 3 * kMiB);
    const Outcome stopped = Interrupt(proxy, With({"get", Remote("c.bin"), "c.back"}), SIGINT);
    EXPECT_EQ(stopped.status, 130) << stopped.err;
    ASSERT_FALSE(Record(dir_.path() / "c.back").empty());
    proxy.Open();
    proxy.TakeRequests();
    const Outcome fresh =
        Run(With({"get", Remote("c.bin"), "c.back", "--json"}), proxy.connection_string());
    ASSERT_EQ(fresh.status, 0) << fresh.err;
    EXPECT_THAT(fresh.out, Not(HasSubstr("resumed_from")));
    // The whole blob was asked for again, from its first byte.
    auto ranges = RangesAskedFor(proxy.TakeRequests());
    std::sort(ranges.begin(), ranges.end());
    ASSERT_FALSE(ranges.empty());
    EXPECT_EQ(ranges.front().first, 0U);
    EXPECT_EQ(ranges.back().second + 1, data.size());
    EXPECT_TRUE(ReadFile(dir_.path() / "c.back") == data);
    EXPECT_TRUE(Record(dir_.path() / "c.back").empty());
}

TEST_F(BlobCliResume, ARecursiveGetStoppedBySigtermResumesEachFile) {
    const std::string a = PatternBytes(12 * kMiB + 1, 11);
    const std::string b = PatternBytes(3 * kMiB + 2, 12);
    const std::string c = PatternBytes(1000, 13);
    Put("d/a.bin", a);
    Put("d/b.bin", b);
    Put("d/c.txt", c);
    BudgetProxy proxy(SharedAzurite().port(), 4 * kMiB);
    const Outcome stopped =
        Interrupt(proxy, With({"get", "--recursive", Remote("d/"), "back"}), SIGTERM);
    EXPECT_EQ(stopped.status, 143) << stopped.err;
    EXPECT_THAT(stopped.err, HasSubstr("interrupted"));
    // The small file came first; the big ones go one at a time, and the budget ran out in a.
    EXPECT_EQ(ReadFile(dir_.path() / "back" / "c.txt"), c);
    const std::int64_t prefix = JsonNumber(Record(dir_.path() / "back" / "a.bin"), "prefix");
    EXPECT_GT(prefix, 0) << stopped.err;
    EXPECT_FALSE(fs::exists(dir_.path() / "back" / "b.bin"));
    proxy.Open();
    const Outcome resumed =
        Run(With({"get", "--recursive", Remote("d/"), "back", "--resume", "--json"}),
            proxy.connection_string());
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_THAT(resumed.out,
                HasSubstr("\"name\":\"d/a.bin\",\"size\":" + std::to_string(a.size())));
    EXPECT_EQ(JsonNumber(resumed.out, "resumed_from"), prefix);
    std::size_t resumes = 0;
    for (std::size_t at = 0; (at = resumed.out.find("resumed_from", at)) != std::string::npos;
         ++at) {
        ++resumes;
    }
    EXPECT_EQ(resumes, 1U) << resumed.out;
    EXPECT_TRUE(ReadFile(dir_.path() / "back" / "a.bin") == a);
    EXPECT_TRUE(ReadFile(dir_.path() / "back" / "b.bin") == b);
    EXPECT_EQ(ReadFile(dir_.path() / "back" / "c.txt"), c);
    std::size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir_.path() / "back")) {
        files += entry.is_regular_file() ? 1 : 0;
    }
    EXPECT_EQ(files, 3U);  // no partial file or record left
}

TEST_F(BlobCliResume, ResumeRefusesStdout) {
    Put("s", "x");
    const Outcome o =
        Run({"get", Remote("s"), "-", "--resume"}, SharedAzurite().connection_string());
    EXPECT_EQ(o.status, 2);
}

}  // namespace
}  // namespace cerulean::testing
