#include "sync/local_walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "sync/local_path.hpp"

namespace cerulean::sync {
namespace {

core::UnixMillis MillisOf(const struct stat& info) {
    return static_cast<core::UnixMillis>(info.st_mtim.tv_sec) * 1000 +
           info.st_mtim.tv_nsec / 1'000'000;
}

}  // namespace

LocalWalk::LocalWalk(const LocalFolder& folder, bool remove_temporary)
    : folder_(folder), remove_temporary_(remove_temporary) {}

void LocalWalk::Problem(const std::string& path, int error) {
    incomplete_ = true;
    if (first_problem_.empty()) {
        first_problem_ = "cannot read the folder '" + path + "': " + std::strerror(error);
    }
}

std::optional<LocalWalk::Frame> LocalWalk::ReadFolder(UniqueFd fd, std::string prefix) {
    // fdopendir owns the descriptor it is given: give it a duplicate, keep ours for fstatat.
    const int copy = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0);
    DIR* dir = copy < 0 ? nullptr : ::fdopendir(copy);
    if (dir == nullptr) {
        const int error = errno;
        if (copy >= 0) ::close(copy);
        Problem(prefix, error);
        return std::nullopt;
    }
    ::rewinddir(dir);  // a duplicate shares the position: start at the start
    Frame frame{std::move(fd), std::move(prefix), {}, 0};
    std::vector<std::string> temporary;  // sorted out once the whole folder is read
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (name == "." || name == "..") continue;
        unsigned char type = entry->d_type;
        if (type == DT_UNKNOWN) {
            struct stat info {};
            if (::fstatat(frame.fd.get(), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
            type = S_ISDIR(info.st_mode) ? DT_DIR : S_ISLNK(info.st_mode) ? DT_LNK : DT_REG;
        }
        if (type == DT_LNK) {
            ++links_skipped_;
        } else if (type == DT_DIR) {
            frame.names.push_back(std::string(name) + '/');
        } else if (IsTemporaryName(name)) {
            if (remove_temporary_) temporary.emplace_back(name);
        } else {
            frame.names.emplace_back(name);
        }
        errno = 0;
    }
    const int error = errno;
    ::closedir(dir);
    if (error != 0) Problem(frame.prefix, error);
    if (!temporary.empty()) SortOutTemporary(frame, temporary);
    // The service's name order, a folder keyed by its name and '/'.
    std::sort(frame.names.begin(), frame.names.end(),
              [](const std::string& a, const std::string& b) { return NameLess(a, b); });
    return frame;
}

// Removes the temporary files of a folder but a temporary file and its record met together,
// which are kept for a download that continues them (or for the run to remove once it knows
// the path is no longer wanted).
void LocalWalk::SortOutTemporary(const Frame& frame, std::vector<std::string>& names) {
    std::sort(names.begin(), names.end());
    const auto present = [&](const std::string& name) {
        return std::binary_search(names.begin(), names.end(), name);
    };
    for (const std::string& name : names) {
        const std::string_view final_name = NameOfTemporary(name);
        if (!final_name.empty() && present(RecordNameFor(name))) {
            kept_partials_.push_back(frame.prefix + std::string(final_name));
            continue;
        }
        if (name.ends_with(".json") &&
            present(name.substr(0, name.size() - std::string_view(".json").size()))) {
            continue;  // the record of a temporary file kept above
        }
        if (::unlinkat(frame.fd.get(), name.c_str(), 0) == 0) ++temporary_removed_;
    }
}

std::optional<SyncEntry> LocalWalk::Next() {
    if (!started_) {
        started_ = true;
        UniqueFd root;
        try {
            root = folder_.OpenDirectory("", false);
        } catch (const core::Error& e) {
            throw core::Error(core::ErrorCode::kInternal,
                              std::string("cannot read the local folder: ") + e.what(),
                              "listing_failed");
        }
        std::optional<Frame> frame = ReadFolder(std::move(root), "");
        if (!frame) {
            throw core::Error(core::ErrorCode::kInternal, first_problem_, "listing_failed");
        }
        stack_.push_back(std::move(*frame));
    }
    while (!stack_.empty()) {
        Frame& top = stack_.back();
        if (top.next == top.names.size()) {
            stack_.pop_back();
            continue;
        }
        const std::string name = std::move(top.names[top.next++]);
        if (name.back() == '/') {
            const std::string base = name.substr(0, name.size() - 1);
            const int fd = ::openat(top.fd.get(), base.c_str(),
                                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                // Gone or turned into a symlink or a file since it was listed: nothing below it
                // to list. Anything else leaves a hole in the listing.
                if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR) {
                    Problem(top.prefix + base, errno);
                }
                continue;
            }
            std::optional<Frame> frame = ReadFolder(UniqueFd(fd), top.prefix + name);
            if (frame) stack_.push_back(std::move(*frame));
            continue;
        }
        struct stat info {};
        if (::fstatat(top.fd.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) Problem(top.prefix + name, errno);
            continue;
        }
        if (!S_ISREG(info.st_mode)) {
            if (S_ISLNK(info.st_mode)) ++links_skipped_;
            continue;
        }
        SyncEntry entry;
        entry.path = top.prefix + name;
        entry.size = static_cast<std::uint64_t>(info.st_size);
        entry.mtime = MillisOf(info);
        return entry;
    }
    return std::nullopt;
}

}  // namespace cerulean::sync
