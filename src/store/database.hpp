#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace cerulean::store {

/// The SQL dialects Cerulean runs on.
enum class Dialect { kSqlite, kPostgres };

/// How to reach the database.
struct DatabaseOptions {
    /// `sqlite://PATH` (relative paths from the working directory; `sqlite://:memory:` for a
    /// private in-memory database) or `postgresql://user:pass@host:port/db`.
    std::string url = "sqlite://./data/cerulean.db";
    std::size_t pool_size = 8;  ///< sessions kept open
    /// How long SQLite waits on a lock held by another connection before failing (writes are
    /// short: a longer wait is a lock held by someone else, which a request must not sit out).
    std::chrono::milliseconds busy_timeout{std::chrono::seconds(3)};
};

/// A pool of database sessions over SQLite (WAL, foreign keys, busy timeout) or PostgreSQL.
/// Thread-safe: each call leases a session for its own duration; sessions never cross threads.
class Database {
 public:
    struct Impl;

    /// Opens the pool; throws core::Error (kConfiguration for a bad URL, kUnavailable when the
    /// server cannot be reached). Creates the SQLite file's folder when missing.
    static std::shared_ptr<Database> Open(const DatabaseOptions& options);

    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Which dialect this database speaks.
    [[nodiscard]] Dialect dialect() const noexcept;
    /// The URL with any password removed, for logs and messages.
    [[nodiscard]] const std::string& display_url() const noexcept;
    /// Runs a trivial query; throws core::Error (kUnavailable) when the database does not answer.
    void Ping();

    /// The implementation (for the store's own repositories).
    Impl& impl() noexcept { return *impl_; }

 private:
    explicit Database(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// The libpq keyword/value form of a `postgresql://user:pass@host:port/db?opt=v` URL (each
/// value quoted); throws core::Error (kConfiguration) for a malformed URL.
std::string PostgresConnectString(const std::string& url);

/// Registers the database families (pool waits), so that /metrics shows them from the start.
void RegisterDatabaseMetrics();

/// Parses a database URL's dialect; throws core::Error (kConfiguration) for other schemes.
Dialect DialectOf(const std::string& url);

}  // namespace cerulean::store
