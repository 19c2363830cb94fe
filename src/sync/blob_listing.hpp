#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "azure/blob_client.hpp"
#include "azure/call_options.hpp"
#include "core/clock.hpp"
#include "sync/sync_entry.hpp"

namespace cerulean::sync {

/// The blob metadata in which sync keeps a file's modification time (RFC 3339, UTC, in
/// milliseconds), as rclone keeps "mtime": set by uploads and by copies, and compared on later
/// runs in place of Last-Modified (which is the time of the upload).
inline constexpr std::string_view kMtimeMetadataName = "cerulean_mtime";

/// The value stored under kMtimeMetadataName for `mtime`, e.g. "2026-11-26T03:27:38.123Z".
std::string FormatStoredMtime(core::UnixMillis mtime);

/// The modification time stored in `metadata` (kMtimeMetadataName, any case; RFC 3339 or Unix
/// milliseconds), or none when absent or malformed.
std::optional<core::UnixMillis> StoredMtime(const azure::Metadata& metadata);

/// The modification time a sync compares for a blob: the stored one, else Last-Modified.
std::optional<core::UnixMillis> EffectiveMtime(
    const azure::Metadata& metadata, const std::optional<core::UnixMillis>& last_modified);

/// The blobs below a prefix of a container as an EntryStream, fetched one page of List Blobs
/// (flat, with metadata) at a time, so that memory holds one page whatever the blob count.
/// List Blobs returns names in NameLess order, which the merge relies on and checks.
/// Entries are named below the prefix; folder markers (names ending in '/', or metadata
/// hdi_isfolder=true) are passed over.
class BlobListing final : public EntryStream {
 public:
    /// Lists `container` below `prefix` ("" or ending in '/') through `client` (which must
    /// outlive it), each page with `call`.
    BlobListing(const azure::BlobClient& client, std::string container, std::string prefix,
                azure::CallOptions call, int page_size = 0);

    /// The next blob. Throws core::Error ("listing_failed", or the StorageError's own reason
    /// such as "container_not_found" or "azure_auth_failed") when a page cannot be had.
    std::optional<SyncEntry> Next() override;

 private:
    const azure::BlobClient& client_;
    std::string container_;
    azure::ListBlobsOptions options_;
    azure::CallOptions call_;
    azure::BlobListPage page_;
    std::size_t next_ = 0;
    bool done_ = false;
};

}  // namespace cerulean::sync
