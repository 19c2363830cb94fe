// SAS tokens: those users paste (NormalizeSasToken, for SAS connections and connection strings)
// and those Cerulean signs from request fields (GenerateBlobSas, GenerateUserDelegationSas,
// GenerateAccountSas, the permission letters), with the URL encoding they go through
// (EncodeQueryValue, EncodeBlobPath, PercentDecode, ParseQuery, BlobUrl).
//
// Input: the whole text is a pasted token; its lines are also the fields of a SAS to sign:
// container, blob, permissions, version, ip range, protocol, identifier, snapshot, version id,
// content type, expiry (seconds).
//
// Invariants: only core::Error escapes; a normalized token normalizes to itself and parses as a
// query with a `sig`; a signed token is normalized, carries the fields it was given (decoded),
// and its signature; encoding round-trips; a blob URL's path decodes to the container and name.

#include <charconv>

#include "azure/connection_string.hpp"
#include "azure/sas.hpp"
#include "azure/shared_key.hpp"
#include "azure/url.hpp"
#include "core/error.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace cerulean;

const azure::SharedKeyCredential& Credential() {
    static const azure::SharedKeyCredential credential(std::string(azure::kDevelopmentAccountName),
                                                       azure::kDevelopmentAccountKey);
    return credential;
}

std::string Param(const std::vector<azure::QueryParameter>& params, std::string_view name) {
    for (const auto& p : params) {
        if (p.name == name) return p.value;
    }
    return {};
}

void CheckPastedToken(std::string_view text) {
    std::string normalized;
    try {
        normalized = azure::NormalizeSasToken(text);
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
        return;
    }
    FUZZ_CHECK(!normalized.empty(), "empty token accepted");
    FUZZ_CHECK(azure::NormalizeSasToken(normalized) == normalized, normalized);
    const auto params = azure::ParseQuery(normalized);  // escapes were checked: must not throw
    bool has_sig = false;
    for (const auto& p : params) has_sig = has_sig || (p.name == "sig" && !p.value.empty());
    FUZZ_CHECK(has_sig, normalized);
}

void CheckEncoding(std::string_view text) {
    const std::string query = azure::EncodeQueryValue(text);
    const std::string path = azure::EncodeBlobPath(text);
    FUZZ_CHECK(azure::PercentDecode(query) == std::string(text), "query value round trip");
    FUZZ_CHECK(azure::PercentDecode(path) == std::string(text), "blob path round trip");
    FUZZ_CHECK(query.find_first_of("/?#&= +") == std::string::npos, query);
    FUZZ_CHECK(path.find_first_of("?#&= +") == std::string::npos, path);
    try {
        (void)azure::ParseQuery(text);
    } catch (const core::Error&) {
    }
}

void CheckBlobUrl(const std::string& container, const std::string& blob) {
    std::string url;
    try {
        url = azure::BlobUrl("https://acct.blob.core.windows.net", container, blob);
    } catch (const core::Error&) {
        return;
    }
    const azure::UrlParts parts = azure::SplitUrl(url);
    FUZZ_CHECK(parts.authority == "acct.blob.core.windows.net", url);
    FUZZ_CHECK(parts.query.empty(), url);
    FUZZ_CHECK(azure::PercentDecode(parts.path) == "/" + container + "/" + blob, url);
    // No segment a URL parser would collapse.
    FUZZ_CHECK(!azure::HasDotSegment(parts.path.substr(1)), url);
}

std::optional<core::UnixMillis> Seconds(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    // Years 1970 to 9999: what the RFC 3339 formatting is made for.
    if (value < 0 || value > 253402300799) return std::nullopt;
    return value * 1000;
}

void CheckSignedToken(const azure::SasToken& token, const azure::BlobSasOptions& options) {
    FUZZ_CHECK(azure::NormalizeSasToken(token.query) == token.query, token.query);
    const auto params = azure::ParseQuery(token.query);
    FUZZ_CHECK(Param(params, "sv") == options.version, token.query);
    FUZZ_CHECK(!Param(params, "sig").empty(), token.query);
    FUZZ_CHECK(Param(params, "sip") == options.ip_range, token.query);
    FUZZ_CHECK(Param(params, "rsct") == options.content_type, token.query);
    const std::string resource = Param(params, "sr");
    FUZZ_CHECK(resource == (options.blob.empty()          ? "c"
                            : !options.snapshot.empty()   ? "bs"
                            : !options.version_id.empty() ? "bv"
                                                          : "b"),
               token.query);
}

void CheckSigning(std::string_view text) {
    const auto f = fuzz::Fields(text, 11);
    azure::BlobSasOptions options;
    options.container = std::string(f[0]);
    options.blob = std::string(f[1]);
    options.permissions = std::string(f[2]);
    if (!f[3].empty()) options.version = std::string(f[3]);
    options.ip_range = std::string(f[4]);
    options.protocol = std::string(f[5]);
    options.identifier = std::string(f[6]);
    options.snapshot = std::string(f[7]);
    options.version_id = std::string(f[8]);
    options.content_type = std::string(f[9]);
    options.expires_on = Seconds(f[10]);

    CheckBlobUrl(options.container, options.blob);
    for (const std::string_view letters : {f[2], f[1]}) {
        try {
            const std::string blob = azure::NormalizeBlobSasPermissions(letters);
            FUZZ_CHECK(azure::NormalizeBlobSasPermissions(blob) == blob, blob);
            const std::string container = azure::NormalizeContainerSasPermissions(letters);
            FUZZ_CHECK(container.size() >= blob.size(), container);
        } catch (const core::Error& e) {
            FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
        }
    }

    try {
        CheckSignedToken(azure::GenerateBlobSas(Credential(), options), options);
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
    }

    azure::UserDelegationKey key{"oid",
                                 "tid",
                                 "2026-11-26T02:00:00Z",
                                 "2026-11-27T02:00:00Z",
                                 "b",
                                 "2025-01-05",
                                 std::string(azure::kDevelopmentAccountKey)};
    options.authorized_object_id = std::string(f[6]);
    options.identifier.clear();
    try {
        CheckSignedToken(azure::GenerateUserDelegationSas("acct", key, options), options);
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
    }

    azure::AccountSasOptions account;
    account.services = std::string(f[0]);
    account.resource_types = std::string(f[1]);
    account.permissions = std::string(f[2]);
    if (!f[3].empty()) account.version = std::string(f[3]);
    account.ip_range = std::string(f[4]);
    account.protocol = std::string(f[5]);
    account.expires_on = options.expires_on.value_or(0);
    try {
        const azure::SasToken token = azure::GenerateAccountSas(Credential(), account);
        FUZZ_CHECK(azure::NormalizeSasToken(token.query) == token.query, token.query);
        FUZZ_CHECK(Param(azure::ParseQuery(token.query), "sv") == account.version, token.query);
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::AsText(data, size);
    CheckPastedToken(text);
    CheckEncoding(text);
    CheckSigning(text);
    return 0;
}
