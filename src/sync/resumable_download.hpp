#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "azure/blob_client.hpp"
#include "azure/transfer.hpp"
#include "azure/transfer_pool.hpp"
#include "core/clock.hpp"
#include "sync/local_folder.hpp"
#include "sync/range_record.hpp"

namespace cerulean::sync {

/// The blob a ResumableDownload fetches, as listed.
struct ResumableSource {
    const azure::BlobClient* client = nullptr;  ///< the account; not owned
    std::string container;                      ///< the container
    std::string blob;                           ///< the blob's full name
    std::string etag;                           ///< the listed ETag (empty: unknown)
    std::uint64_t size = 0;                     ///< the listed size
};

/// A download of a large blob into its TemporaryFile that a stop or a failure does not waste.
/// As blocks arrive, the ranges in the file are saved in a RangeRecord beside it (RecordNameFor;
/// the file is fsynced first, so that the record never claims bytes a crash could lose), at
/// most every `save_interval`, and once more when the download stops or fails: the file and
/// its record are then kept. A later download of the same path whose blob still has the
/// recorded URL, ETag and size fetches only the missing ranges, pinned to that ETag, and checks
/// the whole file's MD5 (when the blob has one) before it is renamed into place. A leftover of
/// another blob or version, or a record that cannot be read, is discarded and the download
/// starts afresh; so is a download that finds the blob changed (or gone, or not matching its
/// MD5): those bytes are worth nothing. Used by one thread (its fetches run on the pool).
class ResumableDownload {
 public:
    /// Prepares a download of `source` into TemporaryNameFor(`name`) in the folder `dir`,
    /// continuing or discarding a leftover found there. Throws core::Error as TemporaryFile.
    ResumableDownload(UniqueFd dir, std::string name, ResumableSource source,
                      std::chrono::milliseconds save_interval);
    /// Removes the temporary file and its record, unless committed or kept.
    ~ResumableDownload();
    ResumableDownload(const ResumableDownload&) = delete;
    ResumableDownload& operator=(const ResumableDownload&) = delete;

    /// Whether a leftover temporary file or record was there (continued or discarded).
    [[nodiscard]] bool found_leftover() const noexcept { return found_leftover_; }
    /// Bytes already in the file that are not fetched again (0 for a fresh download).
    [[nodiscard]] std::uint64_t reused_bytes() const noexcept { return reused_; }

    /// Fetches what the file lacks through `transfer` (blocks in parallel on `pool`), checking
    /// the whole file as azure::Transfer::Download does; `download.on_properties` is called as
    /// it says. When a continued download finds the blob changed, it starts afresh once. Throws
    /// what the transfer throws, having kept the file and its record (a stop, a failure) or
    /// removed them (the blob changed or is gone, the MD5 does not match).
    azure::TransferResult Run(const azure::Transfer& transfer, azure::TransferPool& pool,
                              azure::DownloadOptions download);
    /// Gives the complete file `mtime` (when known), flushes it, renames it into place and
    /// removes its record. Throws core::Error ("local_file") when it cannot.
    void Commit(std::optional<core::UnixMillis> mtime);

 private:
    class RecordingSink;

    void StartAfresh();
    azure::TransferResult Continue(const azure::Transfer& transfer, azure::TransferPool& pool,
                                   azure::DownloadOptions download);
    void FetchRange(const azure::Transfer& transfer, std::uint64_t offset, std::uint64_t length);
    void KeepForLater();

    ResumableSource source_;
    std::string url_;
    std::optional<TemporaryFile> file_;
    std::string record_name_;
    std::unique_ptr<RecordingSink> sink_;
    bool found_leftover_ = false;
    bool resuming_ = false;
    bool settled_ = false;  // committed, or kept for later: the record stays as it is
    std::uint64_t reused_ = 0;
    std::string etag_;  // the version the file holds bytes of (continued downloads)
};

}  // namespace cerulean::sync
