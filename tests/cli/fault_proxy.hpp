#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace cerulean::testing {

/// How often a FaultProxy misbehaves, per accepted connection, and how. The kinds of fault are
/// exclusive: a connection draws one (or none) with the probabilities in the order below.
struct FaultProxyOptions {
    double error_probability = 0.1;  ///< answer the first request with a bare 503 and close
    double reset_probability = 0.1;  ///< forward, then reset both sides after a random byte count
    std::uint64_t max_bytes_before_reset = 4U << 20U;  ///< upper bound of that byte count
    std::uint64_t seed = 1;                            ///< the random sequence

    // The faults below are off by default; they hit the first response of a connection, at a
    // random offset of its body below `max_body_bytes_before_fault` (within its Content-Length).

    /// Forward the response head and part of the body, then nothing for `stall`, then the rest.
    double stall_probability = 0;
    /// How long a stalled response stays silent.
    std::chrono::milliseconds stall{0};
    /// Forward the response head and fewer body bytes than its Content-Length (left as it is),
    /// then close (FIN). A response without a body loses the second half of its head instead.
    double truncate_probability = 0;
    /// Change one byte of the response body, its length kept.
    double corrupt_probability = 0;
    /// Upper bound of the body offset where a stall, truncation or corruption happens.
    std::uint64_t max_body_bytes_before_fault = 4U << 20U;
    /// When set, the 503s are those of Azure's front end: `Retry-After` with this many seconds,
    /// `x-ms-error-code: ServerBusy` and the XML error body.
    std::optional<int> retry_after_seconds;
    /// Make the client close after one exchange (`Connection: close` put in the first response's
    /// head), so that each connection carries one request and the faults hit requests, not
    /// connections.
    bool one_request_per_connection = false;
    /// Misbehave only on connections whose first request line contains this (any when empty).
    std::string only_requests_containing;
};

/// A TCP proxy on a free loopback port in front of 127.0.0.1:`target_port` that forwards
/// bytes both ways, but answers some connections with `HTTP/1.1 503`, resets others in the
/// middle of a transfer, and (when asked) stalls, truncates or corrupts responses. A thread per
/// connection; everything stops in the destructor.
class FaultProxy {
 public:
    /// Starts listening. Throws std::runtime_error when it cannot.
    FaultProxy(int target_port, FaultProxyOptions options = {});
    /// Closes every connection and joins the threads.
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    /// The port clients connect to.
    [[nodiscard]] int port() const { return port_; }
    /// "http://127.0.0.1:PORT/devstoreaccount1": Azurite's account through this proxy.
    [[nodiscard]] std::string azurite_endpoint() const;
    /// Connections answered with 503 so far.
    [[nodiscard]] int errors() const { return errors_.load(); }
    /// Connections reset so far.
    [[nodiscard]] int resets() const { return resets_.load(); }
    /// Responses stalled so far.
    [[nodiscard]] int stalls() const { return stalls_.load(); }
    /// Responses cut short so far.
    [[nodiscard]] int truncations() const { return truncations_.load(); }
    /// Responses with a byte changed so far.
    [[nodiscard]] int corruptions() const { return corruptions_.load(); }
    /// Faults of every kind so far.
    [[nodiscard]] int faults() const {
        return errors() + resets() + stalls() + truncations() + corruptions();
    }
    /// Connections accepted so far.
    [[nodiscard]] int connections() const { return connections_.load(); }

 private:
    void Accept();
    void Serve(int client);

    int target_port_;
    FaultProxyOptions options_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> errors_{0};
    std::atomic<int> resets_{0};
    std::atomic<int> stalls_{0};
    std::atomic<int> truncations_{0};
    std::atomic<int> corruptions_{0};
    std::atomic<int> connections_{0};
    std::mutex mutex_;
    std::mt19937_64 random_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace cerulean::testing
