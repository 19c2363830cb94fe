#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cerulean::cli {

/// What a kept partial download holds, saved as JSON next to it so that `get --resume` can
/// continue it: which blob (and which version of it) the bytes came from, and how far they go.
/// Holds no secret: the URL is stripped of any query (a SAS) and credentials are never part of
/// it.
struct PartialRecord {
    std::string url;           ///< the blob's URL, without query or fragment
    std::string etag;          ///< the ETag of the blob the bytes came from, as the service sent it
    std::uint64_t size = 0;    ///< the blob's size
    std::uint64_t prefix = 0;  ///< every byte before this offset is in the partial file
};

/// The file a download into `target` is written to until complete: ".NAME.cerulean-partial"
/// next to it.
std::filesystem::path PartialPathFor(const std::filesystem::path& target);
/// The record of a partial file: "PARTIAL.json".
std::filesystem::path RecordPathFor(const std::filesystem::path& partial);
/// `url` without its query and fragment (where a SAS would be).
std::string UrlWithoutQuery(std::string_view url);

/// The record at `path`, or none when it is missing, unreadable, or not a record (a file that
/// cannot be trusted is as good as none: the download starts afresh).
std::optional<PartialRecord> ReadPartialRecord(const std::filesystem::path& path);
/// Writes `record` to `path` atomically (a temporary file renamed over it), so that a record
/// is always whole, whenever the process dies. The URL is stripped of any query first. Throws
/// core::Error (kInternal, "local_file") when it cannot.
void WritePartialRecord(const std::filesystem::path& path, const PartialRecord& record);

}  // namespace cerulean::cli
