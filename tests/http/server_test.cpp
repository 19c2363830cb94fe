// The server over real loopback sockets: keep-alive, request ids, limits, timeouts, streaming
// and graceful shutdown.

#include "http/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>
#include <thread>

#include "http/problem.hpp"

namespace cerulean::http {
namespace {

using namespace std::chrono_literals;

// A blocking client on one connection, reading whole responses (Content-Length or chunked).
class Client {
 public:
    explicit Client(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        timeval tv{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~Client() { ::close(fd_); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    [[nodiscard]] bool connected() const { return connected_; }
    [[nodiscard]] int fd() const { return fd_; }

    void Send(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    // Reads one response; empty when the connection closed first.
    std::string ReadResponse() {
        for (;;) {
            const auto header_end = buffer_.find("\r\n\r\n");
            if (header_end != std::string::npos) {
                const std::string head = buffer_.substr(0, header_end + 4);
                std::string lower = head;
                for (auto& c : lower) c = static_cast<char>(std::tolower(c));
                const auto cl = lower.find("content-length: ");
                if (lower.find("transfer-encoding: chunked") != std::string::npos) {
                    const auto end = buffer_.find("\r\n0\r\n\r\n", header_end);
                    if (end != std::string::npos) {
                        std::string response = buffer_.substr(0, end + 7);
                        buffer_.erase(0, end + 7);
                        return response;
                    }
                } else {
                    const std::size_t length =
                        cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 16));
                    if (buffer_.size() >= header_end + 4 + length) {
                        std::string response = buffer_.substr(0, header_end + 4 + length);
                        buffer_.erase(0, header_end + 4 + length);
                        return response;
                    }
                }
            }
            char chunk[4096];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return {};
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // Reads up to the end of one response's header only.
    std::string ReadHeader() {
        for (;;) {
            const auto end = buffer_.find("\r\n\r\n");
            if (end != std::string::npos) {
                std::string head = buffer_.substr(0, end + 4);
                buffer_.erase(0, end + 4);
                return head;
            }
            char chunk[4096];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return {};
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // True when the server closes or resets the connection within the receive timeout.
    bool Closed() {
        char c;
        const ssize_t n = ::recv(fd_, &c, 1, 0);
        return n == 0 || (n < 0 && errno == ECONNRESET);
    }

 private:
    int fd_ = -1;
    bool connected_ = false;
    std::string buffer_;
};

Task<void> Sleep(std::chrono::milliseconds duration) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(duration);
    co_await timer.async_wait(boost::asio::use_awaitable);
}

// Larger than a loopback socket's buffers: the server cannot write it in one go.
constexpr std::size_t kBigBody = 16U << 20U;

class ServerTest : public ::testing::Test {
 protected:
    void Start(ServerOptions options = {}) {
        options.port = 0;
        options.threads = 2;
        options.access_log = false;
        router_.Add("GET", "/hello", [](Request&) -> Task<Response> {
            co_return TextResponse(200, "hi", "text/plain");
        });
        router_.Add("POST", "/echo", [](Request& request) -> Task<Response> {
            co_return TextResponse(200, co_await request.ReadBody(1024), "text/plain");
        });
        router_.Add("POST", "/reads", [](Request& request) -> Task<Response> {
            // Reads the body in large spans and reports the largest single read and the total.
            std::string buffer(256U * 1024U, '\0');
            std::size_t largest = 0;
            std::size_t total = 0;
            for (;;) {
                const std::size_t n = co_await request.body().ReadSome(buffer);
                if (n == 0) break;
                largest = std::max(largest, n);
                total += n;
            }
            co_return TextResponse(200, std::to_string(largest) + " " + std::to_string(total),
                                   "text/plain");
        });
        router_.Add("GET", "/big", [](Request&) -> Task<Response> {
            std::string body(kBigBody, 'b');
            for (std::size_t i = 0; i < body.size(); i += 4096) body[i] = 'a';
            co_return TextResponse(200, std::move(body), "application/octet-stream");
        });
        router_.Add("GET", "/fields", [](Request&) -> Task<Response> {
            Response response = TextResponse(200, "f", "text/plain");
            response.headers.Add("X-A", "1");
            response.headers.Add("X-B", "  2\t");
            response.headers.Add("x-a", "3");
            co_return response;
        });
        router_.Add("POST", "/ignore",
                    [](Request&) -> Task<Response> { co_return EmptyResponse(204); });
        router_.Add("GET", "/slow", [this](Request&) -> Task<Response> {
            ++slow_started_;
            co_await Sleep(400ms);
            co_return TextResponse(200, "done", "text/plain");
        });
        router_.Add("GET", "/stream", [](Request&) -> Task<Response> {
            Response response;
            response.headers.Set("Content-Type", "text/plain");
            response.producer = [](BodySink& sink) -> Task<void> {
                for (int i = 0; i < 3; ++i) co_await sink.Write("part" + std::to_string(i));
            };
            co_return response;
        });
        server_ = std::make_unique<Server>(options, [this](Request& request) -> Task<Response> {
            const auto match = router_.Find(request);
            if (match.handler == nullptr) co_return ProblemResponse({404, "not_found", "none"});
            co_return co_await (*match.handler)(request);
        });
        server_->Listen();
        port_ = server_->port();
        thread_ = std::thread([this] { server_->Run(false); });
    }

    // Serves with `options`, sends `stalled` (a request that stops short) and expects the server
    // to close the connection (in a bound far above the timeouts the tests set).
    void ExpectClosedWhenStalled(const ServerOptions& options, std::string_view stalled) {
        Start(options);
        Client client(port_);
        client.Send(stalled);
        const auto started = std::chrono::steady_clock::now();
        EXPECT_TRUE(client.Closed());
        EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
    }

    void TearDown() override {
        if (server_) server_->Stop();
        if (thread_.joinable()) thread_.join();
    }

    Router router_;
    std::unique_ptr<Server> server_;
    std::thread thread_;
    std::uint16_t port_ = 0;
    std::atomic<int> slow_started_{0};
};

TEST_F(ServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
    Start();
    Client client(port_);
    ASSERT_TRUE(client.connected());
    for (int i = 0; i < 3; ++i) {
        client.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        const std::string response = client.ReadResponse();
        EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << response;
        EXPECT_TRUE(response.ends_with("\r\n\r\nhi"));
    }
}

TEST_F(ServerTest, EchoesValidRequestIdsAndReplacesOthers) {
    Start();
    Client client(port_);
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n");
    EXPECT_NE(client.ReadResponse().find("X-Request-Id: abc-123\r\n"), std::string::npos);
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad id\r\n\r\n");
    const std::string response = client.ReadResponse();
    EXPECT_EQ(response.find("bad id"), std::string::npos);
    EXPECT_NE(response.find("X-Request-Id: "), std::string::npos);
}

TEST_F(ServerTest, ReadsBodiesAndRefusesThoseOverTheLimit) {
    Start();
    Client client(port_);
    client.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    EXPECT_TRUE(client.ReadResponse().ends_with("hello"));
    client.Send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    EXPECT_TRUE(client.ReadResponse().ends_with("abcde"));
}

TEST_F(ServerTest, ReadsLargeBodiesInLargeReads) {
    // A read buffer left at the header's size once made Beast read bodies 512 bytes at a time
    // (half a million system calls for 256 MiB): a body read must take what the socket has.
    Start();
    Client client(port_);
    const std::size_t size = 4U << 20U;
    client.Send("POST /reads HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(size) +
                "\r\n\r\n" + std::string(size, 'x'));
    const std::string response = client.ReadResponse();
    const std::string body = response.substr(response.find("\r\n\r\n") + 4);
    const std::size_t space = body.find(' ');
    ASSERT_NE(space, std::string::npos) << response;
    EXPECT_EQ(body.substr(space + 1), std::to_string(size));
    EXPECT_GT(std::stoul(body.substr(0, space)), 4096U) << "largest single read";
}

TEST_F(ServerTest, ABodyEndsAtItsLengthWhenTheNextRequestFollowsInTheSameSegment) {
    // Body bytes are read straight from the socket: never past Content-Length, so pipelined
    // requests (here in one send with the body, and a body that arrives after its header)
    // stay for the next request.
    Start();
    Client client(port_);
    client.Send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(client.ReadResponse().ends_with("\r\n\r\nhello"));
    EXPECT_TRUE(client.ReadResponse().ends_with("\r\n\r\nabc"));
    EXPECT_TRUE(client.ReadResponse().ends_with("hi"));
    client.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n");
    std::this_thread::sleep_for(50ms);
    client.Send("ab");
    std::this_thread::sleep_for(50ms);
    client.Send("cdefGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(client.ReadResponse().ends_with("\r\n\r\nabcdef"));
    EXPECT_TRUE(client.ReadResponse().ends_with("hi"));
}

TEST_F(ServerTest, DiscardsAnUnreadSmallBodyAndKeepsTheConnection) {
    Start();
    Client client(port_);
    client.Send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd");
    EXPECT_EQ(client.ReadResponse().rfind("HTTP/1.1 204", 0), 0U);
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(client.ReadResponse().ends_with("hi"));
}

TEST_F(ServerTest, AnswersMalformedRequestsWith400AndHugeHeadersWith431) {
    Start();
    {
        Client client(port_);
        client.Send("NOT HTTP AT ALL\r\n\r\n");
        EXPECT_EQ(client.ReadResponse().rfind("HTTP/1.1 400", 0), 0U);
    }
    {
        Client client(port_);
        client.Send("GET /hello HTTP/1.1\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n");
        EXPECT_EQ(client.ReadResponse().rfind("HTTP/1.1 431", 0), 0U);
    }
}

TEST_F(ServerTest, ClosesConnectionsThatSendNoHeaderInTime) {
    ServerOptions options;
    options.header_timeout = 200ms;
    ExpectClosedWhenStalled(options, "GET /hel");
}

TEST_F(ServerTest, AnAnswerLargerThanTheSocketTakesArrivesWholeAndTheConnectionGoesOn) {
    Start();
    Client client(port_);
    client.Send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(200ms);  // the server fills the socket and waits for the rest
    const std::string response = client.ReadResponse();
    const std::size_t start = response.find("\r\n\r\n") + 4;
    ASSERT_EQ(response.size() - start, kBigBody) << response.substr(0, start);
    std::string expected(kBigBody, 'b');
    for (std::size_t i = 0; i < expected.size(); i += 4096) expected[i] = 'a';
    EXPECT_TRUE(response.compare(start, std::string::npos, expected) == 0);
    EXPECT_NE(response.find("Content-Length: " + std::to_string(kBigBody) + "\r\n"),
              std::string::npos);
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(client.ReadResponse().ends_with("\r\n\r\nhi"));
}

TEST_F(ServerTest, AClientThatStopsReadingIsDroppedAfterTheWriteTimeout) {
    ServerOptions options;
    options.write_timeout = 300ms;
    Start(options);
    Client client(port_);
    client.Send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(1500ms);  // reads nothing meanwhile
    // What the socket held arrives, then the end: never the whole answer.
    std::size_t received = 0;
    char chunk[65536];
    for (;;) {
        const ssize_t n = ::recv(client.fd(), chunk, sizeof chunk, 0);
        if (n <= 0) {
            EXPECT_TRUE(n == 0 || errno == ECONNRESET) << "errno " << errno;
            break;
        }
        received += static_cast<std::size_t>(n);
    }
    EXPECT_GT(received, 0U);
    EXPECT_LT(received, kBigBody);
}

TEST_F(ServerTest, ABodyThatStallsPastTheBodyTimeoutEndsTheConnection) {
    ServerOptions options;
    options.body_timeout = 200ms;
    ExpectClosedWhenStalled(options,
                            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
}

TEST_F(ServerTest, RepeatedResponseFieldsAreGroupedAndValuesTrimmedAsBeastWritesThem) {
    Start();
    Client client(port_);
    client.Send("GET /fields HTTP/1.1\r\nHost: x\r\nX-Request-Id: r-1\r\n\r\n");
    EXPECT_EQ(client.ReadResponse(),
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: 1\r\nx-a: 3\r\nX-B: 2\r\n"
              "X-Request-Id: r-1\r\nContent-Length: 1\r\n\r\nf");
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: r-2\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(client.ReadResponse(),
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Request-Id: r-2\r\n"
              "Connection: close\r\nContent-Length: 2\r\n\r\nhi");
    EXPECT_TRUE(client.Closed());
}

TEST_F(ServerTest, StreamsChunkedBodies) {
    Start();
    Client client(port_);
    client.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string response = client.ReadResponse();
    EXPECT_NE(response.find("Transfer-Encoding: chunked"), std::string::npos);
    EXPECT_NE(response.find("part0"), std::string::npos);
    EXPECT_NE(response.find("part2"), std::string::npos);
}

TEST_F(ServerTest, HeadSendsHeadersWithoutBody) {
    Start();
    Client client(port_);
    client.Send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string head = client.ReadHeader();
    EXPECT_EQ(head.rfind("HTTP/1.1 200 OK", 0), 0U);
    EXPECT_NE(head.find("Content-Length: 2"), std::string::npos);
    // No body bytes follow: the next response starts right after the HEAD's header.
    client.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(client.ReadResponse().rfind("HTTP/1.1 200 OK", 0), 0U);
}

TEST_F(ServerTest, ShutdownLetsInFlightRequestsFinishAndRefusesNewOnes) {
    Start();
    Client client(port_);
    client.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    while (slow_started_ == 0) std::this_thread::sleep_for(5ms);
    Client idle(port_);
    ASSERT_TRUE(idle.connected());
    // One request first, so the server has accepted it and it sits idle in keep-alive.
    idle.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(idle.ReadResponse().ends_with("hi"));
    server_->Stop();
    const std::string response = client.ReadResponse();
    EXPECT_TRUE(response.ends_with("done")) << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos);
    EXPECT_TRUE(idle.Closed());
    thread_.join();
    Client late(port_);
    EXPECT_FALSE(late.connected());
}

TEST_F(ServerTest, ShutdownRacingIdleClientsThatLeaveStopsCleanly) {
    // Idle connections whose clients hang up just as the shutdown begins: the shutdown's cancel
    // may reach a socket its session already closed (this used to throw out of io_context::run
    // and abort the process).
    for (int round = 0; round < 30; ++round) {
        Start();
        std::vector<std::unique_ptr<Client>> clients;
        for (int i = 0; i < 16; ++i) {
            clients.push_back(std::make_unique<Client>(port_));
            clients.back()->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            ASSERT_FALSE(clients.back()->ReadResponse().empty());
        }
        clients.clear();
        server_->Stop();
        thread_.join();
        server_.reset();
        router_ = Router{};
    }
}

}  // namespace
}  // namespace cerulean::http
