#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace cerulean::testing {

/// The whole content of a file ("" when it cannot be read).
std::string ReadFile(const std::filesystem::path& path);

/// Writes `bytes` as the whole content of `path`, creating its folders.
void WriteFile(const std::filesystem::path& path, std::string_view bytes);

/// `size` deterministic pseudo-random bytes (a linear congruential stream from `seed`): test
/// data that compresses badly and differs with the seed.
std::string PatternBytes(std::size_t size, unsigned seed);

}  // namespace cerulean::testing
