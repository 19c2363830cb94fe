#include "azure/sas.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

#include "azure/url.hpp"
#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::azure {
namespace {

// The string-to-sign layouts below are those of signed versions 2020-12-06 (which added `ses`)
// up to 2025-07-05 (which adds delegated-user fields to user delegation SAS).
constexpr std::string_view kOldestSignedVersion = "2020-12-06";
constexpr std::string_view kFirstUnsupportedVersion = "2025-07-05";

core::Error Invalid(std::string message) {
    return {core::ErrorCode::kInvalidArgument, std::move(message), "invalid_sas"};
}

std::string NormalizeLetters(std::string_view given, std::string_view order,
                             std::string_view what) {
    std::array<bool, 256> present{};
    for (const char ch : given) {
        const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (order.find(c) == std::string_view::npos) {
            // One letter is not a secret, and naming it is what makes the message useful.
            const bool printable = std::isprint(static_cast<unsigned char>(ch)) != 0;
            throw Invalid(std::string(what) + " '" + (printable ? std::string(1, ch) : "?") +
                          "' is not valid");
        }
        present[static_cast<unsigned char>(c)] = true;
    }
    std::string out;
    for (const char c : order) {
        if (present[static_cast<unsigned char>(c)]) out.push_back(c);
    }
    return out;
}

bool IsDate(std::string_view v) {
    if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
    constexpr std::array<std::size_t, 8> kDigits = {0, 1, 2, 3, 5, 6, 8, 9};
    return std::ranges::all_of(kDigits, [&](std::size_t i) {
        return std::isdigit(static_cast<unsigned char>(v[i])) != 0;
    });
}

void CheckVersion(std::string_view version) {
    if (!IsDate(version)) throw Invalid("SAS signed version must look like 2025-01-05");
    if (version < kOldestSignedVersion || version >= kFirstUnsupportedVersion) {
        throw Invalid("SAS signed version " + std::string(version) +
                      " is not supported (2020-12-06 up to 2025-07-05)");
    }
}

void CheckProtocol(std::string_view protocol) {
    if (!protocol.empty() && protocol != "https" && protocol != "https,http") {
        throw Invalid("SAS protocol must be https or https,http");
    }
}

std::string FormatTime(const std::optional<core::UnixMillis>& t) {
    return t ? core::FormatRfc3339(*t) : std::string();
}

// Parameters in the order the token lists them; empty values are left out.
class QueryBuilder {
 public:
    void Add(std::string_view name, std::string_view value) {
        if (value.empty()) return;
        if (!query_.empty()) query_.push_back('&');
        query_ += name;
        query_.push_back('=');
        query_ += EncodeQueryValue(value);
    }
    [[nodiscard]] std::string Take() { return std::move(query_); }

 private:
    std::string query_;
};

std::string Lines(std::initializer_list<std::string_view> fields) {
    std::string out;
    bool first = true;
    for (const auto field : fields) {
        if (!first) out.push_back('\n');
        out += field;
        first = false;
    }
    return out;
}

// Checked and derived fields shared by service and user delegation SAS.
struct BlobSasFields {
    std::string permissions;
    std::string start;
    std::string expiry;
    std::string resource;            // sr
    std::string timestamp;           // signed snapshot time or version id
    std::string canonical_resource;  // /blob/{account}/{container}[/{blob}]
};

BlobSasFields PrepareBlobSas(std::string_view account_name, const BlobSasOptions& options) {
    if (account_name.empty()) throw Invalid("SAS needs an account name");
    if (options.container.empty()) throw Invalid("SAS needs a container name");
    CheckVersion(options.version);
    CheckProtocol(options.protocol);
    if (!options.snapshot.empty() && !options.version_id.empty()) {
        throw Invalid("SAS cannot be for both a snapshot and a version");
    }
    if (options.blob.empty() && (!options.snapshot.empty() || !options.version_id.empty())) {
        throw Invalid("SAS for a snapshot or version needs a blob name");
    }
    if (options.identifier.empty()) {
        if (!options.expires_on) throw Invalid("SAS needs an expiry time");
        if (options.permissions.empty()) throw Invalid("SAS needs permissions");
    }

    BlobSasFields fields;
    if (options.blob.empty()) {
        fields.permissions =
            NormalizeLetters(options.permissions, "racwdxyltfmei", "container SAS permission");
        fields.resource = "c";
    } else {
        fields.permissions =
            NormalizeLetters(options.permissions, "racwdxytmei", "blob SAS permission");
        fields.resource = !options.snapshot.empty()     ? "bs"
                          : !options.version_id.empty() ? "bv"
                                                        : "b";
        fields.timestamp = !options.snapshot.empty() ? options.snapshot : options.version_id;
    }
    fields.start = FormatTime(options.starts_on);
    fields.expiry = FormatTime(options.expires_on);
    fields.canonical_resource = "/blob/" + std::string(account_name) + "/" + options.container;
    if (!options.blob.empty()) fields.canonical_resource += "/" + options.blob;
    return fields;
}

// Whether `text` begins with a URL scheme and "://" (RFC 3986: a letter, then letters, digits,
// '+', '-' or '.').
bool StartsWithScheme(std::string_view text) {
    const auto end = text.find("://");
    if (end == std::string_view::npos || end == 0 ||
        std::isalpha(static_cast<unsigned char>(text.front())) == 0) {
        return false;
    }
    return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
    });
}

void AddResponseOverrides(QueryBuilder& query, const BlobSasOptions& options) {
    query.Add("ses", options.encryption_scope);
    query.Add("rscc", options.cache_control);
    query.Add("rscd", options.content_disposition);
    query.Add("rsce", options.content_encoding);
    query.Add("rscl", options.content_language);
    query.Add("rsct", options.content_type);
}

}  // namespace

std::string NormalizeBlobSasPermissions(std::string_view permissions) {
    return NormalizeLetters(permissions, "racwdxytmei", "blob SAS permission");
}

std::string NormalizeContainerSasPermissions(std::string_view permissions) {
    return NormalizeLetters(permissions, "racwdxyltfmei", "container SAS permission");
}

std::string NormalizeAccountSasPermissions(std::string_view permissions) {
    return NormalizeLetters(permissions, "rwdxylacupfti", "account SAS permission");
}

std::string NormalizeAccountSasServices(std::string_view services) {
    return NormalizeLetters(services, "bqtf", "account SAS service");
}

std::string NormalizeAccountSasResourceTypes(std::string_view resource_types) {
    return NormalizeLetters(resource_types, "sco", "account SAS resource type");
}

SasToken GenerateBlobSas(const SharedKeyCredential& credential, const BlobSasOptions& options) {
    const BlobSasFields f = PrepareBlobSas(credential.account_name(), options);
    SasToken token;
    token.string_to_sign =
        Lines({f.permissions, f.start, f.expiry, f.canonical_resource, options.identifier,
               options.ip_range, options.protocol, options.version, f.resource, f.timestamp,
               options.encryption_scope, options.cache_control, options.content_disposition,
               options.content_encoding, options.content_language, options.content_type});

    QueryBuilder query;
    query.Add("sv", options.version);
    query.Add("sr", f.resource);
    query.Add("sp", f.permissions);
    query.Add("st", f.start);
    query.Add("se", f.expiry);
    query.Add("sip", options.ip_range);
    query.Add("spr", options.protocol);
    query.Add("si", options.identifier);
    AddResponseOverrides(query, options);
    query.Add("sig", credential.Sign(token.string_to_sign));
    token.query = query.Take();
    return token;
}

SasToken GenerateUserDelegationSas(std::string_view account_name, const UserDelegationKey& key,
                                   const BlobSasOptions& options) {
    if (!options.identifier.empty()) {
        throw Invalid("a user delegation SAS cannot use a stored access policy");
    }
    if (!options.authorized_object_id.empty() && !options.unauthorized_object_id.empty()) {
        throw Invalid("a user delegation SAS takes saoid or suoid, not both");
    }
    if (key.signed_object_id.empty() || key.signed_tenant_id.empty() ||
        key.signed_starts_on.empty() || key.signed_expires_on.empty() ||
        key.signed_service.empty() || key.signed_version.empty()) {
        throw Invalid("user delegation key is incomplete");
    }
    const auto key_bytes = crypto::Base64Decode(key.value);
    if (!key_bytes || key_bytes->empty()) {
        throw Invalid("user delegation key value is not valid base64");
    }
    const BlobSasFields f = PrepareBlobSas(account_name, options);

    SasToken token;
    token.string_to_sign = Lines({f.permissions,
                                  f.start,
                                  f.expiry,
                                  f.canonical_resource,
                                  key.signed_object_id,
                                  key.signed_tenant_id,
                                  key.signed_starts_on,
                                  key.signed_expires_on,
                                  key.signed_service,
                                  key.signed_version,
                                  options.authorized_object_id,
                                  options.unauthorized_object_id,
                                  options.correlation_id,
                                  options.ip_range,
                                  options.protocol,
                                  options.version,
                                  f.resource,
                                  f.timestamp,
                                  options.encryption_scope,
                                  options.cache_control,
                                  options.content_disposition,
                                  options.content_encoding,
                                  options.content_language,
                                  options.content_type});

    QueryBuilder query;
    query.Add("sv", options.version);
    query.Add("sr", f.resource);
    query.Add("sp", f.permissions);
    query.Add("st", f.start);
    query.Add("se", f.expiry);
    query.Add("sip", options.ip_range);
    query.Add("spr", options.protocol);
    query.Add("skoid", key.signed_object_id);
    query.Add("sktid", key.signed_tenant_id);
    query.Add("skt", key.signed_starts_on);
    query.Add("ske", key.signed_expires_on);
    query.Add("sks", key.signed_service);
    query.Add("skv", key.signed_version);
    query.Add("saoid", options.authorized_object_id);
    query.Add("suoid", options.unauthorized_object_id);
    query.Add("scid", options.correlation_id);
    AddResponseOverrides(query, options);
    query.Add("sig", crypto::Base64Encode(crypto::HmacSha256(*key_bytes, token.string_to_sign)));
    token.query = query.Take();
    return token;
}

SasToken GenerateAccountSas(const SharedKeyCredential& credential,
                            const AccountSasOptions& options) {
    CheckVersion(options.version);
    CheckProtocol(options.protocol);
    const std::string services = NormalizeAccountSasServices(options.services);
    const std::string resource_types = NormalizeAccountSasResourceTypes(options.resource_types);
    const std::string permissions = NormalizeAccountSasPermissions(options.permissions);
    if (services.empty()) throw Invalid("account SAS needs services");
    if (resource_types.empty()) throw Invalid("account SAS needs resource types");
    if (permissions.empty()) throw Invalid("SAS needs permissions");
    if (options.expires_on == 0) throw Invalid("SAS needs an expiry time");
    const std::string start = FormatTime(options.starts_on);
    const std::string expiry = core::FormatRfc3339(options.expires_on);

    SasToken token;
    // Unlike the service SAS, the account string-to-sign ends with a newline.
    token.string_to_sign =
        Lines({credential.account_name(), permissions, services, resource_types, start, expiry,
               options.ip_range, options.protocol, options.version, options.encryption_scope, ""});

    QueryBuilder query;
    query.Add("sv", options.version);
    query.Add("ss", services);
    query.Add("srt", resource_types);
    query.Add("sp", permissions);
    query.Add("st", start);
    query.Add("se", expiry);
    query.Add("sip", options.ip_range);
    query.Add("spr", options.protocol);
    query.Add("ses", options.encryption_scope);
    query.Add("sig", credential.Sign(token.string_to_sign));
    token.query = query.Take();
    return token;
}

std::string NormalizeSasToken(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    const auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) throw Invalid("SAS token is empty");
    text = text.substr(first, text.find_last_not_of(kSpace) - first + 1);

    std::string query;
    if (StartsWithScheme(text)) {
        query = SplitUrl(text).query;
        if (query.empty()) throw Invalid("SAS URL has no query string");
    } else {
        query = std::string(text);
    }
    // Every leading '?' (and empty parameter) goes ("??sv=..." pasted twice, "&?sv=..."), and
    // what is left must not read as a URL: the result must normalize to itself, as it is
    // normalized again wherever it is read back (a "://" inside a value is no URL).
    query.erase(0, query.find_first_not_of("?&"));
    if (StartsWithScheme(query)) throw Invalid("SAS token is malformed");
    if (std::any_of(query.begin(), query.end(), [](char ch) {
            const auto c = static_cast<unsigned char>(ch);
            return c <= 0x20 || c == 0x7F || c == '#';  // a URL holds none of them raw
        })) {
        throw Invalid("SAS token contains whitespace, a control character or '#'");
    }

    std::string normalized;
    bool has_signature = false;
    std::string_view rest = query;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        if (!PercentDecode(pair.substr(0, eq)) ||
            (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1)))) {
            throw Invalid("SAS token has a malformed percent-encoding");
        }
        if (pair.substr(0, eq) == "sig" && eq != std::string_view::npos && eq + 1 < pair.size()) {
            has_signature = true;
        }
        if (!normalized.empty()) normalized.push_back('&');
        normalized += pair;
    }
    if (normalized.empty()) throw Invalid("SAS token is empty");
    if (!has_signature) throw Invalid("SAS token has no signature (sig)");
    return normalized;
}

}  // namespace cerulean::azure
