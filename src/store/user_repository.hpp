#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/user.hpp"
#include "store/database.hpp"

namespace cerulean::store {

/// A page of a list, with the count of all matching rows.
template <class T>
struct Page {
    std::vector<T> items;    ///< the rows of this page
    std::int64_t total = 0;  ///< all rows, across pages
};

/// Fields of a user that an update may change; unset fields stay as they are.
struct UserUpdate {
    std::optional<std::optional<std::string>> full_name;  ///< set (or clear) the display name
    std::optional<std::string> password_hash;             ///< new hash; bumps token_version
    std::optional<bool> is_active;                        ///< deactivating bumps token_version
    std::optional<bool> is_superuser;                     ///< superuser flag
    /// A new hash of the same password (stronger parameters): earlier tokens stay valid.
    bool rehash_only = false;
};

/// Users in the database. Emails are compared lower-cased.
class UserRepository {
 public:
    /// A repository over `db`.
    explicit UserRepository(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    /// Stores a new user (id, created_at and updated_at are set); throws core::Error
    /// (kAlreadyExists, "email_taken") when the email is in use.
    core::User Create(core::User user);
    /// The user with `id`.
    std::optional<core::User> FindById(std::int64_t id);
    /// FindById on the calling thread without waiting (see TryWithSessionNow, and its read
    /// batches for `batch_end`): true with `user` set when it could; false when FindById must
    /// be called where waiting is fine.
    bool TryFindByIdNow(std::int64_t id, std::optional<core::User>& user,
                        bool (*batch_end)(void (*)()) = nullptr);
    /// The user with `email` (case-insensitive).
    std::optional<core::User> FindByEmail(const std::string& email);
    /// Users ordered by id.
    Page<core::User> List(std::int64_t skip, std::int64_t limit);
    /// Applies `update`; nullopt when there is no such user.
    std::optional<core::User> Update(std::int64_t id, const UserUpdate& update);
    /// How many users exist.
    std::int64_t Count();

 private:
    std::shared_ptr<Database> db_;
};

}  // namespace cerulean::store
