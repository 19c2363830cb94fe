#include "sync/sync_entry.hpp"

#include <algorithm>

namespace cerulean::sync {
namespace {

// Bytes ranked so that a lexicographic comparison of UTF-8 follows UTF-16 code units: the lead
// bytes of U+10000 and up (0xF0..0xFF) before those of U+E000..U+FFFF (0xEE, 0xEF). A
// permutation of 0..255: every other byte keeps its rank.
constexpr unsigned Rank(unsigned char c) {
    if (c >= 0xF0U) return c - 0xF0U + 0xEEU;
    if (c == 0xEEU || c == 0xEFU) return c + 0x10U;
    return c;
}

}  // namespace

bool NameLess(std::string_view a, std::string_view b) noexcept {
    const auto [at_a, at_b] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    if (at_b == b.end()) return false;  // b is a prefix of a, or equal
    if (at_a == a.end()) return true;   // a is a proper prefix of b
    return Rank(static_cast<unsigned char>(*at_a)) < Rank(static_cast<unsigned char>(*at_b));
}

}  // namespace cerulean::sync
