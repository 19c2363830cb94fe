#include "http/headers.hpp"

#include <algorithm>

namespace cerulean::http {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lx = static_cast<char>(x >= 'A' && x <= 'Z' ? x + 32 : x);
               const auto ly = static_cast<char>(y >= 'A' && y <= 'Z' ? y + 32 : y);
               return lx == ly;
           });
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
    for (const auto& [key, value] : fields_) {
        if (EqualsIgnoreCase(key, name)) return std::string_view(value);
    }
    return std::nullopt;
}

void Headers::Set(std::string_view name, std::string_view value) {
    Remove(name);
    Add(name, value);
}

void Headers::Add(std::string_view name, std::string_view value) {
    // Room for a usual request's or response's fields at once, instead of growing 1, 2, 4, 8.
    if (fields_.capacity() == 0) fields_.reserve(8);
    fields_.emplace_back(std::string(name), std::string(value));
}

void Headers::Remove(std::string_view name) {
    std::erase_if(fields_, [&](const auto& field) { return EqualsIgnoreCase(field.first, name); });
}

}  // namespace cerulean::http
