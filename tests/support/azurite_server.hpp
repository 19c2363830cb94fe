#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {

/// How Azurite is started.
struct AzuriteOptions {
    /// Serve HTTPS with `cert_path` and `key_path` (PEM files).
    bool https = false;
    /// PEM certificate, used when `https` is set.
    std::string cert_path;
    /// PEM private key, used when `https` is set.
    std::string key_path;
    /// Accept OAuth bearer tokens (`--oauth basic`); Azurite requires HTTPS for it.
    bool oauth_basic = false;
    /// Keep blobs in memory (`--inMemoryPersistence`); otherwise in the server's temp dir,
    /// where they survive Restart().
    bool in_memory = true;
};

/// An Azurite blob service (node_modules/.bin/azurite-blob) on a free loopback port, started
/// by the constructor and stopped by the destructor.
class AzuriteServer {
 public:
    /// The account Azurite serves.
    static constexpr std::string_view kAccountName = "devstoreaccount1";
    /// The account's well-known, documented development key.
    static constexpr std::string_view kAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// Starts Azurite and waits (up to 30 s) until its port accepts connections. Throws
    /// std::runtime_error with the log's tail when it exits or times out.
    explicit AzuriteServer(AzuriteOptions options = {});
    /// Stops Azurite.
    ~AzuriteServer();

    AzuriteServer(const AzuriteServer&) = delete;
    AzuriteServer& operator=(const AzuriteServer&) = delete;

    /// The loopback port Azurite listens on; the same across Restart().
    int port() const { return port_; }
    /// "http://127.0.0.1:PORT/devstoreaccount1" ("https://…" with AzuriteOptions::https).
    std::string blob_endpoint() const;
    /// A Shared Key connection string for the account at blob_endpoint().
    std::string connection_string() const;
    /// The Azurite process id; -1 when stopped.
    pid_t pid() const;
    /// The log file of the current (or last) run.
    const std::filesystem::path& log_path() const { return log_path_; }

    /// Whether the Azurite process still runs.
    bool Running();
    /// Starts Azurite again on the same port after Stop(); does nothing while it runs.
    void Start();
    /// Stops Azurite (SIGTERM, then SIGKILL after 5 s). The port stays reserved for Start().
    void Stop();
    /// Stop() then Start() on the same port, e.g. to drop connections in the middle of a request.
    void Restart();
    /// Kills Azurite with SIGKILL, as a crash would (no chance to save what it holds in
    /// memory). The port stays reserved for Start().
    void Kill();

 private:
    AzuriteOptions options_;
    TempDir dir_;
    int port_ = 0;
    int runs_ = 0;
    std::filesystem::path log_path_;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace cerulean::testing
