#pragma once

#include <string>
#include <string_view>

namespace cerulean::azure {

/// The account name of the storage emulator (Azurite) and its development storage.
inline constexpr std::string_view kDevelopmentAccountName = "devstoreaccount1";

/// The published, well-known key of the emulator's development account (not a secret).
inline constexpr std::string_view kDevelopmentAccountKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// The emulator's Blob endpoint for `UseDevelopmentStorage=true`.
inline constexpr std::string_view kDevelopmentBlobEndpoint =
    "http://127.0.0.1:10000/devstoreaccount1";

/// How requests made from a connection string are authorized.
enum class CredentialKind {
    kSharedKey,  ///< AccountName + AccountKey: Shared Key signatures (and SAS generation)
    kSas,        ///< SharedAccessSignature: the token is appended to every request
    kAnonymous,  ///< neither: public read access only
};

/// An Azure Storage connection string, parsed. Only the Blob service matters to Cerulean.
struct ConnectionString {
    std::string account_name;  ///< e.g. "mystorage"; from the endpoint when not given
    std::string account_key;   ///< base64 text as given (checked to decode), or empty
    std::string
        blob_endpoint;      ///< normalized, no trailing '/', e.g. "https://a.blob.core.windows.net"
    std::string sas_token;  ///< normalized SAS query without '?', or empty
    bool development_storage = false;  ///< `UseDevelopmentStorage=true` was given

    /// The credential requests use: the key when there is one, else the SAS, else none.
    [[nodiscard]] CredentialKind Kind() const noexcept;
};

/// Parses a connection string: `Key=Value` pairs split on ';', each at its first '=' (so values
/// may hold '=', as base64 keys and SAS tokens do), keys case-insensitive, surrounding
/// whitespace, empty segments and unknown keys ignored. The Blob endpoint is `BlobEndpoint`
/// when given, else `{DefaultEndpointsProtocol}://{AccountName}.blob.{EndpointSuffix}` (https
/// and core.windows.net by default); `UseDevelopmentStorage=true` selects the emulator and its
/// well-known account (at `DevelopmentStorageProxyUri`'s host when given). Throws core::Error
/// (kInvalidArgument) that names the problem and never echoes the string or a secret.
ConnectionString ParseConnectionString(std::string_view text);

}  // namespace cerulean::azure
