#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace cerulean::store {

/// How BackupSqlite copies.
struct SqliteBackupOptions {
    /// Pages copied per sqlite3_backup_step: the copy holds SQLite's locks one batch at a time
    /// (in WAL mode, the one Cerulean uses, the snapshot read never blocks the server's writes).
    int pages_per_step = 256;
    /// Replace an existing file at the destination; otherwise the backup refuses to start.
    bool overwrite = false;
};

/// What BackupSqlite copied.
struct SqliteBackupReport {
    std::filesystem::path source;  ///< the database file
    std::uint64_t pages = 0;       ///< pages copied
    std::uint64_t bytes = 0;       ///< size of the copy
    int schema_version = 0;        ///< the copy's schema version (0: never migrated)
};

/// Takes a consistent online copy of the SQLite database of `url` (`sqlite://PATH`) at
/// `destination` with SQLite's backup API, while servers and workers keep using the database:
/// one read snapshot, copied in batches of pages, checked (`PRAGMA integrity_check`), written to
/// a temporary file beside the destination (mode 0600: it holds password hashes and sealed
/// credentials), synced and then renamed into place, so that a failed or interrupted backup
/// never leaves a partial file under the destination's name.
///
/// Throws core::Error: kFailedPrecondition for a PostgreSQL URL (use pg_dump) or an in-memory
/// database, kAlreadyExists when `destination` exists and `overwrite` is not set, kNotFound
/// when the database file does not exist, kUnavailable when SQLite fails.
SqliteBackupReport BackupSqlite(const std::string& url, const std::filesystem::path& destination,
                                const SqliteBackupOptions& options = {});

}  // namespace cerulean::store
