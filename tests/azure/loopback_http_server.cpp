#include "azure/loopback_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "support/net.hpp"

namespace cerulean::azure::testing {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

const char* Reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 404:
            return "Not Found";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Status";
    }
}

}  // namespace

std::string LoopbackRequest::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (IEquals(key, name)) return value;
    }
    return {};
}

LoopbackHttpServer::LoopbackHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::cerulean::testing::ListenOnLoopback(64, &port_);
    acceptor_ = std::thread([this] { AcceptLoop(); });
}

LoopbackHttpServer::~LoopbackHttpServer() {
    stop_ = true;
    acceptor_.join();
    close(listen_fd_);
    std::vector<std::thread> workers;
    {
        const std::lock_guard lock(mutex_);
        workers.swap(workers_);
    }
    for (auto& worker : workers) worker.join();
}

void LoopbackHttpServer::AcceptLoop() {
    while (!stop_) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        ++connections_;
        const std::lock_guard lock(mutex_);
        workers_.emplace_back([this, fd] { Serve(fd); });
    }
}

void LoopbackHttpServer::Serve(int fd) {
    std::string buffer;
    char chunk[16384];
    // Reads until `buffer` holds `size` bytes; false when the peer left or the server stops.
    const auto fill = [&](std::size_t size) {
        while (buffer.size() < size) {
            pollfd p{fd, POLLIN, 0};
            const int ready = poll(&p, 1, 50);
            if (stop_) return false;
            if (ready <= 0) continue;
            const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) return false;
            buffer.append(chunk, static_cast<std::size_t>(n));
        }
        return true;
    };
    for (;;) {
        std::size_t header_end = std::string::npos;
        while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
            if (!fill(buffer.size() + 1)) {
                close(fd);
                return;
            }
        }
        LoopbackRequest request;
        const std::string head = buffer.substr(0, header_end);
        buffer.erase(0, header_end + 4);
        std::size_t line_end = head.find("\r\n");
        const std::string request_line = head.substr(0, line_end);
        const auto space1 = request_line.find(' ');
        const auto space2 = request_line.find(' ', space1 + 1);
        request.method = request_line.substr(0, space1);
        request.target = request_line.substr(space1 + 1, space2 - space1 - 1);
        while (line_end != std::string::npos && line_end < head.size()) {
            const std::size_t next = head.find("\r\n", line_end + 2);
            const std::string line = head.substr(
                line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
            const auto colon = line.find(':');
            if (colon != std::string::npos) {
                std::string value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                request.headers.emplace_back(line.substr(0, colon), value);
            }
            line_end = next;
        }
        const std::string length_text = request.Header("Content-Length");
        const std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
        if (!fill(length)) {
            close(fd);
            return;
        }
        request.body = buffer.substr(0, length);
        buffer.erase(0, length);

        const LoopbackResponse response = handler_(request);
        ++requests_;
        std::string out =
            "HTTP/1.1 " + std::to_string(response.status) + " " + Reason(response.status) + "\r\n";
        for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
        if (request.method != "HEAD") {
            out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
        }
        out += "\r\n";
        if (request.method != "HEAD") {
            out += response.break_after ? response.body.substr(0, *response.break_after)
                                        : response.body;
        }
        std::size_t sent = 0;
        while (sent < out.size()) {
            const ssize_t n = send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                close(fd);
                return;
            }
            sent += static_cast<std::size_t>(n);
        }
        if (response.break_after) {
            close(fd);
            return;
        }
    }
}

SilentListener::SilentListener() {
    fd_ = ::cerulean::testing::ListenOnLoopback(16, &port_);
}

SilentListener::~SilentListener() {
    close(fd_);
}

}  // namespace cerulean::azure::testing
