#include "sync/range_record.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/error.hpp"

namespace cerulean::sync {
namespace {

namespace json = boost::json;

// The version `cerulean blob get` writes: the fields keep their meaning, "ranges" is an
// addition that it ignores.
constexpr std::int64_t kRecordVersion = 1;
// A record is a line of JSON; anything much larger is not one.
constexpr std::size_t kMaxRecordBytes = 1U << 20U;

std::optional<std::uint64_t> Unsigned(const json::value* value) {
    if (value == nullptr || !value->is_number()) return std::nullopt;
    try {
        return value->to_number<std::uint64_t>();
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

core::Error CannotWrite(const std::string& name, int error) {
    return core::LocalFileError(core::ErrorCode::kInternal,
                                "cannot write the record '" + name + "': " + std::strerror(error),
                                error);
}

bool WriteAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

void RangeSet::Add(std::uint64_t first, std::uint64_t end) {
    if (end <= first) return;
    // The first range that ends at or after `first`: it and those after it that start at or
    // before `end` touch the new one and merge into it.
    auto it = std::lower_bound(ranges_.begin(), ranges_.end(), first,
                               [](const ByteRange& r, std::uint64_t at) { return r.end < at; });
    if (it == ranges_.end() || it->first > end) {
        ranges_.insert(it, {first, end});
        return;
    }
    it->first = std::min(it->first, first);
    it->end = std::max(it->end, end);
    auto next = std::next(it);
    auto last = next;
    while (last != ranges_.end() && last->first <= it->end) {
        it->end = std::max(it->end, last->end);
        ++last;
    }
    ranges_.erase(next, last);
}

std::uint64_t RangeSet::bytes() const noexcept {
    std::uint64_t total = 0;
    for (const ByteRange& r : ranges_) total += r.end - r.first;
    return total;
}

std::uint64_t RangeSet::prefix() const noexcept {
    return !ranges_.empty() && ranges_.front().first == 0 ? ranges_.front().end : 0;
}

std::vector<ByteRange> RangeSet::Missing(std::uint64_t size) const {
    std::vector<ByteRange> missing;
    std::uint64_t at = 0;
    for (const ByteRange& r : ranges_) {
        if (r.first >= size) break;
        if (r.first > at) missing.push_back({at, r.first});
        at = std::max(at, r.end);
    }
    if (at < size) missing.push_back({at, size});
    return missing;
}

std::string FormatRangeRecord(const RangeRecord& record) {
    json::object o;
    o["version"] = kRecordVersion;
    o["url"] = record.url;
    o["etag"] = record.etag;
    o["size"] = record.size;
    o["prefix"] = record.ranges.prefix();
    json::array ranges;
    for (const ByteRange& r : record.ranges.ranges()) ranges.push_back(json::array{r.first, r.end});
    o["ranges"] = std::move(ranges);
    return json::serialize(o) + '\n';
}

std::optional<RangeRecord> ParseRangeRecord(std::string_view text) {
    std::error_code ec;
    const json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const json::object& o = value.get_object();
    const auto* version = o.if_contains("version");
    const auto* url = o.if_contains("url");
    const auto* etag = o.if_contains("etag");
    const auto size = Unsigned(o.if_contains("size"));
    if (version == nullptr || !version->is_int64() || version->as_int64() != kRecordVersion ||
        (url != nullptr && !url->is_string()) || etag == nullptr || !etag->is_string() ||
        etag->get_string().empty() || !size) {
        return std::nullopt;
    }
    RangeRecord record;
    if (url != nullptr) record.url = json::value_to<std::string>(*url);
    record.etag = json::value_to<std::string>(*etag);
    record.size = *size;
    if (const auto* ranges = o.if_contains("ranges")) {
        if (!ranges->is_array()) return std::nullopt;
        std::uint64_t previous_end = 0;
        for (const json::value& item : ranges->get_array()) {
            if (!item.is_array() || item.get_array().size() != 2) return std::nullopt;
            const auto first = Unsigned(item.get_array().if_contains(0));
            const auto end = Unsigned(item.get_array().if_contains(1));
            if (!first || !end || *first >= *end || *end > record.size || *first < previous_end) {
                return std::nullopt;
            }
            previous_end = *end;
            record.ranges.Add(*first, *end);
        }
    } else {
        // A record of `cerulean blob get`: the prefix alone.
        const auto prefix = Unsigned(o.if_contains("prefix"));
        if (!prefix || *prefix > record.size) return std::nullopt;
        record.ranges.Add(0, *prefix);
    }
    return record;
}

std::optional<RangeRecord> ReadRangeRecord(int dir, const std::string& name) {
    const int fd = ::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string text;
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || text.size() + static_cast<std::size_t>(n) > kMaxRecordBytes) {
            if (n != 0) text.clear();
            break;
        }
        text.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (text.empty()) return std::nullopt;
    return ParseRangeRecord(text);
}

void WriteRangeRecord(int dir, const std::string& name, const RangeRecord& record) {
    const std::string temporary = name + ".tmp";
    const int fd = ::openat(dir, temporary.c_str(),
                            O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) throw CannotWrite(name, errno);
    const bool written = WriteAll(fd, FormatRangeRecord(record)) && ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    if (!written || ::renameat(dir, temporary.c_str(), dir, name.c_str()) != 0) {
        const int failure = written ? errno : error;
        ::unlinkat(dir, temporary.c_str(), 0);
        throw CannotWrite(name, failure);
    }
    // The rename must survive a crash too (an older record claims less, never more).
    ::fsync(dir);
}

std::string_view BareEtag(std::string_view etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
        etag = etag.substr(1, etag.size() - 2);
    }
    return etag;
}

}  // namespace cerulean::sync
