#include "store/user_repository.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "store/database_fixture.hpp"
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

CERULEAN_ON_BOTH_DATABASES(UserRepositoryTest);

}  // namespace
}  // namespace cerulean::store
