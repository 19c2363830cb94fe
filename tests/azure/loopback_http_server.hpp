#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cerulean::azure::testing {

/// One request a LoopbackHttpServer received.
struct LoopbackRequest {
    std::string method;
    std::string target;  ///< path and query as sent
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// The first header named `name` (case-insensitive), or "".
    [[nodiscard]] std::string Header(std::string_view name) const;
};

/// The answer a handler gives.
struct LoopbackResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// Sends only this many bytes of the body (Content-Length still announces all of it), then
    /// closes the connection: a transfer that breaks in the middle.
    std::optional<std::size_t> break_after;
};

/// A minimal HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for tests: one thread per
/// connection, keep-alive, Content-Length bodies only. Stops and joins its threads on
/// destruction.
class LoopbackHttpServer {
 public:
    using Handler = std::function<LoopbackResponse(const LoopbackRequest&)>;

    explicit LoopbackHttpServer(Handler handler);
    ~LoopbackHttpServer();
    LoopbackHttpServer(const LoopbackHttpServer&) = delete;
    LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

    [[nodiscard]] int port() const { return port_; }
    /// "http://127.0.0.1:PORT".
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    /// Requests answered so far.
    [[nodiscard]] int requests() const { return requests_.load(); }
    /// TCP connections accepted so far.
    [[nodiscard]] int connections() const { return connections_.load(); }

 private:
    void AcceptLoop();
    void Serve(int fd);

    Handler handler_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> requests_{0};
    std::atomic<int> connections_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> workers_;
};

/// A socket listening on 127.0.0.1 that never accepts: connections succeed (the kernel
/// completes them) but no answer ever comes.
class SilentListener {
 public:
    SilentListener();
    ~SilentListener();
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;
    [[nodiscard]] int port() const { return port_; }

 private:
    int fd_ = -1;
    int port_ = 0;
};

}  // namespace cerulean::azure::testing
