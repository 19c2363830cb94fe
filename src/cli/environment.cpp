#include "cli/environment.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"

extern char** environ;  // NOLINT: POSIX

namespace cerulean::cli {
namespace {

std::string_view Trim(std::string_view s) {
    const auto begin = s.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) return {};
    const auto end = s.find_last_not_of(" \t\r");
    return s.substr(begin, end - begin + 1);
}

bool IsName(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (const char c : name) {
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_')) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::map<std::string, std::string, std::less<>> ParseDotenv(std::string_view text,
                                                            std::string_view source) {
    std::map<std::string, std::string, std::less<>> values;
    int line_number = 0;
    auto fail = [&](std::string_view why) {
        return core::Error(
            core::ErrorCode::kConfiguration,
            std::string(source) + ":" + std::to_string(line_number) + ": " + std::string(why));
    };
    while (!text.empty()) {
        ++line_number;
        const auto newline = text.find('\n');
        std::string_view line = Trim(text.substr(0, newline));
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        if (line.empty() || line.front() == '#') continue;
        if (line.starts_with("export ")) line = Trim(line.substr(7));
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) throw fail("expected NAME=VALUE");
        const std::string_view name = Trim(line.substr(0, eq));
        if (!IsName(name)) throw fail("invalid variable name");
        std::string_view raw = Trim(line.substr(eq + 1));
        std::string value;
        if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
            const char quote = raw.front();
            std::size_t i = 1;
            bool closed = false;
            for (; i < raw.size(); ++i) {
                const char c = raw[i];
                if (c == quote) {
                    closed = true;
                    break;
                }
                if (quote == '"' && c == '\\' && i + 1 < raw.size()) {
                    const char next = raw[++i];
                    value.push_back(next == 'n' ? '\n' : next);
                    continue;
                }
                value.push_back(c);
            }
            if (!closed) throw fail("unterminated quoted value");
            const std::string_view rest = Trim(raw.substr(i + 1));
            if (!rest.empty() && rest.front() != '#') throw fail("text after a quoted value");
        } else {
            // Unquoted: a ` #` starts a comment.
            const auto comment = raw.find(" #");
            value = std::string(Trim(raw.substr(0, comment)));
        }
        values[std::string(name)] = std::move(value);
    }
    return values;
}

Environment Environment::FromProcess(const std::filesystem::path& dotenv) {
    std::map<std::string, std::string, std::less<>> values;
    std::ifstream in(dotenv);
    if (in) {
        std::stringstream buffer;
        buffer << in.rdbuf();
        values = ParseDotenv(buffer.str(), dotenv.string());
    }
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view pair(*entry);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        values[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    }
    return Environment(std::move(values));
}

std::optional<std::string> Environment::Get(std::string_view name) const {
    const auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) return std::nullopt;
    return it->second;
}

}  // namespace cerulean::cli
