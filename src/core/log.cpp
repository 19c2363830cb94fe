#include "core/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "core/redact.hpp"

namespace cerulean::core::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};

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
bool IsSecretKeyUncached(std::string_view key) {
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

// IsSecretKeyUncached, remembered per thread by the key's text: the same dozen constant keys
// come back on every line (the access log's field names cost 5k instructions a request). The
// slot is chosen by the key's address and length (keys are mostly literals, whose addresses
// do not change), and an entry answers only for the very same text.
bool IsSecretKey(std::string_view key) {
    struct Entry {
        std::array<char, 24> text{};
        std::size_t size = SIZE_MAX;
        bool secret = false;
    };
    struct Set {
        std::array<Entry, 2> ways;
        std::uint8_t next = 0;  // the way a miss replaces
    };
    thread_local std::array<Set, 128> cache{};
    if (key.size() > Entry{}.text.size()) return IsSecretKeyUncached(key);
    const auto address = reinterpret_cast<std::uintptr_t>(key.data()) + key.size();
    Set& set = cache[(address * 0x9E3779B97F4A7C15ULL) >> 57U];
    for (const Entry& entry : set.ways) {
        if (entry.size == key.size() &&
            std::memcmp(entry.text.data(), key.data(), key.size()) == 0) {
            return entry.secret;
        }
    }
    const bool secret = IsSecretKeyUncached(key);
    Entry& entry = set.ways[set.next];
    set.next ^= 1U;
    std::memcpy(entry.text.data(), key.data(), key.size());
    entry.size = key.size();
    entry.secret = secret;
    return secret;
}

// Appends the backslash escape of `c` when it is one that logfmt and JSON share (quote,
// backslash, newline, return, tab); false for any other character.
bool AppendEscape(std::string& out, char c) {
    switch (c) {
        case '"':
            out.append("\\\"");
            return true;
        case '\\':
            out.append("\\\\");
            return true;
        case '\n':
            out.append("\\n");
            return true;
        case '\r':
            out.append("\\r");
            return true;
        case '\t':
            out.append("\\t");
            return true;
        default:
            return false;
    }
}

// The characters that make a logfmt value quoted.
constexpr std::array<bool, 256> kNeedsQuotes = [] {
    std::array<bool, 256> table{};
    for (const char c : std::string_view(" \"=\\\t\n\r"))
        table[static_cast<unsigned char>(c)] = true;
    return table;
}();

void AppendValue(std::string& out, std::string_view value) {
    const bool needs_quotes = value.empty() || std::any_of(value.begin(), value.end(), [](char c) {
                                  return kNeedsQuotes[static_cast<unsigned char>(c)];
                              });
    if (!needs_quotes) {
        out.append(value);
        return;
    }
    out.push_back('"');
    for (const char c : value) {
        if (!AppendEscape(out, c)) out.push_back(c);
    }
    out.push_back('"');
}

// The length of the valid UTF-8 sequence at the start of `text`, 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF are not).
std::size_t Utf8SequenceLength(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (text.size() < length) return 0;
    if (byte(1) < low || byte(1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
    }
    return length;
}

// `value` as a JSON string, quotes included.
void AppendJsonString(std::string& out, std::string_view value) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    out.push_back('"');
    while (!value.empty()) {
        const auto c = static_cast<unsigned char>(value.front());
        if (c >= 0x80) {
            const std::size_t length = Utf8SequenceLength(value);
            if (length == 0) {
                out.append("\\ufffd");
                value.remove_prefix(1);
            } else {
                out.append(value.substr(0, length));
                value.remove_prefix(length);
            }
            continue;
        }
        if (!AppendEscape(out, static_cast<char>(c))) {
            if (c < 0x20 || c == 0x7F) {
                out.append("\\u00");
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 15]);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        value.remove_prefix(1);
    }
    out.push_back('"');
}

// Calls `append` with the value a field shows: redacted and scrubbed (copied only when that
// changes it).
template <class Append>
void WithSafeValue(const Field& field, Append append) {
    if (IsSecretKey(field.key)) {
        append(kRedacted);
        return;
    }
    const std::string_view value = field.text();
    switch (field.kind) {
        case FieldKind::kUrl:
            // Without a query or an '@' (userinfo) there is nothing RedactUrl would change.
            if (std::none_of(value.begin(), value.end(),
                             [](char c) { return c == '?' || c == '@'; })) {
                append(value);
            } else {
                append(RedactUrl(value));
            }
            return;
        case FieldKind::kNumber:
            append(value);
            return;
        case FieldKind::kText:
            break;
    }
    append(ScrubSecrets(value));
}

// The time of a line: RFC 3339 UTC with milliseconds (FormatRfc3339Millis), appended in place.
void AppendTimestamp(std::string& out, UnixMillis t) {
    // The date and time to the second, formatted once a second per thread.
    struct Second {
        UnixMillis start = -1;  // of the second formatted in `text`
        std::string text;       // "2026-01-02T03:04:05Z"
    };
    thread_local Second second;
    const UnixMillis start = t - (((t % 1000) + 1000) % 1000);
    if (start != second.start) {
        second.text.clear();
        AppendRfc3339(second.text, start);
        second.start = start;
    }
    out.append(second.text);  // "...T12:34:56Z"
    out.back() = '.';
    const auto millis = static_cast<unsigned>(((t % 1000) + 1000) % 1000);
    out.push_back(static_cast<char>('0' + millis / 100));
    out.push_back(static_cast<char>('0' + millis / 10 % 10));
    out.push_back(static_cast<char>('0' + millis % 10));
    out.push_back('Z');
}

void FormatTextInto(std::string& line, Level level, std::string_view event,
                    std::span<const Field> fields) {
    line.append("ts=");
    AppendTimestamp(line, NowMillis());
    line.append(" level=").append(LevelName(level));
    line.append(" event=");
    AppendValue(line, event);
    for (const auto& field : fields) {
        line.push_back(' ');
        line.append(field.key).push_back('=');
        if (field.kind == FieldKind::kNumber && !IsSecretKey(field.key)) {
            line.append(field.text());  // digits, a sign, a point, true or false: never quoted
        } else {
            WithSafeValue(field, [&line](std::string_view value) { AppendValue(line, value); });
        }
    }
    line.push_back('\n');
}

void FormatJsonInto(std::string& line, Level level, std::string_view event,
                    std::span<const Field> fields) {
    line.append("{\"ts\":\"");
    AppendTimestamp(line, NowMillis());
    line.append("\",\"level\":\"").append(LevelName(level));
    line.append("\",\"msg\":");
    AppendJsonString(line, event);
    for (const auto& field : fields) {
        line.push_back(',');
        // The envelope's keys are never overwritten: a field named like one is renamed.
        const bool reserved = field.key == "ts" || field.key == "level" || field.key == "msg";
        if (reserved) {
            std::string renamed(1, '_');
            renamed.append(field.key);
            AppendJsonString(line, renamed);
        } else {
            AppendJsonString(line, field.key);
        }
        line.push_back(':');
        if (field.kind == FieldKind::kNumber && !IsSecretKey(field.key)) {
            line.append(field.text());
        } else {
            WithSafeValue(field,
                          [&line](std::string_view value) { AppendJsonString(line, value); });
        }
    }
    line.append("}\n");
}

// A line in `format`, appended to `line`.
void FormatInto(std::string& line, LogFormat format, Level level, std::string_view event,
                std::span<const Field> fields) {
    if (format == LogFormat::kJson) {
        FormatJsonInto(line, level, event, fields);
    } else {
        FormatTextInto(line, level, event, fields);
    }
}

// write(2) of all of `text`, resuming after partial writes; gives up on an error (there is
// nowhere left to report it).
void WriteAll(std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Whole lines to stderr. A regular file gets them in one write(2) (O_APPEND positions each
// write as a whole); anything else (a pipe, a terminal) in writes of at most PIPE_BUF bytes
// that end at a line's end, so that they never interleave with another writer's (a longer line
// goes alone, as it always did).
void WriteLines(std::string_view lines) {
    struct stat info {};
    if (lines.size() <= PIPE_BUF || (::fstat(STDERR_FILENO, &info) == 0 && S_ISREG(info.st_mode))) {
        WriteAll(lines);
        return;
    }
    while (!lines.empty()) {
        std::size_t end = lines.size();
        if (end > PIPE_BUF) {
            end = lines.rfind('\n', PIPE_BUF - 1);
            if (end == std::string_view::npos) end = lines.find('\n');  // one long line
            end = end == std::string_view::npos ? lines.size() : end + 1;
        }
        WriteAll(lines.substr(0, end));
        lines.remove_prefix(end);
    }
}

// Where lines go. Lines of WriteBuffered wait in `pending`; a line written at once first writes
// out what waits, so that stderr shows every line in the order it was logged. `write_mutex` is
// held while writing, `mutex` only while `pending` changes hands: a thread adding a line never
// waits for a write(2). Never destroyed: the flusher thread and the exit handler may use it
// while the process exits.
struct Sink {
    std::timed_mutex write_mutex;
    std::mutex mutex;
    std::condition_variable wake;
    std::string pending;
    std::string spare;  // the other buffer, swapped with `pending` to keep its capacity
    bool flusher = false;
};

Sink& TheSink() {
    static Sink* const sink = new Sink;  // NOLINT(cppcoreguidelines-owning-memory): see Sink
    return *sink;
}

// Lines waiting longer than this are written by the flusher thread.
constexpr std::chrono::milliseconds kFlushDelay{50};
// Lines are written at once when this many bytes wait.
constexpr std::size_t kFlushBytes = 64U * 1024U;

// Writes what waits, then `line`; the caller holds write_mutex.
void WritePendingAnd(Sink& sink, std::string_view line) {
    std::string batch;
    {
        const std::lock_guard lock(sink.mutex);
        if (!sink.pending.empty()) {
            batch.swap(sink.spare);
            batch.swap(sink.pending);  // pending takes the spare's capacity
        }
    }
    if (batch.empty()) {
        if (!line.empty()) WriteLines(line);
        return;
    }
    if (!line.empty()) batch.append(line);
    WriteLines(batch);
    batch.clear();
    const std::lock_guard lock(sink.mutex);
    if (batch.capacity() <= 4 * kFlushBytes) sink.spare.swap(batch);
}

void FlushAtExit() {
    // Not forever: a thread stuck writing to a stderr nobody reads must not hold up the exit.
    Sink& sink = TheSink();
    if (!sink.write_mutex.try_lock_for(std::chrono::seconds(2))) return;
    const std::lock_guard lock(sink.write_mutex, std::adopt_lock);
    WritePendingAnd(sink, {});
}

void StartFlusher(Sink& sink) {
    sink.flusher = true;
    std::atexit(FlushAtExit);
    std::thread([&sink] {
        for (;;) {
            {
                std::unique_lock lock(sink.mutex);
                sink.wake.wait(lock, [&sink] { return !sink.pending.empty(); });
            }
            std::this_thread::sleep_for(kFlushDelay);
            Flush();
        }
    }).detach();
}

void WriteLine(std::string_view line) {
    Sink& sink = TheSink();
    const std::lock_guard lock(sink.write_mutex);
    WritePendingAnd(sink, line);
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k) {
    std::array<char, 32> buf{};
    const auto [end, ec] =
        std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, 3);
    if (ec == std::errc{}) {
        value.assign(buf.data(), end);
    } else {
        std::snprintf(buf.data(), buf.size(), "%.3e", v);  // too large for 32 digits
        value = buf.data();
    }
    kind = std::isfinite(v) ? FieldKind::kNumber : FieldKind::kText;
}

Field DurationMs(std::string_view key, std::int64_t micros) {
    // Beyond this a double no longer holds micros / 1000 to three decimals exactly.
    constexpr std::int64_t kExact = std::int64_t{1} << 50;
    if (micros < 0 || micros >= kExact) return {key, static_cast<double>(micros) / 1000.0};
    std::array<char, 32> buf{};
    char* end = std::to_chars(buf.data(), buf.data() + buf.size(), micros / 1000).ptr;
    const auto fraction = static_cast<unsigned>(micros % 1000);
    *end++ = '.';
    *end++ = static_cast<char>('0' + fraction / 100);
    *end++ = static_cast<char>('0' + fraction / 10 % 10);
    *end++ = static_cast<char>('0' + fraction % 10);
    return {key, std::string_view(buf.data(), static_cast<std::size_t>(end - buf.data())),
            FieldKind::kNumber};
}

std::optional<LogFormat> ParseFormat(std::string_view text) noexcept {
    if (text == "text") return LogFormat::kText;
    if (text == "json") return LogFormat::kJson;
    return std::nullopt;
}

void SetFormat(LogFormat format) noexcept {
    g_format.store(static_cast<int>(format));
}

LogFormat CurrentFormat() noexcept {
    return static_cast<LogFormat>(g_format.load(std::memory_order_relaxed));
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

std::string FormatAs(LogFormat format, Level level, std::string_view event,
                     std::span<const Field> fields) {
    std::string line;
    line.reserve(448);
    FormatInto(line, format, level, event, fields);
    return line;
}

std::string Format(Level level, std::string_view event, std::initializer_list<Field> fields) {
    return FormatAs(CurrentFormat(), level, event,
                    std::span<const Field>(fields.begin(), fields.size()));
}

void Write(Level level, std::string_view event, std::initializer_list<Field> fields) {
    WriteLine(Format(level, event, fields));
}

void Write(Level level, std::string_view event, std::span<const Field> fields) {
    WriteLine(FormatAs(CurrentFormat(), level, event, fields));
}

void WriteBuffered(Level level, std::string_view event, std::span<const Field> fields) {
    if (level >= Level::kWarn) {
        Write(level, event, fields);
        return;
    }
    thread_local std::string line;  // its capacity kept from line to line
    line.clear();
    FormatInto(line, CurrentFormat(), level, event, fields);
    Sink& sink = TheSink();
    bool full = false;
    {
        const std::lock_guard lock(sink.mutex);
        const bool was_empty = sink.pending.empty();
        sink.pending.append(line);
        full = sink.pending.size() >= kFlushBytes;
        if (!sink.flusher) StartFlusher(sink);
        if (was_empty) sink.wake.notify_one();
    }
    if (full) Flush();
}

void Flush() {
    Sink& sink = TheSink();
    const std::lock_guard lock(sink.write_mutex);
    WritePendingAnd(sink, {});
}

}  // namespace cerulean::core::log
