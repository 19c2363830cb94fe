#include "crypto/token_signer.hpp"

#include <jwt.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sodium_init.hpp"

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

/// True when `a` and `b` hold the same bytes, in time that depends on their lengths only
/// (as ConstantTimeEquals, eight bytes at a time: a token is compared on every request).
bool SameBytes(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    std::uint64_t difference = 0;
    std::size_t i = 0;
    for (; i + 8 <= a.size(); i += 8) {
        std::uint64_t x = 0;
        std::uint64_t y = 0;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        difference |= x ^ y;
        __asm__("" : "+r"(difference));  // no early exit: the compiler may not reason about it
    }
    for (; i < a.size(); ++i) {
        difference |= static_cast<std::uint64_t>(static_cast<unsigned char>(a[i]) ^
                                                 static_cast<unsigned char>(b[i]));
    }
    return difference == 0;
}

// Gives each signer an id that no other signer of the process ever has (unlike its address).
std::atomic<std::uint64_t> g_next_signer_id{1};

// The last tokens this thread verified, in front of the shared cache: a client's token comes
// back on every request, and finding it here takes neither the cache's lock (which the I/O
// threads would contend for) nor a keyed hash. Valid for its signer only; times are checked
// on every use, as with the shared cache.
struct RecentToken {
    std::uint64_t signer = 0;  // 0: empty
    std::string token;
    TokenClaims claims;
};
thread_local std::array<RecentToken, 2> t_recent;
thread_local std::size_t t_recent_next = 0;

void RememberRecent(std::uint64_t signer, std::string_view token, const TokenClaims& claims) {
    RecentToken& slot = t_recent[t_recent_next];
    t_recent_next = (t_recent_next + 1) % t_recent.size();
    slot.signer = signer;
    slot.token.assign(token);
    slot.claims = claims;
}

TokenCheck Refuse(TokenRejection rejection) {
    return TokenCheck{std::nullopt, rejection};
}

}  // namespace

// Tokens that verified, with their claims. Found by SipHash under a random key, so that
// nobody outside can aim at a bucket, and confirmed by comparing every byte in constant
// time: the answer for a token never depends on how much of it matches a remembered one.
class TokenSigner::VerifiedCache {
 public:
    explicit VerifiedCache(std::size_t capacity) : capacity_(capacity) {
        EnsureSodiumInitialized();
        crypto_shorthash_keygen(key_.data());
    }

    // The claims of `token` when it verified before. An expired entry is forgotten, and its
    // claims returned for the caller's time checks to refuse.
    std::optional<TokenClaims> Find(std::string_view token, core::UnixMillis now) {
        const std::uint64_t hash = Hash(token);
        const std::lock_guard lock(mutex_);
        const auto it = entries_.find(hash);
        if (it == entries_.end() || !SameBytes(it->second.token, token)) {
            return std::nullopt;
        }
        TokenClaims claims = it->second.claims;
        if (claims.exp * 1000 <= now) entries_.erase(it);
        return claims;
    }

    void Insert(std::string_view token, const TokenClaims& claims, core::UnixMillis now) {
        const std::uint64_t hash = Hash(token);
        const std::lock_guard lock(mutex_);
        if (entries_.size() >= capacity_ && !entries_.contains(hash)) {
            std::erase_if(entries_, [now](const auto& entry) {
                return entry.second.claims.exp * 1000 <= now;
            });
            // Still full of live tokens: start over rather than keep a recency order.
            if (entries_.size() >= capacity_) entries_.clear();
        }
        entries_.insert_or_assign(hash, Entry{std::string(token), claims});
    }

    std::size_t size() const {
        const std::lock_guard lock(mutex_);
        return entries_.size();
    }

 private:
    struct Entry {
        std::string token;
        TokenClaims claims;
    };

    std::uint64_t Hash(std::string_view token) const noexcept {
        std::array<unsigned char, crypto_shorthash_BYTES> out{};
        crypto_shorthash(out.data(), reinterpret_cast<const unsigned char*>(token.data()),
                         token.size(), key_.data());
        std::uint64_t hash = 0;
        std::memcpy(&hash, out.data(), sizeof hash);
        return hash;
    }

    std::size_t capacity_;
    std::array<unsigned char, crypto_shorthash_KEYBYTES> key_{};
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, Entry> entries_;
};

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
      options_(options),
      id_(g_next_signer_id.fetch_add(1)),
      cache_(options.verified_cache_entries > 0
                 ? std::make_unique<VerifiedCache>(options.verified_cache_entries)
                 : nullptr) {}

TokenSigner::~TokenSigner() = default;

std::size_t TokenSigner::cached_tokens() const {
    return cache_ ? cache_->size() : 0;
}

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
    if (cache_) {
        // The same bytes always verify the same way under this signer's secret: only the
        // times need checking again.
        for (RecentToken& recent : t_recent) {
            if (recent.signer != id_ || !SameBytes(recent.token, token)) continue;
            TokenCheck check = CheckTimes(recent.claims, now);
            if (check.claims) return check;
            recent.signer = 0;  // the shared cache answers, and forgets an expired token
            break;
        }
        if (auto claims = cache_->Find(token, now)) {
            TokenCheck check = CheckTimes(std::move(*claims), now);
            if (check.claims) RememberRecent(id_, token, *check.claims);
            return check;
        }
    }
    TokenCheck check = CheckUncached(token);
    if (!check.claims) return check;
    check = CheckTimes(std::move(*check.claims), now);
    if (cache_ && check.claims) {
        cache_->Insert(token, *check.claims, now);
        RememberRecent(id_, token, *check.claims);
    }
    return check;
}

TokenCheck TokenSigner::CheckTimes(TokenClaims claims, core::UnixMillis now) const {
    if (claims.exp * 1000 <= now) return Refuse(TokenRejection::kExpired);
    if (claims.iat * 1000 > now + options_.max_clock_skew_seconds * 1000) {
        return Refuse(TokenRejection::kNotYetValid);
    }
    return TokenCheck{std::move(claims), TokenRejection::kNone};
}

// Everything about a token but its times, which change with the clock.
TokenCheck TokenSigner::CheckUncached(std::string_view token) const {
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
    return TokenCheck{std::move(claims), TokenRejection::kNone};
}

}  // namespace cerulean::crypto
