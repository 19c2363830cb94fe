#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/client_address.hpp"
#include "http/router.hpp"

namespace cerulean::http {

/// Limits and timeouts of the HTTP server.
struct ServerOptions {
    std::string host = "127.0.0.1";  ///< address to bind
    std::uint16_t port = 8080;       ///< port to bind; 0 picks a free one
    int threads = 0;                 ///< I/O threads; 0 means one per core
    /// Time allowed for a request's header to arrive, and for an idle keep-alive connection.
    std::chrono::milliseconds header_timeout{std::chrono::seconds(30)};
    /// Longest pause allowed while a request body arrives.
    std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};
    /// Longest a single write to a client may stall (a slow reader is dropped after this).
    std::chrono::milliseconds write_timeout{std::chrono::seconds(60)};
    /// How long in-flight requests may run after a shutdown begins.
    std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
    std::size_t header_limit = 16 * 1024;  ///< bytes of request line and header fields
    std::size_t max_connections = 10000;   ///< further connections are closed at once
    /// Unread request-body bytes the server discards to keep a connection alive; past this
    /// the connection is closed instead.
    std::size_t max_drain = 1024 * 1024;
    bool access_log = true;  ///< one log line per request
    /// Proxies whose forwarding headers name the client (CERULEAN_TRUSTED_PROXIES); a request
    /// from anyone else is attributed to its socket peer, whatever headers it sends.
    TrustedProxies trusted_proxies;
};

/// An asynchronous HTTP/1.1 server on Boost.Beast: one coroutine per connection, keep-alive,
/// timeouts, an access log line per request, and graceful shutdown.
class Server {
 public:
    /// A server that answers every request with `handler`.
    Server(ServerOptions options, Handler handler);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and listens; throws core::Error (kUnavailable) when the address cannot be bound.
    void Listen();
    /// The bound port (after Listen).
    [[nodiscard]] std::uint16_t port() const;
    /// Serves until Stop() (or SIGINT/SIGTERM when `handle_signals`), then lets in-flight
    /// requests finish within the grace period and returns.
    void Run(bool handle_signals);
    /// Begins a graceful shutdown; safe from any thread.
    void Stop();

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// For work that the requests handled in one round of an I/O thread's event loop can share
/// (an SQLite read transaction): queues `fn` to run on the calling thread after the handlers
/// already queued there, and before any queued later (among them every request read from a
/// socket from now on). False, and `fn` is not queued, when the calling thread is not one of
/// a Server's I/O threads running.
bool DeferToEndOfRound(void (*fn)());

}  // namespace cerulean::http
