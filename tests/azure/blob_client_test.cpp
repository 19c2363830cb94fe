#include "azure/blob_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "azure/connection_string.hpp"
#include "azure/fake_transport.hpp"
#include "azure/shared_key.hpp"
#include "azure/storage_error.hpp"
#include "azure/url.hpp"
#include "core/error.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::azure {
namespace {

using std::chrono::milliseconds;
using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RecordedRequest;
using testing::Respond;
using ::testing::StartsWith;

constexpr std::string_view kEndpoint = "http://127.0.0.1:10000/devstoreaccount1";

ClientOptions With(std::shared_ptr<FakeTransport> transport) {
    ClientOptions options;
    options.transport = std::move(transport);
    options.pipeline.retry.base_delay = milliseconds(1);
    options.pipeline.retry.max_delay = milliseconds(2);
    return options;
}

std::shared_ptr<const Credential> DevKey() {
    return std::make_shared<AccountKeyCredential>(
        SharedKeyCredential(std::string(kDevelopmentAccountName), kDevelopmentAccountKey));
}

std::shared_ptr<FakeTransport> Answering(int status, HttpHeaders headers = {},
                                         std::string body = {}) {
    return std::make_shared<FakeTransport>([=](const HttpRequest&, const TryControl& control, int) {
        return testing::Stream(control, Respond(status, headers), body);
    });
}

TEST(BlobClientRequests, EncodesTrickyBlobNamesInThePath) {
    auto transport = Answering(200, {{"Content-Length", "0"}});
    const BlobClient client(kEndpoint, DevKey(), With(transport));
    client.GetBlobProperties("c", "a%2Fb #1?.txt");
    client.GetBlobProperties("c", "ü/日本 語+x");
    client.GetBlobProperties("c", "dir/../up");
    const auto requests = transport->requests();
    EXPECT_EQ(requests[0].url, std::string(kEndpoint) + "/c/a%252Fb%20%231%3F.txt");
    EXPECT_EQ(requests[1].url,
              std::string(kEndpoint) + "/c/%C3%BC/%E6%97%A5%E6%9C%AC%20%E8%AA%9E%2Bx");
    EXPECT_EQ(requests[2].url, std::string(kEndpoint) + "/c/dir%2F..%2Fup");
    EXPECT_EQ(requests[0].method, "HEAD");
}

TEST(BlobClientRequests, SignsWithSharedKeyOverTheExactHeadersSent) {
    auto transport = Answering(201);
    const BlobClient client(kEndpoint, DevKey(), With(transport));
    PutBlobOptions options;
    options.headers.content_type = "text/plain";
    options.metadata = {{"foo_bar", "1"}, {"foo2_bar", "2"}};
    client.PutBlob("c", "x y", RequestBody::FromBytes("hello"), options);
    const RecordedRequest request = transport->requests().at(0);
    HttpHeaders unsigned_headers;
    for (const auto& header : request.headers) {
        if (!HeaderNameEquals(header.name, "Authorization")) unsigned_headers.push_back(header);
    }
    const SharedKeyCredential key(std::string(kDevelopmentAccountName), kDevelopmentAccountKey);
    EXPECT_EQ(request.Header("Authorization"),
              SignSharedKey(key, "PUT", request.url, unsigned_headers).authorization);
    EXPECT_EQ(request.Header("Content-Length"), "5");
    EXPECT_EQ(request.Header("x-ms-blob-type"), "BlockBlob");
    EXPECT_EQ(request.Header("x-ms-blob-content-type"), "text/plain");
    EXPECT_EQ(request.Header("x-ms-meta-foo_bar"), "1");
    EXPECT_EQ(request.Header("x-ms-meta-foo2_bar"), "2");
    EXPECT_EQ(request.body, "hello");
}

TEST(BlobClientRequests, BuildsListingQueries) {
    auto transport = Answering(
        200, {},
        R"(<?xml version="1.0"?><EnumerationResults><Blobs/><NextMarker/></EnumerationResults>)");
    const BlobClient client(kEndpoint, DevKey(), With(transport));
    ListBlobsOptions options;
    options.prefix = "dir a/";
    options.delimiter = "/";
    options.marker = "m+1";
    options.max_results = 7;
    options.include_metadata = true;
    client.ListBlobs("c", options);
    client.ListContainers({.prefix = "p", .max_results = 1});
    const auto requests = transport->requests();
    EXPECT_EQ(requests[0].url, std::string(kEndpoint) +
                                   "/c?restype=container&comp=list&prefix=dir%20a%2F&delimiter=%2F"
                                   "&marker=m%2B1&maxresults=7&include=metadata");
    EXPECT_EQ(requests[1].url, std::string(kEndpoint) + "/?comp=list&prefix=p&maxresults=1");
}

TEST(BlobClientRequests, AppendsTheSasToEveryRequest) {
    auto transport = Answering(200, {{"x-ms-sku-name", "Standard_LRS"}});
    const BlobClient client(kEndpoint, std::make_shared<SasCredential>("?sv=2025-01-05&sig=abc%2B"),
                            With(transport));
    client.GetAccountInfo();
    client.GetBlobProperties("c", "a?b");
    const auto requests = transport->requests();
    EXPECT_EQ(requests[0].url, std::string(kEndpoint) +
                                   "/?restype=account&comp=properties&sv=2025-01-05&sig=abc%2B");
    EXPECT_EQ(requests[1].url, std::string(kEndpoint) + "/c/a%3Fb?sv=2025-01-05&sig=abc%2B");
    EXPECT_TRUE(requests[1].Header("Authorization").empty());
}

TEST(BlobClientRequests, RefusesToSendABearerTokenOverHttp) {
    auto transport = Answering(200);
    const BlobClient client(
        kEndpoint, std::make_shared<BearerCredential>(std::make_shared<StaticTokenSource>("token")),
        With(transport));
    try {
        client.GetAccountInfo();
        FAIL();
    } catch (const core::Error& error) {
        EXPECT_EQ(error.reason(), "insecure_endpoint");
    }
    EXPECT_EQ(transport->count(), 0U);

    const BlobClient secure(
        "https://acct.blob.core.windows.net",
        std::make_shared<BearerCredential>(std::make_shared<StaticTokenSource>("token")),
        With(transport));
    secure.GetAccountInfo();
    EXPECT_EQ(transport->requests().at(0).Header("Authorization"), "Bearer token");
}

TEST(BlobClientRequests, RejectsMetadataThatCouldBreakTheHeaders) {
    auto transport = Answering(200);
    const BlobClient client(kEndpoint, DevKey(), With(transport));
    EXPECT_THROW(client.SetBlobMetadata("c", "b", {{"bad-name", "v"}}), core::Error);
    EXPECT_THROW(client.SetBlobMetadata("c", "b", {{"1abc", "v"}}), core::Error);
    EXPECT_THROW(client.SetBlobMetadata("c", "b", {{"ok", "v\r\nx-ms-meta-evil: 1"}}), core::Error);
    PutBlobOptions options;
    options.headers.content_type = "text/plain\r\nInjected: yes";
    EXPECT_THROW(client.PutBlob("c", "b", RequestBody::FromBytes("x"), options), core::Error);
    EXPECT_EQ(transport->count(), 0U);
}

TEST(BlobClientRequests, StagesBlocksAndCommitsTheList) {
    auto transport = Answering(201);
    const BlobClient client(kEndpoint, DevKey(), With(transport));
    const std::string id0 = MakeBlockId("upload-1", 0);
    const std::string id1 = MakeBlockId("upload-1", 1);
    client.PutBlock("c", "b", id0, RequestBody::FromBytes("abc"), "kAFQmDzST7DWlj99KOF/cg==");
    PutBlockListOptions options;
    options.headers.content_type = "application/json";
    options.headers.content_md5 = "kAFQmDzST7DWlj99KOF/cg==";
    options.metadata = {{"k", "v"}};
    client.PutBlockList("c", "b", {id0, id1}, options);
    const auto requests = transport->requests();
    EXPECT_EQ(requests[0].url,
              std::string(kEndpoint) + "/c/b?comp=block&blockid=" + EncodeQueryValue(id0));
    EXPECT_EQ(requests[0].Header("Content-MD5"), "kAFQmDzST7DWlj99KOF/cg==");
    EXPECT_EQ(requests[1].url, std::string(kEndpoint) + "/c/b?comp=blocklist");
    EXPECT_EQ(requests[1].body, BlockListXml({id0, id1}));
    EXPECT_EQ(requests[1].Header("x-ms-blob-content-md5"), "kAFQmDzST7DWlj99KOF/cg==");
    EXPECT_EQ(requests[1].Header("x-ms-blob-content-type"), "application/json");
    EXPECT_EQ(requests[1].Header("x-ms-meta-k"), "v");
}

TEST(BlockIds, HaveOneLengthPerUpload) {
    const std::string first = MakeBlockId("abc", 0);
    EXPECT_EQ(first.size(), MakeBlockId("abc", 9'999'999'999ULL).size());
    EXPECT_EQ(*crypto::Base64Decode(MakeBlockId("abc", 42)), "abc0000000042");
    EXPECT_NE(first, MakeBlockId("abc", 1));
    EXPECT_THROW(MakeBlockId(std::string(49, 'x'), 0), core::Error);
}

TEST(BlockListXml, ListsEveryBlockAsLatest) {
    EXPECT_EQ(BlockListXml({"QQ==", "Qg=="}),
              R"(<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>QQ==</Latest>)"
              R"(<Latest>Qg==</Latest></BlockList>)");
    EXPECT_THROW(BlockListXml({"<not base64>"}), core::Error);
}

TEST(BlobClientGet, ResumesABrokenDownloadWhereItStopped) {
    const std::string data = "0123456789abcdefghij";
    auto transport = std::make_shared<FakeTransport>(
        [&](const HttpRequest&, const TryControl& control, int call) -> HttpResponse {
            HttpResponse head = Respond(call == 1 ? 200 : 206,
                                        {{"ETag", "\"v1\""}, {"Content-Type", "text/plain"}});
            if (call == 1) {
                head.headers.push_back({"Content-Length", "20"});
                control.sink->on_headers(head);
                control.sink->on_body(std::string_view(data).substr(0, 8));
                throw TransportError(TransportFailure::kNetwork, "connection reset", 0, 8);
            }
            head.headers.push_back({"Content-Range", "bytes 8-19/20"});
            return testing::Stream(control, head, std::string_view(data).substr(8));
        });
    const BlobClient client(kEndpoint, DevKey(), With(transport));
    std::string out;
    const DownloadResult result =
        client.GetBlob("c", "b", [&](std::string_view bytes) { out.append(bytes); });
    EXPECT_EQ(out, data);
    EXPECT_EQ(result.bytes, 20U);
    EXPECT_EQ(result.resumes, 1);
    EXPECT_EQ(result.properties.content_length, 20U);
    EXPECT_EQ(result.properties.etag, "\"v1\"");
    const auto requests = transport->requests();
    ASSERT_EQ(requests.size(), 2U);
    EXPECT_TRUE(requests[0].Header("x-ms-range").empty());
    EXPECT_EQ(requests[1].Header("x-ms-range"), "bytes=8-");
    EXPECT_EQ(requests[1].Header("If-Match"), "\"v1\"");
}

TEST(BlobClientGet, AsksForTheRequestedRange) {
    auto transport = Answering(206, {{"Content-Range", "bytes 5-9/100"}}, "56789");
    const BlobClient client(kEndpoint, DevKey(), With(transport));
    EXPECT_EQ(client.DownloadToString("c", "b", {.offset = 5, .length = 5}), "56789");
    EXPECT_EQ(transport->requests().at(0).Header("x-ms-range"), "bytes=5-9");
    EXPECT_THROW(client.DownloadToString("c", "b", {.offset = 0, .length = 0}), core::Error);
}

TEST(BlobClientDelete, TreatsA404AfterAnAmbiguousTryAsDone) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int call) -> HttpResponse {
            if (call == 1) throw TransportError(TransportFailure::kTimeout, "timed out");
            return Respond(404, {{"x-ms-error-code", "BlobNotFound"}});
        });
    const BlobClient client(kEndpoint, DevKey(), With(transport));
    EXPECT_NO_THROW(client.DeleteBlob("c", "b"));

    const BlobClient plain(kEndpoint, DevKey(),
                           With(Answering(404, {{"x-ms-error-code", "BlobNotFound"}})));
    try {
        plain.DeleteBlob("c", "b");
        FAIL();
    } catch (const StorageError& error) {
        EXPECT_EQ(error.reason(), "blob_not_found");
    }
}

TEST(BlobProperties, ComeFromTheResponseHeaders) {
    const BlobProperties p = PropertiesFromHeaders({
        {"Content-Length", "11"},
        {"Content-Type", "text/plain"},
        {"Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="},
        {"ETag", "\"0x8D\""},
        {"Last-Modified", "Thu, 26 Nov 2026 03:27:38 GMT"},
        {"x-ms-blob-type", "BlockBlob"},
        {"x-ms-access-tier", "Hot"},
        {"x-ms-access-tier-inferred", "true"},
        {"x-ms-meta-Author", "Ann"},
        {"X-MS-META-foo_bar", "1"},
        {"x-ms-copy-status", "success"},
        {"x-ms-copy-id", "id-1"},
    });
    EXPECT_EQ(p.content_length, 11U);
    EXPECT_EQ(p.content_type, "text/plain");
    EXPECT_EQ(p.content_md5, "XrY7u+Ae7tCTyyK7j1rNww==");
    EXPECT_EQ(p.etag, "\"0x8D\"");
    EXPECT_EQ(p.last_modified, core::ParseHttpDate("Thu, 26 Nov 2026 03:27:38 GMT"));
    EXPECT_EQ(p.blob_type, "BlockBlob");
    EXPECT_EQ(p.access_tier, "Hot");
    EXPECT_TRUE(p.access_tier_inferred);
    EXPECT_EQ(p.metadata, (Metadata{{"Author", "Ann"}, {"foo_bar", "1"}}));
    EXPECT_EQ(p.copy.status, "success");
    EXPECT_EQ(p.copy.id, "id-1");
}

TEST(BlobProperties, TakeTheWholeBlobFromARangedAnswer) {
    const BlobProperties p = PropertiesFromHeaders({{"Content-Length", "5"},
                                                    {"Content-Range", "bytes 0-4/1000"},
                                                    {"Content-MD5", "rangemd5"},
                                                    {"x-ms-blob-content-md5", "wholemd5"}});
    EXPECT_EQ(p.content_length, 1000U);
    EXPECT_EQ(p.content_md5, "wholemd5");
    EXPECT_EQ(PropertiesFromHeaders({{"Content-Range", "bytes 0-4/1000"}, {"Content-MD5", "r"}})
                  .content_md5,
              "");
}

TEST(UserDelegationKey, IsParsedFromTheServiceAnswer) {
    const UserDelegationKey key = ParseUserDelegationKey(
        R"(<?xml version="1.0" encoding="utf-8"?><UserDelegationKey><SignedOid>oid</SignedOid>)"
        R"(<SignedTid>tid</SignedTid><SignedStart>2026-11-26T00:00:00Z</SignedStart>)"
        R"(<SignedExpiry>2026-11-27T00:00:00Z</SignedExpiry><SignedService>b</SignedService>)"
        R"(<SignedVersion>2025-01-05</SignedVersion><Value>a2V5</Value></UserDelegationKey>)");
    EXPECT_EQ(key.signed_object_id, "oid");
    EXPECT_EQ(key.signed_tenant_id, "tid");
    EXPECT_EQ(key.signed_starts_on, "2026-11-26T00:00:00Z");
    EXPECT_EQ(key.signed_expires_on, "2026-11-27T00:00:00Z");
    EXPECT_EQ(key.signed_service, "b");
    EXPECT_EQ(key.signed_version, "2025-01-05");
    EXPECT_EQ(key.value, "a2V5");
    EXPECT_THROW(ParseUserDelegationKey("<UserDelegationKey/>"), core::Error);
    EXPECT_THROW(ParseUserDelegationKey("junk"), core::Error);
}

TEST(BlobClientConnection, TestsContainerScopedCredentialsWithAOneItemListing) {
    auto transport = Answering(
        200, {{"x-ms-sku-name", "Standard_LRS"}},
        R"(<?xml version="1.0"?><EnumerationResults><Blobs/><NextMarker/></EnumerationResults>)");
    const BlobClient container_sas(kEndpoint, std::make_shared<SasCredential>("sv=x&sr=c&sig=y"),
                                   With(transport));
    container_sas.TestConnection("docs");
    EXPECT_THAT(transport->requests().back().url,
                HasSubstr("/docs?restype=container&comp=list&maxresults=1"));
    EXPECT_THROW(container_sas.TestConnection(""), core::Error);

    const BlobClient account_sas(
        kEndpoint, std::make_shared<SasCredential>("sv=x&ss=b&srt=sco&sig=y"), With(transport));
    account_sas.TestConnection("");
    EXPECT_THAT(transport->requests().back().url, HasSubstr("restype=account&comp=properties"));

    const BlobClient key(kEndpoint, DevKey(), With(transport));
    key.TestConnection("docs");
    EXPECT_THAT(transport->requests().back().url, HasSubstr("restype=account&comp=properties"));
}

TEST(BlobClientConnection, FallsBackToTheContainerWhenAccountCallsAreRefused) {
    auto transport = std::make_shared<FakeTransport>([](const HttpRequest& request,
                                                        const TryControl&, int) {
        if (request.url.find("restype=account") != std::string::npos) {
            return Respond(403, {{"x-ms-error-code", "AuthorizationPermissionMismatch"}});
        }
        return Respond(200, {},
                       R"(<?xml version="1.0"?><EnumerationResults><Blobs/></EnumerationResults>)");
    });
    const BlobClient client(kEndpoint, DevKey(), With(transport));
    EXPECT_NO_THROW(client.TestConnection("docs"));
    EXPECT_THROW(client.TestConnection(""), StorageError);
}

TEST(BlobClientFactory, BuildsFromAConnectionString) {
    const BlobClient client = BlobClient::FromConnectionString("UseDevelopmentStorage=true");
    EXPECT_EQ(client.endpoint(), kDevelopmentBlobEndpoint);
    EXPECT_EQ(client.account_name(), kDevelopmentAccountName);
    EXPECT_EQ(client.credential().type(), CredentialType::kSharedKey);
    ASSERT_NE(client.credential().shared_key(), nullptr);

    const BlobClient sas = BlobClient::FromConnectionString(
        "BlobEndpoint=https://"
        "acct.blob.core.windows.net;SharedAccessSignature=sv=2025-01-05&sig=x");
    EXPECT_EQ(sas.credential().type(), CredentialType::kSas);
    EXPECT_EQ(sas.account_name(), "acct");
    EXPECT_EQ(sas.credential().shared_key(), nullptr);

    const BlobClient anonymous =
        BlobClient::FromConnectionString("BlobEndpoint=https://acct.blob.core.windows.net");
    EXPECT_EQ(anonymous.credential().type(), CredentialType::kAnonymous);
}

}  // namespace
}  // namespace cerulean::azure
