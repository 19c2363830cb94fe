#include "crypto/token_signer.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::crypto {
namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";
constexpr core::UnixMillis kNow = 1'760'000'000'000;  // 2025-10-09
constexpr std::int64_t kNowSeconds = kNow / 1000;
constexpr std::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

std::string Payload(std::int64_t iat, std::int64_t exp) {
    return R"({"sub":"42","ver":3,"iat":)" + std::to_string(iat) + R"(,"exp":)" +
           std::to_string(exp) + "}";
}

std::string ValidPayload() {
    return Payload(kNowSeconds - 10, kNowSeconds + 3600);
}

/// `header.payload.` in base64url, ready for a signature.
std::string SigningInput(std::string_view header_json, std::string_view payload_json) {
    return Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
}

/// A hand-built token signed with HMAC over `md` (EVP_sha256, EVP_sha384, EVP_sha512).
std::string HandBuilt(std::string_view header_json, std::string_view payload_json,
                      std::string_view secret, const EVP_MD* md) {
    const std::string input = SigningInput(header_json, payload_json);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_length = 0;
    HMAC(md, secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_length);
    return input + "." +
           Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), mac_length));
}

std::string HandBuiltHs256(std::string_view payload_json) {
    return HandBuilt(kHs256Header, payload_json, kSecret, EVP_sha256());
}

TEST(TokenSigner, VerifiesTheTokensItIssues) {
    const TokenSigner signer(kSecret);
    const TokenClaims claims = TokenClaims::Make("42", 3, kNow, 3600);
    EXPECT_EQ(claims.iat, kNowSeconds);
    EXPECT_EQ(claims.exp, kNowSeconds + 3600);
    const std::string token = signer.Issue(claims);
    EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
    const TokenCheck check = signer.Check(token, kNow);
    EXPECT_EQ(check.rejection, TokenRejection::kNone);
    ASSERT_TRUE(check.claims.has_value());
    EXPECT_EQ(*check.claims, claims);
    EXPECT_EQ(signer.Verify(token, kNow + 3599'999), claims);
}

TEST(TokenSigner, AcceptsAHandBuiltHs256Token) {
    // Guards the negative tests below: the hand-built tokens differ from good ones only where
    // each test says.
    const TokenSigner signer(kSecret);
    const auto claims = signer.Verify(HandBuiltHs256(ValidPayload()), kNow);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->sub, "42");
    EXPECT_EQ(claims->ver, 3);
}

TEST(TokenSigner, RefusesExpiredTokens) {
    const TokenSigner signer(kSecret);
    const std::string token = signer.Issue(TokenClaims::Make("42", 3, kNow, 60));
    EXPECT_TRUE(signer.Verify(token, kNow + 59'999).has_value());
    EXPECT_EQ(signer.Check(token, kNow + 60'000).rejection, TokenRejection::kExpired);
    EXPECT_FALSE(signer.Verify(token, kNow + 3'600'000).has_value());
}

TEST(TokenSigner, AllowsAtMostThirtySecondsOfClockSkew) {
    const TokenSigner signer(kSecret);
    EXPECT_TRUE(signer.Verify(HandBuiltHs256(Payload(kNowSeconds + 30, kNowSeconds + 90)), kNow)
                    .has_value());
    EXPECT_EQ(
        signer.Check(HandBuiltHs256(Payload(kNowSeconds + 31, kNowSeconds + 90)), kNow).rejection,
        TokenRejection::kNotYetValid);
}

TEST(TokenSigner, RefusesATamperedPayload) {
    const TokenSigner signer(kSecret);
    const std::string token = signer.Issue(TokenClaims::Make("42", 3, kNow, 3600));
    const std::size_t first_dot = token.find('.');
    const std::size_t second_dot = token.find('.', first_dot + 1);
    const std::string forged_payload =
        Base64UrlEncode(R"({"sub":"1","ver":3,"iat":)" + std::to_string(kNowSeconds) +
                        R"(,"exp":)" + std::to_string(kNowSeconds + 3600) + "}");
    const std::string forged =
        token.substr(0, first_dot + 1) + forged_payload + token.substr(second_dot);
    EXPECT_EQ(signer.Check(forged, kNow).rejection, TokenRejection::kBadSignature);

    // A flipped character anywhere in the signature or the payload.
    for (const std::size_t index : {first_dot + 2, second_dot + 1, token.size() - 2}) {
        std::string tampered = token;
        tampered[index] = tampered[index] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(signer.Verify(tampered, kNow).has_value()) << index;
    }
}

TEST(TokenSigner, RefusesTokensOfAnotherSecret) {
    const TokenSigner signer(kSecret);
    const TokenSigner other("another secret, also long enough to sign tokens");
    const std::string token = other.Issue(TokenClaims::Make("42", 3, kNow, 3600));
    EXPECT_EQ(signer.Check(token, kNow).rejection, TokenRejection::kBadSignature);
}

TEST(TokenSigner, RefusesAlgNone) {
    const TokenSigner signer(kSecret);
    const std::string unsigned_token =
        SigningInput(R"({"alg":"none","typ":"JWT"})", ValidPayload()) + ".";
    EXPECT_FALSE(signer.Verify(unsigned_token, kNow).has_value());
    EXPECT_FALSE(signer.Verify(unsigned_token.substr(0, unsigned_token.size() - 1), kNow));
    // Even with a valid HS256 signature over it, a header that says "none" is refused.
    const std::string input = SigningInput(R"({"alg":"none","typ":"JWT"})", ValidPayload());
    const std::string signed_none = input + "." + Base64UrlEncode(HmacSha256(kSecret, input));
    const TokenCheck check = signer.Check(signed_none, kNow);
    EXPECT_FALSE(check.claims.has_value());
    EXPECT_NE(check.rejection, TokenRejection::kNone);
    const std::string no_alg = SigningInput(R"({"typ":"JWT"})", ValidPayload());
    EXPECT_FALSE(signer.Verify(no_alg + "." + Base64UrlEncode(HmacSha256(kSecret, no_alg)), kNow));
}

TEST(TokenSigner, RefusesOtherAlgorithmsEvenWithTheSameSecret) {
    const TokenSigner signer(kSecret);
    EXPECT_FALSE(signer.Verify(
        HandBuilt(R"({"alg":"HS512","typ":"JWT"})", ValidPayload(), kSecret, EVP_sha512()), kNow));
    EXPECT_FALSE(signer.Verify(
        HandBuilt(R"({"alg":"HS384","typ":"JWT"})", ValidPayload(), kSecret, EVP_sha384()), kNow));
    // A header naming another algorithm over an HS256 signature: libjwt would verify with the
    // header's algorithm; the signer refuses either way.
    for (const char* alg : {"HS512", "HS384", "RS256", "ES256", "hs256", "HS256 "}) {
        const std::string header = std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})";
        EXPECT_FALSE(signer.Verify(HandBuilt(header, ValidPayload(), kSecret, EVP_sha256()), kNow))
            << alg;
    }
    // libjwt 1.10 reads "hs256" as HS256; only the signer's own check of the header refuses it.
    const std::string lower =
        HandBuilt(R"({"alg":"hs256","typ":"JWT"})", ValidPayload(), kSecret, EVP_sha256());
    EXPECT_EQ(signer.Check(lower, kNow).rejection, TokenRejection::kAlgorithm);
}

TEST(TokenSigner, RefusesMissingOrIllTypedClaims) {
    const TokenSigner signer(kSecret);
    const std::string iat = std::to_string(kNowSeconds);
    const std::string exp = std::to_string(kNowSeconds + 3600);
    for (const std::string& payload : {
             R"({"ver":3,"iat":)" + iat + R"(,"exp":)" + exp + "}",
             R"({"sub":42,"ver":3,"iat":)" + iat + R"(,"exp":)" + exp + "}",
             R"({"sub":"abc","ver":3,"iat":)" + iat + R"(,"exp":)" + exp + "}",
             R"({"sub":"042","ver":3,"iat":)" + iat + R"(,"exp":)" + exp + "}",
             R"({"sub":"0","ver":3,"iat":)" + iat + R"(,"exp":)" + exp + "}",
             R"({"sub":"-1","ver":3,"iat":)" + iat + R"(,"exp":)" + exp + "}",
             R"({"sub":"42","iat":)" + iat + R"(,"exp":)" + exp + "}",
             R"({"sub":"42","ver":"3","iat":)" + iat + R"(,"exp":)" + exp + "}",
             R"({"sub":"42","ver":-3,"iat":)" + iat + R"(,"exp":)" + exp + "}",
             R"({"sub":"42","ver":true,"iat":)" + iat + R"(,"exp":)" + exp + "}",
             R"({"sub":"42","ver":3,"exp":)" + exp + "}",
             R"({"sub":"42","ver":3,"iat":)" + iat + "}",
             R"({"sub":"42","ver":3,"iat":)" + iat + R"(,"exp":")" + exp + "\"}",
             R"({"sub":"42","ver":3,"iat":)" + iat + R"(,"exp":)" + exp + ".5}",
             R"({"sub":"42","ver":3,"iat":)" + iat + R"(,"exp":null})",
             R"({"sub":"42","ver":3,"iat":)" + iat + R"(,"exp":[1]})",
             R"({"sub":"42","ver":3,"iat":)" + iat + R"(,"exp":99999999999999})",
             R"({"sub":"42","ver":3,"iat":)" + exp + R"(,"exp":)" + iat + "}",
         }) {
        EXPECT_EQ(signer.Check(HandBuiltHs256(payload), kNow).rejection, TokenRejection::kBadClaims)
            << payload;
    }
    // Not JSON at all, yet correctly signed.
    EXPECT_EQ(signer.Check(HandBuiltHs256("not json"), kNow).rejection, TokenRejection::kMalformed);
    EXPECT_FALSE(signer.Verify(HandBuiltHs256("[1,2]"), kNow));
}

TEST(TokenSigner, RefusesGarbage) {
    const TokenSigner signer(kSecret);
    const std::string good = signer.Issue(TokenClaims::Make("42", 3, kNow, 3600));
    for (const std::string& garbage : {
             std::string(),
             std::string("."),
             std::string(".."),
             std::string("..."),
             std::string("a.b"),
             std::string("a.b.c"),
             std::string("a.b.c.d"),
             std::string("not a token"),
             std::string("Bearer ") + good,
             good + ".",
             good + " ",
             " " + good,
             good + "=",
             good + std::string(1, '\0'),
             good + "." + good,
             good.substr(0, good.size() - 1),
             std::string(5000, '.'),
             std::string(4000, 'A') + "." + std::string(4000, 'A') + "." + "AAAA",
         }) {
        EXPECT_FALSE(signer.Verify(garbage, kNow).has_value()) << garbage.substr(0, 80);
    }
}

TEST(TokenSigner, RefusesHugeInputBeforeParsing) {
    const TokenSigner signer(kSecret);
    // Correctly signed but over 8 KiB: refused for its size alone.
    const std::string padding(9000, 'x');
    const std::string huge = HandBuiltHs256(
        R"({"sub":"42","ver":3,"iat":)" + std::to_string(kNowSeconds) + R"(,"exp":)" +
        std::to_string(kNowSeconds + 60) + R"(,"pad":")" + padding + "\"}");
    ASSERT_GT(huge.size(), 8192U);
    EXPECT_EQ(signer.Check(huge, kNow).rejection, TokenRejection::kTooLarge);
    EXPECT_EQ(signer.Check(std::string(1 << 20, 'A'), kNow).rejection, TokenRejection::kTooLarge);
}

TEST(TokenSigner, RefusesShortSecretsWithoutQuotingThem) {
    const std::string short_secret = "only-thirty-one-bytes-long-abcd";
    ASSERT_EQ(short_secret.size(), 31U);
    try {
        const TokenSigner signer(short_secret);
        ADD_FAILURE() << "expected a core::Error";
    } catch (const core::Error& error) {
        EXPECT_EQ(error.code(), core::ErrorCode::kConfiguration);
        EXPECT_EQ(std::string(error.what()).find(short_secret), std::string::npos);
    }
}

TEST(TokenSigner, RefusesToIssueInvalidClaims) {
    const TokenSigner signer(kSecret);
    EXPECT_THROW((void)signer.Issue(TokenClaims{"", 1, kNowSeconds, kNowSeconds + 1}), core::Error);
    EXPECT_THROW(
        (void)signer.Issue(TokenClaims{"user@example.com", 1, kNowSeconds, kNowSeconds + 1}),
        core::Error);
    EXPECT_THROW((void)signer.Issue(TokenClaims{"42", -1, kNowSeconds, kNowSeconds + 1}),
                 core::Error);
    EXPECT_THROW((void)signer.Issue(TokenClaims{"42", 1, kNowSeconds, kNowSeconds}), core::Error);
}

TEST(TokenSigner, IsSafeToShareBetweenThreads) {
    const TokenSigner signer(kSecret);
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (std::size_t t = 0; t < failures.size(); ++t) {
        threads.emplace_back([&signer, &failures, t] {
            for (int i = 1; i <= 300; ++i) {
                const TokenClaims claims =
                    TokenClaims::Make(std::to_string(i), static_cast<std::int64_t>(t), kNow, 60);
                if (signer.Verify(signer.Issue(claims), kNow) != claims) ++failures[t];
                if (signer.Verify(HandBuiltHs256("{}"), kNow)) ++failures[t];
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (const int failed : failures) EXPECT_EQ(failed, 0);
}

TEST(TokenSigner, RemembersAVerifiedTokenUntilItExpires) {
    const TokenSigner signer(kSecret);
    const TokenClaims claims = TokenClaims::Make("42", 3, kNow, 60);
    const std::string token = signer.Issue(claims);
    EXPECT_EQ(signer.cached_tokens(), 0U);
    EXPECT_EQ(signer.Verify(token, kNow), claims);
    EXPECT_EQ(signer.cached_tokens(), 1U);
    EXPECT_EQ(signer.Verify(token, kNow + 59'999), claims);
    EXPECT_EQ(signer.Check(token, kNow + 60'000).rejection, TokenRejection::kExpired);
    EXPECT_EQ(signer.cached_tokens(), 0U);
    EXPECT_EQ(signer.Check(token, kNow + 60'000).rejection, TokenRejection::kExpired);
}

TEST(TokenSigner, ARememberedTokenVouchesForNoOtherBytes) {
    const TokenSigner signer(kSecret);
    const std::string token = signer.Issue(TokenClaims::Make("42", 3, kNow, 3600));
    ASSERT_TRUE(signer.Verify(token, kNow));
    // The same length, one signature character off; and the token with a byte more or less.
    std::string other_signature = token;
    other_signature.back() = other_signature.back() == 'A' ? 'B' : 'A';
    EXPECT_EQ(signer.Check(other_signature, kNow).rejection, TokenRejection::kBadSignature);
    EXPECT_EQ(signer.Check(token + "A", kNow).rejection, TokenRejection::kBadSignature);
    EXPECT_NE(signer.Check(token.substr(0, token.size() - 1), kNow).rejection,
              TokenRejection::kNone);
    const std::size_t first_dot = token.find('.');
    const std::size_t second_dot = token.find('.', first_dot + 1);
    const std::string forged = token.substr(0, first_dot + 1) +
                               Base64UrlEncode(R"({"sub":"1","ver":3,"iat":1,"exp":9999999999})") +
                               token.substr(second_dot);
    EXPECT_EQ(signer.Check(forged, kNow).rejection, TokenRejection::kBadSignature);
    EXPECT_EQ(signer.cached_tokens(), 1U);
    EXPECT_TRUE(signer.Verify(token, kNow));
}

TEST(TokenSigner, RemembersOnlyValidTokens) {
    const TokenSigner signer(kSecret);
    const std::string other =
        TokenSigner(kSecret + "-other").Issue(TokenClaims::Make("42", 3, kNow, 60));
    for (int pass = 0; pass < 2; ++pass) {
        EXPECT_FALSE(signer.Verify(other, kNow));
        EXPECT_FALSE(
            signer.Verify(HandBuiltHs256(Payload(kNowSeconds - 100, kNowSeconds - 1)), kNow));
        EXPECT_FALSE(
            signer.Verify(HandBuiltHs256(Payload(kNowSeconds + 60, kNowSeconds + 90)), kNow));
        EXPECT_FALSE(
            signer.Verify(HandBuiltHs256(R"({"sub":"42","ver":"3","iat":1,"exp":2})"), kNow));
        EXPECT_FALSE(signer.Verify(
            HandBuilt(R"({"alg":"HS512","typ":"JWT"})", ValidPayload(), kSecret, EVP_sha512()),
            kNow));
        EXPECT_FALSE(signer.Verify("a.b.c", kNow));
    }
    EXPECT_EQ(signer.cached_tokens(), 0U);
}

TEST(TokenSigner, AnswersTheSameWithAndWithoutItsCache) {
    const TokenSigner cached(kSecret);
    TokenSignerOptions options;
    options.verified_cache_entries = 0;
    const TokenSigner uncached(kSecret, options);
    const std::vector<std::string> tokens{
        cached.Issue(TokenClaims::Make("42", 3, kNow, 60)),
        HandBuiltHs256(Payload(kNowSeconds + 20, kNowSeconds + 90)),  // valid with skew
        HandBuiltHs256(Payload(kNowSeconds - 100, kNowSeconds - 1)),  // expired
        HandBuiltHs256(ValidPayload()),
    };
    for (int pass = 0; pass < 2; ++pass) {
        for (const core::UnixMillis at :
             {kNow, kNow - 15'000, kNow + 59'999, kNow + 60'000, kNow + 90'000, kNow - 3'600'000}) {
            for (const auto& token : tokens) {
                const TokenCheck a = cached.Check(token, at);
                const TokenCheck b = uncached.Check(token, at);
                EXPECT_EQ(a.rejection, b.rejection) << token << " at " << at;
                EXPECT_EQ(a.claims, b.claims) << token << " at " << at;
            }
        }
    }
    EXPECT_EQ(uncached.cached_tokens(), 0U);
}

TEST(TokenSigner, KeepsItsCacheBounded) {
    TokenSignerOptions options;
    options.verified_cache_entries = 8;
    const TokenSigner signer(kSecret, options);
    std::vector<std::string> tokens;
    for (int i = 1; i <= 30; ++i) {
        tokens.push_back(signer.Issue(TokenClaims::Make(std::to_string(i), 0, kNow, 3600)));
        ASSERT_TRUE(signer.Verify(tokens.back(), kNow));
        EXPECT_LE(signer.cached_tokens(), 8U);
    }
    for (int i = 1; i <= 30; ++i) {
        EXPECT_EQ(signer.Verify(tokens[i - 1], kNow)->sub, std::to_string(i));
    }
    EXPECT_LE(signer.cached_tokens(), 8U);
}

}  // namespace
}  // namespace cerulean::crypto
