#include "core/clock.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace cerulean::core {
namespace {

std::tm ToUtc(UnixMillis t) {
    std::time_t secs = static_cast<std::time_t>(t >= 0 ? t / 1000 : (t - 999) / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return tm;
}

// Days since the epoch of a proleptic Gregorian date (Howard Hinnant's days_from_civil),
// because timegm depends on the C library and mktime on the local zone.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// The civil date of a day count since the epoch (Howard Hinnant's civil_from_days): list
// responses format two timestamps per item, and strftime's locale and time-zone work showed
// in profiles.
struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

Civil CivilFromDays(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2 ? 1 : 0), m, d};
}

void PutDigits(char* out, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

// "YYYY-MM-DDTHH:MM:SS" into `out` (19 characters) for years 0..9999.
void PutDateTime(char* out, UnixMillis t) {
    const std::int64_t secs = t >= 0 ? t / 1000 : (t - 999) / 1000;
    const std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    const auto rem = static_cast<unsigned>(secs - days * 86400);
    const Civil c = CivilFromDays(days);
    PutDigits(out, static_cast<unsigned>(c.year), 4);
    out[4] = '-';
    PutDigits(out + 5, c.month, 2);
    out[7] = '-';
    PutDigits(out + 8, c.day, 2);
    out[10] = 'T';
    PutDigits(out + 11, rem / 3600, 2);
    out[13] = ':';
    PutDigits(out + 14, rem / 60 % 60, 2);
    out[16] = ':';
    PutDigits(out + 17, rem % 60, 2);
}

bool ReadInt(std::string_view text, std::size_t pos, std::size_t len, int& out) {
    if (pos + len > text.size()) return false;
    for (std::size_t i = pos; i < pos + len; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
    }
    std::from_chars(text.data() + pos, text.data() + pos + len, out);
    return true;
}

bool ValidDate(int y, int mo, int d, int h, int mi, int s) {
    static constexpr std::array<int, 12> kDays{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1]) return false;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return false;
    return h <= 23 && mi <= 59 && s <= 60;
}

}  // namespace

UnixMillis NowMillis() noexcept {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string FormatRfc3339(UnixMillis t) {
    std::string out(20, 'Z');
    PutDateTime(out.data(), t);
    return out;
}

void AppendRfc3339(std::string& out, UnixMillis t) {
    const std::size_t at = out.size();
    out.resize(at + 20, 'Z');
    PutDateTime(out.data() + at, t);
}

std::string FormatRfc3339Millis(UnixMillis t) {
    std::string out(24, 'Z');
    PutDateTime(out.data(), t);
    out[19] = '.';
    PutDigits(out.data() + 20, static_cast<unsigned>(((t % 1000) + 1000) % 1000), 3);
    return out;
}

std::string FormatHttpDate(UnixMillis t) {
    std::tm tm = ToUtc(t);
    static constexpr std::array<const char*, 7> kWeekdays{"Sun", "Mon", "Tue", "Wed",
                                                          "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::array<char, 40> buf{};
    std::snprintf(buf.data(), buf.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                  kWeekdays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf.data();
}

std::optional<UnixMillis> ParseRfc3339(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.fff...](Z|+HH:MM|-HH:MM)
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (text.size() < 20 || !ReadInt(text, 0, 4, y) || text[4] != '-' || !ReadInt(text, 5, 2, mo) ||
        text[7] != '-' || !ReadInt(text, 8, 2, d) || (text[10] != 'T' && text[10] != 't') ||
        !ReadInt(text, 11, 2, h) || text[13] != ':' || !ReadInt(text, 14, 2, mi) ||
        text[16] != ':' || !ReadInt(text, 17, 2, s) || !ValidDate(y, mo, d, h, mi, s)) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    int millis = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (digits < 3) millis = millis * 10 + (text[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 3; ++i) millis *= 10;
    }
    int offset_minutes = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int oh = 0, om = 0;
        if (!ReadInt(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !ReadInt(text, pos + 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    const std::int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_minutes * 60;
    return secs * 1000 + millis;
}

std::optional<UnixMillis> ParseHttpDate(std::string_view text) {
    // "Thu, 26 Nov 2026 03:27:38 GMT"
    static constexpr std::array<std::string_view, 12> kMonths{
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int d = 0, y = 0, h = 0, mi = 0, s = 0;
    if (text.size() != 29 || text[3] != ',' || text.substr(25) != " GMT" ||
        !ReadInt(text, 5, 2, d) || !ReadInt(text, 12, 4, y) || !ReadInt(text, 17, 2, h) ||
        !ReadInt(text, 20, 2, mi) || !ReadInt(text, 23, 2, s)) {
        return std::nullopt;
    }
    int mo = 0;
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
        if (text.substr(8, 3) == kMonths[i]) mo = static_cast<int>(i) + 1;
    }
    if (mo == 0 || !ValidDate(y, mo, d, h, mi, s)) return std::nullopt;
    const std::int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    return (days * 86400 + h * 3600 + mi * 60 + s) * 1000;
}

}  // namespace cerulean::core
