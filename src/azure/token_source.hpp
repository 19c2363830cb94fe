#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "azure/call_options.hpp"
#include "azure/retry_policy.hpp"
#include "azure/transport.hpp"
#include "core/clock.hpp"

namespace cerulean::azure {

/// The scope Cerulean asks Entra ID for: Azure Storage.
inline constexpr std::string_view kStorageScope = "https://storage.azure.com/.default";

/// The default Entra ID authority host.
inline constexpr std::string_view kDefaultAuthorityHost = "https://login.microsoftonline.com";

/// Supplies bearer tokens for Azure Storage. Thread-safe.
class TokenSource {
 public:
    virtual ~TokenSource() = default;
    /// A token valid for a while yet. Throws core::Error when none can be had; the message
    /// never holds a secret.
    virtual std::string GetToken(const CallOptions& call) const = 0;
    /// When the tokens stop working for good, for a source that cannot renew them; nullopt
    /// otherwise.
    [[nodiscard]] virtual std::optional<core::UnixMillis> expires_at() const noexcept {
        return std::nullopt;
    }
};

/// A token given by the user (`user_ms_identity`): used as given, never refreshed.
class StaticTokenSource final : public TokenSource {
 public:
    /// Throws core::Error (kInvalidArgument) for an empty token.
    explicit StaticTokenSource(std::string token);
    /// Overwrites the token before its memory is freed.
    ~StaticTokenSource() override;
    StaticTokenSource(const StaticTokenSource&) = delete;
    StaticTokenSource& operator=(const StaticTokenSource&) = delete;
    /// The token. Once its expiry (the JWT's `exp`, when it has one) has passed, throws a
    /// StorageError (kPermissionDenied, "azure_auth_failed") that says so: a given token cannot
    /// be renewed.
    std::string GetToken(const CallOptions& call) const override;
    /// When the token expires, if it is a JWT that says.
    [[nodiscard]] std::optional<core::UnixMillis> expires_at() const noexcept override {
        return expires_at_;
    }

 private:
    std::string token_;
    std::optional<core::UnixMillis> expires_at_;
};

/// The `exp` claim of a JWT (`header.payload.signature`, base64url), in Unix milliseconds;
/// nullopt when `token` is not a JWT or has no numeric `exp`. The signature is not checked:
/// this only tells when a token the service will check stops being worth sending.
std::optional<core::UnixMillis> JwtExpiry(std::string_view token);

/// A service principal's client-credentials grant.
struct ServicePrincipalOptions {
    /// Authority host, https (http only for loopback test servers), no trailing path.
    std::string authority_host{kDefaultAuthorityHost};
    std::string tenant_id;             ///< directory (tenant) id or domain
    std::string client_id;             ///< application (client) id
    std::string client_secret;         ///< the client secret (a secret: never logged)
    std::string scope{kStorageScope};  ///< the requested scope
    /// Tokens are renewed this long before they expire.
    std::chrono::seconds refresh_margin{300};
    /// The clock tokens expire by; empty uses std::chrono::steady_clock (tests inject one).
    std::function<std::chrono::steady_clock::time_point()> clock;
};

/// OAuth2 client credentials against `{authority}/{tenant}/oauth2/v2.0/token`: POSTs
/// grant_type=client_credentials, client_id, client_secret and scope, and caches the token
/// until `refresh_margin` before `expires_in` ends (half its lifetime for tokens shorter than
/// twice the margin). One fetch at a time: concurrent callers wait for it and share its token.
class ClientSecretTokenSource final : public TokenSource {
 public:
    /// Checks the options (kInvalidArgument naming the missing field, never the secret) and
    /// keeps `transport` for the token requests.
    ClientSecretTokenSource(ServicePrincipalOptions options,
                            std::shared_ptr<HttpTransport> transport, RetryOptions retry = {});
    /// Overwrites the secret and the cached token.
    ~ClientSecretTokenSource() override;
    ClientSecretTokenSource(const ClientSecretTokenSource&) = delete;
    ClientSecretTokenSource& operator=(const ClientSecretTokenSource&) = delete;

    /// The cached token, or a new one. Throws core::Error: kPermissionDenied
    /// ("azure_auth_failed") when the authority refuses, kUnavailable ("azure_unreachable")
    /// when it cannot be reached, kInternal when it answers nonsense.
    std::string GetToken(const CallOptions& call) const override;

    /// The URL tokens are requested from.
    [[nodiscard]] const std::string& token_url() const noexcept { return token_url_; }

 private:
    std::chrono::steady_clock::time_point Now() const;

    ServicePrincipalOptions options_;
    std::shared_ptr<HttpTransport> transport_;
    RetryOptions retry_;
    std::string token_url_;
    mutable std::mutex mutex_;
    mutable std::string token_;
    mutable std::chrono::steady_clock::time_point refresh_at_{};
};

/// The token endpoint's answer, parsed.
struct TokenResponse {
    std::string access_token;            ///< the bearer token
    std::chrono::seconds expires_in{0};  ///< lifetime from the moment of the answer
};

/// Parses a token endpoint's JSON answer (`access_token`, `expires_in` as a number or a
/// string, `token_type` Bearer). Throws core::Error (kInternal, "malformed_token_response")
/// without echoing the body.
TokenResponse ParseTokenResponse(std::string_view json);

}  // namespace cerulean::azure
