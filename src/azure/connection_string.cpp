#include "azure/connection_string.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "azure/sas.hpp"
#include "azure/url.hpp"
#include "core/error.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::azure {
namespace {

core::Error Invalid(std::string message) {
    return {core::ErrorCode::kInvalidArgument, std::move(message), "invalid_connection_string"};
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
        text.remove_suffix(1);
    }
    return text;
}

std::string ToLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool IsValidAccountName(std::string_view name) {
    return !name.empty() && std::ranges::all_of(name, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
    });
}

bool IsValidHostSuffix(std::string_view suffix) {
    return !suffix.empty() && std::ranges::all_of(suffix, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == ':';
    });
}

// The settings Cerulean reads; every other key is ignored, as Azure's SDKs do.
struct Settings {
    std::optional<std::string> protocol;
    std::optional<std::string> account_name;
    std::optional<std::string> account_key;
    std::optional<std::string> blob_endpoint;
    std::optional<std::string> endpoint_suffix;
    std::optional<std::string> sas;
    std::optional<std::string> use_development_storage;
    std::optional<std::string> proxy_uri;
};

Settings Split(std::string_view text) {
    Settings settings;
    std::size_t index = 0;
    while (!text.empty()) {
        const auto semicolon = text.find(';');
        const std::string_view segment = Trim(text.substr(0, semicolon));
        text =
            semicolon == std::string_view::npos ? std::string_view{} : text.substr(semicolon + 1);
        ++index;
        if (segment.empty()) continue;
        const auto eq = segment.find('=');
        if (eq == std::string_view::npos) {
            throw Invalid("connection string segment " + std::to_string(index) + " has no '='");
        }
        const std::string key = ToLower(Trim(segment.substr(0, eq)));
        std::string value(Trim(segment.substr(eq + 1)));
        if (key.empty()) {
            throw Invalid("connection string segment " + std::to_string(index) +
                          " has an empty key");
        }
        // Keys are plain words. A key holding '+' or '/' is a pasted secret without its
        // "AccountKey=" (base64 keys end in "=="): ignoring it as unknown would hide the mistake.
        if (!std::all_of(key.begin(), key.end(),
                         [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
            throw Invalid("connection string segment " + std::to_string(index) +
                          " has a malformed key");
        }
        if (key == "defaultendpointsprotocol") {
            settings.protocol = std::move(value);
        } else if (key == "accountname") {
            settings.account_name = std::move(value);
        } else if (key == "accountkey") {
            settings.account_key = std::move(value);
        } else if (key == "blobendpoint") {
            settings.blob_endpoint = std::move(value);
        } else if (key == "endpointsuffix") {
            settings.endpoint_suffix = std::move(value);
        } else if (key == "sharedaccesssignature") {
            settings.sas = std::move(value);
        } else if (key == "usedevelopmentstorage") {
            settings.use_development_storage = std::move(value);
        } else if (key == "developmentstorageproxyuri") {
            settings.proxy_uri = std::move(value);
        }
    }
    return settings;
}

std::string DevelopmentEndpoint(const std::optional<std::string>& proxy_uri) {
    if (!proxy_uri) return std::string(kDevelopmentBlobEndpoint);
    std::string normalized;
    try {
        normalized = NormalizeEndpoint(*proxy_uri);
    } catch (const core::Error& e) {
        throw Invalid(std::string("connection string DevelopmentStorageProxyUri: ") + e.what());
    }
    // The emulator keeps its port and account path behind the proxy host, as the .NET
    // storage client did.
    const UrlParts parts = SplitUrl(normalized);
    std::string host = parts.authority;
    if (!host.empty() && host.front() == '[') {
        host = host.substr(0, host.find(']') + 1);
    } else {
        host = host.substr(0, host.find(':'));
    }
    return parts.scheme + "://" + host + ":10000/" + std::string(kDevelopmentAccountName);
}

bool UsesDevelopmentStorage(const Settings& settings) {
    if (!settings.use_development_storage) return false;
    const std::string flag = ToLower(*settings.use_development_storage);
    if (flag != "true" && flag != "false") {
        throw Invalid("connection string UseDevelopmentStorage must be true or false");
    }
    return flag == "true";
}

ConnectionString DevelopmentStorage(const Settings& settings) {
    if (settings.account_name || settings.account_key || settings.blob_endpoint || settings.sas ||
        settings.endpoint_suffix) {
        throw Invalid(
            "connection string UseDevelopmentStorage=true cannot be combined with AccountName, "
            "AccountKey, BlobEndpoint, EndpointSuffix or SharedAccessSignature");
    }
    ConnectionString result;
    result.development_storage = true;
    result.account_name = std::string(kDevelopmentAccountName);
    result.account_key = std::string(kDevelopmentAccountKey);
    result.blob_endpoint = DevelopmentEndpoint(settings.proxy_uri);
    return result;
}

// BlobEndpoint when given, else built from the protocol, account name and suffix.
std::string BlobEndpoint(const Settings& settings) {
    std::string protocol = "https";
    if (settings.protocol) {
        protocol = ToLower(*settings.protocol);
        if (protocol != "http" && protocol != "https") {
            throw Invalid("connection string DefaultEndpointsProtocol must be http or https");
        }
    }
    if (settings.blob_endpoint) {
        try {
            return NormalizeEndpoint(*settings.blob_endpoint);
        } catch (const core::Error& e) {
            throw Invalid(std::string("connection string BlobEndpoint: ") + e.what());
        }
    }
    if (!settings.account_name) {
        throw Invalid("connection string has no AccountName (nor a BlobEndpoint)");
    }
    std::string suffix = "core.windows.net";
    if (settings.endpoint_suffix) {
        std::string_view given = *settings.endpoint_suffix;
        while (!given.empty() && given.front() == '.') given.remove_prefix(1);
        if (!IsValidHostSuffix(given)) {
            throw Invalid("connection string EndpointSuffix is not a valid host name suffix");
        }
        suffix = std::string(given);
    }
    return protocol + "://" + *settings.account_name + ".blob." + suffix;
}

}  // namespace

CredentialKind ConnectionString::Kind() const noexcept {
    if (!account_key.empty()) return CredentialKind::kSharedKey;
    if (!sas_token.empty()) return CredentialKind::kSas;
    return CredentialKind::kAnonymous;
}

ConnectionString ParseConnectionString(std::string_view text) {
    if (Trim(text).empty()) throw Invalid("connection string is empty");
    const Settings settings = Split(text);
    if (UsesDevelopmentStorage(settings)) return DevelopmentStorage(settings);

    ConnectionString result;
    if (settings.account_name) {
        if (!IsValidAccountName(*settings.account_name)) {
            throw Invalid("connection string AccountName is not a valid account name");
        }
        result.account_name = *settings.account_name;
    }
    if (settings.account_key) {
        const auto decoded = crypto::Base64Decode(*settings.account_key);
        if (!decoded || decoded->empty()) {
            throw Invalid("connection string AccountKey is not valid base64");
        }
        if (!settings.account_name) {
            throw Invalid("connection string has an AccountKey but no AccountName");
        }
        result.account_key = *settings.account_key;
    }
    if (settings.sas) {
        try {
            result.sas_token = NormalizeSasToken(*settings.sas);
        } catch (const core::Error& e) {
            throw Invalid(std::string("connection string SharedAccessSignature: ") + e.what());
        }
    }
    result.blob_endpoint = BlobEndpoint(settings);
    if (result.account_name.empty()) {
        result.account_name = AccountNameFromEndpoint(result.blob_endpoint);
    }
    return result;
}

}  // namespace cerulean::azure
