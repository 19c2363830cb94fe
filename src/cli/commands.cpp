#include "cli/commands.hpp"

#include <algorithm>
#include <iostream>
#include <thread>

#include "api/app.hpp"
#include "core/log.hpp"
#include "http/offload.hpp"
#include "http/server.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace cerulean::cli {
namespace {

std::size_t Cores() {
    return std::max(1U, std::thread::hardware_concurrency());
}

std::shared_ptr<store::Database> OpenDatabase(const Config& config, std::size_t pool_size) {
    store::DatabaseOptions options;
    options.url = config.database_url;
    options.pool_size = pool_size;
    return store::Database::Open(options);
}

}  // namespace

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

int RunServe(Config config) {
    EnsureSecrets(config);
    // Blocking work (database calls now, Azure transfers later) runs on its own bounded pool;
    // each of its threads may hold one database session at a time.
    const std::size_t blocking_threads = std::max<std::size_t>(4, Cores() * 4);
    auto db = OpenDatabase(config, blocking_threads + 2);
    const auto report = store::Migrate(*db);
    core::log::Info("store.ready",
                    {{"database", db->display_url()}, {"schema_version", report.to_version}});

    http::BlockingPool pool(blocking_threads);
    api::AppOptions app_options;
    app_options.web_root = config.web_root;
    api::App app(app_options, db, pool);

    http::ServerOptions server_options;
    server_options.host = config.listen_host;
    server_options.port = config.listen_port;
    server_options.threads = config.http_threads;
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
    pool.Join();
    return 0;
}

}  // namespace cerulean::cli
