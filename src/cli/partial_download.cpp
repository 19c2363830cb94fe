#include "cli/partial_download.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/error.hpp"
#include "sync/local_path.hpp"

namespace cerulean::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Bumped when the meaning of a field changes: older records are then ignored.
constexpr std::int64_t kRecordVersion = 1;

}  // namespace

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
    std::error_code ec;
    const json::value value = json::parse(text.str(), ec);
    if (ec || !value.is_object()) return std::nullopt;
    const json::object& o = value.get_object();
    const auto* version = o.if_contains("version");
    const auto* url = o.if_contains("url");
    const auto* etag = o.if_contains("etag");
    const auto* size = o.if_contains("size");
    const auto* prefix = o.if_contains("prefix");
    if (version == nullptr || !version->is_int64() || version->as_int64() != kRecordVersion ||
        url == nullptr || !url->is_string() || etag == nullptr || !etag->is_string() ||
        size == nullptr || !size->is_number() || prefix == nullptr || !prefix->is_number()) {
        return std::nullopt;
    }
    PartialRecord record;
    record.url = json::value_to<std::string>(*url);
    record.etag = json::value_to<std::string>(*etag);
    try {
        record.size = size->to_number<std::uint64_t>();
        record.prefix = prefix->to_number<std::uint64_t>();
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (record.etag.empty() || record.prefix > record.size) return std::nullopt;
    return record;
}

void WritePartialRecord(const fs::path& path, const PartialRecord& record) {
    json::object o;
    o["version"] = kRecordVersion;
    o["url"] = UrlWithoutQuery(record.url);
    o["etag"] = record.etag;
    o["size"] = record.size;
    o["prefix"] = record.prefix;
    const fs::path temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << json::serialize(o) << '\n';
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
