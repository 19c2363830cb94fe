#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "azure/blob_client.hpp"
#include "azure/call_options.hpp"
#include "azure/storage_error.hpp"
#include "azure/transfer_pool.hpp"

namespace cerulean::azure {

/// The most blocks one block blob may have.
inline constexpr std::uint64_t kMaxBlocks = 50'000;
/// The largest block Put Block accepts (4000 MiB).
inline constexpr std::uint64_t kMaxBlockSize = 4000ULL << 20U;
/// The block size used when none is given (larger for blobs that would need more blocks).
inline constexpr std::uint64_t kDefaultBlockSize = 8ULL << 20U;
/// The largest source Put Blob From URL copies in one request (5000 MiB).
inline constexpr std::uint64_t kMaxPutBlobFromUrlSize = 5000ULL << 20U;

/// Settings of uploads, downloads and copies.
struct TransferOptions {
    /// Bytes per block (and per ranged read); 0 picks kDefaultBlockSize, raised so that a blob
    /// needs at most kMaxBlocks blocks.
    std::uint64_t block_size = 0;
    /// Requests of one transfer in flight at once; 0: AutoConcurrency(). Also bounded by
    /// `memory_limit` / block size for transfers that buffer blocks.
    std::size_t concurrency = 0;
    /// Sources up to this size go up in one Put Blob request (and copies in one Put Blob From
    /// URL); larger ones in blocks.
    std::uint64_t single_shot_threshold = 32ULL << 20U;
    /// Copies across accounts up to this size go in one Put Blob From URL (the service moves
    /// the bytes, so one request is cheap); larger ones in Put Block From URL blocks. Capped at
    /// kMaxPutBlobFromUrlSize.
    std::uint64_t single_shot_copy_threshold = 256ULL << 20U;
    /// Buffers one transfer may hold (block size x requests in flight), about. Uploads from a
    /// random-access source (a file) and downloads into a file hold no blocks, and are bounded
    /// by `concurrency` alone.
    std::uint64_t memory_limit = 32ULL << 20U;
    /// Compute the whole blob's MD5 on upload (stored as its Content-MD5) and check it on a
    /// download from offset 0 when the service has one. One serial MD5 stream (about 1.5 s of
    /// one core per GiB here): it cannot be spread over cores.
    bool compute_md5 = true;
    /// Send a transactional Content-MD5 with every Put Blob and Put Block (checked by the
    /// service on arrival). Cheap: the blocks of a random-access source are hashed several at
    /// once in SIMD lanes. A Put Blob's MD5 is also stored as the blob's.
    bool transactional_md5 = true;
    /// Called with the number of bytes each finished piece moved (from worker threads).
    std::function<void(std::uint64_t bytes)> on_progress;
    /// Deadline and stop of every call the transfer makes.
    CallOptions call;
};

/// Requests in flight when none is asked for: enough to hide latency, few enough for a small
/// machine.
std::size_t AutoConcurrency();

/// How a blob of some size is cut into blocks.
struct BlockPlan {
    std::uint64_t block_size = 0;   ///< bytes per block (the last may be shorter)
    std::uint64_t block_count = 0;  ///< number of blocks (0 for an empty or unknown size)
};

/// The blocks of a blob of `size` bytes (none: unknown) with `requested` bytes per block (0:
/// the default). The block size is raised, to a whole MiB, when the blob would need more than
/// kMaxBlocks. Throws core::Error (kInvalidArgument) when the size cannot fit in a block blob.
BlockPlan PlanBlocks(std::optional<std::uint64_t> size, std::uint64_t requested);

/// Where an upload reads from: pulled sequentially by one thread.
class UploadSource {
 public:
    virtual ~UploadSource() = default;
    /// Copies up to `size` next bytes into `buffer`; returns how many, 0 at the end.
    virtual std::size_t Read(char* buffer, std::size_t size) = 0;
    /// The total size when known in advance.
    [[nodiscard]] virtual std::optional<std::uint64_t> size() const = 0;
    /// Whether ReadAt works (a file, bytes in memory). An upload then reads each block where it
    /// lies, once to hash it and again while sending it, and holds no block in memory.
    [[nodiscard]] virtual bool random_access() const { return false; }
    /// Copies up to `size` bytes at `offset` into `buffer`, from any thread; returns how many,
    /// 0 at the end. Only for random_access() sources.
    virtual std::size_t ReadAt(std::uint64_t offset, char* buffer, std::size_t size) {
        (void)offset, (void)buffer, (void)size;
        return 0;
    }
    /// Throws core::Error (kInternal, "source_changed") when the source is seen to have changed
    /// since it was opened (a random-access source is read twice). Called before the commit.
    virtual void CheckUnchanged() const {}
};

/// An UploadSource over a local file.
class FileSource final : public UploadSource {
 public:
    /// Opens `path`. Throws core::Error (kNotFound or kInvalidArgument) when it cannot.
    explicit FileSource(const std::filesystem::path& path);
    /// Takes over `fd`, a file already open for reading (e.g. opened with openat and
    /// O_NOFOLLOW by a caller that confines paths); `name` is for messages. Throws core::Error
    /// (kInvalidArgument), closing `fd`, when it is not a regular file.
    FileSource(int fd, std::string_view name);
    /// Closes the file.
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;
    /// Reads the next bytes. Throws core::Error (kInternal) on a read error.
    std::size_t Read(char* buffer, std::size_t size) override;
    /// The file's size when opened.
    [[nodiscard]] std::optional<std::uint64_t> size() const override { return size_; }
    /// True.
    [[nodiscard]] bool random_access() const override { return true; }
    /// pread at `offset`. Throws core::Error (kInternal) on a read error.
    std::size_t ReadAt(std::uint64_t offset, char* buffer, std::size_t size) override;
    /// Throws when the file's size or modification time differ from when it was opened.
    void CheckUnchanged() const override;

 private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::int64_t modified_ns_ = 0;
};

/// An UploadSource over bytes in memory (not owned).
class MemorySource final : public UploadSource {
 public:
    /// A source of `bytes`, which must outlive it.
    explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
    /// Copies the next bytes.
    std::size_t Read(char* buffer, std::size_t size) override;
    /// The length of the bytes.
    [[nodiscard]] std::optional<std::uint64_t> size() const override { return bytes_.size(); }
    /// True.
    [[nodiscard]] bool random_access() const override { return true; }
    /// Copies the bytes at `offset`.
    std::size_t ReadAt(std::uint64_t offset, char* buffer, std::size_t size) override;

 private:
    std::string_view bytes_;
    std::size_t position_ = 0;
};

/// Where a download writes: pieces at offsets, from several threads at once, each piece
/// covering a distinct range.
class DownloadSink {
 public:
    virtual ~DownloadSink() = default;
    /// Writes `bytes` at `offset`. Sinks that are not random_access() receive the pieces in
    /// offset order from one thread at a time.
    virtual void WriteAt(std::uint64_t offset, std::string_view bytes) = 0;
    /// Whether pieces may arrive in any order and concurrently (a file).
    [[nodiscard]] virtual bool random_access() const { return false; }
    /// Reads back up to `size` written bytes at `offset` (so that a download can hash a file
    /// in order without holding its pieces); 0 when the sink cannot.
    virtual std::size_t ReadAt(std::uint64_t offset, char* buffer, std::size_t size) {
        (void)offset, (void)buffer, (void)size;
        return 0;
    }
    /// Whether ReadAt works.
    [[nodiscard]] virtual bool readable() const { return false; }
    /// Called once after the last byte, with the offset just past it.
    virtual void Finish(std::uint64_t end_offset) { (void)end_offset; }
};

/// A DownloadSink into a local file, written with pwrite at the pieces' offsets.
class FileSink final : public DownloadSink {
 public:
    /// Creates (or, with `resume`, opens without truncating) `path`. Throws core::Error.
    explicit FileSink(const std::filesystem::path& path, bool resume = false);
    /// Takes over `fd`, a file already open for reading and writing (e.g. created with openat
    /// and O_NOFOLLOW by a caller that confines paths).
    explicit FileSink(int fd) : fd_(fd) {}
    /// Closes the file.
    ~FileSink() override;
    FileSink(const FileSink&) = delete;
    FileSink& operator=(const FileSink&) = delete;
    /// pwrite at `offset`. Throws core::Error (kInternal) on a write error.
    void WriteAt(std::uint64_t offset, std::string_view bytes) override;
    /// True.
    [[nodiscard]] bool random_access() const override { return true; }
    /// pread at `offset`.
    std::size_t ReadAt(std::uint64_t offset, char* buffer, std::size_t size) override;
    /// True.
    [[nodiscard]] bool readable() const override { return true; }
    /// Cuts the file at `end_offset` (a resumed file may have been longer).
    void Finish(std::uint64_t end_offset) override;
    /// Flushes the file's data and metadata to the disk (fsync), so that a file renamed into
    /// place afterwards survives a crash whole. Throws core::Error (kInternal) when it cannot.
    void Sync();

 private:
    int fd_ = -1;
};

/// A DownloadSink that takes pieces in any order from any thread and hands them to a
/// BodySink strictly in offset order, holding early pieces meanwhile. A writer whose early
/// piece would take the held bytes over `max_buffered` waits until its turn (the writer of the
/// next piece never waits), so memory stays bounded. An exception from the downstream sink
/// reaches the writer that delivered the piece, and every later writer.
class OrderedSink final : public DownloadSink {
 public:
    /// Delivers to `downstream` starting at `start_offset`.
    OrderedSink(BodySink downstream, std::uint64_t start_offset, std::size_t max_buffered);
    /// Copies `bytes` if it must wait; see WriteOwned.
    void WriteAt(std::uint64_t offset, std::string_view bytes) override;
    /// Delivers `bytes` now if `offset` is the next one (then any held pieces that follow),
    /// else holds it.
    void WriteOwned(std::uint64_t offset, std::string bytes);
    /// The offset of the next byte to deliver.
    [[nodiscard]] std::uint64_t next_offset() const;
    /// Bytes held, waiting for their turn.
    [[nodiscard]] std::size_t buffered() const;
    /// Throws core::Error (kInternal) when pieces are still held or missing before `end_offset`.
    void Finish(std::uint64_t end_offset) override;

 private:
    BodySink downstream_;
    std::size_t max_buffered_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::uint64_t, std::string> held_;
    std::size_t buffered_ = 0;
    std::uint64_t next_ = 0;
    bool delivering_ = false;
    bool failed_ = false;
};

/// What an upload stores with the blob.
struct UploadOptions {
    BlobHttpHeaders headers;      ///< content type etc.; content_md5 is computed when enabled
    Metadata metadata;            ///< user metadata
    AccessConditions conditions;  ///< e.g. if_none_match "*"
};

/// The outcome of an upload, download or copy.
struct TransferResult {
    std::uint64_t size = 0;                         ///< bytes of the blob (moved, for downloads)
    std::string etag;                               ///< the blob's ETag
    std::optional<core::UnixMillis> last_modified;  ///< the blob's Last-Modified
    std::string content_md5;                        ///< the blob's MD5, base64, or empty
    std::uint64_t blocks = 0;                       ///< blocks staged (0: one request)
    bool md5_verified = false;                      ///< a download checked the whole MD5
    /// How a copy was made: "copy_blob", "put_blob_from_url", "put_block_from_url",
    /// "streamed"; empty for uploads and downloads.
    std::string copy_method;
};

/// Download parameters.
struct DownloadOptions {
    /// The first byte to fetch (resuming a partial download); the whole blob's MD5 is checked
    /// only from 0, or from a readable sink (a file), whose first `offset` bytes are read back.
    std::uint64_t offset = 0;
    /// The ETag the blob must still have, sent as If-Match from the very first request (so that
    /// a resumed download continues only the blob its first bytes came from); empty: the
    /// download is pinned to the first answer's ETag. A blob that no longer has the ETag (or
    /// changes in the middle of a download) fails the download with core::Error
    /// (kFailedPrecondition, "blob_changed").
    std::string if_match;
    /// Called once, on the calling thread, with the blob's properties (ETag, size, MD5) as soon
    /// as the first range's answer headers have arrived (its body may be arriving meanwhile),
    /// before any other range is asked for. Not called when the first request fails.
    std::function<void(const BlobProperties& properties)> on_properties;
    /// Called whenever the completed prefix grows, with the offset below which every byte is in
    /// the sink: ranges finish out of order, and this is the contiguous part from the blob's
    /// start (a range that broke off counts up to where it broke). Values strictly increase and
    /// calls never overlap; they come from any thread (a pool worker or the caller's), under no
    /// lock of the engine, and a thread finding another one in the callback leaves the report to it
    /// (a slow callback holds up only the thread running it). Every call has returned when Download
    /// returns or throws, so the last value says how far a failed or cancelled download got: a
    /// download resumed there (`offset`) into the same file is complete. One call per finished
    /// range at most; must not throw.
    std::function<void(std::uint64_t prefix)> on_prefix;
};

/// Uploads, downloads and copies of whole blobs through one bounded pool: blocks in parallel,
/// memory bounded by block size x requests in flight. Thread-safe (the pool is shared; each call
/// has its own state), so many transfers may run at once on one pool.
class Transfer {
 public:
    /// Transfers on `pool` with `options`.
    Transfer(TransferPool& pool, TransferOptions options);

    /// The options, resolved (block size 0 stays 0: it depends on each blob's size).
    [[nodiscard]] const TransferOptions& options() const noexcept { return options_; }

    /// Uploads `source` as a block blob: one Put Blob up to the single-shot threshold, else
    /// Put Block in parallel then Put Block List. A failure leaves no new committed blob. The
    /// blocks of a random-access source (a file) are read where they lie, hashed several at
    /// once and read again as they are sent (memory does not grow with the block size); a
    /// source that changed meanwhile (UploadSource::CheckUnchanged) is not committed. Other
    /// sources are buffered, block size x requests in flight.
    TransferResult Upload(const BlobClient& client, std::string_view container,
                          std::string_view blob, UploadSource& source,
                          const UploadOptions& upload = {}) const;

    /// Downloads a blob (from `download.offset`) into `sink` with parallel ranged reads pinned
    /// to the first answer's ETag (or to `download.if_match`), then checks its MD5. Every range
    /// is asked for as soon as the first one's headers tell the blob's size, so they all travel
    /// at once from the start. Throws
    /// core::Error (kInternal, "md5_mismatch") when the bytes do not match the stored MD5,
    /// (kFailedPrecondition, "blob_changed") when the blob is not (or no longer) the one pinned,
    /// and StorageError ("cancelled") when the options' stop token asks to stop.
    TransferResult Download(const BlobClient& client, std::string_view container,
                            std::string_view blob, DownloadSink& sink,
                            const DownloadOptions& download = {}) const;

    /// Copies a blob, content type and metadata included: Copy Blob inside one account; Put
    /// Blob From URL or Put Block From URL across accounts (with a SAS generated from a source
    /// key, or a bearer token); a streamed copy through this process where the service cannot.
    TransferResult Copy(const BlobClient& source, std::string_view source_container,
                        std::string_view source_blob, const BlobClient& destination,
                        std::string_view container, std::string_view blob) const;

 private:
    TransferResult StreamedCopy(const BlobClient& source, std::string_view source_container,
                                std::string_view source_blob, const BlobProperties& properties,
                                const BlobClient& destination, std::string_view container,
                                std::string_view blob) const;
    TransferResult UploadInPlace(const BlobClient& client, std::string_view container,
                                 std::string_view blob, UploadSource& source,
                                 const UploadOptions& upload, const BlockPlan& plan,
                                 std::uint64_t size) const;
    [[nodiscard]] std::size_t InFlight(std::uint64_t block_size) const;
    void Progress(std::uint64_t bytes) const;

    TransferPool& pool_;
    TransferOptions options_;
};

/// Whether a copy failure means the service cannot copy from that source (then a streamed copy
/// is the way): 501 APINotImplemented, CannotVerifyCopySource, and the like.
bool NeedsStreamedCopy(const StorageError& error);

}  // namespace cerulean::azure
