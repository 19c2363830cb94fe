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

namespace cerulean::testing {
namespace {

bool SendAll(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

void Reset(int fd) {
    const linger hard{1, 0};  // close sends RST instead of FIN
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(fd);
}

}  // namespace

FaultProxy::FaultProxy(int target_port, FaultProxyOptions options)
    : target_port_(target_port), options_(options), random_(options.seed) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int yes = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 128) != 0) {
        ::close(listener_);
        throw std::runtime_error("fault proxy: cannot listen");
    }
    socklen_t length = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
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
        SendAll(client, kBusy.data(), kBusy.size());
        ++errors_;
        ::shutdown(client, SHUT_RDWR);
        ::close(client);
        return;
    }
    const bool reset = roll < options_.error_probability + options_.reset_probability;

    const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(target_port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(upstream);
        ::close(client);
        return;
    }
    std::uint64_t moved = 0;
    std::array<char, 65536> buffer{};
    bool open = true;
    while (open && !stopping_) {
        std::array<pollfd, 2> fds{{{client, POLLIN, 0}, {upstream, POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
        for (int i = 0; i < 2 && open; ++i) {
            if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            const int from = fds[i].fd;
            const int to = from == client ? upstream : client;
            const ssize_t n = ::recv(from, buffer.data(), buffer.size(), 0);
            if (n <= 0) {
                open = false;
                break;
            }
            std::size_t count = static_cast<std::size_t>(n);
            if (reset && moved + count > cutoff) {
                SendAll(to, buffer.data(), static_cast<std::size_t>(cutoff - moved));
                ++resets_;
                Reset(client);
                Reset(upstream);
                return;
            }
            moved += count;
            if (!SendAll(to, buffer.data(), count)) open = false;
        }
    }
    ::close(client);
    ::close(upstream);
}

}  // namespace cerulean::testing
