#include "cli/partial_download.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

#include "core/error.hpp"
#include "sync/local_path.hpp"
#include "sync/range_record.hpp"

namespace cerulean::cli {

namespace fs = std::filesystem;

fs::path PartialPathFor(const fs::path& target) {
    return target.parent_path() / sync::TemporaryNameFor(target.filename().string());
}

fs::path RecordPathFor(const fs::path& partial) {
    return {partial.string() + ".json"};
}

std::string UrlWithoutQuery(std::string_view url) {
    return std::string(url.substr(0, url.find_first_of("?#")));
}

std::optional<PartialRecord> ReadPartialRecord(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    // One format with sync's records: `get --resume` takes the part that starts at 0.
    const auto record = sync::ParseRangeRecord(text.str());
    if (!record || record->url.empty()) return std::nullopt;
    return PartialRecord{record->url, record->etag, record->size, record->ranges.prefix()};
}

void WritePartialRecord(const fs::path& path, const PartialRecord& record) {
    sync::RangeRecord ranges{UrlWithoutQuery(record.url), record.etag, record.size, {}};
    ranges.ranges.Add(0, record.prefix);
    const fs::path temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << sync::FormatRangeRecord(ranges);
        out.flush();
        if (!out) {
            throw core::Error(core::ErrorCode::kInternal, "cannot write " + temporary.string(),
                              "local_file");
        }
    }
    std::error_code ec;
    fs::rename(temporary, path, ec);
    if (ec) {
        fs::remove(temporary, ec);
        throw core::Error(core::ErrorCode::kInternal, "cannot write " + path.string(),
                          "local_file");
    }
}

}  // namespace cerulean::cli
