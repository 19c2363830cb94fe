#include "http/server.hpp"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "core/log.hpp"
#include "http/problem.hpp"

namespace cerulean::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string NewRequestId() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::string id(16, '0');
    std::uint64_t v = rng();
    for (auto& c : id) {
        c = kDigits[v & 15];
        v >>= 4;
    }
    return id;
}

// A client's X-Request-Id is echoed only when it is short and plain, so it cannot inject
// anything into logs or headers.
bool IsValidRequestId(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
        if (!ok) return false;
    }
    return true;
}

struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    std::atomic<bool> idle{true};
};

using Parser = bhttp::request_parser<bhttp::buffer_body>;

// Bytes a body read asks the socket for (Beast's largest read).
constexpr std::size_t kBodyReadSize = 64U * 1024U;
// A connection's read buffer grown by a body is given back above this size once the request
// is done, so idle keep-alive connections stay small.
constexpr std::size_t kIdleBufferLimit = 16U * 1024U;

// Lingering close, as nginx does it: after its last answer the server stops sending and reads
// (and drops) what the client still sends, for a short while, before closing. Closing a socket
// with unread bytes sends a reset, which can destroy an answer the client has not read yet: a
// client still sending a body the server refused (413, 401 before the body) would see a broken
// connection instead of the answer.
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kLingerBytes = 4U << 20U;

// The body of the request being handled, read from the connection as the handler asks.
class SocketBody final : public BodySource {
 public:
    SocketBody(beast::tcp_stream& stream, beast::flat_buffer& buffer, Parser& parser,
               std::chrono::milliseconds timeout, bool expect_continue)
        : stream_(stream),
          buffer_(buffer),
          parser_(parser),
          timeout_(timeout),
          expect_continue_(expect_continue) {}

    Task<std::size_t> ReadSome(std::span<char> out) override {
        if (parser_.is_done() || out.empty()) co_return 0;
        if (expect_continue_) {
            expect_continue_ = false;
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            stream_.expires_after(timeout_);
            auto [ec, n] = co_await asio::async_write(
                stream_, asio::buffer(kContinue.data(), kContinue.size()), kTuple);
            if (ec) throw Broken();
        }
        // Beast reads max(512, free capacity) bytes at a time (at most 64 KiB): a buffer left
        // small by the header made a 256 MiB upload take half a million 512-byte reads.
        if (buffer_.capacity() - buffer_.size() < kBodyReadSize) {
            buffer_.reserve(buffer_.size() + kBodyReadSize);
        }
        for (;;) {
            parser_.get().body().data = out.data();
            parser_.get().body().size = out.size();
            stream_.expires_after(timeout_);
            auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, parser_, kTuple);
            if (ec == bhttp::error::need_buffer) ec = {};
            if (ec) throw Broken();
            const std::size_t got = out.size() - parser_.get().body().size;
            if (got > 0 || parser_.is_done()) co_return got;
        }
    }

    [[nodiscard]] std::optional<std::uint64_t> content_length() const override {
        const auto length = parser_.content_length();
        if (!length) return std::nullopt;
        return *length;
    }

    [[nodiscard]] bool done() const override { return parser_.is_done(); }

    // Discards the rest of the body so the connection can serve another request; false when
    // more than `limit` bytes remain or the client fails.
    Task<bool> Drain(std::size_t limit) {
        if (expect_continue_) co_return false;  // the client has not sent it: just close
        std::array<char, 16 * 1024> scratch{};
        std::size_t drained = 0;
        try {
            while (!parser_.is_done()) {
                drained += co_await ReadSome(scratch);
                if (drained > limit) co_return false;
            }
        } catch (const core::Error&) {
            co_return false;
        }
        co_return true;
    }

 private:
    static core::Error Broken() {
        return core::Error(core::ErrorCode::kUnavailable,
                           "the client connection failed while the request body was read",
                           "client_disconnected");
    }

    beast::tcp_stream& stream_;
    beast::flat_buffer& buffer_;
    Parser& parser_;
    std::chrono::milliseconds timeout_;
    bool expect_continue_;
};

using ResponseMessage = bhttp::response<bhttp::buffer_body>;
using Serializer = bhttp::response_serializer<bhttp::buffer_body>;

// Writes a streamed body chunk by chunk: each Write resumes only when the chunk is sent.
class SocketSink final : public BodySink {
 public:
    SocketSink(beast::tcp_stream& stream, ResponseMessage& message, Serializer& serializer,
               std::chrono::milliseconds timeout)
        : stream_(stream), message_(message), serializer_(serializer), timeout_(timeout) {}

    Task<void> Write(std::string_view bytes) override {
        if (bytes.empty()) co_return;
        message_.body().data = const_cast<char*>(bytes.data());
        message_.body().size = bytes.size();
        message_.body().more = true;
        stream_.expires_after(timeout_);
        auto [ec, n] = co_await bhttp::async_write(stream_, serializer_, kTuple);
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) {
            throw core::Error(core::ErrorCode::kUnavailable,
                              "the client connection failed while the response was written",
                              "client_disconnected");
        }
        sent_ += bytes.size();
    }

    [[nodiscard]] std::uint64_t sent() const { return sent_; }

 private:
    beast::tcp_stream& stream_;
    ResponseMessage& message_;
    Serializer& serializer_;
    std::chrono::milliseconds timeout_;
    std::uint64_t sent_ = 0;
};

bool BodyForbidden(int status) {
    return status < 200 || status == 204 || status == 304;
}

}  // namespace

struct Server::Impl {
    Impl(ServerOptions opts, Handler h)
        : options(std::move(opts)),
          handler(std::move(h)),
          io(options.threads > 0
                 ? options.threads
                 : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()))),
          acceptor(asio::make_strand(io)),
          signals(io) {}

    ServerOptions options;
    Handler handler;
    asio::io_context io;
    tcp::acceptor acceptor;
    asio::signal_set signals;
    std::atomic<bool> stopping{false};
    std::mutex mu;
    std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;

    asio::awaitable<void> Accept();
    asio::awaitable<void> Session(std::shared_ptr<Connection> conn);
    asio::awaitable<std::pair<bool, std::uint64_t>> Write(Connection& conn, const Request& request,
                                                          Response& response, bool keep_alive);
    asio::awaitable<void> Drain();
    void BeginShutdown();
};

asio::awaitable<void> Server::Impl::Accept() {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), kTuple);
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) co_return;
            core::log::Warn("http.accept_failed", {{"error", ec.message()}});
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto conn = std::make_shared<Connection>(std::move(socket));
        {
            std::lock_guard lock(mu);
            if (connections.size() >= options.max_connections) {
                core::log::Warn("http.too_many_connections",
                                {{"limit", static_cast<std::uint64_t>(options.max_connections)}});
                continue;  // the socket closes as conn goes out of scope
            }
            connections.emplace(conn.get(), conn);
        }
        asio::co_spawn(conn->stream.get_executor(), Session(conn), asio::detached);
    }
}

asio::awaitable<std::pair<bool, std::uint64_t>> Server::Impl::Write(Connection& conn,
                                                                    const Request& request,
                                                                    Response& response,
                                                                    bool keep_alive) {
    auto& stream = conn.stream;
    ResponseMessage message{static_cast<bhttp::status>(response.status), 11};
    message.reason(std::string(ReasonPhrase(response.status)));
    for (const auto& [name, value] : response.headers.fields()) message.insert(name, value);
    message.set("X-Request-Id", request.request_id());
    message.keep_alive(keep_alive);
    const bool head = request.method() == "HEAD";
    const bool no_body = BodyForbidden(response.status);

    if (!response.producer || no_body) {
        if (!no_body) message.content_length(response.body.size());
        message.body().data = no_body ? nullptr : response.body.data();
        message.body().size = no_body ? 0 : response.body.size();
        message.body().more = false;
        Serializer serializer{message};
        stream.expires_after(options.write_timeout);
        auto [ec, n] = head ? co_await bhttp::async_write_header(stream, serializer, kTuple)
                            : co_await bhttp::async_write(stream, serializer, kTuple);
        co_return std::pair{!ec, head || no_body ? 0 : response.body.size()};
    }

    if (!response.headers.Has("Content-Length")) message.chunked(true);
    message.body().data = nullptr;
    message.body().more = true;
    Serializer serializer{message};
    stream.expires_after(options.write_timeout);
    auto [ec, n] = co_await bhttp::async_write_header(stream, serializer, kTuple);
    if (ec) co_return std::pair{false, std::uint64_t{0}};
    if (head) co_return std::pair{true, std::uint64_t{0}};
    SocketSink sink(stream, message, serializer, options.write_timeout);
    try {
        co_await response.producer(sink);
    } catch (const std::exception& e) {
        // The status line is gone: all that can be said now is to cut the connection, so the
        // client sees a truncated body instead of a complete-looking one.
        core::log::Warn("http.stream_failed",
                        {{"request_id", request.request_id()}, {"error", e.what()}});
        co_return std::pair{false, sink.sent()};
    }
    message.body().data = nullptr;
    message.body().size = 0;
    message.body().more = false;
    stream.expires_after(options.write_timeout);
    auto [ec2, n2] = co_await bhttp::async_write(stream, serializer, kTuple);
    co_return std::pair{!ec2, sink.sent()};
}

asio::awaitable<void> Server::Impl::Session(std::shared_ptr<Connection> conn) {
    auto& stream = conn->stream;
    beast::flat_buffer buffer;
    std::string remote;
    {
        beast::error_code ec;
        const auto endpoint = stream.socket().remote_endpoint(ec);
        if (!ec) remote = endpoint.address().to_string();
    }
    for (;;) {
        Parser parser;
        parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
        parser.body_limit(boost::none);  // handlers apply their own limits
        conn->idle = true;
        if (stopping) break;
        stream.expires_after(options.header_timeout);
        auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
        conn->idle = false;
        if (ec) {
            // A bad request line or oversized header gets an answer; a closed, reset or idle
            // connection does not (Boost 1.81's example loops here on end_of_stream: we leave).
            const bool protocol_error =
                ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
            if (protocol_error) {
                Request request("GET", "/");
                request.set_request_id(NewRequestId());
                const int status = ec == bhttp::error::header_limit ? 431 : 400;
                auto response =
                    ProblemResponse({status, status == 431 ? "header_too_large" : "bad_request",
                                     "the request could not be parsed as HTTP/1.1"});
                co_await Write(*conn, request, response, false);
            }
            break;
        }
        const auto started = std::chrono::steady_clock::now();
        auto& header = parser.get();
        Request request(std::string(header.method_string()), std::string(header.target()));
        for (const auto& field : header) {
            request.headers().Add(field.name_string(), field.value());
        }
        const auto client_id = request.headers().Get("X-Request-Id");
        request.set_request_id(client_id && IsValidRequestId(*client_id) ? std::string(*client_id)
                                                                         : NewRequestId());
        // Decided once per request: the sign-in throttle, the logs and links all see this.
        const std::string client =
            ResolveClientAddress(remote, request.headers(), options.trusted_proxies).address;
        request.set_remote_address(client);
        const bool expect_continue =
            EqualsIgnoreCase(request.headers().Get("Expect").value_or(""), "100-continue");
        auto body = std::make_shared<SocketBody>(stream, buffer, parser, options.body_timeout,
                                                 expect_continue);
        request.set_body(body);

        Response response;
        try {
            response = co_await handler(request);
        } catch (const std::exception& e) {
            core::log::Error("http.handler_failed",
                             {{"request_id", request.request_id()}, {"error", e.what()}});
            response = ProblemResponse({500, "internal_error", "an unexpected error occurred"});
        }
        bool keep_alive = header.keep_alive() && !stopping;
        if (keep_alive && !body->done()) keep_alive = co_await body->Drain(options.max_drain);
        const auto [written, bytes] = co_await Write(*conn, request, response, keep_alive);
        if (options.access_log) {
            const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count();
            core::log::Info("http.request", {{"method", request.method()},
                                             core::log::Url("path", request.log_target()),
                                             {"status", response.status},
                                             {"bytes", bytes},
                                             {"duration_ms", static_cast<double>(micros) / 1000.0},
                                             {"request_id", request.request_id()},
                                             {"remote", client},
                                             {"peer", remote},
                                             {"completed", written}});
        }
        if (!written || !keep_alive) break;
        if (buffer.capacity() > kIdleBufferLimit) buffer.shrink_to_fit();
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (!ec && !stopping) {
        stream.expires_after(kLingerTime);
        std::array<char, 16384> dropped{};
        std::size_t lingered = 0;
        while (lingered < kLingerBytes) {
            auto [read_error, n] = co_await stream.async_read_some(asio::buffer(dropped), kTuple);
            if (read_error) break;  // the client's end of the stream, or the time is up
            lingered += n;
        }
    }
    stream.socket().close(ec);
    std::lock_guard lock(mu);
    connections.erase(conn.get());
}

void Server::Impl::BeginShutdown() {
    if (stopping.exchange(true)) return;
    core::log::Info("http.shutdown_started");
    asio::post(acceptor.get_executor(), [this] {
        beast::error_code ec;
        acceptor.close(ec);
        signals.cancel(ec);
        {
            std::lock_guard lock(mu);
            for (auto& [ptr, weak] : connections) {
                if (auto conn = weak.lock()) {
                    // Only idle connections are cut; a request in flight finishes, then closes.
                    asio::post(conn->stream.get_executor(), [conn] {
                        if (conn->idle) conn->stream.cancel();
                    });
                }
            }
        }
        asio::co_spawn(io, Drain(), asio::detached);
    });
}

asio::awaitable<void> Server::Impl::Drain() {
    const auto deadline = std::chrono::steady_clock::now() + options.shutdown_grace;
    asio::steady_timer timer(io);
    for (;;) {
        std::vector<std::shared_ptr<Connection>> open;
        {
            std::lock_guard lock(mu);
            for (auto& [ptr, weak] : connections) {
                if (auto conn = weak.lock()) open.push_back(std::move(conn));
            }
        }
        if (open.empty()) co_return;
        if (std::chrono::steady_clock::now() >= deadline) {
            core::log::Warn("http.shutdown_forced",
                            {{"open_connections", static_cast<std::uint64_t>(open.size())}});
            for (auto& conn : open) {
                asio::post(conn->stream.get_executor(), [conn] {
                    beast::error_code ec;
                    conn->stream.socket().close(ec);
                });
            }
            co_return;
        }
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(kTuple);
    }
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

void Server::Listen() {
    beast::error_code ec;
    const auto address = asio::ip::make_address(impl_->options.host, ec);
    if (ec) {
        throw core::Error(core::ErrorCode::kConfiguration,
                          "cannot listen on '" + impl_->options.host + "': not an IP address");
    }
    const tcp::endpoint endpoint{address, impl_->options.port};
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw core::Error(core::ErrorCode::kUnavailable,
                          "cannot listen on " + impl_->options.host + ":" +
                              std::to_string(impl_->options.port) + ": " + ec.message());
    }
}

std::uint16_t Server::port() const {
    return impl_->acceptor.local_endpoint().port();
}

void Server::Run(bool handle_signals) {
    auto& impl = *impl_;
    if (handle_signals) {
        impl.signals.add(SIGINT);
        impl.signals.add(SIGTERM);
        impl.signals.async_wait([&impl](const beast::error_code& ec, int) {
            if (!ec) impl.BeginShutdown();
        });
    }
    asio::co_spawn(impl.acceptor.get_executor(), impl.Accept(), asio::detached);
    const int threads = impl.options.threads > 0
                            ? impl.options.threads
                            : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(threads - 1));
    for (int i = 1; i < threads; ++i) pool.emplace_back([&impl] { impl.io.run(); });
    impl.io.run();
    for (auto& thread : pool) thread.join();
    core::log::Info("http.stopped");
}

void Server::Stop() {
    impl_->BeginShutdown();
}

}  // namespace cerulean::http
