#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "azure/list_parser.hpp"
#include "core/clock.hpp"

namespace cerulean::sync {

/// One file or blob of a side of a sync, named by its path relative to the side's folder or
/// prefix ('/'-separated, as the blob name below the prefix).
struct SyncEntry {
    std::string path;                       ///< relative path, e.g. "q1/a.csv"
    std::uint64_t size = 0;                 ///< bytes
    std::optional<core::UnixMillis> mtime;  ///< modification time compared (see BlobListing)
    std::string md5;                        ///< whole-content MD5, base64; empty when unknown
    azure::Metadata metadata;               ///< a blob's user metadata (empty for local files)
    std::string etag;                       ///< a blob's ETag (empty for local files)
};

/// Whether `a` comes before `b` in the order List Blobs returns names in: the order of their
/// UTF-16 code units (Azurite sorts so, and the service was found to, blobfile/blobfile#238),
/// which for UTF-8 text is byte order but for one thing: U+E000..U+FFFF (lead bytes 0xEE, 0xEF)
/// come after U+10000 and up (lead bytes 0xF0..0xF4, surrogate pairs in UTF-16). Any byte
/// string compares (bytes that are not UTF-8 too): a lexicographic order of bytes ranked so,
/// total and strict. Were a listing ever in another order, the merge would refuse it
/// ("listing_failed") rather than take files for missing ones.
bool NameLess(std::string_view a, std::string_view b) noexcept;

/// A side of a sync enumerated as a stream, in strictly increasing NameLess order of `path`,
/// one entry at a time, so that two sides can be merged with bounded memory.
class EntryStream {
 public:
    virtual ~EntryStream() = default;
    /// The next entry, or none at the end. Throws core::Error when the enumeration cannot go
    /// on (the stream is then unusable).
    virtual std::optional<SyncEntry> Next() = 0;
    /// Whether part of the side could not be enumerated although the stream went on (an
    /// unreadable folder was passed over): the listing is incomplete, so nothing may be
    /// deleted on its strength.
    [[nodiscard]] virtual bool incomplete() const { return false; }
};

}  // namespace cerulean::sync
