#include "api/api_context.hpp"

#include <array>
#include <boost/json.hpp>
#include <charconv>

#include "api/json.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "http/headers.hpp"
#include "http/server.hpp"

namespace cerulean::api {
namespace {

// Whether a Content-Type names JSON: application/json or a structured "+json" type, in any
// case, with or without parameters.
bool IsJsonMediaType(std::string_view type) {
    type = type.substr(0, type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
    const std::size_t slash = type.find('/');
    if (slash == std::string_view::npos ||
        !http::EqualsIgnoreCase(type.substr(0, slash), "application")) {
        return false;
    }
    const std::string_view subtype = type.substr(slash + 1);
    return http::EqualsIgnoreCase(subtype, "json") ||
           (subtype.size() > 5 &&
            http::EqualsIgnoreCase(subtype.substr(subtype.size() - 5), "+json"));
}

core::Error Unauthenticated() {
    return core::Error(core::ErrorCode::kUnauthenticated, "a valid bearer token is required",
                       "not_authenticated");
}

// Which bytes a JSON string must escape: '"', '\\' and the control characters.
constexpr std::array<bool, 256> kEscaped = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 0x20; ++c) table[c] = true;
    table['"'] = true;
    table['\\'] = true;
    return table;
}();

// A JSON string literal, escaped exactly as boost::json::serialize does (so that the hand-written
// responses match the rest of the API byte for byte), without building a json::value.
void AppendJsonString(std::string& out, std::string_view text) {
    constexpr std::string_view kHex = "0123456789abcdef";
    out.push_back('"');
    std::size_t clean = 0;  // start of the run not yet copied
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (!kEscaped[c]) continue;
        out.append(text.data() + clean, i - clean);
        clean = i + 1;
        out.push_back('\\');
        switch (c) {
            case '"':
            case '\\':
                out.push_back(static_cast<char>(c));
                break;
            case '\b':
                out.push_back('b');
                break;
            case '\t':
                out.push_back('t');
                break;
            case '\n':
                out.push_back('n');
                break;
            case '\f':
                out.push_back('f');
                break;
            case '\r':
                out.push_back('r');
                break;
            default:
                out.append("u00", 3).push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 15]);
        }
    }
    out.append(text.data() + clean, text.size() - clean);
    out.push_back('"');
}

// Text known to need no escaping (enum names), in quotes.
void AppendPlainString(std::string& out, std::string_view text) {
    out.push_back('"');
    out.append(text);
    out.push_back('"');
}

// A time as a JSON string; its digits and separators need no escaping.
void AppendTime(std::string& out, core::UnixMillis t) {
    out.push_back('"');
    core::AppendRfc3339(out, t);
    out.push_back('"');
}

void AppendInt(std::string& out, std::int64_t value) {
    std::array<char, 24> buffer{};
    auto* const end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
    out.append(buffer.data(), end);
}

std::optional<std::int64_t> ParseInt(std::string_view text) {
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

namespace {

// The bearer token in the request's Authorization header, as BearerToken returns it.
std::string_view BearerTokenView(const http::Request& request) {
    const auto header = request.headers().Get("Authorization");
    if (!header || header->size() < 8 || !http::EqualsIgnoreCase(header->substr(0, 7), "bearer ")) {
        throw Unauthenticated();
    }
    std::string_view token = header->substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    if (token.empty()) throw Unauthenticated();
    return token;
}

}  // namespace

std::string BearerToken(const http::Request& request) {
    return std::string(BearerTokenView(request));
}

std::optional<core::User> AuthenticateNow(ApiContext& context, const http::Request& request) {
    // On an I/O thread, the user reads of the requests of one round of its event loop share a
    // read transaction (store::TryWithSessionNow): its snapshot is taken after each of them
    // was received, as a read of its own would be, for a fraction of the cost.
    auto user =
        context.users->TryAuthenticateNow(BearerTokenView(request), &http::DeferToEndOfRound);
    if (user) request.set_user_id(user->id);  // for the access log
    return user;
}

http::Task<core::User> Authenticate(ApiContext& context, const http::Request& request) {
    // On SQLite the user is read here, on the I/O thread (a read by key: microseconds), sparing
    // the request two thread hops; the pool does it when that cannot be done without waiting.
    if (auto user = AuthenticateNow(context, request)) co_return std::move(*user);
    const std::string token = BearerToken(request);
    auto users = context.users;
    auto check = [users, token] { return users->Authenticate(token); };
    core::User user = co_await context.pool.Run(check);
    request.set_user_id(user.id);  // for the access log
    co_return user;
}

http::Task<boost::json::object> ReadJsonObject(ApiContext& context, const http::Request& request) {
    // Exactly application/json (or a +json type): a page on another site can send a body
    // without preflight only as text/plain, a form or no type at all, so none of those is read.
    if (!IsJsonMediaType(request.headers().Get("Content-Type").value_or(""))) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "the request body must be application/json", "unsupported_media_type");
    }
    const std::string body = co_await request.ReadBody(context.json_body_limit);
    co_return ParseJsonObject(body);
}

Paging ReadPaging(const http::Request& request) {
    Paging paging;
    core::Error error(core::ErrorCode::kInvalidArgument, "invalid paging", "validation_error");
    if (const auto skip = request.Query("skip")) {
        const auto value = ParseInt(*skip);
        if (!value || *value < 0) {
            error.WithField("skip", "must be an integer >= 0");
        } else {
            paging.skip = *value;
        }
    }
    if (const auto limit = request.Query("limit")) {
        const auto value = ParseInt(*limit);
        if (!value || *value < 1 || *value > 1000) {
            error.WithField("limit", "must be an integer from 1 to 1000");
        } else {
            paging.limit = *value;
        }
    }
    if (!error.field_errors().empty()) throw error;
    return paging;
}

service::AuditOrigin OriginOf(const http::Request& request) {
    return {request.remote_address(), request.request_id()};
}

std::int64_t IdParam(const http::Request& request, std::string_view name) {
    const auto text = request.Param(name);
    const auto value = text ? ParseInt(*text) : std::nullopt;
    if (!value) {
        throw core::Error(core::ErrorCode::kNotFound, "no such resource", "not_found");
    }
    return *value;
}

void AppendUserJson(std::string& out, const core::User& user) {
    using namespace std::string_view_literals;
    out.append("{\"id\":"sv);
    AppendInt(out, user.id);
    out.append(",\"email\":"sv);
    AppendJsonString(out, user.email);
    out.append(",\"full_name\":"sv);
    if (user.full_name) {
        AppendJsonString(out, *user.full_name);
    } else {
        out.append("null"sv);
    }
    out.append(",\"is_active\":"sv).append(user.is_active ? "true"sv : "false"sv);
    out.append(",\"is_superuser\":"sv).append(user.is_superuser ? "true"sv : "false"sv);
    out.append(",\"created_at\":"sv);
    AppendTime(out, user.created_at);
    out.push_back('}');
}

std::string UserJsonText(const core::User& user) {
    std::string out;
    out.reserve(192);
    AppendUserJson(out, user);
    return out;
}

void AppendConnectionJson(std::string& out, const core::Connection& c) {
    using namespace std::string_view_literals;
    out.append("{\"id\":"sv);
    AppendInt(out, c.id);
    out.append(",\"user_id\":"sv);
    AppendInt(out, c.user_id);
    out.append(",\"name\":"sv);
    AppendJsonString(out, c.name);
    out.append(",\"auth_type\":"sv);
    AppendPlainString(out, core::ToString(c.auth_type));
    out.append(",\"account_name\":"sv);
    AppendJsonString(out, c.account_name);
    out.append(",\"endpoint\":"sv);
    AppendJsonString(out, c.endpoint);
    out.append(",\"container_name\":"sv);
    if (c.container_name) {
        AppendJsonString(out, *c.container_name);
    } else {
        out.append("null"sv);
    }
    out.append(",\"is_active\":"sv).append(c.is_active ? "true"sv : "false"sv);
    // Stored as the compact JSON the API itself serialized on the way in.
    out.append(",\"sync_preferences\":"sv)
        .append(c.sync_preferences ? std::string_view(*c.sync_preferences) : "null"sv);
    out.append(",\"created_at\":"sv);
    AppendTime(out, c.created_at);
    out.append(",\"updated_at\":"sv);
    AppendTime(out, c.updated_at);
    out.push_back('}');
}

std::string ConnectionJson(const core::Connection& connection) {
    std::string out;
    out.reserve(320);
    AppendConnectionJson(out, connection);
    return out;
}

}  // namespace cerulean::api
