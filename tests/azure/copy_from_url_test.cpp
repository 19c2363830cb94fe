// Copies across accounts by Put Blob From URL and Put Block From URL. Azurite 3.35 answers
// those calls 501, so a FromUrlFront carries them out in front of it, as Azure would: the
// requests the engine sends (source URL and SAS, ranges, source ETag) are read and followed.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "azure/blob_client.hpp"
#include "azure/sas.hpp"
#include "azure/shared_key.hpp"
#include "azure/storage_error.hpp"
#include "azure/transfer.hpp"
#include "core/clock.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "from_url_front.hpp"
#include "support/azurite_server.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::azure {
namespace {

using cerulean::testing::AzuriteServer;
using cerulean::testing::SharedAzurite;
using cerulean::testing::UniqueName;
using testing::FromUrlCall;
using testing::FromUrlFront;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20U;

std::string Bytes(std::uint64_t size, char seed) {
    std::string bytes(size, '\0');
    for (std::uint64_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<char>(seed + static_cast<char>(i * 7 + i / 251));
    }
    return bytes;
}

std::string Md5Of(std::string_view bytes) {
    return crypto::Base64Encode(crypto::Md5(bytes));
}

class CopyFromUrl : public ::testing::Test {
 protected:
    void SetUp() override {
        const AzuriteServer& azurite = SharedAzurite();
        source_ = std::make_unique<BlobClient>(
            BlobClient::FromConnectionString(azurite.connection_string()));
        container_ = UniqueName("fromurl");
        source_->CreateContainer(container_);
        front_ =
            std::make_unique<FromUrlFront>("http://127.0.0.1:" + std::to_string(azurite.port()));
        // The destination is reached through the front, with a SAS (see FromUrlFront): another
        // endpoint, so the engine takes the cross-account path.
        AccountSasOptions sas;
        sas.resource_types = "sco";
        sas.permissions = "rwdlac";
        sas.expires_on = core::NowMillis() + 3'600'000;
        const SharedKeyCredential key(std::string(AzuriteServer::kAccountName),
                                      std::string(AzuriteServer::kAccountKey));
        destination_ = std::make_unique<BlobClient>(BlobClient::FromConnectionString(
            "BlobEndpoint=" + front_->blob_endpoint() +
            ";SharedAccessSignature=" + GenerateAccountSas(key, sas).query));
    }

    void Upload(const std::string& name, const std::string& bytes) {
        PutBlobOptions put;
        put.headers.content_type = "text/x-from-url";
        put.metadata = {{"foo_bar", "1"}, {"foo2_bar", "2"}};
        source_->PutBlob(container_, name, RequestBody::FromBytes(bytes), put);
    }

    void ExpectCopied(const std::string& name, const std::string& bytes) {
        const BlobProperties props = source_->GetBlobProperties(container_, name);
        EXPECT_EQ(props.content_length, bytes.size());
        EXPECT_EQ(props.content_type, "text/x-from-url");
        EXPECT_EQ(props.metadata.at("foo_bar"), "1");
        EXPECT_EQ(props.metadata.at("foo2_bar"), "2");
        EXPECT_EQ(Md5Of(source_->DownloadToString(container_, name)), Md5Of(bytes));
    }

    TransferPool pool_{4};
    std::unique_ptr<BlobClient> source_;
    std::unique_ptr<FromUrlFront> front_;
    std::unique_ptr<BlobClient> destination_;
    std::string container_;
};

TEST_F(CopyFromUrl, OneRequestForABlobUpToTheThreshold) {
    const std::string source_name = "src %2F #1?+é.bin";  // every part of the URL is tested
    const std::string bytes = Bytes(3 * kMiB + 5, 'a');
    Upload(source_name, bytes);
    const std::string etag = source_->GetBlobProperties(container_, source_name).etag;

    const Transfer transfer(pool_, {});
    const TransferResult result =
        transfer.Copy(*source_, container_, source_name, *destination_, container_, "a b/c#?.bin");
    EXPECT_EQ(result.copy_method, "put_blob_from_url");
    EXPECT_EQ(result.size, bytes.size());
    ExpectCopied("a b/c#?.bin", bytes);

    const std::vector<FromUrlCall> calls = front_->calls();
    ASSERT_EQ(calls.size(), 1U);
    EXPECT_FALSE(calls[0].block);
    EXPECT_EQ(calls[0].source_status, 200);
    EXPECT_EQ(calls[0].source_if_match, etag);
    // A Shared Key source cannot be read by the service on our key: a SAS was made for it.
    EXPECT_NE(calls[0].copy_source.find("sig="), std::string::npos);
}

TEST_F(CopyFromUrl, BlocksForALargerBlobCoverItExactly) {
    const std::string bytes = Bytes(3 * kMiB + 5, 'q');
    Upload("big", bytes);
    TransferOptions options;
    options.block_size = kMiB;
    options.single_shot_copy_threshold = kMiB;
    const Transfer transfer(pool_, options);
    const TransferResult result =
        transfer.Copy(*source_, container_, "big", *destination_, container_, "big-copy");
    EXPECT_EQ(result.copy_method, "put_block_from_url");
    EXPECT_EQ(result.blocks, 4U);
    ExpectCopied("big-copy", bytes);

    std::vector<std::string> ranges;
    for (const FromUrlCall& call : front_->calls()) {
        EXPECT_TRUE(call.block);
        EXPECT_EQ(call.source_status, 206);
        EXPECT_FALSE(call.source_if_match.empty());
        ranges.push_back(call.source_range);
    }
    std::sort(ranges.begin(), ranges.end());
    EXPECT_EQ(ranges, (std::vector<std::string>{"bytes=0-1048575", "bytes=1048576-2097151",
                                                "bytes=2097152-3145727", "bytes=3145728-3145732"}));
}

TEST_F(CopyFromUrl, ASourceRewrittenDuringTheCopyFailsItAndCommitsNothing) {
    Upload("moving", Bytes(3 * kMiB, 'm'));
    TransferOptions options;
    options.block_size = kMiB;
    options.single_shot_copy_threshold = kMiB;
    options.concurrency = 1;  // one block after another: the rewrite lands between two
    const Transfer transfer(pool_, options);
    bool rewritten = false;
    front_->OnCall([&](const FromUrlCall&) {
        if (rewritten) return;
        rewritten = true;
        Upload("moving", Bytes(3 * kMiB, 'n'));
    });
    try {
        transfer.Copy(*source_, container_, "moving", *destination_, container_, "moved");
        FAIL() << "a copy of a source that changed succeeded";
    } catch (const StorageError& error) {
        EXPECT_EQ(error.status(), 412);
        EXPECT_EQ(error.azure_code(), "SourceConditionNotMet");
    }
    EXPECT_TRUE(rewritten);
    try {
        source_->GetBlobProperties(container_, "moved");
        FAIL() << "a blob of two versions was committed";
    } catch (const StorageError& error) {
        EXPECT_EQ(error.status(), 404);
    }
}

}  // namespace
}  // namespace cerulean::azure
