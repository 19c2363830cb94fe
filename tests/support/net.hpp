#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cerulean::testing {

/// A TCP port on 127.0.0.1 that was free a moment ago: bound to port 0, read back, closed.
/// Throws std::runtime_error when no socket can be bound.
int FreeLoopbackPort();

/// A TCP socket listening on 127.0.0.1 on an ephemeral port (SO_REUSEADDR, close-on-exec),
/// its port stored in `*port`. Throws std::runtime_error when it cannot listen.
int ListenOnLoopback(int backlog, int* port);

/// Sends all of `bytes` on socket `fd`; false when the peer is gone.
bool SendAll(int fd, std::string_view bytes);

/// What a relay does after bytes went through RelayConnection's `forward`.
enum class RelayVerdict {
    kContinue,  ///< go on relaying
    kClose,     ///< close both connections
    kReset,     ///< reset both connections (RST instead of FIN), as a broken network would
};

/// Relays the bytes of connection `client` to a new connection to 127.0.0.1:`target_port`
/// and back, from the calling thread, until a side closes, `stopping()` holds (checked every
/// 100 ms) or `forward` ends it; then closes both. `forward(from_upstream, bytes, to)` sends
/// what it lets through to socket `to` (with SendAll: some, all or none of `bytes`; it may
/// wait) and says what next. For test proxies that meddle with what passes.
void RelayConnection(
    int client, int target_port, const std::function<bool()>& stopping,
    const std::function<RelayVerdict(bool from_upstream, std::string_view bytes, int to)>& forward);

/// What a LoopbackProxy does with the bytes of a connection (see RelayConnection).
using RelayForward =
    std::function<RelayVerdict(bool from_upstream, std::string_view bytes, int to)>;

/// A TCP proxy on a free loopback port in front of 127.0.0.1:`target_port`: each accepted
/// connection is relayed on a thread of its own through `forward` (RelayConnection), which may
/// hold, pace, cut or count what passes. The destructor stops accepting, ends the relays (each
/// within 100 ms of its current `forward` call returning) and joins them: a `forward` that
/// waits must be released first, by its owner's destructor. Declare a LoopbackProxy after the
/// state its `forward` uses, so that it is destroyed first.
class LoopbackProxy {
 public:
    /// Starts listening and accepting. Throws std::runtime_error when it cannot listen.
    LoopbackProxy(int target_port, RelayForward forward, int backlog = 128);
    ~LoopbackProxy();
    LoopbackProxy(const LoopbackProxy&) = delete;
    LoopbackProxy& operator=(const LoopbackProxy&) = delete;

    /// The port clients connect to.
    [[nodiscard]] int port() const { return port_; }
    /// "http://127.0.0.1:PORT/devstoreaccount1": Azurite's account through this proxy.
    [[nodiscard]] std::string azurite_endpoint() const;
    /// Connections accepted so far.
    [[nodiscard]] int connections() const { return connections_.load(); }

 private:
    void Accept();

    int target_port_;
    RelayForward forward_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    std::vector<std::thread> threads_;  // only the acceptor adds, only the destructor joins
    std::thread acceptor_;
};

/// One HTTP/1.1 request on a fresh connection to 127.0.0.1:`port` (Connection: close), from
/// the loopback address `source` (e.g. "127.0.0.2": several clients on one machine); the raw
/// response, empty when the connection failed. `headers` are extra "Name: value\r\n" lines.
std::string HttpCall(int port, const std::string& method, const std::string& path,
                     const std::string& body = {}, const std::string& headers = {},
                     const std::string& source = "127.0.0.1");

/// Sends `request` exactly as given on a fresh connection to 127.0.0.1:`port` and returns what
/// comes back until the server closes (or 15 s pass without a byte); empty when the connection
/// failed. For requests no well-behaved client would send.
std::string RawHttpCall(int port, std::string_view request);

/// Whether a TCP connection to 127.0.0.1:`port` succeeds within `timeout`, retrying meanwhile.
bool WaitForTcp(int port, std::chrono::milliseconds timeout);

}  // namespace cerulean::testing
