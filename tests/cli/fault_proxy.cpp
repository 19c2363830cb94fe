#include "cli/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

#include "support/net.hpp"

namespace cerulean::testing {
namespace {

enum class Fault { kNone, kError, kReset, kStall, kTruncate, kCorrupt };

// Where a head of HTTP ends, or npos while it is incomplete.
constexpr std::string_view kHeadEnd = "\r\n\r\n";
// A head longer than this is not HTTP worth meddling with: it passes as it is.
constexpr std::size_t kMaxHead = 64U << 10U;

std::string Lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The Content-Length of a head; nullopt when it has none (chunked, or no body).
std::optional<std::uint64_t> ContentLength(std::string_view head) {
    const std::string lower = Lowercase(head);
    const auto at = lower.find("\r\ncontent-length:");
    if (at == std::string::npos) return std::nullopt;
    std::size_t from = at + 17;
    while (from < lower.size() && lower[from] == ' ') ++from;
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(lower.data() + from, lower.data() + lower.size(), value);
    if (ec != std::errc{}) return std::nullopt;
    return value;
}

// `head` (ending with its empty line) asking the server to close after answering.
std::string WithConnectionClose(std::string_view head) {
    std::string out;
    std::size_t at = 0;
    while (at < head.size()) {
        const std::size_t end = head.find("\r\n", at);
        if (end == std::string_view::npos || end == at) break;  // the empty line
        const std::string_view line = head.substr(at, end - at + 2);
        if (!Lowercase(line).starts_with("connection:")) out.append(line);
        at = end + 2;
    }
    out += "Connection: close\r\n\r\n";
    return out;
}

// The refusal of an overloaded front end: bare, or Azure's (Retry-After, error code, XML).
std::string BusyResponse(bool head_request, const std::optional<int>& retry_after) {
    if (!retry_after) {
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    }
    const std::string body =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>ServerBusy</Code><Message>"
        "The server is currently unable to receive requests. Please retry your request.\n"
        "RequestId:00000000-0000-0000-0000-000000000503\nTime:2024-01-01T00:00:00.0000000Z"
        "</Message></Error>";
    std::string response = "HTTP/1.1 503 Service Unavailable\r\n";
    response += "Content-Type: application/xml\r\n";
    response += "Retry-After: " + std::to_string(*retry_after) + "\r\n";
    response += "x-ms-error-code: ServerBusy\r\n";
    response += "x-ms-request-id: 00000000-0000-0000-0000-000000000503\r\n";
    response += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    response += "Connection: close\r\n\r\n";
    if (!head_request) response += body;
    return response;
}

// Sends `response`, then reads what the client still sends (the body of its request) until it
// closes or stays silent for a second, so that it reads the answer instead of a reset.
void Refuse(int client, std::string_view response) {
    SendAll(client, response);
    ::shutdown(client, SHUT_WR);
    std::array<char, 65536> sink{};
    for (;;) {
        pollfd p{client, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) break;
        if (::recv(client, sink.data(), sink.size(), 0) <= 0) break;
    }
}

}  // namespace

FaultProxy::FaultProxy(int target_port, FaultProxyOptions options)
    : target_port_(target_port), options_(std::move(options)), random_(options_.seed) {
    listener_ = ListenOnLoopback(128, &port_);
    acceptor_ = std::thread([this] { Accept(); });
}

FaultProxy::~FaultProxy() {
    stopping_ = true;
    acceptor_.join();
    for (auto& t : threads_) t.join();
    ::close(listener_);
}

std::string FaultProxy::azurite_endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/devstoreaccount1";
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
    const FaultProxyOptions& o = options_;
    const bool response_faults =
        o.stall_probability > 0 || o.truncate_probability > 0 || o.corrupt_probability > 0;
    double roll = 0;
    std::uint64_t cutoff = 0;
    std::uint64_t body_offset = 0;
    {
        const std::lock_guard lock(mutex_);
        roll = std::uniform_real_distribution<double>(0, 1)(random_);
        cutoff = std::uniform_int_distribution<std::uint64_t>(0, o.max_bytes_before_reset)(random_);
        // Drawn only when asked for, so that the sequence of the older kinds stays the same.
        if (response_faults) {
            body_offset = std::uniform_int_distribution<std::uint64_t>(
                0, o.max_body_bytes_before_fault)(random_);
        }
    }
    Fault fault = Fault::kNone;
    double bound = o.error_probability;
    if (roll < bound) {
        fault = Fault::kError;
    } else if (roll < (bound += o.reset_probability)) {
        fault = Fault::kReset;
    } else if (roll < (bound += o.stall_probability)) {
        fault = Fault::kStall;
    } else if (roll < (bound += o.truncate_probability)) {
        fault = Fault::kTruncate;
    } else if (roll < (bound += o.corrupt_probability)) {
        fault = Fault::kCorrupt;
    }

    std::string request_head;  // until the first request's head is complete
    bool request_seen = false;
    std::string request_line;
    std::string response_head;  // until the first response's head is complete
    bool head_complete = false;
    bool response_done = false;  // the response fault happened, or cannot
    std::uint64_t body_seen = 0;
    std::uint64_t fault_at = 0;
    std::uint64_t moved = 0;

    const auto hold = [this] {
        const auto until = std::chrono::steady_clock::now() + options_.stall;
        while (!stopping_ && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    };
    const auto pass = [&](std::string_view bytes, int to) {
        if (fault == Fault::kReset && moved + bytes.size() > cutoff) {
            SendAll(to, bytes.substr(0, static_cast<std::size_t>(cutoff - moved)));
            ++resets_;
            return RelayVerdict::kReset;
        }
        moved += bytes.size();
        return SendAll(to, bytes) ? RelayVerdict::kContinue : RelayVerdict::kClose;
    };
    // A piece of the first response's body, at body offset `body_seen`.
    const auto body = [&](std::string_view bytes, int to) {
        if (fault_at >= body_seen + bytes.size()) {
            body_seen += bytes.size();
            return pass(bytes, to);
        }
        const auto k = static_cast<std::size_t>(fault_at - body_seen);
        response_done = true;
        switch (fault) {
            case Fault::kTruncate:
                SendAll(to, bytes.substr(0, k));
                ++truncations_;
                return RelayVerdict::kClose;
            case Fault::kStall:
                if (!SendAll(to, bytes.substr(0, k))) return RelayVerdict::kClose;
                ++stalls_;
                hold();
                return SendAll(to, bytes.substr(k)) ? RelayVerdict::kContinue
                                                    : RelayVerdict::kClose;
            default: {
                std::string changed(bytes);
                changed[k] = static_cast<char>(changed[k] ^ 0x5A);
                ++corruptions_;
                return SendAll(to, changed) ? RelayVerdict::kContinue : RelayVerdict::kClose;
            }
        }
    };

    RelayConnection(
        client, target_port_, [this] { return stopping_.load(); },
        [&](bool from_upstream, std::string_view bytes, int to) {
            if (!from_upstream) {
                if (request_seen) return pass(bytes, to);
                request_head.append(bytes);
                const auto end = request_head.find(kHeadEnd);
                if (end == std::string::npos && request_head.size() < kMaxHead) {
                    return RelayVerdict::kContinue;
                }
                request_seen = true;
                request_line = request_head.substr(0, request_head.find("\r\n"));
                if (!o.only_requests_containing.empty() &&
                    request_line.find(o.only_requests_containing) == std::string::npos) {
                    fault = Fault::kNone;
                }
                if (fault == Fault::kError) {
                    // Refused as an overloaded front end would, without asking the server.
                    Refuse(client,
                           BusyResponse(request_line.starts_with("HEAD "), o.retry_after_seconds));
                    ++errors_;
                    return RelayVerdict::kClose;
                }
                return pass(request_head, to);
            }
            const bool meddles =
                fault == Fault::kStall || fault == Fault::kTruncate || fault == Fault::kCorrupt;
            if (response_done || (!meddles && !o.one_request_per_connection)) {
                return pass(bytes, to);
            }
            if (head_complete) return body(bytes, to);
            response_head.append(bytes);
            const auto end = response_head.find(kHeadEnd);
            if (end == std::string::npos) {
                if (response_head.size() < kMaxHead) return RelayVerdict::kContinue;
                response_done = true;
                return pass(response_head, to);
            }
            head_complete = true;
            std::string head = response_head.substr(0, end + 4);
            const std::string rest = response_head.substr(end + 4);
            // The client closes after this answer, so the next request comes on a new
            // connection (the server keeps its framing: asking it to close instead would make
            // it end some bodies by closing, where a cut cannot be told from the end).
            if (o.one_request_per_connection) head = WithConnectionClose(head);
            const auto length = ContentLength(head);
            if (!meddles) {
                response_done = true;
                return pass(head + rest, to);
            }
            if (!length || *length == 0 || request_line.starts_with("HEAD ")) {
                // No body to meddle with: the head itself is cut, or stalls half way.
                response_done = true;
                const std::string_view half = std::string_view(head).substr(0, head.size() / 2);
                if (fault == Fault::kTruncate) {
                    SendAll(to, half);
                    ++truncations_;
                    return RelayVerdict::kClose;
                }
                if (fault == Fault::kStall) {
                    if (!SendAll(to, half)) return RelayVerdict::kClose;
                    ++stalls_;
                    hold();
                    return pass(head.substr(half.size()) + rest, to);
                }
                return pass(head + rest, to);
            }
            fault_at = body_offset % *length;
            if (pass(head, to) != RelayVerdict::kContinue) return RelayVerdict::kClose;
            return body(rest, to);
        });
}

}  // namespace cerulean::testing
