#include "azure/shared_key.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "azure/connection_string.hpp"
#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::azure {
namespace {

constexpr std::string_view kDate = "Thu, 26 Nov 2026 03:27:38 GMT";

std::vector<std::string> Sorted(std::vector<std::string> names) {
    std::sort(names.begin(), names.end(),
              [](const std::string& a, const std::string& b) { return CanonicalHeaderLess(a, b); });
    return names;
}

TEST(SharedKeySigner, SortsHeadersLikeTheService) {
    // A byte sort puts '2' (0x32) before '_' (0x5F) and gets a 403 from the service.
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-meta-foo_bar", "x-ms-meta-foo2_bar"));
    EXPECT_FALSE(CanonicalHeaderLess("x-ms-meta-foo2_bar", "x-ms-meta-foo_bar"));
    EXPECT_EQ(Sorted({"x-ms-version", "x-ms-meta-foo2_bar", "x-ms-meta-foo_bar", "x-ms-date",
                      "x-ms-meta-foo", "x-ms-blob-type", "x-ms-meta-z9", "x-ms-meta-z_9"}),
              (std::vector<std::string>{"x-ms-blob-type", "x-ms-date", "x-ms-meta-foo",
                                        "x-ms-meta-foo_bar", "x-ms-meta-foo2_bar", "x-ms-meta-z_9",
                                        "x-ms-meta-z9", "x-ms-version"}));
}

TEST(SharedKeySigner, IgnoresHyphensFirstAsDotNetDoes) {
    // Hyphens weigh nothing at the first level: "a-b" sorts with "ab", after it, and after
    // "a_b" (where '_' is a real character), unlike a byte sort or Python's SDK.
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-meta-ab", "x-ms-meta-a-b"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-meta-a_b", "x-ms-meta-a-b"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-meta-a-b", "x-ms-meta-ac"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-meta-ab-c", "x-ms-meta-a-bc"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-range", "x-ms-range-get-content-md5"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-ab", "x-ms-ab-"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-a'b", "x-ms-a-b"));
}

TEST(SharedKeySigner, OrdersPunctuationDigitsThenLetters) {
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-meta-a_", "x-ms-meta-a0"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-meta-a9", "x-ms-meta-aa"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-a.b", "x-ms-a_b"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-a~b", "x-ms-a+b"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-a+b", "x-ms-a0b"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-foo", "x-ms-foo_"));
    // Case is a second-level difference only.
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-ab", "x-ms-Ab"));
    EXPECT_TRUE(CanonicalHeaderLess("x-ms-Ab", "x-ms-ac"));
}

TEST(SharedKeySigner, ComparatorIsAStrictWeakOrder) {
    const std::vector<std::string> names = {
        "x-ms-meta-a-b", "x-ms-meta-ab", "x-ms-meta-a_b", "x-ms-meta-a'b",      "x-ms-meta-A-b",
        "x-ms-meta-a",   "x-ms-meta-a-", "x-ms-meta-a0",  "x-ms-meta-foo2_bar", "x-ms-meta-foo_bar",
        "x-ms-date",     "x-ms-version", "x-ms-meta-ü"};
    for (const auto& a : names) {
        EXPECT_FALSE(CanonicalHeaderLess(a, a)) << a;
        for (const auto& b : names) {
            if (a == b) continue;
            EXPECT_NE(CanonicalHeaderLess(a, b), CanonicalHeaderLess(b, a)) << a << " " << b;
            for (const auto& c : names) {
                if (CanonicalHeaderLess(a, b) && CanonicalHeaderLess(b, c)) {
                    EXPECT_TRUE(CanonicalHeaderLess(a, c)) << a << " " << b << " " << c;
                }
            }
        }
    }
}

TEST(SharedKeySigner, BuildsTheStandardHeaderLines) {
    const HttpHeaders headers = {{"content-type", "text/plain"}, {"Content-Length", "0"},
                                 {"Range", "bytes=0-9"},         {"IF-MATCH", "\"etag\""},
                                 {"Date", std::string(kDate)},   {"X-MS-Version", "2025-01-05"}};
    EXPECT_EQ(
        SharedKeyStringToSign("acct", "get", "https://acct.blob.core.windows.net/c/b", headers),
        "GET\n"
        "\n\n"  // Content-Encoding, Content-Language
        "\n"    // Content-Length 0 is signed empty
        "\n"    // Content-MD5
        "text/plain\n"
        "Thu, 26 Nov 2026 03:27:38 GMT\n"
        "\n"  // If-Modified-Since
        "\"etag\"\n"
        "\n\n"  // If-None-Match, If-Unmodified-Since
        "bytes=0-9\n"
        "x-ms-version:2025-01-05\n"
        "/acct/c/b");
}

TEST(SharedKeySigner, CanonicalizesXmsHeaders) {
    const HttpHeaders headers = {{"X-Ms-Meta-Name", "  padded value \t"},
                                 {"x-ms-date", std::string(kDate)},
                                 {"x-ms-meta-multi", "a"},
                                 {"x-ms-meta-MULTI", "b"},
                                 {"x-ms-meta-empty", ""},
                                 {"x-msnot-signed", "1"}};
    EXPECT_EQ(SharedKeyStringToSign("acct", "PUT", "https://acct.blob.core.windows.net/c", headers),
              "PUT\n\n\n\n\n\n\n\n\n\n\n\n"
              "x-ms-date:Thu, 26 Nov 2026 03:27:38 GMT\n"
              "x-ms-meta-empty:\n"
              "x-ms-meta-multi:a,b\n"
              "x-ms-meta-name:padded value\n"
              "/acct/c");
}

TEST(SharedKeySigner, CanonicalizesTheQuery) {
    const std::string url =
        "https://acct.blob.core.windows.net/c?Restype=container&comp=list&include=snapshots"
        "&include=metadata&prefix=a%2Fb%20c&marker=&timeout=30";
    EXPECT_EQ(SharedKeyStringToSign("acct", "GET", url, {}),
              "GET\n\n\n\n\n\n\n\n\n\n\n\n"
              "/acct/c\n"
              "comp:list\n"
              "include:metadata,snapshots\n"
              "marker:\n"
              "prefix:a/b c\n"
              "restype:container\n"
              "timeout:30");
}

TEST(SharedKeySigner, PutsTheEmulatorAccountTwiceInTheResource) {
    EXPECT_EQ(
        SharedKeyStringToSign("devstoreaccount1", "GET",
                              "http://127.0.0.1:10000/devstoreaccount1/c?restype=container", {}),
        "GET\n\n\n\n\n\n\n\n\n\n\n\n/devstoreaccount1/devstoreaccount1/c\nrestype:container");
    EXPECT_EQ(
        SharedKeyStringToSign("acct", "GET", "https://acct.blob.core.windows.net?comp=list", {}),
        "GET\n\n\n\n\n\n\n\n\n\n\n\n/acct/\ncomp:list");
}

TEST(SharedKeySigner, SignsWithTheDecodedKey) {
    const SharedKeyCredential credential(std::string(kDevelopmentAccountName),
                                         kDevelopmentAccountKey);
    const HttpHeaders headers = {{"x-ms-date", std::string(kDate)}, {"x-ms-version", "2025-01-05"}};
    const SharedKeySignature signature = SignSharedKey(
        credential, "GET", "http://127.0.0.1:10000/devstoreaccount1?comp=list", headers);
    const std::string expected = crypto::Base64Encode(crypto::HmacSha256(
        *crypto::Base64Decode(kDevelopmentAccountKey), signature.string_to_sign));
    EXPECT_EQ(signature.authorization, "SharedKey devstoreaccount1:" + expected);
}

TEST(SharedKeySigner, RejectsBadKeysWithoutEchoingThem) {
    const std::string bad_key = "secretsecret!!==";
    try {
        SharedKeyCredential credential("acct", bad_key);
        FAIL() << "no error";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), core::ErrorCode::kInvalidArgument);
        EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos);
    }
    EXPECT_THROW(SharedKeyCredential("", kDevelopmentAccountKey), core::Error);
    EXPECT_THROW(SharedKeyCredential("acct", ""), core::Error);
}

}  // namespace
}  // namespace cerulean::azure
