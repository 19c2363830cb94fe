#include "store/statement_cache.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/error.hpp"
#include "store/database_fixture.hpp"
#include "store/database_impl.hpp"
#include "store/migrations.hpp"
#include "store/user_repository.hpp"

namespace cerulean::store {
namespace {

TEST(NumberedPlaceholders, NumbersNamedPlaceholdersInOrder) {
    EXPECT_EQ(NumberedPlaceholders("SELECT a FROM t WHERE u = :u AND id = :id_2 LIMIT :l"),
              "SELECT a FROM t WHERE u = $1 AND id = $2 LIMIT $3");
}

TEST(NumberedPlaceholders, LeavesCastsAndQuotedTextAlone) {
    EXPECT_EQ(NumberedPlaceholders("SELECT ':x', \"a:b\", n::text FROM t WHERE v = :v"),
              "SELECT ':x', \"a:b\", n::text FROM t WHERE v = $1");
}

class StatementCacheTest : public testing::DatabaseTest {
 protected:
    void SetUp() override {
        DatabaseTest::SetUp();
        Migrate(*db_);
        users_ = std::make_unique<UserRepository>(db_);
        for (const char* email : {"a@example.com", "b@example.com", "c@example.com"}) {
            core::User user;
            user.email = email;
            user.password_hash = "$argon2id$fake";
            ids_.push_back(users_->Create(user).id);
        }
    }

    std::size_t Prepared() {
        std::size_t total = 0;
        for (const auto& cache : db_->impl().statements) total += cache->size();
        return total;
    }

    std::vector<std::int64_t> Ids(Session& session, std::string_view sql) {
        std::vector<std::int64_t> ids;
        Rows rows = session.Query(sql);
        while (rows.Next()) ids.push_back(rows.Int(0));
        return ids;
    }

    std::unique_ptr<UserRepository> users_;
    std::vector<std::int64_t> ids_;
};

TEST_P(StatementCacheTest, PreparesAStatementOnceAndReusesIt) {
    ASSERT_TRUE(users_->FindById(ids_[0]));
    const std::size_t prepared = Prepared();
    EXPECT_GE(prepared, 1U);
    for (const auto id : ids_) {
        const auto user = users_->FindById(id);
        ASSERT_TRUE(user);
        EXPECT_EQ(user->id, id);
    }
    EXPECT_FALSE(users_->FindById(ids_.back() + 100));
    EXPECT_EQ(Prepared(), prepared);
}

TEST_P(StatementCacheTest, BindsTextAndReadsNulls) {
    WithSession(*db_, [&](Session& session) {
        const std::string email = "b@example.com";
        Rows rows =
            session.Query("SELECT id, full_name, email FROM users WHERE email = :e", {email});
        ASSERT_TRUE(rows.Next());
        EXPECT_EQ(rows.Int(0), ids_[1]);
        EXPECT_TRUE(rows.IsNull(1));
        EXPECT_EQ(rows.Text(1), "");
        EXPECT_FALSE(rows.IsNull(2));
        EXPECT_EQ(rows.Text(2), "b@example.com");
        EXPECT_FALSE(rows.Next());
    });
}

TEST_P(StatementCacheTest, AnAbandonedQueryLeavesNoReadTransactionOpen) {
    if (GetParam() != Dialect::kSqlite) GTEST_SKIP() << "about SQLite's WAL readers";
    WithSession(*db_, [&](Session& session) {
        Rows rows = session.Query("SELECT id FROM users ORDER BY id");
        ASSERT_TRUE(rows.Next());  // two rows left unread
    });
    ASSERT_EQ(users_->List(0, 1).items.size(), 1U);
    users_->Update(ids_[0], UserUpdate{.full_name = std::optional<std::string>("A")});

    // A checkpoint that truncates the log waits for every reader of it: on another
    // connection it finishes (busy = 0) only if no statement above kept its snapshot.
    DatabaseOptions options;
    options.url = url_;
    options.pool_size = 1;
    options.busy_timeout = std::chrono::milliseconds(200);
    auto other = Database::Open(options);
    WithSession(*other, [](Session& session) {
        int busy = -1;
        int log = -1;
        int checkpointed = -1;
        session.sql() << "PRAGMA wal_checkpoint(TRUNCATE)", soci::into(busy), soci::into(log),
            soci::into(checkpointed);
        EXPECT_EQ(busy, 0);
        EXPECT_EQ(log, 0);
    });
}

TEST_P(StatementCacheTest, AFailedQueryLeavesTheSessionUsable) {
    WithSession(*db_, [&](Session& session) {
        EXPECT_THROW(session.Query("SELECT no_such_column FROM users"), core::Error);
        EXPECT_EQ(Ids(session, "SELECT id FROM users ORDER BY id"), ids_);
    });
    // On PostgreSQL a failed statement aborts the transaction; the statements of the session
    // must still work once it has rolled back.
    EXPECT_THROW(WithTransaction(*db_,
                                 [&](Session& session) {
                                     EXPECT_EQ(Ids(session, "SELECT id FROM users ORDER BY id"),
                                               ids_);
                                     Ids(session, "SELECT id FROM no_such_table");
                                 }),
                 core::Error);
    WithSession(*db_, [&](Session& session) {
        EXPECT_EQ(Ids(session, "SELECT id FROM users ORDER BY id"), ids_);
    });
    EXPECT_TRUE(users_->FindById(ids_[2]));
}

TEST_P(StatementCacheTest, StatementsPreparedInARolledBackTransactionStillWork) {
    struct Abort {};
    EXPECT_THROW(WithTransaction(*db_,
                                 [&](Session& session) {
                                     EXPECT_EQ(Ids(session, "SELECT id FROM users WHERE id > 0"),
                                               ids_);
                                     throw Abort{};
                                 }),
                 Abort);
    WithSession(*db_, [&](Session& session) {
        EXPECT_EQ(Ids(session, "SELECT id FROM users WHERE id > 0"), ids_);
    });
}

TEST_P(StatementCacheTest, TheSameQueryCanRunInsideItself) {
    WithSession(*db_, [&](Session& session) {
        constexpr std::string_view kSql = "SELECT id FROM users WHERE id >= :min ORDER BY id";
        std::vector<std::int64_t> pairs;
        Rows outer = session.Query(kSql, {ids_[1]});
        while (outer.Next()) {
            const std::int64_t first = outer.Int(0);
            Rows inner = session.Query(kSql, {first});
            while (inner.Next()) pairs.push_back(first * 1000 + inner.Int(0));
        }
        const std::vector<std::int64_t> expected{ids_[1] * 1000 + ids_[1], ids_[1] * 1000 + ids_[2],
                                                 ids_[2] * 1000 + ids_[2]};
        EXPECT_EQ(pairs, expected);
    });
    EXPECT_EQ(users_->Count(), 3);
}

CERULEAN_ON_BOTH_DATABASES(StatementCacheTest);

}  // namespace
}  // namespace cerulean::store
