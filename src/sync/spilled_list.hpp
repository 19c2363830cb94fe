#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cerulean::sync {

/// A list of (path, size) items that holds the first `in_memory` in memory and writes the rest
/// to an anonymous temporary file, so that memory stays bounded however long it grows (the
/// deletes of a run wait here until the copies are done). Not thread-safe.
class SpilledList {
 public:
    /// A list that keeps up to `in_memory` items in memory.
    explicit SpilledList(std::size_t in_memory = 10'000) : in_memory_(in_memory) {}

    /// Appends an item. Throws core::Error (kInternal, "local_file") when the temporary file
    /// cannot be written.
    void Add(std::string_view path, std::uint64_t size);
    /// Items added.
    [[nodiscard]] std::uint64_t size() const noexcept { return count_; }
    /// Calls `visit` with each item in the order added, until it returns false. Throws
    /// core::Error when the temporary file cannot be read back.
    void ForEach(const std::function<bool(const std::string& path, std::uint64_t size)>& visit);

 private:
    struct FileCloser {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };
    std::size_t in_memory_;
    std::uint64_t count_ = 0;
    std::vector<std::pair<std::string, std::uint64_t>> items_;
    std::unique_ptr<std::FILE, FileCloser> spill_;
};

}  // namespace cerulean::sync
