#include "sync/blob_listing.hpp"

#include <cctype>
#include <charconv>
#include <utility>

#include "azure/storage_error.hpp"
#include "core/error.hpp"

namespace cerulean::sync {
namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

const std::string* FindMetadata(const azure::Metadata& metadata, std::string_view name) {
    for (const auto& [key, value] : metadata) {
        if (EqualsIgnoringCase(key, name)) return &value;
    }
    return nullptr;
}

}  // namespace

std::string FormatStoredMtime(core::UnixMillis mtime) {
    return core::FormatRfc3339Millis(mtime);
}

std::optional<core::UnixMillis> StoredMtime(const azure::Metadata& metadata) {
    const std::string* value = FindMetadata(metadata, kMtimeMetadataName);
    if (value == nullptr || value->empty()) return std::nullopt;
    if (const auto parsed = core::ParseRfc3339(*value)) return parsed;
    core::UnixMillis millis = 0;
    const char* end = value->data() + value->size();
    const auto [at, error] = std::from_chars(value->data(), end, millis);
    if (error != std::errc() || at != end) return std::nullopt;
    return millis;
}

std::optional<core::UnixMillis> EffectiveMtime(
    const azure::Metadata& metadata, const std::optional<core::UnixMillis>& last_modified) {
    if (auto stored = StoredMtime(metadata)) return stored;
    return last_modified;
}

BlobListing::BlobListing(const azure::BlobClient& client, std::string container, std::string prefix,
                         azure::CallOptions call, int page_size)
    : client_(client), container_(std::move(container)), call_(std::move(call)) {
    options_.prefix = std::move(prefix);
    options_.include_metadata = true;
    options_.max_results = page_size;
}

std::optional<SyncEntry> BlobListing::Next() {
    for (;;) {
        while (next_ < page_.blobs.size()) {
            azure::BlobItem& blob = page_.blobs[next_++];
            if (blob.name.size() <= options_.prefix.size() || blob.name.back() == '/') continue;
            if (const std::string* folder = FindMetadata(blob.metadata, "hdi_isfolder");
                folder != nullptr && EqualsIgnoringCase(*folder, "true")) {
                continue;
            }
            SyncEntry entry;
            entry.path = blob.name.substr(options_.prefix.size());
            entry.size = blob.size < 0 ? 0 : static_cast<std::uint64_t>(blob.size);
            entry.mtime = EffectiveMtime(blob.metadata, blob.last_modified);
            entry.md5 = std::move(blob.content_md5);
            entry.metadata = std::move(blob.metadata);
            entry.etag = std::move(blob.etag);
            return entry;
        }
        if (done_) return std::nullopt;
        try {
            page_ = {};  // before the next page arrives: one page in memory, not two
            page_ = client_.ListBlobs(container_, options_, call_);
        } catch (const azure::StorageError& e) {
            if (e.kind() == azure::StorageErrorKind::kCancelled) throw;
            // Auth failures and a missing container keep their own reasons (a worker tells
            // them apart from a flaky listing); the rest is a failed listing.
            if (e.code() == core::ErrorCode::kPermissionDenied ||
                e.reason() == "container_not_found") {
                throw;
            }
            // Still a storage error (the API answers it as the gateway's, with Azure's code);
            // a service failing with any 5xx is unavailable for now, which a worker retries.
            const core::ErrorCode code = e.code() == core::ErrorCode::kInternal && e.status() >= 500
                                             ? core::ErrorCode::kUnavailable
                                             : e.code();
            throw azure::StorageError(code, std::string("cannot list the blobs: ") + e.what(),
                                      "listing_failed", e.kind(), e.status(), e.azure_code(),
                                      e.request_id(), e.client_request_id());
        }
        next_ = 0;
        options_.marker = page_.next_marker;
        done_ = options_.marker.empty();
    }
}

}  // namespace cerulean::sync
