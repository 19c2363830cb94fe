// The transfer engine against Azurite: sizes around block boundaries, a 256 MiB round trip
// checked by MD5 without holding it in memory, and copies inside one account and across two.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "azure/blob_client.hpp"
#include "azure/storage_error.hpp"
#include "azure/transfer.hpp"
#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "support/azurite_server.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::azure {
namespace {

using cerulean::testing::AzuriteServer;
using cerulean::testing::SharedAzurite;
using cerulean::testing::UniqueName;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20U;

// Deterministic bytes: a cheap xorshift stream, the same for a given seed and offset.
class PatternSource final : public UploadSource {
 public:
    PatternSource(std::uint64_t size, std::uint64_t seed) : size_(size), state_(seed | 1U) {}
    std::size_t Read(char* buffer, std::size_t size) override {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(size, size_ - position_));
        for (std::size_t i = 0; i < n; ++i) {
            if (position_ % 8 == 0) {
                state_ ^= state_ << 13U;
                state_ ^= state_ >> 7U;
                state_ ^= state_ << 17U;
                word_ = state_;
            }
            buffer[i] = static_cast<char>(word_ >> (8U * (position_ % 8)));
            ++position_;
        }
        return n;
    }
    [[nodiscard]] std::optional<std::uint64_t> size() const override { return size_; }

 private:
    std::uint64_t size_;
    std::uint64_t position_ = 0;
    std::uint64_t state_;
    std::uint64_t word_ = 0;
};

// MD5 of a whole PatternSource, streamed.
std::string PatternMd5(std::uint64_t size, std::uint64_t seed) {
    PatternSource source(size, seed);
    crypto::Md5Hasher hasher;
    std::string buffer(1 << 20, '\0');
    while (const std::size_t n = source.Read(buffer.data(), buffer.size())) {
        hasher.Update(std::string_view(buffer.data(), n));
    }
    return crypto::Base64Encode(hasher.Finish());
}

// Hashes what it receives, in order; holds nothing.
class HashingSink final : public DownloadSink {
 public:
    void WriteAt(std::uint64_t offset, std::string_view bytes) override {
        EXPECT_EQ(offset, size_);
        hasher_.Update(bytes);
        size_ += bytes.size();
    }
    std::string Md5() { return crypto::Base64Encode(hasher_.Finish()); }
    [[nodiscard]] std::uint64_t size() const { return size_; }

 private:
    crypto::Md5Hasher hasher_;
    std::uint64_t size_ = 0;
};

class TransferIntegration : public ::testing::Test {
 protected:
    void SetUp() override {
        client_ = std::make_unique<BlobClient>(
            BlobClient::FromConnectionString(SharedAzurite().connection_string()));
        container_ = UniqueName("xfer");
        client_->CreateContainer(container_);
    }

    std::unique_ptr<BlobClient> client_;
    std::string container_;
    TransferPool pool_{8};
};

TEST_F(TransferIntegration, SizesAroundTheBlockBoundaryRoundTrip) {
    TransferOptions options;
    options.block_size = kMiB;
    options.single_shot_threshold = kMiB;
    const Transfer transfer(pool_, options);
    TransferOptions staged_options = options;
    staged_options.single_shot_threshold = 0;  // even one byte goes up as a block
    const Transfer staged(pool_, staged_options);
    for (const std::uint64_t size :
         {std::uint64_t{0}, std::uint64_t{1}, kMiB - 1, kMiB, kMiB + 1, 3 * kMiB + 1}) {
        for (const Transfer* t : {&transfer, &staged}) {
            SCOPED_TRACE("size " + std::to_string(size) + (t == &staged ? " staged" : ""));
            const std::string name = "sizes/" + std::to_string(size) + (t == &staged ? "s" : "");
            PatternSource source(size, size + 7);
            UploadOptions upload;
            upload.headers.content_type = "application/x-test";
            upload.metadata = {{"origin", "test"}};
            const TransferResult up = t->Upload(*client_, container_, name, source, upload);
            const std::string md5 = PatternMd5(size, size + 7);
            EXPECT_EQ(up.content_md5, md5);
            EXPECT_EQ(up.size, size);
            const BlobProperties props = client_->GetBlobProperties(container_, name);
            EXPECT_EQ(props.content_length, size);
            EXPECT_EQ(props.content_md5, md5);
            EXPECT_EQ(props.content_type, "application/x-test");
            EXPECT_EQ(props.metadata.at("origin"), "test");
            HashingSink sink;
            const TransferResult down = t->Download(*client_, container_, name, sink);
            EXPECT_EQ(sink.size(), size);
            EXPECT_EQ(sink.Md5(), md5);
            EXPECT_TRUE(down.md5_verified);
        }
    }
}

TEST_F(TransferIntegration, A256MiBBlobRoundTripsByMd5WithBoundedMemory) {
    constexpr std::uint64_t kSize = 256 * kMiB;
    const Transfer transfer(pool_, {});
    PatternSource source(kSize, 42);
    const TransferResult up = transfer.Upload(*client_, container_, "big", source);
    const std::string md5 = PatternMd5(kSize, 42);
    EXPECT_EQ(up.content_md5, md5);
    EXPECT_EQ(up.blocks, 32U);
    HashingSink sink;
    const TransferResult down = transfer.Download(*client_, container_, "big", sink);
    EXPECT_EQ(sink.size(), kSize);
    EXPECT_EQ(sink.Md5(), md5);
    EXPECT_TRUE(down.md5_verified);
}

// Writes a PatternSource to a file.
void WritePattern(const std::filesystem::path& path, std::uint64_t size, std::uint64_t seed) {
    PatternSource source(size, seed);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    std::string buffer(1 << 20, '\0');
    while (const std::size_t n = source.Read(buffer.data(), buffer.size())) {
        out.write(buffer.data(), static_cast<std::streamsize>(n));
    }
}

std::string FileMd5(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    crypto::Md5Hasher hasher;
    std::string buffer(1 << 20, '\0');
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
        hasher.Update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
    }
    return crypto::Base64Encode(hasher.Finish());
}

TEST_F(TransferIntegration, FilesGoUpInPlaceAndComeBackCheckedWithEveryChecksumChoice) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / UniqueName("cerulean-inplace");
    std::filesystem::create_directories(dir);
    // 19 blocks and a bit: two groups of eight hashed in SIMD lanes, then three; blocks span
    // several hashing windows.
    constexpr std::uint64_t kSize = 19 * kMiB + 12345;
    WritePattern(dir / "up", kSize, 5);
    const std::string md5 = PatternMd5(kSize, 5);
    for (const bool block : {true, false}) {
        for (const bool whole : {true, false}) {
            SCOPED_TRACE(std::string("block ") + (block ? "on" : "off") + ", whole " +
                         (whole ? "on" : "off"));
            TransferOptions options;
            options.block_size = kMiB;
            options.single_shot_threshold = kMiB;
            options.transactional_md5 = block;  // Azurite refuses a block whose MD5 is wrong
            options.compute_md5 = whole;
            const Transfer transfer(pool_, options);
            const std::string name =
                std::string("inplace/") + (block ? "b" : "") + (whole ? "w" : "");
            FileSource source(dir / "up");
            const TransferResult up = transfer.Upload(*client_, container_, name, source);
            EXPECT_EQ(up.blocks, 20U);
            EXPECT_EQ(up.content_md5, whole ? md5 : "");
            EXPECT_EQ(client_->GetBlobProperties(container_, name).content_md5, whole ? md5 : "");
            TransferResult down;
            {
                FileSink sink(dir / "down");
                down = transfer.Download(*client_, container_, name, sink);
            }
            EXPECT_EQ(down.md5_verified, whole);
            EXPECT_EQ(FileMd5(dir / "down"), md5);
        }
    }
    std::filesystem::remove_all(dir);
}

TEST_F(TransferIntegration, AFileRewrittenDuringAnUploadIsNotCommitted) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / UniqueName("cerulean-changed");
    std::filesystem::create_directories(dir);
    WritePattern(dir / "up", 3 * kMiB, 6);
    TransferOptions options;
    options.block_size = kMiB;
    options.single_shot_threshold = kMiB;
    const Transfer transfer(pool_, options);
    FileSource source(dir / "up");
    WritePattern(dir / "up", 3 * kMiB, 7);  // same size, other bytes, a later time
    const struct timespec times[2] = {{0, UTIME_OMIT}, {12345, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (dir / "up").c_str(), times, 0), 0);
    try {
        transfer.Upload(*client_, container_, "changed", source);
        ADD_FAILURE() << "a rewritten file was committed";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.reason(), "source_changed");
    }
    EXPECT_THROW(client_->GetBlobProperties(container_, "changed"), StorageError);
    std::filesystem::remove_all(dir);
}

TEST_F(TransferIntegration, AnUploadFromAStreamOfUnknownLengthPicksItsWay) {
    class Unknown final : public UploadSource {
     public:
        explicit Unknown(std::uint64_t size) : inner_(size, 9) {}
        std::size_t Read(char* b, std::size_t n) override { return inner_.Read(b, n); }
        [[nodiscard]] std::optional<std::uint64_t> size() const override { return std::nullopt; }

     private:
        PatternSource inner_;
    };
    TransferOptions options;
    options.block_size = kMiB;
    options.single_shot_threshold = 2 * kMiB;
    const Transfer transfer(pool_, options);
    for (const std::uint64_t size : {std::uint64_t{0}, 2 * kMiB, 2 * kMiB + 1, 5 * kMiB + 3}) {
        Unknown source(size);
        const TransferResult up = transfer.Upload(*client_, container_, "stream", source);
        EXPECT_EQ(up.size, size);
        EXPECT_EQ(up.blocks, size > 2 * kMiB ? (size + kMiB - 1) / kMiB : 0U);
        EXPECT_EQ(client_->GetBlobProperties(container_, "stream").content_md5,
                  PatternMd5(size, 9));
    }
}

TEST_F(TransferIntegration, CopiesInsideAnAccountAndStreamsAcrossInstances) {
    TransferOptions options;
    options.block_size = kMiB;
    options.single_shot_threshold = kMiB;
    const Transfer transfer(pool_, options);
    UploadOptions upload;
    upload.headers.content_type = "text/x-copy";
    upload.metadata = {{"foo_bar", "1"}, {"foo2_bar", "2"}};
    for (const std::uint64_t size : {std::uint64_t{1}, 3 * kMiB + 5}) {
        SCOPED_TRACE(size);
        PatternSource source(size, 3);
        transfer.Upload(*client_, container_, "src", source, upload);
        const std::string md5 = PatternMd5(size, 3);

        const TransferResult local =
            transfer.Copy(*client_, container_, "src", *client_, container_, "dst");
        EXPECT_EQ(local.copy_method, "copy_blob");

        AzuriteServer other;
        const BlobClient remote = BlobClient::FromConnectionString(other.connection_string());
        remote.CreateContainer("dest");
        const TransferResult across =
            transfer.Copy(*client_, container_, "src", remote, "dest", "a b/c#?.bin");
        EXPECT_EQ(across.copy_method, "streamed");

        for (const auto& [c, container, name] :
             {std::tuple<const BlobClient*, std::string, std::string>{client_.get(), container_,
                                                                      std::string("dst")},
              std::tuple<const BlobClient*, std::string, std::string>{
                  &remote, std::string("dest"), std::string("a b/c#?.bin")}}) {
            const BlobProperties props = c->GetBlobProperties(container, name);
            EXPECT_EQ(props.content_length, size);
            EXPECT_EQ(props.content_type, "text/x-copy");
            EXPECT_EQ(props.metadata.at("foo_bar"), "1");
            EXPECT_EQ(props.metadata.at("foo2_bar"), "2");
            HashingSink sink;
            transfer.Download(*c, container, name, sink);
            EXPECT_EQ(sink.Md5(), md5);
        }
    }
}

TEST_F(TransferIntegration, CopiesFromASourceReachedWithASas) {
    const Transfer transfer(pool_, {});
    MemorySource source("bytes behind a SAS");
    UploadOptions upload;
    upload.headers.content_type = "text/plain";
    transfer.Upload(*client_, container_, "sas/src", source, upload);

    AccountSasOptions sas;
    sas.resource_types = "sco";
    sas.permissions = "rwdlac";
    sas.expires_on = core::NowMillis() + 3'600'000;
    const SharedKeyCredential key(std::string(kDevelopmentAccountName), kDevelopmentAccountKey);
    const std::string connection = "BlobEndpoint=" + SharedAzurite().blob_endpoint() +
                                   ";SharedAccessSignature=" + GenerateAccountSas(key, sas).query;
    const BlobClient by_sas = BlobClient::FromConnectionString(connection);

    const TransferResult within =
        transfer.Copy(by_sas, container_, "sas/src", by_sas, container_, "sas/dst");
    EXPECT_EQ(within.copy_method, "copy_blob");
    EXPECT_EQ(client_->DownloadToString(container_, "sas/dst"), "bytes behind a SAS");

    AzuriteServer other;
    const BlobClient remote = BlobClient::FromConnectionString(other.connection_string());
    remote.CreateContainer("dest");
    const TransferResult across = transfer.Copy(by_sas, container_, "sas/src", remote, "dest", "x");
    EXPECT_EQ(across.copy_method, "streamed");
    EXPECT_EQ(remote.DownloadToString("dest", "x"), "bytes behind a SAS");
    EXPECT_EQ(remote.GetBlobProperties("dest", "x").content_type, "text/plain");
}

}  // namespace
}  // namespace cerulean::azure
