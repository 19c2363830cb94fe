#include "sync/local_path.hpp"

#include <sys/stat.h>

#include <system_error>
#include <vector>

#include "core/error.hpp"

namespace cerulean::sync {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTemporarySuffix = ".cerulean-partial";

core::Error Refused(std::string_view local_path, std::string_view why) {
    return {core::ErrorCode::kInvalidArgument,
            "local path '" + std::string(local_path) + "' " + std::string(why),
            "invalid_local_path"};
}

}  // namespace

bool IsInside(const fs::path& path, const fs::path& root) {
    const std::string& r = root.native();
    const std::string& p = path.native();
    if (r == "/") return true;
    return p == r || (p.size() > r.size() && p.compare(0, r.size(), r) == 0 && p[r.size()] == '/');
}

std::string SafeRelativePath(std::string_view blob_name) {
    if (blob_name.empty() || blob_name.front() == '/') return {};
    std::string_view rest = blob_name;
    while (true) {
        const std::size_t slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        if (segment.empty() || segment == "." || segment == ".." ||
            segment.find('\0') != std::string_view::npos) {
            return {};
        }
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return std::string(blob_name);
}

std::string ValidateLocalPath(const fs::path& sync_root, std::string_view local_path) {
    if (local_path.find('\0') != std::string_view::npos) {
        throw Refused("(with a NUL byte)", "is not a valid path");
    }
    if (!local_path.empty() && local_path.front() == '/') {
        throw Refused(local_path, "must be relative to the sync root");
    }
    std::vector<std::string_view> segments;
    for (std::string_view rest = local_path; !rest.empty();) {
        const std::size_t slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        if (segment.empty() || segment == ".") continue;
        if (segment == "..") throw Refused(local_path, "must not contain '..'");
        segments.push_back(segment);
    }
    std::string normalized;
    for (const std::string_view segment : segments) {
        if (!normalized.empty()) normalized += '/';
        normalized += segment;
    }

    std::error_code ec;
    const fs::path root = fs::canonical(sync_root, ec);
    if (ec) return normalized;  // no root yet: nothing below it exists to lead elsewhere
    // Each existing part must be a folder, and a symlink must lead to one inside the root.
    fs::path at = root;
    for (const std::string_view segment : segments) {
        at /= std::string(segment);
        struct stat info {};
        if (::lstat(at.c_str(), &info) != 0) break;  // the rest does not exist yet
        if (S_ISLNK(info.st_mode)) {
            const fs::path target = fs::canonical(at, ec);
            if (ec || !IsInside(target, root)) {
                throw Refused(local_path, "leads outside the sync root through a symlink");
            }
            if (!fs::is_directory(target, ec)) throw Refused(local_path, "is not a folder");
        } else if (!S_ISDIR(info.st_mode)) {
            throw Refused(local_path, "is not a folder");
        }
    }
    return normalized;
}

std::string TemporaryNameFor(std::string_view name) {
    // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on "." + std::string.
    std::string temporary;
    temporary.reserve(1 + name.size() + kTemporarySuffix.size());
    temporary += '.';
    temporary += name;
    temporary += kTemporarySuffix;
    return temporary;
}

std::string RecordNameFor(std::string_view temporary) {
    std::string record(temporary);
    record += ".json";
    return record;
}

std::string_view NameOfTemporary(std::string_view temporary) {
    if (temporary.size() <= kTemporarySuffix.size() + 1 || temporary.front() != '.' ||
        !temporary.ends_with(kTemporarySuffix)) {
        return {};
    }
    return temporary.substr(1, temporary.size() - 1 - kTemporarySuffix.size());
}

bool IsTemporaryName(std::string_view name) {
    if (name.size() < 2 || name.front() != '.') return false;
    for (const std::string_view tail : {".json", ".json.tmp"}) {
        if (name.ends_with(tail)) {
            name.remove_suffix(tail.size());
            break;
        }
    }
    return name.size() > kTemporarySuffix.size() + 1 && name.ends_with(kTemporarySuffix);
}

std::uint64_t RemoveTemporaryFiles(const std::filesystem::path& sync_root,
                                   std::string_view local_path) {
    namespace fs = std::filesystem;
    const fs::path folder = sync_root / ValidateLocalPath(sync_root, local_path);
    std::error_code ec;
    if (!fs::is_directory(fs::symlink_status(folder, ec))) return 0;
    std::uint64_t removed = 0;
    // The default options never follow a symlink to a folder; symlinks themselves are skipped.
    for (auto it = fs::recursive_directory_iterator(folder, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
        if (!IsTemporaryName(it->path().filename().string())) continue;
        if (fs::remove(it->path(), ec)) ++removed;
    }
    return removed;
}

}  // namespace cerulean::sync
