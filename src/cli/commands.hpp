#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "api/app.hpp"
#include "cli/config.hpp"

namespace cerulean::cli {

/// `cerulean serve`: migrates the database (or, with CERULEAN_AUTO_MIGRATE off, checks that it
/// is current), then serves the API and the web UI until SIGINT or
/// SIGTERM. Returns the process exit code.
int RunServe(Config config);

/// The API's options from the configuration.
api::AppOptions MakeAppOptions(const Config& config);

/// Arguments of `cerulean user create`.
struct UserCreateArgs {
    std::string email;                     ///< --email
    std::optional<std::string> full_name;  ///< --full-name
    bool superuser = false;                ///< --superuser
};

/// `cerulean user create --email E --password-stdin [--superuser]`: creates an account even
/// when sign-up is disabled (the first superuser comes from here).
int RunUserCreate(Config config, const UserCreateArgs& args);

/// `cerulean keys rotate`: re-encrypts every stored credential under the first key of
/// CERULEAN_MASTER_KEYS, in batches, each in a transaction; safe to interrupt and run again.
int RunKeysRotate(Config config, std::size_t batch_size);

/// `cerulean worker`: runs queued sync runs from the shared database (CERULEAN_WORKERS at once,
/// 2 when it is 0) until SIGINT or SIGTERM, then lets them finish for a while and hands back
/// those still running. Needs the servers' master keys. With CERULEAN_WORKER_LISTEN it also
/// answers GET /metrics, /healthz and /readyz there until it stops.
int RunWorker(Config config);

/// `cerulean migrate`: applies pending migrations and reports the schema version.
int RunMigrate(const Config& config);

/// `cerulean backup PATH [--force]`: a consistent online copy of the SQLite database at PATH
/// (SQLite's backup API, while servers keep writing), refusing to replace an existing file
/// unless `force`; one line of summary. PostgreSQL is refused with a pointer to pg_dump.
int RunBackup(const Config& config, const std::filesystem::path& destination, bool force);

}  // namespace cerulean::cli
