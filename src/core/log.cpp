#include "core/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>

#include "core/clock.hpp"
#include "core/redact.hpp"

namespace cerulean::core::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

const char* LevelName(Level level) {
    switch (level) {
        case Level::kDebug:
            return "debug";
        case Level::kInfo:
            return "info";
        case Level::kWarn:
            return "warn";
        case Level::kError:
            return "error";
    }
    return "info";
}

// Field names whose values are secrets whatever they look like.
bool IsSecretKey(std::string_view key) {
    static constexpr std::array<std::string_view, 9> kSecretWords{
        "password",          "secret", "token", "authorization", "account_key", "sas", "credential",
        "connection_string", "sig"};
    std::string lower(key);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::any_of(kSecretWords.begin(), kSecretWords.end(), [&](std::string_view word) {
        return lower.find(word) != std::string::npos;
    });
}

void AppendValue(std::string& out, std::string_view value) {
    const bool needs_quotes =
        value.empty() || value.find_first_of(" \"=\\\t\n\r") != std::string_view::npos;
    if (!needs_quotes) {
        out.append(value);
        return;
    }
    out.push_back('"');
    for (const char c : value) {
        switch (c) {
            case '"':
                out.append("\\\"");
                break;
            case '\\':
                out.append("\\\\");
                break;
            case '\n':
                out.append("\\n");
                break;
            case '\r':
                out.append("\\r");
                break;
            case '\t':
                out.append("\\t");
                break;
            default:
                out.push_back(c);
        }
    }
    out.push_back('"');
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.3f", v);
    value = buf.data();
}

std::optional<Level> ParseLevel(std::string_view text) noexcept {
    if (text == "debug") return Level::kDebug;
    if (text == "info") return Level::kInfo;
    if (text == "warn" || text == "warning") return Level::kWarn;
    if (text == "error") return Level::kError;
    return std::nullopt;
}

void SetLevel(Level level) noexcept {
    g_level.store(static_cast<int>(level));
}

bool Enabled(Level level) noexcept {
    return static_cast<int>(level) >= g_level.load();
}

std::string Format(Level level, std::string_view event, std::initializer_list<Field> fields) {
    std::string line;
    line.reserve(128);
    line.append("ts=").append(FormatRfc3339Millis(NowMillis()));
    line.append(" level=").append(LevelName(level));
    line.append(" event=");
    AppendValue(line, event);
    for (const auto& field : fields) {
        line.push_back(' ');
        line.append(field.key).push_back('=');
        if (IsSecretKey(field.key)) {
            line.append(kRedacted);
        } else if (field.kind == FieldKind::kUrl) {
            AppendValue(line, RedactUrl(field.value));
        } else {
            AppendValue(line, ScrubSecrets(field.value));
        }
    }
    line.push_back('\n');
    return line;
}

void Write(Level level, std::string_view event, std::initializer_list<Field> fields) {
    const std::string line = Format(level, event, fields);
    // One write(2) per line: lines of concurrent threads never interleave (stderr is unbuffered
    // and a single write of a pipe-sized line is atomic).
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace cerulean::core::log
