#pragma once

// Helpers shared by the fuzz targets: invariant checks that crash (so that libFuzzer keeps the
// input), and the splitting of one input into the fields a target needs.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

/// Crashes with `what` when `condition` does not hold: libFuzzer saves the input as a crash.
#define FUZZ_CHECK(condition, what)                                                           \
    do {                                                                                      \
        if (!(condition)) {                                                                   \
            std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                         #condition, std::string(what).c_str());                              \
            std::abort();                                                                     \
        }                                                                                     \
    } while (false)

namespace cerulean::fuzz {

/// The input as text (any bytes, NUL included).
inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// Splits `text` on `separator` into at most `count` fields (the last takes the rest), padding
/// with empty fields: seeds stay readable text, one field per line.
inline std::vector<std::string_view> Fields(std::string_view text, std::size_t count,
                                            char separator = '\n') {
    std::vector<std::string_view> fields;
    while (fields.size() + 1 < count) {
        const auto at = text.find(separator);
        if (at == std::string_view::npos) break;
        fields.push_back(text.substr(0, at));
        text.remove_prefix(at + 1);
    }
    fields.push_back(text);
    while (fields.size() < count) fields.emplace_back();
    return fields;
}

/// Whether `haystack` holds `needle`.
inline bool Contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

/// Whether `text` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
/// Written apart from the parsers' own checks on purpose: an oracle sharing their code could not
/// catch their mistakes.
inline bool IsValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0U) == 0xC0U) {
            extra = 1;
            cp = c & 0x1FU;
        } else if ((c & 0xF0U) == 0xE0U) {
            extra = 2;
            cp = c & 0x0FU;
        } else if ((c & 0xF8U) == 0xF0U) {
            extra = 3;
            cp = c & 0x07U;
        } else {
            return false;
        }
        if (text.size() - i <= extra) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto d = static_cast<unsigned char>(text[i + k]);
            if ((d & 0xC0U) != 0x80U) return false;
            cp = (cp << 6U) | (d & 0x3FU);
        }
        constexpr std::uint32_t kLeast[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kLeast[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

}  // namespace cerulean::fuzz
