#include "store/migrations.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "core/error.hpp"
#include "store/database_fixture.hpp"

namespace cerulean::store {
namespace {

using testing::DatabaseTest;

constexpr Migration kTestMigrations[] = {
    {1, "first",
     "CREATE TABLE t1 (id {{id_pk}}, note TEXT NOT NULL DEFAULT 'a;b');\n"
     "-- a comment; with a semicolon\n"
     "INSERT INTO t1 (note) VALUES ('x');"},
    {2, "second", "CREATE TABLE t2 (id {{id_pk}}, t1_id BIGINT REFERENCES t1(id));"},
};

class MigrationsTest : public DatabaseTest {};

TEST_P(MigrationsTest, AppliesBuiltinMigrationsOnceAndIsANoOpAfterwards) {
    EXPECT_EQ(SchemaVersion(*db_), 0);
    const auto first = Migrate(*db_);
    EXPECT_EQ(first.from_version, 0);
    EXPECT_EQ(first.to_version, BuiltinMigrations().back().version);
    EXPECT_EQ(first.applied.size(), BuiltinMigrations().size());
    const auto second = Migrate(*db_);
    EXPECT_TRUE(second.applied.empty());
    EXPECT_EQ(second.to_version, first.to_version);
    EXPECT_NO_THROW(CheckSchemaCurrent(*db_));
}

TEST_P(MigrationsTest, AppliesOnlyWhatIsPending) {
    const std::span<const Migration> all(kTestMigrations);
    EXPECT_EQ(Migrate(*db_, all.first(1)).applied, std::vector<int>{1});
    EXPECT_THROW(CheckSchemaCurrent(*db_, all), core::Error);
    EXPECT_EQ(Migrate(*db_, all).applied, std::vector<int>{2});
    EXPECT_EQ(SchemaVersion(*db_), 2);
}

TEST_P(MigrationsTest, RefusesADatabaseNewerThanTheBinary) {
    const std::span<const Migration> all(kTestMigrations);
    Migrate(*db_, all);
    try {
        Migrate(*db_, all.first(1));
        FAIL() << "expected schema_too_new";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.reason(), "schema_too_new");
        EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos);
    }
    EXPECT_THROW(CheckSchemaCurrent(*db_, all.first(1)), core::Error);
}

TEST_P(MigrationsTest, AFailingMigrationLeavesNothingBehind) {
    constexpr Migration kBroken[] = {
        {1, "ok", "CREATE TABLE good (id {{id_pk}});"},
        {2, "broken", "CREATE TABLE half (id {{id_pk}}); THIS IS NOT SQL;"},
    };
    EXPECT_THROW(Migrate(*db_, kBroken), core::Error);
    EXPECT_EQ(SchemaVersion(*db_), 0);
    // The whole run rolled back: applying the good one alone works from scratch.
    EXPECT_EQ(Migrate(*db_, std::span<const Migration>(kBroken).first(1)).applied,
              std::vector<int>{1});
}

TEST_P(MigrationsTest, ConcurrentMigratorsApplyEachMigrationOnce) {
    std::vector<std::thread> threads;
    std::atomic<int> applied{0};
    std::atomic<int> failures{0};
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            try {
                applied += static_cast<int>(Migrate(*db_, kTestMigrations).applied.size());
            } catch (const std::exception&) {
                ++failures;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(applied, 2);
}

CERULEAN_ON_BOTH_DATABASES(MigrationsTest);

TEST(SplitStatements, IgnoresSemicolonsInQuotesAndComments) {
    const auto statements = SplitStatements(
        "CREATE TABLE a (x TEXT DEFAULT ';');\n-- c; d\nINSERT INTO a VALUES ('q'';');\n  \n");
    ASSERT_EQ(statements.size(), 2U);
    EXPECT_EQ(statements[0], "CREATE TABLE a (x TEXT DEFAULT ';')");
}

}  // namespace
}  // namespace cerulean::store
