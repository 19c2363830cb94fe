#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace cerulean::testing {

/// How often a FaultProxy misbehaves, per accepted connection.
struct FaultProxyOptions {
    double error_probability = 0.1;  ///< answer the first request with a bare 503 and close
    double reset_probability = 0.1;  ///< forward, then reset both sides after a random byte count
    std::uint64_t max_bytes_before_reset = 4U << 20U;  ///< upper bound of that byte count
    std::uint64_t seed = 1;                            ///< the random sequence
};

/// A TCP proxy on a free loopback port in front of 127.0.0.1:`target_port` that forwards
/// bytes both ways, but answers some connections with `HTTP/1.1 503` and resets others in the
/// middle of a transfer. A thread per connection; everything stops in the destructor.
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
    /// Connections answered with 503 so far.
    [[nodiscard]] int errors() const { return errors_.load(); }
    /// Connections reset so far.
    [[nodiscard]] int resets() const { return resets_.load(); }
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
    std::atomic<int> connections_{0};
    std::mutex mutex_;
    std::mt19937_64 random_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace cerulean::testing
