#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/clock.hpp"

namespace cerulean::sync {

/// A file descriptor, closed on destruction.
class UniqueFd {
 public:
    /// No descriptor.
    UniqueFd() = default;
    /// Owns `fd` (-1: none).
    explicit UniqueFd(int fd) : fd_(fd) {}
    /// Closes the descriptor.
    ~UniqueFd();
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    /// Takes over `other`'s descriptor.
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    /// Closes this descriptor and takes over `other`'s.
    UniqueFd& operator=(UniqueFd&& other) noexcept;

    /// The descriptor, or -1.
    [[nodiscard]] int get() const noexcept { return fd_; }
    /// Gives the descriptor up without closing it.
    int release() noexcept { return std::exchange(fd_, -1); }

 private:
    int fd_ = -1;
};

/// The local folder of a sync, opened once and confined. The folder itself is found from the
/// sync root as ValidateLocalPath allows (symlinks that stay inside the root are followed), and
/// the real path of what was opened is checked to be inside the root, so that a symlink swapped
/// in meanwhile is caught. Below it, every path is resolved one segment at a time with
/// O_NOFOLLOW: a symlink anywhere under the folder is never followed, so one planted during a
/// run (or since the job was created) is refused (core::Error kInvalidArgument,
/// "invalid_local_path") when a file is opened through it. Thread-safe (const operations on a
/// folder descriptor).
class LocalFolder {
 public:
    /// Opens `path` (see ValidateLocalPath) below `root`. When it does not exist: created (and
    /// the root too) when `create`, else none. Throws core::Error ("invalid_local_path") when
    /// the path is refused, (kInternal, "local_file") when it cannot be opened.
    static std::optional<LocalFolder> Open(const std::filesystem::path& root, std::string_view path,
                                           bool create);

    /// The folder's descriptor.
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }

    /// Opens the folder `relative` ('/'-separated, "" for this folder) below this one without
    /// following any symlink; with `create`, missing folders are made. Throws core::Error:
    /// ("invalid_local_path") through a symlink, (kFailedPrecondition, "local_file") through
    /// something that is not a folder, (kNotFound, "local_file") when missing.
    [[nodiscard]] UniqueFd OpenDirectory(std::string_view relative, bool create) const;
    /// Opens the file `relative` for reading without following any symlink. Throws as
    /// OpenDirectory does.
    [[nodiscard]] UniqueFd OpenFile(std::string_view relative) const;
    /// Removes the file `relative`, then the folders above it that this left empty (never this
    /// folder itself). A file already gone is no error. Throws as OpenDirectory does.
    void RemoveFile(std::string_view relative) const;

 private:
    explicit LocalFolder(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

/// A download's file, written under its temporary name (TemporaryNameFor) next to its final
/// one and renamed into place by Commit; removed on destruction unless committed or kept, so
/// that a failed or cancelled download leaves nothing behind (a crash leaves only the temporary
/// name, which the next run removes) but what a resumable download chose to Keep.
class TemporaryFile {
 public:
    /// What becomes of the bytes of a leftover temporary file.
    enum class Leftover {
        kEmpty,  ///< emptied: the download starts afresh
        kKeep,   ///< kept: the download continues it
    };
    /// Creates TemporaryNameFor(`name`) in the folder `dir`, or opens a leftover (emptied or
    /// kept as `leftover` says), never through a symlink. Throws core::Error ("local_file", or
    /// "invalid_local_path" when the temporary name is a symlink).
    TemporaryFile(UniqueFd dir, std::string name, Leftover leftover = Leftover::kEmpty);
    /// Removes the temporary file unless committed or kept.
    ~TemporaryFile();
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    /// The folder's descriptor (for a record kept beside the file).
    [[nodiscard]] int dir() const noexcept { return dir_.get(); }
    /// The temporary name.
    [[nodiscard]] const std::string& temporary_name() const noexcept { return temporary_; }
    /// The file's size now (-1 when it cannot be told, or the descriptor was handed over).
    [[nodiscard]] std::int64_t size() const;
    /// Hands over the file's descriptor (opened for reading and writing) to a writer.
    [[nodiscard]] int TakeFile() noexcept { return file_.release(); }
    /// Leaves the temporary file where it is on destruction (a download to continue later).
    void Keep() noexcept { kept_ = true; }
    /// Sets the file's modification (and access) time.
    void SetModified(core::UnixMillis mtime) const;
    /// Renames the (complete, synced) file over its final name and flushes the folder. Throws
    /// core::Error ("local_file") when it cannot, e.g. when a folder has that name.
    void Commit();

 private:
    UniqueFd dir_;
    UniqueFd file_;
    std::string name_;
    std::string temporary_;
    bool committed_ = false;
    bool kept_ = false;
};

}  // namespace cerulean::sync
