#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace cerulean::core {

/// A Cerulean user account.
struct User {
    std::int64_t id = 0;                   ///< positive once stored
    std::string email;                     ///< lower-cased, unique
    std::optional<std::string> full_name;  ///< display name
    std::string password_hash;             ///< Argon2id hash string; never leaves the server
    bool is_active = true;                 ///< inactive users cannot sign in or use tokens
    bool is_superuser = false;             ///< may manage other users
    std::int64_t token_version = 0;        ///< raised to invalidate earlier tokens
    UnixMillis created_at = 0;             ///< creation time
    UnixMillis updated_at = 0;             ///< last change
};

}  // namespace cerulean::core
