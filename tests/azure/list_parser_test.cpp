#include "azure/list_parser.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace cerulean::azure {
namespace {

// Shaped like the service's responses (with the byte-order mark it sends).
constexpr std::string_view kContainers = R"(﻿<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="https://acct.blob.core.windows.net/">
  <Prefix>ph</Prefix>
  <MaxResults>2</MaxResults>
  <Containers>
    <Container>
      <Name>photos</Name>
      <Properties>
        <Last-Modified>Thu, 26 Nov 2026 03:27:38 GMT</Last-Modified>
        <Etag>"0x8DCF1C2B3A4D5E6"</Etag>
        <LeaseStatus>unlocked</LeaseStatus>
        <LeaseState>available</LeaseState>
        <PublicAccess>blob</PublicAccess>
        <HasImmutabilityPolicy>false</HasImmutabilityPolicy>
        <HasLegalHold>false</HasLegalHold>
      </Properties>
      <Metadata>
        <Owner>Jürgen &amp; Co</Owner>
        <foo_bar>1</foo_bar>
      </Metadata>
    </Container>
    <Container>
      <Name>physics</Name>
      <Properties>
        <Last-Modified>Wed, 25 Nov 2026 00:00:00 GMT</Last-Modified>
        <Etag>"0x8DCF1C2B3A4D5E7"</Etag>
      </Properties>
    </Container>
  </Containers>
  <NextMarker>/acct/physics0</NextMarker>
</EnumerationResults>)";

constexpr std::string_view kFlatBlobs = R"(<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="http://127.0.0.1:10000/devstoreaccount1" ContainerName="c">
  <Prefix></Prefix>
  <Marker>2!96!MDAwMDE0IWRpci9hLnR4dCEwMDAwMjgh</Marker>
  <MaxResults>5000</MaxResults>
  <Blobs>
    <Blob>
      <Name>ü/日本.txt</Name>
      <Properties>
        <Creation-Time>Thu, 26 Nov 2026 03:00:00 GMT</Creation-Time>
        <Last-Modified>Thu, 26 Nov 2026 03:27:38 GMT</Last-Modified>
        <Etag>0x8DCF1C2B3A4D5E6</Etag>
        <Content-Length>1048576</Content-Length>
        <Content-Type>text/plain; charset=utf-8</Content-Type>
        <Content-Encoding />
        <Content-Language />
        <Content-MD5>XrY7u+Ae7tCTyyK7j1rNww==</Content-MD5>
        <Cache-Control>no-cache</Cache-Control>
        <BlobType>BlockBlob</BlobType>
        <AccessTier>Hot</AccessTier>
        <AccessTierInferred>true</AccessTierInferred>
        <LeaseStatus>unlocked</LeaseStatus>
        <LeaseState>available</LeaseState>
        <ServerEncrypted>true</ServerEncrypted>
      </Properties>
      <Metadata>
        <foo_bar>1</foo_bar>
        <foo2_bar>2</foo2_bar>
        <MixedCase>Value With Spaces</MixedCase>
        <empty />
      </Metadata>
    </Blob>
    <Blob>
      <Name Encoded="true">bad%EF%BF%BEname%0A.txt</Name>
      <Properties>
        <Last-Modified>Thu, 26 Nov 2026 03:27:39 GMT</Last-Modified>
        <Etag>0x8DCF1C2B3A4D5E7</Etag>
        <Content-Length>0</Content-Length>
        <BlobType>AppendBlob</BlobType>
      </Properties>
    </Blob>
    <Blob>
      <Name>a%2Fb #1?.txt &amp; &lt;tag&gt;</Name>
      <Snapshot>2026-11-26T03:27:38.1234567Z</Snapshot>
      <Properties>
        <Content-Length>1</Content-Length>
        <BlobType>BlockBlob</BlobType>
      </Properties>
    </Blob>
    <Blob>
      <Name> </Name>
      <Properties><Content-Length>3</Content-Length></Properties>
    </Blob>
  </Blobs>
  <NextMarker>2!96!MDAwMDE0IWRpci9iLnR4dCEwMDAwMjgh</NextMarker>
</EnumerationResults>)";

constexpr std::string_view kHierarchicalBlobs = R"(<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="https://acct.blob.core.windows.net/" ContainerName="c">
  <Prefix>photos/</Prefix>
  <Delimiter>/</Delimiter>
  <Blobs>
    <BlobPrefix><Name>photos/2025/</Name></BlobPrefix>
    <Blob>
      <Name>photos/cover.jpg</Name>
      <Properties><Content-Length>42</Content-Length><BlobType>BlockBlob</BlobType></Properties>
    </Blob>
    <BlobPrefix><Name>photos/日本/</Name></BlobPrefix>
    <BlobPrefix><Name Encoded="true">photos/%01ctl/</Name></BlobPrefix>
  </Blobs>
  <NextMarker />
</EnumerationResults>)";

TEST(ListParser, ParsesContainers) {
    const ContainerListPage page = ParseContainerList(kContainers);
    ASSERT_EQ(page.containers.size(), 2U);
    const ContainerItem& photos = page.containers[0];
    EXPECT_EQ(photos.name, "photos");
    EXPECT_EQ(photos.last_modified, core::ParseHttpDate("Thu, 26 Nov 2026 03:27:38 GMT"));
    EXPECT_EQ(photos.etag, "\"0x8DCF1C2B3A4D5E6\"");
    EXPECT_EQ(photos.public_access, "blob");
    EXPECT_EQ(photos.metadata, (Metadata{{"Owner", "Jürgen & Co"}, {"foo_bar", "1"}}));
    EXPECT_EQ(page.containers[1].name, "physics");
    EXPECT_EQ(page.containers[1].public_access, "");
    EXPECT_TRUE(page.containers[1].metadata.empty());
    EXPECT_EQ(page.next_marker, "/acct/physics0");
}

TEST(ListParser, ParsesAnEmptyContainerList) {
    const ContainerListPage page = ParseContainerList(
        R"(<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://a.blob.core.windows.net/"><Containers /><NextMarker /></EnumerationResults>)");
    EXPECT_TRUE(page.containers.empty());
    EXPECT_EQ(page.next_marker, "");
}

TEST(ListParser, ParsesAFlatBlobList) {
    const BlobListPage page = ParseBlobList(kFlatBlobs);
    ASSERT_EQ(page.blobs.size(), 4U);
    EXPECT_TRUE(page.prefixes.empty());
    EXPECT_EQ(page.next_marker, "2!96!MDAwMDE0IWRpci9iLnR4dCEwMDAwMjgh");

    const BlobItem& first = page.blobs[0];
    EXPECT_EQ(first.name, "ü/日本.txt");
    EXPECT_EQ(first.size, 1048576);
    EXPECT_EQ(first.content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(first.content_md5, "XrY7u+Ae7tCTyyK7j1rNww==");
    EXPECT_EQ(first.content_encoding, "");
    EXPECT_EQ(first.cache_control, "no-cache");
    EXPECT_EQ(first.last_modified, core::ParseHttpDate("Thu, 26 Nov 2026 03:27:38 GMT"));
    EXPECT_EQ(first.etag, "0x8DCF1C2B3A4D5E6");
    EXPECT_EQ(first.access_tier, "Hot");
    EXPECT_EQ(first.blob_type, "BlockBlob");
    EXPECT_EQ(first.metadata, (Metadata{{"foo_bar", "1"},
                                        {"foo2_bar", "2"},
                                        {"MixedCase", "Value With Spaces"},
                                        {"empty", ""}}));

    EXPECT_EQ(page.blobs[1].name, "bad\xEF\xBF\xBEname\n.txt");
    EXPECT_EQ(page.blobs[1].size, 0);
    EXPECT_EQ(page.blobs[1].blob_type, "AppendBlob");
    EXPECT_EQ(page.blobs[1].content_md5, "");

    EXPECT_EQ(page.blobs[2].name, "a%2Fb #1?.txt & <tag>");  // not percent-decoded
    EXPECT_EQ(page.blobs[2].snapshot, "2026-11-26T03:27:38.1234567Z");
    EXPECT_FALSE(page.blobs[2].last_modified);

    EXPECT_EQ(page.blobs[3].name, " ");
}

TEST(ListParser, ParsesBlobPrefixesOfAHierarchicalList) {
    const BlobListPage page = ParseBlobList(kHierarchicalBlobs);
    ASSERT_EQ(page.blobs.size(), 1U);
    EXPECT_EQ(page.blobs[0].name, "photos/cover.jpg");
    EXPECT_EQ(page.blobs[0].size, 42);
    EXPECT_EQ(page.prefixes, (std::vector<std::string>{"photos/2025/", "photos/日本/",
                                                       "photos/\x01"
                                                       "ctl/"}));
    EXPECT_EQ(page.next_marker, "");
}

TEST(ListParser, ParsesAnEmptyBlobList) {
    const BlobListPage page = ParseBlobList(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
        "<EnumerationResults ServiceEndpoint=\"http://127.0.0.1:10000/devstoreaccount1\" "
        "ContainerName=\"empty\"><Prefix>nothing/</Prefix><Blobs /><NextMarker "
        "/></EnumerationResults>");
    EXPECT_TRUE(page.blobs.empty());
    EXPECT_TRUE(page.prefixes.empty());
    EXPECT_EQ(page.next_marker, "");
}

TEST(ListParser, RejectsMalformedResponses) {
    for (const std::string_view bad :
         {std::string_view(""), std::string_view("not xml"),
          std::string_view("<EnumerationResults><Blobs><Blob><Name>x</Name></Blobs>"),
          std::string_view("<Error><Code>X</Code></Error>"),
          std::string_view("<EnumerationResults><Blobs><Blob><Properties/></Blob></Blobs>"
                           "</EnumerationResults>"),
          std::string_view("<EnumerationResults><Blobs><Blob><Name Encoded=\"true\">%G1</Name>"
                           "</Blob></Blobs></EnumerationResults>"),
          std::string_view("<EnumerationResults><Blobs><Blob><Name>x</Name><Properties>"
                           "<Content-Length>12a</Content-Length></Properties></Blob></Blobs>"
                           "</EnumerationResults>")}) {
        SCOPED_TRACE(bad);
        try {
            (void)ParseBlobList(bad);
            ADD_FAILURE() << "no error";
        } catch (const core::Error& e) {
            EXPECT_EQ(e.code(), core::ErrorCode::kInternal);
            EXPECT_EQ(e.reason(), "malformed_response");
        }
    }
    EXPECT_THROW(ParseContainerList("<EnumerationResults><Containers><Container>"
                                    "</Container></Containers></EnumerationResults>"),
                 core::Error);
}

TEST(ErrorBodyParser, ReadsCodeAndFirstLineOfMessage) {
    const auto body = ParseErrorBody(
        "\xEF\xBB\xBF<?xml version=\"1.0\" "
        "encoding=\"utf-8\"?><Error><Code>ContainerNotFound</Code>"
        "<Message>The specified container does not exist.\nRequestId:6b8f0d2e-301e-0000-0000-"
        "000000000000\nTime:2026-11-26T03:27:38.0000000Z</Message></Error>");
    ASSERT_TRUE(body);
    EXPECT_EQ(body->code, "ContainerNotFound");
    EXPECT_EQ(body->message, "The specified container does not exist.");
    EXPECT_EQ(body->authentication_detail, "");
}

TEST(ErrorBodyParser, KeepsTheAuthenticationDetail) {
    const auto body = ParseErrorBody(
        "<Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the "
        "request.</Message><AuthenticationErrorDetail>The MAC signature found in the HTTP request "
        "'x' is not the same as any computed signature.</AuthenticationErrorDetail></Error>");
    ASSERT_TRUE(body);
    EXPECT_EQ(body->code, "AuthenticationFailed");
    EXPECT_NE(body->authentication_detail.find("MAC signature"), std::string::npos);
}

TEST(ErrorBodyParser, ReturnsNothingForBodiesThatAreNotErrors) {
    EXPECT_FALSE(ParseErrorBody(""));
    EXPECT_FALSE(ParseErrorBody("<html>502 Bad Gateway</html>"));
    EXPECT_FALSE(ParseErrorBody("Bad Gateway"));
    EXPECT_FALSE(ParseErrorBody("<Error></Error>"));
}

}  // namespace
}  // namespace cerulean::azure
