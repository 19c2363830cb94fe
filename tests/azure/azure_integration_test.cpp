// The Azure client against real Azurite: every operation with every credential Azurite supports.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "azure/blob_client.hpp"
#include "azure/connection_string.hpp"
#include "azure/credential.hpp"
#include "azure/loopback_http_server.hpp"
#include "azure/sas.hpp"
#include "azure/storage_error.hpp"
#include "azure/token_source.hpp"
#include "azure/url.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "crypto/random.hpp"
#include "support/child_process.hpp"
#include "support/net.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::azure {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;
using cerulean::testing::SharedAzurite;
using cerulean::testing::UniqueName;
using testing::LoopbackHttpServer;
using testing::LoopbackRequest;
using testing::LoopbackResponse;

constexpr core::UnixMillis kHour = 3'600'000;

// --- Helpers ---------------------------------------------------------------------------------

ClientOptions TestOptions() {
    ClientOptions options;
    options.pipeline.retry.base_delay = milliseconds(50);
    options.pipeline.retry.max_delay = milliseconds(500);
    options.pipeline.retry.try_timeout = milliseconds(30'000);
    return options;
}

SharedKeyCredential DevKey() {
    // The emulator's documented key (azure/connection_string.hpp), not the harness's copy.
    return {std::string(kDevelopmentAccountName), kDevelopmentAccountKey};
}

std::shared_ptr<const Credential> DevCredential() {
    return std::make_shared<AccountKeyCredential>(DevKey());
}

BlobClient KeyClient(ClientOptions options = TestOptions()) {
    return {SharedAzurite().blob_endpoint(), DevCredential(), std::move(options)};
}

BlobClient SasClient(const std::string& sas) {
    return {SharedAzurite().blob_endpoint(), std::make_shared<SasCredential>(sas), TestOptions()};
}

std::string Base64Md5(std::string_view bytes) {
    return crypto::Base64Encode(crypto::Md5(bytes));
}

std::string Pattern(std::size_t size, unsigned seed = 1) {
    std::string data(size, '\0');
    std::uint32_t x = seed * 2654435761U + 1;
    for (auto& c : data) {
        x = x * 1664525U + 1013904223U;
        c = static_cast<char>(x >> 24);
    }
    return data;
}

// A rewindable stream over a string, read in small pieces.
class StringStream final : public BodyStream {
 public:
    explicit StringStream(std::string_view data) : data_(data) {}
    std::size_t Read(char* buffer, std::size_t size) override {
        const std::size_t n = std::min({size, data_.size() - offset_, std::size_t{7001}});
        std::memcpy(buffer, data_.data() + offset_, n);
        offset_ += n;
        return n;
    }
    bool Rewind() override {
        offset_ = 0;
        return true;
    }

 private:
    std::string_view data_;
    std::size_t offset_ = 0;
};

template <typename F>
StorageError ExpectStorageError(F&& f) {
    try {
        f();
    } catch (const StorageError& error) {
        return error;
    }
    ADD_FAILURE() << "expected a StorageError";
    return StorageError(core::ErrorCode::kInternal, "none", "none", StorageErrorKind::kService);
}

std::vector<std::string> AllBlobNames(const BlobClient& client, const std::string& container,
                                      ListBlobsOptions options = {}) {
    std::vector<std::string> names;
    for (;;) {
        const BlobListPage page = client.ListBlobs(container, options);
        for (const auto& blob : page.blobs) names.push_back(blob.name);
        if (page.next_marker.empty()) return names;
        options.marker = page.next_marker;
    }
}

// Captures everything written to stderr (where core::log writes) while it lives, with debug
// logging on.
class LogCapture {
 public:
    LogCapture() : file_(std::tmpfile()) {
        std::fflush(stderr);
        saved_ = dup(STDERR_FILENO);
        dup2(fileno(file_), STDERR_FILENO);
        core::log::SetLevel(core::log::Level::kDebug);
    }
    ~LogCapture() { Restore(); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    // Stops capturing and returns what was written.
    std::string Finish() {
        Restore();
        std::string text;
        std::rewind(file_);
        char buffer[4096];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) text.append(buffer, n);
        return text;
    }

 private:
    void Restore() {
        if (saved_ < 0) return;
        core::log::SetLevel(core::log::Level::kInfo);
        std::fflush(stderr);
        dup2(saved_, STDERR_FILENO);
        close(saved_);
        saved_ = -1;
    }

    std::FILE* file_;
    int saved_ = -1;
};

// Each test gets its own container in the shared Azurite.
class AzureIntegration : public ::testing::Test {
 protected:
    void SetUp() override {
        container_ = UniqueName("az");
        client_.CreateContainer(container_);
    }
    void TearDown() override {
        try {
            client_.DeleteContainer(container_);
        } catch (const std::exception&) {
            // Deleted by the test itself.
        }
    }

    BlobClient client_ = KeyClient();
    std::string container_;
};

// --- Containers and the service ------------------------------------------------------------

TEST_F(AzureIntegration, CreatesListsAndDeletesContainersWithMetadata) {
    const std::string name = UniqueName("lifecycle");
    client_.CreateContainer(name, PublicAccess::kNone, {{"owner", "cerulean"}, {"foo_bar", "x"}});

    const ContainerListPage page =
        client_.ListContainers({.prefix = name, .include_metadata = true});
    ASSERT_EQ(page.containers.size(), 1U);
    EXPECT_EQ(page.containers[0].name, name);
    EXPECT_FALSE(page.containers[0].etag.empty());
    EXPECT_TRUE(page.containers[0].last_modified.has_value());
    EXPECT_EQ(page.containers[0].metadata.at("owner"), "cerulean");
    EXPECT_EQ(page.containers[0].metadata.at("foo_bar"), "x");

    const StorageError exists = ExpectStorageError([&] { client_.CreateContainer(name); });
    EXPECT_EQ(exists.status(), 409);
    EXPECT_EQ(exists.code(), core::ErrorCode::kAlreadyExists);
    EXPECT_EQ(exists.reason(), "container_exists");
    EXPECT_EQ(exists.azure_code(), "ContainerAlreadyExists");
    EXPECT_FALSE(exists.request_id().empty());

    client_.DeleteContainer(name);
    EXPECT_TRUE(client_.ListContainers({.prefix = name}).containers.empty());
    const StorageError missing = ExpectStorageError([&] { client_.ListBlobs(name); });
    EXPECT_EQ(missing.code(), core::ErrorCode::kNotFound);
    EXPECT_EQ(missing.reason(), "container_not_found");
}

TEST_F(AzureIntegration, PagesThroughContainers) {
    const std::string prefix = UniqueName("pg");
    for (int i = 0; i < 5; ++i) client_.CreateContainer(prefix + "x" + std::to_string(i));
    std::vector<std::string> names;
    ListContainersOptions options{.prefix = prefix, .max_results = 2};
    int pages = 0;
    for (;;) {
        const ContainerListPage page = client_.ListContainers(options);
        ++pages;
        for (const auto& c : page.containers) names.push_back(c.name);
        if (page.next_marker.empty()) break;
        options.marker = page.next_marker;
    }
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(names.size(), 5U);
    for (const auto& name : names) client_.DeleteContainer(name);
}

TEST_F(AzureIntegration, ReportsAccountInformationAndPassesTheConnectionTest) {
    const AccountInfo info = client_.GetAccountInfo();
    EXPECT_FALSE(info.sku_name.empty());
    EXPECT_FALSE(info.account_kind.empty());
    EXPECT_NO_THROW(client_.TestConnection(""));
    EXPECT_NO_THROW(client_.TestConnection(container_));
    const BlobClient from_string = BlobClient::FromConnectionString(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
            std::string(kDevelopmentAccountKey) +
            ";BlobEndpoint=" + SharedAzurite().blob_endpoint(),
        TestOptions());
    EXPECT_NO_THROW(from_string.TestConnection(""));
}

// --- Blobs -----------------------------------------------------------------------------------

TEST_F(AzureIntegration, RoundTripsAPutBlobWithContentTypeMetadataAndMd5) {
    const std::string data = "hello, azure\n";
    PutBlobOptions options;
    options.headers.content_type = "text/plain; charset=utf-8";
    options.headers.cache_control = "no-cache";
    options.metadata = {{"author", "Ann"}, {"Project", "cerulean"}};
    options.transactional_md5 = Base64Md5(data);
    const UploadResult uploaded =
        client_.PutBlob(container_, "greeting.txt", RequestBody::FromBytes(data), options);
    EXPECT_FALSE(uploaded.etag.empty());
    EXPECT_EQ(uploaded.content_md5, Base64Md5(data));

    const BlobProperties p = client_.GetBlobProperties(container_, "greeting.txt");
    EXPECT_EQ(p.content_length, data.size());
    EXPECT_EQ(p.content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(p.cache_control, "no-cache");
    EXPECT_EQ(p.content_md5, Base64Md5(data));
    EXPECT_EQ(p.etag, uploaded.etag);
    EXPECT_EQ(p.blob_type, "BlockBlob");
    EXPECT_TRUE(p.last_modified.has_value());
    EXPECT_EQ(p.metadata.at("author"), "Ann");
    EXPECT_EQ(p.metadata.at("Project"), "cerulean");
    EXPECT_EQ(client_.DownloadToString(container_, "greeting.txt"), data);
}

TEST_F(AzureIntegration, RejectsABodyWhoseMd5DoesNotMatch) {
    PutBlobOptions options;
    options.transactional_md5 = Base64Md5("something else");
    const StorageError error = ExpectStorageError([&] {
        client_.PutBlob(container_, "bad-md5", RequestBody::FromBytes("payload"), options);
    });
    EXPECT_EQ(error.status(), 400);
    EXPECT_FALSE(error.azure_code().empty());  // Md5Mismatch on Azure, InvalidOperation on Azurite
}

TEST_F(AzureIntegration, CommitsStagedBlocksWithTheWholeBlobMd5) {
    const std::string data = Pattern(3 * 100'000 + 17);
    std::vector<std::string> ids;
    for (std::size_t i = 0, offset = 0; offset < data.size(); ++i, offset += 100'000) {
        const std::string_view part = std::string_view(data).substr(offset, 100'000);
        ids.push_back(MakeBlockId("up-1", i));
        client_.PutBlock(container_, "blocks.bin", ids.back(), RequestBody::FromBytes(part),
                         Base64Md5(part));
    }
    PutBlockListOptions options;
    options.headers.content_type = "application/x-test";
    options.headers.content_md5 = Base64Md5(data);
    options.metadata = {{"parts", std::to_string(ids.size())}};
    client_.PutBlockList(container_, "blocks.bin", ids, options);

    const BlobProperties p = client_.GetBlobProperties(container_, "blocks.bin");
    EXPECT_EQ(p.content_length, data.size());
    EXPECT_EQ(p.content_type, "application/x-test");
    EXPECT_EQ(p.content_md5, Base64Md5(data));
    EXPECT_EQ(p.metadata.at("parts"), "4");
    EXPECT_EQ(client_.DownloadToString(container_, "blocks.bin"), data);
}

TEST_F(AzureIntegration, StreamsUploadsAndDownloadsOfEdgeSizes) {
    for (const std::size_t size :
         {std::size_t{0}, std::size_t{1}, std::size_t{65'535}, std::size_t{3 * 1024 * 1024 + 1}}) {
        const std::string data = Pattern(size, static_cast<unsigned>(size));
        const std::string name = "stream/" + std::to_string(size);
        StringStream stream(data);
        client_.PutBlob(container_, name, RequestBody::FromStream(stream, data.size()));

        std::string received;
        std::size_t calls = 0;
        const DownloadResult result =
            client_.GetBlob(container_, name, [&](std::string_view bytes) {
                received.append(bytes);
                ++calls;
            });
        EXPECT_EQ(received.size(), size);
        EXPECT_TRUE(received == data) << size;
        EXPECT_EQ(result.bytes, size);
        EXPECT_EQ(result.properties.content_length, size);
        EXPECT_EQ(result.resumes, 0);
        if (size > 1'000'000) {
            EXPECT_GT(calls, 1U) << "the body arrives in pieces";
        }
    }
}

TEST_F(AzureIntegration, ReadsRanges) {
    const std::string data = Pattern(10'000);
    PutBlobOptions options;
    options.transactional_md5 = Base64Md5(data);
    client_.PutBlob(container_, "ranged", RequestBody::FromBytes(data), options);
    EXPECT_EQ(client_.DownloadToString(container_, "ranged", {.offset = 100, .length = 50}),
              data.substr(100, 50));
    EXPECT_EQ(client_.DownloadToString(container_, "ranged", {.offset = 9'990}),
              data.substr(9'990));
    std::string tail;
    const DownloadResult result = client_.GetBlob(
        container_, "ranged", [&](std::string_view b) { tail.append(b); }, {.offset = 5000});
    EXPECT_EQ(tail, data.substr(5000));
    EXPECT_EQ(result.properties.content_length, data.size()) << "the whole blob's size";
    EXPECT_EQ(result.properties.content_md5, Base64Md5(data)) << "the whole blob's MD5";

    const StorageError beyond = ExpectStorageError(
        [&] { client_.DownloadToString(container_, "ranged", {.offset = 20'000, .length = 1}); });
    EXPECT_EQ(beyond.status(), 416);
}

TEST_F(AzureIntegration, ReadsOnlyTheVersionItWasPromised) {
    const UploadResult first = client_.PutBlob(container_, "v", RequestBody::FromBytes("one"));
    client_.PutBlob(container_, "v", RequestBody::FromBytes("two"));
    const StorageError changed = ExpectStorageError([&] {
        client_.DownloadToString(container_, "v", {.conditions = {.if_match = first.etag}});
    });
    EXPECT_EQ(changed.status(), 412);
    EXPECT_EQ(changed.reason(), "azure_condition_not_met");

    PutBlobOptions no_overwrite;
    no_overwrite.conditions.if_none_match = "*";
    const StorageError exists = ExpectStorageError(
        [&] { client_.PutBlob(container_, "v", RequestBody::FromBytes("three"), no_overwrite); });
    EXPECT_EQ(exists.status(), 409);
    EXPECT_EQ(exists.reason(), "blob_exists");
}

TEST_F(AzureIntegration, SetsMetadataAndDeletesBlobs) {
    client_.PutBlob(container_, "m", RequestBody::FromBytes("x"), {.metadata = {{"a", "1"}}});
    const std::string etag = client_.SetBlobMetadata(container_, "m", {{"b", "2"}, {"c", ""}});
    EXPECT_FALSE(etag.empty());
    const BlobProperties p = client_.GetBlobProperties(container_, "m");
    EXPECT_EQ(p.etag, etag);
    EXPECT_EQ(p.metadata.count("a"), 0U) << "metadata is replaced, not merged";
    EXPECT_EQ(p.metadata.at("b"), "2");

    client_.DeleteBlob(container_, "m");
    const StorageError gone =
        ExpectStorageError([&] { client_.GetBlobProperties(container_, "m"); });
    EXPECT_EQ(gone.status(), 404);
    EXPECT_EQ(gone.reason(), "blob_not_found");
    const StorageError again = ExpectStorageError([&] { client_.DeleteBlob(container_, "m"); });
    EXPECT_EQ(again.reason(), "blob_not_found");
    EXPECT_EQ(again.azure_code(), "BlobNotFound");
}

// A stream that can be read once only: a retry or a rewind would fail the upload.
class OneShotStream final : public BodyStream {
 public:
    explicit OneShotStream(std::string_view data) : data_(data) {}
    std::size_t Read(char* buffer, std::size_t size) override {
        const std::size_t n = std::min(size, data_.size() - offset_);
        std::memcpy(buffer, data_.data() + offset_, n);
        offset_ += n;
        return n;
    }

 private:
    std::string_view data_;
    std::size_t offset_ = 0;
};

TEST_F(AzureIntegration, SurvivesTheServerClosingIdleKeepAliveConnections) {
    client_.PutBlob(container_, "warm", RequestBody::FromBytes("x"));
    // Azurite closes connections idle for 5 s; the pooled one is dead by now.
    std::this_thread::sleep_for(milliseconds(5500));
    const std::string data = Pattern(300'000);
    OneShotStream stream(data);
    client_.PutBlob(container_, "after-idle", RequestBody::FromStream(stream, data.size()));
    EXPECT_TRUE(client_.DownloadToString(container_, "after-idle") == data);
}

// --- Listing ---------------------------------------------------------------------------------

TEST_F(AzureIntegration, ListsFlatAndHierarchically) {
    for (const char* name :
         {"a.txt", "dir/b.txt", "dir/sub/c.txt", "dir/sub/d.txt", "dir2/e.txt", "z.txt"}) {
        client_.PutBlob(container_, name, RequestBody::FromBytes(name),
                        {.metadata = {{"n", std::string(name).substr(0, 1)}}});
    }
    EXPECT_EQ(AllBlobNames(client_, container_),
              (std::vector<std::string>{"a.txt", "dir/b.txt", "dir/sub/c.txt", "dir/sub/d.txt",
                                        "dir2/e.txt", "z.txt"}));

    const BlobListPage root = client_.ListBlobs(container_, {.delimiter = "/"});
    std::vector<std::string> root_blobs;
    for (const auto& b : root.blobs) root_blobs.push_back(b.name);
    EXPECT_EQ(root_blobs, (std::vector<std::string>{"a.txt", "z.txt"}));
    EXPECT_EQ(root.prefixes, (std::vector<std::string>{"dir/", "dir2/"}));

    const BlobListPage dir = client_.ListBlobs(container_, {.prefix = "dir/", .delimiter = "/"});
    ASSERT_EQ(dir.blobs.size(), 1U);
    EXPECT_EQ(dir.blobs[0].name, "dir/b.txt");
    EXPECT_EQ(dir.blobs[0].size, 9);
    EXPECT_EQ(dir.blobs[0].blob_type, "BlockBlob");
    EXPECT_EQ(dir.prefixes, (std::vector<std::string>{"dir/sub/"}));

    const BlobListPage with_metadata =
        client_.ListBlobs(container_, {.prefix = "z", .include_metadata = true});
    ASSERT_EQ(with_metadata.blobs.size(), 1U);
    EXPECT_EQ(with_metadata.blobs[0].metadata.at("n"), "z");
    EXPECT_EQ(with_metadata.blobs[0].content_md5, Base64Md5("z.txt"));
}

TEST_F(AzureIntegration, PagesThroughMoreBlobsThanOnePage) {
    std::set<std::string> expected;
    for (int i = 0; i < 25; ++i) {
        const std::string name = "p/" + std::to_string(1000 + i);
        client_.PutBlob(container_, name, RequestBody::FromBytes("x"));
        expected.insert(name);
    }
    std::vector<std::string> seen;
    ListBlobsOptions options{.prefix = "p/", .max_results = 7};
    int pages = 0;
    for (;;) {
        const BlobListPage page = client_.ListBlobs(container_, options);
        ++pages;
        EXPECT_LE(page.blobs.size(), 7U);
        for (const auto& b : page.blobs) seen.push_back(b.name);
        if (page.next_marker.empty()) break;
        options.marker = page.next_marker;
    }
    EXPECT_EQ(pages, 4);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
    EXPECT_EQ(seen.size(), expected.size()) << "no blob twice";
}

// --- Names -----------------------------------------------------------------------------------

const std::vector<std::string>& TrickyNames() {
    static const std::vector<std::string> names = {
        "ünïcødé/日本語 ファイル.txt",
        "with space.txt",
        "100% done.txt",
        "a%2Fb #1?.txt",
        "hash#tag",
        "q?x=1&y=2",
        "plus+sign+",
        "semi;colon,comma=eq@at$dollar!bang'quote(paren)*star",
        "deep/a/b/c/d/e/f/g/h/i/j/k/l/m/n.txt",
        "dots/../up.txt",
        "./dot/./x",
        "emoji 😀.bin",
        "tilde~under_score-dash",
        "%41%42",
        "percent%",
    };
    return names;
}

TEST_F(AzureIntegration, HandlesTrickyNamesInEveryOperation) {
    for (const std::string& name : TrickyNames()) {
        SCOPED_TRACE(name);
        client_.PutBlob(container_, name, RequestBody::FromBytes(name),
                        {.headers = {.content_type = "text/plain"}});
        EXPECT_EQ(client_.GetBlobProperties(container_, name).content_length, name.size());
        EXPECT_EQ(client_.DownloadToString(container_, name), name);
        client_.SetBlobMetadata(container_, name, {{"k", "v"}});

        const BlobListPage listed = client_.ListBlobs(container_, {.prefix = name});
        ASSERT_GE(listed.blobs.size(), 1U);
        EXPECT_EQ(listed.blobs[0].name, name);

        const std::string copy = name + ".copy";
        BlobProperties copied;
        try {
            copied = client_.CopyBlob(container_, copy, client_.BlobUrlOf(container_, name));
        } catch (const StorageError& error) {
            FAIL() << "copy of '" << name << "': " << error.what();
        }
        EXPECT_EQ(copied.copy.status, "success");
        EXPECT_EQ(client_.DownloadToString(container_, copy), name);

        const std::string block_id = MakeBlockId("n", 0);
        client_.PutBlock(container_, name + ".blocks", block_id, RequestBody::FromBytes(name));
        client_.PutBlockList(container_, name + ".blocks", {block_id});
        EXPECT_EQ(client_.DownloadToString(container_, name + ".blocks"), name);

        client_.DeleteBlob(container_, name);
        client_.DeleteBlob(container_, copy);
        client_.DeleteBlob(container_, name + ".blocks");
        EXPECT_EQ(ExpectStorageError([&] { client_.GetBlobProperties(container_, name); }).status(),
                  404);
    }
    std::vector<std::string> all;
    for (const auto& name : TrickyNames()) {
        client_.PutBlob(container_, name, RequestBody::FromBytes("x"));
        all.push_back(name);
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(AllBlobNames(client_, container_), all) << "every name lists back unchanged";
}

TEST_F(AzureIntegration, LogsEveryTryWithoutSecrets) {
    const SasToken sas = GenerateBlobSas(
        DevKey(),
        {.container = container_, .permissions = "rwl", .expires_on = core::NowMillis() + kHour});
    const std::string signature = ParseQuery(sas.query).back().value;
    LogCapture capture;
    client_.PutBlob(container_, "logged name.txt", RequestBody::FromBytes("x"));
    const BlobClient sas_client = SasClient(sas.query);
    EXPECT_EQ(sas_client.DownloadToString(container_, "logged name.txt"), "x");
    const BlobClient wrong(
        SharedAzurite().blob_endpoint(),
        std::make_shared<AccountKeyCredential>(SharedKeyCredential(
            std::string(kDevelopmentAccountName), crypto::Base64Encode(std::string(64, 'k')))),
        TestOptions());
    EXPECT_THROW(wrong.ListBlobs(container_), StorageError);
    const std::string log = capture.Finish();

    EXPECT_THAT(log, HasSubstr("event=azure_request"));
    EXPECT_THAT(log, HasSubstr("operation=PutBlob"));
    EXPECT_THAT(log, HasSubstr("status=201"));
    EXPECT_THAT(log, HasSubstr("status=403"));
    EXPECT_THAT(log, HasSubstr("request_id="));
    EXPECT_THAT(log, HasSubstr("duration_ms="));
    EXPECT_THAT(log, Not(HasSubstr("SharedKey")));
    EXPECT_THAT(log, Not(HasSubstr(std::string(kDevelopmentAccountKey))));
    ASSERT_GE(signature.size(), 20U);
    EXPECT_THAT(log, Not(HasSubstr(signature)));
    EXPECT_THAT(log, Not(HasSubstr(EncodeQueryValue(signature))));
}

// Azure lists names holding characters XML 1.0 cannot carry as <Name Encoded="true">; Azurite
// 3.35 never does (it answers 500 to such a listing), so list_parser_test covers the decoding.

// --- Shared Key and metadata ordering --------------------------------------------------------

TEST_F(AzureIntegration, SignsMetadataNamesThatNeedTheServiceSortOrder) {
    // A byte-order sort puts foo2_bar before foo_bar; the service sorts '_' first: 403 if wrong.
    const Metadata metadata = {{"foo_bar", "1"}, {"foo2_bar", "2"}, {"a_b", "3"},
                               {"a1b", "4"},     {"ABC", "5"},      {"_lead", "6"}};
    client_.PutBlob(container_, "meta", RequestBody::FromBytes("x"), {.metadata = metadata});
    client_.SetBlobMetadata(container_, "meta", metadata);
    const std::string id = MakeBlockId("m", 0);
    client_.PutBlock(container_, "meta2", id, RequestBody::FromBytes("y"));
    client_.PutBlockList(container_, "meta2", {id}, {.metadata = metadata});
    client_.CopyBlob(container_, "meta3", client_.BlobUrlOf(container_, "meta"),
                     {.metadata = metadata});
    const std::string other = UniqueName("meta");
    client_.CreateContainer(other, PublicAccess::kNone, metadata);
    client_.DeleteContainer(other);

    const BlobProperties p = client_.GetBlobProperties(container_, "meta3");
    EXPECT_EQ(p.metadata.at("foo_bar"), "1");
    EXPECT_EQ(p.metadata.at("foo2_bar"), "2");
    EXPECT_EQ(p.metadata.size(), metadata.size());
}

// --- Copy ------------------------------------------------------------------------------------

TEST_F(AzureIntegration, CopiesWithinTheAccountAndKeepsPropertiesAndMetadata) {
    const std::string data = Pattern(200'000);
    client_.PutBlob(container_, "src", RequestBody::FromBytes(data),
                    {.headers = {.content_type = "image/png"}, .metadata = {{"origin", "test"}}});
    const std::string target = UniqueName("copy");
    client_.CreateContainer(target);

    const BlobProperties copied =
        client_.CopyBlob(target, "dst/copy", client_.BlobUrlOf(container_, "src"));
    EXPECT_EQ(copied.copy.status, "success");
    EXPECT_FALSE(copied.copy.id.empty());
    EXPECT_EQ(copied.content_length, data.size());
    EXPECT_EQ(copied.content_type, "image/png");
    EXPECT_EQ(copied.metadata.at("origin"), "test");
    EXPECT_TRUE(client_.DownloadToString(target, "dst/copy") == data);

    const BlobProperties replaced =
        client_.CopyBlob(target, "dst/other", client_.BlobUrlOf(container_, "src"),
                         {.metadata = Metadata{{"new", "1"}}});
    EXPECT_EQ(replaced.metadata, (Metadata{{"new", "1"}}));
    client_.DeleteContainer(target);

    const StorageError missing = ExpectStorageError(
        [&] { client_.CopyBlob(container_, "x", client_.BlobUrlOf(container_, "no-such-blob")); });
    EXPECT_EQ(missing.status(), 404);
}

TEST_F(AzureIntegration, CopiesFromUrlOrSaysTheServiceCannot) {
    const std::string data = Pattern(5000);
    client_.PutBlob(container_, "src", RequestBody::FromBytes(data),
                    {.headers = {.content_type = "text/csv"}});
    const SasToken sas = GenerateBlobSas(DevKey(), {.container = container_,
                                                    .blob = "src",
                                                    .permissions = "r",
                                                    .expires_on = core::NowMillis() + kHour});
    const std::string source = AppendQuery(client_.BlobUrlOf(container_, "src"), sas.query);

    try {
        client_.PutBlobFromUrl(container_, "from-url", source);
        EXPECT_TRUE(client_.DownloadToString(container_, "from-url") == data);
    } catch (const StorageError& error) {
        // Azurite 3.35 does not implement it; the transfer engine falls back on this answer.
        EXPECT_EQ(error.status(), 501) << error.what();
        EXPECT_EQ(error.reason(), "azure_not_implemented");
        EXPECT_THAT(error.what(), Not(HasSubstr("sig=")));
    }
    try {
        const std::string id = MakeBlockId("u", 0);
        client_.PutBlockFromUrl(container_, "from-url-blocks", id, source,
                                {.source_offset = 1000, .source_length = 2000});
        client_.PutBlockList(container_, "from-url-blocks", {id});
        EXPECT_TRUE(client_.DownloadToString(container_, "from-url-blocks") ==
                    data.substr(1000, 2000));
    } catch (const StorageError& error) {
        EXPECT_EQ(error.status(), 501) << error.what();
        EXPECT_EQ(error.reason(), "azure_not_implemented");
    }
}

// --- Errors and the network ------------------------------------------------------------------

TEST_F(AzureIntegration, MapsAWrongKeyToAzureAuthFailedWithoutLeakingIt) {
    const std::string wrong_key = crypto::Base64Encode(crypto::RandomBytes(64));
    const BlobClient wrong(SharedAzurite().blob_endpoint(),
                           std::make_shared<AccountKeyCredential>(SharedKeyCredential(
                               std::string(kDevelopmentAccountName), wrong_key)),
                           TestOptions());
    for (const auto& call : std::vector<std::function<void()>>{
             [&] { wrong.ListContainers(); }, [&] { wrong.GetBlobProperties(container_, "x"); },
             [&] { wrong.TestConnection(container_); }}) {
        const StorageError error = ExpectStorageError(call);
        EXPECT_EQ(error.status(), 403);
        EXPECT_EQ(error.code(), core::ErrorCode::kPermissionDenied);
        EXPECT_EQ(error.reason(), "azure_auth_failed");
        EXPECT_THAT(error.what(), Not(HasSubstr(wrong_key)));
        EXPECT_THAT(error.what(), Not(HasSubstr(std::string(kDevelopmentAccountKey))));
        EXPECT_THAT(error.what(), Not(HasSubstr("SharedKey")));
    }
}

TEST(AzureNetwork, AClosedPortIsUnreachableWithinTheDeadline) {
    const int port = cerulean::testing::FreeLoopbackPort();
    const BlobClient client("http://127.0.0.1:" + std::to_string(port) + "/devstoreaccount1",
                            DevCredential());
    const auto start = Clock::now();
    const StorageError error = ExpectStorageError(
        [&] { client.GetAccountInfo(CallOptions::WithTimeout(milliseconds(2000))); });
    EXPECT_LT(Clock::now() - start, milliseconds(2500));
    EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
    EXPECT_EQ(error.reason(), "azure_unreachable");
    EXPECT_EQ(error.kind(), StorageErrorKind::kUnreachable);
}

TEST(AzureNetwork, AServerThatNeverAnswersTimesOut) {
    const testing::SilentListener silent;
    ClientOptions options;
    options.pipeline.retry.try_timeout = milliseconds(300);
    options.pipeline.retry.base_delay = milliseconds(50);
    const BlobClient client(
        "http://127.0.0.1:" + std::to_string(silent.port()) + "/devstoreaccount1", DevCredential(),
        options);
    const auto start = Clock::now();
    const StorageError error = ExpectStorageError(
        [&] { client.GetAccountInfo(CallOptions::WithTimeout(milliseconds(1500))); });
    EXPECT_LT(Clock::now() - start, milliseconds(2500));
    EXPECT_EQ(error.code(), core::ErrorCode::kDeadlineExceeded);
    EXPECT_EQ(error.reason(), "azure_timeout");
}

TEST(AzureNetwork, CancelsATransferInFlight) {
    const testing::SilentListener silent;
    const BlobClient client(
        "http://127.0.0.1:" + std::to_string(silent.port()) + "/devstoreaccount1", DevCredential());
    std::stop_source stop;
    CallOptions call;
    call.stop = stop.get_token();
    std::thread canceller([&] {
        std::this_thread::sleep_for(milliseconds(300));
        stop.request_stop();
    });
    const auto start = Clock::now();
    const StorageError error = ExpectStorageError([&] { client.GetAccountInfo(call); });
    canceller.join();
    EXPECT_LT(Clock::now() - start, milliseconds(3000));
    EXPECT_EQ(error.kind(), StorageErrorKind::kCancelled);
}

LoopbackResponse AccountInfoAnswer() {
    return {200,
            {{"x-ms-sku-name", "Standard_RAGRS"},
             {"x-ms-account-kind", "StorageV2"},
             {"x-ms-request-id", "loopback"}},
            ""};
}

TEST(AzureNetwork, RetriesA503AfterTheDelayItAsksFor) {
    std::mutex mutex;
    std::vector<LoopbackRequest> seen;
    LoopbackHttpServer server([&](const LoopbackRequest& request) {
        const std::lock_guard lock(mutex);
        seen.push_back(request);
        if (seen.size() == 1) {
            return LoopbackResponse{
                503,
                {{"Retry-After", "1"}, {"x-ms-error-code", "ServerBusy"}},
                "<Error><Code>ServerBusy</Code><Message>busy</Message></Error>"};
        }
        return AccountInfoAnswer();
    });
    const BlobClient client(server.url() + "/devstoreaccount1", DevCredential(), TestOptions());
    const auto start = Clock::now();
    const AccountInfo info = client.GetAccountInfo();
    EXPECT_GE(Clock::now() - start, milliseconds(1000)) << "Retry-After: 1 was honoured";
    EXPECT_EQ(info.sku_name, "Standard_RAGRS");
    ASSERT_EQ(seen.size(), 2U);
    EXPECT_EQ(seen[0].Header("x-ms-client-request-id"), seen[1].Header("x-ms-client-request-id"));
    EXPECT_NE(seen[0].Header("Authorization"), seen[1].Header("Authorization"))
        << "each try is signed with its own date";
    EXPECT_NE(seen[0].Header("x-ms-date"), seen[1].Header("x-ms-date"));
    EXPECT_EQ(seen[1].Header("x-ms-version"), kServiceVersion);
    EXPECT_EQ(seen[1].target, "/devstoreaccount1/?restype=account&comp=properties");
}

TEST(AzureNetwork, ConnectionsKeepFewBytesUnsent) {
    LoopbackHttpServer server([](const LoopbackRequest&) { return AccountInfoAnswer(); });
    const BlobClient client(server.url() + "/devstoreaccount1", DevCredential(), TestOptions());
    client.GetAccountInfo();
    // The connection stays open in the pool for the next request: find it among this
    // process's sockets, by its peer.
    std::vector<int> watermarks;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        const int fd = std::stoi(entry.path().filename().string());
        sockaddr_in peer{};
        socklen_t length = sizeof peer;
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0 ||
            peer.sin_family != AF_INET || ntohs(peer.sin_port) != server.port()) {
            continue;
        }
        int value = -1;
        socklen_t size = sizeof value;
        ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &value, &size), 0);
        watermarks.push_back(value);
    }
    EXPECT_EQ(watermarks, std::vector<int>{128 * 1024});
}

TEST(AzureNetwork, GivesUpOnA503WhoseRetryAfterPassesTheDeadline) {
    LoopbackHttpServer server([](const LoopbackRequest&) {
        return LoopbackResponse{
            503, {{"Retry-After", "60"}, {"x-ms-error-code", "ServerBusy"}}, ""};
    });
    const BlobClient client(server.url() + "/devstoreaccount1", DevCredential(), TestOptions());
    const StorageError error = ExpectStorageError(
        [&] { client.GetAccountInfo(CallOptions::WithTimeout(milliseconds(5000))); });
    EXPECT_EQ(error.status(), 503);
    EXPECT_EQ(error.reason(), "azure_unavailable");
    EXPECT_EQ(server.requests(), 1);
}

TEST(AzureNetwork, ResumesADownloadThatBreaksInTheMiddle) {
    const std::string data = Pattern(100'000);
    std::mutex mutex;
    std::vector<LoopbackRequest> seen;
    LoopbackHttpServer server([&](const LoopbackRequest& request) {
        const std::lock_guard lock(mutex);
        seen.push_back(request);
        if (seen.size() == 1) {
            LoopbackResponse first{
                200, {{"ETag", "\"0x1\""}, {"x-ms-blob-type", "BlockBlob"}}, data};
            first.break_after = 30'000;
            return first;
        }
        const std::size_t from = std::stoul(request.Header("x-ms-range").substr(6));
        return LoopbackResponse{206,
                                {{"ETag", "\"0x1\""},
                                 {"Content-Range", "bytes " + std::to_string(from) + "-" +
                                                       std::to_string(data.size() - 1) + "/" +
                                                       std::to_string(data.size())}},
                                data.substr(from)};
    });
    const BlobClient client(server.url() + "/devstoreaccount1", DevCredential(), TestOptions());
    std::string received;
    const DownloadResult result =
        client.GetBlob("c", "big.bin", [&](std::string_view bytes) { received.append(bytes); });
    EXPECT_TRUE(received == data);
    EXPECT_EQ(result.resumes, 1);
    EXPECT_EQ(result.properties.content_length, data.size());
    ASSERT_EQ(seen.size(), 2U);
    EXPECT_EQ(seen[1].Header("x-ms-range"), "bytes=30000-");
    EXPECT_EQ(seen[1].Header("If-Match"), "\"0x1\"");
}

TEST(AzureNetwork, ReusesKeepAliveConnections) {
    LoopbackHttpServer server([](const LoopbackRequest&) { return AccountInfoAnswer(); });
    const BlobClient client(server.url() + "/devstoreaccount1", DevCredential(), TestOptions());
    for (int i = 0; i < 10; ++i) client.GetAccountInfo();
    EXPECT_EQ(server.requests(), 10);
    EXPECT_EQ(server.connections(), 1);
}

// --- SAS -------------------------------------------------------------------------------------

TEST_F(AzureIntegration, AccountSasAllowsWhatItGrants) {
    const SasToken sas = GenerateAccountSas(DevKey(), {.services = "b",
                                                       .resource_types = "sco",
                                                       .permissions = "rwdlacu",
                                                       .expires_on = core::NowMillis() + kHour});
    const BlobClient client = SasClient(sas.query);
    const std::string container = UniqueName("sas");
    client.CreateContainer(container);
    client.PutBlob(container, "dir/a b.txt", RequestBody::FromBytes("sas data"));
    EXPECT_EQ(client.DownloadToString(container, "dir/a b.txt"), "sas data");
    EXPECT_EQ(client.GetBlobProperties(container, "dir/a b.txt").content_length, 8U);
    EXPECT_EQ(AllBlobNames(client, container), std::vector<std::string>{"dir/a b.txt"});
    EXPECT_EQ(client.ListContainers({.prefix = container}).containers.size(), 1U);
    EXPECT_NO_THROW(client.GetAccountInfo());
    EXPECT_NO_THROW(client.TestConnection(""));
    client.DeleteBlob(container, "dir/a b.txt");
    client.DeleteContainer(container);

    const SasToken read_only =
        GenerateAccountSas(DevKey(), {.services = "b",
                                      .resource_types = "sco",
                                      .permissions = "rl",
                                      .expires_on = core::NowMillis() + kHour});
    const BlobClient reader = SasClient(read_only.query);
    client_.PutBlob(container_, "r", RequestBody::FromBytes("r"));
    EXPECT_EQ(reader.DownloadToString(container_, "r"), "r");
    const StorageError denied =
        ExpectStorageError([&] { reader.PutBlob(container_, "w", RequestBody::FromBytes("w")); });
    EXPECT_EQ(denied.status(), 403);
    EXPECT_EQ(denied.reason(), "azure_auth_failed");
    EXPECT_THAT(denied.what(), Not(HasSubstr(read_only.query)));
}

TEST_F(AzureIntegration, ContainerSasIsScopedToItsContainerAndPermissions) {
    const SasToken sas = GenerateBlobSas(DevKey(), {.container = container_,
                                                    .permissions = "racwdl",
                                                    .expires_on = core::NowMillis() + kHour});
    const BlobClient client = SasClient("?" + sas.query);
    for (const auto& name : {std::string("plain.txt"), std::string("a%2Fb #1?.txt")}) {
        client.PutBlob(container_, name, RequestBody::FromBytes(name),
                       {.metadata = {{"foo_bar", "1"}, {"foo2_bar", "2"}}});
        EXPECT_EQ(client.DownloadToString(container_, name), name);
        EXPECT_EQ(client.GetBlobProperties(container_, name).metadata.at("foo2_bar"), "2");
        client.SetBlobMetadata(container_, name, {{"k", "v"}});
    }
    const std::string id = MakeBlockId("sas", 0);
    client.PutBlock(container_, "blocks", id, RequestBody::FromBytes("blocky"));
    client.PutBlockList(container_, "blocks", {id});
    EXPECT_EQ(client.DownloadToString(container_, "blocks"), "blocky");
    EXPECT_EQ(AllBlobNames(client, container_).size(), 3U);
    EXPECT_NO_THROW(client.TestConnection(container_));
    client.DeleteBlob(container_, "plain.txt");

    const std::string other = UniqueName("other");
    client_.CreateContainer(other);
    const StorageError elsewhere = ExpectStorageError([&] { client.ListBlobs(other); });
    EXPECT_EQ(elsewhere.reason(), "azure_auth_failed");
    EXPECT_EQ(ExpectStorageError([&] { client.ListContainers(); }).reason(), "azure_auth_failed");
    client_.DeleteContainer(other);

    const SasToken read_only = GenerateBlobSas(
        DevKey(),
        {.container = container_, .permissions = "rl", .expires_on = core::NowMillis() + kHour});
    const BlobClient reader = SasClient(read_only.query);
    EXPECT_EQ(reader.DownloadToString(container_, "blocks"), "blocky");
    EXPECT_EQ(ExpectStorageError([&] {
                  reader.PutBlob(container_, "w", RequestBody::FromBytes("w"));
              }).reason(),
              "azure_auth_failed");
    EXPECT_EQ(ExpectStorageError([&] { reader.DeleteBlob(container_, "blocks"); }).reason(),
              "azure_auth_failed");
}

TEST_F(AzureIntegration, BlobSasReadsOnlyItsBlob) {
    client_.PutBlob(container_, "shared file.txt", RequestBody::FromBytes("mine"));
    client_.PutBlob(container_, "private.txt", RequestBody::FromBytes("theirs"));
    const SasToken sas = GenerateBlobSas(DevKey(), {.container = container_,
                                                    .blob = "shared file.txt",
                                                    .permissions = "r",
                                                    .expires_on = core::NowMillis() + kHour});
    const BlobClient reader = SasClient(sas.query);
    EXPECT_EQ(reader.DownloadToString(container_, "shared file.txt"), "mine");
    EXPECT_EQ(
        ExpectStorageError([&] { reader.DownloadToString(container_, "private.txt"); }).reason(),
        "azure_auth_failed");
}

TEST_F(AzureIntegration, UsesASasFromAConnectionString) {
    const SasToken sas = GenerateBlobSas(
        DevKey(),
        {.container = container_, .permissions = "rwl", .expires_on = core::NowMillis() + kHour});
    const BlobClient client = BlobClient::FromConnectionString(
        "BlobEndpoint=" + SharedAzurite().blob_endpoint() + ";SharedAccessSignature=" + sas.query,
        TestOptions());
    EXPECT_EQ(client.credential().type(), CredentialType::kSas);
    client.PutBlob(container_, "cs", RequestBody::FromBytes("via connection string"));
    EXPECT_EQ(client.DownloadToString(container_, "cs"), "via connection string");
    EXPECT_NO_THROW(client.TestConnection(container_));
}

// --- Anonymous -------------------------------------------------------------------------------

TEST_F(AzureIntegration, ReadsPublicContainersAnonymously) {
    const std::string open = UniqueName("public");
    const std::string blobs_only = UniqueName("blobonly");
    client_.CreateContainer(open, PublicAccess::kContainer);
    client_.CreateContainer(blobs_only, PublicAccess::kBlob);
    for (const auto& c : {open, blobs_only, container_}) {
        client_.PutBlob(c, "hello world.txt", RequestBody::FromBytes("public bytes"));
    }
    const BlobClient anonymous(SharedAzurite().blob_endpoint(), nullptr, TestOptions());
    EXPECT_EQ(anonymous.credential().type(), CredentialType::kAnonymous);

    EXPECT_EQ(anonymous.DownloadToString(open, "hello world.txt"), "public bytes");
    EXPECT_EQ(anonymous.GetBlobProperties(open, "hello world.txt").content_length, 12U);
    EXPECT_EQ(AllBlobNames(anonymous, open), std::vector<std::string>{"hello world.txt"});
    EXPECT_NO_THROW(anonymous.TestConnection(open));

    EXPECT_EQ(anonymous.DownloadToString(blobs_only, "hello world.txt"), "public bytes");
    EXPECT_GE(ExpectStorageError([&] { anonymous.ListBlobs(blobs_only); }).status(), 400);

    const StorageError hidden =
        ExpectStorageError([&] { anonymous.DownloadToString(container_, "hello world.txt"); });
    EXPECT_TRUE(hidden.status() == 404 || hidden.status() == 403) << hidden.what();
    EXPECT_GE(ExpectStorageError([&] {
                  anonymous.PutBlob(open, "w", RequestBody::FromBytes("w"));
              }).status(),
              400);
    client_.DeleteContainer(open);
    client_.DeleteContainer(blobs_only);
}

// --- Concurrency -----------------------------------------------------------------------------

TEST_F(AzureIntegration, ServesManyThreadsWithOneClient) {
    constexpr int kThreads = 8;
    constexpr int kBlobsEach = 10;
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kBlobsEach; ++i) {
                const std::string name = "t" + std::to_string(t) + "/" + std::to_string(i);
                const std::string data = Pattern(1000 + static_cast<std::size_t>(i), t * 100 + i);
                try {
                    client_.PutBlob(container_, name, RequestBody::FromBytes(data));
                    if (client_.DownloadToString(container_, name) == data) ++good;
                } catch (const std::exception& error) {
                    ADD_FAILURE() << name << ": " << error.what();
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(good.load(), kThreads * kBlobsEach);
    EXPECT_EQ(AllBlobNames(client_, container_).size(),
              static_cast<std::size_t>(kThreads * kBlobsEach));
}

// --- OAuth: a service principal and user tokens against Azurite over HTTPS ------------------

constexpr std::string_view kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr std::string_view kClientId = "cerulean-test-client";
constexpr std::string_view kClientSecret = "test-client-secret~value";
constexpr std::string_view kObjectId = "11059fcc-5514-4800-b5f8-49808b9cfab6";

// A JWT shaped like an Entra ID access token for Azure Storage. Azurite's `--oauth basic`
// decodes it without checking the signature; it checks iat/nbf/exp, an issuer starting with
// https://sts.windows.net/ (or another Microsoft STS), and the storage audience.
std::string FabricateToken(std::string_view audience = "https://storage.azure.com") {
    const std::int64_t now = core::NowMillis() / 1000;
    const std::string header = R"({"alg":"RS256","typ":"JWT","kid":"cerulean-test"})";
    const std::string payload =
        R"({"aud":")" + std::string(audience) + R"(","iss":"https://sts.windows.net/)" +
        std::string(kTenant) + R"(/","iat":)" + std::to_string(now - 300) + R"(,"nbf":)" +
        std::to_string(now - 300) + R"(,"exp":)" + std::to_string(now + 3600) + R"(,"oid":")" +
        std::string(kObjectId) + R"(","tid":")" + std::string(kTenant) +
        R"(","sub":"cerulean-test","appid":")" + std::string(kClientId) + R"(","ver":"1.0"})";
    return crypto::Base64UrlEncode(header) + "." + crypto::Base64UrlEncode(payload) + "." +
           crypto::Base64UrlEncode("not-a-real-signature");
}

class AzureOAuth : public ::testing::Test {
 protected:
    static void SetUpTestSuite() {
        dir_ = new cerulean::testing::TempDir("cerulean-azure-tls-");
        cert_ = (dir_->path() / "cert.pem").string();
        const std::string key = (dir_->path() / "key.pem").string();
        cerulean::testing::RunCommandOrThrow(
            {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2", "-keyout", key, "-out", cert_},
            dir_->path() / "openssl.log");
        cerulean::testing::AzuriteOptions options;
        options.https = true;
        options.cert_path = cert_;
        options.key_path = key;
        options.oauth_basic = true;
        azurite_ = new cerulean::testing::AzuriteServer(options);
        token_server_ = new LoopbackHttpServer(
            [](const LoopbackRequest& request) { return TokenEndpoint(request); });
    }

    static void TearDownTestSuite() {
        delete token_server_;
        delete azurite_;
        delete dir_;
        token_server_ = nullptr;
        azurite_ = nullptr;
        dir_ = nullptr;
    }

    static LoopbackResponse TokenEndpoint(const LoopbackRequest& request) {
        ++token_calls_;
        std::map<std::string, std::string> form;
        for (const auto& parameter : ParseQuery(request.body))
            form[parameter.name] = parameter.value;
        const bool well_formed =
            request.method == "POST" &&
            request.target == "/" + std::string(kTenant) + "/oauth2/v2.0/token" &&
            request.Header("Content-Type") == "application/x-www-form-urlencoded" &&
            form["grant_type"] == "client_credentials" && form["client_id"] == kClientId &&
            form["scope"] == "https://storage.azure.com/.default";
        if (!well_formed) {
            return {400,
                    {{"Content-Type", "application/json"}},
                    R"({"error":"invalid_request","error_description":"AADSTS900144: malformed"})"};
        }
        if (form["client_secret"] != kClientSecret) {
            return {
                401,
                {{"Content-Type", "application/json"}},
                R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})"};
        }
        return {
            200,
            {{"Content-Type", "application/json; charset=utf-8"}},
            R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":")" +
                FabricateToken() + "\"}"};
    }

    static ClientOptions TlsOptions() {
        ClientOptions options = TestOptions();
        options.transport_options.ca_file = cert_;
        return options;
    }

    static std::shared_ptr<const Credential> ServicePrincipal(
        std::string secret = std::string(kClientSecret)) {
        ServicePrincipalOptions options;
        options.authority_host = token_server_->url();
        options.tenant_id = std::string(kTenant);
        options.client_id = std::string(kClientId);
        options.client_secret = std::move(secret);
        return std::make_shared<BearerCredential>(
            std::make_shared<ClientSecretTokenSource>(options, std::make_shared<CurlTransport>()));
    }

    // Every operation that a bearer credential can make.
    static void ExerciseEveryOperation(const BlobClient& client) {
        const std::string container = UniqueName("oauth");
        client.CreateContainer(container, PublicAccess::kNone, {{"foo_bar", "1"}});
        EXPECT_FALSE(client.GetAccountInfo().sku_name.empty());
        EXPECT_NO_THROW(client.TestConnection(""));
        EXPECT_EQ(client.ListContainers({.prefix = container}).containers.size(), 1U);
        const std::string name = "dir/ü #1?.txt";
        client.PutBlob(
            container, name, RequestBody::FromBytes("bearer bytes"),
            {.headers = {.content_type = "text/plain"}, .metadata = {{"foo2_bar", "2"}}});
        EXPECT_EQ(client.DownloadToString(container, name), "bearer bytes");
        EXPECT_EQ(client.GetBlobProperties(container, name).content_type, "text/plain");
        client.SetBlobMetadata(container, name, {{"k", "v"}});
        const std::string id = MakeBlockId("o", 0);
        client.PutBlock(container, "blocks", id, RequestBody::FromBytes("blk"));
        client.PutBlockList(container, "blocks", {id});
        client.CopyBlob(container, "copied", client.BlobUrlOf(container, name));
        EXPECT_EQ(client.DownloadToString(container, "copied"), "bearer bytes");
        EXPECT_EQ(AllBlobNames(client, container).size(), 3U);
        client.DeleteBlob(container, name);
        client.DeleteContainer(container);
    }

    static inline cerulean::testing::TempDir* dir_ = nullptr;
    static inline cerulean::testing::AzuriteServer* azurite_ = nullptr;
    static inline LoopbackHttpServer* token_server_ = nullptr;
    static inline std::string cert_;
    static inline std::atomic<int> token_calls_{0};
};

TEST_F(AzureOAuth, ServicePrincipalFetchesOneTokenAndCachesIt) {
    const int before = token_calls_.load();
    const BlobClient client(azurite_->blob_endpoint(), ServicePrincipal(), TlsOptions());
    ExerciseEveryOperation(client);
    EXPECT_EQ(token_calls_.load() - before, 1) << "one token for every call";
}

TEST_F(AzureOAuth, ServicePrincipalSharesItsTokenAcrossThreads) {
    const int before = token_calls_.load();
    const BlobClient client(azurite_->blob_endpoint(), ServicePrincipal(), TlsOptions());
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 6; ++i) {
        threads.emplace_back([&] {
            try {
                client.GetAccountInfo();
                ++ok;
            } catch (const std::exception& error) {
                ADD_FAILURE() << error.what();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(ok.load(), 6);
    EXPECT_EQ(token_calls_.load() - before, 1);
}

TEST_F(AzureOAuth, AWrongClientSecretIsAzureAuthFailedWithoutTheSecret) {
    const BlobClient client(azurite_->blob_endpoint(), ServicePrincipal("wrong-secret-value"),
                            TlsOptions());
    try {
        client.GetAccountInfo();
        FAIL();
    } catch (const core::Error& error) {
        EXPECT_EQ(error.code(), core::ErrorCode::kPermissionDenied);
        EXPECT_EQ(error.reason(), "azure_auth_failed");
        EXPECT_THAT(error.what(), HasSubstr("invalid_client"));
        EXPECT_THAT(error.what(), Not(HasSubstr("wrong-secret-value")));
    }
}

TEST_F(AzureOAuth, UserTokensAreUsedAsGiven) {
    const BlobClient client(
        azurite_->blob_endpoint(),
        std::make_shared<BearerCredential>(std::make_shared<StaticTokenSource>(FabricateToken())),
        TlsOptions());
    ExerciseEveryOperation(client);
}

TEST_F(AzureOAuth, ATokenForAnotherAudienceIsRefused) {
    const std::string token = FabricateToken("https://management.azure.com");
    const BlobClient client(
        azurite_->blob_endpoint(),
        std::make_shared<BearerCredential>(std::make_shared<StaticTokenSource>(token)),
        TlsOptions());
    const StorageError error = ExpectStorageError([&] { client.ListContainers(); });
    EXPECT_EQ(error.reason(), "azure_auth_failed");
    EXPECT_THAT(error.what(), Not(HasSubstr(token)));
}

TEST_F(AzureOAuth, AUserDelegationKeySignsASasTheServiceAccepts) {
    const BlobClient bearer(azurite_->blob_endpoint(), ServicePrincipal(), TlsOptions());
    const std::string container = UniqueName("udk");
    bearer.CreateContainer(container);
    bearer.PutBlob(container, "report 1.csv", RequestBody::FromBytes("a,b\n1,2\n"));

    const core::UnixMillis now = core::NowMillis();
    const UserDelegationKey key = bearer.GetUserDelegationKey(now - 60'000, now + kHour);
    EXPECT_EQ(key.signed_object_id, kObjectId);
    EXPECT_EQ(key.signed_tenant_id, kTenant);
    EXPECT_EQ(key.signed_service, "b");
    EXPECT_FALSE(key.value.empty());

    const SasToken sas = GenerateUserDelegationSas(kDevelopmentAccountName, key,
                                                   {.container = container,
                                                    .blob = "report 1.csv",
                                                    .permissions = "r",
                                                    .expires_on = now + kHour});
    const BlobClient reader(azurite_->blob_endpoint(), std::make_shared<SasCredential>(sas.query),
                            TlsOptions());
    EXPECT_EQ(reader.DownloadToString(container, "report 1.csv"), "a,b\n1,2\n");

    const BlobClient key_client(azurite_->blob_endpoint(), DevCredential(), TlsOptions());
    EXPECT_EQ(
        ExpectStorageError([&] { key_client.GetUserDelegationKey(now, now + kHour); }).reason(),
        "azure_auth_failed")
        << "a user delegation key needs a bearer credential";
    bearer.DeleteContainer(container);
}

TEST_F(AzureOAuth, LogsNeitherTokensNorTheClientSecret) {
    LogCapture capture;
    const BlobClient client(azurite_->blob_endpoint(), ServicePrincipal(), TlsOptions());
    client.GetAccountInfo();
    const BlobClient refused(azurite_->blob_endpoint(), ServicePrincipal("another-wrong-secret"),
                             TlsOptions());
    EXPECT_THROW(refused.GetAccountInfo(), core::Error);
    const std::string log = capture.Finish();
    EXPECT_THAT(log, HasSubstr("operation=RequestToken"));
    EXPECT_THAT(log, HasSubstr("operation=GetAccountInfo"));
    EXPECT_THAT(log, Not(HasSubstr(std::string(kClientSecret))));
    EXPECT_THAT(log, Not(HasSubstr("another-wrong-secret")));
    EXPECT_THAT(log, Not(HasSubstr("eyJ")));  // the JWT's base64 header
    EXPECT_THAT(log, Not(HasSubstr("Bearer ")));
}

TEST_F(AzureOAuth, SharedKeyStillWorksOverHttps) {
    const BlobClient client(azurite_->blob_endpoint(), DevCredential(), TlsOptions());
    EXPECT_NO_THROW(client.TestConnection(""));
}

TEST_F(AzureOAuth, AnUntrustedCertificateFailsAsTlsWithoutRetries) {
    ClientOptions options = TestOptions();
    options.pipeline.retry.base_delay = milliseconds(2000);  // a retry would show in the time
    const BlobClient client(azurite_->blob_endpoint(), DevCredential(), options);
    const auto start = Clock::now();
    const StorageError error = ExpectStorageError([&] { client.GetAccountInfo(); });
    EXPECT_LT(Clock::now() - start, milliseconds(1500));
    EXPECT_EQ(error.reason(), "azure_unreachable");
    EXPECT_THAT(error.what(), HasSubstr("TLS"));
}

}  // namespace
}  // namespace cerulean::azure
