#include "core/redact.hpp"

#include <gtest/gtest.h>

namespace cerulean::core {
namespace {

TEST(RedactUrl, RedactsSasSignatureButKeepsItsGrant) {
    EXPECT_EQ(RedactUrl("https://a.blob.core.windows.net/c/b?sv=2024-05-04&sp=r&sig=abc%2Bdef"),
              "https://a.blob.core.windows.net/c/b?sv=2024-05-04&sp=r&sig=REDACTED");
}

TEST(RedactUrl, RedactsUnknownParametersAndUserinfo) {
    EXPECT_EQ(RedactUrl("/api/v1/x?token=secret&limit=10"), "/api/v1/x?token=REDACTED&limit=10");
    EXPECT_EQ(RedactUrl("postgresql://user:pw@db:5432/c"), "postgresql://REDACTED@db:5432/c");
    EXPECT_EQ(RedactUrl("/healthz"), "/healthz");
    EXPECT_EQ(RedactUrl("/p?flag&comp=list#frag"), "/p?flag&comp=list#frag");
}

TEST(ScrubSecrets, RemovesConnectionStringSecrets) {
    const std::string text =
        "bad DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy==;EndpointSuffix=x";
    const std::string scrubbed = ScrubSecrets(text);
    EXPECT_EQ(scrubbed.find("Zm9vYmFy"), std::string::npos);
    EXPECT_NE(scrubbed.find("AccountKey=REDACTED;EndpointSuffix=x"), std::string::npos);
}

TEST(ScrubSecrets, RemovesBearerTokensSignaturesAndPasswords) {
    EXPECT_EQ(ScrubSecrets("Authorization: Bearer eyJhbGc.x.y"), "Authorization: Bearer REDACTED");
    EXPECT_EQ(ScrubSecrets("url?sv=1&sig=xyz&se=2"), "url?sv=1&sig=REDACTED&se=2");
    EXPECT_EQ(ScrubSecrets("password=hunter2 next"), "password=REDACTED next");
    EXPECT_EQ(ScrubSecrets("connect to postgresql://u:p@h/db failed"),
              "connect to postgresql://REDACTED@h/db failed");
    EXPECT_EQ(ScrubSecrets("plain text stays"), "plain text stays");
}

TEST(ScrubSecrets, NoUserinfoIsLeftWhereARedactedValueJoinedTextToAUrl) {
    // The signature's value runs to the next '&', taking the '?' that ended the authority: what
    // followed it then reads as the URL's userinfo, and goes (found by fuzz/storage_error_fuzz).
    EXPECT_EQ(ScrubSecrets("see https://host&sig=ab?sv=2&co:pw@x/y"), "see https://REDACTED@x/y");
    EXPECT_EQ(ScrubSecrets("https://u:p@h/a?sig=s&x=1"), "https://REDACTED@h/a?sig=REDACTED&x=1");
}

TEST(ScrubSecrets, EveryMarkerIsFoundWhateverTheShortcut) {
    // Text without '=', ' ' or ':' is returned as it is: each marker must hold one of them.
    for (const char* marker :
         {"AccountKey=", "SharedAccessSignature=", "sig=", "password=", "client_secret=",
          "access_token=", "refresh_token=", "secret=", "signature=", "token="}) {
        EXPECT_EQ(ScrubSecrets(std::string(marker) + "s3cr3t"), std::string(marker) + "REDACTED")
            << marker;
    }
    EXPECT_EQ(ScrubSecrets("Bearer abc"), "Bearer REDACTED");
    EXPECT_EQ(ScrubSecrets("https://u:p@h"), "https://REDACTED@h");
    EXPECT_EQ(ScrubSecrets("0f3a9c2b7d1e4f60"), "0f3a9c2b7d1e4f60");
    EXPECT_EQ(ScrubSecrets(""), "");
}

}  // namespace
}  // namespace cerulean::core
