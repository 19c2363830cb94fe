#include "sync/spilled_list.hpp"

#include <array>

#include "core/error.hpp"

namespace cerulean::sync {
namespace {

core::Error SpillError(std::string_view what) {
    return {core::ErrorCode::kInternal, "cannot " + std::string(what) + " a temporary list",
            "local_file"};
}

void PutNumber(std::FILE* file, std::uint64_t value) {
    std::array<unsigned char, 8> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = (value >> (8 * i)) & 0xFFU;
    if (std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size()) {
        throw SpillError("write");
    }
}

std::uint64_t GetNumber(std::FILE* file) {
    std::array<unsigned char, 8> bytes{};
    if (std::fread(bytes.data(), 1, bytes.size(), file) != bytes.size()) throw SpillError("read");
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) value |= std::uint64_t{bytes[i]} << (8 * i);
    return value;
}

}  // namespace

void SpilledList::Add(std::string_view path, std::uint64_t size) {
    if (items_.size() < in_memory_) {
        items_.emplace_back(path, size);
        ++count_;
        return;
    }
    if (!spill_) {
        spill_.reset(std::tmpfile());  // unlinked already: gone with the process
        if (!spill_) throw SpillError("create");
    }
    // Length-prefixed: a path may hold any byte but NUL, newlines included.
    PutNumber(spill_.get(), path.size());
    if (std::fwrite(path.data(), 1, path.size(), spill_.get()) != path.size()) {
        throw SpillError("write");
    }
    PutNumber(spill_.get(), size);
    ++count_;
}

void SpilledList::ForEach(
    const std::function<bool(const std::string& path, std::uint64_t size)>& visit) {
    for (const auto& [path, size] : items_) {
        if (!visit(path, size)) return;
    }
    if (!spill_) return;
    std::FILE* file = spill_.get();
    if (std::fflush(file) != 0 || std::fseek(file, 0, SEEK_SET) != 0) throw SpillError("read");
    std::string path;
    for (std::uint64_t i = items_.size(); i < count_; ++i) {
        path.resize(GetNumber(file));
        if (std::fread(path.data(), 1, path.size(), file) != path.size()) throw SpillError("read");
        const std::uint64_t size = GetNumber(file);
        if (!visit(path, size)) break;
    }
    std::fseek(file, 0, SEEK_END);
}

}  // namespace cerulean::sync
