// GET /api/v1/audit: the audit log as its reader may see it.

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "api/api_context.hpp"
#include "api/json.hpp"
#include "core/error.hpp"

namespace cerulean::api {
namespace {

using http::Request;
using http::Response;
using http::Task;

boost::json::object EventJson(const store::AuditRecord& r) {
    boost::system::error_code ec;
    boost::json::value detail = boost::json::parse(r.detail, ec);
    if (ec || !detail.is_object()) detail = boost::json::object{};
    boost::json::value user_id = nullptr;
    if (r.user_id) user_id = *r.user_id;
    return {{"id", r.id},
            {"user_id", std::move(user_id)},
            {"actor", OrNull(r.actor)},
            {"action", r.action},
            {"target_type", OrNull(r.target_type)},
            {"target_id", OrNull(r.target_id)},
            {"detail", std::move(detail)},
            {"remote_address", OrNull(r.remote_address)},
            {"request_id", OrNull(r.request_id)},
            {"created_at", core::FormatRfc3339(r.created_at)}};
}

// The filters of the query string; 422 with the fields that are wrong.
service::AuditQuery ReadQuery(const Request& request) {
    core::Error error(core::ErrorCode::kInvalidArgument, "the query is invalid",
                      "validation_error");
    service::AuditQuery query;
    if (const auto text = request.Query("user_id")) {
        std::int64_t id = 0;
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), id);
        if (ec != std::errc{} || end != text->data() + text->size() || id <= 0) {
            error.WithField("user_id", "must be a positive integer");
        } else {
            query.user_id = id;
        }
    }
    if (const auto action = request.Query("action")) {
        const bool ok = !action->empty() && action->size() <= 64 &&
                        std::all_of(action->begin(), action->end(), [](char c) {
                            return (c >= 'a' && c <= 'z') || c == '_' || c == '.';
                        });
        if (!ok) {
            error.WithField("action", "must be an action name, or a family like connection.");
        } else {
            query.action = std::string(*action);
        }
    }
    for (const char* bound : {"since", "until"}) {
        if (const auto text = request.Query(bound)) {
            const auto t = core::ParseRfc3339(*text);
            if (!t) {
                error.WithField(bound, "must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z");
            } else {
                (std::string_view(bound) == "since" ? query.since : query.until) = *t;
            }
        }
    }
    if (!error.field_errors().empty()) throw error;
    return query;
}

}  // namespace

void AddAuditRoutes(http::Router& router, ApiContext& context) {
    router.Add("GET", "/api/v1/audit", [&context](Request& request) -> Task<Response> {
        auto audit = context.audit;
        auto list = [audit, &request](const core::User& me) {
            const Paging paging = ReadPaging(request);
            const service::AuditQuery query = ReadQuery(request);
            const auto page = audit->List(me, query, paging.skip, paging.limit);
            boost::json::array items;
            items.reserve(page.items.size());
            for (const auto& record : page.items) items.push_back(EventJson(record));
            return boost::json::object{{"items", std::move(items)}, {"total", page.total}};
        };
        co_return JsonResponse(200, co_await AsUser(context, request, list));
    });
}

}  // namespace cerulean::api
