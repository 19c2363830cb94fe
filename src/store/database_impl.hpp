#pragma once

// Internal to src/store: the SOCI side of Database, for repositories' .cpp files only.

#include <soci/soci.h>

#include <functional>
#include <string>

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

/// True when a SOCI error is a unique-constraint violation on either dialect.
bool IsUniqueViolation(const soci::soci_error& error);

}  // namespace cerulean::store
