#pragma once

// Internal to src/store: the SOCI side of Database, for repositories' .cpp files only.

#include <soci/soci.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/database.hpp"
#include "store/statement_cache.hpp"

namespace cerulean::store {

/// A pooled session that one thread leases: SOCI for writes and one-off statements, and the
/// session's cache of prepared statements for the reads every request makes.
class Session {
 public:
    /// `sql` with its cache `statements`.
    Session(soci::session& sql, StatementCache& statements) noexcept
        : sql_(sql), statements_(statements) {}

    /// The SOCI session.
    soci::session& sql() noexcept { return sql_; }

    /// Runs a query with a cached prepared statement (see StatementCache::Query).
    Rows Query(std::string_view text, std::initializer_list<Param> params = {}) {
        return statements_.Query(sql_, text, params);
    }

 private:
    soci::session& sql_;
    StatementCache& statements_;
};

struct Database::Impl {
    Impl(Dialect d, std::size_t size) : dialect(d), pool(size), checked_epoch(size, 0) {
        statements.reserve(size);
        for (std::size_t i = 0; i < size; ++i)
            statements.push_back(std::make_unique<StatementCache>(d));
    }
    Dialect dialect;
    std::string display_url;
    soci::connection_pool pool;
    /// The prepared statements of each pooled session, by pool position. Declared after the
    /// pool so that they are finalized before the sessions close.
    std::vector<std::unique_ptr<StatementCache>> statements;
    /// Raised each time a session finds its PostgreSQL connection dead (the server restarted
    /// or failed over): every other session checks its own at its next lease, so that one
    /// restart costs about one failed request, not one per pooled session.
    std::atomic<std::uint64_t> lost_epoch{0};
    /// The lost_epoch each pooled session was last checked at, by pool position (read and
    /// written only by the thread that leases that position).
    std::vector<std::uint64_t> checked_epoch;
    /// SQLite's busy timeout of every session (DatabaseOptions::busy_timeout), in ms.
    int busy_timeout_ms = 0;
};

/// Runs `fn` with a leased session inside a write transaction (SQLite: BEGIN IMMEDIATE, so
/// that concurrent writers wait on the busy timeout instead of failing at commit), committing
/// on return and rolling back on an exception. Database errors become core::Error.
void WithTransaction(Database& db, const std::function<void(Session&)>& fn);

/// Runs `fn` with a leased session (autocommit); database errors become core::Error.
void WithSession(Database& db, const std::function<void(Session&)>& fn);

/// For a short read on a thread that must not wait (an I/O thread): runs `fn` with a session
/// at once, when the database is SQLite (a read of a few rows is a few microseconds of CPU;
/// WAL readers take no lock a writer holds) and a session is free right now, with SQLite's
/// busy wait off. True when `fn` ran to its end. False when it did not run (PostgreSQL: a
/// network round trip; every session leased), or failed (SQLite said the database is busy or
/// locked, or anything else): the caller then runs it with WithSession on a thread that may
/// wait, which fails as it always did if the failure was not a passing one.
///
/// With `batch_end`, reads of the calling thread share one read transaction (a read batch):
/// beginning and ending one is most of a read by key (two fcntl(2) locks, the WAL index), and
/// an I/O thread handles several requests in one round of its event loop. When a read begins a
/// batch, it calls `batch_end(EndReadBatch)`, which must run EndReadBatch on this thread after
/// the work already queued there and before any work queued later (an event loop's end of
/// round: http::DeferToEndOfRound), and return false when it cannot (the read then runs
/// alone). The batch's first read runs on its own; the second begins the transaction the
/// others join. Its snapshot is taken after every request the batch serves was received, as
/// a read of its own would be: a change committed before a request arrived is always seen.
using BatchEnd = bool (*)(void (*end)());
bool TryWithSessionNow(const std::shared_ptr<Database>& db, const std::function<void(Session&)>& fn,
                       BatchEnd batch_end = nullptr);

/// Ends the calling thread's read batch, if one is open (its transaction, and its session's
/// lease). See TryWithSessionNow.
void EndReadBatch() noexcept;

/// `SELECT <Row::kColumns> FROM <tail>`.
template <class Row>
std::string SelectSql(std::string_view tail) {
    return std::string("SELECT ").append(Row::kColumns).append(" FROM ").append(tail);
}

/// Runs `sql` (from SelectSql<Row>) with `params` bound to its placeholders in order, on a
/// cached prepared statement, and appends each row mapped by `Row::Read(const Rows&)` to `out`.
template <class Row, class T, class... Params>
void AppendRows(std::vector<T>& out, Session& session, std::string_view sql,
                const Params&... params) {
    Rows rows = session.Query(sql, {Param(params)...});
    while (rows.Next()) out.push_back(Row::Read(rows));
}

/// The rows of `sql`, as AppendRows maps them.
template <class Row, class... Params>
auto SelectRows(Session& session, std::string_view sql, const Params&... params) {
    std::vector<decltype(Row::Read(std::declval<const Rows&>()))> out;
    AppendRows<Row>(out, session, sql, params...);
    return out;
}

/// The integer in the first column of the first row of `sql` (e.g. a COUNT), 0 without rows.
template <class... Params>
std::int64_t SelectInt(Session& session, std::string_view sql, const Params&... params) {
    Rows rows = session.Query(sql, {Param(params)...});
    return rows.Next() ? rows.Int(0) : 0;
}

/// True when a SOCI error is a unique-constraint violation on either dialect.
bool IsUniqueViolation(const soci::soci_error& error);

}  // namespace cerulean::store
