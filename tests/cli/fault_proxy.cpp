#include "cli/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>

#include "support/net.hpp"

namespace cerulean::testing {
FaultProxy::FaultProxy(int target_port, FaultProxyOptions options)
    : target_port_(target_port), options_(options), random_(options.seed) {
    listener_ = ListenOnLoopback(128, &port_);
    acceptor_ = std::thread([this] { Accept(); });
}

FaultProxy::~FaultProxy() {
    stopping_ = true;
    acceptor_.join();
    for (auto& t : threads_) t.join();
    ::close(listener_);
}

void FaultProxy::Accept() {
    while (!stopping_) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        ++connections_;
        const std::lock_guard lock(mutex_);
        threads_.emplace_back([this, client] { Serve(client); });
    }
}

void FaultProxy::Serve(int client) {
    double roll = 0;
    std::uint64_t cutoff = 0;
    {
        const std::lock_guard lock(mutex_);
        roll = std::uniform_real_distribution<double>(0, 1)(random_);
        cutoff = std::uniform_int_distribution<std::uint64_t>(
            0, options_.max_bytes_before_reset)(random_);
    }
    if (roll < options_.error_probability) {
        // Read the request head, then refuse it as an overloaded front end would.
        std::string head;
        std::array<char, 4096> buffer{};
        while (head.find("\r\n\r\n") == std::string::npos && !stopping_) {
            pollfd p{client, POLLIN, 0};
            if (::poll(&p, 1, 1000) <= 0) break;
            const ssize_t n = ::recv(client, buffer.data(), buffer.size(), 0);
            if (n <= 0) break;
            head.append(buffer.data(), static_cast<std::size_t>(n));
        }
        constexpr std::string_view kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        SendAll(client, kBusy);
        ++errors_;
        ::shutdown(client, SHUT_RDWR);
        ::close(client);
        return;
    }
    const bool reset = roll < options_.error_probability + options_.reset_probability;

    std::uint64_t moved = 0;
    RelayConnection(
        client, target_port_, [this] { return stopping_.load(); },
        [&](bool /*from_upstream*/, std::string_view bytes, int to) {
            if (reset && moved + bytes.size() > cutoff) {
                SendAll(to, bytes.substr(0, static_cast<std::size_t>(cutoff - moved)));
                ++resets_;
                return RelayVerdict::kReset;
            }
            moved += bytes.size();
            return SendAll(to, bytes) ? RelayVerdict::kContinue : RelayVerdict::kClose;
        });
}

}  // namespace cerulean::testing
