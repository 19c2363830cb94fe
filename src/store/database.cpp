#include "store/database.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <filesystem>
#include <mutex>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/redact.hpp"
#include "store/database_impl.hpp"

namespace cerulean::store {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite://";

bool StartsWith(const std::string& s, std::string_view prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

core::Error Unavailable(const std::string& display_url, const std::exception& e) {
    // SOCI's messages can quote the connection string: scrub it.
    return core::Error(core::ErrorCode::kUnavailable,
                       "cannot open database " + display_url + ": " + core::ScrubSecrets(e.what()),
                       "database_unavailable");
}

// SQLite's default, serialized mode takes a connection's mutex in every API call (a tenth of
// a connection list's instructions, a lock per column read). Pooled sessions are leased to one
// thread at a time, which is all that multi-thread mode asks. It must be chosen before SQLite
// initializes, so the first Open does it; should SQLite already be running, the call fails
// harmlessly and connections stay serialized.
void PreferMultiThreadMode() {
    static std::once_flag once;
    std::call_once(once, [] { sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD); });
}

// One libpq keyword/value pair, quoted so that any value is taken literally.
void AppendPair(std::string& out, std::string_view key, std::string_view value) {
    if (value.empty()) return;
    if (!out.empty()) out.push_back(' ');
    out.append(key).append("='");
    for (const char c : value) {
        if (c == '\\' || c == '\'') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('\'');
}

}  // namespace

std::string PostgresConnectString(const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        throw core::Error(core::ErrorCode::kConfiguration,
                          "CERULEAN_DATABASE_URL: not a valid postgresql:// URL");
    }
    std::string out;
    AppendPair(out, "host", parsed->encoded_host().decode());
    AppendPair(out, "port", parsed->port());
    std::string dbname = parsed->encoded_path().decode();
    if (!dbname.empty() && dbname.front() == '/') dbname.erase(0, 1);
    AppendPair(out, "dbname", dbname);
    AppendPair(out, "user", parsed->encoded_user().decode());
    AppendPair(out, "password", parsed->encoded_password().decode());
    for (const auto& param : parsed->params()) AppendPair(out, param.key, param.value);
    return out;
}

Dialect DialectOf(const std::string& url) {
    if (StartsWith(url, kSqlitePrefix)) return Dialect::kSqlite;
    if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://")) {
        return Dialect::kPostgres;
    }
    throw core::Error(core::ErrorCode::kConfiguration,
                      "CERULEAN_DATABASE_URL must start with sqlite:// or postgresql://");
}

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

std::shared_ptr<Database> Database::Open(const DatabaseOptions& options) {
    const Dialect dialect = DialectOf(options.url);
    const std::size_t size = std::max<std::size_t>(1, options.pool_size);
    auto impl = std::make_unique<Impl>(dialect, size);
    impl->display_url = core::RedactUrl(options.url);
    try {
        if (dialect == Dialect::kSqlite) {
            PreferMultiThreadMode();
            const std::string path = options.url.substr(kSqlitePrefix.size());
            if (path.empty()) {
                throw core::Error(core::ErrorCode::kConfiguration,
                                  "CERULEAN_DATABASE_URL: sqlite:// needs a file path");
            }
            if (path != ":memory:") {
                const auto parent = std::filesystem::path(path).parent_path();
                if (!parent.empty()) std::filesystem::create_directories(parent);
            }
            const auto timeout_s = std::max<long long>(
                1, std::chrono::duration_cast<std::chrono::seconds>(options.busy_timeout).count());
            const std::string connect = "db=\"" + path + "\" timeout=" + std::to_string(timeout_s);
            impl->busy_timeout_ms = static_cast<int>(options.busy_timeout.count());
            for (std::size_t i = 0; i < size; ++i) {
                soci::session& sql = impl->pool.at(i);
                sql.open(soci::sqlite3, connect);
                sql << "PRAGMA busy_timeout = " + std::to_string(options.busy_timeout.count());
                if (path != ":memory:") sql << "PRAGMA journal_mode = WAL";
                sql << "PRAGMA synchronous = NORMAL";
                sql << "PRAGMA foreign_keys = ON";
            }
        } else {
            // SOCI rewrites libpq's URL form (it scans for its own options), so hand it the
            // keyword/value form instead.
            const std::string connect = PostgresConnectString(options.url);
            for (std::size_t i = 0; i < size; ++i) {
                impl->pool.at(i).open(soci::postgresql, connect);
            }
        }
    } catch (const core::Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Unavailable(impl->display_url, e);
    }
    return std::shared_ptr<Database>(new Database(std::move(impl)));
}

Dialect Database::dialect() const noexcept {
    return impl_->dialect;
}

const std::string& Database::display_url() const noexcept {
    return impl_->display_url;
}

void Database::Ping() {
    WithSession(*this, [](Session& session) {
        int one = 0;
        session.sql() << "SELECT 1", soci::into(one);
    });
}

namespace {

core::Error DatabaseError(const soci::soci_error& e) {
    // SQLITE_BUSY or SQLITE_LOCKED after the busy timeout: another connection (of this process
    // or another) holds the write lock. Worth trying again in a moment.
    if (const auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e);
        lite != nullptr && ((lite->result() & 0xff) == 5 || (lite->result() & 0xff) == 6)) {
        return core::Error(core::ErrorCode::kUnavailable,
                           "the database is busy: another connection holds its write lock",
                           "database_busy")
            .WithRetryAfter(1);
    }
    return core::Error(core::ErrorCode::kUnavailable,
                       "database error: " + core::ScrubSecrets(e.get_error_message()),
                       "database_error");
}

core::metrics::Histogram& PoolWaits() {
    static core::metrics::Histogram& waits =
        core::metrics::DefaultRegistry()
            .AddHistogram("cerulean_db_pool_wait_seconds",
                          "Waits for a free database session (only leases that had to wait).",
                          core::metrics::LatencyBuckets())
            .Get();
    return waits;
}

// A free session's position at once, else (counted) once one is given back.
std::size_t LeasePosition(soci::connection_pool& pool) {
    std::size_t position = 0;
    if (pool.try_lease(position, 0)) return position;
    const auto started = std::chrono::steady_clock::now();
    position = pool.lease();
    PoolWaits().Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return position;
}

// A pooled session leased by position, so that its statement cache goes with it (a
// soci::session over the pool would hide the position, and costs an ostringstream per lease).
//
// A PostgreSQL session whose server went away (a restart, a failover) stays broken in SOCI's
// pool until someone reconnects it: the lease does, when a statement fails on a dead
// connection, and, when another session has found one dead since this one was last checked,
// before handing it out.
class Lease {
 public:
    explicit Lease(Database::Impl& impl)
        : impl_(impl),
          position_(LeasePosition(impl.pool)),
          session_(impl.pool.at(position_), *impl.statements[position_]) {
        if (impl_.dialect == Dialect::kPostgres) {
            const std::uint64_t epoch = impl_.lost_epoch.load();
            // Checked again at every lease until its connection works.
            if (impl_.checked_epoch[position_] != epoch && Check() != Link::kDown) {
                impl_.checked_epoch[position_] = epoch;
            }
        }
    }
    ~Lease() { impl_.pool.give_back(position_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    Session& session() noexcept { return session_; }

    // After a failed statement: when the connection itself is gone, tell the other sessions
    // and reconnect this one, so that the next request has a working session.
    void AfterFailure() {
        if (impl_.dialect != Dialect::kPostgres) return;
        const Link link = Check();
        if (link == Link::kAlive) return;  // the statement failed, not the connection
        const std::uint64_t epoch = ++impl_.lost_epoch;
        if (link == Link::kReconnected) impl_.checked_epoch[position_] = epoch;
    }

    // Runs `fn`, turning SOCI's errors into core::Error; other exceptions pass unchanged.
    template <class F>
    void Translating(F&& fn) {
        try {
            fn();
        } catch (const soci::soci_error& e) {
            AfterFailure();
            throw DatabaseError(e);
        }
    }

 private:
    enum class Link { kAlive, kReconnected, kDown };

    // The session's connection: working, reopened just now, or still unreachable.
    Link Check() {
        soci::session& sql = impl_.pool.at(position_);
        if (sql.is_connected()) return Link::kAlive;  // a ping on PostgreSQL
        try {
            sql.reconnect();
            core::log::Info("store.reconnected", {{"database", impl_.display_url}});
            return Link::kReconnected;
        } catch (const std::exception& e) {
            core::log::Warn("store.reconnect_failed", {{"database", impl_.display_url},
                                                       {"error", core::ScrubSecrets(e.what())}});
            return Link::kDown;
        }
    }

    Database::Impl& impl_;
    std::size_t position_;
    Session session_;
};

}  // namespace

void RegisterDatabaseMetrics() {
    PoolWaits();
}

void WithSession(Database& db, const std::function<void(Session&)>& fn) {
    Lease lease(db.impl());
    lease.Translating([&] { fn(lease.session()); });
}

namespace {

// A session leased at once from a SQLite database's pool, its busy wait off (busy or locked
// fails at once instead of sleeping on the caller's thread) until it is given back.
class QuickLease {
 public:
    // An empty lease when `db` is null or has no session free.
    explicit QuickLease(std::shared_ptr<Database> db) : db_(std::move(db)) {
        if (!db_) return;
        Database::Impl& impl = db_->impl();
        if (!impl.pool.try_lease(position_, 0)) {
            db_.reset();
            return;
        }
        handle_ = static_cast<soci::sqlite3_session_backend*>(impl.pool.at(position_).get_backend())
                      ->conn_;
        sqlite_api::sqlite3_busy_timeout(handle_, 0);
    }
    ~QuickLease() { Release(); }
    QuickLease(const QuickLease&) = delete;
    QuickLease& operator=(const QuickLease&) = delete;
    QuickLease(QuickLease&& other) noexcept
        : db_(std::move(other.db_)), position_(other.position_), handle_(other.handle_) {}
    QuickLease& operator=(QuickLease&& other) noexcept {
        if (this != &other) {
            Release();
            db_ = std::move(other.db_);
            position_ = other.position_;
            handle_ = other.handle_;
        }
        return *this;
    }

    explicit operator bool() const noexcept { return db_ != nullptr; }
    [[nodiscard]] const std::shared_ptr<Database>& db() const noexcept { return db_; }
    [[nodiscard]] sqlite_api::sqlite3* handle() const noexcept { return handle_; }
    Session session() {
        Database::Impl& impl = db_->impl();
        return {impl.pool.at(position_), *impl.statements[position_]};
    }

    // Gives the session back, with its busy timeout as configured.
    void Release() noexcept {
        if (!db_) return;
        Database::Impl& impl = db_->impl();
        sqlite_api::sqlite3_busy_timeout(handle_, impl.busy_timeout_ms);
        impl.pool.give_back(position_);
        db_.reset();
    }

 private:
    std::shared_ptr<Database> db_;
    std::size_t position_ = 0;
    sqlite_api::sqlite3* handle_ = nullptr;
};

// Runs one statement of no rows (BEGIN, COMMIT) on the session's cached statements.
void Execute(Session& session, std::string_view sql) {
    Rows rows = session.Query(sql);
    while (rows.Next()) {
    }
}

// The calling thread's read batch (see TryWithSessionNow): a lease whose session, from the
// batch's second read on, is inside a read transaction (BEGIN: its snapshot is taken by the
// read that follows).
struct ReadBatch {
    QuickLease lease{nullptr};

    // Ends the transaction and gives the session back. Never throws: a session that cannot
    // leave its transaction has it rolled back, and failing that its statements dropped.
    void End() noexcept {
        if (!lease) return;
        sqlite_api::sqlite3* const handle = lease.handle();
        if (sqlite_api::sqlite3_get_autocommit(handle) == 0) {
            try {
                Session session = lease.session();
                Execute(session, "COMMIT");
            } catch (...) {  // NOLINT(bugprone-empty-catch): rolled back below
            }
            if (sqlite_api::sqlite3_get_autocommit(handle) == 0) {
                sqlite_api::sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
            }
        }
        lease.Release();
    }

    ~ReadBatch() { End(); }
};

thread_local ReadBatch t_batch;

}  // namespace

void EndReadBatch() noexcept {
    t_batch.End();
}

bool TryWithSessionNow(const std::shared_ptr<Database>& db, const std::function<void(Session&)>& fn,
                       BatchEnd batch_end) {
    if (db->dialect() != Dialect::kSqlite) return false;
    // In the thread's open batch, when the caller batches and it is on this database.
    const bool join = batch_end != nullptr && t_batch.lease && t_batch.lease.db() == db;
    bool begin = false;
    QuickLease alone{nullptr};
    if (join) {
        // The batch's second read begins the transaction that the later ones share: its
        // snapshot is taken now, after every request of the round was received.
        begin = sqlite_api::sqlite3_get_autocommit(t_batch.lease.handle()) != 0;
    } else {
        QuickLease lease(db);
        if (!lease) return false;
        // A batch when none is open and its end can be arranged; else a read of its own. A
        // batch's first read is a read of its own too (a round of one request costs no BEGIN
        // and COMMIT); the batch keeps its session for the reads that may follow.
        if (batch_end != nullptr && !t_batch.lease && batch_end(&EndReadBatch)) {
            t_batch.lease = std::move(lease);
        } else {
            alone = std::move(lease);
        }
    }
    QuickLease& lease = alone ? alone : t_batch.lease;
    Session session = lease.session();
    try {
        if (begin) Execute(session, "BEGIN");
        fn(session);
    } catch (const std::exception&) {
        // Busy or locked (with the busy wait off), or anything else: the caller does it the
        // ordinary way, which waits as configured and fails as it always did.
        if (!alone) t_batch.End();
        return false;
    }
    return true;
}

void WithTransaction(Database& db, const std::function<void(Session&)>& fn) {
    Lease lease(db.impl());
    Session& session = lease.session();
    soci::session& sql = session.sql();
    const bool sqlite = db.dialect() == Dialect::kSqlite;
    lease.Translating([&] { sql << (sqlite ? "BEGIN IMMEDIATE" : "BEGIN"); });
    lease.Translating([&] {
        try {
            fn(session);
            sql << "COMMIT";
        } catch (...) {
            try {
                sql << "ROLLBACK";
            } catch (const std::exception& e) {
                core::log::Warn("store.rollback_failed", {{"error", e.what()}});
            }
            throw;
        }
    });
}

bool IsUniqueViolation(const soci::soci_error& error) {
    if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&error)) {
        return pg->sqlstate() == "23505";
    }
    if (const auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&error)) {
        // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY share the primary code 19;
        // SOCI reports the primary code, so tell them apart by the message.
        return (lite->result() & 0xff) == 19 &&
               error.get_error_message().find("UNIQUE") != std::string::npos;
    }
    return false;
}

}  // namespace cerulean::store
