// The transfer engine without sockets: block planning, the pool, the ordered sink, and the
// requests an upload and a download make (against a fake transport).

#include "azure/transfer.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
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

TEST(TaskGroup, TrySubmitNeverWaitsAndWaitPastSeesEachFinish) {
    TransferPool pool(2);
    TaskGroup group(pool, 1);
    std::atomic<bool> started{false};
    std::atomic<bool> release{false};
    ASSERT_TRUE(group.TrySubmit([&] {
        started = true;
        while (!release) std::this_thread::sleep_for(milliseconds(1));
    }));
    // Running on a worker (WaitPast would otherwise run it on this thread, which would wait for
    // itself).
    while (!started) std::this_thread::sleep_for(milliseconds(1));
    EXPECT_FALSE(group.TrySubmit([] {}));  // full: refused at once
    EXPECT_EQ(group.finished(), 0U);
    const auto start = std::chrono::steady_clock::now();
    group.WaitPast(0, milliseconds(30));  // nothing finishes: returns after the timeout
    EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(25));
    release = true;
    group.WaitPast(0, std::chrono::seconds(10));
    EXPECT_EQ(group.finished(), 1U);
    EXPECT_TRUE(group.TrySubmit([] { throw std::runtime_error("boom"); }));
    group.WaitPast(1, std::chrono::seconds(10));
    EXPECT_TRUE(group.failed());
    EXPECT_FALSE(group.TrySubmit([] {}));  // a failed group takes nothing more
    EXPECT_THROW(group.Wait(), std::runtime_error);
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

TEST(MemorySource, ReadsAtAnyOffsetFromAnyThread) {
    MemorySource source("hello world");
    EXPECT_TRUE(source.random_access());
    char buffer[5];
    EXPECT_EQ(source.ReadAt(6, buffer, 5), 5U);
    EXPECT_EQ(std::string_view(buffer, 5), "world");
    EXPECT_EQ(source.ReadAt(9, buffer, 5), 2U);
    EXPECT_EQ(source.ReadAt(11, buffer, 5), 0U);
}

TEST(FileSource, ReadsAtOffsetsAndNoticesAChangedFile) {
    const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                       ("cerulean-file-source-" + std::to_string(::getpid()));
    {
        std::ofstream out(path, std::ios::binary);
        out << "0123456789";
    }
    FileSource source(path);
    EXPECT_TRUE(source.random_access());
    char buffer[4];
    EXPECT_EQ(source.ReadAt(3, buffer, 4), 4U);
    EXPECT_EQ(std::string_view(buffer, 4), "3456");
    EXPECT_NO_THROW(source.CheckUnchanged());
    {
        std::ofstream out(path, std::ios::binary);
        out << "0123456789";  // same size, same bytes: only the time says it was rewritten
    }
    const struct timespec times[2] = {{0, UTIME_OMIT}, {12345, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
    try {
        source.CheckUnchanged();
        ADD_FAILURE() << "a rewritten file went unnoticed";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.reason(), "source_changed");
    }
    std::filesystem::remove(path);
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

TEST(TransferUpload, BlocksOfARandomAccessSourceCarryTheMd5sAskedFor) {
    // 11 blocks: a group of eight hashed in SIMD lanes, then a group of three.
    const std::string data = Pattern(10'500);
    for (const bool block : {true, false}) {
        for (const bool whole : {true, false}) {
            SCOPED_TRACE(std::string("block ") + (block ? "on" : "off") + ", whole " +
                         (whole ? "on" : "off"));
            auto transport =
                std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int) {
                    // Put Block List answers with the MD5 of the list, which is not the blob's.
                    return Respond(201, {{"ETag", "\"e\""}, {"Content-MD5", "bGlzdA=="}});
                });
            const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(),
                                    With(transport));
            TransferPool pool(3);
            TransferOptions options;
            options.block_size = 1000;
            options.single_shot_threshold = 2500;
            options.transactional_md5 = block;
            options.compute_md5 = whole;
            const Transfer transfer(pool, options);
            MemorySource source(data);
            UploadOptions upload;
            if (!whole) upload.headers.content_md5 = "Z2l2ZW4=";  // given by the caller: kept
            const TransferResult result = transfer.Upload(client, "c", "b", source, upload);
            auto requests = transport->requests();
            ASSERT_EQ(requests.size(), 12U);
            const RecordedRequest commit = requests.back();
            requests.pop_back();
            std::string reassembled;
            std::map<std::string, std::string> by_id;
            for (const auto& r : requests) {
                EXPECT_EQ(r.Header("Content-MD5"), block ? Md5Of(r.body) : "");
                const std::size_t at = r.url.find("blockid=");
                by_id[r.url.substr(at + 8, r.url.find('&', at) - at - 8)] = r.body;
            }
            for (const auto& [id, body] : by_id) reassembled += body;
            EXPECT_EQ(reassembled, data);
            EXPECT_EQ(commit.Header("x-ms-blob-content-md5"), whole ? Md5Of(data) : "Z2l2ZW4=");
            EXPECT_EQ(result.content_md5, whole ? Md5Of(data) : "Z2l2ZW4=");
            EXPECT_EQ(result.blocks, 11U);
        }
    }
}

TEST(TransferUpload, AOneRequestUploadStoresItsTransactionalMd5AsTheBlobs) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return Respond(201); });
    const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
    TransferPool pool(1);
    TransferOptions options;
    options.compute_md5 = false;
    const Transfer transfer(pool, options);
    MemorySource source("hello");
    const TransferResult result = transfer.Upload(client, "c", "b", source);
    ASSERT_EQ(transport->requests().size(), 1U);
    EXPECT_EQ(transport->requests()[0].Header("Content-MD5"), Md5Of("hello"));
    EXPECT_EQ(transport->requests()[0].Header("x-ms-blob-content-md5"), Md5Of("hello"));
    EXPECT_EQ(result.content_md5, Md5Of("hello"));
}

TEST(TransferUpload, ASourceThatChangedWhileReadCommitsNothing) {
    class Changing final : public UploadSource {
     public:
        explicit Changing(std::string data) : data_(std::move(data)), inner_(data_) {}
        std::size_t Read(char* b, std::size_t n) override { return inner_.Read(b, n); }
        [[nodiscard]] std::optional<std::uint64_t> size() const override { return data_.size(); }
        [[nodiscard]] bool random_access() const override { return true; }
        std::size_t ReadAt(std::uint64_t o, char* b, std::size_t n) override {
            return inner_.ReadAt(o, b, n);
        }
        void CheckUnchanged() const override {
            throw core::Error(core::ErrorCode::kInternal, "changed", "source_changed");
        }

     private:
        std::string data_;
        MemorySource inner_;
    };
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return Respond(201); });
    const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
    TransferPool pool(2);
    TransferOptions options;
    options.block_size = 1000;
    options.single_shot_threshold = 0;
    const Transfer transfer(pool, options);
    Changing source(Pattern(5000));
    EXPECT_THROW(transfer.Upload(client, "c", "b", source), core::Error);
    for (const auto& r : transport->requests()) {
        EXPECT_THAT(r.url, ::testing::Not(::testing::HasSubstr("comp=blocklist")));
    }
}

// Serves `data` for ranged GETs, with its MD5 stored as `stored_md5`.
std::shared_ptr<FakeTransport> Serving(std::string data, std::string stored_md5) {
    return std::make_shared<FakeTransport>(
        [data = std::move(data), stored_md5](const HttpRequest& request, const TryControl& control,
                                             int) {
            if (request.method == "HEAD") {
                return Respond(200, {{"ETag", "\"v1\""},
                                     {"Content-Length", std::to_string(data.size())},
                                     {"Content-MD5", stored_md5}});
            }
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

TEST(TransferDownload, HashesAFileInOrderWhileItsRangesArriveAndRefusesAWrongMd5) {
    const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                       ("cerulean-file-sink-" + std::to_string(::getpid()));
    // Ranges of 1000 bytes, eight in flight, and a read-back window larger than a range.
    const std::string data = Pattern(30'001);
    for (const bool right : {true, false}) {
        auto transport = Serving(data, right ? Md5Of(data) : Md5Of("something else"));
        const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
        TransferPool pool(8);
        TransferOptions options;
        options.block_size = 1000;
        const Transfer transfer(pool, options);
        FileSink sink(path);
        if (!right) {
            try {
                transfer.Download(client, "c", "b", sink);
                ADD_FAILURE() << "a wrong MD5 went unnoticed";
            } catch (const core::Error& e) {
                EXPECT_EQ(e.reason(), "md5_mismatch");
            }
            continue;
        }
        const TransferResult result = transfer.Download(client, "c", "b", sink);
        EXPECT_TRUE(result.md5_verified);
        EXPECT_EQ(transport->count(), 31U);
        std::ifstream in(path, std::ios::binary);
        const std::string written((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
        EXPECT_EQ(written, data);
    }
    std::filesystem::remove(path);
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

TEST(TransferDownload, AResumedFileIsCheckedFromItsFirstByte) {
    // The bytes already in the file are read back and hashed before the rest, so a resumed
    // download is verified like a whole one, and a file that does not start like the blob
    // fails (a ranges past the end case included: nothing left to fetch).
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("cerulean-resume-" + std::to_string(::getpid()));
    const std::string data = Pattern(30'001);
    auto transport = Serving(data, Md5Of(data));
    const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
    TransferPool pool(8);
    TransferOptions options;
    options.block_size = 1000;
    const Transfer transfer(pool, options);
    for (const std::uint64_t offset :
         {std::uint64_t{1234}, std::uint64_t{29'500}, std::uint64_t{30'001}}) {
        for (const bool right : {true, false}) {
            SCOPED_TRACE(std::to_string(offset) + (right ? " right prefix" : " wrong prefix"));
            {
                std::ofstream out(path, std::ios::binary | std::ios::trunc);
                std::string prefix = data.substr(0, offset);
                if (!right) prefix[offset / 2] ^= 1;
                out << prefix;
            }
            FileSink sink(path, true);
            DownloadOptions from;
            from.offset = offset;
            if (!right) {
                try {
                    transfer.Download(client, "c", "b", sink, from);
                    ADD_FAILURE() << "a file that does not hold the blob's start went unnoticed";
                } catch (const core::Error& e) {
                    EXPECT_EQ(e.reason(), "md5_mismatch");
                }
                continue;
            }
            const TransferResult result = transfer.Download(client, "c", "b", sink, from);
            EXPECT_TRUE(result.md5_verified);
            EXPECT_EQ(result.size, data.size() - offset);
            std::ifstream in(path, std::ios::binary);
            const std::string written((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
            EXPECT_TRUE(written == data);
        }
    }
    std::filesystem::remove(path);
}

TEST(TransferDownload, AsksForEveryRangeBeforeTheFirstHasArrived) {
    // The first range's answer sends its headers (which tell the blob's size), then holds its
    // body until every other range has been asked for: a download that learnt the size from a
    // whole first range would never ask for them, and the fake gives up waiting.
    const std::string data = Pattern(8000);
    std::mutex mutex;
    std::condition_variable changed;
    std::set<std::uint64_t> asked;
    bool gave_up = false;
    auto transport = std::make_shared<FakeTransport>([&](const HttpRequest& request,
                                                         const TryControl& control, int) {
        const std::string range(FindHeader(request.headers, "x-ms-range").value_or(""));
        std::uint64_t first = 0;
        std::uint64_t last = 0;
        std::sscanf(range.c_str(), "bytes=%lu-%lu", &first, &last);
        last = std::min<std::uint64_t>(last, data.size() - 1);
        {
            const std::lock_guard lock(mutex);
            asked.insert(first);
        }
        changed.notify_all();
        const HttpResponse head = Respond(
            206, {{"ETag", "\"v1\""},
                  {"Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                        "/" + std::to_string(data.size())},
                  {"x-ms-blob-content-md5", Md5Of(data)}});
        const std::string_view body = std::string_view(data).substr(first, last - first + 1);
        if (first != 0) return testing::Stream(control, head, body);
        control.sink->on_headers(head);
        {
            std::unique_lock lock(mutex);
            gave_up = !changed.wait_for(lock, std::chrono::seconds(20),
                                        [&] { return asked.size() == 8; });
        }
        control.sink->on_body(body);
        HttpResponse done = head;
        done.streamed_bytes = body.size();
        return done;
    });
    const BlobClient client("http://127.0.0.1:1/devstoreaccount1", DevKey(), With(transport));
    TransferPool pool(8);
    TransferOptions options;
    options.block_size = 1000;
    options.concurrency = 8;
    const Transfer transfer(pool, options);
    for (const bool to_file : {false, true}) {
        SCOPED_TRACE(to_file ? "into a file" : "into an ordered sink");
        {
            const std::lock_guard lock(mutex);
            asked.clear();
            gave_up = false;
        }
        const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                           ("cerulean-parallel-" + std::to_string(::getpid()));
        std::string written;
        TransferResult result;
        if (to_file) {
            FileSink sink(path);
            result = transfer.Download(client, "c", "b", sink);
            std::ifstream in(path, std::ios::binary);
            written.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            std::filesystem::remove(path);
        } else {
            StringSink sink;
            result = transfer.Download(client, "c", "b", sink);
            written = sink.out;
        }
        EXPECT_FALSE(gave_up) << "the other ranges waited for the first one";
        EXPECT_EQ(asked.size(), 8U);
        EXPECT_TRUE(written == data);
        EXPECT_TRUE(result.md5_verified);
    }
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
