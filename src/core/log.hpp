#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace cerulean::core::log {

/// Severity of a log line.
enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

/// Parses "debug", "info", "warn"/"warning", "error"; nullopt otherwise.
std::optional<Level> ParseLevel(std::string_view text) noexcept;

/// How a field's value is treated on its way to the log.
enum class FieldKind {
    kText,  ///< free text: scrubbed for anything shaped like a secret
    kUrl,   ///< a URL or path: query values not on the allow-list are redacted
};

/// One key=value pair of a structured log line.
struct Field {
    /// A text field.
    Field(std::string_view k, std::string_view v, FieldKind kind = FieldKind::kText)
        : key(k), value(v), kind(kind) {}
    /// A text field from a C string.
    Field(std::string_view k, const char* v) : key(k), value(v) {}
    /// A text field from a string.
    Field(std::string_view k, const std::string& v) : key(k), value(v) {}
    /// A numeric field.
    Field(std::string_view k, std::int64_t v) : key(k), value(std::to_string(v)) {}
    /// A numeric field.
    Field(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
    /// A numeric field.
    Field(std::string_view k, std::uint64_t v) : key(k), value(std::to_string(v)) {}
    /// A numeric field.
    Field(std::string_view k, double v);
    /// A boolean field.
    Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}

    std::string_view key;  ///< field name, a constant such as "status"
    std::string value;     ///< field value, redacted on output according to `kind`
    FieldKind kind = FieldKind::kText;
};

/// A field holding a URL or path, redacted by the query allow-list.
inline Field Url(std::string_view key, std::string_view url) {
    return {key, url, FieldKind::kUrl};
}

/// Lines below this level are dropped. Default kInfo.
void SetLevel(Level level) noexcept;
/// True when a line of `level` would be written.
bool Enabled(Level level) noexcept;

/// Writes one logfmt line `ts=… level=… event=… key=value …` to stderr, atomically.
/// Every line passes here: secret-looking keys are dropped to REDACTED, values are scrubbed.
void Write(Level level, std::string_view event, std::initializer_list<Field> fields);

/// Renders a line without writing it (tests, and Write's own use).
std::string Format(Level level, std::string_view event, std::initializer_list<Field> fields);

/// Debug line.
inline void Debug(std::string_view event, std::initializer_list<Field> fields = {}) {
    if (Enabled(Level::kDebug)) Write(Level::kDebug, event, fields);
}
/// Info line.
inline void Info(std::string_view event, std::initializer_list<Field> fields = {}) {
    if (Enabled(Level::kInfo)) Write(Level::kInfo, event, fields);
}
/// Warning line.
inline void Warn(std::string_view event, std::initializer_list<Field> fields = {}) {
    if (Enabled(Level::kWarn)) Write(Level::kWarn, event, fields);
}
/// Error line.
inline void Error(std::string_view event, std::initializer_list<Field> fields = {}) {
    if (Enabled(Level::kError)) Write(Level::kError, event, fields);
}

}  // namespace cerulean::core::log
