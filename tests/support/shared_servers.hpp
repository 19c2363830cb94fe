#pragma once

#include <string>
#include <string_view>

#include "support/azurite_server.hpp"
#include "support/postgres_server.hpp"

namespace cerulean::testing {

/// The test process's one Azurite (default options), started on first use and stopped at exit.
/// Thread-safe. Tests share it: give each its own container (UniqueName) and do not stop it.
AzuriteServer& SharedAzurite();

/// The test process's one PostgreSQL server, started on first use and stopped at exit.
/// Thread-safe. Tests share it: give each its own database (CreateDatabase(UniqueName(…))).
PostgresServer& SharedPostgres();

/// A fresh name valid both as an Azure container and as a PostgreSQL database (and unquoted
/// identifier): the lowercased letters and digits of `prefix` (made to start with a letter),
/// a per-process counter and random hex; 3 to 63 characters of [a-z0-9].
std::string UniqueName(std::string_view prefix = "t");

}  // namespace cerulean::testing
