// The `cerulean` binary end to end: serve on SQLite and on PostgreSQL, migrate, and the
// one-line failures of bad configuration and usage.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "cli/serve_fixture.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "support/child_process.hpp"
#include "support/net.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ServeTest, ServesOnSqliteWithGeneratedSecretsAndStopsGracefully) {
    const int port = Serve({});
    const std::string health = HttpGet(port, "/healthz");
    EXPECT_EQ(health.rfind("HTTP/1.1 200", 0), 0U) << health;
    EXPECT_NE(health.find("{\"status\":\"ok\"}"), std::string::npos);
    const std::string ready = HttpGet(port, "/readyz");
    EXPECT_EQ(ready.rfind("HTTP/1.1 200", 0), 0U) << ready;
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "data" / "cerulean.db"));
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "data" / "master.key"));
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "data" / "jwt.secret"));
    EXPECT_EQ(server_->Stop(SIGTERM, 15s), 0) << Log();
    const std::string log = Log();
    EXPECT_NE(log.find("event=http.request method=GET path=/readyz status=200"), std::string::npos);
    EXPECT_NE(log.find("event=http.stopped"), std::string::npos);
}

TEST_F(ServeTest, TheAccessLogNeverShowsALinksToken) {
    const int port = Serve({});
    const std::string token(43, 'Q');  // well-formed, unknown: 404, and logged all the same
    const std::string response = HttpGet(port, "/api/v1/blob_links/" + token);
    EXPECT_EQ(response.rfind("HTTP/1.1 404", 0), 0U) << response;
    server_.reset();  // stops it, so that the log is complete
    const std::string log = Log();
    EXPECT_NE(log.find("path=/api/v1/blob_links/REDACTED"), std::string::npos) << log;
    EXPECT_EQ(log.find(token), std::string::npos) << log;
}

TEST_F(ServeTest, ServesOnPostgresql) {
    const std::string url = SharedPostgres().CreateDatabase(UniqueName("serve"));
    const int port = Serve({{"CERULEAN_DATABASE_URL", url}});
    const std::string ready = HttpGet(port, "/readyz");
    EXPECT_EQ(ready.rfind("HTTP/1.1 200", 0), 0U) << ready << server_->LogTail();
    EXPECT_EQ(server_->Stop(SIGINT, 15s), 0) << Log();
    store::DatabaseOptions options;
    options.url = url;
    options.pool_size = 1;
    auto db = store::Database::Open(options);
    EXPECT_EQ(store::SchemaVersion(*db), store::BuiltinMigrations().back().version);
}

TEST_F(ServeTest, MigrateTwiceIsANoOp) {
    const std::string url = SharedPostgres().CreateDatabase(UniqueName("migrate"));
    EXPECT_EQ(Run({"migrate"}, {{"CERULEAN_DATABASE_URL", url}}), 0) << Log();
    EXPECT_NE(Log().find("migrated"), std::string::npos);
    EXPECT_EQ(Run({"migrate"}, {{"CERULEAN_DATABASE_URL", url}}), 0) << Log();
    EXPECT_NE(Log().find("up to date"), std::string::npos);
}

TEST_F(ServeTest, RefusesADatabaseNewerThanTheBinary) {
    const std::string url = "sqlite://" + (dir_.path() / "newer.db").string();
    {
        store::DatabaseOptions options;
        options.url = url;
        auto db = store::Database::Open(options);
        std::vector<store::Migration> future(store::BuiltinMigrations().begin(),
                                             store::BuiltinMigrations().end());
        future.push_back({future.back().version + 1, "future", "CREATE TABLE future (x INTEGER);"});
        store::Migrate(*db, future);
    }
    EXPECT_EQ(Run({"serve"}, {{"CERULEAN_DATABASE_URL", url}}), 1);
    EXPECT_NE(Log().find("newer than this Cerulean binary"), std::string::npos) << Log();
}

TEST_F(ServeTest, WithoutAutoMigrationAnOutdatedOrNewerSchemaStopsServeAndWorker) {
    const std::string url = "sqlite://" + (dir_.path() / "manual.db").string();
    const std::vector<std::pair<std::string, std::string>> env{
        {"CERULEAN_DATABASE_URL", url},
        {"CERULEAN_AUTO_MIGRATE", "false"},
        {"CERULEAN_MASTER_KEYS", "k1:" + std::string(43, 'K') + "="}};
    const auto migrations = store::BuiltinMigrations();
    const int latest = migrations.back().version;
    {
        // The schema of the release before: one migration behind this binary.
        store::DatabaseOptions options;
        options.url = url;
        auto db = store::Database::Open(options);
        store::Migrate(*db, migrations.first(migrations.size() - 1));
    }
    const std::string behind = "the database schema is at version " + std::to_string(latest - 1) +
                               ", behind this binary's " + std::to_string(latest) +
                               ": run `cerulean migrate`";
    for (const char* command : {"serve", "worker"}) {
        const std::size_t logged = Log().size();
        EXPECT_EQ(Run({command}, env), 1) << command;
        EXPECT_NE(Log().find("cerulean: " + behind + "\n", logged), std::string::npos)
            << command << "\n"
            << Log();
    }
    // `cerulean migrate` applies it once; then both start.
    EXPECT_EQ(Run({"migrate"}, env), 0) << Log();
    EXPECT_NE(
        Log().find("from version " + std::to_string(latest - 1) + " to " + std::to_string(latest)),
        std::string::npos)
        << Log();
    const int port = Serve(env);
    const std::string ready = HttpGet(port, "/readyz");
    EXPECT_EQ(ready.rfind("HTTP/1.1 200", 0), 0U) << ready;
    EXPECT_EQ(server_->Stop(SIGTERM, 15s), 0) << Log();

    // A schema newer than this binary (a newer release migrated it) stops both, with or
    // without auto-migration.
    {
        store::DatabaseOptions options;
        options.url = url;
        auto db = store::Database::Open(options);
        std::vector<store::Migration> future(migrations.begin(), migrations.end());
        future.push_back({latest + 1, "future", "CREATE TABLE future (x INTEGER);"});
        store::Migrate(*db, future);
    }
    auto automatic = env;
    automatic[1].second = "true";
    for (const auto& settings : {env, automatic}) {
        for (const char* command : {"serve", "worker"}) {
            const std::size_t logged = Log().size();
            EXPECT_EQ(Run({command}, settings), 1) << command;
            EXPECT_NE(Log().find("newer than this Cerulean binary knows", logged),
                      std::string::npos)
                << command << "\n"
                << Log();
        }
    }
}

TEST_F(ServeTest, BadSettingFailsWithOneLineNamingIt) {
    EXPECT_EQ(Run({"serve"}, {{"CERULEAN_WORKERS", "lots"}}), 2);
    const std::string log = Log();
    EXPECT_EQ(log.rfind("cerulean: CERULEAN_WORKERS:", 0), 0U) << log;
    EXPECT_EQ(log.find('\n'), log.size() - 1);
}

TEST_F(ServeTest, UnreachablePostgresFailsWithoutLeakingThePassword) {
    const int closed_port = FreeLoopbackPort();
    const std::string url =
        "postgresql://cerulean:hunter2secret@127.0.0.1:" + std::to_string(closed_port) + "/x";
    EXPECT_EQ(Run({"migrate"}, {{"CERULEAN_DATABASE_URL", url}}), 1);
    const std::string log = Log();
    EXPECT_NE(log.find("cannot open database"), std::string::npos) << log;
    EXPECT_EQ(log.find("hunter2secret"), std::string::npos) << log;
}

TEST_F(ServeTest, UserCreateMakesASuperuserEvenWithSignupClosed) {
    const std::string command =
        std::string("printf 'first-password\\n' | ") + CERULEAN_BINARY +
        " user create --email Root@Example.com --password-stdin --superuser";
    ChildProcessOptions options;
    options.working_directory = dir_.path();
    options.environment = {{"CERULEAN_ALLOW_SIGNUP", "false"}};
    ASSERT_EQ(RunCommand({"/bin/sh", "-c", command}, log_, options, 60s), 0) << Log();
    EXPECT_NE(Log().find("created superuser root@example.com"), std::string::npos);
    EXPECT_EQ(Log().find("first-password"), std::string::npos);
    const int port = Serve({{"CERULEAN_ALLOW_SIGNUP", "false"}});
    const std::string token =
        JsonString(HttpCall(port, "POST", "/api/v1/auth/token",
                            "username=root%40example.com&password=first-password",
                            "Content-Type: application/x-www-form-urlencoded\r\n"),
                   "access_token");
    ASSERT_FALSE(token.empty()) << server_->LogTail();
    const std::string users =
        HttpCall(port, "GET", "/api/v1/users", {}, "Authorization: Bearer " + token + "\r\n");
    EXPECT_EQ(users.rfind("HTTP/1.1 200", 0), 0U) << users;
    const std::string signup = HttpCall(port, "POST", "/api/v1/auth/register",
                                        R"({"email":"x@y.io","password":"longenough"})",
                                        "Content-Type: application/json\r\n");
    EXPECT_NE(signup.find("signup_disabled"), std::string::npos) << signup;
    EXPECT_EQ(server_->Stop(SIGTERM, 15s), 0) << Log();
    // A bad email is one readable line naming the field.
    const std::string bad = std::string("printf 'pw-long-enough\\n' | ") + CERULEAN_BINARY +
                            " user create --email nonsense --password-stdin";
    EXPECT_EQ(RunCommand({"/bin/sh", "-c", bad}, log_, options, 60s), 1);
    EXPECT_NE(Log().find("email"), std::string::npos) << Log();
}

TEST_F(ServeTest, KeyRotationLetsTheOldKeyGo) {
    auto& azurite = SharedAzurite();
    const std::string old_key = "old:" + std::string(43, 'A') + "=";
    const std::string new_key = "new:" + std::string(43, 'B') + "=";
    int port =
        Serve({{"CERULEAN_MASTER_KEYS", old_key}, {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"}});
    HttpCall(port, "POST", "/api/v1/auth/register",
             R"({"email":"k@x.io","password":"password123"})",
             "Content-Type: application/json\r\n");
    const std::string token =
        JsonString(HttpCall(port, "POST", "/api/v1/auth/token",
                            R"({"username":"k@x.io","password":"password123"})",
                            "Content-Type: application/json\r\n"),
                   "access_token");
    const std::string auth =
        "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n";
    const std::string created = HttpCall(
        port, "POST", "/api/v1/azure_blob/connections",
        R"({"name":"emu","auth_type":"connection_string","credentials":{"connection_string":")" +
            azurite.connection_string() + R"("}})",
        auth);
    ASSERT_NE(created.find("HTTP/1.1 201"), std::string::npos) << created;
    ASSERT_EQ(server_->Stop(SIGTERM, 15s), 0) << Log();

    EXPECT_EQ(Run({"keys", "rotate"}, {{"CERULEAN_MASTER_KEYS", new_key + "," + old_key}}), 0)
        << Log();
    EXPECT_NE(Log().find("re-encrypted 1 credential"), std::string::npos) << Log();
    EXPECT_EQ(Run({"keys", "rotate"}, {{"CERULEAN_MASTER_KEYS", new_key + "," + old_key}}), 0);
    EXPECT_NE(Log().find("re-encrypted 0 credential(s) under key 'new'; 1 already were"),
              std::string::npos)
        << Log();

    port =
        Serve({{"CERULEAN_MASTER_KEYS", new_key}, {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"}});
    const std::string tested =
        HttpCall(port, "POST", "/api/v1/azure_blob/connections/1/test", {}, auth);
    EXPECT_NE(tested.find("\"ok\":true"), std::string::npos) << tested;
    EXPECT_EQ(server_->Stop(SIGTERM, 15s), 0) << Log();
    // Nothing secret reached the logs: not the account key, the master keys or the token.
    const std::string log = Log();
    EXPECT_EQ(log.find(std::string(AzuriteServer::kAccountKey)), std::string::npos);
    EXPECT_EQ(log.find(std::string(43, 'A')), std::string::npos);
    EXPECT_EQ(log.find(std::string(43, 'B')), std::string::npos);
    EXPECT_EQ(log.find(token), std::string::npos);
}

TEST_F(ServeTest, UnknownCommandPrintsHelpAndExits2) {
    EXPECT_EQ(Run({"frobnicate"}), 2);
    EXPECT_NE(Log().find("serve"), std::string::npos);
    EXPECT_EQ(Run({}), 2);
    EXPECT_EQ(Run({"--help"}), 0);
}

}  // namespace
}  // namespace cerulean::testing
