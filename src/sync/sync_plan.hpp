#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "sync/sync_entry.hpp"

namespace cerulean::sync {

/// Which way a sync goes.
enum class Direction {
    kDownload,  ///< container (prefix) -> local folder
    kUpload,    ///< local folder -> container (prefix)
    kCopy,      ///< container (prefix) -> container (prefix), same or another account
};

/// How a sync decides that a path both sides have is up to date.
enum class CompareMode {
    kSizeMtime,  ///< same size and same modification time (ms; see BlobListing)
    kMd5,        ///< same size and same MD5 of the content
};

/// "download", "upload", "copy".
std::string_view ToString(Direction direction);
/// "size_mtime", "md5".
std::string_view ToString(CompareMode mode);
/// Parses ToString(Direction). Throws core::Error (kInvalidArgument, "invalid_direction").
Direction ParseDirection(std::string_view text);
/// Parses ToString(CompareMode). Throws core::Error (kInvalidArgument, "invalid_compare").
CompareMode ParseCompareMode(std::string_view text);

/// What to do with a path both sides have.
enum class Verdict {
    kSkip,            ///< up to date
    kCopy,            ///< transfer the source over the destination
    kCompareContent,  ///< hash what has no MD5 yet (a local file, a blob without Content-MD5),
                      ///< then skip or copy
};

/// Compares a source entry with the destination entry of the same path. Sizes differ: copy.
/// kSizeMtime: skip when both modification times are known and equal to the millisecond.
/// kMd5: skip or copy when both MD5s are known; else the content must be hashed, except that a
/// download of a blob without an MD5 is simply a copy (hashing it would read it all anyway).
Verdict Compare(const SyncEntry& source, const SyncEntry& destination, CompareMode mode,
                Direction direction);

/// Merges two streams in NameLess order: calls `visit` once per path with the entry of each
/// side that has it (null for the other), in increasing order, until the ends or until `visit`
/// returns false. Memory holds one entry of each side. Throws core::Error (kInternal,
/// "listing_failed") when a side is not in strictly increasing order (a merge of misordered
/// listings would take files for missing ones), and what the streams throw.
void MergeListings(
    EntryStream& source, EntryStream& destination,
    const std::function<bool(const SyncEntry* source, const SyncEntry* destination)>& visit);

/// What the delete guards look at once both sides are enumerated.
struct DeleteCheck {
    bool listing_incomplete = false;          ///< a side's enumeration had an error
    std::uint64_t source_entries = 0;         ///< entries the source side listed
    std::uint64_t deletes = 0;                ///< extraneous destination entries found
    std::optional<std::uint64_t> max_delete;  ///< the job's limit, if any
};

/// Why the deletes of `check` must not happen, or none when they may (or there are none): an
/// incomplete listing (kFailedPrecondition, "listing_failed"), an empty source
/// ("source_empty": the first sync against the wrong or an unmounted folder must not wipe the
/// destination), more deletes than max_delete ("too_many_deletes"). Deletes are all or none.
std::optional<core::Error> RefuseDeletes(const DeleteCheck& check);

/// One action of a plan.
struct PlanAction {
    std::string op;          ///< "copy", "delete", "hash" (compared after a download), "fail"
    std::string path;        ///< relative path
    std::uint64_t size = 0;  ///< bytes (the source's; the destination's for a delete)
};

/// What a run would do (API.md's plan): nothing is changed to make it.
struct SyncPlan {
    std::uint64_t copy = 0;    ///< source entries a run would transfer
    std::uint64_t skip = 0;    ///< source entries already up to date
    std::uint64_t remove = 0;  ///< destination entries a run would delete ("delete" in JSON)
    std::uint64_t bytes = 0;   ///< bytes the copies would transfer
    /// Blobs without a Content-MD5 that `md5` compare must download to hash (also counted in
    /// `copy` for a download, whose copy is that download); the others are decided at run time.
    std::uint64_t hash_by_download = 0;
    std::uint64_t failed = 0;  ///< source entries a run could not sync (e.g. a blob name that
                               ///< cannot be a local path)
    std::vector<PlanAction> actions;  ///< the first actions, in path order
    /// Why a run would delete nothing and fail (see RefuseDeletes), when it would.
    std::optional<core::Error> deletes_refused;
};

}  // namespace cerulean::sync
