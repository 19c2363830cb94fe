#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cerulean::cli {

/// Settings as text, from the process environment over an optional `.env` file: a variable
/// set in the environment wins over the same one in the file.
class Environment {
 public:
    /// The variables of this process, over those of `dotenv` if that file exists. Throws
    /// core::Error (kConfiguration) naming the line of a malformed file.
    static Environment FromProcess(const std::filesystem::path& dotenv = ".env");

    /// Variables given directly (tests).
    explicit Environment(std::map<std::string, std::string, std::less<>> values = {})
        : values_(std::move(values)) {}

    /// The value of `name`, if set (an empty value counts as unset).
    [[nodiscard]] std::optional<std::string> Get(std::string_view name) const;

 private:
    std::map<std::string, std::string, std::less<>> values_;
};

/// Parses `.env` text: `KEY=VALUE` lines, `#` comments, optional `export `, values optionally in
/// single quotes (literal) or double quotes (with \n, \" and \\ escapes). Throws core::Error
/// (kConfiguration) naming the first malformed line (never its value).
std::map<std::string, std::string, std::less<>> ParseDotenv(std::string_view text,
                                                            std::string_view source);

}  // namespace cerulean::cli
