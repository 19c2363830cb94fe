#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cerulean::http {

/// An ordered list of HTTP header fields with case-insensitive names.
class Headers {
 public:
    /// The first value of `name`, if present.
    [[nodiscard]] std::optional<std::string_view> Get(std::string_view name) const;
    /// True when `name` is present.
    [[nodiscard]] bool Has(std::string_view name) const { return Get(name).has_value(); }
    /// Replaces every value of `name` with one value.
    void Set(std::string_view name, std::string_view value);
    /// Adds a value of `name`, keeping the existing ones.
    void Add(std::string_view name, std::string_view value);
    /// Removes every value of `name`.
    void Remove(std::string_view name);
    /// All fields in order.
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& fields() const {
        return fields_;
    }

 private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

/// Case-insensitive ASCII comparison of header names and tokens.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;

}  // namespace cerulean::http
