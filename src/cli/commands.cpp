#include "cli/commands.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "api/app.hpp"
#include "api/ops_endpoints.hpp"
#include "cli/interrupt.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/token_signer.hpp"
#include "crypto/vault.hpp"
#include "http/offload.hpp"
#include "http/server.hpp"
#include "jobs/worker.hpp"
#include "service/audit_log.hpp"
#include "service/user_service.hpp"
#include "store/backup.hpp"
#include "store/connection_repository.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace cerulean::cli {
namespace {

std::size_t Cores() {
    return std::max(1U, std::thread::hardware_concurrency());
}

// Threads for blocking storage calls (each mostly waits on the network).
constexpr std::size_t kStorageThreads = 32;

std::shared_ptr<store::Database> OpenDatabase(const Config& config, std::size_t pool_size) {
    store::DatabaseOptions options;
    options.url = config.database_url;
    options.pool_size = pool_size;
    return store::Database::Open(options);
}

jobs::WorkerOptions MakeWorkerOptions(const Config& config, const api::AppOptions& app) {
    jobs::WorkerOptions options;
    options.runs = static_cast<std::size_t>(std::max(config.workers, 0));
    options.jobs = app.sync_jobs;
    return options;
}

std::vector<crypto::VaultKey> VaultKeys(const Config& config) {
    std::vector<crypto::VaultKey> keys;
    for (const auto& key : config.master_keys) keys.push_back({key.id, key.key});
    return keys;
}

// Brings the schema to this binary's version (CERULEAN_AUTO_MIGRATE, the default), or, with
// it off, checks that `cerulean migrate` has: a schema behind or ahead of this binary stops
// the start with one line saying which and what to do. The schema version.
int PrepareSchema(store::Database& db, const Config& config) {
    if (config.auto_migrate) return store::Migrate(db).to_version;
    store::CheckSchemaCurrent(db);
    return store::SchemaVersion(db);
}

// GET /metrics, /healthz and /readyz of a `cerulean worker` on CERULEAN_WORKER_LISTEN: bound
// by the constructor, served on a thread of its own from Start, closed by the destructor.
class WorkerListener {
 public:
    WorkerListener(const Config& config, const api::AppOptions& app,
                   std::shared_ptr<store::Database> db, const jobs::Worker& worker)
        : ops_({app.metrics_token, app.metrics_cache, app.queue_stall_after}, std::move(db), pool_),
          server_(ServerOptions(config),
                  [this](http::Request& request) { return ops_.Handle(request); }) {
        ops_.AttachWorker(&worker);
        try {
            server_.Listen();
        } catch (const core::Error& e) {
            throw core::Error(e.code(), std::string("CERULEAN_WORKER_LISTEN: ") + e.what());
        }
        const std::string host = config.worker_listen_host.find(':') != std::string::npos
                                     ? "[" + config.worker_listen_host + "]"
                                     : config.worker_listen_host;
        url_ = "http://" + host + ":" + std::to_string(server_.port());
    }

    /// Serves until destroyed.
    void Start() {
        thread_ = std::thread([this] { server_.Run(/*handle_signals=*/false); });
        core::log::Info("worker.listening", {{"url", url_}});
        std::cout << "Cerulean worker answers /metrics on " << url_ << std::endl;
    }

    ~WorkerListener() {
        if (thread_.joinable()) {
            server_.Stop();
            thread_.join();
        }
        pool_.Join();
    }
    WorkerListener(const WorkerListener&) = delete;
    WorkerListener& operator=(const WorkerListener&) = delete;

 private:
    static http::ServerOptions ServerOptions(const Config& config) {
        http::ServerOptions options;
        options.host = config.worker_listen_host;
        options.port = config.worker_listen_port;
        options.threads = 1;  // a scrape now and then, and probes
        options.shutdown_grace = std::chrono::seconds(2);
        return options;
    }

    http::BlockingPool pool_{1};  // the database queries of /readyz and /metrics
    api::OpsEndpoints ops_;
    http::Server server_;
    std::thread thread_;
    std::string url_;
};

}  // namespace

api::AppOptions MakeAppOptions(const Config& config) {
    api::AppOptions options;
    options.web_root = config.web_root;
    options.local_emulator_endpoint = config.local_emulator_endpoint;
    options.jwt_secret = config.jwt_secret;
    options.master_keys = VaultKeys(config);
    options.users.token_ttl_seconds = config.token_ttl_seconds;
    options.users.allow_signup = config.allow_signup;
    options.connections.endpoints.allowed_suffixes = config.allowed_endpoint_suffixes;
    options.connections.endpoints.allow_loopback = config.allow_loopback_endpoints;
    options.connections.authority_host = config.azure_authority_host;
    options.max_transfers = config.max_transfers;
    options.sync_jobs.sync_root = config.sync_root;
    options.metrics_token = config.metrics_token;
    return options;
}

int RunUserCreate(Config config, const UserCreateArgs& args) {
    std::string password;
    if (!std::getline(std::cin, password) || password.empty()) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "--password-stdin: no password on standard input");
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    EnsureSecrets(config);
    auto db = OpenDatabase(config, 1);
    PrepareSchema(*db, config);
    const auto options = MakeAppOptions(config);
    service::UserService users(db, std::make_shared<crypto::PasswordHasher>(options.password),
                               std::make_shared<crypto::TokenSigner>(options.jwt_secret),
                               options.users);
    service::Registration registration;
    registration.email = args.email;
    registration.password = password;
    registration.full_name = args.full_name;
    registration.is_superuser = args.superuser;
    const auto user = users.Register(registration, /*from_cli=*/true);
    std::cout << "created " << (user.is_superuser ? "superuser " : "user ") << user.email << " (id "
              << user.id << ")\n";
    return 0;
}

int RunKeysRotate(Config config, std::size_t batch_size) {
    EnsureSecrets(config);
    auto db = OpenDatabase(config, 1);
    PrepareSchema(*db, config);
    auto vault = std::make_shared<crypto::Vault>(VaultKeys(config));
    store::ConnectionRepository connections(db, vault);
    const auto report = connections.RotateKeys(batch_size);
    service::AuditEvent rotated{std::nullopt, "keys.rotated", "vault", vault->PrimaryKeyId(), {}};
    rotated.detail["resealed"] = report.resealed;
    rotated.detail["current"] = report.current;
    service::AuditLog(db).Record(rotated, {"cli", ""});
    std::cout << "re-encrypted " << report.resealed << " credential(s) under key '"
              << vault->PrimaryKeyId() << "'; " << report.current << " already were\n";
    return 0;
}

int RunMigrate(const Config& config) {
    auto db = OpenDatabase(config, 1);
    const auto report = store::Migrate(*db);
    if (report.applied.empty()) {
        std::cout << "schema is up to date at version " << report.to_version << " ("
                  << db->display_url() << ")\n";
    } else {
        std::cout << "migrated " << db->display_url() << " from version " << report.from_version
                  << " to " << report.to_version << "\n";
    }
    return 0;
}

int RunBackup(const Config& config, const std::filesystem::path& destination, bool force) {
    store::SqliteBackupOptions options;
    options.overwrite = force;
    const auto report = store::BackupSqlite(config.database_url, destination, options);
    char size[32];
    std::snprintf(size, sizeof size, "%.1f MiB", static_cast<double>(report.bytes) / (1 << 20));
    std::cout << "backed up " << report.source.string() << " (schema version "
              << report.schema_version << ", " << size << ") to " << destination.string()
              << "; the master keys are not in it: keep master.key or CERULEAN_MASTER_KEYS "
                 "backed up apart, without them its credentials cannot be read\n";
    return 0;
}

int RunServe(Config config) {
    EnsureSecrets(config);
    // Database work is short and CPU-bound: one thread per core (more only adds contention:
    // bench/api measured 23.6k req/s with 8 threads, 29k with 2, on 2 cores). Sessions: one
    // per database thread, and some for storage calls that read a connection first.
    const std::size_t blocking_threads = Cores();
    // Each worker thread holds a session at times (claims, heartbeats), as does the scheduler.
    const std::size_t worker_sessions =
        static_cast<std::size_t>(std::max(config.workers, 0)) * 2 + 1;
    auto db = OpenDatabase(config, blocking_threads + 8 + worker_sessions);
    const int schema_version = PrepareSchema(*db, config);
    core::log::Info("store.ready",
                    {{"database", db->display_url()}, {"schema_version", schema_version}});

    http::BlockingPool pool(blocking_threads);
    // Calls to Azure block for as long as the service takes (up to a request's deadline): they
    // get a pool of their own, so a slow storage account never starves the database work.
    http::BlockingPool storage_pool(kStorageThreads);
    const api::AppOptions app_options = MakeAppOptions(config);
    api::App app(app_options, db, pool, &storage_pool);
    // Sync runs in this process (CERULEAN_WORKERS threads; 0 leaves them to `cerulean worker`).
    jobs::Worker worker(db, app.connections(), MakeWorkerOptions(config, app_options));
    worker.Start();
    // /readyz then checks that the queue is served here.
    if (config.workers > 0) app.AttachWorker(&worker);

    http::ServerOptions server_options;
    server_options.host = config.listen_host;
    server_options.port = config.listen_port;
    server_options.threads = config.http_threads;
    server_options.trusted_proxies = config.trusted_proxies;
    http::Server server(server_options,
                        [&app](http::Request& request) { return app.Handle(request); });
    server.Listen();
    const std::string host = config.listen_host.find(':') != std::string::npos
                                 ? "[" + config.listen_host + "]"
                                 : config.listen_host;
    const std::string url = "http://" + host + ":" + std::to_string(server.port());
    core::log::Info("http.listening", {{"url", url}});
    std::cout << "Cerulean is listening on " << url << std::endl;
    server.Run(/*handle_signals=*/true);
    worker.Stop(std::chrono::seconds(config.worker_grace_seconds));
    storage_pool.Join();
    pool.Join();
    return 0;
}

int RunWorker(Config config) {
    if (config.workers <= 0) config.workers = 2;
    // A worker decrypts what the servers encrypted: it must share their keys, never make its own.
    if (config.master_keys.empty() && !std::filesystem::exists(config.data_dir / "master.key")) {
        throw core::Error(
            core::ErrorCode::kConfiguration,
            "CERULEAN_MASTER_KEYS: not set, and no master.key in CERULEAN_DATA_DIR: a "
            "worker needs the same keys as the servers");
    }
    EnsureSecrets(config);
    const bool listens = !config.worker_listen_host.empty();
    // With CERULEAN_WORKER_LISTEN, /readyz and /metrics query the database now and then.
    const std::size_t sessions =
        static_cast<std::size_t>(config.workers) * 2 + 2 + (listens ? 1 : 0);
    auto db = OpenDatabase(config, sessions);
    const int schema_version = PrepareSchema(*db, config);
    core::log::Info("store.ready",
                    {{"database", db->display_url()}, {"schema_version", schema_version}});
    const api::AppOptions app_options = MakeAppOptions(config);
    auto connections = std::make_shared<service::ConnectionService>(
        db, std::make_shared<crypto::Vault>(VaultKeys(config)), app_options.connections);
    const InterruptHandler interrupt;
    jobs::Worker worker(db, connections, MakeWorkerOptions(config, app_options));
    // CERULEAN_WORKER_LISTEN: GET /metrics, /healthz and /readyz (as `serve` answers them),
    // bound before the worker claims anything, so that a bad address stops the start cleanly.
    std::optional<WorkerListener> listener;
    if (listens) listener.emplace(config, app_options, db, worker);
    worker.Start();
    if (listener) listener->Start();
    std::cout << "Cerulean worker is running " << config.workers << " run(s) at once" << std::endl;
    {
        std::mutex mutex;
        std::condition_variable_any stopped;
        std::unique_lock lock(mutex);
        stopped.wait(lock, interrupt.token(), [] { return false; });
    }
    core::log::Info("worker.stopping",
                    {{"grace_seconds", static_cast<std::int64_t>(config.worker_grace_seconds)}});
    worker.Stop(std::chrono::seconds(config.worker_grace_seconds));
    // Scrapes and probes are answered through the grace (/readyz says "stalled" once the
    // worker stops claiming); the listener closes with the worker.
    listener.reset();
    core::log::Info("worker.stopped");
    return 0;
}

}  // namespace cerulean::cli
