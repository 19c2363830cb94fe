#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace cerulean::azure {

/// User-defined metadata of a container or blob (names keep the case the service returns).
using Metadata = std::map<std::string, std::string>;

/// One container of a List Containers response.
struct ContainerItem {
    std::string name;                               ///< container name
    std::optional<core::UnixMillis> last_modified;  ///< `Last-Modified`, when given
    std::string etag;                               ///< `Etag`, quotes kept as the service sends it
    std::string public_access;                      ///< "container", "blob", or empty (private)
    Metadata metadata;                              ///< with `include=metadata`
};

/// One page of List Containers.
struct ContainerListPage {
    std::vector<ContainerItem> containers;  ///< in the service's (name) order
    std::string next_marker;                ///< marker of the next page; empty on the last page
};

/// One blob of a List Blobs response.
struct BlobItem {
    std::string name;                               ///< blob name, decoded when `Encoded="true"`
    std::int64_t size = 0;                          ///< `Content-Length` in bytes
    std::string content_type;                       ///< `Content-Type`, or empty
    std::string content_md5;                        ///< `Content-MD5` as base64, or empty
    std::string content_encoding;                   ///< `Content-Encoding`, or empty
    std::string cache_control;                      ///< `Cache-Control`, or empty
    std::optional<core::UnixMillis> last_modified;  ///< `Last-Modified`, when given
    std::string etag;                               ///< `Etag`
    std::string access_tier;                        ///< `AccessTier`, e.g. "Hot", or empty
    std::string blob_type;                          ///< `BlobType`, e.g. "BlockBlob"
    std::string snapshot;                           ///< snapshot time for snapshots, else empty
    std::string version_id;                         ///< `VersionId`, or empty
    Metadata metadata;                              ///< with `include=metadata`
};

/// One page of List Blobs, flat or hierarchical.
struct BlobListPage {
    std::vector<BlobItem> blobs;        ///< the blobs of this page
    std::vector<std::string> prefixes;  ///< `BlobPrefix` names ("dir/") with a delimiter
    std::string next_marker;            ///< marker of the next page; empty on the last page
};

/// The code and message of an Azure error response body.
struct ServiceErrorBody {
    std::string code;     ///< e.g. "ContainerNotFound"
    std::string message;  ///< the service's sentence (first line: the rest is request id and time)
    std::string authentication_detail;  ///< `AuthenticationErrorDetail` on 403s, or empty; it
                                        ///< quotes the request's signature, so log it redacted
};

/// Parses a List Containers response (`EnumerationResults`). Throws core::Error (kInternal,
/// reason "malformed_response") when the body is not such XML.
ContainerListPage ParseContainerList(std::string_view xml);

/// Parses a List Blobs response, flat or with `BlobPrefix` entries; names marked
/// `Encoded="true"` are percent-decoded. Throws core::Error (kInternal) when the body is not
/// such XML.
BlobListPage ParseBlobList(std::string_view xml);

/// Parses an error body (`<Error><Code>..</Code><Message>..</Message></Error>`); nullopt when the
/// body is empty or not such XML, so that the caller falls back to the `x-ms-error-code` header.
std::optional<ServiceErrorBody> ParseErrorBody(std::string_view xml);

}  // namespace cerulean::azure
