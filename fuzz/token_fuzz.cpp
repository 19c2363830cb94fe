// Bearer tokens (every authenticated request): TokenSigner::Check on the token as sent, and on
// tokens whose header and payload JSON are the input, signed with the signer's own secret, so
// that libjwt's parse and the claim checks behind the signature check are reached too.
//
// Input: line 1 a token as sent; line 2 a JWT header (JSON); the rest a JWT payload (JSON).
//
// Invariants: nothing throws; an accepted token has a decimal user id, ver >= 0 and
// iat < exp <= year 9999, and was valid at the time asked; the same token checks the same way
// again (the verified-token cache answers the second time); re-issuing accepted claims gives a
// token that checks to the same claims; an unsigned or differently signed token is refused.

#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "crypto/token_signer.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace cerulean;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef-fuzz-secret";
constexpr core::UnixMillis kNow = 1'760'000'000'000;  // 2025-10-09

const crypto::TokenSigner& Signer() {
    static const crypto::TokenSigner signer(kSecret);
    return signer;
}

bool IsDecimalId(std::string_view text) {
    if (text.empty() || text.size() > 19 || text.front() == '0') return false;
    return text.find_first_not_of("0123456789") == std::string_view::npos;
}

void CheckToken(std::string_view token) {
    const crypto::TokenCheck first = Signer().Check(token, kNow);
    const crypto::TokenCheck second = Signer().Check(token, kNow);
    FUZZ_CHECK(first.claims == second.claims && first.rejection == second.rejection,
               crypto::ToString(first.rejection));
    FUZZ_CHECK(first.claims.has_value() == (first.rejection == crypto::TokenRejection::kNone),
               crypto::ToString(first.rejection));
    if (!first.claims) return;
    const crypto::TokenClaims& claims = *first.claims;
    FUZZ_CHECK(IsDecimalId(claims.sub), claims.sub);
    FUZZ_CHECK(
        claims.ver >= 0 && claims.iat >= 0 && claims.iat < claims.exp && claims.exp <= 253402300799,
        claims.sub);
    FUZZ_CHECK(claims.exp * 1000 > kNow, "accepted when expired");
    const std::string again = Signer().Issue(claims);
    FUZZ_CHECK(Signer().Verify(again, kNow) == claims, again);
    // Another secret never verifies it.
    static const crypto::TokenSigner other("another-secret-another-secret-0123456789");
    FUZZ_CHECK(!other.Verify(token, kNow), "verified under another secret");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto f = fuzz::Fields(fuzz::AsText(data, size), 3);
    CheckToken(f[0]);
    const std::string input = crypto::Base64UrlEncode(f[1]) + "." + crypto::Base64UrlEncode(f[2]);
    const std::string signature = crypto::Base64UrlEncode(crypto::HmacSha256(kSecret, input));
    CheckToken(input + "." + signature);
    CheckToken(input + ".");  // alg "none" style: never accepted
    FUZZ_CHECK(!Signer().Verify(input + ".", kNow), "an unsigned token was accepted");
    return 0;
}
