#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cerulean::core {

/// Milliseconds since the Unix epoch, UTC: the one time representation stored and passed around.
using UnixMillis = std::int64_t;

/// The current wall-clock time.
UnixMillis NowMillis() noexcept;

/// RFC 3339 UTC with second precision, e.g. "2026-11-26T03:27:38Z".
std::string FormatRfc3339(UnixMillis t);

/// Appends FormatRfc3339(t) to `out` without a temporary string (hot JSON writers).
void AppendRfc3339(std::string& out, UnixMillis t);

/// RFC 3339 UTC with millisecond precision, e.g. "2026-11-26T03:27:38.123Z" (log lines).
std::string FormatRfc3339Millis(UnixMillis t);

/// RFC 1123 as HTTP dates use it, e.g. "Thu, 26 Nov 2026 03:27:38 GMT".
std::string FormatHttpDate(UnixMillis t);

/// Parses an RFC 3339 timestamp (any offset, optional fraction); nullopt when malformed.
std::optional<UnixMillis> ParseRfc3339(std::string_view text);

/// Parses an RFC 1123 HTTP date ("Thu, 26 Nov 2026 03:27:38 GMT"); nullopt when malformed.
std::optional<UnixMillis> ParseHttpDate(std::string_view text);

}  // namespace cerulean::core
