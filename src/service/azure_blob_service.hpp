#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "azure/blob_client.hpp"
#include "azure/transfer.hpp"
#include "azure/transfer_pool.hpp"
#include "core/clock.hpp"
#include "service/connection_service.hpp"

namespace cerulean::service {

/// Limits of the blob use cases.
struct AzureBlobServiceOptions {
    /// One listing, create, delete, ...: within the 30 s a request may take (API.md), so a
    /// silent endpoint answers 504 azure_timeout before the client gives up.
    std::chrono::milliseconds call_timeout{25'000};
    std::chrono::hours copy_timeout{24};        ///< a whole copy (server-side or streamed)
    std::uint64_t copy_block_size = 4U << 20U;  ///< the buffer of a streamed copy
    std::chrono::seconds max_sas_lifetime{7 * 24 * 3600};  ///< longest SAS a user may ask for
    std::chrono::hours upload_timeout{24};           ///< a whole upload (the client's pace sets it)
    std::uint64_t upload_block_size = 4U << 20U;     ///< bytes per staged block
    std::uint64_t upload_single_shot = 4U << 20U;    ///< up to this, one Put Blob
    std::uint64_t upload_memory_limit = 16U << 20U;  ///< block buffers of one upload, about
    std::size_t upload_threads = 8;  ///< the transfer pool's threads, shared by all uploads
};

/// A user's connection, opened for storage calls: its client and its default container.
struct BlobTarget {
    std::int64_t user_id = 0;                         ///< whose connection it is
    std::int64_t connection_id = 0;                   ///< the connection
    std::shared_ptr<const azure::BlobClient> client;  ///< the client its credentials make
    std::optional<std::string> container_name;        ///< the connection's default container
    /// Sent to Azure as `x-ms-client-request-id` on the calls made for this target (the HTTP
    /// request's id); empty: a fresh id per call.
    std::string client_request_id;

    /// `container` when given and non-empty, else the default; 422 "container_required".
    [[nodiscard]] std::string ContainerOr(const std::optional<std::string>& container) const;
};

/// A listing request of containers or blobs.
struct ListQuery {
    std::string prefix;     ///< only names starting with it
    std::string delimiter;  ///< blobs only: "/" for a virtual-folder view
    std::string marker;     ///< the previous page's next_marker
    int limit = 1000;       ///< 1..5000
};

/// Content headers to change on a blob: each given one replaces the stored value ("" clears
/// it); those not given are kept.
struct BlobHeadersChange {
    std::optional<std::string> content_type;         ///< e.g. "text/csv"
    std::optional<std::string> cache_control;        ///< `Cache-Control`
    std::optional<std::string> content_disposition;  ///< `Content-Disposition`
    std::optional<std::string> content_encoding;     ///< e.g. "gzip"
    std::optional<std::string> content_language;     ///< e.g. "en-GB"
};

/// How a copy was made.
enum class CopyMode {
    kServerSide,  ///< inside Azure: Copy Blob, or Put Blob/Block From URL across accounts
    kStreamed,    ///< read from the source and written block by block through this server
};

/// The outcome of a copy.
struct CopyOutcome {
    CopyMode mode = CopyMode::kServerSide;  ///< how
    azure::BlobProperties properties;       ///< the destination's properties afterwards
};

/// A SAS link.
struct SasLink {
    std::string url;              ///< the blob (or container) URL with the SAS query
    core::UnixMillis expires_at;  ///< when it stops working
};

/// The "Containers and blobs" use cases over a user's stored connections. Open() reads the
/// database (run it on the database pool); every other call goes to Azure and blocks on the
/// network (run it on the storage pool). Azure failures surface as azure::StorageError.
class AzureBlobService {
 public:
    /// A service over `connections`.
    explicit AzureBlobService(std::shared_ptr<ConnectionService> connections,
                              AzureBlobServiceOptions options = {});

    /// The user's connection `connection_id` ready for storage calls (404
    /// "connection_not_found" for another user's, 409 "connection_inactive").
    BlobTarget Open(std::int64_t user_id, std::int64_t connection_id) const;

    /// One page of containers.
    azure::ContainerListPage ListContainers(const BlobTarget& target, const ListQuery& query) const;
    /// Creates a container (`public_access` empty, "blob" or "container"; 409 "container_exists").
    void CreateContainer(const BlobTarget& target, std::string_view name,
                         std::string_view public_access) const;
    /// Deletes a container.
    void DeleteContainer(const BlobTarget& target, std::string_view name) const;
    /// One page of blobs, flat or (with a delimiter) with virtual folders.
    azure::BlobListPage ListBlobs(const BlobTarget& target, std::string_view container,
                                  const ListQuery& query) const;
    /// A blob's properties and metadata.
    azure::BlobProperties Properties(const BlobTarget& target, std::string_view container,
                                     std::string_view name) const;
    /// Replaces a blob's metadata (names must be C# identifiers, values ASCII; 422 otherwise).
    void SetMetadata(const BlobTarget& target, std::string_view container, std::string_view name,
                     const azure::Metadata& metadata) const;
    /// Changes a blob's content headers, keeping the others and its Content-MD5, on the
    /// condition that the blob is still the version just read (409 "blob_changed" otherwise).
    /// Returns the properties afterwards.
    azure::BlobProperties SetHeaders(const BlobTarget& target, std::string_view container,
                                     std::string_view name, const BlobHeadersChange& change) const;
    /// Deletes a blob (404 "blob_not_found").
    void DeleteBlob(const BlobTarget& target, std::string_view container,
                    std::string_view name) const;
    /// Streams a blob (or a range) into `sink`; stops when `call.stop` is requested.
    azure::DownloadResult Download(const BlobTarget& target, std::string_view container,
                                   std::string_view name, const azure::GetBlobOptions& options,
                                   const azure::BodySink& sink,
                                   const azure::CallOptions& call) const;
    /// Copies a blob, inside Azure when the destination can read the source (same account, or
    /// a source credential that can sign a read SAS), else (or when the service cannot read the
    /// source) streamed through this server in blocks of `copy_block_size` with Put Block and
    /// Put Block List: memory bounded by one block, whatever the blob's size.
    CopyOutcome Copy(const BlobTarget& source, std::string_view source_container,
                     std::string_view source_name, const BlobTarget& destination,
                     std::string_view container, std::string_view name) const;
    /// Uploads `source` as the block blob `name` with `content_type`: one Put Blob up to
    /// `upload_single_shot` bytes, else blocks staged in parallel on the service's transfer pool
    /// (memory about `upload_memory_limit`, whatever the size; an unknown size is fine). A
    /// failure, of Azure or of the source (Read throwing), commits nothing. Returns the new
    /// blob's properties. Without `overwrite`, an existing blob is never replaced: 409
    /// "blob_exists", decided atomically when the blob is committed.
    azure::BlobProperties Upload(const BlobTarget& target, std::string_view container,
                                 std::string_view name, azure::UploadSource& source,
                                 std::string_view content_type, bool overwrite = true) const;
    /// A SAS link for a blob (or, with an empty `name`, a container) valid `expires_in` from
    /// now (1 s .. 7 days; 422 otherwise). 422 "cannot_sign" when the credential has no key.
    SasLink Sas(const BlobTarget& target, std::string_view container, std::string_view name,
                std::string_view permissions, std::chrono::seconds expires_in) const;

 private:
    azure::CallOptions Call(const BlobTarget& target) const;
    azure::TransferPool& Transfers() const;

    std::shared_ptr<ConnectionService> connections_;
    AzureBlobServiceOptions options_;
    // Started on the first upload: an App that never uploads starts no threads.
    mutable std::once_flag transfers_started_;
    mutable std::unique_ptr<azure::TransferPool> transfers_;
};

}  // namespace cerulean::service
