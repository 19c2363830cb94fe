#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace cerulean::store {

/// One numbered schema change. `sql` may hold several statements and the placeholder
/// `{{id_pk}}`, which becomes each dialect's auto-increment integer primary key.
struct Migration {
    int version;            ///< 1, 2, …: the order of application
    std::string_view name;  ///< e.g. "users", from the file name 0001_users.sql
    std::string_view sql;   ///< the statements
};

/// The migrations compiled into this binary (src/store/migrations/*.sql), in order.
std::span<const Migration> BuiltinMigrations();

/// What a migration run did.
struct MigrationReport {
    int from_version = 0;      ///< schema version before
    int to_version = 0;        ///< schema version after
    std::vector<int> applied;  ///< versions applied by this run
};

/// Applies every pending migration in one transaction (concurrent runs on PostgreSQL take an
/// advisory lock; SQLite's write lock serialises them) and records each in
/// `schema_migrations`. Running it again is a no-op. Throws core::Error (kFailedPrecondition,
/// "schema_too_new") when the database is newer than `migrations`.
MigrationReport Migrate(Database& db, std::span<const Migration> migrations = BuiltinMigrations());

/// The database's schema version (0 when never migrated).
int SchemaVersion(Database& db);

/// Throws core::Error (kFailedPrecondition) unless the schema is exactly at the latest version
/// of `migrations`: the readiness check.
void CheckSchemaCurrent(Database& db, std::span<const Migration> migrations = BuiltinMigrations());

/// Splits SQL text into statements at semicolons outside quotes and comments.
std::vector<std::string_view> SplitStatements(std::string_view sql);

}  // namespace cerulean::store
