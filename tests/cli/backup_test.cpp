// Backups and restores as docs/DEPLOY.md describes them (issue 14, "Backups"): `cerulean backup`
// copies a running server's SQLite database while it writes, and the copy, put back in place,
// serves the data it held with its credentials readable under the same master keys (and
// unreadable under others); a PostgreSQL database goes through the documented pg_dump and
// pg_restore recipe instead.

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cluster_fixture.hpp"
#include "store/migrations.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class BackupTest : public ClusterTest {
 protected:
    void SetUp() override {
        ClusterTest::SetUp();
        // An absolute URL, so that `cerulean backup` (run in the test's folder) finds it too.
        env_ = {{"CERULEAN_DATABASE_URL", "sqlite://" + Database().string()},
                {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"}};
    }

    // The server's database file.
    fs::path Database() const { return Home() / "data" / "cerulean.db"; }

    // The server's own folder (its working directory), where ./data lives.
    fs::path Home() const { return dir_.path() / "serve"; }

    // The number of connections the signed-in user sees.
    static std::int64_t Connections(int port, const std::string& token) {
        const auto listed = Request(port, "GET", "/api/v1/azure_blob/connections?limit=500", token);
        EXPECT_EQ(listed.status, 200) << listed.raw;
        const auto& total = Field(listed, "total");
        return total.is_int64() ? total.as_int64() : -1;
    }

    // Whether the connection test of connection `id` succeeds; its answer otherwise.
    static HttpAnswer TestConnection(int port, const std::string& token, std::int64_t id) {
        return Request(port, "POST",
                       "/api/v1/azure_blob/connections/" + std::to_string(id) + "/test", token);
    }

    Env env_;
};

TEST_F(BackupTest, AnOnlineBackupWhileTheServerWritesRestoresWithReadableCredentials) {
    int port = StartServe(env_, "serve");
    const std::string token = SignUp(port, "owner@x.io");
    const std::int64_t first = CreateConnection(port, token, SharedAzurite().blob_endpoint());
    ASSERT_GT(first, 0);

    // Two writers: sign-ups, and connections of the first user (credentials sealed each time).
    std::atomic<bool> stop{false};
    std::atomic<int> connections{1};
    std::atomic<int> users{1};
    std::vector<std::thread> writers;
    writers.emplace_back([&] {
        while (!stop) {
            const std::string email = Numbered("w", users.load()) + "@x.io";
            const auto answer = Request(port, "POST", "/api/v1/auth/register", {},
                                        {{"email", email}, {"password", "password123"}});
            EXPECT_EQ(answer.status, 201) << answer.raw;
            ++users;
        }
    });
    writers.emplace_back([&] {
        while (!stop) {
            const std::string name = Numbered("c", connections.load());
            const auto answer = Request(
                port, "POST", "/api/v1/azure_blob/connections", token,
                {{"name", name},
                 {"auth_type", "connection_string"},
                 {"credentials", {{"connection_string", SharedAzurite().connection_string()}}}});
            EXPECT_EQ(answer.status, 201) << answer.raw;
            ++connections;
        }
    });
    while (connections < 20 || users < 3) std::this_thread::sleep_for(10ms);

    const int before = connections;
    ASSERT_EQ(Run({"backup", "backup.db"}, env_), 0) << Log();
    const int after = connections;
    EXPECT_NE(Log().find("backed up " + Database().string() + " (schema version " +
                         std::to_string(store::BuiltinMigrations().back().version) + ", "),
              std::string::npos)
        << Log();
    EXPECT_NE(Log().find("master.key"), std::string::npos) << Log();
    // Writes go on after the backup: the restored database must not have them.
    while (connections < after + 10) std::this_thread::sleep_for(10ms);
    stop = true;
    for (auto& writer : writers) writer.join();
    const int total = connections;
    EXPECT_EQ(Connections(port, token), total);

    const fs::path backup = dir_.path() / "backup.db";
    struct stat info {};
    ASSERT_EQ(::stat(backup.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600U) << "the backup holds password hashes: its owner's only";
    // Never over an existing file, unless asked.
    EXPECT_EQ(Run({"backup", "backup.db"}, env_), 1);
    EXPECT_NE(Log().find("backup.db exists: pass --force to replace it"), std::string::npos);
    {
        store::DatabaseOptions options;
        options.url = "sqlite://" + backup.string();
        options.pool_size = 1;
        auto db = store::Database::Open(options);
        store::WithSession(*db, [](store::Session& session) {
            std::string check;
            session.sql() << "PRAGMA integrity_check", soci::into(check);
            EXPECT_EQ(check, "ok");
            EXPECT_EQ(store::SelectInt(session, "SELECT COUNT(*) FROM pragma_foreign_key_check"),
                      0);
        });
    }

    // The restore of docs/DEPLOY.md: stop the server, put the copy in place of the database
    // (and remove the old one's -wal and -shm files), start it again.
    EXPECT_EQ(processes_.back()->Stop(SIGTERM, 15s), 0) << processes_.back()->LogTail();
    const fs::path database = Database();
    fs::copy_file(backup, database, fs::copy_options::overwrite_existing);
    fs::remove(database.string() + "-wal");
    fs::remove(database.string() + "-shm");
    port = StartServe(env_, "serve");

    // What was there when the backup began is there; what came after it finished is not. The
    // token still works (same data folder: same token secret), and the credentials open.
    const std::int64_t restored = Connections(port, token);
    std::cout << "connections: " << before << " when the backup began, " << after
              << " when it ended, " << total << " in all; " << restored << " restored\n";
    EXPECT_GE(restored, before);
    EXPECT_LE(restored, after + 1);  // one creation may have been answered after `after` was read
    EXPECT_LT(restored, total);
    const auto tested = TestConnection(port, token, first);
    EXPECT_EQ(tested.status, 200) << tested.raw;
    EXPECT_EQ(Field(tested, "ok"), true) << tested.raw;
    const auto signed_in = Request(port, "POST", "/api/v1/auth/token", {},
                                   {{"username", "w0001@x.io"}, {"password", "password123"}});
    EXPECT_EQ(signed_in.status, 200) << signed_in.raw;
    EXPECT_EQ(processes_.back()->Stop(SIGTERM, 15s), 0);

    // The same copy without its master key: everything but the credentials works.
    fs::rename(Home() / "data" / "master.key", dir_.path() / "master.key.kept");
    port = StartServe(env_, "serve");
    EXPECT_EQ(Connections(port, token), restored);
    const auto unreadable = TestConnection(port, token, first);
    EXPECT_NE(unreadable.status, 200) << unreadable.raw;
    EXPECT_NE(unreadable.raw.find("decryption_failed"), std::string::npos) << unreadable.raw;
    EXPECT_EQ(unreadable.raw.find(AzuriteServer::kAccountKey), std::string::npos);

    // --force replaces a backup, atomically.
    EXPECT_EQ(Run({"backup", "backup.db", "--force"}, env_), 0) << Log();
}

TEST_F(BackupTest, PostgresqlIsRefusedWithThePgDumpRecipeWhichRestoresAWorkingCopy) {
    const std::string url = SharedPostgres().CreateDatabase(UniqueName("dumped"));
    const Env env{{"CERULEAN_DATABASE_URL", url},
                  {"CERULEAN_MASTER_KEYS", "k1:" + std::string(43, 'M') + "="},
                  {"CERULEAN_JWT_SECRET", std::string(40, 'j')},
                  {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"}};
    EXPECT_EQ(Run({"backup", "copy.db"}, env), 1);
    EXPECT_NE(Log().find("the database is PostgreSQL: back it up with pg_dump"), std::string::npos)
        << Log();
    EXPECT_FALSE(fs::exists(dir_.path() / "copy.db"));

    int port = StartServe(env, "serve");
    const std::string token = SignUp(port, "pg@x.io");
    const std::int64_t id = CreateConnection(port, token, SharedAzurite().blob_endpoint());

    // docs/DEPLOY.md: pg_dump's custom format while the servers run, pg_restore into a fresh
    // database.
    const fs::path bin = SharedPostgres().bin_dir();
    const fs::path dump = dir_.path() / "cerulean.dump";
    RunCommandOrThrow({(bin / "pg_dump").string(), "--format=custom", "--file=" + dump.string(),
                       "--dbname=" + url},
                      dir_.path() / "pg.log");
    EXPECT_EQ(processes_.back()->Stop(SIGTERM, 15s), 0);
    const std::string copy = SharedPostgres().CreateDatabase(UniqueName("restored"));
    RunCommandOrThrow(
        {(bin / "pg_restore").string(), "--no-owner", "--dbname=" + copy, dump.string()},
        dir_.path() / "pg.log");

    Env restored = env;
    restored[0].second = copy;
    port = StartServe(restored, "serve-copy");
    const auto tested = Request(
        port, "POST", "/api/v1/azure_blob/connections/" + std::to_string(id) + "/test", token);
    EXPECT_EQ(tested.status, 200) << tested.raw;
    EXPECT_EQ(Field(tested, "ok"), true) << tested.raw;
}

}  // namespace
}  // namespace cerulean::testing
