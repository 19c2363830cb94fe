#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>

#include "api/api_context.hpp"
#include "api/ops_endpoints.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/vault.hpp"
#include "http/offload.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"
#include "jobs/worker.hpp"
#include "store/database.hpp"
#include "store/sync_job_repository.hpp"

namespace cerulean::api {

/// Options of the HTTP API.
struct AppOptions {
    std::filesystem::path web_root = "web/dist";                            ///< the built web UI
    std::filesystem::path swagger_ui_dir = "node_modules/swagger-ui-dist";  ///< for /docs
    std::size_t json_body_limit = 1024 * 1024;  ///< largest JSON request body
    /// Token signing secret; empty: a random one (tokens then die with the process: tests).
    std::string jwt_secret;
    /// Credential encryption keys, the first encrypts; empty: a random key (tests).
    std::vector<crypto::VaultKey> master_keys;
    crypto::PasswordHasherOptions password;         ///< Argon2id cost
    service::UserServiceOptions users;              ///< sign-in rules
    service::ConnectionServiceOptions connections;  ///< endpoint policy and storage calls
    service::AzureBlobServiceOptions blobs;         ///< timeouts and transfer sizes of blob routes
    /// Blob uploads, downloads and copies run at once (a thread each); more get 503 server_busy.
    std::size_t max_transfers = 64;
    service::BlobLinkOptions links;  ///< lifetimes of download and preview links
    jobs::SyncJobOptions sync_jobs;  ///< the sync root and the transfers of sync runs
    /// The blob endpoint of a local storage emulator this server runs with (`make run`), which
    /// the web UI offers as a connection; empty when there is none.
    std::string local_emulator_endpoint;
    std::string version = "0.1.0";  ///< reported by GET /api/v1/meta
    /// CERULEAN_METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>`;
    /// empty: /metrics is open (keep it off the public side of the proxy).
    std::string metrics_token;
    /// How long the queue figures of /metrics are reused before the database is asked again.
    std::chrono::milliseconds metrics_cache{5'000};
    /// /readyz calls the queue stalled when a due run has waited this long although a worker
    /// of this process found nothing to claim after it was due.
    std::chrono::milliseconds queue_stall_after{60'000};
};

/// The whole HTTP API: routes, error mapping to problem details, and the web UI's files.
class App {
 public:
    /// An API over `db`, running database work on `pool` and calls to Azure (which block for
    /// as long as the service takes) on `storage_pool` (`pool` when null).
    App(AppOptions options, std::shared_ptr<store::Database> db, http::BlockingPool& pool,
        http::BlockingPool* storage_pool = nullptr);

    /// Answers one request: the matching route, 405 for a known path with another method,
    /// the web UI's files for other GET requests, 404 otherwise. Never throws.
    http::Task<http::Response> Handle(http::Request& request);

    /// Waits for the blob streams still running (the server has stopped by then).
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    /// The storage connections service (workers in the same process share it).
    [[nodiscard]] std::shared_ptr<service::ConnectionService> connections() const {
        return context_.connections;
    }

    /// The routes (the OpenAPI document is checked against them).
    [[nodiscard]] const http::Router& router() const { return router_; }

    /// Tells /readyz and /metrics that `worker` runs sync jobs in this process (null: none
    /// does, the queue is served elsewhere). It must outlive the requests.
    void AttachWorker(const jobs::Worker* worker) { ops_.AttachWorker(worker); }

 private:
    void AddMetaRoutes();
    http::Task<http::Response> Route(http::Request& request);

    AppOptions options_;
    std::shared_ptr<store::Database> db_;
    http::BlockingPool& pool_;
    OpsEndpoints ops_;                                   // /healthz, /readyz and /metrics
    std::unique_ptr<http::BlockingPool> transfer_pool_;  // before context_, which refers to it
    ApiContext context_;
    http::Router router_;
    http::StaticFiles static_files_;
};

}  // namespace cerulean::api
