// Large downloads that resume where they stopped, against Azurite: a run stopped in the middle
// of a file (held up by a transport that lets some ranges finish and holds others part-way)
// keeps the temporary file with a record of its ranges; the rerun asks for exactly the missing
// ranges and ends with the exact bytes. A blob changed in between, a damaged record or damaged
// bytes start over; a path no longer wanted has its leftovers removed; a record saved while the
// download runs is enough to resume from after a crash.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "azure/blob_client.hpp"
#include "azure/curl_transport.hpp"
#include "azure/storage_error.hpp"
#include "sync/local_path.hpp"
#include "sync/range_record.hpp"
#include "sync/sync_engine.hpp"
#include "sync/sync_engine_fixture.hpp"

namespace cerulean::sync {
namespace {

// A range asked for: its first and last byte, as in `x-ms-range: bytes=FIRST-LAST`.
using Asked = std::pair<std::uint64_t, std::uint64_t>;

constexpr std::uint64_t kBlock = kMiB;
// Nine ranges of a MiB, the last one short.
constexpr std::uint64_t kSize = 8 * kMiB + 100 * 1024;

// A transport in front of Azurite that notes the ranges downloads ask for, and holds some of
// them: a held range lets its first bytes through, then waits for the caller's stop and fails
// as a stopped transfer does. A download through it stops at a known point, with ranges
// finished out of order and one broken off part-way.
class RangeGate final : public azure::HttpTransport {
 public:
    azure::HttpResponse Send(const azure::HttpRequest& request,
                             const azure::TryControl& control) override {
        const std::optional<Asked> range = RangeOf(request);
        std::uint64_t pass = 0;
        bool hold = false;
        {
            const std::lock_guard lock(mutex_);
            if (range) asked_.push_back(*range);
            if (range && control.sink != nullptr) {
                for (const auto& [first, bytes] : holds_) {
                    if (range->first >= first) {
                        hold = true;
                        pass = bytes;
                    }
                }
                // A range let through whole is not held at all.
                if (hold && pass > range->second - range->first) hold = false;
            }
        }
        if (!hold) {
            azure::HttpResponse response = inner_.Send(request, control);
            if (range) Note([&] { ++finished_; });
            return response;
        }
        std::uint64_t passed = 0;
        azure::ResponseSink held;
        held.on_headers = control.sink->on_headers;
        held.on_body = [&](std::string_view bytes) {
            const auto n =
                static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), pass - passed));
            if (n > 0) control.sink->on_body(bytes.substr(0, n));
            passed += n;
            if (n == bytes.size() && passed < pass) return;
            Note([&] { holding_.push_back(range->first); });
            while (!control.stop.stop_requested()) std::this_thread::sleep_for(5ms);
            throw azure::StorageError::Cancelled("GetBlob");
        };
        azure::TryControl inner_control = control;
        inner_control.sink = &held;
        return inner_.Send(request, inner_control);
    }

    // Ranges starting at or after `first` let `pass` bytes through, then hold (the last call
    // that covers a range wins).
    void Hold(std::uint64_t first, std::uint64_t pass) {
        const std::lock_guard lock(mutex_);
        holds_.emplace_back(first, pass);
    }
    // Lets everything through from now on.
    void Open() {
        const std::lock_guard lock(mutex_);
        holds_.clear();
    }
    // Waits until `finished` ranges went through and the range at `held` is held; false after
    // 30 s.
    bool WaitFor(int finished, std::uint64_t held) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 30s, [&] {
            return finished_ >= finished &&
                   std::find(holding_.begin(), holding_.end(), held) != holding_.end();
        });
    }
    // The ranges asked for since the last call, in order.
    std::vector<Asked> TakeAsked() {
        const std::lock_guard lock(mutex_);
        finished_ = 0;
        holding_.clear();
        std::vector<Asked> asked = std::exchange(asked_, {});
        std::sort(asked.begin(), asked.end());
        return asked;
    }

 private:
    static std::optional<Asked> RangeOf(const azure::HttpRequest& request) {
        const auto value = azure::FindHeader(request.headers, "x-ms-range");
        if (!value || !value->starts_with("bytes=")) return std::nullopt;
        const std::string text(value->substr(6));
        const std::size_t dash = text.find('-');
        const std::uint64_t first = std::stoull(text.substr(0, dash));
        const std::string last = text.substr(dash + 1);
        return Asked{first, last.empty() ? UINT64_MAX : std::stoull(last)};
    }

    template <typename F>
    void Note(F change) {
        {
            const std::lock_guard lock(mutex_);
            change();
        }
        changed_.notify_all();
    }

    azure::CurlTransport inner_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> holds_;  // first offset, bytes let through
    std::vector<Asked> asked_;
    int finished_ = 0;
    std::vector<std::uint64_t> holding_;  // the first bytes of the ranges held
};

// The ranges a download asks for to fill what `have` lacks of a blob of `size`: each gap in
// blocks from its start.
std::vector<Asked> RangesToFill(const RangeSet& have, std::uint64_t size) {
    std::vector<Asked> ranges;
    for (const ByteRange& gap : have.Missing(size)) {
        for (std::uint64_t at = gap.first; at < gap.end; at += kBlock) {
            ranges.emplace_back(at, std::min(at + kBlock, gap.end) - 1);
        }
    }
    return ranges;
}

class ResumeTest : public SyncEngineTest {
 protected:
    void SetUp() override {
        SyncEngineTest::SetUp();
        azure::ClientOptions options;
        options.transport = gate_;
        gated_.emplace(
            azure::BlobClient::FromConnectionString(SharedAzurite().connection_string(), options));
        content_ = PatternBytes(kSize, 5);
        Put("r/big.bin", content_);
        ASSERT_FALSE(client_->GetBlobProperties(container_, "r/big.bin").content_md5.empty());
    }

    static SyncOptions Options() {
        SyncOptions options = SyncEngineTest::Options();
        options.transfer.block_size = kBlock;
        options.transfer.concurrency = 4;
        return options;
    }

    SyncEndpoints Down() const {
        return {BlobSide{&*gated_, container_, "r/"}, LocalSide{root(), "job"}};
    }

    fs::path Temporary() const { return root() / "job" / TemporaryNameFor("big.bin"); }
    fs::path Record() const { return root() / "job" / RecordNameFor(TemporaryNameFor("big.bin")); }

    std::optional<RangeRecord> ReadRecord() const {
        const int dir = ::open((root() / "job").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) return std::nullopt;
        auto record = ReadRangeRecord(dir, Record().filename().string());
        ::close(dir);
        return record;
    }

    // Runs a download of the big blob that stops once the first range, and those at 2, 3 and 4
    // MiB, are in, the one at 1 MiB has half its bytes, and those from 5 MiB are held: the file
    // then holds [0, 1.5 MiB) and [2, 5 MiB). `while_held` runs before the stop.
    SyncResult StopMidFile(SyncOptions options = Options(),
                           const std::function<void()>& while_held = {}) {
        gate_->Hold(kBlock, kBlock / 2);
        gate_->Hold(2 * kBlock, kBlock);  // through whole
        gate_->Hold(5 * kBlock, 0);
        std::stop_source stop;
        SyncResult result;
        std::thread run([&] { result = Run(Down(), options, stop.get_token()); });
        // Which of the held ranges were asked for depends on the threads; that the one at 1 MiB
        // broke off after the others ended does not.
        const bool reached = gate_->WaitFor(4, kBlock);
        if (reached && while_held) while_held();
        stop.request_stop();
        run.join();
        gate_->Open();
        EXPECT_TRUE(reached) << "the download never reached the point to stop at";
        (void)gate_->TakeAsked();
        return result;
    }

    // Runs again with nothing held: it succeeds, asks for exactly `asked` (in order) and leaves
    // the file whole with nothing beside it.
    SyncResult Rerun(const std::vector<Asked>& asked, const std::string& content) {
        SyncResult rerun = Run(Down(), Options());
        EXPECT_TRUE(rerun.ok()) << Why(rerun);
        EXPECT_EQ(gate_->TakeAsked(), asked);
        EXPECT_TRUE(Tree(root() / "job") ==
                    (std::map<std::string, std::string>{{"big.bin", content}}))
            << "the file is not exact, or leftovers remain";
        return rerun;
    }

    std::shared_ptr<RangeGate> gate_ = std::make_shared<RangeGate>();
    std::optional<azure::BlobClient> gated_;
    std::string content_;
};

TEST_F(ResumeTest, ARunStoppedMidFileKeepsItsRangesAndTheRerunFetchesOnlyTheMissingOnes) {
    const SyncResult stopped = StopMidFile();
    EXPECT_TRUE(stopped.cancelled) << Why(stopped);
    EXPECT_FALSE(fs::exists(root() / "job" / "big.bin"));
    ASSERT_TRUE(fs::exists(Temporary()));
    const auto record = ReadRecord();
    ASSERT_TRUE(record);
    EXPECT_EQ(record->size, kSize);
    EXPECT_EQ(BareEtag(record->etag),
              BareEtag(client_->GetBlobProperties(container_, "r/big.bin").etag));
    // More than a prefix: ranges finished after one that broke off are kept too.
    EXPECT_EQ(record->ranges.ranges(),
              (std::vector<ByteRange>{{0, kBlock + kBlock / 2}, {2 * kBlock, 5 * kBlock}}));

    const std::vector<Asked> missing{{kBlock + kBlock / 2, 2 * kBlock - 1},
                                     {5 * kBlock, 6 * kBlock - 1},
                                     {6 * kBlock, 7 * kBlock - 1},
                                     {7 * kBlock, 8 * kBlock - 1},
                                     {8 * kBlock, kSize - 1}};
    EXPECT_EQ(RangesToFill(record->ranges, kSize), missing);
    const SyncResult rerun = Rerun(missing, content_);
    EXPECT_EQ(rerun.progress.files_done, 1U);
    EXPECT_EQ(rerun.progress.bytes_total, kSize - record->ranges.bytes());
    EXPECT_EQ(rerun.progress.bytes_done, kSize - record->ranges.bytes());
    EXPECT_EQ(rerun.temporary_removed, 0U);
}

TEST_F(ResumeTest, ABlobChangedInBetweenStartsOver) {
    ASSERT_TRUE(StopMidFile().cancelled);
    ASSERT_TRUE(ReadRecord());
    const std::string changed = PatternBytes(kSize, 6);  // same size, other bytes
    Put("r/big.bin", changed);
    Rerun(RangesToFill({}, kSize), changed);
}

TEST_F(ResumeTest, ARecordThatCannotBeReadStartsOver) {
    ASSERT_TRUE(StopMidFile().cancelled);
    WriteFile(Record(), "{\"version\":1,\"etag\":");
    Rerun(RangesToFill({}, kSize), content_);
}

TEST_F(ResumeTest, DamagedKeptBytesFailTheMd5AndTheDownloadStartsOver) {
    ASSERT_TRUE(StopMidFile().cancelled);
    {
        std::fstream file(Temporary(), std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(static_cast<std::streamoff>(3 * kBlock));
        file.put('\x7f');
    }
    // The missing ranges, then the whole blob once the check failed.
    RangeSet kept;
    kept.Add(0, kBlock + kBlock / 2);
    kept.Add(2 * kBlock, 5 * kBlock);
    std::vector<Asked> expected = RangesToFill(kept, kSize);
    for (const Asked& range : RangesToFill({}, kSize)) expected.push_back(range);
    std::sort(expected.begin(), expected.end());
    Rerun(expected, content_);
}

TEST_F(ResumeTest, ThePartialFileOfAPathNoLongerWantedIsRemoved) {
    ASSERT_TRUE(StopMidFile().cancelled);
    ASSERT_TRUE(fs::exists(Record()));
    client_->DeleteBlob(container_, "r/big.bin");
    Put("r/other", "other");
    const SyncResult rerun = Run(Down(), Options());
    ASSERT_TRUE(rerun.ok()) << Why(rerun);
    EXPECT_EQ(rerun.temporary_removed, 2U);
    EXPECT_EQ(Tree(root() / "job"), (std::map<std::string, std::string>{{"other", "other"}}));
}

TEST_F(ResumeTest, TheRecordSavedWhileTheDownloadRunsIsEnoughAfterACrash) {
    // A copy of the file and its record taken while the download runs (no write is under way:
    // the ranges left are held) is what a crash at that moment would leave.
    SyncOptions options = Options();
    options.resume_record_interval = 0ms;
    std::string file_then;
    std::optional<RangeRecord> record_then;
    ASSERT_TRUE(StopMidFile(options, [&] {
                    file_then = ReadFile(Temporary());
                    record_then = ReadRecord();
                }).cancelled);
    ASSERT_TRUE(record_then);
    EXPECT_GT(record_then->ranges.bytes(), 0U);
    WriteFile(Temporary(), file_then);
    WriteFile(Record(), FormatRangeRecord(*record_then));
    Rerun(RangesToFill(record_then->ranges, kSize), content_);
}

TEST_F(ResumeTest, ALargeDownloadAsksForOneRangePerRequestInFlightWithoutABlockSize) {
    const std::string big = PatternBytes(40 * kMiB + 3, 8);
    Put("r/big.bin", big);
    SyncOptions options = Options();
    options.transfer.block_size = 0;  // 40 MiB over 4 requests in flight: 11 MiB ranges
    const SyncResult result = Run(Down(), options);
    ASSERT_TRUE(result.ok()) << Why(result);
    EXPECT_EQ(gate_->TakeAsked(), (std::vector<Asked>{{0, 11 * kMiB - 1},
                                                      {11 * kMiB, 22 * kMiB - 1},
                                                      {22 * kMiB, 33 * kMiB - 1},
                                                      {33 * kMiB, 40 * kMiB + 2}}));
    EXPECT_TRUE(Tree(root() / "job") == (std::map<std::string, std::string>{{"big.bin", big}}));
}

TEST_F(ResumeTest, AFileAlreadyWholeIsOnlyCheckedAndRenamed) {
    // A run that died between the last range and the rename.
    fs::create_directories(root() / "job");
    WriteFile(Temporary(), content_);
    RangeRecord record;
    record.etag = client_->GetBlobProperties(container_, "r/big.bin").etag;
    record.size = kSize;
    record.ranges.Add(0, kSize);
    WriteFile(Record(), FormatRangeRecord(record));
    // One ranged read past the end finds nothing left: the file is read back for the MD5.
    const SyncResult rerun = Rerun({{kSize, kSize + kBlock - 1}}, content_);
    EXPECT_EQ(rerun.progress.bytes_done, 0U);
}

}  // namespace
}  // namespace cerulean::sync
