#include "api/app.hpp"

#include <boost/json.hpp>

#include "api/blob_routes.hpp"
#include "api/error_mapping.hpp"
#include "api/json.hpp"
#include "api/openapi.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "crypto/encoding.hpp"
#include "crypto/random.hpp"
#include "crypto/token_signer.hpp"
#include "http/request_metrics.hpp"

namespace cerulean::api {
namespace {

// Shown at / until the web UI is built, so a first `make run` does not greet with a 404.
constexpr std::string_view kLandingPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cerulean</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Cerulean is running</h1>
<p>The web UI has not been built into <code>web/dist</code>. The HTTP API is at
<code>/api/v1</code>; <code>/healthz</code> and <code>/readyz</code> report the server's state.</p>
</body></html>
)";

// The emulator's one account (Azurite's `devstoreaccount1`).
constexpr std::string_view kEmulatorAccount = "devstoreaccount1";

// The console's policy: its own scripts only (no inline script, no eval), styles from its
// files and from the component kit's runtime style sheets, API calls and media to this origin,
// previews framed from this origin only, and never framed by anyone else.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self'; font-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";
static_assert(kContentSecurityPolicy.find("frame-ancestors 'none'") != std::string_view::npos,
              "AddSecurityHeaders relies on it");

// Every response carries these; a route that sets its own policy (blob bytes) keeps it.
// (Each is added where it is absent, which is what Set does then, without its search and erase.)
void AddSecurityHeaders(http::Response& response) {
    auto& headers = response.headers;
    const auto set = [&headers](std::string_view name, std::string_view value) {
        if (headers.Has(name)) {
            headers.Set(name, value);
        } else {
            headers.Add(name, value);
        }
    };
    bool deny_framing = true;  // ours says frame-ancestors 'none'
    if (const auto policy = headers.Get("Content-Security-Policy")) {
        deny_framing = policy->find("frame-ancestors 'none'") != std::string_view::npos;
    } else {
        headers.Add("Content-Security-Policy", kContentSecurityPolicy);
    }
    if (deny_framing) set("X-Frame-Options", "DENY");
    set("X-Content-Type-Options", "nosniff");
    set("Referrer-Policy", "no-referrer");
    set("Cross-Origin-Opener-Policy", "same-origin");
}

}  // namespace

namespace {

std::shared_ptr<service::UserService> MakeUsers(const AppOptions& options,
                                                std::shared_ptr<store::Database> db,
                                                std::shared_ptr<service::AuditLog> audit) {
    const std::string secret = options.jwt_secret.empty()
                                   ? crypto::Base64Encode(crypto::RandomBytes(48))
                                   : options.jwt_secret;
    return std::make_shared<service::UserService>(
        std::move(db), std::make_shared<crypto::PasswordHasher>(options.password),
        std::make_shared<crypto::TokenSigner>(secret), options.users, std::move(audit));
}

std::shared_ptr<service::ConnectionService> MakeConnections(const AppOptions& options,
                                                            std::shared_ptr<store::Database> db) {
    std::vector<crypto::VaultKey> keys = options.master_keys;
    if (keys.empty()) keys.push_back({"ephemeral", crypto::RandomBytes(32)});
    return std::make_shared<service::ConnectionService>(
        std::move(db), std::make_shared<crypto::Vault>(std::move(keys)), options.connections);
}

}  // namespace

App::App(AppOptions options, std::shared_ptr<store::Database> db, http::BlockingPool& pool,
         http::BlockingPool* storage_pool)
    : options_(std::move(options)),
      db_(std::move(db)),
      pool_(pool),
      ops_({options_.metrics_token, options_.metrics_cache, options_.queue_stall_after}, db_,
           pool_),
      transfer_pool_(
          std::make_unique<http::BlockingPool>(std::max<std::size_t>(options_.max_transfers, 1))),
      context_{pool_,
               storage_pool != nullptr ? *storage_pool : pool_,
               MakeUsers(options_, db_, std::make_shared<service::AuditLog>(db_)),
               MakeConnections(options_, db_),
               options_.json_body_limit,
               options_.blobs,
               transfer_pool_.get(),
               std::make_shared<TransferSlots>(options_.max_transfers),
               std::make_shared<service::BlobLinkService>(db_, options_.links),
               nullptr,
               std::make_shared<service::AuditLog>(db_)},
      static_files_(options_.web_root) {
    context_.sync_jobs =
        std::make_shared<jobs::SyncJobService>(db_, context_.connections, options_.sync_jobs);
    ops_.AddRoutes(router_);  // /healthz, /readyz, /metrics
    AddMetaRoutes();
    AddUserRoutes(router_, context_);
    AddConnectionRoutes(router_, context_);
    AddBlobRoutes(router_, context_);
    AddSyncJobRoutes(router_, context_);
    AddAuditRoutes(router_, context_);
    AddDocsRoutes(router_, options_.swagger_ui_dir);
}

App::~App() {
    transfer_pool_->Join();
}

void App::AddMetaRoutes() {
    router_.Add("GET", "/api/v1/meta", [this](http::Request&) -> http::Task<http::Response> {
        boost::json::value emulator = nullptr;
        if (!options_.local_emulator_endpoint.empty()) {
            emulator = boost::json::object{{"endpoint", options_.local_emulator_endpoint},
                                           {"account_name", kEmulatorAccount}};
        }
        auto response =
            JsonResponse(200, boost::json::object{{"version", options_.version},
                                                  {"signup_open", options_.users.allow_signup},
                                                  {"local_emulator", std::move(emulator)}});
        response.headers.Set("Cache-Control", "no-cache");
        co_return response;
    });
}

http::Task<http::Response> App::Handle(http::Request& request) {
    http::Response response = co_await Route(request);
    AddSecurityHeaders(response);
    co_return response;
}

http::Task<http::Response> App::Route(http::Request& request) {
    const auto match = router_.Find(request);
    if (match.handler != nullptr) {
        try {
            co_return co_await (*match.handler)(request);
        } catch (const core::Error& e) {
            if (e.retry_after_seconds() && HttpStatusOf(e.code()) == 503) {
                // Load shed on purpose (the client is told when to come back): not a failure.
                core::log::Warn("api.request_shed", {{"request_id", request.request_id()},
                                                     {"code", e.reason()},
                                                     {"error", e.what()}});
            } else if (HttpStatusOf(e.code()) >= 500) {
                core::log::Error("api.request_failed", {{"request_id", request.request_id()},
                                                        {"code", core::ToString(e.code())},
                                                        {"error", e.what()}});
            }
            co_return ErrorResponse(e);
        } catch (const std::exception& e) {
            core::log::Error("api.request_failed",
                             {{"request_id", request.request_id()}, {"error", e.what()}});
            co_return http::ProblemResponse(
                {500, "internal_error", "an unexpected error occurred"});
        }
    }
    if (!match.allowed.empty()) {
        std::string allow;
        for (const auto& method : match.allowed) allow += (allow.empty() ? "" : ", ") + method;
        auto response = http::ProblemResponse(
            {405, "method_not_allowed", request.method() + " is not allowed here"});
        response.headers.Set("Allow", allow);
        co_return response;
    }
    const bool api_path = request.path().starts_with("/api/");
    if (!api_path) {
        if (auto response = static_files_.Serve(request)) {
            request.set_route(
                &http::MetricsOfOtherRoute(http::OtherRoute::kStatic, request.method()));
            co_return std::move(*response);
        }
        if (request.path() == "/" && (request.method() == "GET" || request.method() == "HEAD")) {
            request.set_route(
                &http::MetricsOfOtherRoute(http::OtherRoute::kStatic, request.method()));
            co_return http::TextResponse(200, std::string(kLandingPage),
                                         "text/html; charset=utf-8");
        }
    }
    co_return http::ProblemResponse(
        {404, "not_found", "no such resource: " + std::string(request.path())});
}

}  // namespace cerulean::api
