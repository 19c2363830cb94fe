// Azure Storage connection strings, as users paste them into a connection (API and CLI):
// ParseConnectionString and the URL helpers it leans on (NormalizeEndpoint, SplitUrl,
// AccountNameFromEndpoint, CheckEndpoint).
//
// Invariants: only core::Error escapes; a parsed string's endpoint is normalized (normalizing it
// again changes nothing) and passes its own parse; its SAS is normalized; an error never quotes
// the AccountKey or SharedAccessSignature value.

#include <algorithm>
#include <cctype>

#include "azure/connection_string.hpp"
#include "azure/endpoint_policy.hpp"
#include "azure/sas.hpp"
#include "azure/url.hpp"
#include "core/error.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace cerulean;

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The secret values the input gives (AccountKey and SharedAccessSignature), long enough and
// shaped enough (holding '+', '/', '%' or '&', which no message text has) to tell apart.
std::vector<std::string> Secrets(std::string_view text) {
    std::vector<std::string> secrets;
    while (!text.empty()) {
        const auto semicolon = text.find(';');
        const std::string_view segment = text.substr(0, semicolon);
        text =
            semicolon == std::string_view::npos ? std::string_view{} : text.substr(semicolon + 1);
        const auto eq = segment.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string key = Lower(segment.substr(0, eq));
        if (!fuzz::Contains(key, "accountkey") && !fuzz::Contains(key, "sharedaccesssignature")) {
            continue;
        }
        const std::string_view value = segment.substr(eq + 1);
        if (value.size() >= 12 && value.find_first_of("+/%&") != std::string_view::npos) {
            secrets.emplace_back(value);
        }
    }
    return secrets;
}

void CheckEndpointHelpers(std::string_view endpoint) {
    try {
        const std::string normalized = azure::NormalizeEndpoint(endpoint);
        FUZZ_CHECK(azure::NormalizeEndpoint(normalized) == normalized, normalized);
        FUZZ_CHECK(!normalized.ends_with('/'), normalized);
        (void)azure::AccountNameFromEndpoint(normalized);
        azure::EndpointPolicy policy;
        policy.allow_loopback = true;
        try {
            const std::string checked = azure::CheckEndpoint(normalized, policy);
            FUZZ_CHECK(azure::CheckEndpoint(checked, policy) == checked, checked);
        } catch (const cerulean::core::Error&) {
        }
    } catch (const cerulean::core::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::AsText(data, size);
    CheckEndpointHelpers(text);
    try {
        const azure::ConnectionString parsed = azure::ParseConnectionString(text);
        FUZZ_CHECK(!parsed.blob_endpoint.empty(), "no endpoint");
        FUZZ_CHECK(azure::NormalizeEndpoint(parsed.blob_endpoint) == parsed.blob_endpoint,
                   parsed.blob_endpoint);
        if (!parsed.sas_token.empty()) {
            FUZZ_CHECK(azure::NormalizeSasToken(parsed.sas_token) == parsed.sas_token,
                       "SAS not normalized");
        }
        if (!parsed.account_key.empty()) {
            FUZZ_CHECK(!parsed.account_name.empty(), "a key without an account");
        }
        (void)parsed.Kind();
        // What a parse gives is a connection string of its own, with the same meaning.
        if (!parsed.development_storage) {
            std::string again = "BlobEndpoint=" + parsed.blob_endpoint;
            // A name derived from the endpoint need not be one a user may write: it is derived
            // again from the same endpoint.
            const bool plain_name =
                std::all_of(parsed.account_name.begin(), parsed.account_name.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
                });
            if (plain_name && !parsed.account_name.empty()) {
                again += ";AccountName=" + parsed.account_name;
            }
            if (!parsed.account_key.empty()) again += ";AccountKey=" + parsed.account_key;
            if (!parsed.sas_token.empty()) again += ";SharedAccessSignature=" + parsed.sas_token;
            if (plain_name || parsed.account_key.empty()) {
                const azure::ConnectionString reparsed = azure::ParseConnectionString(again);
                FUZZ_CHECK(reparsed.blob_endpoint == parsed.blob_endpoint, again);
                FUZZ_CHECK(reparsed.account_name == parsed.account_name, again);
                FUZZ_CHECK(reparsed.account_key == parsed.account_key, again);
                FUZZ_CHECK(reparsed.sas_token == parsed.sas_token, again);
            }
        }
    } catch (const core::Error& e) {
        const std::string_view message = e.what();
        FUZZ_CHECK(e.code() == core::ErrorCode::kInvalidArgument, message);
        for (const std::string& secret : Secrets(text)) {
            FUZZ_CHECK(!fuzz::Contains(message, secret), "an error quotes a secret");
        }
    }
    return 0;
}
