#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/user.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/token_signer.hpp"
#include "service/audit_log.hpp"
#include "store/database.hpp"
#include "store/login_failure_repository.hpp"
#include "store/user_repository.hpp"

namespace cerulean::service {

/// Sign-in and account rules.
struct UserServiceOptions {
    int token_ttl_seconds = 3600;  ///< lifetime of issued access tokens
    bool allow_signup = true;      ///< open registration
    /// Failed sign-ins from one client address before it is throttled: stops a guesser at one
    /// address without locking its victims out from anywhere else.
    int max_failures_per_address = 10;
    /// Failed sign-ins of one email, from all addresses together, before it is throttled:
    /// stops a guesser spread over many addresses.
    int max_failures_per_email = 50;
    std::chrono::seconds failure_window{15 * 60};  ///< the window those failures count in
    std::size_t min_password_chars = 8;            ///< shortest password, in characters
};

/// A freshly issued access token.
struct IssuedToken {
    std::string access_token;  ///< the JWT
    int expires_in = 0;        ///< seconds until it expires
};

/// What registration takes.
struct Registration {
    std::string email;                     ///< the sign-in name
    std::string password;                  ///< the password, at least 8 characters
    std::optional<std::string> full_name;  ///< display name
    bool is_superuser = false;             ///< only from the command line
};

/// A user's change of their own account.
struct SelfUpdate {
    std::optional<std::optional<std::string>> full_name;  ///< set or clear the display name
    std::optional<std::string> password;                  ///< new password
    std::optional<std::string> current_password;          ///< required with `password`
};

/// A superuser's change of another account.
struct AdminUpdate {
    std::optional<bool> is_active;     ///< (de)activate; deactivation revokes tokens
    std::optional<bool> is_superuser;  ///< grant or revoke superuser
};

/// Users, passwords, tokens and sign-in throttling. Every call blocks (database, Argon2id):
/// run it on the blocking pool.
class UserService {
 public:
    /// A service over `db`, hashing with `hasher` and signing with `signer`.
    UserService(std::shared_ptr<store::Database> db,
                std::shared_ptr<const crypto::PasswordHasher> hasher,
                std::shared_ptr<const crypto::TokenSigner> signer, UserServiceOptions options,
                std::shared_ptr<AuditLog> audit = nullptr);

    /// Creates an account. Throws core::Error: kPermissionDenied "signup_disabled" (unless
    /// `from_cli`), kInvalidArgument with fields for a bad email or short password,
    /// kAlreadyExists "email_taken".
    core::User Register(Registration registration, bool from_cli = false);

    /// Checks a password and issues a token. The answer for an unknown email and a wrong
    /// password is the same 401 "invalid_credentials" and takes about as long; after
    /// `max_failures` failures of the email or of `client_address` in the window, 429
    /// "too_many_attempts" with a retry-after.
    /// Sign-ins and wrong passwords are written to the audit log (`request_id` names the
    /// request).
    IssuedToken Login(const std::string& email, const std::string& password,
                      const std::string& client_address, const std::string& request_id = {});

    /// The user a bearer token belongs to. Throws 401 "invalid_token" for a bad, expired or
    /// revoked token (password changed, user deactivated), 403 "inactive_user".
    core::User Authenticate(std::string_view token);

    /// Authenticate on the calling thread, when the user can be read without waiting (SQLite
    /// with a free session, see store::TryWithSessionNow): the same checks, the same errors.
    /// Nullopt when it cannot, and Authenticate must then be called where waiting is fine.
    /// `batch_end`: see store::TryWithSessionNow (an I/O thread's reads share a transaction).
    std::optional<core::User> TryAuthenticateNow(std::string_view token,
                                                 bool (*batch_end)(void (*)()) = nullptr);

    /// Applies a user's change of their own account.
    core::User UpdateSelf(const core::User& me, const SelfUpdate& update);

    /// Every user (superusers only: 403 "not_superuser" otherwise).
    store::Page<core::User> List(const core::User& actor, std::int64_t skip, std::int64_t limit);

    /// A superuser's change of user `id` (404 "user_not_found").
    core::User Administer(const core::User& actor, std::int64_t id, const AdminUpdate& update);

 private:
    class Attempt;
    /// Counts a password attempt for each subject against its limit (failures in the window),
    /// before the password is judged; throws 429 "too_many_attempts" when one is over it.
    std::unique_ptr<Attempt> Admit(const std::vector<std::pair<std::string, int>>& limits);
    /// Whom a valid token names: the user's id and the token version it was issued under.
    struct Subject {
        std::int64_t id = 0;
        std::int64_t version = 0;
    };
    /// The subject of `token`; throws 401 "invalid_token" for a bad or expired token.
    [[nodiscard]] Subject TokenSubject(std::string_view token) const;
    /// The subject's user as read, checked: 401 "invalid_token" when gone or the token is
    /// revoked, 403 "inactive_user".
    static core::User Checked(std::optional<core::User> user, const Subject& subject);

    std::shared_ptr<store::Database> db_;
    store::UserRepository users_;
    store::LoginFailureRepository failures_;
    std::shared_ptr<const crypto::PasswordHasher> hasher_;
    std::shared_ptr<const crypto::TokenSigner> signer_;
    UserServiceOptions options_;
    std::shared_ptr<AuditLog> audit_;
};

/// Lower-cased, trimmed email when it is plausible (one '@', a dotted domain, no spaces or
/// control characters, at most 254 bytes); nullopt otherwise.
std::optional<std::string> NormalizeEmail(std::string_view email);

/// The number of Unicode characters (code points) in UTF-8 text.
std::size_t Utf8Length(std::string_view text) noexcept;

}  // namespace cerulean::service
