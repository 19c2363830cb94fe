#include "store/statement_cache.hpp"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <array>
#include <charconv>
#include <vector>

#include "core/error.hpp"
#include "core/redact.hpp"

namespace cerulean::store {

namespace lite = ::sqlite_api;

struct Rows::Entry {
    lite::sqlite3_stmt* stmt = nullptr;  // SQLite: the prepared statement
    std::string name;                    // PostgreSQL: the server-side statement's name
    bool busy = false;                   // SQLite: a Rows is stepping it
    bool doomed = false;                 // dropped while busy: finalize on release
    bool cached = true;                  // false: a one-off, finalized and deleted on release
};

namespace {

core::Error QueryError(std::string_view message) {
    return core::Error(core::ErrorCode::kUnavailable,
                       "database error: " + core::ScrubSecrets(std::string(message)),
                       "database_error");
}

void* NativeConnection(soci::session& sql, Dialect dialect) {
    if (dialect == Dialect::kSqlite) {
        return static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
    }
    return static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
}

bool IsIdentifierStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool IsIdentifierChar(char c) {
    return IsIdentifierStart(c) || (c >= '0' && c <= '9');
}

}  // namespace

std::string NumberedPlaceholders(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    int number = 0;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote != 0) {
            out.push_back(c);
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
            out.push_back(c);
        } else if (c == ':' && i + 1 < text.size() && text[i + 1] == ':') {
            out.append("::");
            ++i;
        } else if (c == ':' && i + 1 < text.size() && IsIdentifierStart(text[i + 1])) {
            out.push_back('$');
            out.append(std::to_string(++number));
            ++i;
            while (i + 1 < text.size() && IsIdentifierChar(text[i + 1])) ++i;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

Rows::Rows(Rows&& other) noexcept
    : owner_(other.owner_),
      entry_(other.entry_),
      result_(other.result_),
      row_(other.row_),
      failed_(other.failed_) {
    other.entry_ = nullptr;
    other.result_ = nullptr;
}

Rows::~Rows() {
    if (entry_ != nullptr) owner_->Release(entry_, result_, failed_);
}

bool Rows::Next() {
    if (result_ != nullptr) {
        return ++row_ < PQntuples(static_cast<PGresult*>(result_));
    }
    const int rc = lite::sqlite3_step(entry_->stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    failed_ = true;
    throw QueryError(lite::sqlite3_errmsg(lite::sqlite3_db_handle(entry_->stmt)));
}

std::int64_t Rows::Int(int column) const {
    if (result_ != nullptr) {
        const auto* pg = static_cast<const PGresult*>(result_);
        const char* text = PQgetvalue(pg, row_, column);
        const char* end = text + PQgetlength(pg, row_, column);
        std::int64_t value = 0;
        const auto [ptr, ec] = std::from_chars(text, end, value);
        if (ec != std::errc{} || ptr != end) {
            if (PQgetisnull(pg, row_, column) != 0) return 0;
            throw QueryError("not an integer column");
        }
        return value;
    }
    return lite::sqlite3_column_int64(entry_->stmt, column);
}

std::string_view Rows::Text(int column) const {
    if (result_ != nullptr) {
        const auto* pg = static_cast<const PGresult*>(result_);
        return {PQgetvalue(pg, row_, column),
                static_cast<std::size_t>(PQgetlength(pg, row_, column))};
    }
    const unsigned char* text = lite::sqlite3_column_text(entry_->stmt, column);
    if (text == nullptr) return {};
    return {reinterpret_cast<const char*>(text),
            static_cast<std::size_t>(lite::sqlite3_column_bytes(entry_->stmt, column))};
}

bool Rows::IsNull(int column) const {
    if (result_ != nullptr) {
        return PQgetisnull(static_cast<const PGresult*>(result_), row_, column) != 0;
    }
    return lite::sqlite3_column_type(entry_->stmt, column) == SQLITE_NULL;
}

StatementCache::StatementCache(Dialect dialect) noexcept : dialect_(dialect) {}

StatementCache::~StatementCache() {
    Drop();
}

void StatementCache::Finalize(Entry& entry) noexcept {
    if (entry.stmt != nullptr) lite::sqlite3_finalize(entry.stmt);
    entry.stmt = nullptr;
    // A PostgreSQL statement lives until its connection closes; after an error the
    // transaction may be aborted, so it is not deallocated here (names are never reused).
}

void StatementCache::Drop() noexcept {
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->second->busy) {
            // Its Rows still refers to it: Release finalizes and deletes it.
            Entry* in_use = it->second.release();
            in_use->doomed = true;
        } else {
            Finalize(*it->second);
        }
        it = entries_.erase(it);
    }
    connection_ = nullptr;
}

StatementCache::Entry& StatementCache::Prepare(void* connection, std::string_view text) {
    auto entry = std::make_unique<Entry>();
    if (dialect_ == Dialect::kSqlite) {
        auto* db = static_cast<lite::sqlite3*>(connection);
        if (lite::sqlite3_prepare_v3(db, text.data(), static_cast<int>(text.size()),
                                     SQLITE_PREPARE_PERSISTENT, &entry->stmt,
                                     nullptr) != SQLITE_OK) {
            lite::sqlite3_finalize(entry->stmt);
            throw QueryError(lite::sqlite3_errmsg(db));
        }
    } else {
        auto* conn = static_cast<PGconn*>(connection);
        entry->name = "cerulean_" + std::to_string(++next_name_);
        const std::string numbered = NumberedPlaceholders(text);
        PGresult* result = PQprepare(conn, entry->name.c_str(), numbered.c_str(), 0, nullptr);
        const bool ok = result != nullptr && PQresultStatus(result) == PGRES_COMMAND_OK;
        const std::string message = ok ? "" : PQerrorMessage(conn);
        PQclear(result);
        if (!ok) {
            if (PQstatus(conn) == CONNECTION_BAD) Drop();
            throw QueryError(message);
        }
    }
    auto [it, inserted] = entries_.emplace(std::string(text), std::move(entry));
    return *it->second;
}

void StatementCache::Bind(Entry& entry, std::initializer_list<Param> params) {
    int index = 0;
    for (const Param& param : params) {
        ++index;
        const int rc =
            param.kind_ == Param::Kind::kInt
                ? lite::sqlite3_bind_int64(entry.stmt, index, param.int_)
                : lite::sqlite3_bind_text(entry.stmt, index, param.text_.data(),
                                          static_cast<int>(param.text_.size()), SQLITE_STATIC);
        if (rc != SQLITE_OK) {
            throw QueryError(lite::sqlite3_errmsg(lite::sqlite3_db_handle(entry.stmt)));
        }
    }
}

Rows StatementCache::ExecutePostgres(Entry& entry, std::initializer_list<Param> params) {
    auto* conn = static_cast<PGconn*>(connection_);
    // libpq takes NUL-terminated text for every parameter.
    std::vector<std::string> texts;
    texts.reserve(params.size());
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const Param& param : params) {
        texts.push_back(param.kind_ == Param::Kind::kInt ? std::to_string(param.int_)
                                                         : std::string(param.text_));
    }
    for (const auto& text : texts) values.push_back(text.c_str());
    PGresult* result = PQexecPrepared(conn, entry.name.c_str(), static_cast<int>(values.size()),
                                      values.data(), nullptr, nullptr, 0);
    if (result == nullptr || PQresultStatus(result) != PGRES_TUPLES_OK) {
        const std::string message =
            result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn);
        PQclear(result);
        Drop();
        throw QueryError(message);
    }
    return {*this, &entry, result};
}

Rows StatementCache::Query(soci::session& sql, std::string_view text,
                           std::initializer_list<Param> params) {
    void* connection = NativeConnection(sql, dialect_);
    if (connection != connection_) {
        Drop();  // SOCI reconnected: the old statements belong to a closed connection
        connection_ = connection;
    }
    auto it = entries_.find(text);
    Entry* entry = it != entries_.end() ? it->second.get() : &Prepare(connection, text);
    if (dialect_ == Dialect::kPostgres) return ExecutePostgres(*entry, params);

    if (entry->busy) {
        // The same query is being stepped further up the stack: run a one-off beside it.
        auto one_off = std::make_unique<Entry>();
        one_off->cached = false;
        if (lite::sqlite3_prepare_v2(static_cast<lite::sqlite3*>(connection), text.data(),
                                     static_cast<int>(text.size()), &one_off->stmt,
                                     nullptr) != SQLITE_OK) {
            lite::sqlite3_finalize(one_off->stmt);
            throw QueryError(lite::sqlite3_errmsg(static_cast<lite::sqlite3*>(connection)));
        }
        entry = one_off.release();
    }
    entry->busy = true;
    Rows rows(*this, entry, nullptr);  // from here on, its destructor resets the statement
    try {
        Bind(*entry, params);
    } catch (...) {
        rows.failed_ = true;
        throw;
    }
    return rows;
}

void StatementCache::Release(Entry* entry, void* result, bool failed) noexcept {
    if (result != nullptr) {
        PQclear(static_cast<PGresult*>(result));
        return;
    }
    // Reset ends the statement's read transaction (WAL readers would otherwise pin the log);
    // cleared bindings drop the pointers to the caller's text.
    lite::sqlite3_reset(entry->stmt);
    lite::sqlite3_clear_bindings(entry->stmt);
    entry->busy = false;
    if (!entry->cached || entry->doomed) {
        Finalize(*entry);
        delete entry;  // NOLINT(cppcoreguidelines-owning-memory): one-offs own themselves
    }
    if (failed) Drop();
}

}  // namespace cerulean::store
