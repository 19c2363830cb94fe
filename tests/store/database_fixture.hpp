#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/database.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {

/// The store's suites run once per dialect: a fresh SQLite file, or a fresh database on the
/// PostgreSQL server the test process started.
class DatabaseTest : public ::testing::TestWithParam<store::Dialect> {
 protected:
    void SetUp() override {
        store::DatabaseOptions options;
        if (GetParam() == store::Dialect::kSqlite) {
            dir_ = std::make_unique<TempDir>("cerulean-store");
            url_ = "sqlite://" + (dir_->path() / "test.db").string();
        } else {
            url_ = SharedPostgres().CreateDatabase(UniqueName("store"));
        }
        options.url = url_;
        options.pool_size = 4;
        db_ = store::Database::Open(options);
    }

    std::unique_ptr<TempDir> dir_;
    std::string url_;
    std::shared_ptr<store::Database> db_;
};

/// "Sqlite" or "Postgres", for test names.
inline std::string DialectName(const ::testing::TestParamInfo<store::Dialect>& info) {
    return info.param == store::Dialect::kSqlite ? "Sqlite" : "Postgres";
}

}  // namespace cerulean::testing

/// Instantiates a DatabaseTest-derived suite on both dialects.
#define CERULEAN_ON_BOTH_DATABASES(suite)                                                          \
    INSTANTIATE_TEST_SUITE_P(                                                                      \
        Dialects, suite,                                                                           \
        ::testing::Values(cerulean::store::Dialect::kSqlite, cerulean::store::Dialect::kPostgres), \
        cerulean::testing::DialectName)
