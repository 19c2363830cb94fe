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

#include "store/database.hpp"
#include "store/migrations.hpp"
#include "support/child_process.hpp"
#include "support/net.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {
namespace {

using namespace std::chrono_literals;

// GET `path` on 127.0.0.1:`port` with Connection: close; the raw response, empty on failure.
std::string HttpGet(int port, const std::string& path) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string response;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string request =
            "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
        char chunk[4096];
        ssize_t n = 0;
        while ((n = ::recv(fd, chunk, sizeof chunk, 0)) > 0) response.append(chunk, n);
    }
    ::close(fd);
    return response;
}

class ServeTest : public ::testing::Test {
 protected:
    // Runs `cerulean ARGS…` in the temp dir with `env`, to completion.
    int Run(const std::vector<std::string>& args,
            std::vector<std::pair<std::string, std::string>> env = {}) {
        std::vector<std::string> argv{CERULEAN_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        ChildProcessOptions options;
        options.environment = std::move(env);
        options.working_directory = dir_.path();
        return RunCommand(argv, log_, options, 60s);
    }

    std::string Log() const { return FileTail(log_, 1 << 20); }

    // Starts `cerulean serve`, waits for /readyz, and returns the port.
    int Serve(std::vector<std::pair<std::string, std::string>> env) {
        const int port = FreeLoopbackPort();
        env.emplace_back("CERULEAN_LISTEN", "127.0.0.1:" + std::to_string(port));
        ChildProcessOptions options;
        options.environment = std::move(env);
        options.working_directory = dir_.path();
        server_ = std::make_unique<ChildProcess>(std::vector<std::string>{CERULEAN_BINARY, "serve"},
                                                 log_, options);
        if (!WaitForTcp(port, 30s)) {
            ADD_FAILURE() << "server did not listen:\n" << server_->LogTail();
        }
        return port;
    }

    TempDir dir_{"cerulean-serve"};
    std::filesystem::path log_ = dir_.path() / "cerulean.log";
    std::unique_ptr<ChildProcess> server_;
};

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

TEST_F(ServeTest, UnknownCommandPrintsHelpAndExits2) {
    EXPECT_EQ(Run({"frobnicate"}), 2);
    EXPECT_NE(Log().find("serve"), std::string::npos);
    EXPECT_EQ(Run({}), 2);
    EXPECT_EQ(Run({"--help"}), 0);
}

}  // namespace
}  // namespace cerulean::testing
