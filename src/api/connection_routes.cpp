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

// An audit event about connection `id` named `name`: the names of the fields a request gave
// (never their values: credentials are among them).
service::AuditEvent ConnectionEvent(std::int64_t user_id, std::string action, std::int64_t id,
                                    const std::string& name,
                                    const service::ConnectionFields* fields = nullptr) {
    service::AuditEvent event{user_id, std::move(action), "connection", std::to_string(id), {}};
    event.detail["name"] = name;
    if (fields != nullptr) {
        boost::json::array given;
        const auto add = [&given](bool present, std::string_view name) {
            if (present) given.emplace_back(name);
        };
        add(fields->name.has_value(), "name");
        add(fields->auth_type.has_value(), "auth_type");
        add(fields->account_name.has_value(), "account_name");
        add(fields->endpoint.has_value(), "endpoint");
        add(fields->container_name.has_value(), "container_name");
        add(fields->is_active.has_value(), "is_active");
        add(fields->sync_preferences.has_value(), "sync_preferences");
        add(fields->credentials.has_value(), "credentials");
        event.detail["fields"] = std::move(given);
    }
    return event;
}

}  // namespace

void AddConnectionRoutes(http::Router& router, ApiContext& context) {
    router.Add("POST", Path(""), [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const auto fields = ReadFields(co_await ReadJsonObject(context, request));
        auto connections = context.connections;
        auto audit = context.audit;
        const std::int64_t user_id = me.id;
        auto create = [connections, audit, user_id, fields, origin = OriginOf(request)] {
            core::Connection created = connections->Create(user_id, fields);
            audit->Record(
                ConnectionEvent(user_id, "connection.created", created.id, created.name, &fields),
                origin);
            return created;
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
                       auto audit = context.audit;
                       const std::int64_t user_id = me.id;
                       auto apply = [connections, audit, user_id, id, fields, replace,
                                     origin = OriginOf(request)] {
                           core::Connection c = replace ? connections->Replace(user_id, id, fields)
                                                        : connections->Patch(user_id, id, fields);
                           audit->Record(
                               ConnectionEvent(user_id, "connection.updated", id, c.name, &fields),
                               origin);
                           return c;
                       };
                       const core::Connection c = co_await context.pool.Run(apply);
                       co_return JsonText(200, ConnectionJson(c));
                   });
    }

    router.Add("DELETE", Path("/{id:int}"), [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const std::int64_t id = IdParam(request);
        auto connections = context.connections;
        auto audit = context.audit;
        const std::int64_t user_id = me.id;
        auto remove = [connections, audit, user_id, id, origin = OriginOf(request)] {
            const std::string name = connections->Get(user_id, id).name;
            connections->Delete(user_id, id);
            audit->Record(ConnectionEvent(user_id, "connection.deleted", id, name), origin);
            return true;
        };
        co_await context.pool.Run(remove);
        co_return http::EmptyResponse(204);
    });

    router.Add("POST", Path("/{id:int}/test"), [&context](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const std::int64_t id = IdParam(request);
        auto connections = context.connections;
        auto audit = context.audit;
        const std::int64_t user_id = me.id;
        auto test = [connections, audit, user_id, id, origin = OriginOf(request),
                     request_id = request.request_id()] {
            service::ConnectionTestResult result = connections->Test(user_id, id, request_id);
            service::AuditEvent event = ConnectionEvent(user_id, "connection.tested", id,
                                                        connections->Get(user_id, id).name);
            event.detail["ok"] = result.ok;
            audit->Record(event, origin);
            return result;
        };
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
