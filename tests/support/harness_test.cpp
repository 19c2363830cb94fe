#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "support/azurite_server.hpp"
#include "support/child_process.hpp"
#include "support/files.hpp"
#include "support/net.hpp"
#include "support/postgres_server.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The status line of a bare GET over a plain socket, or "" when the server does not answer.
std::string HttpStatusLine(int port, const std::string& target) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {};
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string response;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
        const std::string request = "GET " + target +
                                    " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                                    "\r\nConnection: close\r\n\r\n";
        if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
            char buffer[1024];
            while (response.find("\r\n") == std::string::npos) {
                const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
                if (n <= 0) break;
                response.append(buffer, static_cast<std::size_t>(n));
            }
        }
    }
    close(fd);
    return response.substr(0, response.find("\r\n"));
}

bool ProcessExists(pid_t pid) {
    return kill(pid, 0) == 0 || errno != ESRCH;
}

// A killed grandchild is reparented and may stay a zombie until its new parent reaps it: it
// no longer runs, which is what matters.
bool ProcessEnded(pid_t pid) {
    if (!ProcessExists(pid)) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string content;
    std::getline(stat, content);
    const auto close_paren = content.rfind(')');
    return close_paren != std::string::npos && close_paren + 2 < content.size() &&
           content[close_paren + 2] == 'Z';
}

bool EventuallyEnded(pid_t pid) {
    for (int i = 0; i < 200; ++i) {
        if (ProcessEnded(pid)) return true;
        std::this_thread::sleep_for(milliseconds(25));
    }
    return false;
}

TEST(TempDir, IsCreatedUnderTmpAndRemovedWithItsContents) {
    std::filesystem::path path;
    {
        const TempDir dir("cerulean-harness-");
        path = dir.path();
        EXPECT_TRUE(std::filesystem::is_directory(path));
        EXPECT_THAT(path.filename().string(), StartsWith("cerulean-harness-"));
        std::filesystem::create_directories(path / "a" / "b");
        std::ofstream(path / "a" / "b" / "file") << "x";
    }
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ChildProcess, ReportsTheExitStatusAndLogsOutput) {
    const TempDir dir;
    const auto log = dir.path() / "run.log";
    EXPECT_EQ(RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"}, log), 3);
    EXPECT_THAT(ReadFile(log), HasSubstr("out\nerr\n"));
    EXPECT_THAT(
        [&] {
            RunCommandOrThrow({"sh", "-c", "echo boom; exit 1"}, log);
        },
        ::testing::ThrowsMessage<std::runtime_error>(HasSubstr("boom")));
}

TEST(ChildProcess, PassesEnvironmentAndWorkingDirectory) {
    const TempDir dir;
    const auto log = dir.path() / "env.log";
    ChildProcessOptions options;
    options.environment = {{"CERULEAN_HARNESS_VALUE", "forty two"}, {"HOME", "/nowhere"}};
    options.working_directory = dir.path();
    EXPECT_EQ(
        RunCommand({"sh", "-c", "echo \"$CERULEAN_HARNESS_VALUE|$HOME|$(pwd)\""}, log, options), 0);
    EXPECT_EQ(ReadFile(log), "forty two|/nowhere|" + dir.path().string() + "\n");
}

TEST(ChildProcess, ThrowsWhenTheProgramCannotBeStarted) {
    const TempDir dir;
    EXPECT_THAT(
        [&] { RunCommand({"cerulean-no-such-program"}, dir.path() / "x.log"); },
        ::testing::ThrowsMessage<std::runtime_error>(HasSubstr("cerulean-no-such-program")));
}

TEST(ChildProcess, RunCommandStopsACommandThatOverrunsItsTimeout) {
    const TempDir dir;
    EXPECT_THROW(RunCommand({"sleep", "30"}, dir.path() / "sleep.log", {}, milliseconds(200)),
                 std::runtime_error);
}

TEST(ChildProcess, StopKillsTheWholeGroupWhenSigtermIsIgnored) {
    const TempDir dir;
    const auto pid_file = dir.path() / "grandchild.pid";
    ChildProcess child(
        {"sh", "-c", "trap '' TERM; sleep 60 & echo $! > " + pid_file.string() + "; wait"},
        dir.path() / "group.log");
    for (int i = 0; i < 200 && ReadFile(pid_file).empty(); ++i) {
        std::this_thread::sleep_for(milliseconds(10));
    }
    const pid_t grandchild = std::stoi(ReadFile(pid_file));
    EXPECT_TRUE(child.Running());
    EXPECT_EQ(getpgid(grandchild), child.pid());

    EXPECT_EQ(child.Stop(SIGTERM, milliseconds(300)), 128 + SIGKILL);
    EXPECT_FALSE(child.Running());
    EXPECT_FALSE(ProcessExists(child.pid()));
    EXPECT_TRUE(EventuallyEnded(grandchild));
}

TEST(ChildProcess, OutlivesTheThreadThatStartedIt) {
    const TempDir dir;
    std::unique_ptr<ChildProcess> child;
    std::thread([&] {
        child = std::make_unique<ChildProcess>(std::vector<std::string>{"sleep", "60"},
                                               dir.path() / "s.log");
    }).join();
    std::this_thread::sleep_for(milliseconds(200));
    EXPECT_TRUE(child->Running());
    EXPECT_EQ(child->Stop(), 128 + SIGTERM);
}

TEST(Net, WaitForTcpSeesOnlyAListeningPort) {
    const int port = FreeLoopbackPort();
    EXPECT_GT(port, 0);
    EXPECT_FALSE(WaitForTcp(port, milliseconds(100)));

    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(fd, 4), 0);
    EXPECT_TRUE(WaitForTcp(port, milliseconds(1000)));
    close(fd);
}

TEST(UniqueName, IsValidAsContainerAndDatabaseName) {
    const std::regex valid("[a-z][a-z0-9]{2,62}");
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string name = UniqueName("blobs");
        EXPECT_TRUE(std::regex_match(name, valid)) << name;
        EXPECT_THAT(name, StartsWith("blobs"));
        EXPECT_TRUE(seen.insert(name).second) << name;
    }
    EXPECT_THAT(UniqueName("My_Sync-Suite!"), StartsWith("mysyncsuite"));
    EXPECT_TRUE(std::regex_match(UniqueName("42"), valid));
    EXPECT_TRUE(std::regex_match(UniqueName(""), valid));
    const std::string long_name = UniqueName(std::string(100, 'x'));
    EXPECT_EQ(long_name.size(), 63U);
    EXPECT_TRUE(std::regex_match(long_name, valid));
}

TEST(SharedAzurite, AnswersHttpRequestsOnItsPort) {
    AzuriteServer& azurite = SharedAzurite();
    EXPECT_EQ(&azurite, &SharedAzurite());
    const std::string port = std::to_string(azurite.port());
    EXPECT_EQ(azurite.blob_endpoint(), "http://127.0.0.1:" + port + "/devstoreaccount1");
    EXPECT_EQ(azurite.connection_string(),
              "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
                  std::string(AzuriteServer::kAccountKey) +
                  ";BlobEndpoint=http://127.0.0.1:" + port + "/devstoreaccount1;");
    EXPECT_THAT(HttpStatusLine(azurite.port(), "/devstoreaccount1?comp=list"),
                StartsWith("HTTP/1.1 "));
}

TEST(SharedPostgres, CreatesDatabasesThatAcceptConnections) {
    PostgresServer& postgres = SharedPostgres();
    EXPECT_EQ(&postgres, &SharedPostgres());
    EXPECT_EQ(postgres.url(),
              "postgresql://cerulean@127.0.0.1:" + std::to_string(postgres.port()) + "/postgres");
    const TempDir dir;
    const std::string first = UniqueName("harness");
    const std::string second = UniqueName("harness");
    const std::string first_url = postgres.CreateDatabase(first);
    const std::string second_url = postgres.CreateDatabase(second);
    EXPECT_EQ(first_url, postgres.UrlFor(first));
    EXPECT_NE(first_url, second_url);
    EXPECT_EQ(postgres.RunPsql(first_url, "select 1", dir.path() / "psql.log"), 0);
    EXPECT_EQ(postgres.RunPsql(second_url, "select 1", dir.path() / "psql.log"), 0);
    EXPECT_NE(
        postgres.RunPsql(postgres.UrlFor("nosuchdatabase"), "select 1", dir.path() / "psql.log"),
        0);
    EXPECT_THROW(postgres.CreateDatabase(first), std::runtime_error);
}

TEST(AzuriteServer, RestartKeepsThePortAndStopLeavesNoProcess) {
    AzuriteOptions options;
    options.in_memory = false;
    AzuriteServer azurite(options);
    const int port = azurite.port();
    const pid_t first_pid = azurite.pid();
    EXPECT_THAT(HttpStatusLine(port, "/devstoreaccount1?comp=list"), StartsWith("HTTP/1.1 "));

    azurite.Restart();
    EXPECT_EQ(azurite.port(), port);
    EXPECT_FALSE(ProcessExists(first_pid));
    EXPECT_THAT(HttpStatusLine(port, "/devstoreaccount1?comp=list"), StartsWith("HTTP/1.1 "));

    const pid_t second_pid = azurite.pid();
    azurite.Stop();
    EXPECT_FALSE(azurite.Running());
    EXPECT_EQ(azurite.pid(), -1);
    EXPECT_FALSE(ProcessExists(second_pid));
    EXPECT_FALSE(WaitForTcp(port, milliseconds(0)));
}

TEST(AzuriteServer, ReportsTheLogWhenAzuriteCannotStart) {
    AzuriteOptions options;
    options.https = true;
    options.cert_path = "/nonexistent/cert.pem";
    options.key_path = "/nonexistent/key.pem";
    EXPECT_THAT([&] { AzuriteServer azurite(options); },
                ::testing::ThrowsMessage<std::runtime_error>(HasSubstr("Azurite exited")));
}

TEST(PostgresServer, RestartsWithItsDataAndStopLeavesNoProcess) {
    PostgresServer postgres;
    const TempDir dir;
    const auto log = dir.path() / "psql.log";
    const std::string url = postgres.CreateDatabase("kept");
    const pid_t pid = postgres.pid();
    const pid_t postmaster = postgres.postmaster_pid();
    EXPECT_TRUE(ProcessExists(pid));
    EXPECT_TRUE(ProcessExists(postmaster));

    postgres.Stop();
    EXPECT_FALSE(postgres.Running());
    EXPECT_FALSE(ProcessExists(pid));
    EXPECT_FALSE(ProcessExists(postmaster));
    EXPECT_FALSE(WaitForTcp(postgres.port(), milliseconds(0)));

    postgres.Start();
    EXPECT_EQ(postgres.RunPsql(url, "select 1", log), 0) << FileTail(log);
    const pid_t restarted = postgres.postmaster_pid();
    postgres.Stop();
    EXPECT_FALSE(ProcessExists(restarted));
}

}  // namespace
}  // namespace cerulean::testing
