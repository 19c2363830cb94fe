#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cerulean::sync {

/// The bytes [first, end) of a file.
struct ByteRange {
    std::uint64_t first = 0;  ///< the first byte
    std::uint64_t end = 0;    ///< just past the last byte

    /// Same bounds.
    bool operator==(const ByteRange&) const = default;
};

/// A set of byte ranges, kept sorted, disjoint and with touching ranges merged, so that it stays
/// small however the ranges arrive: a range written piece by piece grows one entry. Not
/// thread-safe.
class RangeSet {
 public:
    /// Adds [first, end) (nothing when empty).
    void Add(std::uint64_t first, std::uint64_t end);
    /// The ranges, in order.
    [[nodiscard]] const std::vector<ByteRange>& ranges() const noexcept { return ranges_; }
    /// The bytes the ranges cover.
    [[nodiscard]] std::uint64_t bytes() const noexcept;
    /// The end of the range that starts at 0 (0 when none does).
    [[nodiscard]] std::uint64_t prefix() const noexcept;
    /// The ranges of [0, size) that the set lacks, in order.
    [[nodiscard]] std::vector<ByteRange> Missing(std::uint64_t size) const;

 private:
    std::vector<ByteRange> ranges_;
};

/// What a download's temporary file holds, kept beside it (RecordNameFor) so that a later run
/// fetches only what is missing: which blob and which version of it the bytes came from, and
/// the ranges that are in the file. Saved as one line of JSON that `cerulean blob get
/// --resume` also reads (it keeps `prefix`, the contiguous part from 0); a record that `get`
/// wrote (a prefix alone) is read as that one range. Holds no secret.
struct RangeRecord {
    std::string url;         ///< the blob's URL without query or fragment (where a SAS would be)
    std::string etag;        ///< the blob's ETag as the service sent it in headers
    std::uint64_t size = 0;  ///< the blob's size
    RangeSet ranges;         ///< the bytes in the file
};

/// `record` as its JSON text.
std::string FormatRangeRecord(const RangeRecord& record);
/// The record `text` holds, or none when it is not a sound one (not JSON, another version,
/// fields missing, no ETag, ranges past the size or out of order).
std::optional<RangeRecord> ParseRangeRecord(std::string_view text);

/// Reads the record `name` in the folder `dir` (never through a symlink); none when it is
/// missing or not a sound one.
std::optional<RangeRecord> ReadRangeRecord(int dir, const std::string& name);
/// Writes `record` as `name` in the folder `dir` so that it is whole whenever the process
/// dies: written to "NAME.tmp", flushed, renamed over `name`, and the folder flushed. Throws
/// core::Error (kInternal, "local_file") when it cannot.
void WriteRangeRecord(int dir, const std::string& name, const RangeRecord& record);

/// `etag` without the quotes that headers put around it (listings may give it without).
std::string_view BareEtag(std::string_view etag);

}  // namespace cerulean::sync
