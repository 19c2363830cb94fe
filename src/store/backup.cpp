#include "store/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/error.hpp"
#include "store/database.hpp"

namespace cerulean::store {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSqlitePrefix = "sqlite://";

// How long a batch waits for a lock another connection holds (a checkpoint, say) before the
// backup gives up.
constexpr int kBusyTimeoutMs = 10'000;

core::Error SqliteFailure(const std::string& what, sqlite3* db) {
    return core::Error(core::ErrorCode::kUnavailable,
                       what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"),
                       "backup_failed");
}

struct CloseDatabase {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, CloseDatabase>;

Connection OpenFile(const fs::path& path, int flags, const std::string& role) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Connection db(raw);
    if (rc != SQLITE_OK) throw SqliteFailure("cannot open the " + role + " " + path.string(), raw);
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
    return db;
}

void Execute(sqlite3* db, const char* sql, const std::string& what) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        throw SqliteFailure(what, db);
    }
}

// The first column of the first row of `sql` as text ("" when there is none).
std::string QueryText(sqlite3* db, const char* sql, const std::string& what) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) throw SqliteFailure(what, db);
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement(raw, sqlite3_finalize);
    const int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) throw SqliteFailure(what, db);
    const auto* text = sqlite3_column_text(raw, 0);
    return text != nullptr ? reinterpret_cast<const char*>(text) : "";
}

// Removes the temporary copy unless the backup got as far as renaming it into place.
class TemporaryFile {
 public:
    explicit TemporaryFile(fs::path path) : path_(std::move(path)) {}
    ~TemporaryFile() {
        if (!kept_) {
            std::error_code ec;
            fs::remove(path_, ec);
            for (const char* suffix : {"-journal", "-wal", "-shm"}) {
                fs::remove(fs::path(path_.string() + suffix), ec);
            }
        }
    }
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    const fs::path& path() const { return path_; }
    void Keep() { kept_ = true; }

 private:
    fs::path path_;
    bool kept_ = false;
};

void SyncPath(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

core::Error Io(const std::string& what) {
    return core::Error(core::ErrorCode::kUnavailable, what + ": " + std::strerror(errno),
                       "backup_failed");
}

// Copies every page of `source` into `destination` within the read transaction the caller
// holds on `source`; the number of pages.
std::uint64_t CopyPages(sqlite3* source, sqlite3* destination, int pages_per_step) {
    sqlite3_backup* backup = sqlite3_backup_init(destination, "main", source, "main");
    if (backup == nullptr) throw SqliteFailure("cannot start the backup", destination);
    int rc = SQLITE_OK;
    do {
        rc = sqlite3_backup_step(backup, pages_per_step);
        // Busy or locked: another connection holds a lock a moment (a checkpoint); wait a
        // little and go on from where the copy stands.
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(10);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    const auto pages = static_cast<std::uint64_t>(sqlite3_backup_pagecount(backup));
    const int finished = sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE || finished != SQLITE_OK) {
        throw SqliteFailure("the backup failed", destination);
    }
    return pages;
}

}  // namespace

SqliteBackupReport BackupSqlite(const std::string& url, const fs::path& destination,
                                const SqliteBackupOptions& options) {
    if (DialectOf(url) != Dialect::kSqlite) {
        throw core::Error(core::ErrorCode::kFailedPrecondition,
                          "the database is PostgreSQL: back it up with pg_dump (docs/DEPLOY.md, "
                          "\"Backups\"); `cerulean backup` copies SQLite databases only",
                          "backup_unsupported");
    }
    const fs::path source = url.substr(kSqlitePrefix.size());
    if (source.empty() || source == ":memory:") {
        throw core::Error(core::ErrorCode::kFailedPrecondition,
                          "an in-memory database has nothing to back up", "backup_unsupported");
    }
    if (!fs::is_regular_file(source)) {
        throw core::Error(core::ErrorCode::kNotFound,
                          "no SQLite database at " + source.string() +
                              " (check CERULEAN_DATABASE_URL and the working directory)",
                          "backup_source_missing");
    }
    std::error_code ec;
    if (fs::exists(destination, ec) && !options.overwrite) {
        throw core::Error(core::ErrorCode::kAlreadyExists,
                          destination.string() + " exists: pass --force to replace it",
                          "backup_exists");
    }
    if (fs::exists(destination, ec) && fs::equivalent(destination, source, ec)) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "the backup cannot replace the database itself", "backup_exists");
    }
    const fs::path folder =
        destination.parent_path().empty() ? fs::path(".") : destination.parent_path();
    if (!fs::is_directory(folder, ec)) {
        throw core::Error(core::ErrorCode::kNotFound, "no folder " + folder.string(),
                          "backup_folder_missing");
    }

    // Created here first so that SQLite writes into a file only its owner can read.
    // Built by appending: g++ 12 warns falsely (-Wrestrict) on "literal" + std::string.
    std::string temporary_name(".");
    temporary_name += destination.filename().string();
    temporary_name += ".partial-";
    temporary_name += std::to_string(::getpid());
    TemporaryFile temporary(folder / temporary_name);
    {
        const int fd = ::open(temporary.path().c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) throw Io("cannot create " + temporary.path().string());
        ::close(fd);
    }

    SqliteBackupReport report;
    report.source = source;
    {
        const Connection from = OpenFile(source, SQLITE_OPEN_READWRITE, "database");
        const Connection to = OpenFile(temporary.path(), SQLITE_OPEN_READWRITE, "backup file");
        // One read transaction over the whole copy: every batch reads the same snapshot, so the
        // copy is consistent however much the server writes meanwhile (without it, each write
        // by another connection would restart the copy from its first page). In WAL mode a
        // reader blocks no writer; in rollback mode it would block them all, so there the copy
        // is made in one step instead.
        const bool wal =
            QueryText(from.get(), "PRAGMA journal_mode", "cannot read the database") == "wal";
        Execute(from.get(), "BEGIN", "cannot start a read transaction");
        QueryText(from.get(), "SELECT COUNT(*) FROM sqlite_master", "cannot read the database");
        report.pages = CopyPages(from.get(), to.get(), wal ? options.pages_per_step : -1);
        Execute(from.get(), "COMMIT", "cannot end the read transaction");

        const std::string check =
            QueryText(to.get(), "PRAGMA integrity_check", "cannot check the backup");
        if (check != "ok") {
            throw core::Error(core::ErrorCode::kInternal,
                              "the backup failed its integrity check: " + check, "backup_failed");
        }
        const std::string has_migrations =
            QueryText(to.get(),
                      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
                      "'schema_migrations'",
                      "cannot read the backup");
        if (has_migrations != "0") {
            const std::string version = QueryText(
                to.get(), "SELECT MAX(version) FROM schema_migrations", "cannot read the backup");
            report.schema_version = version.empty() ? 0 : std::stoi(version);
        }
    }
    SyncPath(temporary.path(), O_RDONLY);
    report.bytes = static_cast<std::uint64_t>(fs::file_size(temporary.path()));
    if (options.overwrite) {
        if (::rename(temporary.path().c_str(), destination.c_str()) != 0) {
            throw Io("cannot rename the backup to " + destination.string());
        }
    } else {
        // link() fails when the name was taken meanwhile: never replace a file unasked.
        if (::link(temporary.path().c_str(), destination.c_str()) != 0) {
            if (errno == EEXIST) {
                throw core::Error(core::ErrorCode::kAlreadyExists,
                                  destination.string() + " exists: pass --force to replace it",
                                  "backup_exists");
            }
            throw Io("cannot move the backup to " + destination.string());
        }
        ::unlink(temporary.path().c_str());
    }
    temporary.Keep();
    SyncPath(folder, O_RDONLY | O_DIRECTORY);
    return report;
}

}  // namespace cerulean::store
