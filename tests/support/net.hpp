#pragma once

#include <chrono>

namespace cerulean::testing {

/// A TCP port on 127.0.0.1 that was free a moment ago: bound to port 0, read back, closed.
/// Throws std::runtime_error when no socket can be bound.
int FreeLoopbackPort();

/// Whether a TCP connection to 127.0.0.1:`port` succeeds within `timeout`, retrying meanwhile.
bool WaitForTcp(int port, std::chrono::milliseconds timeout);

}  // namespace cerulean::testing
