#include "crypto/token_signer.hpp"

#include <jwt.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <utility>

#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::crypto {
namespace {

// libjwt 1.10 takes and returns integer claims as `long`.
static_assert(sizeof(long) == sizeof(std::int64_t), "libjwt integer claims must hold 64 bits");

/// Upper bound of `iat` and `exp` (year 9999): keeps millisecond arithmetic far from overflow.
constexpr std::int64_t kMaxEpochSeconds = 253402300799;

struct JwtDeleter {
    void operator()(jwt_t* jwt) const noexcept { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

struct CStringDeleter {
    void operator()(char* s) const noexcept { std::free(s); }  // NOLINT(*-no-malloc)
};
using CStringPtr = std::unique_ptr<char, CStringDeleter>;

bool IsBase64UrlSegment(std::string_view segment) noexcept {
    return !segment.empty() && std::ranges::all_of(segment, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

/// A non-negative decimal integer with no sign, fraction or exponent, as JSON integers print.
std::optional<std::int64_t> ParseNonNegative(std::string_view text) noexcept {
    if (text.empty() || text.size() > 19) return std::nullopt;
    if (!std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    if (text.size() > 1 && text.front() == '0') return std::nullopt;
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

/// A user id: a positive decimal integer without leading zeros.
bool IsDecimalId(std::string_view text) noexcept {
    const auto value = ParseNonNegative(text);
    return value && *value > 0;
}

/// An integer claim, refusing strings, reals, booleans and absent claims. libjwt's
/// jwt_get_grant_int answers 0 for a claim of another type and reports absence only through
/// errno, so the claim is read as its JSON text instead.
std::optional<std::int64_t> IntegerClaim(jwt_t* jwt, const char* name) {
    const CStringPtr json(jwt_get_grants_json(jwt, name));
    if (!json) return std::nullopt;
    return ParseNonNegative(json.get());
}

TokenCheck Refuse(TokenRejection rejection) {
    return TokenCheck{std::nullopt, rejection};
}

}  // namespace

TokenClaims TokenClaims::Make(std::string sub, std::int64_t ver, core::UnixMillis now,
                              std::int64_t lifetime_seconds) {
    const std::int64_t iat = now / 1000;
    return TokenClaims{std::move(sub), ver, iat, iat + lifetime_seconds};
}

const char* ToString(TokenRejection rejection) noexcept {
    switch (rejection) {
        case TokenRejection::kNone:
            return "none";
        case TokenRejection::kTooLarge:
            return "too_large";
        case TokenRejection::kMalformed:
            return "malformed";
        case TokenRejection::kBadSignature:
            return "bad_signature";
        case TokenRejection::kAlgorithm:
            return "algorithm";
        case TokenRejection::kBadClaims:
            return "bad_claims";
        case TokenRejection::kNotYetValid:
            return "not_yet_valid";
        case TokenRejection::kExpired:
            return "expired";
    }
    return "unknown";
}

TokenSigner::TokenSigner(std::string_view secret, TokenSignerOptions options)
    : secret_([&] {
          if (secret.size() < kMinSecretBytes) {
              throw core::Error(core::ErrorCode::kConfiguration,
                                "the token signing secret must be at least 32 bytes");
          }
          return SecretBytes(secret);
      }()),
      options_(options) {}

std::string TokenSigner::Issue(const TokenClaims& claims) const {
    if (!IsDecimalId(claims.sub)) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "a token subject must be a positive decimal user id");
    }
    if (claims.ver < 0 || claims.iat < 0 || claims.iat > kMaxEpochSeconds ||
        claims.exp <= claims.iat || claims.exp > kMaxEpochSeconds) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "token claims need ver >= 0 and 0 <= iat < exp <= year 9999");
    }
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) throw core::Error(core::ErrorCode::kInternal, "jwt_new failed");
    const JwtPtr jwt(raw);
    // jwt_set_alg copies the key; jwt_free scrubs the copy.
    if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, secret_.data(), static_cast<int>(secret_.size())) !=
            0 ||
        jwt_add_grant(jwt.get(), "sub", claims.sub.c_str()) != 0 ||
        jwt_add_grant_int(jwt.get(), "ver", claims.ver) != 0 ||
        jwt_add_grant_int(jwt.get(), "iat", claims.iat) != 0 ||
        jwt_add_grant_int(jwt.get(), "exp", claims.exp) != 0) {
        throw core::Error(core::ErrorCode::kInternal, "cannot build a token");
    }
    const CStringPtr encoded(jwt_encode_str(jwt.get()));
    if (!encoded) throw core::Error(core::ErrorCode::kInternal, "cannot sign a token");
    return {encoded.get()};
}

std::optional<TokenClaims> TokenSigner::Verify(std::string_view token, core::UnixMillis now) const {
    return Check(token, now).claims;
}

TokenCheck TokenSigner::Check(std::string_view token, core::UnixMillis now) const {
    if (token.size() > options_.max_token_bytes) return Refuse(TokenRejection::kTooLarge);

    // header.payload.signature, each non-empty base64url without padding. An `alg: none` token
    // (empty signature) already stops here.
    const std::size_t first_dot = token.find('.');
    if (first_dot == std::string_view::npos) return Refuse(TokenRejection::kMalformed);
    const std::size_t second_dot = token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos) return Refuse(TokenRejection::kMalformed);
    const std::string_view header = token.substr(0, first_dot);
    const std::string_view payload = token.substr(first_dot + 1, second_dot - first_dot - 1);
    const std::string_view signature = token.substr(second_dot + 1);
    if (!IsBase64UrlSegment(header) || !IsBase64UrlSegment(payload) ||
        !IsBase64UrlSegment(signature)) {
        return Refuse(TokenRejection::kMalformed);
    }

    // Our own HS256 check, in constant time, before any JSON from the outside is parsed: only
    // tokens we signed reach libjwt. This is independent of the algorithm the header names, so
    // an HS384/HS512/RS256 signature, or an HS256 one under another secret, stops here.
    const std::string_view secret(reinterpret_cast<const char*>(secret_.data()), secret_.size());
    const std::string expected = Base64UrlEncode(HmacSha256(secret, token.substr(0, second_dot)));
    if (!ConstantTimeEquals(expected, signature)) return Refuse(TokenRejection::kBadSignature);

    // libjwt parses and verifies again with the algorithm the header names. libjwt 1.10 lets
    // that header pick the algorithm, so a header other than HS256 fails here (its verification
    // does not match our HS256 signature, or "none" with a key is refused) and is checked
    // explicitly below as well.
    const std::string token_c(token);
    jwt_t* raw = nullptr;
    const int decoded =
        jwt_decode(&raw, token_c.c_str(), secret_.data(), static_cast<int>(secret_.size()));
    const JwtPtr jwt(raw);
    if (decoded != 0 || !jwt) return Refuse(TokenRejection::kMalformed);
    // libjwt matches algorithm names without regard to case; the header must say exactly HS256.
    const char* alg = jwt_get_header(jwt.get(), "alg");
    if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256 || alg == nullptr ||
        std::string_view(alg) != "HS256") {
        return Refuse(TokenRejection::kAlgorithm);
    }

    TokenClaims claims;
    const char* sub = jwt_get_grant(jwt.get(), "sub");  // NULL unless a JSON string
    const auto ver = IntegerClaim(jwt.get(), "ver");
    const auto iat = IntegerClaim(jwt.get(), "iat");
    const auto exp = IntegerClaim(jwt.get(), "exp");
    if (sub == nullptr || !IsDecimalId(sub) || !ver || !iat || !exp || *iat > kMaxEpochSeconds ||
        *exp > kMaxEpochSeconds || *exp <= *iat) {
        return Refuse(TokenRejection::kBadClaims);
    }
    claims.sub = sub;
    claims.ver = *ver;
    claims.iat = *iat;
    claims.exp = *exp;

    if (claims.exp * 1000 <= now) return Refuse(TokenRejection::kExpired);
    if (claims.iat * 1000 > now + options_.max_clock_skew_seconds * 1000) {
        return Refuse(TokenRejection::kNotYetValid);
    }
    return TokenCheck{std::move(claims), TokenRejection::kNone};
}

}  // namespace cerulean::crypto
