#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "azure/service_version.hpp"
#include "azure/shared_key.hpp"
#include "core/clock.hpp"

namespace cerulean::azure {

/// Blob SAS permissions in canonical order (any order in, "racwdxytmei" order out). Throws
/// core::Error (kInvalidArgument) naming a letter that is not a blob permission.
std::string NormalizeBlobSasPermissions(std::string_view permissions);

/// Container SAS permissions in canonical order ("racwdxyltfmei").
std::string NormalizeContainerSasPermissions(std::string_view permissions);

/// Account SAS permissions in canonical order ("rwdxylacupfti").
std::string NormalizeAccountSasPermissions(std::string_view permissions);

/// Account SAS services in canonical order ("bqtf": blob, queue, table, file).
std::string NormalizeAccountSasServices(std::string_view services);

/// Account SAS resource types in canonical order ("sco": service, container, object).
std::string NormalizeAccountSasResourceTypes(std::string_view resource_types);

/// What a service SAS (blob `sr=b`, container `sr=c`) or user delegation SAS grants.
struct BlobSasOptions {
    std::string container;    ///< container name (required)
    std::string blob;         ///< blob name, unencoded; empty for a container SAS
    std::string snapshot;     ///< a snapshot of the blob (`sr=bs`), or empty
    std::string version_id;   ///< a version of the blob (`sr=bv`), or empty
    std::string permissions;  ///< letters in any order; normalized for blob or container
    std::optional<core::UnixMillis> starts_on;   ///< `st`, whole seconds; none = when received
    std::optional<core::UnixMillis> expires_on;  ///< `se`; required unless `identifier` is set
    std::string identifier;              ///< `si`: a stored access policy (not for user delegation)
    std::string ip_range;                ///< `sip`, e.g. "168.1.5.60-168.1.5.70", or empty
    std::string protocol;                ///< `spr`: "https", "https,http" or empty
    std::string encryption_scope;        ///< `ses`, or empty
    std::string cache_control;           ///< `rscc` response header override, or empty
    std::string content_disposition;     ///< `rscd` response header override, or empty
    std::string content_encoding;        ///< `rsce` response header override, or empty
    std::string content_language;        ///< `rscl` response header override, or empty
    std::string content_type;            ///< `rsct` response header override, or empty
    std::string authorized_object_id;    ///< `saoid` (user delegation only), or empty
    std::string unauthorized_object_id;  ///< `suoid` (user delegation only), or empty
    std::string correlation_id;          ///< `scid` (user delegation only), or empty
    std::string version{kServiceVersion};  ///< `sv`, the signed version
};

/// What an account SAS grants.
struct AccountSasOptions {
    std::string services = "b";                 ///< `ss`, letters of "bqtf"
    std::string resource_types;                 ///< `srt`, letters of "sco"
    std::string permissions;                    ///< `sp`, letters in any order; normalized
    std::optional<core::UnixMillis> starts_on;  ///< `st`, or none
    core::UnixMillis expires_on = 0;            ///< `se` (required)
    std::string ip_range;                       ///< `sip`, or empty
    std::string protocol;                       ///< `spr`: "https", "https,http" or empty
    std::string encryption_scope;               ///< `ses`, or empty
    std::string version{kServiceVersion};       ///< `sv`, the signed version
};

/// A user delegation key as Get User Delegation Key returns it; the fields are signed verbatim.
struct UserDelegationKey {
    std::string signed_object_id;   ///< `skoid`
    std::string signed_tenant_id;   ///< `sktid`
    std::string signed_starts_on;   ///< `skt`, e.g. "2026-11-26T02:00:00Z"
    std::string signed_expires_on;  ///< `ske`
    std::string signed_service;     ///< `sks`, "b"
    std::string signed_version;     ///< `skv`
    std::string value;              ///< the base64 key that signs (a secret)
};

/// A generated SAS token.
struct SasToken {
    std::string query;           ///< "sv=...&sig=...", values percent-encoded, without '?'
    std::string string_to_sign;  ///< what was signed (holds no secret)
};

/// A service SAS for a blob (`sr=b`, `bs` or `bv`) or, when `options.blob` is empty, a container
/// (`sr=c`), signed with the account key. Supports signed versions 2020-12-06 up to (not
/// including) 2025-07-05, whose string-to-sign layout is implemented. Throws core::Error
/// (kInvalidArgument) for missing or malformed fields.
SasToken GenerateBlobSas(const SharedKeyCredential& credential, const BlobSasOptions& options);

/// A user delegation SAS for a blob or container, signed with a user delegation key (fields
/// skoid, sktid, skt, ske, sks, skv and the optional saoid, suoid, scid). Same versions and
/// errors as GenerateBlobSas; `options.identifier` must be empty.
SasToken GenerateUserDelegationSas(std::string_view account_name, const UserDelegationKey& key,
                                   const BlobSasOptions& options);

/// An account SAS (`ss`, `srt`, `sp`, ...) signed with the account key.
SasToken GenerateAccountSas(const SharedKeyCredential& credential,
                            const AccountSasOptions& options);

/// Normalizes a SAS the user gave: surrounding whitespace and a leading '?' dropped, a full SAS
/// URL reduced to its query, empty parameters dropped; the encoding is kept as given. Throws
/// core::Error (kInvalidArgument) when it is empty, malformed or has no `sig`, without echoing it.
std::string NormalizeSasToken(std::string_view text);

}  // namespace cerulean::azure
