// The transfer engine without sockets: block planning, the pool, the ordered sink, and the
// requests an upload and a download make (against a fake transport).

#include "azure/transfer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "azure/fake_transport.hpp"
#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::azure {
namespace {

using std::chrono::milliseconds;
using testing::FakeTransport;
using testing::RecordedRequest;
using testing::Respond;

constexpr std::uint64_t kMiB = 1ULL << 20U;

TEST(PlanBlocks, UsesEightMebibytesByDefault) {
    const BlockPlan plan = PlanBlocks(100 * kMiB, 0);
    EXPECT_EQ(plan.block_size, 8 * kMiB);
    EXPECT_EQ(plan.block_count, 13U);
}

TEST(PlanBlocks, CountsAPartialLastBlockAndEmptySources) {
    EXPECT_EQ(PlanBlocks(8 * kMiB, 0).block_count, 1U);
    EXPECT_EQ(PlanBlocks(8 * kMiB + 1, 0).block_count, 2U);
    EXPECT_EQ(PlanBlocks(0, 0).block_count, 0U);
    EXPECT_EQ(PlanBlocks(std::nullopt, 4 * kMiB).block_size, 4 * kMiB);
}

TEST(PlanBlocks, RaisesTheBlockSizeToStayWithinFiftyThousandBlocks) {
    const std::uint64_t size = 1000ULL * 1024 * kMiB;  // 1000 GiB
    const BlockPlan plan = PlanBlocks(size, 8 * kMiB);
    EXPECT_LE(plan.block_count, kMaxBlocks);
    EXPECT_EQ(plan.block_size % kMiB, 0U);
    EXPECT_EQ(plan.block_size, 21 * kMiB);
}

TEST(PlanBlocks, RejectsWhatNoBlockBlobCanHold) {
    EXPECT_THROW(PlanBlocks(std::nullopt, kMaxBlockSize + 1), core::Error);
    EXPECT_THROW(PlanBlocks(kMaxBlocks * kMaxBlockSize + 1, 0), core::Error);
}

TEST(TaskGroup, RunsEveryTaskAndBoundsTheTasksInFlight) {
    TransferPool pool(4);
    TaskGroup group(pool, 2);
    std::atomic<int> running{0};
    std::atomic<int> most{0};
    std::atomic<int> done{0};
    for (int i = 0; i < 40; ++i) {
        group.Submit([&] {
            const int now = ++running;
            int seen = most.load();
            while (now > seen && !most.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::sleep_for(milliseconds(1));
            --running;
            ++done;
        });
    }
    group.Wait();
    EXPECT_EQ(done.load(), 40);
    EXPECT_LE(most.load(), 2);
}

TEST(TaskGroup, RethrowsTheFirstFailureAndSkipsTasksNotStarted) {
    TransferPool pool(1);
    TaskGroup group(pool, 1);
    std::atomic<int> ran{0};
    group.Submit([] { throw std::runtime_error("boom"); });
    for (int i = 0; i < 10; ++i) group.Submit([&] { ++ran; });
    EXPECT_THROW(group.Wait(), std::runtime_error);
    EXPECT_EQ(ran.load(), 0);
}

TEST(TaskGroup, NestedGroupsOnOnePoolDoNotDeadlock) {
    TransferPool pool(1);
    TaskGroup outer(pool, 0);
    std::atomic<int> inner_done{0};
    for (int i = 0; i < 4; ++i) {
        outer.Submit([&] {
            TaskGroup inner(pool, 2);
            for (int j = 0; j < 5; ++j) inner.Submit([&] { ++inner_done; });
            inner.Wait();
        });
    }
    outer.Wait();
    EXPECT_EQ(inner_done.load(), 20);
}

TEST(OrderedSink, DeliversPiecesInOffsetOrderWhateverTheirArrival) {
    std::string out;
    OrderedSink sink([&](std::string_view b) { out.append(b); }, 0, 1024);
    sink.WriteAt(6, "ghi");
    sink.WriteAt(3, "def");
    EXPECT_EQ(out, "");
    EXPECT_EQ(sink.buffered(), 6U);
    sink.WriteAt(0, "abc");
    EXPECT_EQ(out, "abcdefghi");
    EXPECT_EQ(sink.buffered(), 0U);
    EXPECT_EQ(sink.next_offset(), 9U);
    EXPECT_NO_THROW(sink.Finish(9));
}

TEST(OrderedSink, StartsAtAResumeOffsetAndNoticesMissingPieces) {
    std::string out;
    OrderedSink sink([&](std::string_view b) { out.append(b); }, 100, 1024);
    sink.WriteAt(103, "d");
    EXPECT_THROW(sink.Finish(104), core::Error);
    sink.WriteAt(100, "abc");
    EXPECT_EQ(out, "abcd");
    EXPECT_NO_THROW(sink.Finish(104));
}

TEST(OrderedSink, ManyWritersKeepOrderWithinTheMemoryBound) {
    constexpr int kPieces = 400;
    constexpr std::size_t kPiece = 1000;
    constexpr std::size_t kBound = 4 * kPiece;
    std::string expected;
    for (int i = 0; i < kPieces; ++i)
        expected += std::string(kPiece, static_cast<char>('a' + i % 26));
    std::string out;
    std::atomic<std::size_t> most_buffered{0};
    OrderedSink* self = nullptr;
    OrderedSink sink(
        [&](std::string_view b) {
            out.append(b);
            const std::size_t now = self->buffered();
            if (now > most_buffered) most_buffered = now;
        },
        0, kBound);
    self = &sink;
    std::atomic<int> next{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 6; ++t) {
        writers.emplace_back([&, t] {
            std::mt19937 random(t);
            for (int i; (i = next++) < kPieces;) {
                std::this_thread::sleep_for(std::chrono::microseconds(random() % 200));
                sink.WriteAt(static_cast<std::uint64_t>(i) * kPiece,
                             std::string_view(expected).substr(i * kPiece, kPiece));
            }
        });
    }
    for (auto& w : writers) w.join();
    EXPECT_EQ(out, expected);
    EXPECT_LE(most_buffered.load(), kBound);
}

TEST(OrderedSink, ADownstreamFailureReachesTheWriters) {
    OrderedSink sink([](std::string_view) { throw std::runtime_error("disk full"); }, 0, 10);
    sink.WriteAt(1, "b");
    EXPECT_THROW(sink.WriteAt(0, "a"), std::runtime_error);
    EXPECT_THROW(sink.WriteAt(2, "c"), core::Error);
}

TEST(MemorySource, ReadsItsBytesThenEnds) {
    MemorySource source("hello");
    char buffer[3];
    EXPECT_EQ(source.size(), 5U);
    EXPECT_EQ(source.Read(buffer, 3), 3U);
    EXPECT_EQ(source.Read(buffer, 3), 2U);
    EXPECT_EQ(source.Read(buffer, 3), 0U);
}

// --- Requests against a fake service ----------------------------------------------------------

ClientOptions With(std::shared_ptr<FakeTransport> transport) {
    ClientOptions options;
    options.transport = std::move(transport);
    options.pipeline.retry.base_delay = milliseconds(1);
    options.pipeline.retry.max_delay = milliseconds(2);
    return options;
}

std::shared_ptr<const Credential> DevKey() {
    return std::make_shared<AccountKeyCredential>(
        SharedKeyCredential(std::string(kDevelopmentAccountName), kDevelopmentAccountKey));
}

std::string Md5Of(std::string_view bytes) {
    return crypto::Base64Encode(crypto::Md5(bytes));
}

std::string Pattern(std::size_t size) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xFFU);
    return s;
}

TEST(TransferUpload, SmallSourcesGoUpInOnePutBlobWithTheirMd5) {
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int) {
            return Respond(201, {{"ETag", "\"e\""}});
        });
    const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
    TransferPool pool(2);
    const Transfer transfer(pool, {});
    MemorySource source("hello");
    UploadOptions upload;
    upload.headers.content_type = "text/plain";
    upload.metadata = {{"k", "v"}};
    const TransferResult result = transfer.Upload(client, "c", "b", source, upload);
    const auto requests = transport->requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].method, "PUT");
    EXPECT_EQ(requests[0].Header("x-ms-blob-type"), "BlockBlob");
    EXPECT_EQ(requests[0].Header("Content-MD5"), Md5Of("hello"));
    EXPECT_EQ(requests[0].Header("x-ms-blob-content-type"), "text/plain");
    EXPECT_EQ(requests[0].Header("x-ms-meta-k"), "v");
    EXPECT_EQ(result.content_md5, Md5Of("hello"));
    EXPECT_EQ(result.etag, "\"e\"");
}

TEST(TransferUpload, LargeSourcesGoUpInBlocksOfOneIdLengthThenOneCommitWithTheWholeMd5) {
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int) {
            return Respond(201, {{"ETag", "\"e\""}});
        });
    const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
    TransferPool pool(3);
    TransferOptions options;
    options.block_size = 1000;
    options.single_shot_threshold = 2500;
    std::atomic<std::uint64_t> progress{0};
    options.on_progress = [&](std::uint64_t n) { progress += n; };
    const Transfer transfer(pool, options);
    const std::string data = Pattern(10'500);
    MemorySource source(data);
    const TransferResult result = transfer.Upload(client, "c", "b", source);
    auto requests = transport->requests();
    ASSERT_EQ(requests.size(), 12U);
    const RecordedRequest commit = requests.back();
    requests.pop_back();
    std::set<std::size_t> id_lengths;
    std::string reassembled(data.size(), '\0');
    for (const auto& r : requests) {
        ASSERT_THAT(r.url, ::testing::HasSubstr("comp=block"));
        EXPECT_EQ(r.Header("Content-MD5"), Md5Of(r.body));
        const std::size_t at = r.url.find("blockid=");
        const std::string id = r.url.substr(at + 8, r.url.find('&', at) - at - 8);
        id_lengths.insert(id.size());
    }
    EXPECT_EQ(id_lengths.size(), 1U);
    EXPECT_THAT(commit.url, ::testing::HasSubstr("comp=blocklist"));
    EXPECT_EQ(commit.Header("x-ms-blob-content-md5"), Md5Of(data));
    EXPECT_EQ(result.blocks, 11U);
    EXPECT_EQ(result.size, data.size());
    EXPECT_EQ(progress.load(), data.size());
}

TEST(TransferUpload, AFailedBlockCommitsNothing) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest& request, const TryControl&, int call) {
            if (call == 3 && request.url.find("comp=blocklist") == std::string::npos) {
                return Respond(400, {{"x-ms-error-code", "InvalidMd5"}});
            }
            return Respond(201);
        });
    const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
    TransferPool pool(2);
    TransferOptions options;
    options.block_size = 1000;
    options.single_shot_threshold = 0;
    const Transfer transfer(pool, options);
    const std::string data = Pattern(9000);
    MemorySource source(data);
    EXPECT_THROW(transfer.Upload(client, "c", "b", source), StorageError);
    for (const auto& r : transport->requests()) {
        EXPECT_THAT(r.url, ::testing::Not(::testing::HasSubstr("comp=blocklist")));
    }
}

// Serves `data` for ranged GETs, with its MD5 stored as `stored_md5`.
std::shared_ptr<FakeTransport> Serving(std::string data, std::string stored_md5) {
    return std::make_shared<FakeTransport>(
        [data = std::move(data), stored_md5](const HttpRequest& request, const TryControl& control,
                                             int) {
            const std::string range(FindHeader(request.headers, "x-ms-range").value_or(""));
            std::uint64_t first = 0;
            std::uint64_t last = data.size() - 1;
            if (!range.empty()) {
                std::sscanf(range.c_str(), "bytes=%lu-%lu", &first, &last);
            }
            if (first >= data.size()) return Respond(416, {{"x-ms-error-code", "InvalidRange"}});
            last = std::min<std::uint64_t>(last, data.size() - 1);
            HttpHeaders headers{
                {"ETag", "\"v1\""},
                {"Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                      "/" + std::to_string(data.size())},
                {"x-ms-blob-content-md5", stored_md5}};
            return testing::Stream(control, Respond(206, headers),
                                   std::string_view(data).substr(first, last - first + 1));
        });
}

class StringSink final : public DownloadSink {
 public:
    void WriteAt(std::uint64_t offset, std::string_view bytes) override {
        EXPECT_EQ(offset, out.size());
        out.append(bytes);
    }
    std::string out;
};

TEST(TransferDownload, ReadsRangesInParallelIntoAnOrderedSinkAndChecksTheMd5) {
    const std::string data = Pattern(10'001);
    auto transport = Serving(data, Md5Of(data));
    const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
    TransferPool pool(4);
    TransferOptions options;
    options.block_size = 1000;
    const Transfer transfer(pool, options);
    StringSink sink;
    const TransferResult result = transfer.Download(client, "c", "b", sink);
    EXPECT_EQ(sink.out, data);
    EXPECT_TRUE(result.md5_verified);
    EXPECT_EQ(transport->count(), 11U);
}

TEST(TransferDownload, RefusesBytesThatDoNotMatchTheStoredMd5) {
    const std::string data = Pattern(5000);
    auto transport = Serving(data, Md5Of("something else"));
    const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
    TransferPool pool(2);
    TransferOptions options;
    options.block_size = 1000;
    const Transfer transfer(pool, options);
    StringSink sink;
    EXPECT_THROW(transfer.Download(client, "c", "b", sink), core::Error);
}

TEST(TransferDownload, ResumesFromAnOffset) {
    const std::string data = Pattern(5000);
    auto transport = Serving(data, Md5Of(data));
    const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
    TransferPool pool(2);
    TransferOptions options;
    options.block_size = 1000;
    const Transfer transfer(pool, options);
    class Tail final : public DownloadSink {
     public:
        void WriteAt(std::uint64_t offset, std::string_view bytes) override {
            EXPECT_EQ(offset, 1234 + out.size());
            out.append(bytes);
        }
        std::string out;
    } sink;
    DownloadOptions from;
    from.offset = 1234;
    const TransferResult result = transfer.Download(client, "c", "b", sink, from);
    EXPECT_EQ(sink.out, data.substr(1234));
    EXPECT_FALSE(result.md5_verified);
}

TEST(NeedsStreamedCopy, RecognizesWhatTheEmulatorCannotDo) {
    const StorageError not_implemented(core::ErrorCode::kInternal, "m", "r",
                                       StorageErrorKind::kService, 501, "APINotImplemented");
    const StorageError cannot_verify(core::ErrorCode::kInternal, "m", "r",
                                     StorageErrorKind::kService, 409, "CannotVerifyCopySource");
    const StorageError not_found(core::ErrorCode::kNotFound, "m", "r", StorageErrorKind::kService,
                                 404, "BlobNotFound");
    EXPECT_TRUE(NeedsStreamedCopy(not_implemented));
    EXPECT_TRUE(NeedsStreamedCopy(cannot_verify));
    EXPECT_FALSE(NeedsStreamedCopy(not_found));
}

}  // namespace
}  // namespace cerulean::azure
