#include "azure/sas.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "azure/connection_string.hpp"
#include "azure/url.hpp"
#include "core/error.hpp"

namespace cerulean::azure {
namespace {

constexpr core::UnixMillis kExpiry = 1795752306000;  // 2026-11-27T04:05:06Z

std::string Param(const std::string& query, std::string_view name) {
    for (const auto& p : ParseQuery(query)) {
        if (p.name == name) return p.value;
    }
    return "<absent>";
}

SharedKeyCredential DevCredential() {
    return {std::string(kDevelopmentAccountName), kDevelopmentAccountKey};
}

TEST(SasPermissions, NormalizesToTheCanonicalOrder) {
    EXPECT_EQ(NormalizeBlobSasPermissions("wrdca"), "racwd");
    EXPECT_EQ(NormalizeBlobSasPermissions("ietmyxdwcar"), "racwdxytmei");
    EXPECT_EQ(NormalizeBlobSasPermissions("rrR"), "r");
    EXPECT_EQ(NormalizeContainerSasPermissions("lfr"), "rlf");
    EXPECT_EQ(NormalizeContainerSasPermissions("iemftlyxdwcar"), "racwdxyltfmei");
    EXPECT_EQ(NormalizeAccountSasPermissions("itfpucalyxdwr"), "rwdxylacupfti");
    EXPECT_EQ(NormalizeAccountSasServices("fbq"), "bqf");
    EXPECT_EQ(NormalizeAccountSasResourceTypes("ocs"), "sco");
}

TEST(SasPermissions, RejectsLettersOfAnotherKind) {
    EXPECT_THROW(NormalizeBlobSasPermissions("rl"), core::Error);  // list is a container right
    EXPECT_THROW(NormalizeAccountSasPermissions("rm"), core::Error);
    EXPECT_THROW(NormalizeAccountSasServices("bz"), core::Error);
    try {
        (void)NormalizeContainerSasPermissions("rz");
        FAIL() << "no error";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), core::ErrorCode::kInvalidArgument);
        EXPECT_NE(std::string(e.what()).find("'z'"), std::string::npos) << e.what();
    }
}

TEST(BlobSas, WritesTimesInWholeSecondsAndEncodesValues) {
    BlobSasOptions options;
    options.container = "c";
    options.blob = "a b/ü.txt";
    options.permissions = "wr";
    options.starts_on = kExpiry - 86400000 + 999;  // milliseconds are dropped
    options.expires_on = kExpiry;
    options.content_type = "text/plain; charset=utf-8";
    const SasToken token = GenerateBlobSas(DevCredential(), options);
    EXPECT_EQ(Param(token.query, "st"), "2026-11-26T04:05:06Z");
    EXPECT_EQ(Param(token.query, "se"), "2026-11-27T04:05:06Z");
    EXPECT_EQ(Param(token.query, "sp"), "rw");
    EXPECT_EQ(Param(token.query, "sr"), "b");
    EXPECT_EQ(Param(token.query, "sv"), std::string(kServiceVersion));
    EXPECT_NE(token.query.find("se=2026-11-27T04%3A05%3A06Z"), std::string::npos);
    EXPECT_NE(token.query.find("rsct=text%2Fplain%3B%20charset%3Dutf-8"), std::string::npos);
    EXPECT_EQ(token.query.find(' '), std::string::npos);
    EXPECT_EQ(token.query.rfind("sv=", 0), 0U);
    // The canonical resource holds the raw name under the account, not the URL path.
    EXPECT_NE(token.string_to_sign.find("\n/blob/devstoreaccount1/c/a b/ü.txt\n"),
              std::string::npos);
    EXPECT_EQ(token.string_to_sign.find(kDevelopmentAccountKey), std::string::npos);
}

TEST(BlobSas, SignsSnapshotsAndVersions) {
    BlobSasOptions options;
    options.container = "c";
    options.blob = "b";
    options.permissions = "r";
    options.expires_on = kExpiry;
    options.snapshot = "2026-11-26T03:27:38.1234567Z";
    SasToken token = GenerateBlobSas(DevCredential(), options);
    EXPECT_EQ(Param(token.query, "sr"), "bs");
    EXPECT_NE(token.string_to_sign.find("\nbs\n2026-11-26T03:27:38.1234567Z\n"), std::string::npos);
    options.snapshot.clear();
    options.version_id = "2026-11-26T03:27:38.7654321Z";
    token = GenerateBlobSas(DevCredential(), options);
    EXPECT_EQ(Param(token.query, "sr"), "bv");
}

TEST(BlobSas, RejectsIncompleteOrUnsupportedRequests) {
    BlobSasOptions options;
    options.container = "c";
    options.permissions = "r";
    options.expires_on = kExpiry;
    EXPECT_NO_THROW(GenerateBlobSas(DevCredential(), options));

    auto without = options;
    without.expires_on.reset();
    EXPECT_THROW(GenerateBlobSas(DevCredential(), without), core::Error);
    without = options;
    without.permissions.clear();
    EXPECT_THROW(GenerateBlobSas(DevCredential(), without), core::Error);
    without = options;
    without.container.clear();
    EXPECT_THROW(GenerateBlobSas(DevCredential(), without), core::Error);
    without = options;
    without.snapshot = "2026-11-26T03:27:38Z";  // a snapshot needs a blob
    EXPECT_THROW(GenerateBlobSas(DevCredential(), without), core::Error);
    without = options;
    without.protocol = "http";
    EXPECT_THROW(GenerateBlobSas(DevCredential(), without), core::Error);
    for (const char* version : {"2019-12-12", "2025-07-05", "latest"}) {
        without = options;
        without.version = version;
        EXPECT_THROW(GenerateBlobSas(DevCredential(), without), core::Error) << version;
    }
    // A stored access policy may carry the expiry and permissions.
    auto policy = options;
    policy.identifier = "policy";
    policy.expires_on.reset();
    policy.permissions.clear();
    EXPECT_NO_THROW(GenerateBlobSas(DevCredential(), policy));
}

TEST(UserDelegationSas, RejectsWhatTheServiceWouldRefuse) {
    UserDelegationKey key{"oid", "tid",        "2026-11-26T02:00:00Z",    "2026-11-28T02:00:00Z",
                          "b",   "2025-01-05", "AAECAwQFBgcICQoLDA0ODw=="};
    BlobSasOptions options;
    options.container = "c";
    options.permissions = "rl";
    options.expires_on = kExpiry;
    const SasToken token = GenerateUserDelegationSas("acct", key, options);
    EXPECT_EQ(Param(token.query, "skoid"), "oid");
    EXPECT_EQ(Param(token.query, "skv"), "2025-01-05");
    EXPECT_EQ(token.string_to_sign.find(key.value), std::string::npos);

    auto with_policy = options;
    with_policy.identifier = "p";
    EXPECT_THROW(GenerateUserDelegationSas("acct", key, with_policy), core::Error);
    auto both = options;
    both.authorized_object_id = "a";
    both.unauthorized_object_id = "b";
    EXPECT_THROW(GenerateUserDelegationSas("acct", key, both), core::Error);
    auto bad_key = key;
    bad_key.value = "not base64!";
    EXPECT_THROW(GenerateUserDelegationSas("acct", bad_key, options), core::Error);
    auto partial = key;
    partial.signed_tenant_id.clear();
    EXPECT_THROW(GenerateUserDelegationSas("acct", partial, options), core::Error);
}

TEST(AccountSas, NeedsServicesResourceTypesPermissionsAndExpiry) {
    AccountSasOptions options;
    options.resource_types = "co";
    options.permissions = "lr";
    options.expires_on = kExpiry;
    const SasToken token = GenerateAccountSas(DevCredential(), options);
    EXPECT_EQ(Param(token.query, "ss"), "b");
    EXPECT_EQ(Param(token.query, "srt"), "co");
    EXPECT_EQ(Param(token.query, "sp"), "rl");
    EXPECT_EQ(token.string_to_sign.back(), '\n');

    for (auto field : {&AccountSasOptions::services, &AccountSasOptions::resource_types,
                       &AccountSasOptions::permissions}) {
        auto without = options;
        (without.*field).clear();
        EXPECT_THROW(GenerateAccountSas(DevCredential(), without), core::Error);
    }
    auto no_expiry = options;
    no_expiry.expires_on = 0;
    EXPECT_THROW(GenerateAccountSas(DevCredential(), no_expiry), core::Error);
}

TEST(SasTokenParsing, AcceptsTokensQueriesAndSasUrls) {
    const std::string token = "sv=2025-01-05&sr=b&sp=r&se=2026-11-27T04%3A05%3A06Z&sig=a%2Bb%3D";
    EXPECT_EQ(NormalizeSasToken(token), token);
    EXPECT_EQ(NormalizeSasToken("  ?" + token + "\n"), token);
    EXPECT_EQ(NormalizeSasToken("https://acct.blob.core.windows.net/c/b.txt?" + token), token);
    EXPECT_EQ(NormalizeSasToken("&" + token + "&&"), token);
}

// Found by fuzz/sas_fuzz and fuzz/connection_string_fuzz (inputs in fuzz/regressions/): what
// NormalizeSasToken returns is read back and normalized again, so it must not change then.
TEST(SasTokenParsing, NormalizedTokensNormalizeToThemselves) {
    const std::string token = "sv=2025-01-05&sr=b&sp=r&sig=a%2Bb%3D";
    for (const std::string& given :
         {"??" + token, "&?" + token, "https://acct.blob.core.windows.net/c/b??" + token,
          "a=https://x&" + token, "?a=b://c&" + token}) {
        SCOPED_TRACE(given);
        const std::string normalized = NormalizeSasToken(given);
        EXPECT_NE(normalized.front(), '?');
        EXPECT_EQ(NormalizeSasToken(normalized), normalized);
    }
    EXPECT_EQ(NormalizeSasToken("a=https://x&" + token), "a=https://x&" + token);
    EXPECT_THROW(NormalizeSasToken("?https://acct.blob.core.windows.net/c?" + token), core::Error);
    EXPECT_THROW(NormalizeSasToken("sv=1\v&sig=x"), core::Error);
    EXPECT_THROW(NormalizeSasToken(std::string("sv=1\0&sig=x", 11)), core::Error);
}

TEST(SasTokenParsing, RejectsBrokenTokensWithoutEchoingThem) {
    const std::string secret = "c2VjcmV0c2lnbmF0dXJl";
    const std::vector<std::string> cases = {"",
                                            "  ?  ",
                                            "sv=2025-01-05&sp=r",
                                            "sv=2025-01-05&sig=" + secret + "%G1",
                                            "https://acct.blob.core.windows.net/c/b",
                                            "sv=1&sig=" + secret + " x",
                                            "sv=1&sig=",
                                            "sv=1&sig=" + secret + "#frag"};
    for (const std::string& bad : cases) {
        SCOPED_TRACE(bad);
        try {
            (void)NormalizeSasToken(bad);
            ADD_FAILURE() << "no error";
        } catch (const core::Error& e) {
            EXPECT_EQ(e.code(), core::ErrorCode::kInvalidArgument);
            EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace cerulean::azure
