#include "support/files.hpp"

#include <cstdint>
#include <fstream>
#include <iterator>

namespace cerulean::testing {

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteFile(const std::filesystem::path& path, std::string_view bytes) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string PatternBytes(std::size_t size, unsigned seed) {
    std::string bytes(size, '\0');
    std::uint32_t x = seed * 2654435761U + 1;
    for (std::size_t i = 0; i < size; ++i) {
        x = x * 1664525U + 1013904223U;
        bytes[i] = static_cast<char>(x >> 24U);
    }
    return bytes;
}

}  // namespace cerulean::testing
