#include "service/user_service.hpp"

#include <algorithm>
#include <charconv>

#include "core/error.hpp"
#include "core/log.hpp"

namespace cerulean::service {
namespace {

core::Error InvalidCredentials() {
    return core::Error(core::ErrorCode::kUnauthenticated, "incorrect email or password",
                       "invalid_credentials");
}

core::Error InvalidToken() {
    return core::Error(core::ErrorCode::kUnauthenticated,
                       "the access token is missing, malformed, expired or revoked",
                       "invalid_token");
}

core::Error Inactive() {
    return core::Error(core::ErrorCode::kPermissionDenied, "this account is deactivated",
                       "inactive_user");
}

void RequireSuperuser(const core::User& actor) {
    if (!actor.is_superuser) {
        throw core::Error(core::ErrorCode::kPermissionDenied, "only a superuser may do this",
                          "not_superuser");
    }
}

}  // namespace

std::size_t Utf8Length(std::string_view text) noexcept {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::optional<std::string> NormalizeEmail(std::string_view email) {
    while (!email.empty() && email.front() == ' ') email.remove_prefix(1);
    while (!email.empty() && email.back() == ' ') email.remove_suffix(1);
    if (email.size() < 3 || email.size() > 254) return std::nullopt;
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 ||
        email.find('@', at + 1) != std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view domain = email.substr(at + 1);
    if (at > 64 || domain.size() < 3 || domain.find('.') == std::string_view::npos ||
        domain.front() == '.' || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos) {
        return std::nullopt;
    }
    std::string out;
    for (const char c : email) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"') {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(u < 0x80 ? std::tolower(u) : u));
    }
    return out;
}

UserService::UserService(std::shared_ptr<store::Database> db,
                         std::shared_ptr<const crypto::PasswordHasher> hasher,
                         std::shared_ptr<const crypto::TokenSigner> signer,
                         UserServiceOptions options, std::shared_ptr<AuditLog> audit)
    : db_(db),
      users_(db),
      failures_(db),
      hasher_(std::move(hasher)),
      signer_(std::move(signer)),
      options_(options),
      audit_(std::move(audit)) {}

core::User UserService::Register(Registration registration, bool from_cli) {
    if (!options_.allow_signup && !from_cli) {
        throw core::Error(core::ErrorCode::kPermissionDenied, "registration is disabled here",
                          "signup_disabled");
    }
    core::Error invalid(core::ErrorCode::kInvalidArgument, "the registration is invalid",
                        "validation_error");
    const auto email = NormalizeEmail(registration.email);
    if (!email) invalid.WithField("email", "is not a valid email address");
    if (Utf8Length(registration.password) < options_.min_password_chars) {
        invalid.WithField(
            "password",
            "must be at least " + std::to_string(options_.min_password_chars) + " characters");
    } else if (registration.password.size() > 4096) {
        invalid.WithField("password", "must be at most 4096 bytes");
    }
    if (registration.full_name && Utf8Length(*registration.full_name) > 200) {
        invalid.WithField("full_name", "must be at most 200 characters");
    }
    if (!invalid.field_errors().empty()) throw invalid;
    core::User user;
    user.email = *email;
    user.full_name = registration.full_name;
    user.password_hash = hasher_->Hash(registration.password);
    user.is_superuser = registration.is_superuser;
    return users_.Create(std::move(user));
}

// A password attempt counted against the throttle from before it is judged: forgotten when it
// leaves scope, unless it was kept as a failure.
class UserService::Attempt {
 public:
    Attempt(store::LoginFailureRepository& failures, std::vector<std::int64_t> ids)
        : failures_(failures), ids_(std::move(ids)) {}
    ~Attempt() {
        if (kept_) return;
        try {
            failures_.Release(ids_);
        } catch (const std::exception& e) {
            // It stays counted as a failure: stricter, never looser.
            core::log::Warn("auth.attempt_not_released", {{"error", e.what()}});
        }
    }
    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;
    /// The attempt failed: it stays counted.
    void KeepAsFailure() noexcept { kept_ = true; }

 private:
    store::LoginFailureRepository& failures_;
    std::vector<std::int64_t> ids_;
    bool kept_ = false;
};

std::unique_ptr<UserService::Attempt> UserService::Admit(
    const std::vector<std::pair<std::string, int>>& limits) {
    const core::UnixMillis now = core::NowMillis();
    const core::UnixMillis window_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.failure_window).count();
    // Throws when a subject had its limit of failures in the window before this attempt
    // (`own`: whether the window holds this attempt's row too).
    const auto check = [&](int own) {
        for (const auto& [subject, limit] : limits) {
            const auto window = failures_.Count(subject, now - window_ms);
            if (window.failures - own >= limit) {
                const auto wait_ms =
                    std::max<core::UnixMillis>(1000, window.oldest + window_ms - now);
                core::Error error(core::ErrorCode::kRateLimited,
                                  "too many failed sign-ins: try again later", "too_many_attempts");
                error.WithRetryAfter(static_cast<int>((wait_ms + 999) / 1000));
                throw error;
            }
        }
    };
    check(0);  // a guesser past the limit costs a read, not a write
    // Counted first, judged after: attempts that run at once (on any server) each see the
    // others' rows, so no more than the limit are ever judged, however many arrive together.
    std::vector<std::string> subjects;
    for (const auto& limit : limits) subjects.push_back(limit.first);
    auto attempt =
        std::make_unique<Attempt>(failures_, failures_.Reserve(subjects, now, now - window_ms));
    check(1);  // this attempt's own row included; if it throws, the row is forgotten
    return attempt;
}

IssuedToken UserService::Login(const std::string& email, const std::string& password,
                               const std::string& client_address, const std::string& request_id) {
    const std::string normalized = NormalizeEmail(email).value_or(email);
    const std::string email_subject = "email:" + normalized;
    const std::string address_subject = "ip:" + client_address;
    const auto attempt = Admit({{address_subject, options_.max_failures_per_address},
                                {email_subject, options_.max_failures_per_email}});
    const auto user = users_.FindByEmail(normalized);
    bool ok = false;
    if (user) {
        ok = hasher_->Verify(user->password_hash, password);
    } else {
        hasher_->DummyVerify(password);  // same cost as a wrong password: no email probing
    }
    const core::UnixMillis now = core::NowMillis();
    const auto audit = [&](std::string_view action, std::string_view reason) {
        if (!audit_) return;
        AuditEvent event;
        event.action = action;
        if (user) {
            event.user_id = user->id;
        } else if (NormalizeEmail(email)) {
            event.detail["email"] = normalized;  // who was tried, for a superuser's eyes
        }
        if (!reason.empty()) event.detail["reason"] = reason;
        audit_->Record(event, {client_address, request_id});
    };
    if (!ok) {
        attempt->KeepAsFailure();
        audit("auth.sign_in_failed", "invalid_credentials");
        core::log::Info("auth.login_failed", {{"subject", address_subject}});
        throw InvalidCredentials();
    }
    if (!user->is_active) {
        audit("auth.sign_in_failed", "inactive_user");
        throw Inactive();
    }
    failures_.Clear(email_subject);
    audit("auth.signed_in", "");
    if (hasher_->NeedsRehash(user->password_hash)) {
        store::UserUpdate rehash;
        rehash.password_hash = hasher_->Hash(password);
        rehash.rehash_only = true;  // not a password change: earlier tokens stay valid
        users_.Update(user->id, rehash);
    }
    const auto claims = crypto::TokenClaims::Make(std::to_string(user->id), user->token_version,
                                                  now, options_.token_ttl_seconds);
    return {signer_->Issue(claims), options_.token_ttl_seconds};
}

UserService::Subject UserService::TokenSubject(std::string_view token) const {
    const auto claims = signer_->Verify(token, core::NowMillis());
    if (!claims) throw InvalidToken();
    std::int64_t id = 0;
    const auto [ptr, ec] =
        std::from_chars(claims->sub.data(), claims->sub.data() + claims->sub.size(), id);
    if (ec != std::errc{} || ptr != claims->sub.data() + claims->sub.size()) throw InvalidToken();
    return {id, claims->ver};
}

core::User UserService::Checked(std::optional<core::User> user, const Subject& subject) {
    if (!user) throw InvalidToken();
    // Before the version check: deactivation also raises the token version, and the holder of
    // a genuine token of a deactivated user is told why (403 inactive_user), as the contract
    // says, rather than that the token is bad.
    if (!user->is_active) throw Inactive();
    if (user->token_version != subject.version) throw InvalidToken();
    return std::move(*user);
}

core::User UserService::Authenticate(std::string_view token) {
    const Subject subject = TokenSubject(token);
    return Checked(users_.FindById(subject.id), subject);
}

std::optional<core::User> UserService::TryAuthenticateNow(std::string_view token,
                                                          bool (*batch_end)(void (*)())) {
    // Only SQLite is read without waiting (see TryWithSessionNow): elsewhere, not even the
    // token is checked here, as the caller's Authenticate will.
    if (db_->dialect() != store::Dialect::kSqlite) return std::nullopt;
    const Subject subject = TokenSubject(token);
    std::optional<core::User> user;
    if (!users_.TryFindByIdNow(subject.id, user, batch_end)) return std::nullopt;
    return Checked(std::move(user), subject);
}

core::User UserService::UpdateSelf(const core::User& me, const SelfUpdate& update) {
    store::UserUpdate change;
    if (update.full_name) {
        if (*update.full_name && Utf8Length(**update.full_name) > 200) {
            throw core::Error(core::ErrorCode::kInvalidArgument, "full_name is too long",
                              "validation_error")
                .WithField("full_name", "must be at most 200 characters");
        }
        change.full_name = *update.full_name;
    }
    if (update.password) {
        if (!update.current_password) {
            throw core::Error(core::ErrorCode::kInvalidArgument,
                              "current_password is required to change the password",
                              "validation_error")
                .WithField("current_password", "is required when password is given");
        }
        if (Utf8Length(*update.password) < options_.min_password_chars ||
            update.password->size() > 4096) {
            throw core::Error(core::ErrorCode::kInvalidArgument, "the new password is invalid",
                              "validation_error")
                .WithField("password", "must be at least " +
                                           std::to_string(options_.min_password_chars) +
                                           " characters");
        }
        // A wrong current password is a guess at the account's password, from whoever holds
        // the session: it counts against the email's sign-in throttle.
        const std::string email_subject = "email:" + me.email;
        const auto attempt = Admit({{email_subject, options_.max_failures_per_email}});
        if (!hasher_->Verify(me.password_hash, *update.current_password)) {
            attempt->KeepAsFailure();
            throw core::Error(core::ErrorCode::kPermissionDenied, "the current password is wrong",
                              "wrong_password");
        }
        change.password_hash = hasher_->Hash(*update.password);
    }
    auto updated = users_.Update(me.id, change);
    if (!updated) throw InvalidToken();
    return *updated;
}

store::Page<core::User> UserService::List(const core::User& actor, std::int64_t skip,
                                          std::int64_t limit) {
    RequireSuperuser(actor);
    return users_.List(skip, limit);
}

core::User UserService::Administer(const core::User& actor, std::int64_t id,
                                   const AdminUpdate& update) {
    RequireSuperuser(actor);
    store::UserUpdate change;
    change.is_active = update.is_active;
    change.is_superuser = update.is_superuser;
    auto updated = users_.Update(id, change);
    if (!updated) {
        throw core::Error(core::ErrorCode::kNotFound, "no such user", "user_not_found");
    }
    return *updated;
}

}  // namespace cerulean::service
