#include "core/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace cerulean::core {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Query parameters that Azure and Cerulean use and that never hold a secret. SAS fields other
// than `sig` describe the grant, not the secret, and are useful when a request fails.
constexpr std::array<std::string_view, 40> kSafeQuery{
    "restype", "comp",      "prefix",      "marker",    "maxresults", "delimiter",
    "include", "blockid",   "timeout",     "snapshot",  "versionid",  "blocklisttype",
    "where",   "container", "name",        "skip",      "limit",      "sv",
    "ss",      "srt",       "sp",          "se",        "st",         "spr",
    "sr",      "si",        "sip",         "skoid",     "sktid",      "skt",
    "ske",     "sks",       "skv",         "rscc",      "rscd",       "rsce",
    "rscl",    "rsct",      "api-version", "grant_type"};

// Markers after which a secret value follows up to a delimiter.
constexpr std::array<std::string_view, 10> kSecretMarkers{
    "accountkey=",   "sharedaccesssignature=", "sig=",    "password=",  "client_secret=",
    "access_token=", "refresh_token=",         "secret=", "signature=", "token="};

bool IsValueEnd(char c) {
    return c == ';' || c == '&' || c == ' ' || c == '"' || c == '\'' || c == ',' || c == '\n' ||
           c == '\r' || c == '\t';
}

}  // namespace

bool IsSafeQueryParameter(std::string_view name) noexcept {
    return std::any_of(kSafeQuery.begin(), kSafeQuery.end(),
                       [&](std::string_view safe) { return IEquals(safe, name); });
}

std::string RedactUrl(std::string_view url) {
    std::string out;
    out.reserve(url.size());
    // Userinfo in scheme://user:pass@host.
    const auto scheme_end = url.find("://");
    if (scheme_end != std::string_view::npos) {
        const auto authority_start = scheme_end + 3;
        const auto authority_end = url.find_first_of("/?#", authority_start);
        const auto at = url.substr(0, authority_end).rfind('@');
        if (at != std::string_view::npos && at > authority_start) {
            out.append(url.substr(0, authority_start)).append(kRedacted).append("@");
            url.remove_prefix(at + 1);
        }
    }
    const auto q = url.find('?');
    if (q == std::string_view::npos) {
        out.append(url);
        return out;
    }
    out.append(url.substr(0, q + 1));
    std::string_view query = url.substr(q + 1);
    std::string_view fragment;
    if (const auto hash = query.find('#'); hash != std::string_view::npos) {
        fragment = query.substr(hash);
        query = query.substr(0, hash);
    }
    bool first = true;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (!first) out.push_back('&');
        first = false;
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) {
            out.append(pair);
            continue;
        }
        const std::string_view key = pair.substr(0, eq);
        out.append(key).push_back('=');
        if (IsSafeQueryParameter(key)) {
            out.append(pair.substr(eq + 1));
        } else {
            out.append(kRedacted);
        }
    }
    out.append(fragment);
    return out;
}

namespace {

// Every scheme://userinfo@host of `text` as scheme://REDACTED@host.
std::string RedactUserinfo(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.compare(i, 3, "://") == 0) {
            const auto end = text.find_first_of("/?# \"'\n", i + 3);
            const auto authority = text.substr(
                i + 3, end == std::string_view::npos ? std::string_view::npos : end - (i + 3));
            const auto at = authority.rfind('@');
            if (at != std::string_view::npos) {
                out.append("://").append(kRedacted).append("@");
                i += 3 + at + 1;
                continue;
            }
        }
        out.push_back(text[i]);
        ++i;
    }
    return out;
}

}  // namespace

std::string ScrubSecrets(std::string_view text) {
    // Every marker holds '=', "bearer " a space and "://" a colon: text with none of them (most
    // log values: ids, numbers, names) has nothing to scrub. Every log line passes here.
    // (One pass over the text: find_first_of would search the three markers once per character.)
    if (std::none_of(text.begin(), text.end(),
                     [](char c) { return c == '=' || c == ' ' || c == ':'; })) {
        return std::string(text);
    }
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        bool matched = false;
        for (const auto marker : kSecretMarkers) {
            const bool at_word_start =
                i == 0 ||
                !(std::isalnum(static_cast<unsigned char>(text[i - 1])) != 0 || text[i - 1] == '_');
            if (at_word_start && lower.compare(i, marker.size(), marker) == 0) {
                out.append(text.substr(i, marker.size())).append(kRedacted);
                i += marker.size();
                while (i < text.size() && !IsValueEnd(text[i])) ++i;
                matched = true;
                break;
            }
        }
        if (matched) continue;
        if (lower.compare(i, 7, "bearer ") == 0) {
            out.append(text.substr(i, 7)).append(kRedacted);
            i += 7;
            while (i < text.size() && !IsValueEnd(text[i])) ++i;
            continue;
        }
        out.push_back(text[i]);
        ++i;
    }
    // scheme://user:password@host -> scheme://REDACTED@host, on what is left: a value redacted
    // above can take a URL's '?' or '/' with it, and so join what followed to the URL's
    // authority ("://host&sig=REDACTED&user:pw@"), and what then reads as userinfo goes too.
    if (out.find("://") != std::string::npos) out = RedactUserinfo(out);
    return out;
}

}  // namespace cerulean::core
