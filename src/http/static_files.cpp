#include "http/static_files.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>

namespace cerulean::http {
namespace {

namespace fs = std::filesystem;

// The file under `root` that `decoded` names, refusing anything that leaves the root
// (`..`, or a symlink pointing elsewhere).
std::optional<fs::path> Resolve(const fs::path& root, std::string_view decoded) {
    if (decoded.find('\0') != std::string_view::npos) return std::nullopt;
    fs::path relative;
    std::string_view rest = decoded;
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const std::string_view part = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (part.empty() || part == ".") continue;
        if (part == ".." || part.find('\\') != std::string_view::npos) return std::nullopt;
        relative /= std::string(part);
    }
    std::error_code ec;
    const fs::path canonical_root = fs::canonical(root, ec);
    if (ec) return std::nullopt;
    const fs::path candidate = fs::weakly_canonical(canonical_root / relative, ec);
    if (ec) return std::nullopt;
    const auto [root_end, unused] = std::mismatch(canonical_root.begin(), canonical_root.end(),
                                                  candidate.begin(), candidate.end());
    if (root_end != canonical_root.end()) return std::nullopt;
    if (!fs::is_regular_file(candidate, ec)) return std::nullopt;
    return candidate;
}

bool AcceptsHtml(const Request& request) {
    const auto accept = request.headers().Get("Accept");
    return !accept || accept->find("text/html") != std::string_view::npos ||
           accept->find("*/*") != std::string_view::npos;
}

// Whether the client takes gzip: a "gzip" coding in Accept-Encoding that is not "q=0".
bool AcceptsGzip(const Request& request) {
    std::string_view accept = request.headers().Get("Accept-Encoding").value_or("");
    while (!accept.empty()) {
        const auto comma = accept.find(',');
        std::string_view coding = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
        const auto semicolon = coding.find(';');
        std::string_view name = coding.substr(0, semicolon);
        while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
        while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        if (!EqualsIgnoreCase(name, "gzip") && name != "*") continue;
        if (semicolon == std::string_view::npos) return true;
        std::string params(coding.substr(semicolon + 1));
        params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
        return !(params == "q=0" || params == "q=0.0" || params == "q=0.00" || params == "q=0.000");
    }
    return false;
}

// The build's precompressed copy of `file` (NAME.gz, see web/scripts/compress-dist.mjs).
std::optional<fs::path> Gzipped(const fs::path& file) {
    fs::path gz = file;
    gz += ".gz";
    std::error_code ec;
    if (!fs::is_regular_file(gz, ec)) return std::nullopt;
    return gz;
}

Response FileResponse(const Request& request, const fs::path& original, bool immutable) {
    // A client that takes gzip gets the precompressed copy when the build made one; the type,
    // caching and validators are the original's (the ETag marked, as the bytes differ).
    const std::optional<fs::path> gz = Gzipped(original);
    const bool gzip = gz && AcceptsGzip(request);
    const fs::path file = gzip ? *gz : original;
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    const auto mtime = fs::last_write_time(file, ec).time_since_epoch().count();
    const std::string etag = "W/\"" + std::to_string(size) + "-" +
                             std::to_string(static_cast<long long>(mtime)) + (gzip ? "-gz" : "") +
                             "\"";
    Response response;
    response.headers.Set("ETag", etag);
    response.headers.Set("Cache-Control",
                         immutable ? "public, max-age=31536000, immutable" : "no-cache");
    response.headers.Set("X-Content-Type-Options", "nosniff");
    if (gz) response.headers.Set("Vary", "Accept-Encoding");
    if (request.headers().Get("If-None-Match") == etag) {
        response.status = 304;
        return response;
    }
    response.headers.Set("Content-Type", ContentTypeFor(original));
    if (gzip) response.headers.Set("Content-Encoding", "gzip");
    response.headers.Set("Content-Length", std::to_string(size));
    response.producer = [file](BodySink& sink) -> Task<void> {
        auto in = std::make_unique<std::ifstream>(file, std::ios::binary);
        std::array<char, 64 * 1024> chunk{};
        while (*in) {
            in->read(chunk.data(), chunk.size());
            const auto n = static_cast<std::size_t>(in->gcount());
            if (n == 0) break;
            co_await sink.Write(std::string_view(chunk.data(), n));
        }
    };
    return response;
}

}  // namespace

std::string_view ContentTypeFor(const fs::path& file) {
    const std::string ext = file.extension().string();
    struct Entry {
        std::string_view ext;
        std::string_view type;
    };
    static constexpr std::array<Entry, 22> kTypes{{
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".woff", "font/woff"},
        {".woff2", "font/woff2"},
        {".ttf", "font/ttf"},
        {".txt", "text/plain; charset=utf-8"},
        {".wasm", "application/wasm"},
        {".webmanifest", "application/manifest+json"},
        {".xml", "application/xml"},
        {".pdf", "application/pdf"},
    }};
    for (const auto& entry : kTypes) {
        if (entry.ext == ext) return entry.type;
    }
    return "application/octet-stream";
}

StaticFiles::StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

bool StaticFiles::available() const {
    std::error_code ec;
    return fs::is_regular_file(root_ / "index.html", ec);
}

std::optional<Response> StaticFiles::Serve(const Request& request) const {
    if (request.method() != "GET" && request.method() != "HEAD") return std::nullopt;
    const std::string decoded = PercentDecode(request.path(), false);
    if (decoded != "/" && !decoded.ends_with('/')) {
        if (auto file = Resolve(root_, decoded)) {
            return FileResponse(request, *file, decoded.starts_with("/assets/"));
        }
    }
    // Client-side routes (no file extension in the last segment) get the app's index.html.
    const auto last = decoded.substr(decoded.rfind('/') + 1);
    if (last.find('.') != std::string::npos || !AcceptsHtml(request)) return std::nullopt;
    if (auto index = Resolve(root_, "index.html")) return FileResponse(request, *index, false);
    return std::nullopt;
}

}  // namespace cerulean::http
