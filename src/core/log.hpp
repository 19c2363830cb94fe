#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cerulean::core::log {

/// Severity of a log line.
enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

/// Parses "debug", "info", "warn"/"warning", "error"; nullopt otherwise.
std::optional<Level> ParseLevel(std::string_view text) noexcept;

/// How log lines are written.
enum class LogFormat {
    kText,  ///< logfmt `key=value` lines, readable on a terminal (the default)
    kJson,  ///< one JSON object per line (JSON lines), for log collectors
};

/// Parses "text" or "json" (CERULEAN_LOG_FORMAT); nullopt otherwise.
std::optional<LogFormat> ParseFormat(std::string_view text) noexcept;

/// How a field's value is treated on its way to the log.
enum class FieldKind {
    kText,    ///< free text: scrubbed for anything shaped like a secret
    kUrl,     ///< a URL or path: query values not on the allow-list are redacted
    kNumber,  ///< a number or boolean, written as it is (a JSON number or true/false)
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
    Field(std::string_view k, std::int64_t v)
        : key(k), value(std::to_string(v)), kind(FieldKind::kNumber) {}
    /// A numeric field.
    Field(std::string_view k, int v) : key(k), value(std::to_string(v)), kind(FieldKind::kNumber) {}
    /// A numeric field.
    Field(std::string_view k, std::uint64_t v)
        : key(k), value(std::to_string(v)), kind(FieldKind::kNumber) {}
    /// A numeric field (three decimals; not finite: written as text).
    Field(std::string_view k, double v);
    /// A boolean field.
    Field(std::string_view k, bool v)
        : key(k), value(v ? "true" : "false"), kind(FieldKind::kNumber) {}

    std::string_view key;  ///< field name, a constant such as "status"
    std::string value;     ///< field value, redacted on output according to `kind`
    FieldKind kind = FieldKind::kText;
    /// When set (by Ref), the value in place of `value`, not copied.
    std::optional<std::string_view> borrowed;

    /// The value, wherever it is held.
    [[nodiscard]] std::string_view text() const noexcept {
        return borrowed ? *borrowed : std::string_view(value);
    }
};

/// A field holding a URL or path, redacted by the query allow-list.
inline Field Url(std::string_view key, std::string_view url) {
    return {key, url, FieldKind::kUrl};
}

/// A duration in milliseconds with three decimals, from whole microseconds: the field that
/// Field(key, micros / 1000.0) makes, without formatting a double.
Field DurationMs(std::string_view key, std::int64_t micros);

/// A field of `kind` that refers to `value` instead of copying it: `value` must outlive the
/// Write call (for lines written at a high rate, such as the access log's).
inline Field Ref(std::string_view key, std::string_view value, FieldKind kind = FieldKind::kText) {
    Field field(key, std::string_view{}, kind);
    field.borrowed = value;
    return field;
}

/// Lines below this level are dropped. Default kInfo.
void SetLevel(Level level) noexcept;
/// True when a line of `level` would be written.
bool Enabled(Level level) noexcept;

/// Chooses how lines are written (CERULEAN_LOG_FORMAT). Default kText.
void SetFormat(LogFormat format) noexcept;
/// How lines are written now.
LogFormat CurrentFormat() noexcept;

/// Writes one line to stderr at once (after the lines WriteBuffered holds), atomically: logfmt
/// `ts=… level=… event=… key=value …`, or with LogFormat::kJson one JSON object
/// `{"ts":…,"level":…,"msg":…,"key":value,…}`.
/// Every line passes here: secret-looking keys are dropped to REDACTED, values are scrubbed.
void Write(Level level, std::string_view event, std::initializer_list<Field> fields);
/// Writes one line (see the other overload) of fields held in an array.
void Write(Level level, std::string_view event, std::span<const Field> fields);

/// Writes one line like Write, except that a line below kWarn may wait in memory, in order with
/// every other line, until the next line that is written at once, or until about 50 ms have
/// passed, or 64 KiB have gathered, or the process exits normally (exit, return from main),
/// whichever comes first: one write(2) then carries many lines. For lines written at a high
/// rate (the access log). Crash window: lines still waiting when the process dies without
/// exiting (a crash, SIGKILL, _exit) are lost, at most the last ~50 ms of them.
void WriteBuffered(Level level, std::string_view event, std::span<const Field> fields);

/// Writes out the lines WriteBuffered holds, now.
void Flush();

/// Renders a line in the current format without writing it (tests, and Write's own use).
std::string Format(Level level, std::string_view event, std::initializer_list<Field> fields);
/// Renders a line in `format` without writing it. In JSON, `ts` is RFC 3339 UTC with
/// milliseconds, the event is `msg`, numbers and booleans are JSON values, text is escaped
/// (invalid UTF-8 becomes U+FFFD), and a field whose key is ts, level or msg gets a `_` prefix.
std::string FormatAs(LogFormat format, Level level, std::string_view event,
                     std::span<const Field> fields);

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
