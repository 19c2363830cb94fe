#include "azure/url.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace cerulean::azure {
namespace {

TEST(BlobPathEncoding, EncodesEverythingButUnreservedAndSlash) {
    EXPECT_EQ(EncodeBlobPath("a%2Fb #1?.txt"), "a%252Fb%20%231%3F.txt");
    EXPECT_EQ(EncodeBlobPath("1+1=2&x;y,z"), "1%2B1%3D2%26x%3By%2Cz");
    EXPECT_EQ(EncodeBlobPath("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(EncodeBlobPath("!*'()$@:[]"), "%21%2A%27%28%29%24%40%3A%5B%5D");
    EXPECT_EQ(EncodeBlobPath("back\\slash"), "back%5Cslash");
}

TEST(BlobPathEncoding, EncodesUnicodeAsUtf8Bytes) {
    EXPECT_EQ(EncodeBlobPath("ü/日本.txt"), "%C3%BC/%E6%97%A5%E6%9C%AC.txt");
    EXPECT_EQ(EncodeBlobPath("emoji 😀"), "emoji%20%F0%9F%98%80");
}

TEST(BlobPathEncoding, KeepsDeepPathsAndEmptySegments) {
    EXPECT_EQ(EncodeBlobPath("a/b/c/d/e/f/g/h.txt"), "a/b/c/d/e/f/g/h.txt");
    EXPECT_EQ(EncodeBlobPath("dir//x/"), "dir//x/");
}

TEST(QueryEncoding, EncodesSlashAndSpaceAsPercentEscapes) {
    EXPECT_EQ(EncodeQueryValue("logs/2026 a+b"), "logs%2F2026%20a%2Bb");
    EXPECT_EQ(EncodeQueryValue("2026-11-26T03:27:38Z"), "2026-11-26T03%3A27%3A38Z");
    EXPECT_EQ(EncodeQueryValue("abc+/=="), "abc%2B%2F%3D%3D");
}

TEST(PercentDecoding, RoundTripsAndRejectsBrokenEscapes) {
    const std::string name = "a%2Fb #1?.txt ü/日本+.txt";
    EXPECT_EQ(PercentDecode(EncodeBlobPath(name)), name);
    EXPECT_EQ(PercentDecode(EncodeQueryValue(name)), name);
    EXPECT_EQ(PercentDecode("a+b%2b"), "a+b+");
    EXPECT_EQ(PercentDecode("%e6%97%a5"), "日");
    EXPECT_FALSE(PercentDecode("%"));
    EXPECT_FALSE(PercentDecode("%4"));
    EXPECT_FALSE(PercentDecode("%zz"));
}

TEST(UrlSplitting, SplitsSchemeAuthorityPathAndQuery) {
    const UrlParts parts =
        SplitUrl("HTTPS://acct.blob.core.windows.net/c/a%20b?comp=list&x=1#frag");
    EXPECT_EQ(parts.scheme, "https");
    EXPECT_EQ(parts.authority, "acct.blob.core.windows.net");
    EXPECT_EQ(parts.path, "/c/a%20b");
    EXPECT_EQ(parts.query, "comp=list&x=1");

    const UrlParts root = SplitUrl("http://127.0.0.1:10000?comp=list");
    EXPECT_EQ(root.authority, "127.0.0.1:10000");
    EXPECT_EQ(root.path, "/");
    EXPECT_EQ(root.query, "comp=list");

    EXPECT_THROW(SplitUrl("no-scheme/path"), core::Error);
    EXPECT_THROW(SplitUrl("https:///path"), core::Error);
}

TEST(QueryParsing, DecodesNamesAndValuesAndSplitsAtTheFirstEquals) {
    const auto params = ParseQuery("comp=list&prefix=a%2Fb%20c&&blockid=QUJD%3D%3D&flag&x=a=b");
    ASSERT_EQ(params.size(), 5U);
    EXPECT_EQ(params[0].name, "comp");
    EXPECT_EQ(params[1].value, "a/b c");
    EXPECT_EQ(params[2].value, "QUJD==");
    EXPECT_EQ(params[3].name, "flag");
    EXPECT_EQ(params[3].value, "");
    EXPECT_EQ(params[4].value, "a=b");
    EXPECT_THROW(ParseQuery("sig=%G0"), core::Error);
}

TEST(Endpoints, NormalizesAndRejectsWhatCannotBeAnEndpoint) {
    EXPECT_EQ(NormalizeEndpoint(" https://acct.blob.core.windows.net/ "),
              "https://acct.blob.core.windows.net");
    EXPECT_EQ(NormalizeEndpoint("HTTP://127.0.0.1:10000/devstoreaccount1/"),
              "http://127.0.0.1:10000/devstoreaccount1");
    EXPECT_THROW(NormalizeEndpoint("ftp://x"), core::Error);
    EXPECT_THROW(NormalizeEndpoint("https://x/?a=b"), core::Error);
    EXPECT_THROW(NormalizeEndpoint("https://x/#f"), core::Error);
    EXPECT_THROW(NormalizeEndpoint("x.blob.core.windows.net"), core::Error);
    // Found by fuzz/connection_string_fuzz: "...\r/" normalized to "...\r", which normalized
    // again to something else.
    EXPECT_THROW(NormalizeEndpoint("https://acct.blob.core.windows.net\r/"), core::Error);
    EXPECT_THROW(NormalizeEndpoint("https://acct.blob.core.windows.net/a b"), core::Error);
}

TEST(Endpoints, BuildsContainerAndBlobUrls) {
    const std::string cloud = "https://acct.blob.core.windows.net";
    EXPECT_EQ(ContainerUrl(cloud, "photos"), "https://acct.blob.core.windows.net/photos");
    EXPECT_EQ(ContainerUrl(cloud, "$root"), "https://acct.blob.core.windows.net/%24root");
    EXPECT_EQ(BlobUrl(cloud, "c", "a%2Fb #1?.txt"),
              "https://acct.blob.core.windows.net/c/a%252Fb%20%231%3F.txt");
    EXPECT_EQ(BlobUrl(cloud, "c", "deep/path/to/+plus.txt"),
              "https://acct.blob.core.windows.net/c/deep/path/to/%2Bplus.txt");
    EXPECT_THROW(ContainerUrl(cloud, ""), core::Error);
    EXPECT_THROW(ContainerUrl(cloud, "a/b"), core::Error);
    EXPECT_THROW(BlobUrl(cloud, "c", ""), core::Error);
}

TEST(Endpoints, KeepsTheAccountOfPathStyleEmulatorEndpoints) {
    const std::string emulator = "http://127.0.0.1:10000/devstoreaccount1";
    EXPECT_EQ(ContainerUrl(emulator, "c"), "http://127.0.0.1:10000/devstoreaccount1/c");
    EXPECT_EQ(BlobUrl(emulator + "/", "c", "ü/日本.txt"),
              "http://127.0.0.1:10000/devstoreaccount1/c/%C3%BC/%E6%97%A5%E6%9C%AC.txt");
}

TEST(Endpoints, AppendsQueries) {
    EXPECT_EQ(AppendQuery("https://a/c", "restype=container"), "https://a/c?restype=container");
    EXPECT_EQ(AppendQuery("https://a/c?restype=container", "?sv=1&sig=x"),
              "https://a/c?restype=container&sv=1&sig=x");
    EXPECT_EQ(AppendQuery("https://a/c", ""), "https://a/c");
}

TEST(Endpoints, TellsTheAccountName) {
    EXPECT_EQ(AccountNameFromEndpoint("https://acct.blob.core.windows.net"), "acct");
    EXPECT_EQ(AccountNameFromEndpoint("http://127.0.0.1:10000/devstoreaccount1"),
              "devstoreaccount1");
    EXPECT_EQ(AccountNameFromEndpoint("http://azurite:10000/devstoreaccount1/"),
              "devstoreaccount1");
    EXPECT_EQ(AccountNameFromEndpoint("http://localhost:10000"), "");
    EXPECT_EQ(AccountNameFromEndpoint("http://10.1.2.3"), "");
    // Found by fuzz/api_fuzz: "%AC" decoded to a byte that made the API write invalid UTF-8.
    EXPECT_EQ(AccountNameFromEndpoint("http://127.0.0.1:10000/devstor%ACcount1"), "");
    EXPECT_EQ(AccountNameFromEndpoint("http://127.0.0.1:10000/dev%2Dstore"), "dev-store");
}

TEST(DotSegments, AreFoundOnlyAsWholeSegments) {
    EXPECT_TRUE(HasDotSegment("a/../b"));
    EXPECT_TRUE(HasDotSegment("./x"));
    EXPECT_TRUE(HasDotSegment(".."));
    EXPECT_TRUE(HasDotSegment("a/."));
    EXPECT_FALSE(HasDotSegment("a..b/c.d"));
    EXPECT_FALSE(HasDotSegment(".hidden/..."));
    EXPECT_FALSE(HasDotSegment("a//b"));
}

// Found by fuzz/sas_fuzz: no encoding keeps a whole "." or ".." from being collapsed.
TEST(DotSegments, NamesThatAreOneAreRefused) {
    const std::string cloud = "https://acct.blob.core.windows.net";
    EXPECT_THROW(BlobUrl(cloud, "c", "."), core::Error);
    EXPECT_THROW(BlobUrl(cloud, "c", ".."), core::Error);
    EXPECT_THROW(ContainerUrl(cloud, ".."), core::Error);
    EXPECT_EQ(BlobUrl(cloud, "c", "..."), cloud + "/c/...");
    EXPECT_EQ(BlobUrl(cloud, "c", "a/.."), cloud + "/c/a%2F..");
}

TEST(DotSegments, KeepTheirSlashesEncodedSoNoParserCollapsesThem) {
    const std::string cloud = "https://acct.blob.core.windows.net";
    EXPECT_EQ(BlobUrl(cloud, "c", "dots/../up.txt"), cloud + "/c/dots%2F..%2Fup.txt");
    EXPECT_EQ(BlobUrl(cloud, "c", "./a b"), cloud + "/c/.%2Fa%20b");
    EXPECT_EQ(BlobUrl(cloud, "c", "a..b/c"), cloud + "/c/a..b/c");
}

}  // namespace
}  // namespace cerulean::azure
