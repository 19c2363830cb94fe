// Request headers the API reads itself: `Range` (ParseRange) and `If-None-Match`
// (IfNoneMatchMatches) of blob downloads, the `Content-Disposition` written from a blob name
// (AttachmentDisposition), forwarding headers (TrustedProxies, ResolveClientAddress), and query
// strings (http::ParseQuery).
//
// Input lines: Range, blob size, If-None-Match, ETag, blob name, trusted proxies, peer address,
// Forwarded, X-Forwarded-For, X-Forwarded-Proto; the whole input is also a query string.
//
// Invariants: nothing but core::Error (kConfiguration, from the proxy list) escapes; a range is
// inside the blob (first <= last < size) and never both given and unsatisfiable; a tag matches
// itself; a Content-Disposition is printable ASCII (no header injection) whose filename*
// decodes to the name's last segment; a client address is the peer or one printable word, and
// a protocol is http or https.

#include <charconv>

#include "api/blob_routes.hpp"
#include "core/error.hpp"
#include "fuzz_support.hpp"
#include "http/client_address.hpp"
#include "http/headers.hpp"
#include "http/request.hpp"

namespace {

using namespace cerulean;

void CheckRange(std::string_view header, std::string_view size_text) {
    std::uint64_t size = 0;
    std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
    for (const std::uint64_t blob_size :
         {size, std::uint64_t{0}, std::uint64_t{1}, ~std::uint64_t{0}}) {
        const api::RangeRequest range = api::ParseRange(header, blob_size);
        FUZZ_CHECK(!(range.unsatisfiable && range.range), std::string(header));
        if (range.range) {
            FUZZ_CHECK(range.range->first <= range.range->last, std::string(header));
            FUZZ_CHECK(range.range->last < blob_size, std::string(header));
        }
    }
}

void CheckEtag(std::string_view header, std::string_view etag) {
    (void)api::IfNoneMatchMatches(header, etag);
    std::string_view bare = etag;
    while (!bare.empty() && (bare.front() == ' ' || bare.front() == '\t')) bare.remove_prefix(1);
    if (bare.starts_with("W/")) bare.remove_prefix(2);
    while (!bare.empty() && (bare.back() == ' ' || bare.back() == '\t')) bare.remove_suffix(1);
    if (!bare.empty() && etag.find(',') == std::string_view::npos) {
        FUZZ_CHECK(api::IfNoneMatchMatches(etag, etag), std::string(etag));
        FUZZ_CHECK(api::IfNoneMatchMatches("*", etag), std::string(etag));
    }
}

void CheckDisposition(std::string_view name) {
    const std::string header = api::AttachmentDisposition(name);
    for (const char c : header) {
        FUZZ_CHECK(c >= 0x20 && c < 0x7F, header);
    }
    std::string_view base = name;
    while (base.ends_with('/')) base.remove_suffix(1);
    if (const auto slash = base.rfind('/'); slash != std::string_view::npos) {
        base.remove_prefix(slash + 1);
    }
    if (base.empty()) base = "download";
    const auto star = header.rfind("; filename*=UTF-8''");
    FUZZ_CHECK(star != std::string::npos, header);
    const std::string encoded = header.substr(star + 19);
    FUZZ_CHECK(http::PercentDecode(encoded, false) == base, header);
    FUZZ_CHECK(encoded.find_first_of(" \";\\") == std::string::npos, header);
}

void CheckClientAddress(const std::vector<std::string_view>& f) {
    http::TrustedProxies trusted;
    try {
        trusted = http::TrustedProxies::Parse(f[5]);
    } catch (const core::Error& e) {
        FUZZ_CHECK(e.code() == core::ErrorCode::kConfiguration, e.what());
        trusted = http::TrustedProxies::Parse("127.0.0.1, 10.0.0.0/8, ::1, fd00::/8");
    }
    http::Headers headers;
    if (!f[7].empty()) headers.Add("Forwarded", f[7]);
    if (!f[8].empty()) headers.Add("X-Forwarded-For", f[8]);
    if (!f[9].empty()) headers.Add("X-Forwarded-Proto", f[9]);
    const http::ClientAddress client = http::ResolveClientAddress(f[6], headers, trusted);
    if (client.address != f[6]) {
        // An address from a header reaches logs and throttling keys: one printable word (an
        // IPv6 zone id, "%eth0", included).
        for (const char c : client.address) {
            FUZZ_CHECK(c > 0x20 && c < 0x7F && c != ',' && c != ';' && c != '"', client.address);
        }
        FUZZ_CHECK(!client.address.empty(), "an empty address");
    }
    if (client.proto)
        FUZZ_CHECK(*client.proto == "http" || *client.proto == "https", *client.proto);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::AsText(data, size);
    const auto f = fuzz::Fields(text, 10);
    CheckRange(f[0], f[1]);
    CheckEtag(f[2], f[3]);
    CheckDisposition(f[4]);
    CheckClientAddress(f);
    for (const auto& [key, value] : http::ParseQuery(text)) {
        FUZZ_CHECK(key.size() + value.size() <= text.size(), key);
    }
    return 0;
}
