#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/transfer_slots.hpp"
#include "core/connection.hpp"
#include "core/user.hpp"
#include "http/offload.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "jobs/sync_job_service.hpp"
#include "service/audit_log.hpp"
#include "service/azure_blob_service.hpp"
#include "service/blob_link_service.hpp"
#include "service/connection_service.hpp"
#include "service/user_service.hpp"

namespace cerulean::api {

/// What route handlers share: the blocking pool their service calls run on, and the services.
struct ApiContext {
    http::BlockingPool& pool;                     ///< for database work (short, CPU-bound)
    http::BlockingPool& storage_pool;             ///< for calls to Azure (they wait on the network)
    std::shared_ptr<service::UserService> users;  ///< accounts and tokens
    std::shared_ptr<service::ConnectionService> connections;  ///< storage connections
    std::size_t json_body_limit = 1024 * 1024;                ///< largest JSON body
    service::AzureBlobServiceOptions blobs;                   ///< limits of storage calls
    /// For blob streams (uploads, downloads, copies): each holds a thread for as long as its
    /// client or Azure takes, so they get a pool of their own (`storage_pool` when null) and
    /// keep quick calls such as listings from queueing behind them.
    http::BlockingPool* transfer_pool = nullptr;
    /// The bound on blob streams at once (none when null).
    std::shared_ptr<TransferSlots> transfer_slots;
    /// Download and preview links to blobs.
    std::shared_ptr<service::BlobLinkService> links;
    /// Sync jobs and their runs.
    std::shared_ptr<jobs::SyncJobService> sync_jobs;
    /// The audit log.
    std::shared_ptr<service::AuditLog> audit;
};

/// Where a request came from, for the audit log.
service::AuditOrigin OriginOf(const http::Request& request);

/// The signed-in user of a request: its bearer token checked (401 with WWW-Authenticate when
/// missing or invalid, 403 "inactive_user"). Runs before any body is read.
http::Task<core::User> Authenticate(ApiContext& context, const http::Request& request);

/// Authenticate without suspending, where the user can be read at once (SQLite with a free
/// session: see service::UserService::TryAuthenticateNow); the same checks and errors. Nullopt
/// when it cannot: the caller then awaits Authenticate.
std::optional<core::User> AuthenticateNow(ApiContext& context, const http::Request& request);

/// The bearer token of a request (401 when there is none).
std::string BearerToken(const http::Request& request);

/// Authenticates the request and runs `work(user)` on the database pool, in one hop: the
/// cheapest way for a read that needs no body. `work` must be a named object (see
/// docs/DEVELOPING.md); it runs on a pool thread.
template <class F>
auto AsUser(ApiContext& context, const http::Request& request, F& work)
    -> http::Task<std::invoke_result_t<F&, const core::User&>> {
    auto users = context.users;
    std::string token = BearerToken(request);
    auto job = [users, token, &work, &request] {
        const core::User user = users->Authenticate(token);
        request.set_user_id(user.id);  // for the access log; the caller waits meanwhile
        return work(user);
    };
    co_return co_await context.pool.Run(job);
}

/// Reads a JSON object body (415 unless JSON, 413 past the limit, 422 when malformed).
http::Task<boost::json::object> ReadJsonObject(ApiContext& context, const http::Request& request);

/// A list page's `skip` (>= 0, default 0) and `limit` (1..1000, default 100); 422 otherwise.
struct Paging {
    std::int64_t skip = 0;     ///< rows to skip
    std::int64_t limit = 100;  ///< rows to return
};
/// Reads `skip` and `limit` from the query string.
Paging ReadPaging(const http::Request& request);

/// The path parameter `id` of a route declared with `{id:int}`.
std::int64_t IdParam(const http::Request& request, std::string_view name = "id");

/// Appends a User as the API shows it, as JSON text written directly (every authenticated page
/// asks for it).
void AppendUserJson(std::string& out, const core::User& user);
/// A User as a JSON response body.
std::string UserJsonText(const core::User& user);
/// Appends a ConnectionRead (every field but the secret) as JSON text: written directly,
/// because lists of them are the API's hottest responses.
void AppendConnectionJson(std::string& out, const core::Connection& connection);
/// A ConnectionRead as a JSON response body.
std::string ConnectionJson(const core::Connection& connection);

/// A list page as a JSON response body, `{"items": [...], "total": N}`, each item written by
/// `append(out, item)` (AppendUserJson, AppendConnectionJson).
template <class T, class Append>
std::string ListJson(const std::vector<T>& items, std::int64_t total, Append append) {
    std::string body;
    body.reserve(64 + items.size() * 320);
    body.append("{\"items\":[");
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) body.push_back(',');
        append(body, items[i]);
    }
    body.append("],\"total\":").append(std::to_string(total)).push_back('}');
    return body;
}

/// Registers /api/v1/auth/* and /api/v1/users*.
void AddUserRoutes(http::Router& router, ApiContext& context);
/// Registers /api/v1/azure_blob/connections*.
void AddConnectionRoutes(http::Router& router, ApiContext& context);
/// Registers /api/v1/audit.
void AddAuditRoutes(http::Router& router, ApiContext& context);
/// Registers /api/v1/azure_blob/connections/{id}/sync_jobs*.
void AddSyncJobRoutes(http::Router& router, ApiContext& context);

}  // namespace cerulean::api
