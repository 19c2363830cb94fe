#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

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

/// One HTTP/1.1 request on a fresh connection to 127.0.0.1:`port` (Connection: close), from
/// the loopback address `source` (e.g. "127.0.0.2": several clients on one machine); the raw
/// response, empty when the connection failed. `headers` are extra "Name: value\r\n" lines.
std::string HttpCall(int port, const std::string& method, const std::string& path,
                     const std::string& body = {}, const std::string& headers = {},
                     const std::string& source = "127.0.0.1");

/// Whether a TCP connection to 127.0.0.1:`port` succeeds within `timeout`, retrying meanwhile.
bool WaitForTcp(int port, std::chrono::milliseconds timeout);

}  // namespace cerulean::testing
