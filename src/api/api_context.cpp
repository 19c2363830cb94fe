#include "api/api_context.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "api/json.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace cerulean::api {
namespace {

core::Error Unauthenticated() {
    return core::Error(core::ErrorCode::kUnauthenticated, "a valid bearer token is required",
                       "not_authenticated");
}

std::optional<std::int64_t> ParseInt(std::string_view text) {
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::string BearerToken(const http::Request& request) {
    const auto header = request.headers().Get("Authorization");
    if (!header || header->size() < 8 || !http::EqualsIgnoreCase(header->substr(0, 7), "bearer ")) {
        throw Unauthenticated();
    }
    std::string token(header->substr(7));
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    if (token.empty()) throw Unauthenticated();
    return token;
}

http::Task<core::User> Authenticate(ApiContext& context, const http::Request& request) {
    const std::string token = BearerToken(request);
    auto users = context.users;
    auto check = [users, token] { return users->Authenticate(token); };
    co_return co_await context.pool.Run(check);
}

http::Task<boost::json::object> ReadJsonObject(ApiContext& context, const http::Request& request) {
    const auto type = request.headers().Get("Content-Type").value_or("application/json");
    if (type.find("json") == std::string_view::npos) {
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

std::int64_t IdParam(const http::Request& request, std::string_view name) {
    const auto text = request.Param(name);
    const auto value = text ? ParseInt(*text) : std::nullopt;
    if (!value) {
        throw core::Error(core::ErrorCode::kNotFound, "no such resource", "not_found");
    }
    return *value;
}

boost::json::object UserJson(const core::User& user) {
    boost::json::object out;
    out["id"] = user.id;
    out["email"] = user.email;
    out["full_name"] = user.full_name ? boost::json::value(*user.full_name) : nullptr;
    out["is_active"] = user.is_active;
    out["is_superuser"] = user.is_superuser;
    out["created_at"] = core::FormatRfc3339(user.created_at);
    return out;
}

void AppendConnectionJson(std::string& out, const core::Connection& c) {
    const auto text = [&out](std::string_view key, std::string_view value) {
        out.append(",\"").append(key).append("\":").append(boost::json::serialize(value));
    };
    const auto optional_text = [&](std::string_view key, const std::optional<std::string>& v) {
        if (v) {
            text(key, *v);
        } else {
            out.append(",\"").append(key).append("\":null");
        }
    };
    out.append("{\"id\":").append(std::to_string(c.id));
    out.append(",\"user_id\":").append(std::to_string(c.user_id));
    text("name", c.name);
    text("auth_type", core::ToString(c.auth_type));
    text("account_name", c.account_name);
    text("endpoint", c.endpoint);
    optional_text("container_name", c.container_name);
    out.append(",\"is_active\":").append(c.is_active ? "true" : "false");
    // Stored as the compact JSON the API itself serialized on the way in.
    out.append(",\"sync_preferences\":")
        .append(c.sync_preferences ? std::string_view(*c.sync_preferences) : "null");
    text("created_at", core::FormatRfc3339(c.created_at));
    text("updated_at", core::FormatRfc3339(c.updated_at));
    out.push_back('}');
}

std::string ConnectionJson(const core::Connection& connection) {
    std::string out;
    out.reserve(320);
    AppendConnectionJson(out, connection);
    return out;
}

}  // namespace cerulean::api
