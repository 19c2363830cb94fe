#pragma once

#include <cstdint>
#include <string_view>

namespace cerulean::cli {

/// Parses a size such as "8MiB", "8M", "8mb", "512k", "1.5G" or "8388608" (bytes). Units are
/// powers of 1024 whatever their spelling (B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB), as rclone
/// reads them. Throws core::Error (kInvalidArgument) for anything else, zero included.
std::uint64_t ParseSize(std::string_view text);

}  // namespace cerulean::cli
