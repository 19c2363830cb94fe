#include "azure/token_source.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <charconv>

#include "azure/pipeline.hpp"
#include "azure/storage_error.hpp"
#include "azure/url.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::azure {
namespace {

using Clock = std::chrono::steady_clock;

void Wipe(std::string& secret) {
    volatile char* p = secret.data();
    for (std::size_t i = 0; i < secret.size(); ++i) p[i] = 0;
    secret.clear();
}

core::Error Malformed(std::string message) {
    return {core::ErrorCode::kInternal,
            "the token endpoint sent a malformed answer: " + std::move(message),
            "malformed_token_response"};
}

bool IsLoopbackHost(std::string_view authority) {
    std::string_view host = authority;
    if (host.starts_with("[")) return host.starts_with("[::1]");
    host = host.substr(0, host.find(':'));
    return host == "localhost" || host.starts_with("127.");
}

std::string TokenUrl(const ServicePrincipalOptions& options) {
    const std::string authority = NormalizeEndpoint(options.authority_host);
    const UrlParts parts = SplitUrl(authority);
    if (parts.scheme != "https" && !IsLoopbackHost(parts.authority)) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "the authority host must be an https URL", "invalid_authority");
    }
    return authority + "/" + EncodeQueryValue(options.tenant_id) + "/oauth2/v2.0/token";
}

std::string Clean(std::string_view text) {
    std::string out = core::ScrubSecrets(text);
    for (char& c : out) {
        if (std::iscntrl(static_cast<unsigned char>(c)) != 0) c = ' ';
    }
    if (out.size() > 300) out = out.substr(0, 300) + "...";
    return out;
}

// The OAuth2 error of a refused token request, e.g. "invalid_client: AADSTS7000215: ...".
std::string OAuthError(std::string_view body) {
    boost::system::error_code ec;
    const boost::json::value value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) return {};
    const auto& object = value.as_object();
    std::string text;
    if (const auto* error = object.if_contains("error"); error != nullptr && error->is_string()) {
        text = std::string(error->as_string());
    }
    if (const auto* description = object.if_contains("error_description");
        description != nullptr && description->is_string()) {
        if (!text.empty()) text += ": ";
        text += std::string(description->as_string());
    }
    return Clean(text);
}

}  // namespace

StaticTokenSource::StaticTokenSource(std::string token) : token_(std::move(token)) {
    if (token_.empty()) {
        throw core::Error(core::ErrorCode::kInvalidArgument, "the access token is empty");
    }
    expires_at_ = JwtExpiry(token_);
}

std::optional<core::UnixMillis> JwtExpiry(std::string_view token) {
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    std::string payload(token.substr(first + 1, second - first - 1));
    for (char& c : payload) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    while (payload.size() % 4 != 0) payload.push_back('=');
    const auto json = crypto::Base64Decode(payload);
    if (!json) return std::nullopt;
    boost::system::error_code ec;
    const boost::json::value claims = boost::json::parse(*json, ec);
    if (ec || !claims.is_object()) return std::nullopt;
    const auto* exp = claims.as_object().if_contains("exp");
    if (exp == nullptr) return std::nullopt;
    if (exp->is_int64()) return exp->as_int64() * 1000;
    if (exp->is_uint64()) return static_cast<core::UnixMillis>(exp->as_uint64()) * 1000;
    if (exp->is_double()) return static_cast<core::UnixMillis>(exp->as_double() * 1000);
    return std::nullopt;
}

StaticTokenSource::~StaticTokenSource() {
    Wipe(token_);
}

std::string StaticTokenSource::GetToken(const CallOptions& /*call*/) const {
    if (expires_at_ && core::NowMillis() >= *expires_at_) {
        throw StorageError(core::ErrorCode::kPermissionDenied,
                           "the connection's access token expired at " +
                               core::FormatRfc3339(*expires_at_) +
                               ": give the connection a new one",
                           "azure_auth_failed", StorageErrorKind::kService);
    }
    return token_;
}

TokenResponse ParseTokenResponse(std::string_view json) {
    boost::system::error_code ec;
    const boost::json::value value = boost::json::parse(json, ec);
    if (ec || !value.is_object()) throw Malformed("the body is not a JSON object");
    const auto& object = value.as_object();
    TokenResponse response;
    const auto* token = object.if_contains("access_token");
    if (token == nullptr || !token->is_string() || token->as_string().empty()) {
        throw Malformed("it has no access_token");
    }
    response.access_token = std::string(token->as_string());
    if (const auto* type = object.if_contains("token_type"); type != nullptr) {
        std::string name = type->is_string() ? std::string(type->as_string()) : std::string();
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name != "bearer") throw Malformed("the token_type is not Bearer");
    }
    const auto* expires = object.if_contains("expires_in");
    std::int64_t seconds = -1;
    if (expires != nullptr && expires->is_int64()) {
        seconds = expires->as_int64();
    } else if (expires != nullptr && expires->is_uint64()) {
        seconds =
            static_cast<std::int64_t>(std::min<std::uint64_t>(expires->as_uint64(), 1U << 30));
    } else if (expires != nullptr && expires->is_string()) {
        const std::string_view text = expires->as_string();
        const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (err != std::errc{} || end != text.data() + text.size()) seconds = -1;
    }
    if (seconds < 0) throw Malformed("it has no valid expires_in");
    response.expires_in = std::chrono::seconds(seconds);
    return response;
}

ClientSecretTokenSource::ClientSecretTokenSource(ServicePrincipalOptions options,
                                                 std::shared_ptr<HttpTransport> transport,
                                                 RetryOptions retry)
    : options_(std::move(options)), transport_(std::move(transport)), retry_(retry) {
    const auto missing = [](const char* field) {
        return core::Error(core::ErrorCode::kInvalidArgument,
                           std::string("the service principal's ") + field + " is empty")
            .WithField(std::string("credentials.") + field, "must not be empty");
    };
    if (options_.tenant_id.empty()) throw missing("tenant_id");
    if (options_.client_id.empty()) throw missing("client_id");
    if (options_.client_secret.empty()) throw missing("client_secret");
    if (!transport_) throw std::invalid_argument("ClientSecretTokenSource needs a transport");
    token_url_ = TokenUrl(options_);
}

ClientSecretTokenSource::~ClientSecretTokenSource() {
    Wipe(options_.client_secret);
    Wipe(token_);
}

Clock::time_point ClientSecretTokenSource::Now() const {
    return options_.clock ? options_.clock() : Clock::now();
}

std::string ClientSecretTokenSource::GetToken(const CallOptions& call) const {
    // Holding the lock across the fetch makes concurrent callers wait for one request instead of
    // sending one each.
    const std::lock_guard lock(mutex_);
    if (!token_.empty() && Now() < refresh_at_) return token_;

    std::string body =
        "grant_type=client_credentials&client_id=" + EncodeQueryValue(options_.client_id) +
        "&client_secret=" + EncodeQueryValue(options_.client_secret) +
        "&scope=" + EncodeQueryValue(options_.scope);
    struct WipeOnExit {
        std::string& text;
        ~WipeOnExit() { Wipe(text); }
    } wipe_body{body};

    HttpRequest request;
    request.method = "POST";
    request.url = token_url_;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Accept", "application/json"}};
    request.body = RequestBody::FromBytes(body);
    // Asking twice for a token is harmless.
    request.idempotent = true;

    const Pipeline pipeline(transport_, nullptr, PipelineOptions{retry_, false});
    const auto requested_at = Now();
    HttpResponse response;
    try {
        response = pipeline.Send("RequestToken", request, call);
    } catch (const StorageError& error) {
        throw core::Error(
            error.code(),
            "cannot get a token for the service principal: " + std::string(error.what()),
            error.reason());
    }
    if (response.status != 200) {
        std::string message = "the identity platform refused the service principal (HTTP " +
                              std::to_string(response.status) + ")";
        if (const std::string detail = OAuthError(response.body); !detail.empty()) {
            message += ": " + detail;
        }
        const bool refused = response.status >= 400 && response.status < 500 &&
                             response.status != 408 && response.status != 429;
        throw core::Error(
            refused ? core::ErrorCode::kPermissionDenied : core::ErrorCode::kUnavailable, message,
            refused ? "azure_auth_failed" : "azure_unreachable");
    }
    TokenResponse parsed = ParseTokenResponse(response.body);
    Wipe(response.body);
    const auto lifetime = std::chrono::duration_cast<Clock::duration>(parsed.expires_in);
    const auto margin = std::chrono::duration_cast<Clock::duration>(options_.refresh_margin);
    refresh_at_ = requested_at + (lifetime > 2 * margin ? lifetime - margin : lifetime / 2);
    Wipe(token_);
    token_ = std::move(parsed.access_token);
    core::log::Debug("azure_token_acquired",
                     {{"expires_in_s", static_cast<std::int64_t>(parsed.expires_in.count())}});
    return token_;
}

}  // namespace cerulean::azure
