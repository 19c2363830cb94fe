#include "sync/local_folder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "core/error.hpp"
#include "sync/local_path.hpp"

namespace cerulean::sync {
namespace {

namespace fs = std::filesystem;
using core::Error;
using core::ErrorCode;

constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

Error SystemError(std::string_view what, std::string_view path, int error) {
    const ErrorCode code = error == ENOENT ? ErrorCode::kNotFound : ErrorCode::kInternal;
    return core::LocalFileError(
        code, std::string(what) + " '" + std::string(path) + "': " + std::strerror(error), error);
}

Error ThroughSymlink(std::string_view path) {
    return {ErrorCode::kInvalidArgument,
            "'" + std::string(path) + "' goes through a symlink, which sync does not follow",
            "invalid_local_path"};
}

std::vector<std::string> Segments(std::string_view relative) {
    std::vector<std::string> segments;
    while (!relative.empty()) {
        const std::size_t slash = relative.find('/');
        const std::string_view segment = relative.substr(0, slash);
        if (segment.empty() || segment == "." || segment == "..") {
            throw Error(ErrorCode::kInvalidArgument,
                        "'" + std::string(relative) + "' is not a relative path",
                        "invalid_local_path");
        }
        segments.emplace_back(segment);
        if (slash == std::string_view::npos) break;
        relative.remove_prefix(slash + 1);
    }
    return segments;
}

// "a/b/c" -> {"a/b", "c"}.
std::pair<std::string_view, std::string_view> SplitLast(std::string_view relative) {
    const std::size_t slash = relative.rfind('/');
    if (slash == std::string_view::npos) return {{}, relative};
    return {relative.substr(0, slash), relative.substr(slash + 1)};
}

// The error for an openat of `name` in `dir` that failed with `error`: a symlink is refused,
// whatever errno O_NOFOLLOW gave (ELOOP, or ENOTDIR with O_DIRECTORY).
Error OpenError(int dir, const std::string& name, std::string_view path, int error) {
    struct stat info {};
    if (error == ELOOP ||
        (::fstatat(dir, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(info.st_mode))) {
        return ThroughSymlink(path);
    }
    if (error == ENOTDIR) {
        return {ErrorCode::kFailedPrecondition,
                "'" + std::string(path) + "' goes through something that is not a folder",
                "local_file"};
    }
    return SystemError("cannot open", path, error);
}

// The real path of an open descriptor, as the kernel knows it.
fs::path RealPathOf(int fd) {
    std::array<char, 4096> buffer{};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), buffer.data(), buffer.size() - 1);
    if (n < 0) return {};
    return {std::string(buffer.data(), static_cast<std::size_t>(n))};
}

}  // namespace

UniqueFd::~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

std::optional<LocalFolder> LocalFolder::Open(const fs::path& root, std::string_view path,
                                             bool create) {
    const std::string normalized = ValidateLocalPath(root, path);
    std::error_code ec;
    if (!fs::exists(root, ec)) {
        if (!create) return std::nullopt;
        fs::create_directories(root, ec);
        if (ec) throw SystemError("cannot create the sync root", root.string(), ec.value());
    }
    const fs::path real_root = fs::canonical(root, ec);
    if (ec) throw SystemError("cannot resolve the sync root", root.string(), ec.value());
    UniqueFd current(::open(real_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (current.get() < 0) throw SystemError("cannot open", root.string(), errno);
    for (const std::string& segment : Segments(normalized)) {
        // Symlinks that ValidateLocalPath let through are followed here; where they lead is
        // checked on what was opened, below.
        int next = ::openat(current.get(), segment.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (next < 0 && errno == ENOENT) {
            if (!create) return std::nullopt;
            if (::mkdirat(current.get(), segment.c_str(), 0755) != 0 && errno != EEXIST) {
                throw SystemError("cannot create", normalized, errno);
            }
            next = ::openat(current.get(), segment.c_str(), kDirectoryFlags);
        }
        if (next < 0) throw OpenError(current.get(), segment, normalized, errno);
        current = UniqueFd(next);
    }
    if (!IsInside(RealPathOf(current.get()), real_root)) {
        throw Error(ErrorCode::kInvalidArgument,
                    "local path '" + normalized + "' leads outside the sync root",
                    "invalid_local_path");
    }
    return LocalFolder(std::move(current));
}

UniqueFd LocalFolder::OpenDirectory(std::string_view relative, bool create) const {
    // A new open file description (not a dup): its own position for a directory read.
    UniqueFd current(::openat(fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (current.get() < 0) throw SystemError("cannot open", relative, errno);
    for (const std::string& segment : Segments(relative)) {
        int next = ::openat(current.get(), segment.c_str(), kDirectoryFlags);
        if (next < 0 && errno == ENOENT && create) {
            if (::mkdirat(current.get(), segment.c_str(), 0755) != 0 && errno != EEXIST) {
                throw SystemError("cannot create", relative, errno);
            }
            next = ::openat(current.get(), segment.c_str(), kDirectoryFlags);
        }
        if (next < 0) throw OpenError(current.get(), segment, relative, errno);
        current = UniqueFd(next);
    }
    return current;
}

UniqueFd LocalFolder::OpenFile(std::string_view relative) const {
    const auto [parent, name] = SplitLast(relative);
    const UniqueFd dir = OpenDirectory(parent, false);
    const std::string base(name);
    const int fd = ::openat(dir.get(), base.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw OpenError(dir.get(), base, relative, errno);
    return UniqueFd(fd);
}

void LocalFolder::RemoveFile(std::string_view relative) const {
    const auto [parent, name] = SplitLast(relative);
    UniqueFd dir;
    try {
        dir = OpenDirectory(parent, false);
    } catch (const Error& e) {
        if (e.code() == ErrorCode::kNotFound) return;  // gone already
        throw;
    }
    const std::string base(name);
    if (::unlinkat(dir.get(), base.c_str(), 0) != 0 && errno != ENOENT) {
        throw SystemError("cannot remove", relative, errno);
    }
    // The folders this emptied, deepest first; the first that is not empty ends it.
    std::vector<std::string> segments = Segments(parent);
    while (!segments.empty()) {
        const std::string last = segments.back();
        segments.pop_back();
        std::string above;
        for (const std::string& segment : segments) above += (above.empty() ? "" : "/") + segment;
        try {
            const UniqueFd holder = OpenDirectory(above, false);
            if (::unlinkat(holder.get(), last.c_str(), AT_REMOVEDIR) != 0) return;
        } catch (const Error&) {
            return;
        }
    }
}

TemporaryFile::TemporaryFile(UniqueFd dir, std::string name, Leftover leftover)
    : dir_(std::move(dir)), name_(std::move(name)), temporary_(TemporaryNameFor(name_)) {
    const int truncate = leftover == Leftover::kEmpty ? O_TRUNC : 0;
    const int fd = ::openat(dir_.get(), temporary_.c_str(),
                            O_RDWR | O_CREAT | truncate | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) throw OpenError(dir_.get(), temporary_, temporary_, errno);
    file_ = UniqueFd(fd);
}

TemporaryFile::~TemporaryFile() {
    if (!committed_ && !kept_) ::unlinkat(dir_.get(), temporary_.c_str(), 0);
}

std::int64_t TemporaryFile::size() const {
    struct stat info {};
    if (file_.get() < 0 || ::fstat(file_.get(), &info) != 0) return -1;
    return info.st_size;
}

void TemporaryFile::SetModified(core::UnixMillis mtime) const {
    std::int64_t seconds = mtime / 1000;
    std::int64_t millis = mtime % 1000;
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    const timespec at{static_cast<time_t>(seconds), static_cast<long>(millis * 1'000'000)};
    const std::array<timespec, 2> times{at, at};
    if (::utimensat(dir_.get(), temporary_.c_str(), times.data(), AT_SYMLINK_NOFOLLOW) != 0) {
        throw SystemError("cannot set the time of", temporary_, errno);
    }
}

void TemporaryFile::Commit() {
    if (::renameat(dir_.get(), temporary_.c_str(), dir_.get(), name_.c_str()) != 0) {
        throw SystemError("cannot rename a download into place as", name_, errno);
    }
    committed_ = true;
    // The rename itself must survive a crash too.
    ::fsync(dir_.get());
}

}  // namespace cerulean::sync
