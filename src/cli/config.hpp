#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/environment.hpp"
#include "core/log.hpp"
#include "http/client_address.hpp"

namespace cerulean::cli {

/// One credential-encryption key: an id stored beside each ciphertext, and 32 key bytes.
struct MasterKey {
    std::string id;   ///< 1..32 of [A-Za-z0-9_-]
    std::string key;  ///< 32 raw bytes
};

/// Every setting of Cerulean, as shared/API.md's configuration table lists them (plus a few
/// extensions documented in .env.example).
struct Config {
    std::string listen_host = "127.0.0.1";                     ///< CERULEAN_LISTEN host
    std::uint16_t listen_port = 8080;                          ///< CERULEAN_LISTEN port
    std::string database_url = "sqlite://./data/cerulean.db";  ///< CERULEAN_DATABASE_URL
    std::vector<MasterKey> master_keys;  ///< CERULEAN_MASTER_KEYS; the first one encrypts
    std::string jwt_secret;              ///< CERULEAN_JWT_SECRET
    int token_ttl_seconds = 3600;        ///< CERULEAN_TOKEN_TTL_SECONDS
    bool allow_signup = true;            ///< CERULEAN_ALLOW_SIGNUP
    std::filesystem::path sync_root = "./data/sync";  ///< CERULEAN_SYNC_ROOT
    int workers = 2;                                  ///< CERULEAN_WORKERS
    /// CERULEAN_WORKER_GRACE_SECONDS: how long a stopping worker (SIGTERM) lets its runs go on
    /// before it hands them back to the queue for another worker to resume.
    int worker_grace_seconds = 20;
    /// CERULEAN_WORKER_LISTEN host: where `cerulean worker` answers GET /metrics, /healthz and
    /// /readyz; empty (the default): it listens nowhere.
    std::string worker_listen_host;
    std::uint16_t worker_listen_port = 0;  ///< CERULEAN_WORKER_LISTEN port (0: any free one)
    /// CERULEAN_ALLOWED_ENDPOINT_SUFFIXES
    std::vector<std::string> allowed_endpoint_suffixes{
        ".blob.core.windows.net", ".blob.core.chinacloudapi.cn", ".blob.core.usgovcloudapi.net"};
    bool allow_loopback_endpoints = false;  ///< CERULEAN_ALLOW_LOOPBACK_ENDPOINTS
    std::string azure_authority_host = "https://login.microsoftonline.com";  ///< …AUTHORITY_HOST
    std::filesystem::path data_dir = "./data";    ///< CERULEAN_DATA_DIR: generated key files
    std::filesystem::path web_root = "web/dist";  ///< CERULEAN_WEB_ROOT: the built web UI
    /// CERULEAN_LOCAL_EMULATOR: the blob endpoint of a local storage emulator (`make run`)
    /// that the web UI offers as a connection; empty: none.
    std::string local_emulator_endpoint;
    core::log::Level log_level = core::log::Level::kInfo;           ///< CERULEAN_LOG_LEVEL
    core::log::LogFormat log_format = core::log::LogFormat::kText;  ///< CERULEAN_LOG_FORMAT
    /// CERULEAN_METRICS_TOKEN: the bearer token GET /metrics asks for; empty: open.
    std::string metrics_token;
    int http_threads = 0;  ///< CERULEAN_HTTP_THREADS: I/O threads, 0 for one per core
    /// CERULEAN_TRUSTED_PROXIES: reverse proxies whose forwarding headers are believed.
    http::TrustedProxies trusted_proxies;
    /// CERULEAN_MAX_TRANSFERS: blob uploads, downloads and copies streamed at once (a thread
    /// each); more are refused with 503 server_busy and a Retry-After
    std::size_t max_transfers = 64;
    /// CERULEAN_AUTO_MIGRATE: `serve` and `worker` apply pending migrations at start; off, they
    /// only check that the schema is current (and refuse to start otherwise), leaving the
    /// migration to one `cerulean migrate` per upgrade
    bool auto_migrate = true;
};

/// Reads and validates every setting. Throws core::Error (kConfiguration) with one line that
/// names the variable and what is wrong (never a secret's value). Secrets that are not set
/// stay empty: see EnsureSecrets.
Config LoadConfig(const Environment& env);

/// Fills unset secrets from `data_dir/master.key` and `data_dir/jwt.secret`, creating those
/// files (mode 0600, fresh random keys) on first run.
void EnsureSecrets(Config& config);

/// Parses `kid:base64key,...`; throws core::Error (kConfiguration) naming `variable`.
std::vector<MasterKey> ParseMasterKeys(std::string_view text, std::string_view variable);

}  // namespace cerulean::cli
