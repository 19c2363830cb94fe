#pragma once

// What the sync engine's integration suites share: a container in the shared Azurite, a sync
// root in a temporary folder, a pool, and helpers to fill and read both sides.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "azure/blob_client.hpp"
#include "azure/transfer_pool.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "support/azurite_server.hpp"
#include "support/files.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"
#include "sync/local_path.hpp"
#include "sync/sync_engine.hpp"

namespace cerulean::sync {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::PatternBytes;
using testing::ReadFile;
using testing::SharedAzurite;
using testing::TempDir;
using testing::UniqueName;
using testing::WriteFile;

inline constexpr std::uint64_t kMiB = std::uint64_t{1} << 20U;

inline std::string Md5Of(std::string_view bytes) {
    return crypto::Base64Encode(crypto::Md5(bytes));
}

// `stem` and a number (built by appending: g++ 12 warns falsely on "literal" + std::string).
inline std::string Numbered(std::string_view stem, int i) {
    std::string name(stem);
    name += std::to_string(i);
    return name;
}

// The regular files below `root` (relative path -> content), and every name seen.
inline std::map<std::string, std::string> Tree(const fs::path& root,
                                               std::vector<std::string>* names = nullptr) {
    std::map<std::string, std::string> files;
    if (!fs::exists(root)) return files;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::end(it); ++it) {
        if (names != nullptr) names->push_back(it->path().filename().string());
        if (it->is_regular_file() && !it->is_symlink()) {
            files[it->path().lexically_relative(root).generic_string()] = ReadFile(it->path());
        }
    }
    return files;
}

inline bool HasTemporaryFiles(const fs::path& root) {
    std::vector<std::string> names;
    Tree(root, &names);
    for (const auto& name : names) {
        if (IsTemporaryName(name)) return true;
    }
    return false;
}

inline core::UnixMillis MtimeOf(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return static_cast<core::UnixMillis>(info.st_mtim.tv_sec) * 1000 +
           info.st_mtim.tv_nsec / 1'000'000;
}

inline void SetMtime(const fs::path& path, core::UnixMillis ms) {
    const timespec at{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1'000'000)};
    const timespec times[2] = {at, at};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

// Why a run failed, for assertion messages.
inline std::string Why(const SyncResult& r) {
    std::string why = r.error ? std::string(r.error->what()) + " [" + r.error->reason() + "]"
                              : std::string(r.cancelled ? "cancelled" : "ok");
    for (const auto& f : r.failures) why += "\n  " + f.path + ": " + f.message;
    return why;
}

class SyncEngineTest : public ::testing::Test {
 protected:
    void SetUp() override {
        client_.emplace(
            azure::BlobClient::FromConnectionString(SharedAzurite().connection_string()));
        container_ = UniqueName("sync");
        client_->CreateContainer(container_);
        fs::create_directories(root());
    }

    fs::path root() const { return dir_.path() / "root"; }

    static SyncOptions Options() {
        SyncOptions options;
        options.transfer.block_size = kMiB;
        options.transfer.single_shot_threshold = kMiB;
        options.transfer.concurrency = 4;
        return options;
    }

    SyncResult Run(const SyncEndpoints& endpoints, SyncOptions options = Options(),
                   std::stop_token stop = {}) {
        const SyncEngine engine(pool_, std::move(options));
        return engine.Run(endpoints, std::move(stop));
    }

    SyncPlan Plan(const SyncEndpoints& endpoints, SyncOptions options = Options()) {
        const SyncEngine engine(pool_, std::move(options));
        return engine.Plan(endpoints);
    }

    SyncEndpoints Down(std::string prefix, std::string local) const {
        return {BlobSide{&*client_, container_, std::move(prefix)},
                LocalSide{root(), std::move(local)}};
    }

    SyncEndpoints Up(std::string local, std::string prefix) const {
        return {LocalSide{root(), std::move(local)},
                BlobSide{&*client_, container_, std::move(prefix)}};
    }

    void Put(const std::string& name, std::string_view bytes, azure::Metadata metadata = {}) {
        azure::PutBlobOptions options;
        options.metadata = std::move(metadata);
        client_->PutBlob(container_, name, azure::RequestBody::FromBytes(bytes), options);
    }

    // A blob committed from blocks with no Content-MD5 at all.
    void PutWithoutMd5(const std::string& name, std::string_view bytes) {
        const std::string id = azure::MakeBlockId("nomd5", 0);
        client_->PutBlock(container_, name, id, azure::RequestBody::FromBytes(bytes));
        client_->PutBlockList(container_, name, {id});
        ASSERT_TRUE(client_->GetBlobProperties(container_, name).content_md5.empty());
    }

    // The blobs below `prefix` (name below it -> content), of `container` (default: ours).
    std::map<std::string, std::string> Blobs(const std::string& prefix,
                                             const azure::BlobClient* client = nullptr,
                                             std::string container = {}) const {
        if (client == nullptr) client = &*client_;
        if (container.empty()) container = container_;
        std::map<std::string, std::string> blobs;
        azure::ListBlobsOptions options;
        options.prefix = prefix;
        do {
            const azure::BlobListPage page = client->ListBlobs(container, options);
            for (const auto& b : page.blobs) {
                blobs[b.name.substr(prefix.size())] = client->DownloadToString(container, b.name);
            }
            options.marker = page.next_marker;
        } while (!options.marker.empty());
        return blobs;
    }

    azure::TransferPool pool_{8};
    TempDir dir_{"cerulean-sync-engine"};
    std::optional<azure::BlobClient> client_;
    std::string container_;
};

}  // namespace cerulean::sync
