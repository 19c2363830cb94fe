#pragma once

// Internal to src/store: the SOCI side of Database, for repositories' .cpp files only.

#include <soci/soci.h>

#include <functional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace cerulean::store {

struct Database::Impl {
    Impl(Dialect d, std::size_t size) : dialect(d), pool(size) {}
    Dialect dialect;
    std::string display_url;
    soci::connection_pool pool;
};

/// Runs `fn` with a leased session inside a write transaction (SQLite: BEGIN IMMEDIATE, so
/// that concurrent writers wait on the busy timeout instead of failing at commit), committing
/// on return and rolling back on an exception. Database errors become core::Error.
void WithTransaction(Database& db, const std::function<void(soci::session&)>& fn);

/// Runs `fn` with a leased session (autocommit); database errors become core::Error.
void WithSession(Database& db, const std::function<void(soci::session&)>& fn);

/// Runs `SELECT <Row::kColumns> FROM <tail>` with `uses` bound to the tail's placeholders in
/// order, and maps each row with `Row`: a struct whose Bind(statement&) binds its members
/// with soci::into, and whose ToDomain() builds the domain value. into() converts between
/// the dialects' integer widths, which soci::row::get<T> does not.
template <class Row, class... Uses>
auto SelectRows(soci::session& sql, const std::string& tail, Uses&... uses) {
    Row row;
    soci::statement st(sql);
    row.Bind(st);
    (st.exchange(soci::use(uses)), ...);
    st.alloc();
    st.prepare(std::string("SELECT ") + Row::kColumns + " FROM " + tail);
    st.define_and_bind();
    std::vector<decltype(row.ToDomain())> out;
    if (st.execute(true)) {
        do {
            out.push_back(row.ToDomain());
        } while (st.fetch());
    }
    return out;
}

/// True when a SOCI error is a unique-constraint violation on either dialect.
bool IsUniqueViolation(const soci::soci_error& error);

}  // namespace cerulean::store
