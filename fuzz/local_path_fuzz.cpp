// Local paths of sync jobs: a job's folder under the sync root (ValidateLocalPath, from the API
// and again when a run starts), blob names mapped to files under it (SafeRelativePath), the
// names of a download's temporary file and resume record, and the record itself
// (ParseRangeRecord, read back from disk).
//
// Input: line 1 a job's local path, line 2 a blob name; the whole input is also a resume record.
// The sync root is a folder made once with folders, a file, and symlinks inside, outside, to a
// file, dangling and in a loop.
//
// Invariants: only core::Error (kInvalidArgument, "invalid_local_path") escapes, never naming
// the root (unless the path does); an accepted path is normalized (relative, no empty, "." or ".."
// segment), validates to itself, and resolves (its existing part through symlinks) inside the root
// through folders only; a safe relative path is the name itself and stays under the root lexically;
// temporary names map back to their name; a record formats to text that parses to the same record.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "fuzz_support.hpp"
#include "sync/local_path.hpp"
#include "sync/range_record.hpp"

namespace {

using namespace cerulean;
namespace fs = std::filesystem;

struct Root {
    fs::path base;  // holds the root and a folder outside it
    fs::path root;  // canonical

    Root() {
        std::string pattern = (fs::temp_directory_path() / "cerulean-fuzz-XXXXXX").string();
        FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, pattern);
        base = fs::canonical(pattern);
        root = base / "root";
        fs::create_directories(root / "a" / "b");
        fs::create_directories(base / "outside" / "x");
        std::ofstream(root / "f") << "file";
        fs::create_directory_symlink("a", root / "in");
        fs::create_directory_symlink(root / "a" / "b", root / "abs_in");
        fs::create_directory_symlink(base / "outside", root / "out");
        fs::create_directory_symlink("..", root / "a" / "up");
        fs::create_directory_symlink("../..", root / "a" / "upup");
        fs::create_symlink("f", root / "tofile");
        fs::create_symlink("missing", root / "dangling");
        fs::create_symlink("loop", root / "loop");
    }
    ~Root() {
        std::error_code ec;
        fs::remove_all(base, ec);
    }
};

const Root& TheRoot() {
    static const Root root;
    return root;
}

void CheckLocalPath(std::string_view local_path) {
    const fs::path& root = TheRoot().root;
    std::string normalized;
    try {
        normalized = sync::ValidateLocalPath(root, local_path);
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, e.what());
        FUZZ_CHECK(e.reason() == "invalid_local_path", e.what());
        // The message names the path given, never the root (unless the path holds it).
        if (!fuzz::Contains(local_path, TheRoot().base.string())) {
            FUZZ_CHECK(!fuzz::Contains(e.what(), TheRoot().base.string()), e.what());
        }
        return;
    }
    FUZZ_CHECK(normalized.find('\0') == std::string::npos, normalized);
    FUZZ_CHECK(normalized.empty() || (normalized.front() != '/' && normalized.back() != '/'),
               normalized);
    for (const auto& segment : fs::path(normalized)) {
        FUZZ_CHECK(segment != "." && segment != ".." && !segment.empty(), normalized);
    }
    FUZZ_CHECK(normalized.find("//") == std::string::npos, normalized);
    FUZZ_CHECK(sync::ValidateLocalPath(root, normalized) == normalized, normalized);
    // Every existing part is a folder inside the root, symlinks followed.
    fs::path at = root;
    for (const auto& segment : fs::path(normalized)) {
        at /= segment;
        std::error_code ec;
        if (!fs::exists(fs::symlink_status(at, ec))) break;
        const fs::path real = fs::canonical(at, ec);
        FUZZ_CHECK(!ec, at.string());
        FUZZ_CHECK(sync::IsInside(real, root), at.string());
        FUZZ_CHECK(fs::is_directory(real, ec), at.string());
    }
}

void CheckBlobName(std::string_view name) {
    const std::string safe = sync::SafeRelativePath(name);
    if (!safe.empty()) {
        FUZZ_CHECK(safe == name, safe);
        const fs::path under = (TheRoot().root / safe).lexically_normal();
        FUZZ_CHECK(sync::IsInside(under, TheRoot().root) && under != TheRoot().root, safe);
    }
    if (name.empty()) return;
    const std::string temporary = sync::TemporaryNameFor(name);
    FUZZ_CHECK(sync::NameOfTemporary(temporary) == name, temporary);
    FUZZ_CHECK(sync::IsTemporaryName(temporary), temporary);
    FUZZ_CHECK(sync::IsTemporaryName(sync::RecordNameFor(temporary)), temporary);
    FUZZ_CHECK(sync::NameOfTemporary(sync::RecordNameFor(temporary)).empty(), temporary);
}

void CheckRecord(std::string_view text) {
    const auto record = sync::ParseRangeRecord(text);
    if (!record) return;
    FUZZ_CHECK(!record->etag.empty(), "a record without an ETag");
    std::uint64_t previous_end = 0;
    for (const auto& range : record->ranges.ranges()) {
        FUZZ_CHECK(range.first < range.end && range.end <= record->size, "a range past the size");
        FUZZ_CHECK(range.first >= previous_end, "ranges out of order");
        previous_end = range.end;
    }
    const auto again = sync::ParseRangeRecord(sync::FormatRangeRecord(*record));
    FUZZ_CHECK(again.has_value(), sync::FormatRangeRecord(*record));
    FUZZ_CHECK(again->url == record->url && again->etag == record->etag &&
                   again->size == record->size && again->ranges.ranges() == record->ranges.ranges(),
               sync::FormatRangeRecord(*record));
    const auto missing = record->ranges.Missing(record->size);
    std::uint64_t lacking = 0;
    for (const auto& range : missing) lacking += range.end - range.first;
    FUZZ_CHECK(lacking + record->ranges.bytes() == record->size, "missing + present != size");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::AsText(data, size);
    const auto f = fuzz::Fields(text, 3);
    CheckLocalPath(f[0]);
    CheckBlobName(f[1]);
    CheckRecord(text);
    return 0;
}
