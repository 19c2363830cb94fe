// Azure's error responses (XML bodies and headers from whatever answers at an endpoint), and the
// scrubbing of what a server echoes before it reaches a message or a log line: ParseErrorBody,
// StorageError::FromResponse, ClassifyServiceError, core::ScrubSecrets, core::RedactUrl.
//
// Input: line 1 the status, line 2 the x-ms-error-code header (absent when empty), the rest the
// body.
//
// Invariants: nothing throws; a message is one line of bounded length that never holds the
// AuthenticationErrorDetail (it quotes the request's signature); ScrubSecrets leaves no secret
// marker followed by anything but REDACTED, and no userinfo; RedactUrl leaves no value of a
// parameter outside the allow-list.

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "azure/list_parser.hpp"
#include "azure/storage_error.hpp"
#include "core/redact.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace cerulean;

constexpr std::array<std::string_view, 10> kMarkers{
    "accountkey=",   "sharedaccesssignature=", "sig=",    "password=",  "client_secret=",
    "access_token=", "refresh_token=",         "secret=", "signature=", "token="};

bool ValueEnd(char c) {
    return std::string_view(";& \"',\n\r\t").find(c) != std::string_view::npos;
}

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// What ScrubSecrets promises of its output.
void CheckScrubbed(std::string_view out) {
    const std::string lower = Lower(out);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const bool word_start =
            i == 0 ||
            !(std::isalnum(static_cast<unsigned char>(out[i - 1])) != 0 || out[i - 1] == '_');
        std::size_t value = std::string::npos;
        for (const auto marker : kMarkers) {
            if (word_start && lower.compare(i, marker.size(), marker) == 0) {
                value = i + marker.size();
                break;
            }
        }
        if (value == std::string::npos && lower.compare(i, 7, "bearer ") == 0) value = i + 7;
        if (value == std::string::npos) continue;
        const std::string_view rest = out.substr(value);
        FUZZ_CHECK(rest.starts_with(core::kRedacted), std::string(out));
        const std::string_view after = rest.substr(core::kRedacted.size());
        FUZZ_CHECK(after.empty() || ValueEnd(after.front()) || after.front() == '@',
                   std::string(out));
    }
    for (std::size_t at = out.find("://"); at != std::string_view::npos;
         at = out.find("://", at + 1)) {
        std::string_view authority = out.substr(at + 3);
        authority = authority.substr(0, authority.find_first_of("/?# \"'\n"));
        const auto sign = authority.rfind('@');
        if (sign == std::string_view::npos) continue;
        // Only REDACTED@ is left of an '@': the userinfo went.
        FUZZ_CHECK(authority.substr(0, sign).ends_with(core::kRedacted), std::string(out));
    }
}

void CheckRedactedUrl(std::string_view url, std::string_view out) {
    // A URL has no '?' before its "://": text that does is no URL.
    const auto scheme = url.find("://");
    if (scheme != std::string_view::npos &&
        url.substr(0, scheme).find('?') != std::string_view::npos) {
        return;
    }
    const auto q = out.find('?');
    if (q == std::string_view::npos) return;
    std::string_view query = out.substr(q + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        if (!core::IsSafeQueryParameter(pair.substr(0, eq))) {
            FUZZ_CHECK(pair.substr(eq + 1) == core::kRedacted, std::string(url));
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::AsText(data, size);
    const auto f = fuzz::Fields(text, 3);
    int status = 0;
    std::from_chars(f[0].data(), f[0].data() + f[0].size(), status);

    azure::HttpResponse response;
    response.status = status;
    if (!f[1].empty()) response.headers.push_back({"x-ms-error-code", std::string(f[1])});
    response.headers.push_back({"x-ms-request-id", "req-1"});
    response.body = std::string(f[2]);

    const auto body = azure::ParseErrorBody(response.body);
    const azure::StorageError error = azure::StorageError::FromResponse("GetBlob", response, "c-1");
    const std::string_view message = error.what();
    FUZZ_CHECK(message.find_first_of("\r\n") == std::string_view::npos, std::string(message));
    FUZZ_CHECK(message.size() < 800, std::string(message));
    FUZZ_CHECK(error.status() == status, std::string(message));
    FUZZ_CHECK(!error.reason().empty(), std::string(message));
    if (body && body->authentication_detail.size() >= 12 &&
        !fuzz::Contains(body->message, body->authentication_detail) &&
        !fuzz::Contains(body->code, body->authentication_detail) &&
        !fuzz::Contains(f[1], body->authentication_detail)) {
        FUZZ_CHECK(!fuzz::Contains(message, body->authentication_detail), std::string(message));
    }
    (void)azure::ClassifyServiceError(status, f[1]);

    CheckScrubbed(core::ScrubSecrets(text));
    CheckRedactedUrl(text, core::RedactUrl(text));
    return 0;
}
