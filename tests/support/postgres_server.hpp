#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {

/// A throwaway PostgreSQL cluster (initdb + postgres in the foreground) in a temp dir, on a free
/// loopback port, with trust authentication for the superuser `cerulean`. Started by the
/// constructor, stopped (fast shutdown) by the destructor.
///
/// PostgreSQL refuses to run as root: when the test runs as root, the temp dir is handed to the
/// `postgres` user and initdb and postgres run through `runuser -u postgres --`.
class PostgresServer {
 public:
    /// The superuser role initdb creates.
    static constexpr std::string_view kUser = "cerulean";

    /// Runs initdb, starts postgres and waits (up to 60 s) until it accepts connections. Throws
    /// std::runtime_error with the log's tail when a step fails.
    PostgresServer();
    /// Stops the server.
    ~PostgresServer();

    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    /// The loopback port the server listens on; the same after Stop() and Start().
    int port() const { return port_; }
    /// "postgresql://cerulean@127.0.0.1:PORT/postgres".
    std::string url() const { return UrlFor("postgres"); }
    /// "postgresql://cerulean@127.0.0.1:PORT/<database>" (the name percent-encoded).
    std::string UrlFor(std::string_view database) const;
    /// The directory holding initdb, postgres, psql and pg_isready.
    const std::filesystem::path& bin_dir() const { return bin_dir_; }
    /// The cluster's data directory.
    std::filesystem::path data_dir() const { return dir_.path() / "data"; }
    /// The server log of the current (or last) run.
    const std::filesystem::path& log_path() const { return log_path_; }
    /// The started process's id (runuser's when running as root); -1 when stopped.
    pid_t pid() const;
    /// The postmaster's process id (from postmaster.pid); -1 when stopped.
    pid_t postmaster_pid() const { return postmaster_pid_; }

    /// Creates an empty database and returns its URL. Throws std::runtime_error (with psql's
    /// output) when it fails, e.g. when the database exists.
    std::string CreateDatabase(std::string_view name);
    /// Runs `psql -X -v ON_ERROR_STOP=1 -d <url> -c <sql>` and returns its exit status; its
    /// output goes to `log_path`.
    int RunPsql(const std::string& url, const std::string& sql,
                const std::filesystem::path& log_path) const;

    /// Whether the server process still runs.
    bool Running();
    /// Starts the server again on the same port and data after Stop(); does nothing while it runs.
    void Start();
    /// Fast shutdown: SIGINT to the postmaster, SIGKILL of the process group after 30 s.
    void Stop();

 private:
    std::vector<std::string> AsPostgresUser(std::vector<std::string> argv) const;
    bool Ready();

    TempDir dir_;
    std::filesystem::path bin_dir_;
    bool as_root_ = false;
    int port_ = 0;
    int runs_ = 0;
    pid_t postmaster_pid_ = -1;
    std::filesystem::path log_path_;
    std::unique_ptr<ChildProcess> process_;
    std::mutex psql_mutex_;
};

}  // namespace cerulean::testing
