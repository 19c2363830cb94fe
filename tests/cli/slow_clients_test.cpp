// Slow and many clients against a real `cerulean serve` (issue 13, "Faults"): clients reading
// large downloads at 64 KiB/s neither starve other requests nor grow the server's memory much;
// hundreds of idle connections do not keep new requests out; a client that dribbles its header
// (slowloris) is cut at the header deadline; and SIGTERM lets a download in flight finish while
// refusing new connections. (Hostile request shapes are hostile_http_test's.)

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "cli/fault_fixture.hpp"
#include "support/files.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The resident memory of process `pid` in KiB (statm's second field, in pages), -1 when unknown.
long ResidentKib(pid_t pid) {
    std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
    long size = 0;
    long resident = -1;
    if (!(statm >> size >> resident)) return -1;
    return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

double SecondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

class SlowClientsTest : public FaultServeTest {
 protected:
    void SetUp() override {
        FaultServeTest::SetUp();
        StartServer({{"CERULEAN_WORKERS", "0"}});
        connection_ = Connect(SharedAzurite().blob_endpoint());
    }

    std::string DownloadRequest(const std::string& name) const {
        return "GET " + ConnectionPath(connection_, "/blobs/content?name=" + name) +
               " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token_ + "\r\n\r\n";
    }

    // A quick request of each kind (no body; the database; Azure): all answer 200. The slowest
    // answer's time.
    double QuickRound() {
        double slowest = 0;
        for (const std::string& path : {std::string("/healthz"), std::string("/api/v1/users/me"),
                                        ConnectionPath(connection_, "/blobs?limit=5")}) {
            const auto asked = Clock::now();
            const Answer answer = Api("GET", path);
            slowest = std::max(slowest, SecondsSince(asked));
            EXPECT_EQ(answer.status, 200) << path << ": " << answer.Show();
        }
        return slowest;
    }

    std::int64_t connection_ = 0;
};

TEST_F(SlowClientsTest, ClientsReadingAt64KiBPerSecondStarveNobodyAndCostLittleMemory) {
    const std::string big = PatternBytes(64 * kMiB, 21);
    PutBlobs(container_, {{"big.bin", big}});
    // Once at full speed first: the server's pools and buffers exist before the baseline.
    const Answer whole = Api("GET", ConnectionPath(connection_, "/blobs/content?name=big.bin"));
    ASSERT_TRUE(whole.complete && whole.status == 200) << whole.head;
    ASSERT_EQ(Fingerprint(whole.body), Fingerprint(big));
    QuickRound();
    const long baseline = ResidentKib(server_->pid());

    // Four clients each reading 64 KiB a second.
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> received{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < 4; ++i) {
        readers.emplace_back([&] {
            const int fd = Dial(port_, 64 * kKiB);
            if (fd < 0 || !SendAll(fd, DownloadRequest("big.bin"))) {
                ADD_FAILURE() << "cannot ask for the download";
                if (fd >= 0) ::close(fd);
                return;
            }
            while (!stop) {
                const auto [bytes, ended] = ReadFrom(fd, 64 * kKiB, 2000ms);
                received += bytes.size();
                if (ended) {
                    ADD_FAILURE() << "the server ended a slow download";
                    break;
                }
                std::this_thread::sleep_for(1s);
            }
            ::close(fd);
        });
    }
    // Meanwhile the others are answered as usual, and the memory stays flat.
    double slowest = 0;
    long peak = baseline;
    const auto until = Clock::now() + 6s;
    while (Clock::now() < until) {
        slowest = std::max(slowest, QuickRound());
        peak = std::max(peak, ResidentKib(server_->pid()));
        std::this_thread::sleep_for(200ms);
    }
    // A whole download of another client still goes at full speed.
    const Answer other = Api("GET", ConnectionPath(connection_, "/blobs/content?name=big.bin"));
    EXPECT_TRUE(other.complete && other.status == 200) << other.head;
    EXPECT_EQ(Fingerprint(other.body), Fingerprint(big));
    peak = std::max(peak, ResidentKib(server_->pid()));
    stop = true;
    for (auto& reader : readers) reader.join();

    std::cerr << "slow readers got " << received / kKiB << " KiB; others' slowest answer "
              << slowest << " s; server RSS " << baseline / 1024 << " -> peak " << peak / 1024
              << " MiB\n";
    EXPECT_GT(received.load(), 4 * 64 * kKiB) << "the slow downloads did not flow";
    EXPECT_LT(slowest, 5.0) << "quick requests waited behind the slow readers";
    EXPECT_LT(peak - baseline, 48L * 1024L) << "the server grew by " << (peak - baseline) << " KiB";
}

TEST_F(SlowClientsTest, IdleAndSlowlorisConnectionsNeitherKeepOthersOutNorLastPastTheDeadline) {
    // Three clients sending a header a line every two seconds: never complete, always busy.
    std::atomic<bool> stop{false};
    std::atomic<int> cut{0};
    std::vector<double> cut_after(3, 0);
    std::vector<std::thread> dribblers;
    const auto started = Clock::now();
    for (int i = 0; i < 3; ++i) {
        dribblers.emplace_back([&, i] {
            const int fd = Dial(port_);
            if (fd < 0) return;
            bool sent = SendAll(fd, "GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\n");
            for (int line = 0; sent && !stop; ++line) {
                pollfd p{fd, POLLIN, 0};
                if (::poll(&p, 1, 2000) > 0) {
                    char byte = 0;
                    if (::recv(fd, &byte, 1, 0) <= 0) break;  // closed (or reset) by the server
                }
                sent = SendAll(fd, "X-Slow-" + std::to_string(line) + ": a\r\n");
            }
            if (!stop) {
                cut_after[i] = SecondsSince(started);
                ++cut;
            }
            ::close(fd);
        });
    }

    // Five hundred idle connections: half silent, half with an unfinished request line.
    std::vector<int> idle;
    for (int i = 0; i < 500; ++i) {
        const int fd = Dial(port_);
        ASSERT_GE(fd, 0) << "connection " << i << " refused";
        if (i % 2 == 1) SendAll(fd, "GET /healthz HT");
        idle.push_back(fd);
    }
    double slowest = 0;
    for (int i = 0; i < 5; ++i) slowest = std::max(slowest, QuickRound());
    EXPECT_LT(slowest, 5.0);
    for (const int fd : idle) ::close(fd);
    EXPECT_EQ(Log().find("http.too_many_connections"), std::string::npos);

    // The header deadline (30 s) ends the dribblers, however busy they keep their connections.
    const auto deadline = started + 60s;
    while (cut.load() < 3 && Clock::now() < deadline) std::this_thread::sleep_for(100ms);
    stop = true;
    for (auto& thread : dribblers) thread.join();
    EXPECT_EQ(cut.load(), 3) << "a slowloris connection outlived the header deadline";
    for (const double seconds : cut_after) {
        EXPECT_GE(seconds, 20.0) << "cut before the deadline";  // 30 s, less the noise
    }
    EXPECT_EQ(QuickRound() < 5.0, true);
}

TEST_F(SlowClientsTest, SigtermLetsADownloadInFlightFinishAndRefusesNewConnections) {
    const std::string big = PatternBytes(48 * kMiB + 9, 22);
    PutBlobs(container_, {{"big.bin", big}});
    const int fd = Dial(port_, 64 * kKiB);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, DownloadRequest("big.bin")));
    auto [head, ended] = ReadFrom(fd, kMiB, 10'000ms);
    ASSERT_TRUE(head.starts_with("HTTP/1.1 200")) << head.substr(0, 300);
    ASSERT_FALSE(ended);

    ASSERT_EQ(::kill(server_->pid(), SIGTERM), 0);
    // New connections are refused once the server stops accepting (or get no answer).
    const auto refused_by = Clock::now() + 5s;
    int answered = 200;
    while (Clock::now() < refused_by) {
        answered = Exchange(port_, "GET", "/healthz", {}, {}, {}, 5s).status;
        if (answered == 0) break;
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(answered, 0) << "the stopping server still answered a new connection";
    // The download goes on to its end, byte for byte, within the grace period (10 s).
    std::this_thread::sleep_for(1s);
    auto [rest, closed] = ReadFrom(fd, big.size() + 4096, 10'000ms);
    ::close(fd);
    const std::string raw = head + rest;
    const auto split = raw.find("\r\n\r\n");
    ASSERT_NE(split, std::string::npos);
    EXPECT_EQ(raw.size() - split - 4, big.size());
    EXPECT_EQ(Fingerprint(raw.substr(split + 4)), Fingerprint(big));
    EXPECT_EQ(server_->Wait(20s), std::optional<int>(0)) << Log();
}

}  // namespace
}  // namespace cerulean::testing
