#include "cli/size_parser.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace cerulean::cli {
namespace {

core::Error Bad(std::string_view text) {
    return {core::ErrorCode::kInvalidArgument,
            "invalid size '" + std::string(text) + "' (expected e.g. 8MiB, 8M or 8388608)",
            "invalid_size"};
}

}  // namespace

std::uint64_t ParseSize(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0)) ++i;
    std::size_t digits_end = i;
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0)) ++i;
    }
    if (digits_end == 0 || i == digits_end + 1) throw Bad(text);
    const std::string number(text.substr(0, i));
    std::string unit;
    for (char c : text.substr(i))
        unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

    static const std::array<std::pair<char, int>, 5> kShifts{
        {{'b', 0}, {'k', 10}, {'m', 20}, {'g', 30}, {'t', 40}}};
    int shift = -1;
    if (unit.empty()) {
        shift = 0;
    } else {
        for (const auto& [letter, bits] : kShifts) {
            if (unit[0] != letter) continue;
            const std::string_view rest = std::string_view(unit).substr(1);
            if (rest.empty() || (letter != 'b' && (rest == "b" || rest == "ib"))) shift = bits;
        }
    }
    if (shift < 0) throw Bad(text);
    if (number.size() > 15) throw Bad(text);
    const long double value = std::stold(number) * std::pow(2.0L, shift);
    if (value < 1 || value > 1e18L || (shift == 0 && number.find('.') != std::string::npos)) {
        throw Bad(text);
    }
    return static_cast<std::uint64_t>(std::llround(value));
}

}  // namespace cerulean::cli
