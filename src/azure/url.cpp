#include "azure/url.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace cerulean::azure {
namespace {

constexpr std::string_view kHexDigits = "0123456789ABCDEF";

bool IsUnreserved(unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string Encode(std::string_view text, bool keep_slash) {
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        // isalnum is locale-dependent for bytes >= 0x80; they are always escaped.
        if (c < 0x80 && (IsUnreserved(c) || (keep_slash && c == '/'))) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHexDigits[c >> 4]);
            out.push_back(kHexDigits[c & 0x0F]);
        }
    }
    return out;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

core::Error Invalid(std::string message) {
    return {core::ErrorCode::kInvalidArgument, std::move(message)};
}

std::string ToLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool IsIpLiteralOrLocalhost(std::string_view host) {
    if (host.empty() || host.front() == '[') return true;  // IPv6 literal
    if (ToLower(host) == "localhost") return true;
    return std::ranges::all_of(
        host, [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.'; });
}

}  // namespace

std::string EncodeBlobPath(std::string_view blob_name) {
    return Encode(blob_name, true);
}

std::string EncodeQueryValue(std::string_view value) {
    return Encode(value, false);
}

std::optional<std::string> PercentDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        const int hi = HexValue(text[i + 1]);
        const int lo = HexValue(text[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
    }
    return out;
}

UrlParts SplitUrl(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) {
        throw Invalid("URL has no scheme");
    }
    UrlParts parts;
    parts.scheme = ToLower(url.substr(0, scheme_end));
    std::string_view rest = url.substr(scheme_end + 3);
    if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
        rest = rest.substr(0, hash);
    }
    const auto authority_end = rest.find_first_of("/?");
    parts.authority = std::string(rest.substr(0, authority_end));
    if (parts.authority.empty()) throw Invalid("URL has no host");
    if (authority_end == std::string_view::npos) {
        parts.path = "/";
        return parts;
    }
    rest = rest.substr(authority_end);
    const auto query_start = rest.find('?');
    parts.path = std::string(rest.substr(0, query_start));
    if (parts.path.empty()) parts.path = "/";
    if (query_start != std::string_view::npos)
        parts.query = std::string(rest.substr(query_start + 1));
    return parts;
}

std::vector<QueryParameter> ParseQuery(std::string_view query) {
    std::vector<QueryParameter> params;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto name = PercentDecode(pair.substr(0, eq));
        auto value =
            PercentDecode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!name || !value) throw Invalid("query string has a malformed percent-encoding");
        params.push_back({std::move(*name), std::move(*value)});
    }
    return params;
}

std::string NormalizeEndpoint(std::string_view endpoint) {
    while (!endpoint.empty() && std::isspace(static_cast<unsigned char>(endpoint.back())) != 0) {
        endpoint.remove_suffix(1);
    }
    while (!endpoint.empty() && std::isspace(static_cast<unsigned char>(endpoint.front())) != 0) {
        endpoint.remove_prefix(1);
    }
    if (endpoint.find_first_of("?#") != std::string_view::npos) {
        throw Invalid("endpoint must not have a query or fragment");
    }
    // No URL holds them raw; and a space before a trailing '/' would make the result normalize
    // differently again.
    if (std::ranges::any_of(endpoint, [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) == 0x7F;
        })) {
        throw Invalid("endpoint must not contain spaces or control characters");
    }
    const UrlParts parts = SplitUrl(endpoint);
    if (parts.scheme != "http" && parts.scheme != "https") {
        throw Invalid("endpoint must be an http or https URL");
    }
    std::string path = parts.path;
    while (!path.empty() && path.back() == '/') path.pop_back();
    return parts.scheme + "://" + parts.authority + path;
}

std::string ContainerUrl(std::string_view endpoint, std::string_view container) {
    if (container.empty()) throw Invalid("container name is empty");
    if (container.find('/') != std::string_view::npos) {
        throw Invalid("container name must not contain '/'");
    }
    // A URL parser would remove such a segment (RFC 3986 section 5.2.4), addressing another
    // resource; no encoding keeps it (WHATWG parsers treat %2E as '.').
    if (container == "." || container == "..") throw Invalid("container name must not be a dot");
    std::string url(endpoint);
    while (!url.empty() && url.back() == '/') url.pop_back();
    url.push_back('/');
    url += EncodeBlobPath(container);
    return url;
}

bool HasDotSegment(std::string_view blob_name) {
    std::size_t start = 0;
    while (start <= blob_name.size()) {
        const auto end = blob_name.find('/', start);
        const auto segment = blob_name.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (segment == "." || segment == "..") return true;
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return false;
}

std::string BlobUrl(std::string_view endpoint, std::string_view container,
                    std::string_view blob_name) {
    if (blob_name.empty()) throw Invalid("blob name is empty");
    // Encoding '/' as %2F keeps "a/.." one segment, but "." and ".." alone stay dot segments.
    if (blob_name == "." || blob_name == "..") throw Invalid("blob name must not be a dot");
    std::string url = ContainerUrl(endpoint, container);
    url.push_back('/');
    url += HasDotSegment(blob_name) ? EncodeQueryValue(blob_name) : EncodeBlobPath(blob_name);
    return url;
}

std::string AppendQuery(std::string_view url, std::string_view query) {
    std::string out(url);
    while (!query.empty() && (query.front() == '?' || query.front() == '&')) query.remove_prefix(1);
    if (query.empty()) return out;
    if (out.find('?') == std::string::npos) {
        out.push_back('?');
    } else if (out.back() != '?' && out.back() != '&') {
        out.push_back('&');
    }
    out += query;
    return out;
}

std::string AccountNameFromEndpoint(std::string_view endpoint) {
    const UrlParts parts = SplitUrl(endpoint);
    std::string_view path = parts.path;
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    std::string name;
    if (!path.empty()) {
        const auto segment = path.substr(0, path.find('/'));
        auto decoded = PercentDecode(segment);
        name = decoded ? *decoded : std::string(segment);
    } else {
        std::string_view host = parts.authority;
        if (const auto at = host.rfind('@'); at != std::string_view::npos) {
            host = host.substr(at + 1);
        }
        if (!host.empty() && host.front() != '[') host = host.substr(0, host.find(':'));
        if (IsIpLiteralOrLocalhost(host)) return {};
        name = std::string(host.substr(0, host.find('.')));
    }
    // Whatever else a URL holds ("%AC", a control character) is no account name: it would be
    // signed, stored and written into JSON as it is, invalid UTF-8 included.
    const bool plain = std::ranges::all_of(name, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-';
    });
    return plain ? name : std::string();
}

}  // namespace cerulean::azure
