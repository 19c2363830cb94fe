#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/connection.hpp"
#include "crypto/vault.hpp"
#include "store/database.hpp"
#include "store/user_repository.hpp"

namespace cerulean::store {

/// Fields of a connection that an update may change; unset fields stay as they are.
struct ConnectionUpdate {
    std::optional<std::string> name;                             ///< new name
    std::optional<std::string> account_name;                     ///< new account
    std::optional<core::AuthType> auth_type;                     ///< new auth type
    std::optional<std::string> endpoint;                         ///< new endpoint
    std::optional<std::optional<std::string>> container_name;    ///< set or clear
    std::optional<bool> is_active;                               ///< (de)activate
    std::optional<std::optional<std::string>> sync_preferences;  ///< set or clear
    std::optional<std::string> credentials;  ///< new secret, as plaintext; sealed on write
};

/// What a key rotation did.
struct KeyRotationReport {
    std::int64_t resealed = 0;  ///< rows re-encrypted under the primary key
    std::int64_t current = 0;   ///< rows that already were
};

/// Users' storage connections. Every call is scoped to one user: another user's row is never
/// read, changed or reported (it looks exactly like a missing one). Credentials are sealed by
/// the vault on write, bound to the row's user and id, and opened only by ReadCredentials.
class ConnectionRepository {
 public:
    /// A repository over `db`, sealing with `vault`.
    ConnectionRepository(std::shared_ptr<Database> db, std::shared_ptr<const crypto::Vault> vault)
        : db_(std::move(db)), vault_(std::move(vault)) {}

    /// Stores a new connection of `connection.user_id` with its secret `credentials`; throws
    /// core::Error (kAlreadyExists, "connection_name_taken") when the user has the name already.
    core::Connection Create(core::Connection connection, const std::string& credentials);
    /// The user's connection `id`.
    std::optional<core::Connection> Get(std::int64_t user_id, std::int64_t id);
    /// The user's connections by id.
    Page<core::Connection> List(std::int64_t user_id, std::int64_t skip, std::int64_t limit);
    /// Applies `update` to the user's connection `id`; nullopt when there is none. Throws
    /// like Create on a name clash.
    std::optional<core::Connection> Update(std::int64_t user_id, std::int64_t id,
                                           const ConnectionUpdate& update);
    /// Deletes the user's connection `id`; false when there is none.
    bool Delete(std::int64_t user_id, std::int64_t id);
    /// The decrypted credentials of the user's connection `id`, for a storage operation.
    std::optional<std::string> ReadCredentials(std::int64_t user_id, std::int64_t id);
    /// Re-encrypts every row not sealed with the vault's primary key, `batch_size` rows per
    /// transaction. Safe to interrupt and run again.
    KeyRotationReport RotateKeys(std::size_t batch_size = 100);

 private:
    std::shared_ptr<Database> db_;
    std::shared_ptr<const crypto::Vault> vault_;
};

/// The associated data that binds a sealed credential to its row.
std::string CredentialBinding(std::int64_t user_id, std::int64_t id);

}  // namespace cerulean::store
