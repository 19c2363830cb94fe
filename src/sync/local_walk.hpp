#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sync/local_folder.hpp"
#include "sync/sync_entry.hpp"

namespace cerulean::sync {

/// The regular files below a LocalFolder as an EntryStream, in strictly increasing NameLess
/// order of their relative paths, as List Blobs orders blob names. Each folder's entries are
/// read and sorted when the walk reaches it, a folder keyed by its name and '/', so that
/// "a.txt" ('.' is 0x2E) comes before everything in "a/" ('/' is 0x2F), which comes before
/// "a0": the full paths come out in order, and memory holds the folders on the current path,
/// never the whole tree (but each folder's names, as rclone does). Symlinks are neither
/// followed nor listed (as rclone and AzCopy do by default); nor are other special files, nor
/// downloads' temporary files (IsTemporaryName), which a destination walk removes when asked
/// (they are a dead run's), but for a temporary file with its record beside it: a download
/// may continue those (kept_partials()). A folder that cannot be read is passed over and makes
/// the walk incomplete().
class LocalWalk final : public EntryStream {
 public:
    /// A walk of `folder` (which must outlive it); `remove_temporary` removes the temporary
    /// files it meets, but keeps a temporary file and its record together.
    LocalWalk(const LocalFolder& folder, bool remove_temporary);

    /// The next file. Throws core::Error ("listing_failed") when the folder itself cannot be
    /// read.
    std::optional<SyncEntry> Next() override;
    /// Whether a folder below could not be read.
    [[nodiscard]] bool incomplete() const override { return incomplete_; }
    /// Temporary files removed so far.
    [[nodiscard]] std::uint64_t temporary_removed() const { return temporary_removed_; }
    /// The relative paths whose temporary file was kept with its record (a resumable download
    /// of that path), in the order met.
    [[nodiscard]] const std::vector<std::string>& kept_partials() const { return kept_partials_; }
    /// Symlinks passed over so far.
    [[nodiscard]] std::uint64_t links_skipped() const { return links_skipped_; }
    /// The first folder that could not be read, and why; empty when none.
    [[nodiscard]] const std::string& first_problem() const { return first_problem_; }

 private:
    struct Frame {
        UniqueFd fd;
        std::string prefix;              // relative path of the folder with '/', or ""
        std::vector<std::string> names;  // sorted; folders end with '/'
        std::size_t next = 0;
    };
    std::optional<Frame> ReadFolder(UniqueFd fd, std::string prefix);
    void SortOutTemporary(const Frame& frame, std::vector<std::string>& names);
    void Problem(const std::string& path, int error);

    const LocalFolder& folder_;
    bool remove_temporary_;
    bool started_ = false;
    bool incomplete_ = false;
    std::uint64_t temporary_removed_ = 0;
    std::uint64_t links_skipped_ = 0;
    std::string first_problem_;
    std::vector<std::string> kept_partials_;
    std::vector<Frame> stack_;
};

}  // namespace cerulean::sync
