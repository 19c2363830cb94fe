#include "store/user_repository.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "store/database_fixture.hpp"
#include "store/database_impl.hpp"
#include "store/migrations.hpp"

namespace cerulean::store {
namespace {

class UserRepositoryTest : public testing::DatabaseTest {
 protected:
    void SetUp() override {
        DatabaseTest::SetUp();
        Migrate(*db_);
        users_ = std::make_unique<UserRepository>(db_);
    }

    core::User MakeUser(std::string email) {
        core::User user;
        user.email = std::move(email);
        user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$fake";
        return user;
    }

    std::unique_ptr<UserRepository> users_;
};

TEST_P(UserRepositoryTest, CreatesAndFindsUsers) {
    auto user = MakeUser("Alice@Example.COM");
    user.full_name = "Alice";
    const auto created = users_->Create(user);
    EXPECT_GT(created.id, 0);
    EXPECT_EQ(created.email, "alice@example.com");
    EXPECT_GT(created.created_at, 0);

    const auto by_id = users_->FindById(created.id);
    ASSERT_TRUE(by_id);
    EXPECT_EQ(by_id->email, "alice@example.com");
    EXPECT_EQ(by_id->full_name, "Alice");
    EXPECT_TRUE(by_id->is_active);
    EXPECT_FALSE(by_id->is_superuser);
    EXPECT_EQ(by_id->created_at, created.created_at);

    EXPECT_TRUE(users_->FindByEmail("ALICE@example.com"));
    EXPECT_FALSE(users_->FindByEmail("bob@example.com"));
    EXPECT_FALSE(users_->FindById(created.id + 1000));
}

TEST_P(UserRepositoryTest, RefusesADuplicateEmailWhateverItsCase) {
    users_->Create(MakeUser("dup@example.com"));
    try {
        users_->Create(MakeUser("DUP@example.com"));
        FAIL() << "expected email_taken";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), core::ErrorCode::kAlreadyExists);
        EXPECT_EQ(e.reason(), "email_taken");
    }
    EXPECT_EQ(users_->Count(), 1);
}

TEST_P(UserRepositoryTest, KeepsInjectionShapedAndUnicodeTextVerbatim) {
    auto user = MakeUser("robert'); DROP TABLE users;--@example.com");
    user.full_name = "Zoë \"; DELETE FROM users; -- 日本";
    const auto created = users_->Create(user);
    const auto found = users_->FindById(created.id);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->full_name, user.full_name);
    EXPECT_EQ(found->email, "robert'); drop table users;--@example.com");
    EXPECT_EQ(users_->Count(), 1);
}

TEST_P(UserRepositoryTest, ListsInPagesWithTotal) {
    for (int i = 0; i < 7; ++i) users_->Create(MakeUser("u" + std::to_string(i) + "@x.io"));
    const auto first = users_->List(0, 3);
    EXPECT_EQ(first.total, 7);
    ASSERT_EQ(first.items.size(), 3U);
    EXPECT_EQ(first.items[0].email, "u0@x.io");
    const auto last = users_->List(6, 3);
    ASSERT_EQ(last.items.size(), 1U);
    EXPECT_EQ(last.items[0].email, "u6@x.io");
    EXPECT_TRUE(users_->List(10, 3).items.empty());
}

TEST_P(UserRepositoryTest, PasswordChangeAndDeactivationBumpTheTokenVersion) {
    auto created = users_->Create(MakeUser("v@x.io"));
    UserUpdate rename;
    rename.full_name = std::optional<std::string>("New Name");
    auto renamed = users_->Update(created.id, rename);
    ASSERT_TRUE(renamed);
    EXPECT_EQ(renamed->token_version, 0);
    EXPECT_EQ(renamed->full_name, "New Name");

    UserUpdate password;
    password.password_hash = "$argon2id$new";
    EXPECT_EQ(users_->Update(created.id, password)->token_version, 1);

    UserUpdate deactivate;
    deactivate.is_active = false;
    const auto inactive = users_->Update(created.id, deactivate);
    EXPECT_EQ(inactive->token_version, 2);
    EXPECT_FALSE(inactive->is_active);

    UserUpdate clear;
    clear.full_name = std::optional<std::string>();
    EXPECT_FALSE(users_->Update(created.id, clear)->full_name);
    EXPECT_FALSE(users_->Update(created.id + 99, clear));
    EXPECT_EQ(users_->FindById(created.id)->token_version, 2);
}

TEST_P(UserRepositoryTest, ReadsAUserAtOnceOnSqliteAndDeclinesWhatWouldWait) {
    const auto created = users_->Create(MakeUser("now@x.io"));
    std::optional<core::User> user;
    if (GetParam() == Dialect::kPostgres) {
        // A round trip over the network: never on a thread that must not wait.
        EXPECT_FALSE(users_->TryFindByIdNow(created.id, user));
        EXPECT_FALSE(user);
        return;
    }
    ASSERT_TRUE(users_->TryFindByIdNow(created.id, user));
    ASSERT_TRUE(user);
    EXPECT_EQ(user->email, "now@x.io");
    EXPECT_EQ(user->token_version, 0);
    std::optional<core::User> missing = user;
    ASSERT_TRUE(users_->TryFindByIdNow(created.id + 99, missing));
    EXPECT_FALSE(missing);

    // Sees what another connection committed a moment ago.
    UserUpdate deactivate;
    deactivate.is_active = false;
    users_->Update(created.id, deactivate);
    ASSERT_TRUE(users_->TryFindByIdNow(created.id, user));
    EXPECT_FALSE(user->is_active);
    EXPECT_EQ(user->token_version, 1);

    // Every session leased (the fixture's pool holds 4): it declines instead of waiting.
    std::optional<bool> read;
    WithSession(*db_, [&](Session&) {
        WithSession(*db_, [&](Session&) {
            WithSession(*db_, [&](Session&) {
                WithSession(*db_,
                            [&](Session&) { read = users_->TryFindByIdNow(created.id, user); });
            });
        });
    });
    EXPECT_EQ(read, false);
}

TEST_P(UserRepositoryTest, AReadAtOnceLeavesTheSessionsBusyTimeoutAsConfigured) {
    if (GetParam() != Dialect::kSqlite) GTEST_SKIP() << "about SQLite's busy timeout";
    DatabaseOptions options;
    options.url = url_;
    options.pool_size = 1;  // the read at once and the check below share the one session
    options.busy_timeout = std::chrono::milliseconds(1234);
    auto db = Database::Open(options);
    UserRepository users(db);
    std::optional<core::User> user;
    ASSERT_TRUE(users.TryFindByIdNow(1, user));
    WithSession(*db, [](Session& session) {
        int timeout = 0;
        session.sql() << "PRAGMA busy_timeout", soci::into(timeout);
        EXPECT_EQ(timeout, 1234);
    });
}

// The end of a read batch, kept for the test to run (an event loop would run it after the
// round's handlers).
void (*g_batch_end)() = nullptr;
bool KeepBatchEnd(void (*end)()) {
    g_batch_end = end;
    return true;
}
bool NoBatchEnd(void (*)()) {
    return false;
}

TEST_P(UserRepositoryTest, BatchedReadsShareOneSnapshotUntilTheBatchEnds) {
    if (GetParam() != Dialect::kSqlite) GTEST_SKIP() << "read batches are SQLite's";
    const auto created = users_->Create(MakeUser("batch@x.io"));
    std::optional<core::User> user;
    UserUpdate deactivate;
    deactivate.is_active = false;
    UserUpdate reactivate;
    reactivate.is_active = true;

    g_batch_end = nullptr;
    ASSERT_TRUE(users_->TryFindByIdNow(created.id, user, &KeepBatchEnd));
    ASSERT_EQ(g_batch_end, &EndReadBatch) << "the first read begins a batch";
    EXPECT_TRUE(user->is_active);
    // The first read is one of its own; the second takes the snapshot the batch then shares.
    users_->Update(created.id, deactivate);
    g_batch_end = nullptr;
    ASSERT_TRUE(users_->TryFindByIdNow(created.id, user, &KeepBatchEnd));
    EXPECT_EQ(g_batch_end, nullptr) << "a second read joins the open batch";
    EXPECT_FALSE(user->is_active);

    // A change committed after the batch's snapshot is not in it (which is why a batch ends
    // before anything received after its start is handled)...
    users_->Update(created.id, reactivate);
    ASSERT_TRUE(users_->TryFindByIdNow(created.id, user, &KeepBatchEnd));
    EXPECT_FALSE(user->is_active);
    // ...a read outside the batch sees it...
    std::optional<core::User> alone;
    ASSERT_TRUE(users_->TryFindByIdNow(created.id, alone));
    EXPECT_TRUE(alone->is_active);
    // ...and so does the next batch, once this one has ended.
    EndReadBatch();
    ASSERT_TRUE(users_->TryFindByIdNow(created.id, user, &KeepBatchEnd));
    EXPECT_TRUE(user->is_active);
    EndReadBatch();
    EndReadBatch();  // ending none is harmless

    // Where the end of a batch cannot be arranged, every read is its own.
    ASSERT_TRUE(users_->TryFindByIdNow(created.id, user, &NoBatchEnd));
    EXPECT_TRUE(user->is_active);
    users_->Update(created.id, deactivate);
    ASSERT_TRUE(users_->TryFindByIdNow(created.id, user, &NoBatchEnd));
    EXPECT_FALSE(user->is_active);
}

TEST_P(UserRepositoryTest, AnEndedReadBatchGivesItsSessionBack) {
    if (GetParam() != Dialect::kSqlite) GTEST_SKIP() << "read batches are SQLite's";
    DatabaseOptions options;
    options.url = url_;
    options.pool_size = 1;
    auto db = Database::Open(options);
    UserRepository users(db);
    std::optional<core::User> user;
    ASSERT_TRUE(users.TryFindByIdNow(1, user, &KeepBatchEnd));
    EXPECT_FALSE(users.TryFindByIdNow(1, user)) << "the batch holds the only session";
    EndReadBatch();
    EXPECT_TRUE(users.TryFindByIdNow(1, user));
    // And leaves it outside any transaction: a write on it commits.
    users.Create(MakeUser("after@x.io"));
    EXPECT_TRUE(users.FindByEmail("after@x.io"));
}

CERULEAN_ON_BOTH_DATABASES(UserRepositoryTest);

}  // namespace
}  // namespace cerulean::store
