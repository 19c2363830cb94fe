#pragma once

#include <filesystem>
#include <string_view>

namespace cerulean::testing {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
    /// Creates the directory with mkdtemp; `prefix` starts its name. Throws std::runtime_error.
    explicit TempDir(std::string_view prefix = "cerulean-test-");
    /// Removes the directory recursively; errors are ignored.
    ~TempDir();

    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    /// The absolute path of the directory.
    const std::filesystem::path& path() const { return path_; }

 private:
    std::filesystem::path path_;
};

}  // namespace cerulean::testing
