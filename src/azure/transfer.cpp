#include "azure/transfer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "azure/storage_error.hpp"
#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "crypto/md5_lanes.hpp"

namespace cerulean::azure {
namespace {

using core::Error;
using core::ErrorCode;

std::string Md5Base64(std::string_view bytes) {
    return crypto::Base64Encode(crypto::Md5(bytes));
}

// A short random id shared by the blocks of one upload, so that two uploads racing on one name
// do not commit each other's blocks.
std::string NewUploadId() {
    static constexpr char kHex[] = "0123456789abcdef";
    thread_local std::mt19937_64 random{std::random_device{}()};
    std::string id(16, '0');
    std::uint64_t bits = random();
    for (char& c : id) {
        c = kHex[bits & 0xFU];
        bits >>= 4U;
    }
    return id;
}

// Reads until `size` bytes or the end of the source.
std::size_t ReadFull(UploadSource& source, char* buffer, std::size_t size) {
    std::size_t total = 0;
    while (total < size) {
        const std::size_t n = source.Read(buffer + total, size - total);
        if (n == 0) break;
        total += n;
    }
    return total;
}

std::string SystemMessage(std::string_view what, int error) {
    return std::string(what) + ": " + std::strerror(error);
}

// Up to `size` bytes of a local file at `offset` (fewer at its end).
std::size_t PreadSome(int fd, std::uint64_t offset, char* buffer, std::size_t size) {
    for (;;) {
        const ssize_t n = ::pread(fd, buffer, size, static_cast<off_t>(offset));
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        throw Error(ErrorCode::kInternal, SystemMessage("cannot read a local file", errno),
                    "local_file");
    }
}

// Buffers of one transfer, reused so that a big transfer allocates (and faults in) only as
// many as it holds at once.
class BufferPool {
 public:
    explicit BufferPool(std::size_t size) : size_(size) {}
    std::shared_ptr<std::string> Take() {
        {
            const std::lock_guard lock(mutex_);
            if (!free_.empty()) {
                auto buffer = std::move(free_.back());
                free_.pop_back();
                return buffer;
            }
        }
        auto buffer = std::make_shared<std::string>();
        buffer->resize(size_);
        return buffer;
    }
    void Give(std::shared_ptr<std::string> buffer) {
        const std::lock_guard lock(mutex_);
        free_.push_back(std::move(buffer));
    }

 private:
    std::size_t size_;
    std::mutex mutex_;
    std::vector<std::shared_ptr<std::string>> free_;
};

BlobHttpHeaders HeadersOf(const BlobProperties& p) {
    BlobHttpHeaders h;
    h.content_type = p.content_type;
    h.content_encoding = p.content_encoding;
    h.content_language = p.content_language;
    h.content_disposition = p.content_disposition;
    h.cache_control = p.cache_control;
    h.content_md5 = p.content_md5;
    return h;
}

TransferResult ResultOf(const UploadResult& upload, std::uint64_t size, std::string md5) {
    TransferResult result;
    result.size = size;
    result.etag = upload.etag;
    result.last_modified = upload.last_modified;
    result.content_md5 = md5.empty() ? upload.content_md5 : std::move(md5);
    return result;
}

// Commits the staged blocks `ids` as the blob. The blob's MD5 is the one `commit` stores (if
// any): Put Block List answers with the MD5 of the block list, not of the blob.
TransferResult CommitBlocks(const BlobClient& client, std::string_view container,
                            std::string_view blob, const std::vector<std::string>& ids,
                            const PutBlockListOptions& commit, std::uint64_t size,
                            const CallOptions& call) {
    TransferResult result = ResultOf(client.PutBlockList(container, blob, ids, commit, call), size,
                                     commit.headers.content_md5);
    result.content_md5 = commit.headers.content_md5;
    result.blocks = ids.size();
    return result;
}

TransferResult ResultOf(const BlobProperties& p) {
    TransferResult result;
    result.size = p.content_length;
    result.etag = p.etag;
    result.last_modified = p.last_modified;
    result.content_md5 = p.content_md5;
    return result;
}

// How the service may read the source blob: its URL (with a SAS when one can be had) and the
// value of x-ms-copy-source-authorization (a bearer token), or empty.
struct SourceAccess {
    std::string url;
    std::string authorization;
};

SourceAccess AccessTo(const BlobClient& source, std::string_view container, std::string_view blob,
                      const CallOptions& call) {
    SourceAccess access{source.BlobUrlOf(container, blob), {}};
    const Credential& credential = source.credential();
    if (const SharedKeyCredential* key = credential.shared_key()) {
        BlobSasOptions sas;
        sas.container = std::string(container);
        sas.blob = std::string(blob);
        sas.permissions = "r";
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        sas.starts_on = now - 15 * 60 * 1000;  // clock skew between us and the service
        sas.expires_on = now + 24 * 60 * 60 * 1000;
        access.url += "?" + GenerateBlobSas(*key, sas).query;
    } else if (credential.type() == CredentialType::kSas ||
               credential.type() == CredentialType::kBearer) {
        // Let the credential authorize a request to the source, then take what it added.
        HttpRequest probe{"GET", access.url};
        credential.Authorize(probe, call);
        access.url = probe.url;
        if (const auto header = FindHeader(probe.headers, "Authorization")) {
            access.authorization = std::string(*header);
        }
    }
    return access;
}

// Hashes, in offset order, the ranges of a download that go straight to a readable sink (a
// file): fetch tasks report how much of each range is in the sink as it arrives, and the
// calling thread hashes the bytes at the cursor, reading them back (from the page cache, for a
// file) a window at a time into a buffer that stays in the CPU's cache. The hash follows the
// head range as it arrives; the fetches never wait for it, and it never holds a slot a fetch
// could use.
class ReadBackHasher {
 public:
    ReadBackHasher(DownloadSink& sink, crypto::Md5Hasher& hasher, std::uint64_t start)
        : sink_(sink), hasher_(hasher), next_(start) {}

    // From a fetch task: the first `written` bytes of the range at `offset` are in the sink.
    void Written(std::uint64_t offset, std::uint64_t length, std::uint64_t written) {
        const std::lock_guard lock(mutex_);
        ranges_[offset] = {length, written};
    }

    // From the calling thread: hashes up to one window of the bytes at the cursor; false when
    // none is there yet.
    bool HashSome() {
        std::uint64_t ready = 0;
        {
            const std::lock_guard lock(mutex_);
            if (ranges_.empty()) return false;
            const auto& [start, range] = *ranges_.begin();
            if (next_ < start || next_ >= start + range.length) return false;
            ready = start + range.written - next_;
        }
        if (ready == 0) return false;
        if (buffer_.empty()) buffer_.resize(kWindow);
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), ready));
        std::size_t got = 0;
        while (got < want) {
            const std::size_t n = sink_.ReadAt(next_ + got, buffer_.data() + got, want - got);
            if (n == 0) throw Error(ErrorCode::kInternal, "a local file came back short");
            got += n;
        }
        hasher_.Update(std::string_view(buffer_.data(), want));
        const std::lock_guard lock(mutex_);
        next_ += want;
        const auto head = ranges_.begin();
        if (next_ == head->first + head->second.length) ranges_.erase(head);
        return true;
    }

    std::uint64_t next() {
        const std::lock_guard lock(mutex_);
        return next_;
    }

 private:
    struct Range {
        std::uint64_t length = 0;
        std::uint64_t written = 0;
    };
    static constexpr std::size_t kWindow = 1U << 20U;
    DownloadSink& sink_;
    crypto::Md5Hasher& hasher_;
    std::mutex mutex_;
    std::map<std::uint64_t, Range> ranges_;  // not yet hashed, by first offset
    std::uint64_t next_;
    std::string buffer_;
};

// The contiguous completed prefix of a download. Ranges say when they are in the sink, in any
// order and from any thread (one short lock per range); each growth goes to the caller's
// callback outside that lock, one call at a time: a thread that finds another one reporting
// leaves the report to it, and the owner looks again once it lets go. Does nothing without a
// callback, so a plain download pays nothing.
class PrefixTracker {
 public:
    PrefixTracker(const std::function<void(std::uint64_t)>& report, std::uint64_t start)
        : report_(report), prefix_(start), reported_(start) {}
    PrefixTracker(const PrefixTracker&) = delete;
    PrefixTracker& operator=(const PrefixTracker&) = delete;
    // Reports what is still unreported (after the tasks ended, on the way out, even on a
    // failure), so that the caller's last value is final when Download returns or throws.
    ~PrefixTracker() { Report(); }

    // The bytes [offset, end) are in the sink.
    void Done(std::uint64_t offset, std::uint64_t end) {
        if (!report_ || end <= offset) return;
        {
            const std::lock_guard lock(mutex_);
            std::uint64_t prefix = prefix_.load(std::memory_order_relaxed);
            if (offset > prefix) {
                done_.emplace(offset, end);
                return;
            }
            prefix = std::max(prefix, end);
            for (auto it = done_.begin(); it != done_.end() && it->first <= prefix;
                 it = done_.erase(it)) {
                prefix = std::max(prefix, it->second);
            }
            prefix_.store(prefix);
        }
        Report();
    }

 private:
    void Report() {
        if (!report_) return;
        while (prefix_.load() > reported_.load()) {
            const std::unique_lock lock(report_mutex_, std::try_to_lock);
            if (!lock.owns_lock()) return;  // its owner looks again once it lets go
            const std::uint64_t prefix = prefix_.load();
            if (prefix <= reported_.load()) continue;
            reported_.store(prefix);
            report_(prefix);
        }
    }

    const std::function<void(std::uint64_t)>& report_;
    std::mutex mutex_;
    std::map<std::uint64_t, std::uint64_t> done_;  // finished past the prefix: first -> end
    std::atomic<std::uint64_t> prefix_;
    std::mutex report_mutex_;
    std::atomic<std::uint64_t> reported_;
};

Error BlobChanged() {
    return Error(ErrorCode::kFailedPrecondition,
                 "the blob changed since the download started (its ETag differs)", "blob_changed");
}

// Get Blob of a pinned range; a failed If-Match (412) means the blob changed.
DownloadResult GetPinned(const BlobClient& client, std::string_view container,
                         std::string_view blob, const BodySink& sink, const GetBlobOptions& range,
                         const CallOptions& call) {
    try {
        return client.GetBlob(container, blob, sink, range, call);
    } catch (const StorageError& error) {
        if (error.status() != 412) throw;
        throw BlobChanged();
    }
}

bool SameAccount(const BlobClient& a, const BlobClient& b) {
    return a.endpoint() == b.endpoint() && a.account_name() == b.account_name();
}

}  // namespace

std::size_t AutoConcurrency() {
    const std::size_t cores = std::max(1U, std::thread::hardware_concurrency());
    return std::clamp<std::size_t>(cores * 4, 8, 32);
}

BlockPlan PlanBlocks(std::optional<std::uint64_t> size, std::uint64_t requested) {
    std::uint64_t block = requested == 0 ? kDefaultBlockSize : requested;
    if (block > kMaxBlockSize) {
        throw Error(ErrorCode::kInvalidArgument, "the block size is larger than 4000 MiB",
                    "block_size_too_large");
    }
    if (!size) return {block, 0};
    if (*size > kMaxBlocks * kMaxBlockSize) {
        throw Error(ErrorCode::kInvalidArgument, "the source is larger than a block blob can be",
                    "blob_too_large");
    }
    if (*size > block * kMaxBlocks) {
        constexpr std::uint64_t kMiB = 1ULL << 20U;
        const std::uint64_t needed = (*size + kMaxBlocks - 1) / kMaxBlocks;
        block = std::min(kMaxBlockSize, (needed + kMiB - 1) / kMiB * kMiB);
    }
    return {block, (*size + block - 1) / block};
}

bool NeedsStreamedCopy(const StorageError& error) {
    const std::string& code = error.azure_code();
    return error.status() == 501 || code == "APINotImplemented" ||
           code == "CannotVerifyCopySource" || code == "FeatureNotSupportedOnEmulator";
}

// --- Sources and sinks ------------------------------------------------------------------------

FileSource::FileSource(const std::filesystem::path& path)
    : FileSource(::open(path.c_str(), O_RDONLY | O_CLOEXEC), path.string()) {}

FileSource::FileSource(int fd, std::string_view name) : fd_(fd) {
    if (fd_ < 0) {
        const int error = errno;
        throw Error(error == ENOENT ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument,
                    SystemMessage("cannot open " + std::string(name), error), "local_file");
    }
    struct stat info {};
    if (::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        throw Error(ErrorCode::kInvalidArgument, std::string(name) + " is not a regular file",
                    "local_file");
    }
    size_ = static_cast<std::uint64_t>(info.st_size);
    modified_ns_ =
        static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

FileSource::~FileSource() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t FileSource::Read(char* buffer, std::size_t size) {
    for (;;) {
        const ssize_t n = ::read(fd_, buffer, size);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        throw Error(ErrorCode::kInternal, SystemMessage("cannot read a local file", errno),
                    "local_file");
    }
}

std::size_t FileSource::ReadAt(std::uint64_t offset, char* buffer, std::size_t size) {
    return PreadSome(fd_, offset, buffer, size);
}

void FileSource::CheckUnchanged() const {
    struct stat info {};
    if (::fstat(fd_, &info) != 0 || static_cast<std::uint64_t>(info.st_size) != size_ ||
        static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec !=
            modified_ns_) {
        throw Error(ErrorCode::kInternal, "a local file changed while being read",
                    "source_changed");
    }
}

std::size_t MemorySource::ReadAt(std::uint64_t offset, char* buffer, std::size_t size) {
    if (offset >= bytes_.size()) return 0;
    const std::size_t n = std::min<std::size_t>(size, bytes_.size() - offset);
    std::memcpy(buffer, bytes_.data() + offset, n);
    return n;
}

std::size_t MemorySource::Read(char* buffer, std::size_t size) {
    const std::size_t n = std::min(size, bytes_.size() - position_);
    std::memcpy(buffer, bytes_.data() + position_, n);
    position_ += n;
    return n;
}

FileSink::FileSink(const std::filesystem::path& path, bool resume) {
    const int flags = O_RDWR | O_CREAT | O_CLOEXEC | (resume ? 0 : O_TRUNC);
    fd_ = ::open(path.c_str(), flags, 0644);
    if (fd_ < 0) {
        throw Error(ErrorCode::kInvalidArgument,
                    SystemMessage("cannot create " + path.string(), errno), "local_file");
    }
}

FileSink::~FileSink() {
    if (fd_ >= 0) ::close(fd_);
}

void FileSink::WriteAt(std::uint64_t offset, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
        if (n < 0) {
            const int error = errno;
            if (error == EINTR) continue;
            throw core::LocalFileError(ErrorCode::kInternal,
                                       SystemMessage("cannot write a local file", error), error);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
}

std::size_t FileSink::ReadAt(std::uint64_t offset, char* buffer, std::size_t size) {
    return PreadSome(fd_, offset, buffer, size);
}

void FileSink::Finish(std::uint64_t end_offset) {
    if (::ftruncate(fd_, static_cast<off_t>(end_offset)) != 0) {
        const int error = errno;
        throw core::LocalFileError(ErrorCode::kInternal,
                                   SystemMessage("cannot write a local file", error), error);
    }
}

void FileSink::Sync() {
    if (::fsync(fd_) != 0) {
        const int error = errno;
        throw core::LocalFileError(ErrorCode::kInternal,
                                   SystemMessage("cannot flush a local file", error), error);
    }
}

OrderedSink::OrderedSink(BodySink downstream, std::uint64_t start_offset, std::size_t max_buffered)
    : downstream_(std::move(downstream)), max_buffered_(max_buffered), next_(start_offset) {}

std::uint64_t OrderedSink::next_offset() const {
    const std::lock_guard lock(mutex_);
    return next_;
}

std::size_t OrderedSink::buffered() const {
    const std::lock_guard lock(mutex_);
    return buffered_;
}

void OrderedSink::WriteAt(std::uint64_t offset, std::string_view bytes) {
    WriteOwned(offset, std::string(bytes));
}

void OrderedSink::WriteOwned(std::uint64_t offset, std::string bytes) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] {
        return failed_ || offset == next_ || buffered_ + bytes.size() <= max_buffered_;
    });
    if (failed_) throw Error(ErrorCode::kInternal, "the download's destination failed");
    if (offset != next_ || delivering_) {
        buffered_ += bytes.size();
        held_.emplace(offset, std::move(bytes));
        return;
    }
    delivering_ = true;
    std::string piece = std::move(bytes);
    for (;;) {
        lock.unlock();
        try {
            if (!piece.empty()) downstream_(piece);
        } catch (...) {
            lock.lock();
            failed_ = true;
            delivering_ = false;
            changed_.notify_all();
            throw;
        }
        lock.lock();
        next_ += piece.size();
        auto it = held_.find(next_);
        if (it == held_.end() || (piece.empty() && it->second.empty())) break;
        piece = std::move(it->second);
        buffered_ -= piece.size();
        held_.erase(it);
        changed_.notify_all();
    }
    delivering_ = false;
    changed_.notify_all();
}

void OrderedSink::Finish(std::uint64_t end_offset) {
    const std::lock_guard lock(mutex_);
    if (next_ != end_offset || !held_.empty()) {
        throw Error(ErrorCode::kInternal, "a download ended with pieces missing",
                    "download_incomplete");
    }
}

// --- Transfers --------------------------------------------------------------------------------

Transfer::Transfer(TransferPool& pool, TransferOptions options)
    : pool_(pool), options_(std::move(options)) {
    if (options_.concurrency == 0) options_.concurrency = AutoConcurrency();
}

std::size_t Transfer::InFlight(std::uint64_t block_size) const {
    const std::uint64_t by_memory = options_.memory_limit / std::max<std::uint64_t>(1, block_size);
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(by_memory, 1, options_.concurrency));
}

void Transfer::Progress(std::uint64_t bytes) const {
    if (options_.on_progress && bytes > 0) options_.on_progress(bytes);
}

namespace {

// A source of known size that gave more or fewer bytes than announced.
Error SourceChanged() {
    return Error(ErrorCode::kInternal, "a local file changed size while being read",
                 "source_changed");
}

}  // namespace

TransferResult Transfer::Upload(const BlobClient& client, std::string_view container,
                                std::string_view blob, UploadSource& source,
                                const UploadOptions& upload) const {
    const CallOptions& call = options_.call;
    const std::optional<std::uint64_t> known = source.size();
    const BlockPlan plan = PlanBlocks(known, options_.block_size);

    // Small enough for one request? With an unknown size, read up to the threshold and see.
    std::string head;
    if (!known || *known <= options_.single_shot_threshold) {
        const std::uint64_t want = known ? *known : options_.single_shot_threshold + 1;
        head.resize(want);
        head.resize(ReadFull(source, head.data(), head.size()));
        if (head.size() <= options_.single_shot_threshold) {
            if (known && head.size() != *known) {
                throw SourceChanged();
            }
            PutBlobOptions put;
            put.headers = upload.headers;
            put.metadata = upload.metadata;
            put.conditions = upload.conditions;
            // One request: the transactional MD5 is the whole blob's, so it is stored too.
            std::string md5;
            if (options_.compute_md5 || options_.transactional_md5) md5 = Md5Base64(head);
            if (!md5.empty()) put.headers.content_md5 = md5;
            if (options_.transactional_md5) put.transactional_md5 = md5;
            const UploadResult result =
                client.PutBlob(container, blob, RequestBody::FromBytes(head), put, call);
            Progress(head.size());
            return ResultOf(result, head.size(), md5);
        }
    }

    if (known && source.random_access()) {
        return UploadInPlace(client, container, blob, source, upload, plan, *known);
    }

    const std::uint64_t block_size = plan.block_size;
    const std::size_t in_flight = InFlight(block_size);
    const std::string upload_id = NewUploadId();
    BufferPool buffers(block_size);
    TaskGroup group(pool_, in_flight);
    // With both digests, each block is hashed here for both in one pass of two SIMD lanes
    // (about 40% less CPU than two passes); with one, the block MD5s run in the workers and
    // the whole blob's here, in order.
    const bool both_md5 = options_.transactional_md5 && options_.compute_md5;
    crypto::Md5Hasher whole;
    crypto::Md5State whole_lane;
    std::vector<std::string> ids;
    std::uint64_t total = 0;
    std::size_t head_used = 0;

    for (std::uint64_t index = 0;; ++index) {
        if (index >= kMaxBlocks) {
            throw Error(ErrorCode::kInvalidArgument,
                        "the source needs more than 50000 blocks: use a larger block size",
                        "blob_too_large");
        }
        std::shared_ptr<std::string> buffer = buffers.Take();
        std::size_t n = 0;
        if (head_used < head.size()) {  // bytes read while deciding on a single request
            n = std::min<std::size_t>(block_size, head.size() - head_used);
            std::memcpy(buffer->data(), head.data() + head_used, n);
            head_used += n;
            if (head_used == head.size()) std::string().swap(head);
        }
        n += ReadFull(source, buffer->data() + n, block_size - n);
        if (n == 0 && index > 0) break;
        std::string id = MakeBlockId(upload_id, index);
        ids.push_back(id);
        const std::string_view bytes(buffer->data(), n);
        std::string block_md5;
        if (both_md5) {
            crypto::Md5State block_lane;
            const std::array<crypto::Md5State*, 2> lanes{&block_lane, &whole_lane};
            const std::array<std::string_view, 2> views{bytes, bytes};
            crypto::Md5UpdateLanes(lanes, views);
            block_md5 = crypto::Base64Encode(block_lane.Finish());
        }
        auto stage = [&, buffer, bytes, id = std::move(id), md5 = std::move(block_md5)]() mutable {
            if (options_.transactional_md5 && md5.empty()) md5 = Md5Base64(bytes);
            client.PutBlock(container, blob, id, RequestBody::FromBytes(bytes), md5, call);
            Progress(bytes.size());
            buffers.Give(std::move(buffer));
        };
        if (!group.Submit(std::move(stage))) break;
        // Hashed here, in order, while the block travels.
        if (options_.compute_md5 && !both_md5) whole.Update(bytes);
        total += n;
        if (n < block_size) break;
    }
    group.Wait();
    if (known && total != *known) {
        throw SourceChanged();
    }

    PutBlockListOptions commit;
    commit.headers = upload.headers;
    commit.metadata = upload.metadata;
    commit.conditions = upload.conditions;
    if (options_.compute_md5) {
        commit.headers.content_md5 =
            crypto::Base64Encode(both_md5 ? whole_lane.Finish() : whole.Finish());
    }
    return CommitBlocks(client, container, blob, ids, commit, total, call);
}

namespace {

// Bytes of one block a hashing window holds: small enough that the windows of all the lanes
// stay in the CPU's cache between the read and the hash.
constexpr std::size_t kHashWindow = 128U << 10U;
// Blocks hashed at once, one per SIMD lane (crypto::Md5UpdateLanes).
constexpr std::size_t kHashLanes = 8;

// Reads exactly `size` bytes at `offset`, or throws: a random-access source that comes back
// short has shrunk since its size was taken.
void ReadAtFull(UploadSource& source, std::uint64_t offset, char* buffer, std::size_t size) {
    while (size > 0) {
        const std::size_t n = source.ReadAt(offset, buffer, size);
        if (n == 0) throw SourceChanged();
        offset += n;
        buffer += n;
        size -= n;
    }
}

// One block of a random-access source as a request body, read where it lies as the request
// goes out (no copy of the block is held); rewound for a retry.
class BlockStream final : public BodyStream {
 public:
    BlockStream(UploadSource& source, std::uint64_t offset, std::uint64_t length)
        : source_(source), offset_(offset), length_(length) {}
    std::size_t Read(char* buffer, std::size_t size) override {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, length_ - done_));
        if (want == 0) return 0;
        const std::size_t n = source_.ReadAt(offset_ + done_, buffer, want);
        if (n == 0) throw SourceChanged();
        done_ += n;
        return n;
    }
    bool Rewind() override {
        done_ = 0;
        return true;
    }

 private:
    UploadSource& source_;
    std::uint64_t offset_;
    std::uint64_t length_;
    std::uint64_t done_ = 0;
};

}  // namespace

// Blocks of a source that can be read at any offset: the calling thread hashes groups of blocks
// (several in SIMD lanes at once), reading small windows of each, then queues their Put Block
// requests, which read their bytes again as they send them. Memory stays at a few windows
// whatever the block size, and each byte is copied once per pass, into a buffer that is hot in
// the cache.
TransferResult Transfer::UploadInPlace(const BlobClient& client, std::string_view container,
                                       std::string_view blob, UploadSource& source,
                                       const UploadOptions& upload, const BlockPlan& plan,
                                       std::uint64_t size) const {
    const CallOptions& call = options_.call;
    const std::uint64_t block_size = plan.block_size;
    const std::uint64_t count = plan.block_count;
    const bool block_md5 = options_.transactional_md5;
    const bool whole_md5 = options_.compute_md5;
    // The whole blob's MD5 must see the blocks in order, so with it each group is one block
    // (hashed for both digests in one pass of two lanes).
    const std::size_t group_size = block_md5 && !whole_md5 ? kHashLanes : 1;
    const std::string upload_id = NewUploadId();
    std::vector<std::string> ids;
    ids.reserve(count);
    for (std::uint64_t index = 0; index < count; ++index) {
        ids.push_back(MakeBlockId(upload_id, index));
    }
    std::string window;
    if (block_md5 || whole_md5) window.resize(group_size * kHashWindow);
    crypto::Md5State whole;
    const std::size_t in_flight = static_cast<std::size_t>(
        std::clamp<std::uint64_t>(count, 1, std::max<std::size_t>(1, options_.concurrency)));
    TaskGroup group(pool_, in_flight);
    for (std::uint64_t first = 0; first < count && !group.failed(); first += group_size) {
        const std::uint64_t last = std::min<std::uint64_t>(count, first + group_size);
        std::vector<crypto::Md5State> states(block_md5 ? last - first : 0);
        if (block_md5 || whole_md5) {
            std::vector<crypto::Md5State*> lanes;
            for (auto& state : states) lanes.push_back(&state);
            if (whole_md5) lanes.push_back(&whole);
            std::vector<std::string_view> read;
            std::vector<std::string_view> views;
            for (std::uint64_t at = 0; at < block_size; at += kHashWindow) {
                read.clear();
                for (std::uint64_t index = first; index < last; ++index) {
                    const std::uint64_t offset = index * block_size + at;
                    const std::uint64_t end = std::min(size, (index + 1) * block_size);
                    const auto want = static_cast<std::size_t>(
                        offset < end ? std::min<std::uint64_t>(kHashWindow, end - offset) : 0);
                    char* buffer = window.data() + (index - first) * kHashWindow;
                    ReadAtFull(source, offset, buffer, want);
                    read.emplace_back(buffer, want);
                }
                views.clear();
                if (block_md5) views = read;
                if (whole_md5) views.push_back(read.front());  // a group of one block
                crypto::Md5UpdateLanes(lanes, views);
            }
        }
        for (std::uint64_t index = first; index < last; ++index) {
            const std::uint64_t offset = index * block_size;
            const std::uint64_t length = std::min(block_size, size - offset);
            std::string md5;
            if (block_md5) md5 = crypto::Base64Encode(states[index - first].Finish());
            auto stage = [&, offset, length, id = ids[index], md5 = std::move(md5)] {
                BlockStream body(source, offset, length);
                client.PutBlock(container, blob, id, RequestBody::FromStream(body, length), md5,
                                call);
                Progress(length);
            };
            if (!group.Submit(std::move(stage))) break;
        }
    }
    group.Wait();
    source.CheckUnchanged();

    PutBlockListOptions commit;
    commit.headers = upload.headers;
    commit.metadata = upload.metadata;
    commit.conditions = upload.conditions;
    if (whole_md5) commit.headers.content_md5 = crypto::Base64Encode(whole.Finish());
    return CommitBlocks(client, container, blob, ids, commit, size, call);
}

namespace {

// What the calling thread of a download waits for before it asks for the other ranges: the
// first range's answer headers (the blob's size, ETag and MD5), which arrive before its body,
// or that range's end (a failure, or an answer streamed without headers first).
class HeadNews {
 public:
    void Started() {
        const std::lock_guard lock(mutex_);
        started_ = true;
    }
    void Announce(const BlobProperties& properties) {
        const std::lock_guard lock(mutex_);
        if (!properties_) properties_ = properties;
        changed_.notify_all();
    }
    void Ended() {
        const std::lock_guard lock(mutex_);
        ended_ = true;
        changed_.notify_all();
    }
    // The properties, or none when the range ended without them. Helps the pool while the
    // range has not started: the caller may be one of its workers, and the range queued behind
    // work that waits for it.
    std::optional<BlobProperties> Wait(TransferPool& pool) {
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                if (changed_.wait_for(lock, std::chrono::milliseconds(1),
                                      [&] { return properties_ || ended_; })) {
                    return properties_;
                }
                if (started_) continue;
            }
            pool.RunOne();
        }
    }

 private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<BlobProperties> properties_;
    bool started_ = false;
    bool ended_ = false;
};

}  // namespace

TransferResult Transfer::Download(const BlobClient& client, std::string_view container,
                                  std::string_view blob, DownloadSink& sink,
                                  const DownloadOptions& download) const {
    const CallOptions& call = options_.call;
    const std::uint64_t block_size = PlanBlocks(std::nullopt, options_.block_size).block_size;
    const std::uint64_t start = download.offset;
    const bool random = sink.random_access();
    // A download resumed into a file is checked too: the bytes already there are read back
    // and hashed first (so a file that does not hold the blob's start fails the check).
    const bool resumed = start > 0;
    const bool may_verify = options_.compute_md5 && (!resumed || (random && sink.readable()));
    // How the ranges travel: a file takes them as they arrive (read back to be hashed); other
    // sinks get them whole, in order, through an OrderedSink (the first range streams through
    // it as it arrives: it is always next in line).
    const bool direct = random && (!may_verify || sink.readable());
    crypto::Md5Hasher hasher;
    // Outlives the tasks below: its destructor makes the last report once they have ended.
    PrefixTracker prefix(download.on_prefix, start);

    // Set from the first range's answer headers, before any range but the first is asked for.
    std::uint64_t end = 0;
    bool verify = false;
    std::string etag;
    ReadBackHasher read_back(sink, hasher, resumed ? 0 : start);
    std::uint64_t delivered = start;
    const std::uint64_t head_end = start + block_size;  // or the blob's end, if sooner
    OrderedSink in_order(
        [&](std::string_view bytes) {
            if (verify) hasher.Update(bytes);
            if (!random) {
                sink.WriteAt(delivered, bytes);
                // The first range reports itself, once (it streams through here in pieces).
                if (delivered >= head_end) prefix.Done(delivered, delivered + bytes.size());
            }
            delivered += bytes.size();
        },
        start, static_cast<std::size_t>(options_.memory_limit + block_size));

    HeadNews news;
    // The first range is pinned to `download.if_match` (if any) and tells the blob's
    // properties as soon as its headers arrive; the others are pinned to its ETag.
    auto fetch = [&](std::uint64_t offset, std::uint64_t asked) {
        const bool head = offset == start;
        GetBlobOptions range;
        range.offset = offset;
        range.length = asked;
        range.conditions.if_match = head ? download.if_match : etag;
        bool told = !head;
        if (head) {
            // On this thread, before the body: what every range's writes depend on is set
            // before any is made (the other ranges are asked for after the announcement).
            range.on_properties = [&](const BlobProperties& p) {
                etag = p.etag;
                end = p.content_length;
                verify = may_verify && !p.content_md5.empty();
                told = true;
                news.Announce(p);
            };
        }
        // The bytes expected: the first range's request was sized before the blob's size was
        // known; its body arrives after its headers, which told it.
        const auto length = [&] {
            return head ? std::min(asked, end > start ? end - start : 0) : asked;
        };
        if (direct || head) {
            std::uint64_t at = offset;
            try {
                GetPinned(
                    client, container, blob,
                    [&](std::string_view bytes) {
                        if (!told) {
                            throw Error(ErrorCode::kInternal,
                                        "a range's body arrived before its headers",
                                        "download_incomplete");
                        }
                        if (random) sink.WriteAt(at, bytes);
                        if (!direct) in_order.WriteAt(at, bytes);
                        at += bytes.size();
                        if (direct && verify) read_back.Written(offset, length(), at - offset);
                    },
                    range, call);
            } catch (...) {
                prefix.Done(offset, at);  // what arrived before the break is in the sink
                throw;
            }
            if (at != offset + length()) {
                throw Error(ErrorCode::kInternal, "a ranged read came back short",
                            "download_incomplete");
            }
            prefix.Done(offset, at);
            Progress(at - offset);
            return;
        }
        std::string piece;
        piece.reserve(asked);
        GetPinned(
            client, container, blob, [&](std::string_view bytes) { piece.append(bytes); }, range,
            call);
        if (piece.size() != asked) {
            throw Error(ErrorCode::kInternal, "a ranged read came back short",
                        "download_incomplete");
        }
        if (random) {
            sink.WriteAt(offset, piece);
            prefix.Done(offset, offset + asked);
        }
        in_order.WriteOwned(offset, std::move(piece));
        Progress(asked);
    };

    std::optional<BlobProperties> answer;
    std::exception_ptr past_end;  // the first range's 416
    {
        // Ranges written straight to the sink hold no memory, so only the concurrency bounds
        // them; ranges that may wait for their turn are bounded by the memory limit.
        const std::size_t in_flight =
            direct ? std::max<std::size_t>(1, options_.concurrency) : InFlight(block_size);
        TaskGroup group(pool_, in_flight);
        auto first = [&] {
            news.Started();
            try {
                fetch(start, block_size);
            } catch (...) {
                news.Ended();
                throw;
            }
            news.Ended();
        };
        group.Submit(first);
        // The other ranges start as soon as the first one's headers say how many there are,
        // while its body is still on the way (asking for the size first would cost a request
        // per blob, and waiting for the whole first range holds the others back).
        answer = news.Wait(pool_);
        if (!answer) {
            try {
                group.Wait();
            } catch (const StorageError& error) {
                if (error.status() != 416) throw;
                past_end = std::current_exception();
            }
            if (!past_end) {
                throw Error(ErrorCode::kInternal, "a blob's answer came without its properties",
                            "download_incomplete");
            }
        } else {
            const BlobProperties& properties = *answer;
            // The service checked If-Match; this catches an answer that ignored it.
            if (!download.if_match.empty() && properties.etag != download.if_match) {
                throw BlobChanged();
            }
            if (verify && resumed) read_back.Written(0, start, start);
            if (download.on_properties) download.on_properties(properties);
            std::uint64_t offset = std::min(end, head_end);
            if (direct && verify) {
                // The calling thread hashes between submissions, and sleeps only when it can
                // neither hash nor submit.
                for (;;) {
                    const std::uint64_t seen = group.finished();
                    bool busy = read_back.HashSome();
                    while (offset < end) {
                        const std::uint64_t length = std::min(block_size, end - offset);
                        auto task = [&fetch, offset, length] { fetch(offset, length); };
                        if (!group.TrySubmit(task)) break;
                        offset += length;
                        busy = true;
                    }
                    if (group.failed() || call.stop.stop_requested()) break;
                    if (offset >= end && read_back.next() >= end) break;
                    // Woken by a finished range, or soon after, to follow the head range.
                    if (!busy) group.WaitPast(seen, std::chrono::milliseconds(2));
                }
            } else {
                for (; offset < end; offset += block_size) {
                    const std::uint64_t length = std::min(block_size, end - offset);
                    auto task = [&fetch, offset, length] { fetch(offset, length); };
                    if (!group.Submit(task)) break;
                }
            }
        }
        group.Wait();
    }
    if (!answer) {
        // 416: an empty blob, or an offset at (or past) the end: nothing left to read.
        const BlobProperties properties = client.GetBlobProperties(container, blob, call);
        if (!download.if_match.empty() && properties.etag != download.if_match) {
            throw BlobChanged();
        }
        if (start > properties.content_length) std::rethrow_exception(past_end);
        answer = properties;
        end = properties.content_length;
        verify = may_verify && !properties.content_md5.empty();
        if (download.on_properties) download.on_properties(properties);
        if (verify && resumed) {
            read_back.Written(0, start, start);
            while (read_back.HashSome()) {
                if (call.stop.stop_requested()) throw StorageError::Cancelled("GetBlob");
            }
        }
    }
    const BlobProperties& properties = *answer;
    if (!direct) in_order.Finish(end);
    if (direct && verify && read_back.next() != end) {
        if (call.stop.stop_requested()) throw StorageError::Cancelled("GetBlob");
        throw Error(ErrorCode::kInternal, "a download ended with pieces missing",
                    "download_incomplete");
    }
    if (verify && crypto::Base64Encode(hasher.Finish()) != properties.content_md5) {
        throw Error(ErrorCode::kInternal, "the downloaded bytes do not match the blob's MD5",
                    "md5_mismatch");
    }
    sink.Finish(end);
    TransferResult result = ResultOf(properties);
    result.size = end - start;
    result.md5_verified = verify;
    return result;
}

TransferResult Transfer::Copy(const BlobClient& source, std::string_view source_container,
                              std::string_view source_blob, const BlobClient& destination,
                              std::string_view container, std::string_view blob) const {
    const CallOptions& call = options_.call;
    if (SameAccount(source, destination)) {
        try {
            SourceAccess access{source.BlobUrlOf(source_container, source_blob), {}};
            if (source.credential().type() == CredentialType::kSas) {
                access = AccessTo(source, source_container, source_blob, call);
            }
            TransferResult result =
                ResultOf(destination.CopyBlob(container, blob, access.url, {}, call));
            result.copy_method = "copy_blob";
            Progress(result.size);
            return result;
        } catch (const StorageError& error) {
            if (!NeedsStreamedCopy(error)) throw;
            const BlobProperties properties =
                source.GetBlobProperties(source_container, source_blob, call);
            return StreamedCopy(source, source_container, source_blob, properties, destination,
                                container, blob);
        }
    }

    const BlobProperties properties = source.GetBlobProperties(source_container, source_blob, call);
    const SourceAccess access = AccessTo(source, source_container, source_blob, call);
    const std::uint64_t size = properties.content_length;
    try {
        // Every request names the source's ETag: a source rewritten meanwhile fails the copy
        // (412) rather than leaving a blob made of two versions.
        if (size <= std::min(kMaxPutBlobFromUrlSize, options_.single_shot_copy_threshold)) {
            PutBlobFromUrlOptions put;
            put.headers = HeadersOf(properties);
            put.metadata = properties.metadata;
            put.source_authorization = access.authorization;
            put.source_if_match = properties.etag;
            TransferResult result =
                ResultOf(destination.PutBlobFromUrl(container, blob, access.url, put, call), size,
                         properties.content_md5);
            result.copy_method = "put_blob_from_url";
            Progress(size);
            return result;
        }
        const BlockPlan plan = PlanBlocks(size, options_.block_size);
        const std::string upload_id = NewUploadId();
        std::vector<std::string> ids;
        TaskGroup group(pool_, options_.concurrency);
        for (std::uint64_t index = 0; index < plan.block_count; ++index) {
            ids.push_back(MakeBlockId(upload_id, index));
            auto stage = [&, index, id = ids.back()] {
                PutBlockFromUrlOptions block;
                block.source_offset = index * plan.block_size;
                block.source_length = std::min(plan.block_size, size - block.source_offset);
                block.source_authorization = access.authorization;
                block.source_if_match = properties.etag;
                destination.PutBlockFromUrl(container, blob, id, access.url, block, call);
                Progress(*block.source_length);
            };
            if (!group.Submit(std::move(stage))) break;
        }
        group.Wait();
        PutBlockListOptions commit;
        commit.headers = HeadersOf(properties);
        commit.metadata = properties.metadata;
        TransferResult result = CommitBlocks(destination, container, blob, ids, commit, size, call);
        result.copy_method = "put_block_from_url";
        return result;
    } catch (const StorageError& error) {
        if (!NeedsStreamedCopy(error)) throw;
    }
    return StreamedCopy(source, source_container, source_blob, properties, destination, container,
                        blob);
}

TransferResult Transfer::StreamedCopy(const BlobClient& source, std::string_view source_container,
                                      std::string_view source_blob,
                                      const BlobProperties& properties,
                                      const BlobClient& destination, std::string_view container,
                                      std::string_view blob) const {
    const CallOptions& call = options_.call;
    const std::uint64_t size = properties.content_length;
    const std::string& etag = properties.etag;
    auto read_range = [&](std::uint64_t offset, std::uint64_t length) {
        std::string bytes;
        bytes.reserve(length);
        if (length == 0) return bytes;
        GetBlobOptions range;
        range.offset = offset;
        range.length = length;
        range.conditions.if_match = etag;
        source.GetBlob(
            source_container, source_blob, [&](std::string_view b) { bytes.append(b); }, range,
            call);
        if (bytes.size() != length) {
            throw Error(ErrorCode::kInternal, "a ranged read came back short",
                        "download_incomplete");
        }
        return bytes;
    };

    BlobHttpHeaders headers = HeadersOf(properties);
    if (size <= options_.single_shot_threshold) {
        const std::string bytes = read_range(0, size);
        PutBlobOptions put;
        put.headers = headers;
        put.metadata = properties.metadata;
        const std::string md5 = Md5Base64(bytes);
        if (!properties.content_md5.empty() && properties.content_md5 != md5) {
            throw Error(ErrorCode::kInternal, "the source's bytes do not match its MD5",
                        "md5_mismatch");
        }
        if (options_.transactional_md5) put.transactional_md5 = md5;
        if (put.headers.content_md5.empty() && options_.compute_md5) put.headers.content_md5 = md5;
        TransferResult result =
            ResultOf(destination.PutBlob(container, blob, RequestBody::FromBytes(bytes), put, call),
                     size, put.headers.content_md5);
        result.copy_method = "streamed";
        Progress(size);
        return result;
    }

    const BlockPlan plan = PlanBlocks(size, options_.block_size);
    const std::string upload_id = NewUploadId();
    std::vector<std::string> ids;
    TaskGroup group(pool_, InFlight(plan.block_size));
    for (std::uint64_t index = 0; index < plan.block_count; ++index) {
        ids.push_back(MakeBlockId(upload_id, index));
        auto stage = [&, index, id = ids.back()] {
            const std::uint64_t offset = index * plan.block_size;
            const std::string bytes = read_range(offset, std::min(plan.block_size, size - offset));
            const std::string md5 = options_.transactional_md5 ? Md5Base64(bytes) : std::string();
            destination.PutBlock(container, blob, id, RequestBody::FromBytes(bytes), md5, call);
            Progress(bytes.size());
        };
        if (!group.Submit(std::move(stage))) break;
    }
    group.Wait();
    PutBlockListOptions commit;
    commit.headers = headers;
    commit.metadata = properties.metadata;
    TransferResult result = CommitBlocks(destination, container, blob, ids, commit, size, call);
    result.copy_method = "streamed";
    return result;
}

}  // namespace cerulean::azure
