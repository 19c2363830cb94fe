#pragma once

#include "cli/config.hpp"

namespace cerulean::cli {

/// `cerulean serve`: migrates the database, then serves the API and the web UI until SIGINT or
/// SIGTERM. Returns the process exit code.
int RunServe(Config config);

/// `cerulean migrate`: applies pending migrations and reports the schema version.
int RunMigrate(const Config& config);

}  // namespace cerulean::cli
