#include "sync/content_type.hpp"

#include <cctype>
#include <utility>
#include <vector>

namespace cerulean::sync {

std::string GuessContentType(std::string_view file_name) {
    static const std::vector<std::pair<std::string_view, std::string_view>> kTypes{
        {"html", "text/html"},        {"htm", "text/html"},
        {"css", "text/css"},          {"js", "text/javascript"},
        {"mjs", "text/javascript"},   {"json", "application/json"},
        {"txt", "text/plain"},        {"md", "text/markdown"},
        {"csv", "text/csv"},          {"xml", "application/xml"},
        {"png", "image/png"},         {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},       {"gif", "image/gif"},
        {"svg", "image/svg+xml"},     {"webp", "image/webp"},
        {"ico", "image/x-icon"},      {"pdf", "application/pdf"},
        {"zip", "application/zip"},   {"gz", "application/gzip"},
        {"tar", "application/x-tar"}, {"wasm", "application/wasm"},
        {"mp4", "video/mp4"},         {"mp3", "audio/mpeg"},
        {"woff2", "font/woff2"},      {"parquet", "application/vnd.apache.parquet"},
    };
    const std::size_t dot = file_name.rfind('.');
    if (dot != std::string_view::npos && dot + 1 < file_name.size()) {
        std::string ext;
        for (char c : file_name.substr(dot + 1)) {
            ext += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        for (const auto& [suffix, type] : kTypes) {
            if (suffix == ext) return std::string(type);
        }
    }
    return "application/octet-stream";
}

}  // namespace cerulean::sync
