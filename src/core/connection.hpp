#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace cerulean::core {

/// How a connection authenticates to Azure Blob Storage.
enum class AuthType {
    kConnectionString,  ///< a connection string with an account key or a SAS inside
    kAccountKey,        ///< a Shared Key
    kSasToken,          ///< an account or container SAS
    kServicePrincipal,  ///< OAuth2 client credentials against Microsoft Entra ID
    kUserMsIdentity,    ///< a user's Entra ID access token, used as given
    kAnonymous,         ///< public containers only
};

/// The API's name of an auth type, e.g. "connection_string".
std::string_view ToString(AuthType type) noexcept;
/// The auth type of an API name; nullopt for an unknown name.
std::optional<AuthType> ParseAuthType(std::string_view name) noexcept;

/// One user's saved storage connection, without its secret credentials.
struct Connection {
    std::int64_t id = 0;                          ///< positive once stored
    std::int64_t user_id = 0;                     ///< the owner
    std::string name;                             ///< unique per user
    std::string account_name;                     ///< storage account
    AuthType auth_type = AuthType::kAnonymous;    ///< how it authenticates
    std::string endpoint;                         ///< blob service URL
    std::optional<std::string> container_name;    ///< default container
    bool is_active = true;                        ///< inactive: storage operations refused
    std::optional<std::string> sync_preferences;  ///< the client's JSON object, as text
    UnixMillis created_at = 0;                    ///< creation time
    UnixMillis updated_at = 0;                    ///< last change
};

}  // namespace cerulean::core
