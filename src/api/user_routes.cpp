// /api/v1/auth/* and /api/v1/users*: registration, tokens, and accounts.

#include <boost/json.hpp>

#include "api/api_context.hpp"
#include "api/json.hpp"
#include "api/json_fields.hpp"
#include "core/error.hpp"

namespace cerulean::api {
namespace {

using http::Request;
using http::Response;
using http::Task;

// The username and password of a token request: an OAuth2 password-grant form, or JSON.
Task<std::pair<std::string, std::string>> ReadCredentials(ApiContext& context,
                                                          const Request& request) {
    const auto type = request.headers().Get("Content-Type").value_or("");
    if (type.find("application/x-www-form-urlencoded") != std::string_view::npos) {
        const std::string body = co_await request.ReadBody(context.json_body_limit);
        std::optional<std::string> grant_type;
        std::optional<std::string> username;
        std::optional<std::string> password;
        for (const auto& [key, value] : http::ParseQuery(body)) {
            if (key == "grant_type") grant_type = value;
            if (key == "username") username = value;
            if (key == "password") password = value;
        }
        core::Error error(core::ErrorCode::kInvalidArgument, "invalid token request",
                          "validation_error");
        if (grant_type && *grant_type != "password") {
            error.WithField("grant_type", "must be \"password\"");
        }
        if (!username) error.WithField("username", "is required");
        if (!password) error.WithField("password", "is required");
        if (!error.field_errors().empty()) throw error;
        co_return std::pair{*username, *password};
    }
    const auto object = co_await ReadJsonObject(context, request);
    JsonFields fields(object);
    auto username = fields.String("username", true);
    auto password = fields.String("password", true);
    fields.Finish();
    co_return std::pair{*username, *password};
}

}  // namespace

void AddUserRoutes(http::Router& router, ApiContext& context) {
    router.Add("POST", "/api/v1/auth/register", [&context](Request& request) -> Task<Response> {
        const auto object = co_await ReadJsonObject(context, request);
        JsonFields fields(object);
        service::Registration registration;
        registration.email = fields.String("email", true).value_or("");
        registration.password = fields.String("password", true).value_or("");
        registration.full_name = fields.String("full_name");
        fields.Finish();
        auto users = context.users;
        auto create = [users, registration] { return users->Register(registration); };
        const core::User user = co_await context.pool.Run(create);
        co_return JsonText(201, UserJsonText(user));
    });

    router.Add("POST", "/api/v1/auth/token", [&context](Request& request) -> Task<Response> {
        // Named strings, not a structured binding: clang 14 (the fuzz build) cannot capture one.
        auto credentials = co_await ReadCredentials(context, request);
        std::string username = std::move(credentials.first);
        std::string password = std::move(credentials.second);
        auto users = context.users;
        std::string address = request.remote_address();
        std::string request_id = request.request_id();
        auto login = [users, username, password, address, request_id] {
            return users->Login(username, password, address, request_id);
        };
        const service::IssuedToken token = co_await context.pool.Run(login);
        auto response = JsonResponse(200, boost::json::object{{"access_token", token.access_token},
                                                              {"token_type", "bearer"},
                                                              {"expires_in", token.expires_in}});
        response.headers.Set("Cache-Control", "no-store");
        co_return response;
    });

    router.Add("GET", "/api/v1/users/me", [&context](Request& request) -> Task<Response> {
        // No database work beyond the authentication, which runs without a thread hop (or a
        // coroutine of its own) when it can.
        std::optional<core::User> me = AuthenticateNow(context, request);
        if (!me) me = co_await Authenticate(context, request);
        co_return JsonText(200, UserJsonText(*me));
    });

    router.Add("PATCH", "/api/v1/users/me", [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const auto object = co_await ReadJsonObject(context, request);
        JsonFields fields(object);
        service::SelfUpdate update;
        update.full_name = fields.NullableString("full_name");
        update.password = fields.String("password");
        update.current_password = fields.String("current_password");
        fields.Finish();
        auto users = context.users;
        auto audit = context.audit;
        auto apply = [users, audit, me, update, origin = OriginOf(request)] {
            core::User updated = users->UpdateSelf(me, update);
            if (update.password) {
                audit->Record({me.id, "auth.password_changed", "user", std::to_string(me.id), {}},
                              origin);
            }
            return updated;
        };
        const core::User updated = co_await context.pool.Run(apply);
        co_return JsonText(200, UserJsonText(updated));
    });

    router.Add("GET", "/api/v1/users", [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const Paging paging = ReadPaging(request);
        auto users = context.users;
        auto list = [users, me, paging] { return users->List(me, paging.skip, paging.limit); };
        const auto page = co_await context.pool.Run(list);
        co_return JsonText(200, ListJson(page.items, page.total, AppendUserJson));
    });

    router.Add("PATCH", "/api/v1/users/{id:int}", [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const std::int64_t id = IdParam(request);
        const auto object = co_await ReadJsonObject(context, request);
        JsonFields fields(object);
        service::AdminUpdate update;
        update.is_active = fields.Bool("is_active");
        update.is_superuser = fields.Bool("is_superuser");
        fields.Finish();
        auto users = context.users;
        auto audit = context.audit;
        auto apply = [users, audit, me, id, update, origin = OriginOf(request)] {
            core::User updated = users->Administer(me, id, update);
            service::AuditEvent event{id, "user.administered", "user", std::to_string(id), {}};
            event.detail["by_user_id"] = me.id;
            if (update.is_active) event.detail["is_active"] = *update.is_active;
            if (update.is_superuser) event.detail["is_superuser"] = *update.is_superuser;
            audit->Record(event, origin);
            return updated;
        };
        const core::User updated = co_await context.pool.Run(apply);
        co_return JsonText(200, UserJsonText(updated));
    });
}

}  // namespace cerulean::api
