#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "crypto/secret_bytes.hpp"

namespace cerulean::crypto {

/// The claims of a Cerulean access token. Names follow the JWT claims they become.
struct TokenClaims {
    std::string sub;       ///< the user's id, as a decimal string ("42")
    std::int64_t ver = 0;  ///< the user's token version; bumping it revokes earlier tokens
    std::int64_t iat = 0;  ///< issued at, seconds since the Unix epoch
    std::int64_t exp = 0;  ///< expires at, seconds since the Unix epoch (invalid from then on)

    /// Claims for `sub` and `ver` issued at `now`, valid for `lifetime_seconds`.
    static TokenClaims Make(std::string sub, std::int64_t ver, core::UnixMillis now,
                            std::int64_t lifetime_seconds);

    /// Field-wise equality.
    bool operator==(const TokenClaims&) const = default;
};

/// Why a token was refused; for logs only, every case answers the same 401 to the client.
enum class TokenRejection {
    kNone,          ///< not refused
    kTooLarge,      ///< longer than TokenSignerOptions::max_token_bytes
    kMalformed,     ///< not three base64url segments, or not a JWT libjwt can parse
    kBadSignature,  ///< not an HS256 signature under our secret (includes other algorithms)
    kAlgorithm,     ///< the header names another algorithm than HS256 (e.g. "none")
    kBadClaims,     ///< a required claim is missing or of the wrong type
    kNotYetValid,   ///< issued further in the future than the allowed clock skew
    kExpired,       ///< `exp` has passed
};

/// A readable name of a rejection, e.g. "expired".
const char* ToString(TokenRejection rejection) noexcept;

/// The outcome of checking a token: claims when valid, otherwise why not.
struct TokenCheck {
    std::optional<TokenClaims> claims;                 ///< set only for a valid token
    TokenRejection rejection = TokenRejection::kNone;  ///< kNone when valid
};

/// Limits of token verification.
struct TokenSignerOptions {
    std::size_t max_token_bytes = 8192;        ///< longer input is refused before parsing
    std::int64_t max_clock_skew_seconds = 30;  ///< how far in the future `iat` may lie
    /// Valid tokens remembered with their claims until they expire, so that a token presented
    /// again skips the HMAC and libjwt's parse (its times are still checked on every call).
    /// At most this many; 0 turns the cache off.
    std::size_t verified_cache_entries = 4096;
};

/// Issues and verifies access tokens: compact JWTs signed with HMAC-SHA256 (HS256) under one
/// secret (libjwt). Verification accepts only HS256 under that secret, with every claim present
/// and an integer where one is expected; "none" and every other algorithm are refused.
/// A token that verified once is remembered (its exact bytes, found by a keyed hash and
/// compared in constant time) until its `exp`, and answers from memory after that; each
/// thread also keeps the last two it verified, compared in constant time without a lock.
/// Thread-safe: each call uses its own libjwt objects, and the cache has its own lock.
class TokenSigner {
 public:
    /// The shortest secret accepted, in bytes.
    static constexpr std::size_t kMinSecretBytes = 32;

    /// A signer with `secret` (at least kMinSecretBytes; copied into guarded memory). Throws
    /// core::Error (kConfiguration) for a shorter secret, without quoting it.
    explicit TokenSigner(std::string_view secret, TokenSignerOptions options = {});
    ~TokenSigner();
    TokenSigner(const TokenSigner&) = delete;
    TokenSigner& operator=(const TokenSigner&) = delete;

    /// The compact JWT of `claims`. Throws core::Error (kInvalidArgument) when `sub` is not a
    /// decimal id, `ver` or `iat` is negative, or `exp` is not after `iat`.
    [[nodiscard]] std::string Issue(const TokenClaims& claims) const;

    /// The claims of `token` when it is valid at `now`, otherwise nullopt.
    [[nodiscard]] std::optional<TokenClaims> Verify(std::string_view token,
                                                    core::UnixMillis now) const;

    /// Like Verify, and says why a token was refused.
    [[nodiscard]] TokenCheck Check(std::string_view token, core::UnixMillis now) const;

    /// How many verified tokens are remembered now (for tests).
    [[nodiscard]] std::size_t cached_tokens() const;

 private:
    class VerifiedCache;

    [[nodiscard]] TokenCheck CheckUncached(std::string_view token) const;
    [[nodiscard]] TokenCheck CheckTimes(TokenClaims claims, core::UnixMillis now) const;

    SecretBytes secret_;
    TokenSignerOptions options_;
    std::uint64_t id_;  // this signer's, unique in the process (its tokens' slots in a thread's
                        // recent tokens)
    std::unique_ptr<VerifiedCache> cache_;
};

}  // namespace cerulean::crypto
