#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "azure/blob_client.hpp"
#include "azure/endpoint_policy.hpp"
#include "core/connection.hpp"
#include "crypto/vault.hpp"
#include "store/connection_repository.hpp"
#include "store/database.hpp"

namespace cerulean::service {

/// Rules for saved connections and the storage calls made with them.
struct ConnectionServiceOptions {
    azure::EndpointPolicy endpoints;  ///< which endpoints connections may name and reach
    std::string authority_host = "https://login.microsoftonline.com";  ///< Entra ID host
    std::chrono::milliseconds test_timeout{25'000};  ///< a test answers within the request deadline
    std::string ca_file;  ///< extra CA bundle for storage TLS (tests); empty: the system's
};

/// A connection as a request gives it: create and replace give every field they need, a patch
/// only those it changes. Credentials are the secret fields of `auth_type`, by name.
struct ConnectionFields {
    std::optional<std::string> name;                                ///< 1..100 characters
    std::optional<std::string> auth_type;                           ///< e.g. "account_key"
    std::optional<std::optional<std::string>> account_name;         ///< storage account
    std::optional<std::optional<std::string>> endpoint;             ///< blob service URL
    std::optional<std::optional<std::string>> container_name;       ///< default container
    std::optional<bool> is_active;                                  ///< refuse storage calls
    std::optional<std::optional<std::string>> sync_preferences;     ///< JSON object text
    std::optional<std::map<std::string, std::string>> credentials;  ///< the secret fields
};

/// The outcome of testing a connection.
struct ConnectionTestResult {
    bool ok = false;              ///< the storage account answered with these credentials
    std::int64_t latency_ms = 0;  ///< how long the call took (when ok)
    std::string code;             ///< why not (when not ok), e.g. "azure_auth_failed"
    std::string detail;           ///< a readable sentence, never a secret
};

/// Users' storage connections: validation, encrypted credentials, and the Azure client made
/// from them. Every call blocks (database, Azure): run it on the blocking pool. Another user's
/// connection answers exactly like a missing one (404 "connection_not_found").
class ConnectionService {
 public:
    /// A service over `db`, sealing with `vault`.
    ConnectionService(std::shared_ptr<store::Database> db,
                      std::shared_ptr<const crypto::Vault> vault, ConnectionServiceOptions options);

    /// Saves a new connection (422 with fields, 409 "connection_name_taken").
    core::Connection Create(std::int64_t user_id, const ConnectionFields& fields);
    /// The user's connection `id`.
    core::Connection Get(std::int64_t user_id, std::int64_t id);
    /// The user's connections.
    store::Page<core::Connection> List(std::int64_t user_id, std::int64_t skip, std::int64_t limit);
    /// Replaces every field (the same body as create).
    core::Connection Replace(std::int64_t user_id, std::int64_t id, const ConnectionFields& fields);
    /// Changes the given fields; credentials only when given, and required when auth_type
    /// changes.
    core::Connection Patch(std::int64_t user_id, std::int64_t id, const ConnectionFields& fields);
    /// Deletes the connection.
    void Delete(std::int64_t user_id, std::int64_t id);
    /// Tries the cheapest call the credentials allow; never throws for Azure's answers.
    /// `client_request_id` goes to Azure as `x-ms-client-request-id` (empty: a fresh one).
    ConnectionTestResult Test(std::int64_t user_id, std::int64_t id,
                              std::string_view client_request_id = {});
    /// An Azure client for the connection (409 "connection_inactive" when it is inactive).
    azure::BlobClient Client(std::int64_t user_id, std::int64_t id);

 private:
    struct Resolved;
    Resolved Resolve(const core::Connection& base, const ConnectionFields& fields, bool full) const;
    core::Connection Apply(std::int64_t user_id, std::int64_t id, const ConnectionFields& fields,
                           bool full);
    azure::BlobClient MakeClient(const core::Connection& connection,
                                 const std::string& credentials) const;

    store::ConnectionRepository repo_;
    ConnectionServiceOptions options_;
    std::shared_ptr<azure::HttpTransport> transport_;
};

/// True for a valid Azure container name (3..63 lowercase letters, digits and single hyphens,
/// starting and ending with a letter or digit), or "$root" / "$web".
bool IsValidContainerName(std::string_view name) noexcept;

}  // namespace cerulean::service
