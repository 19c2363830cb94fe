// /api/v1/azure_blob/connections*: each user's storage connections.

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

constexpr std::string_view kBase = "/api/v1/azure_blob/connections";

// The fields of a ConnectionCreate / ConnectionUpdate body; unknown ones are refused.
service::ConnectionFields ReadFields(const boost::json::object& object) {
    JsonFields fields(object);
    service::ConnectionFields out;
    out.name = fields.String("name");
    out.auth_type = fields.String("auth_type");
    out.account_name = fields.NullableString("account_name");
    out.endpoint = fields.NullableString("endpoint");
    out.container_name = fields.NullableString("container_name");
    out.is_active = fields.Bool("is_active");
    out.sync_preferences = fields.NullableObjectText("sync_preferences");
    out.credentials = fields.StringMap("credentials");
    fields.Finish();
    return out;
}

std::string Path(std::string_view suffix) {
    return std::string(kBase) + std::string(suffix);
}

}  // namespace

void AddConnectionRoutes(http::Router& router, ApiContext& context) {
    router.Add("POST", Path(""), [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const auto fields = ReadFields(co_await ReadJsonObject(context, request));
        auto connections = context.connections;
        const std::int64_t user_id = me.id;
        auto create = [connections, user_id, fields] {
            return connections->Create(user_id, fields);
        };
        const core::Connection created = co_await context.pool.Run(create);
        co_return JsonText(201, ConnectionJson(created));
    });

    router.Add("GET", Path(""), [&context](Request& request) -> Task<Response> {
        auto connections = context.connections;
        // The page is written out on the pool thread, in the same hop as the queries.
        auto list = [connections, &request](const core::User& me) {
            const Paging paging = ReadPaging(request);
            const auto page = connections->List(me.id, paging.skip, paging.limit);
            return ListJson(page.items, page.total, AppendConnectionJson);
        };
        std::string body = co_await AsUser(context, request, list);
        co_return JsonText(200, std::move(body));
    });

    router.Add("GET", Path("/{id:int}"), [&context](Request& request) -> Task<Response> {
        auto connections = context.connections;
        auto get = [connections, &request](const core::User& me) {
            return connections->Get(me.id, IdParam(request));
        };
        const core::Connection c = co_await AsUser(context, request, get);
        co_return JsonText(200, ConnectionJson(c));
    });

    for (const char* method : {"PATCH", "PUT"}) {
        const bool replace = std::string_view(method) == "PUT";
        router.Add(method, Path("/{id:int}"),
                   [&context, replace](Request& request) -> Task<Response> {
                       const core::User me = co_await Authenticate(context, request);
                       const std::int64_t id = IdParam(request);
                       const auto fields = ReadFields(co_await ReadJsonObject(context, request));
                       auto connections = context.connections;
                       const std::int64_t user_id = me.id;
                       auto apply = [connections, user_id, id, fields, replace] {
                           return replace ? connections->Replace(user_id, id, fields)
                                          : connections->Patch(user_id, id, fields);
                       };
                       const core::Connection c = co_await context.pool.Run(apply);
                       co_return JsonText(200, ConnectionJson(c));
                   });
    }

    router.Add("DELETE", Path("/{id:int}"), [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const std::int64_t id = IdParam(request);
        auto connections = context.connections;
        const std::int64_t user_id = me.id;
        auto remove = [connections, user_id, id] {
            connections->Delete(user_id, id);
            return true;
        };
        co_await context.pool.Run(remove);
        co_return http::EmptyResponse(204);
    });

    router.Add("POST", Path("/{id:int}/test"), [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const std::int64_t id = IdParam(request);
        auto connections = context.connections;
        const std::int64_t user_id = me.id;
        auto test = [connections, user_id, id] { return connections->Test(user_id, id); };
        const service::ConnectionTestResult result = co_await context.storage_pool.Run(test);
        if (result.ok) {
            co_return JsonResponse(
                200, boost::json::object{{"ok", true}, {"latency_ms", result.latency_ms}});
        }
        co_return JsonResponse(
            200,
            boost::json::object{{"ok", false}, {"code", result.code}, {"detail", result.detail}});
    });
}

}  // namespace cerulean::api
