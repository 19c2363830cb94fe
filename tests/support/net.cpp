#include "support/net.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

namespace cerulean::testing {
namespace {

sockaddr_in LoopbackAddress(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

bool TryConnect(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const sockaddr_in address = LoopbackAddress(port);
    int result = 0;
    do {
        result = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    } while (result != 0 && errno == EINTR);
    close(fd);
    return result == 0;
}

}  // namespace

int ListenOnLoopback(int backlog, int* port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd, backlog) != 0) {
        ::close(fd);
        throw std::runtime_error("bind/listen on 127.0.0.1 failed");
    }
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    *port = ntohs(address.sin_port);
    return fd;
}

bool SendAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

void RelayConnection(int client, int target_port, const std::function<bool()>& stopping,
                     const std::function<RelayVerdict(bool from_upstream, std::string_view bytes,
                                                      int to)>& forward) {
    const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in address = LoopbackAddress(target_port);
    if (upstream < 0 ||
        ::connect(upstream, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        if (upstream >= 0) ::close(upstream);
        ::close(client);
        return;
    }
    std::array<char, 65536> buffer{};
    RelayVerdict verdict = RelayVerdict::kContinue;
    while (verdict == RelayVerdict::kContinue && !stopping()) {
        std::array<pollfd, 2> fds{{{client, POLLIN, 0}, {upstream, POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
        for (std::size_t i = 0; i < fds.size() && verdict == RelayVerdict::kContinue; ++i) {
            if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            const int from = fds[i].fd;
            const ssize_t n = ::recv(from, buffer.data(), buffer.size(), 0);
            if (n <= 0) {
                verdict = RelayVerdict::kClose;
                break;
            }
            verdict = forward(from == upstream,
                              std::string_view(buffer.data(), static_cast<std::size_t>(n)),
                              from == client ? upstream : client);
        }
    }
    if (verdict == RelayVerdict::kReset) {
        const linger hard{1, 0};  // close sends RST instead of FIN
        ::setsockopt(client, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        ::setsockopt(upstream, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    ::close(client);
    ::close(upstream);
}

LoopbackProxy::LoopbackProxy(int target_port, RelayForward forward, int backlog)
    : target_port_(target_port), forward_(std::move(forward)) {
    listener_ = ListenOnLoopback(backlog, &port_);
    acceptor_ = std::thread([this] { Accept(); });
}

LoopbackProxy::~LoopbackProxy() {
    stopping_ = true;
    acceptor_.join();
    for (auto& thread : threads_) thread.join();
    ::close(listener_);
}

std::string LoopbackProxy::azurite_endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/devstoreaccount1";
}

void LoopbackProxy::Accept() {
    while (!stopping_) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        ++connections_;
        threads_.emplace_back([this, client] {
            RelayConnection(
                client, target_port_, [this] { return stopping_.load(); }, forward_);
        });
    }
}

int FreeLoopbackPort() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in address = LoopbackAddress(0);
    socklen_t length = sizeof address;
    if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const int error = errno;
        close(fd);
        throw std::runtime_error(std::string("cannot bind 127.0.0.1:0: ") + std::strerror(error));
    }
    close(fd);
    return ntohs(address.sin_port);
}

std::string HttpCall(int port, const std::string& method, const std::string& path,
                     const std::string& body, const std::string& headers,
                     const std::string& source) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    std::string response;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) == 1 &&
        ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
        ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string request =
            method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" +
            headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        if (SendAll(fd, request)) {
            char chunk[4096];
            ssize_t n = 0;
            while ((n = ::recv(fd, chunk, sizeof chunk, 0)) > 0) response.append(chunk, n);
        }
    }
    ::close(fd);
    return response;
}

std::string RawHttpCall(int port, std::string_view request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    std::string response;
    const sockaddr_in addr = LoopbackAddress(port);
    const timeval patience{15, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
        // The server may answer and close before reading all of a request it refuses.
        SendAll(fd, request);
        ::shutdown(fd, SHUT_WR);
        char chunk[4096];
        ssize_t n = 0;
        while ((n = ::recv(fd, chunk, sizeof chunk, 0)) > 0) {
            response.append(chunk, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return response;
}

bool WaitForTcp(int port, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (TryConnect(port)) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
}

}  // namespace cerulean::testing
