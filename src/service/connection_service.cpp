#include "service/connection_service.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <set>

#include "azure/connection_string.hpp"
#include "azure/credential.hpp"
#include "azure/curl_transport.hpp"
#include "azure/sas.hpp"
#include "azure/shared_key.hpp"
#include "azure/storage_error.hpp"
#include "azure/token_source.hpp"
#include "azure/url.hpp"
#include "core/error.hpp"
#include "crypto/encoding.hpp"
#include "service/user_service.hpp"

namespace cerulean::service {
namespace {

constexpr std::size_t kMaxSyncPreferencesBytes = 16 * 1024;

core::Error NotFound() {
    return core::Error(core::ErrorCode::kNotFound, "no such connection", "connection_not_found");
}

// The secret fields each auth type takes, all required.
const std::set<std::string>& CredentialKeys(core::AuthType type) {
    static const std::map<core::AuthType, std::set<std::string>> kKeys{
        {core::AuthType::kConnectionString, {"connection_string"}},
        {core::AuthType::kAccountKey, {"account_key"}},
        {core::AuthType::kSasToken, {"sas_token"}},
        {core::AuthType::kServicePrincipal, {"tenant_id", "client_id", "client_secret"}},
        {core::AuthType::kUserMsIdentity, {"access_token"}},
        {core::AuthType::kAnonymous, {}},
    };
    return kKeys.at(type);
}

bool IsStandardAccountName(std::string_view name) {
    if (name.size() < 3 || name.size() > 24) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

// Whether `name` looks like a field name (lower-case words joined by '_'), not free text.
bool IsFieldName(std::string_view name) {
    return !name.empty() && name.size() <= 40 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

std::string CredentialsJson(const std::map<std::string, std::string>& credentials) {
    boost::json::object object;
    for (const auto& [key, value] : credentials) object[key] = value;
    return boost::json::serialize(object);
}

std::map<std::string, std::string> ParseCredentials(const std::string& json) {
    std::map<std::string, std::string> out;
    const auto value = boost::json::parse(json);
    for (const auto& [key, field] : value.as_object()) {
        out[std::string(key)] = std::string(field.as_string());
    }
    return out;
}

// Collects field errors and throws them together.
class Problems {
 public:
    void Add(std::string field, std::string message) {
        error_.WithField(std::move(field), std::move(message));
    }
    void Add(const core::Error& error, const std::string& field) {
        if (!error.reason().empty() && reason_.empty() && error.reason() != "validation_error") {
            reason_ = error.reason();
        }
        if (error.field_errors().empty()) {
            Add(field, error.what());
        } else {
            for (const auto& f : error.field_errors()) Add(f.field, f.message);
        }
    }
    void ThrowIfAny() {
        if (error_.field_errors().empty()) return;
        core::Error error(
            core::ErrorCode::kInvalidArgument,
            error_.field_errors().front().field + " " + error_.field_errors().front().message,
            reason_.empty() ? "validation_error" : reason_);
        for (const auto& f : error_.field_errors()) error.WithField(f.field, f.message);
        throw error;
    }

 private:
    core::Error error_{core::ErrorCode::kInvalidArgument, "invalid connection"};
    std::string reason_;
};

}  // namespace

bool IsValidContainerName(std::string_view name) noexcept {
    if (name == "$root" || name == "$web") return true;
    if (name.size() < 3 || name.size() > 63) return false;
    const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(name.front()) || !alnum(name.back())) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '-') {
            if (name[i - 1] == '-') return false;
        } else if (!alnum(name[i])) {
            return false;
        }
    }
    return true;
}

struct ConnectionService::Resolved {
    core::Connection connection;
    std::optional<std::string> credentials;  // sealed-to-be JSON, when given
};

ConnectionService::ConnectionService(std::shared_ptr<store::Database> db,
                                     std::shared_ptr<const crypto::Vault> vault,
                                     ConnectionServiceOptions options)
    : repo_(std::move(db), std::move(vault)), options_(std::move(options)) {
    azure::TransportOptions transport;
    transport.ca_file = options_.ca_file;
    const azure::EndpointPolicy policy = options_.endpoints;
    // Checked again where a request connects: a saved name may resolve elsewhere later.
    transport.address_filter = [policy](const sockaddr* address) {
        return azure::IsAddressAllowed(address, policy);
    };
    transport_ = std::make_shared<azure::CurlTransport>(transport);
}

ConnectionService::Resolved ConnectionService::Resolve(const core::Connection& base,
                                                       const ConnectionFields& fields,
                                                       bool full) const {
    Problems problems;
    Resolved out;
    core::Connection& c = out.connection;
    c = base;
    if (full || fields.name) {
        const std::string name = fields.name.value_or("");
        const std::size_t chars = Utf8Length(name);
        if (!fields.name) {
            problems.Add("name", "is required");
        } else if (chars < 1 || chars > 100 ||
                   name.find_first_not_of(" \t\r\n") == std::string::npos) {
            problems.Add("name", "must be 1 to 100 characters, not only spaces");
        }
        c.name = name;
    }
    const std::optional<core::AuthType> previous_type =
        base.id > 0 ? std::optional(base.auth_type) : std::nullopt;
    if (full || fields.auth_type) {
        const auto type = fields.auth_type ? core::ParseAuthType(*fields.auth_type) : std::nullopt;
        if (!type) {
            problems.Add("auth_type",
                         fields.auth_type ? "is not a known auth type" : "is required");
            problems.ThrowIfAny();
        }
        c.auth_type = *type;
    }
    if ((full || (previous_type && c.auth_type != *previous_type)) && !fields.credentials) {
        problems.Add("credentials",
                     full ? "is required" : "must be given again when auth_type changes");
    }
    if (full) {
        c.account_name.clear();
        c.endpoint.clear();
        c.container_name.reset();
        c.sync_preferences.reset();
        c.is_active = true;
    }
    std::optional<std::string> account =
        fields.account_name
            ? *fields.account_name
            : (c.account_name.empty() ? std::nullopt : std::optional(c.account_name));
    std::optional<std::string> endpoint =
        fields.endpoint ? *fields.endpoint
                        : (c.endpoint.empty() ? std::nullopt : std::optional(c.endpoint));
    if (fields.container_name) c.container_name = *fields.container_name;
    if (fields.is_active) c.is_active = *fields.is_active;
    if (fields.sync_preferences) c.sync_preferences = *fields.sync_preferences;

    // Credentials: exactly the fields of the auth type, each a non-empty string.
    if (fields.credentials) {
        const auto& keys = CredentialKeys(c.auth_type);
        for (const auto& [key, value] : *fields.credentials) {
            if (keys.count(key) == 0 && IsFieldName(key)) {
                problems.Add("credentials." + key,
                             "is not a field of " + std::string(core::ToString(c.auth_type)));
            } else if (keys.count(key) == 0) {
                // Not shaped like a field name: maybe a secret pasted in the wrong place, so
                // it is not echoed back.
                problems.Add("credentials", "has a field that is not one of " +
                                                std::string(core::ToString(c.auth_type)) + "'s");
            } else if (value.empty()) {
                problems.Add("credentials." + key, "must not be empty");
            }
        }
        for (const auto& key : keys) {
            if (fields.credentials->count(key) == 0) {
                problems.Add("credentials." + key, "is required");
            }
        }
        problems.ThrowIfAny();
        const auto& creds = *fields.credentials;
        try {
            switch (c.auth_type) {
                case core::AuthType::kConnectionString: {
                    const auto cs = azure::ParseConnectionString(creds.at("connection_string"));
                    const std::string cs_endpoint = azure::CheckEndpoint(
                        cs.blob_endpoint, options_.endpoints, "credentials.connection_string");
                    if (fields.account_name && *fields.account_name &&
                        **fields.account_name != cs.account_name) {
                        problems.Add("account_name", "must match the connection string's");
                    }
                    if (fields.endpoint && *fields.endpoint &&
                        azure::NormalizeEndpoint(**fields.endpoint) != cs_endpoint) {
                        problems.Add("endpoint", "must match the connection string's");
                    }
                    account = cs.account_name;
                    endpoint = cs_endpoint;
                    break;
                }
                case core::AuthType::kAccountKey: {
                    const auto key = crypto::Base64Decode(creds.at("account_key"));
                    if (!key || key->empty()) {
                        problems.Add("credentials.account_key", "must be a base64 account key");
                    }
                    break;
                }
                case core::AuthType::kSasToken: {
                    const std::string& given = creds.at("sas_token");
                    azure::NormalizeSasToken(given);
                    // A full SAS URL also tells the endpoint and, for a container SAS, the
                    // container, when the request does not.
                    if (given.rfind("https://", 0) == 0 || given.rfind("http://", 0) == 0) {
                        const auto parts = azure::SplitUrl(given);
                        std::string path = parts.path;
                        std::string url_endpoint = parts.scheme + "://" + parts.authority;
                        std::string container;
                        if (path.size() > 1) {
                            path.erase(0, 1);
                            const auto slash = path.find('/');
                            const bool path_style =
                                parts.authority.find('.') == std::string::npos ||
                                parts.authority.find(':') != std::string::npos;
                            if (path_style) {
                                url_endpoint += "/" + path.substr(0, slash);
                                path = slash == std::string::npos ? "" : path.substr(slash + 1);
                            }
                            container = path.substr(0, path.find('/'));
                        }
                        if (!endpoint) endpoint = url_endpoint;
                        if (!c.container_name && !container.empty()) c.container_name = container;
                    }
                    break;
                }
                case core::AuthType::kServicePrincipal: {
                    const auto& tenant = creds.at("tenant_id");
                    if (tenant.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                                                 "WXYZ0123456789.-") != std::string::npos) {
                        problems.Add("credentials.tenant_id",
                                     "must be a tenant id (a GUID) or a domain name");
                    }
                    break;
                }
                case core::AuthType::kUserMsIdentity:
                case core::AuthType::kAnonymous:
                    break;
            }
        } catch (const core::Error& e) {
            problems.Add(e, "credentials." + *CredentialKeys(c.auth_type).begin());
        }
        out.credentials = CredentialsJson(creds);
    } else if (c.auth_type == core::AuthType::kConnectionString &&
               ((fields.account_name && *fields.account_name != c.account_name) ||
                (fields.endpoint && *fields.endpoint != c.endpoint))) {
        problems.Add(fields.endpoint ? "endpoint" : "account_name",
                     "comes from the connection string: give new credentials to change it");
    }

    // Account and endpoint.
    if (!endpoint && account) endpoint = "https://" + *account + ".blob.core.windows.net";
    if (!endpoint) {
        problems.Add("account_name", "is required (or give an endpoint)");
    } else {
        bool endpoint_ok = true;
        try {
            endpoint = azure::CheckEndpoint(*endpoint, options_.endpoints);
        } catch (const core::Error& e) {
            problems.Add(e, "endpoint");
            endpoint_ok = false;
        }
        // A refused endpoint is not parsed any further (it need not even be a URL).
        if (endpoint_ok && (!account || account->empty())) {
            const std::string derived = azure::AccountNameFromEndpoint(*endpoint);
            if (!derived.empty()) account = derived;
        }
        if (!endpoint_ok) {
            // Reported above; the account cannot be judged without it.
        } else if (!account || account->empty()) {
            problems.Add("account_name", "is required");
        } else if (!fields.endpoint && !IsStandardAccountName(*account) &&
                   c.auth_type != core::AuthType::kConnectionString &&
                   c.auth_type != core::AuthType::kSasToken) {
            problems.Add("account_name", "must be 3 to 24 lowercase letters and digits");
        } else if (account->size() > 255) {
            problems.Add("account_name", "is too long");
        }
    }
    if (c.container_name && !IsValidContainerName(*c.container_name)) {
        problems.Add("container_name",
                     "must be 3 to 63 lowercase letters, digits and single hyphens");
    }
    if (c.sync_preferences && c.sync_preferences->size() > kMaxSyncPreferencesBytes) {
        problems.Add("sync_preferences", "must be at most 16 KiB");
    }
    problems.ThrowIfAny();
    c.account_name = account.value_or("");
    c.endpoint = endpoint.value_or("");
    return out;
}

core::Connection ConnectionService::Create(std::int64_t user_id, const ConnectionFields& fields) {
    core::Connection base;
    base.user_id = user_id;
    auto resolved = Resolve(base, fields, true);
    return repo_.Create(std::move(resolved.connection), *resolved.credentials);
}

core::Connection ConnectionService::Get(std::int64_t user_id, std::int64_t id) {
    auto connection = repo_.Get(user_id, id);
    if (!connection) throw NotFound();
    return *connection;
}

store::Page<core::Connection> ConnectionService::List(std::int64_t user_id, std::int64_t skip,
                                                      std::int64_t limit) {
    return repo_.List(user_id, skip, limit);
}

core::Connection ConnectionService::Replace(std::int64_t user_id, std::int64_t id,
                                            const ConnectionFields& fields) {
    return Apply(user_id, id, fields, /*full=*/true);
}

core::Connection ConnectionService::Patch(std::int64_t user_id, std::int64_t id,
                                          const ConnectionFields& fields) {
    return Apply(user_id, id, fields, /*full=*/false);
}

core::Connection ConnectionService::Apply(std::int64_t user_id, std::int64_t id,
                                          const ConnectionFields& fields, bool full) {
    auto resolved = Resolve(Get(user_id, id), fields, full);
    const auto& c = resolved.connection;
    store::ConnectionUpdate update;
    update.name = c.name;
    update.account_name = c.account_name;
    update.auth_type = c.auth_type;
    update.endpoint = c.endpoint;
    update.container_name = c.container_name;
    update.is_active = c.is_active;
    update.sync_preferences = c.sync_preferences;
    update.credentials = resolved.credentials;
    auto updated = repo_.Update(user_id, id, update);
    if (!updated) throw NotFound();
    return *updated;
}

void ConnectionService::Delete(std::int64_t user_id, std::int64_t id) {
    if (!repo_.Delete(user_id, id)) throw NotFound();
}

azure::BlobClient ConnectionService::MakeClient(const core::Connection& c,
                                                const std::string& credentials_json) const {
    // Checked again under the current settings: the endpoint may have been saved under wider
    // ones (loopback allowed, more suffixes) than the server runs with now.
    azure::CheckEndpoint(c.endpoint, options_.endpoints);
    const auto creds = ParseCredentials(credentials_json);
    std::shared_ptr<const azure::Credential> credential;
    switch (c.auth_type) {
        case core::AuthType::kConnectionString:
            credential =
                azure::MakeCredential(azure::ParseConnectionString(creds.at("connection_string")));
            break;
        case core::AuthType::kAccountKey:
            credential = std::make_shared<azure::AccountKeyCredential>(
                azure::SharedKeyCredential(c.account_name, creds.at("account_key")));
            break;
        case core::AuthType::kSasToken:
            credential = std::make_shared<azure::SasCredential>(creds.at("sas_token"));
            break;
        case core::AuthType::kServicePrincipal: {
            azure::ServicePrincipalOptions sp;
            sp.authority_host = options_.authority_host;
            sp.tenant_id = creds.at("tenant_id");
            sp.client_id = creds.at("client_id");
            sp.client_secret = creds.at("client_secret");
            credential = std::make_shared<azure::BearerCredential>(
                std::make_shared<azure::ClientSecretTokenSource>(std::move(sp), transport_));
            break;
        }
        case core::AuthType::kUserMsIdentity:
            credential = std::make_shared<azure::BearerCredential>(
                std::make_shared<azure::StaticTokenSource>(creds.at("access_token")));
            break;
        case core::AuthType::kAnonymous:
            credential = std::make_shared<azure::AnonymousCredential>();
            break;
    }
    azure::ClientOptions client;
    client.transport = transport_;
    return azure::BlobClient(c.endpoint, credential, client);
}

azure::BlobClient ConnectionService::Client(std::int64_t user_id, std::int64_t id) {
    const auto connection = Get(user_id, id);
    if (!connection.is_active) {
        throw core::Error(core::ErrorCode::kFailedPrecondition, "this connection is inactive",
                          "connection_inactive");
    }
    const auto credentials = repo_.ReadCredentials(user_id, id);
    if (!credentials) throw NotFound();
    return MakeClient(connection, *credentials);
}

ConnectionTestResult ConnectionService::Test(std::int64_t user_id, std::int64_t id,
                                             std::string_view client_request_id) {
    const auto connection = Get(user_id, id);
    if (!connection.is_active) {
        throw core::Error(core::ErrorCode::kFailedPrecondition, "this connection is inactive",
                          "connection_inactive");
    }
    const auto credentials = repo_.ReadCredentials(user_id, id);
    if (!credentials) throw NotFound();
    ConnectionTestResult result;
    const auto started = std::chrono::steady_clock::now();
    try {
        const auto client = MakeClient(connection, *credentials);
        azure::CallOptions call = azure::CallOptions::WithTimeout(options_.test_timeout);
        call.client_request_id = std::string(client_request_id);
        client.TestConnection(connection.container_name.value_or(""), call);
        result.ok = true;
        result.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
    } catch (const core::Error& e) {
        result.code = e.reason().empty() ? core::ToString(e.code()) : e.reason();
        result.detail = e.what();
    }
    return result;
}

}  // namespace cerulean::service
