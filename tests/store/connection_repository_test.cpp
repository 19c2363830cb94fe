#include "store/connection_repository.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "store/database_fixture.hpp"
#include "store/database_impl.hpp"
#include "store/migrations.hpp"

namespace cerulean::store {
namespace {

crypto::VaultKey Key(std::string id, char fill) {
    return {std::move(id), std::string(32, fill)};
}

class ConnectionRepositoryTest : public testing::DatabaseTest {
 protected:
    void SetUp() override {
        DatabaseTest::SetUp();
        Migrate(*db_);
        vault_ = std::make_shared<crypto::Vault>(std::vector<crypto::VaultKey>{Key("k1", 'a')});
        repo_ = std::make_unique<ConnectionRepository>(db_, vault_);
        UserRepository users(db_);
        for (const char* email : {"alice@x.io", "bob@x.io"}) {
            core::User user;
            user.email = email;
            user.password_hash = "h";
            user_ids_.push_back(users.Create(user).id);
        }
    }

    core::Connection Make(std::int64_t user_id, std::string name) {
        core::Connection c;
        c.user_id = user_id;
        c.name = std::move(name);
        c.account_name = "acct";
        c.auth_type = core::AuthType::kAccountKey;
        c.endpoint = "https://acct.blob.core.windows.net";
        c.container_name = "docs";
        c.sync_preferences = R"({"interval_seconds":3600})";
        return c;
    }

    std::shared_ptr<crypto::Vault> vault_;
    std::unique_ptr<ConnectionRepository> repo_;
    std::vector<std::int64_t> user_ids_;
};

TEST_P(ConnectionRepositoryTest, StoresAndReadsBackWithoutTheSecret) {
    const auto created = repo_->Create(Make(user_ids_[0], "Work"), R"({"account_key":"c2VjcmV0"})");
    EXPECT_GT(created.id, 0);
    const auto got = repo_->Get(user_ids_[0], created.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->name, "Work");
    EXPECT_EQ(got->auth_type, core::AuthType::kAccountKey);
    EXPECT_EQ(got->container_name, "docs");
    EXPECT_EQ(got->sync_preferences, R"({"interval_seconds":3600})");
    EXPECT_EQ(repo_->ReadCredentials(user_ids_[0], created.id), R"({"account_key":"c2VjcmV0"})");
}

TEST_P(ConnectionRepositoryTest, NeverShowsAnotherUsersConnection) {
    const auto alice = repo_->Create(Make(user_ids_[0], "Work"), "{}");
    const std::int64_t bob = user_ids_[1];
    EXPECT_FALSE(repo_->Get(bob, alice.id));
    EXPECT_FALSE(repo_->ReadCredentials(bob, alice.id));
    ConnectionUpdate rename;
    rename.name = "Stolen";
    EXPECT_FALSE(repo_->Update(bob, alice.id, rename));
    EXPECT_FALSE(repo_->Delete(bob, alice.id));
    EXPECT_EQ(repo_->List(bob, 0, 100).total, 0);
    EXPECT_EQ(repo_->Get(user_ids_[0], alice.id)->name, "Work");
}

TEST_P(ConnectionRepositoryTest, NamesAreUniquePerUser) {
    repo_->Create(Make(user_ids_[0], "Same"), "{}");
    EXPECT_NO_THROW(repo_->Create(Make(user_ids_[1], "Same"), "{}"));
    try {
        repo_->Create(Make(user_ids_[0], "Same"), "{}");
        FAIL();
    } catch (const core::Error& e) {
        EXPECT_EQ(e.reason(), "connection_name_taken");
    }
    const auto other = repo_->Create(Make(user_ids_[0], "Other"), "{}");
    ConnectionUpdate clash;
    clash.name = "Same";
    EXPECT_THROW(repo_->Update(user_ids_[0], other.id, clash), core::Error);
}

TEST_P(ConnectionRepositoryTest, UpdatesPartiallyAndReplacesCredentialsOnlyWhenGiven) {
    const auto c = repo_->Create(Make(user_ids_[0], "Work"), "old-secret");
    ConnectionUpdate update;
    update.is_active = false;
    update.container_name = std::optional<std::string>();
    const auto updated = repo_->Update(user_ids_[0], c.id, update);
    ASSERT_TRUE(updated);
    EXPECT_FALSE(updated->is_active);
    EXPECT_FALSE(updated->container_name);
    EXPECT_EQ(updated->name, "Work");
    EXPECT_EQ(repo_->ReadCredentials(user_ids_[0], c.id), "old-secret");
    ConnectionUpdate secret;
    secret.credentials = "new-secret";
    repo_->Update(user_ids_[0], c.id, secret);
    EXPECT_EQ(repo_->ReadCredentials(user_ids_[0], c.id), "new-secret");
}

TEST_P(ConnectionRepositoryTest, ListsPagesInIdOrderAndDeletes) {
    for (int i = 0; i < 5; ++i) repo_->Create(Make(user_ids_[0], "c" + std::to_string(i)), "{}");
    const auto page = repo_->List(user_ids_[0], 1, 2);
    EXPECT_EQ(page.total, 5);
    ASSERT_EQ(page.items.size(), 2U);
    EXPECT_EQ(page.items[0].name, "c1");
    const auto beyond = repo_->List(user_ids_[0], 50, 2);
    EXPECT_TRUE(beyond.items.empty());
    EXPECT_EQ(beyond.total, 5);
    EXPECT_TRUE(repo_->Delete(user_ids_[0], page.items[0].id));
    EXPECT_FALSE(repo_->Delete(user_ids_[0], page.items[0].id));
    EXPECT_EQ(repo_->List(user_ids_[0], 0, 100).total, 4);
}

TEST_P(ConnectionRepositoryTest, EveryPageTellsTheSameTotal) {
    for (int i = 0; i < 5; ++i) repo_->Create(Make(user_ids_[0], "c" + std::to_string(i)), "{}");
    repo_->Create(Make(user_ids_[1], "other"), "{}");
    for (std::int64_t skip = 0; skip <= 6; ++skip) {
        for (std::int64_t limit = 1; limit <= 6; ++limit) {
            const auto page = repo_->List(user_ids_[0], skip, limit);
            EXPECT_EQ(page.total, 5) << "skip " << skip << " limit " << limit;
            const auto expected = std::clamp<std::int64_t>(5 - skip, 0, limit);
            ASSERT_EQ(static_cast<std::int64_t>(page.items.size()), expected);
            if (expected > 0) {
                EXPECT_EQ(page.items.front().name, "c" + std::to_string(skip));
            }
        }
    }
    EXPECT_EQ(repo_->List(user_ids_[1] + 1000, 0, 10).total, 0);
}

TEST_P(ConnectionRepositoryTest, DeletingAUserDeletesTheirConnections) {
    repo_->Create(Make(user_ids_[1], "Bobs"), "{}");
    store::WithSession(*db_, [&](store::Session& session) {
        soci::session& sql = session.sql();
        long long id = user_ids_[1];
        sql << "DELETE FROM users WHERE id = :id", soci::use(id);
    });
    EXPECT_EQ(repo_->List(user_ids_[1], 0, 100).total, 0);
}

TEST_P(ConnectionRepositoryTest, ACiphertextMovedToAnotherRowDoesNotDecrypt) {
    const auto a = repo_->Create(Make(user_ids_[0], "A"), "secret-a");
    const auto b = repo_->Create(Make(user_ids_[1], "B"), "secret-b");
    store::WithSession(*db_, [&](store::Session& session) {
        soci::session& sql = session.sql();
        long long from = a.id;
        long long to = b.id;
        std::string sealed;
        sql << "SELECT credentials FROM azure_blob_connections WHERE id = :i", soci::use(from),
            soci::into(sealed);
        sql << "UPDATE azure_blob_connections SET credentials = :c WHERE id = :i",
            soci::use(sealed), soci::use(to);
    });
    try {
        repo_->ReadCredentials(user_ids_[1], b.id);
        FAIL() << "a moved ciphertext must not decrypt";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.reason(), "decryption_failed");
        EXPECT_EQ(std::string(e.what()).find("secret-a"), std::string::npos);
    }
}

TEST_P(ConnectionRepositoryTest, KeyRotationKeepsEverythingReadable) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 7; ++i) {
        ids.push_back(
            repo_
                ->Create(Make(user_ids_[0], "c" + std::to_string(i)), "secret-" + std::to_string(i))
                .id);
    }
    auto both = std::make_shared<crypto::Vault>(
        std::vector<crypto::VaultKey>{Key("k2", 'b'), Key("k1", 'a')});
    ConnectionRepository rotating(db_, both);
    const auto first = rotating.RotateKeys(3);
    EXPECT_EQ(first.resealed, 7);
    const auto again = rotating.RotateKeys(3);
    EXPECT_EQ(again.resealed, 0);
    EXPECT_EQ(again.current, 7);
    auto only_new = std::make_shared<crypto::Vault>(std::vector<crypto::VaultKey>{Key("k2", 'b')});
    ConnectionRepository after(db_, only_new);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        EXPECT_EQ(after.ReadCredentials(user_ids_[0], ids[i]), "secret-" + std::to_string(i));
    }
}

TEST_P(ConnectionRepositoryTest, SecretsAreNotInTheDatabaseFile) {
    if (GetParam() != Dialect::kSqlite) GTEST_SKIP() << "reads the SQLite file's bytes";
    const std::string secret = "UNMISTAKABLE-SECRET-VALUE-1234567890";
    repo_->Create(Make(user_ids_[0], "Work"), secret);
    store::WithSession(
        *db_, [](store::Session& session) { session.sql() << "PRAGMA wal_checkpoint(FULL)"; });
    for (const char* suffix : {"", "-wal"}) {
        std::ifstream in(url_.substr(std::string("sqlite://").size()) + suffix, std::ios::binary);
        std::stringstream bytes;
        bytes << in.rdbuf();
        EXPECT_EQ(bytes.str().find(secret), std::string::npos) << suffix;
    }
}

CERULEAN_ON_BOTH_DATABASES(ConnectionRepositoryTest);

}  // namespace
}  // namespace cerulean::store
