#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "azure/call_options.hpp"
#include "azure/credential.hpp"
#include "azure/curl_transport.hpp"
#include "azure/list_parser.hpp"
#include "azure/pipeline.hpp"
#include "azure/sas.hpp"
#include "azure/transport.hpp"
#include "core/clock.hpp"

namespace cerulean::azure {

/// Settings of a BlobClient.
struct ClientOptions {
    /// Retries, timeouts and the storage headers.
    PipelineOptions pipeline;
    /// Settings of the libcurl transport created when `transport` is null.
    TransportOptions transport_options;
    /// A transport to share between clients (and its connection pool); null creates one.
    std::shared_ptr<HttpTransport> transport;
};

/// Who may read a container without credentials.
enum class PublicAccess {
    kNone,       ///< private
    kBlob,       ///< anyone may read blobs by name
    kContainer,  ///< anyone may read blobs and list the container
};

/// What the account says about itself (Get Account Information).
struct AccountInfo {
    std::string sku_name;                 ///< e.g. "Standard_LRS"
    std::string account_kind;             ///< e.g. "StorageV2"
    bool hierarchical_namespace = false;  ///< `x-ms-is-hns-enabled`
};

/// Conditions a write or read is made on (ETags as the service gives them, or "*").
struct AccessConditions {
    std::string if_match;       ///< `If-Match`, or empty
    std::string if_none_match;  ///< `If-None-Match` ("*": only when the blob does not exist)
};

/// The standard properties stored with a blob.
struct BlobHttpHeaders {
    std::string content_type;         ///< `x-ms-blob-content-type`; empty: the service default
    std::string content_encoding;     ///< `x-ms-blob-content-encoding`, or empty
    std::string content_language;     ///< `x-ms-blob-content-language`, or empty
    std::string content_disposition;  ///< `x-ms-blob-content-disposition`, or empty
    std::string cache_control;        ///< `x-ms-blob-cache-control`, or empty
    std::string content_md5;          ///< `x-ms-blob-content-md5`: the whole blob's MD5, base64
};

/// The state of the last copy into a blob.
struct CopyState {
    std::string id;                  ///< `x-ms-copy-id`
    std::string status;              ///< "pending", "success", "aborted", "failed", or empty
    std::string status_description;  ///< the service's explanation of a failure
    std::string progress;            ///< "copied/total" bytes
    std::string source;              ///< the source URL, as the service reports it
};

/// A blob's properties and metadata (Get Blob Properties, or the headers of Get Blob).
struct BlobProperties {
    std::uint64_t content_length = 0;               ///< the blob's size in bytes
    std::string content_type;                       ///< `Content-Type`
    std::string content_md5;                        ///< the whole blob's MD5, base64, or empty
    std::string content_encoding;                   ///< `Content-Encoding`, or empty
    std::string content_language;                   ///< `Content-Language`, or empty
    std::string content_disposition;                ///< `Content-Disposition`, or empty
    std::string cache_control;                      ///< `Cache-Control`, or empty
    std::string etag;                               ///< `ETag`, quotes kept
    std::optional<core::UnixMillis> last_modified;  ///< `Last-Modified`
    std::optional<core::UnixMillis> created_on;     ///< `x-ms-creation-time`
    std::string blob_type;                          ///< "BlockBlob", "PageBlob" or "AppendBlob"
    std::string access_tier;                        ///< e.g. "Hot", or empty
    bool access_tier_inferred = false;              ///< the tier is the account's default
    std::string lease_state;   ///< `x-ms-lease-state`: "available", "leased", ... or empty
    std::string lease_status;  ///< `x-ms-lease-status`: "locked", "unlocked" or empty
    Metadata metadata;         ///< user metadata (names as the service returns them)
    CopyState copy;            ///< the last copy into this blob, if any
};

/// The result of a write that creates or replaces a blob.
struct UploadResult {
    std::string etag;                               ///< the new `ETag`
    std::optional<core::UnixMillis> last_modified;  ///< the new `Last-Modified`
    std::string content_md5;  ///< `Content-MD5` the service computed or stored, base64, or empty
    std::string version_id;   ///< `x-ms-version-id` when versioning is on, or empty
};

/// List Containers parameters.
struct ListContainersOptions {
    std::string prefix;             ///< only names starting with it
    std::string marker;             ///< the previous page's next_marker
    int max_results = 0;            ///< 1..5000; 0: the service's default (5000)
    bool include_metadata = false;  ///< fill ContainerItem::metadata
};

/// List Blobs parameters.
struct ListBlobsOptions {
    std::string prefix;             ///< only names starting with it
    std::string delimiter;          ///< e.g. "/": a virtual-folder view with BlobPrefix entries
    std::string marker;             ///< the previous page's next_marker
    int max_results = 0;            ///< 1..5000; 0: the service's default (5000)
    bool include_metadata = false;  ///< fill BlobItem::metadata
};

/// Put Blob parameters.
struct PutBlobOptions {
    BlobHttpHeaders headers;        ///< stored properties (content type, MD5, ...)
    Metadata metadata;              ///< user metadata
    std::string transactional_md5;  ///< `Content-MD5` of the body, base64: checked on arrival
    std::string access_tier;        ///< `x-ms-access-tier`, or empty
    AccessConditions conditions;    ///< e.g. if_none_match "*" to never overwrite
};

/// Put Block List parameters.
struct PutBlockListOptions {
    BlobHttpHeaders headers;      ///< stored properties; content_md5 is stored, not checked
    Metadata metadata;            ///< user metadata
    std::string access_tier;      ///< `x-ms-access-tier`, or empty
    AccessConditions conditions;  ///< conditions on the blob being replaced
};

/// Get Blob parameters.
struct GetBlobOptions {
    std::uint64_t offset = 0;             ///< first byte to read
    std::optional<std::uint64_t> length;  ///< bytes to read (>0); none: to the end
    AccessConditions conditions;          ///< e.g. if_match an ETag seen before
    /// Called once with the blob's properties when the answer's headers arrive, before the
    /// first byte of its body reaches the sink (e.g. to start the other ranges of a blob whose
    /// size this answer tells); for an empty body, before GetBlob returns. Not called for an
    /// answer that failed.
    std::function<void(const BlobProperties& properties)> on_properties;
};

/// What Get Blob delivered.
struct DownloadResult {
    BlobProperties properties;  ///< the blob's properties (content_length: the whole blob)
    std::uint64_t bytes = 0;    ///< bytes given to the sink
    int resumes = 0;            ///< times a broken transfer was resumed where it stopped
};

/// Copy Blob parameters.
struct StartCopyOptions {
    std::optional<Metadata> metadata;  ///< replaces the source's metadata; none copies it
    std::string access_tier;           ///< `x-ms-access-tier`, or empty
    AccessConditions conditions;       ///< conditions on the destination
};

/// The answer to Copy Blob.
struct CopyStarted {
    std::string copy_id;  ///< `x-ms-copy-id`
    std::string status;   ///< `x-ms-copy-status`: "success" (done) or "pending"
    std::string etag;     ///< the destination's `ETag`
};

/// Put Blob From URL parameters.
struct PutBlobFromUrlOptions {
    BlobHttpHeaders headers;  ///< stored properties (used when not copied from the source)
    Metadata metadata;        ///< user metadata of the new blob
    /// `x-ms-copy-source-authorization`, e.g. "Bearer <token>" (a secret), or empty when the
    /// source URL carries a SAS or is public.
    std::string source_authorization;
    bool copy_source_properties = true;  ///< `x-ms-copy-source-blob-properties`
    std::string source_content_md5;      ///< `x-ms-source-content-md5`, base64, or empty
    /// `x-ms-source-if-match`: the source's ETag, so that a source changed since it was read
    /// fails the copy (412 SourceConditionNotMet) instead of copying another version.
    std::string source_if_match;
    AccessConditions conditions;  ///< conditions on the destination
};

/// Put Block From URL parameters.
struct PutBlockFromUrlOptions {
    std::uint64_t source_offset = 0;             ///< first byte of the source to copy
    std::optional<std::uint64_t> source_length;  ///< bytes to copy; none: to the end
    std::string source_authorization;  ///< `x-ms-copy-source-authorization` (a secret), or empty
    std::string source_content_md5;    ///< `x-ms-source-content-md5`, base64, or empty
    /// `x-ms-source-if-match`: the source's ETag, so that the blocks of one blob all come from
    /// one version of the source.
    std::string source_if_match;
};

/// A client of one Blob service endpoint with one credential: one member function per REST
/// call. Immutable after construction and thread-safe: one client serves many threads, which
/// share its transport's connection pool. Every call takes CallOptions (deadline, stop) and
/// throws StorageError for service and network failures (core::Error for bad arguments).
/// Container and blob names are given unencoded; any legal blob name works.
class BlobClient {
 public:
    /// A client of `endpoint` (normalized by NormalizeEndpoint) authorized by `credential`
    /// (null: anonymous).
    BlobClient(std::string_view endpoint, std::shared_ptr<const Credential> credential,
               ClientOptions options = {});

    /// A client from a connection string (see ParseConnectionString and MakeCredential).
    static BlobClient FromConnectionString(std::string_view connection_string,
                                           ClientOptions options = {});

    /// The normalized endpoint, e.g. "http://127.0.0.1:10000/devstoreaccount1".
    [[nodiscard]] const std::string& endpoint() const noexcept { return endpoint_; }
    /// The account name from the credential or the endpoint; may be empty.
    [[nodiscard]] const std::string& account_name() const noexcept { return account_name_; }
    /// The credential.
    [[nodiscard]] const Credential& credential() const noexcept { return pipeline_.credential(); }
    /// The pipeline the calls go through.
    [[nodiscard]] const Pipeline& pipeline() const noexcept { return pipeline_; }
    /// The URL of a container (no credentials in it).
    [[nodiscard]] std::string ContainerUrlOf(std::string_view container) const;
    /// The URL of a blob, name encoded (no credentials in it).
    [[nodiscard]] std::string BlobUrlOf(std::string_view container, std::string_view blob) const;

    // --- Service ------------------------------------------------------------------------------

    /// List Containers: one page.
    ContainerListPage ListContainers(const ListContainersOptions& options = {},
                                     const CallOptions& call = {}) const;
    /// Get Account Information: the cheapest account-level call.
    AccountInfo GetAccountInfo(const CallOptions& call = {}) const;
    /// Get User Delegation Key (bearer credentials only), valid from `starts_on` to
    /// `expires_on` (at most 7 days later), for GenerateUserDelegationSas.
    UserDelegationKey GetUserDelegationKey(core::UnixMillis starts_on, core::UnixMillis expires_on,
                                           const CallOptions& call = {}) const;
    /// Checks that the endpoint answers and the credential is accepted, with the cheapest call
    /// the credential allows: Get Account Information for account-wide credentials (Shared
    /// Key, account SAS, bearer), else, or when that is refused and `container` is given, a
    /// one-item listing of `container`. Throws StorageError when the check fails, and
    /// core::Error (kInvalidArgument) when a container-scoped credential comes without one.
    void TestConnection(std::string_view container, const CallOptions& call = {}) const;

    // --- Containers ---------------------------------------------------------------------------

    /// Create Container. Throws StorageError kAlreadyExists ("container_exists") when it exists.
    void CreateContainer(std::string_view container, PublicAccess access = PublicAccess::kNone,
                         const Metadata& metadata = {}, const CallOptions& call = {}) const;
    /// Delete Container (the service removes it and its blobs in the background).
    void DeleteContainer(std::string_view container, const CallOptions& call = {}) const;
    /// List Blobs: one page, flat or (with a delimiter) hierarchical.
    BlobListPage ListBlobs(std::string_view container, const ListBlobsOptions& options = {},
                           const CallOptions& call = {}) const;

    // --- Blobs --------------------------------------------------------------------------------

    /// Get Blob Properties (a HEAD request).
    BlobProperties GetBlobProperties(std::string_view container, std::string_view blob,
                                     const CallOptions& call = {}) const;
    /// Set Blob Metadata: replaces all user metadata; returns the new ETag.
    /// Set Blob Properties: replaces the blob's stored content headers with `headers`. Every
    /// header not given is cleared by the service (Content-MD5 too): pass what is to be kept.
    /// Returns the new ETag.
    std::string SetBlobHttpHeaders(std::string_view container, std::string_view blob,
                                   const BlobHttpHeaders& headers,
                                   const AccessConditions& conditions = {},
                                   const CallOptions& call = {}) const;
    std::string SetBlobMetadata(std::string_view container, std::string_view blob,
                                const Metadata& metadata, const CallOptions& call = {}) const;
    /// Put Blob (a block blob in one request) from memory or a stream of known length.
    UploadResult PutBlob(std::string_view container, std::string_view blob, RequestBody body,
                         const PutBlobOptions& options = {}, const CallOptions& call = {}) const;
    /// Put Block: stages one block. `block_id` is base64 (see MakeBlockId); every block of a
    /// blob must have an id of the same length. `transactional_md5` (base64) is checked on
    /// arrival when given.
    void PutBlock(std::string_view container, std::string_view blob, std::string_view block_id,
                  RequestBody body, std::string_view transactional_md5 = {},
                  const CallOptions& call = {}) const;
    /// Put Block List: commits the staged (or already committed) blocks, in order, as the blob.
    UploadResult PutBlockList(std::string_view container, std::string_view blob,
                              const std::vector<std::string>& block_ids,
                              const PutBlockListOptions& options = {},
                              const CallOptions& call = {}) const;
    /// Get Blob: streams the blob (or the range of `options`) into `sink` in order. A transfer
    /// that breaks after some bytes is resumed where it stopped (pinned to the first answer's
    /// ETag), up to the retry budget; the sink never sees a byte twice.
    DownloadResult GetBlob(std::string_view container, std::string_view blob, const BodySink& sink,
                           const GetBlobOptions& options = {}, const CallOptions& call = {}) const;
    /// Get Blob into memory (small blobs and tests).
    std::string DownloadToString(std::string_view container, std::string_view blob,
                                 const GetBlobOptions& options = {},
                                 const CallOptions& call = {}) const;
    /// Delete Blob (and its snapshots).
    void DeleteBlob(std::string_view container, std::string_view blob,
                    const CallOptions& call = {}) const;
    /// Copy Blob: starts a server-side copy from `source_url` (a blob URL the service can read:
    /// same account with this credential, or carrying a SAS, or public).
    CopyStarted StartCopyBlob(std::string_view container, std::string_view blob,
                              std::string_view source_url, const StartCopyOptions& options = {},
                              const CallOptions& call = {}) const;
    /// Polls Get Blob Properties until the copy `copy_id` (empty: whichever) leaves "pending"
    /// and returns the blob's properties. Throws StorageError (kFailedPrecondition,
    /// "copy_failed") when it failed or was aborted.
    BlobProperties WaitForCopy(std::string_view container, std::string_view blob,
                               std::string_view copy_id, const CallOptions& call = {}) const;
    /// StartCopyBlob then WaitForCopy.
    BlobProperties CopyBlob(std::string_view container, std::string_view blob,
                            std::string_view source_url, const StartCopyOptions& options = {},
                            const CallOptions& call = {}) const;
    /// Put Blob From URL: the service reads the whole source (up to 5000 MiB) synchronously.
    UploadResult PutBlobFromUrl(std::string_view container, std::string_view blob,
                                std::string_view source_url,
                                const PutBlobFromUrlOptions& options = {},
                                const CallOptions& call = {}) const;
    /// Put Block From URL: stages a block read by the service from a range of `source_url`.
    void PutBlockFromUrl(std::string_view container, std::string_view blob,
                         std::string_view block_id, std::string_view source_url,
                         const PutBlockFromUrlOptions& options = {},
                         const CallOptions& call = {}) const;

 private:
    std::string ServiceUrl(std::string_view query) const;

    std::string endpoint_;
    std::string account_name_;
    Pipeline pipeline_;
};

/// A block id for block `index` of an upload: base64 of `upload_id` followed by the index as
/// ten decimal digits, so that every id of one upload has the same length. Throws core::Error
/// (kInvalidArgument) when `upload_id` is longer than 48 bytes (ids are limited to 64 bytes).
std::string MakeBlockId(std::string_view upload_id, std::uint64_t index);

/// The XML body of Put Block List for `block_ids` (each base64), all as `<Latest>`.
std::string BlockListXml(const std::vector<std::string>& block_ids);

/// Parses a Get User Delegation Key response. Throws core::Error (kInternal) when malformed.
UserDelegationKey ParseUserDelegationKey(std::string_view xml);

/// The properties a Get Blob Properties or Get Blob response's headers describe.
BlobProperties PropertiesFromHeaders(const HttpHeaders& headers);

}  // namespace cerulean::azure
