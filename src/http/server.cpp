#include "http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "core/log.hpp"
#include "http/problem.hpp"
#include "http/request_metrics.hpp"

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

using Clock = std::chrono::steady_clock;
// Each connection lives on one I/O thread's io_context: its socket and timer use that context's
// executor directly (no strand, no type erasure).
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor>;

// One client connection. Everything about it runs on its I/O thread.
//
// Timeouts, as beast::tcp_stream had them (a deadline applies while an operation is pending;
// when it passes, the socket is closed and the operation fails), for the cost of a clock read
// per operation instead of a timer per operation: each operation sets `deadline` and clears it
// when done, and one timer per connection (the watchdog) wakes at `armed`, which is never
// later than the deadline: it closes the socket when the deadline has passed, and otherwise
// sleeps again until the deadline (or, with no operation pending, for `period`). The timer is
// moved only when a deadline comes earlier than `armed`, which a steady flow of requests with
// the usual timeouts never does.
struct Connection : std::enable_shared_from_this<Connection> {
    Connection(Socket s, Clock::duration watch_period)
        : socket(std::move(s)), timer(socket.get_executor()), period(watch_period) {}

    Socket socket;
    Timer timer;
    Clock::duration period;
    Clock::time_point deadline = Clock::time_point::max();
    Clock::time_point armed = Clock::time_point::max();
    std::uint64_t watch = 0;  // the watchdog's wait that counts; older ones are stale
    bool finished = false;
    bool idle = true;
    std::string head;  // the response header being sent, its capacity kept

    // The next operation must finish within `timeout`.
    void ExpiresAfter(Clock::duration timeout) { SetDeadline(Clock::now() + timeout); }
    // No operation pending: no deadline.
    void Done() { deadline = Clock::time_point::max(); }

    void StartWatchdog() { Arm(Clock::now() + period); }

    void Finish() noexcept {
        finished = true;
        ++watch;
        try {
            timer.cancel();
        } catch (...) {  // NOLINT(bugprone-empty-catch): the stale wait then ends on its own
        }
    }

 private:
    void SetDeadline(Clock::time_point at) {
        deadline = at;
        if (at < armed) Arm(at);
    }

    void Arm(Clock::time_point at) {
        armed = at;
        timer.expires_at(at);
        const std::uint64_t mine = ++watch;
        timer.async_wait([self = shared_from_this(), mine](const beast::error_code&) {
            self->OnWatchdog(mine);
        });
    }

    void OnWatchdog(std::uint64_t mine) {
        if (finished || mine != watch) return;  // replaced by a nearer deadline, or done
        const auto now = Clock::now();
        if (deadline <= now) {
            beast::error_code ec;
            socket.close(ec);  // the pending operation fails
            return;
        }
        Arm(deadline == Clock::time_point::max() ? now + period : deadline);
    }
};

// A request parser that keeps the request line and fields the way Request holds them (Beast's
// request_parser would store every field in a basic_fields first, an allocation each, to be
// copied again), and reads the body as buffer_body does: into the span `body_data`/`body_size`
// names, "need_buffer" when it is full or unset.
class Parser final : public bhttp::basic_parser<true> {
 public:
    std::string method;  // as sent (Beast's method_string())
    std::string target;  // as sent
    int version = 11;    // 10 or 11
    Headers headers;     // in the order sent
    char* body_data = nullptr;
    std::size_t body_size = 0;

    // Whether the connection stays open after this request, as Beast's message::keep_alive()
    // judges it: the first Connection field's tokens ("close" ends an HTTP/1.1 one, an
    // HTTP/1.0 one needs "keep-alive").
    [[nodiscard]] bool keep_alive() const {
        const auto connection = headers.Get("Connection");
        if (version < 11) {
            return connection && bhttp::token_list(*connection).exists("keep-alive");
        }
        return !connection || !bhttp::token_list(*connection).exists("close");
    }

 private:
    void on_request_impl(bhttp::verb /*method*/, beast::string_view method_string,
                         beast::string_view request_target, int request_version,
                         beast::error_code& /*ec*/) override {
        method.assign(method_string.data(), method_string.size());
        target.assign(request_target.data(), request_target.size());
        version = request_version;
    }
    void on_response_impl(int /*code*/, beast::string_view /*reason*/, int /*version*/,
                          beast::error_code& /*ec*/) override {}
    void on_field_impl(bhttp::field /*name*/, beast::string_view name, beast::string_view value,
                       beast::error_code& /*ec*/) override {
        headers.Add({name.data(), name.size()}, {value.data(), value.size()});
    }
    void on_header_impl(beast::error_code& /*ec*/) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& /*length*/,
                           beast::error_code& /*ec*/) override {}
    std::size_t on_body_impl(beast::string_view body, beast::error_code& ec) override {
        if (body_data == nullptr) {
            ec = bhttp::error::need_buffer;
            return 0;
        }
        const std::size_t n = std::min(body_size, body.size());
        std::memcpy(body_data, body.data(), n);
        body_data += n;
        body_size -= n;
        if (n < body.size()) ec = bhttp::error::need_buffer;
        return n;
    }
    void on_chunk_header_impl(std::uint64_t /*size*/, beast::string_view /*extensions*/,
                              beast::error_code& /*ec*/) override {}
    std::size_t on_chunk_body_impl(std::uint64_t /*remain*/, beast::string_view body,
                                   beast::error_code& ec) override {
        return on_body_impl(body, ec);
    }
    void on_finish_impl(beast::error_code& /*ec*/) override {}
};

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
    SocketBody(Connection& conn, beast::flat_buffer& buffer, Parser& parser,
               std::chrono::milliseconds timeout, bool expect_continue)
        : conn_(conn),
          buffer_(buffer),
          parser_(parser),
          timeout_(timeout),
          expect_continue_(expect_continue) {}

    Task<std::size_t> ReadSome(std::span<char> out) override {
        if (parser_.is_done() || out.empty()) co_return 0;
        if (expect_continue_) {
            expect_continue_ = false;
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            conn_.ExpiresAfter(timeout_);
            auto [ec, n] = co_await asio::async_write(
                conn_.socket, asio::buffer(kContinue.data(), kContinue.size()), kTuple);
            conn_.Done();
            if (ec) throw Broken();
        }
        // Beast reads max(512, free capacity) bytes at a time (at most 64 KiB): a buffer left
        // small by the header made a 256 MiB upload take half a million 512-byte reads.
        if (buffer_.capacity() - buffer_.size() < kBodyReadSize) {
            buffer_.reserve(buffer_.size() + kBodyReadSize);
        }
        for (;;) {
            parser_.body_data = out.data();
            parser_.body_size = out.size();
            conn_.ExpiresAfter(timeout_);
            auto [ec, n] = co_await bhttp::async_read_some(conn_.socket, buffer_, parser_, kTuple);
            conn_.Done();
            if (ec == bhttp::error::need_buffer) ec = {};
            if (ec) throw Broken();
            const std::size_t got = out.size() - parser_.body_size;
            read_ += got;
            if (got > 0 || parser_.is_done()) co_return got;
        }
    }

    [[nodiscard]] std::optional<std::uint64_t> content_length() const override {
        const auto length = parser_.content_length();
        if (!length) return std::nullopt;
        return *length;
    }

    [[nodiscard]] bool done() const override { return parser_.is_done(); }

    // Body bytes read so far (by the handler, or drained).
    [[nodiscard]] std::uint64_t bytes_read() const { return read_; }

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

    Connection& conn_;
    beast::flat_buffer& buffer_;
    Parser& parser_;
    std::chrono::milliseconds timeout_;
    bool expect_continue_;
    std::uint64_t read_ = 0;
};

using ResponseMessage = bhttp::response<bhttp::buffer_body>;
using Serializer = bhttp::response_serializer<bhttp::buffer_body>;

// Writes a streamed body chunk by chunk: each Write resumes only when the chunk is sent.
class SocketSink final : public BodySink {
 public:
    SocketSink(Connection& conn, ResponseMessage& message, Serializer& serializer,
               std::chrono::milliseconds timeout)
        : conn_(conn), message_(message), serializer_(serializer), timeout_(timeout) {}

    Task<void> Write(std::string_view bytes) override {
        if (bytes.empty()) co_return;
        message_.body().data = const_cast<char*>(bytes.data());
        message_.body().size = bytes.size();
        message_.body().more = true;
        conn_.ExpiresAfter(timeout_);
        auto [ec, n] = co_await bhttp::async_write(conn_.socket, serializer_, kTuple);
        conn_.Done();
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
    Connection& conn_;
    ResponseMessage& message_;
    Serializer& serializer_;
    std::chrono::milliseconds timeout_;
    std::uint64_t sent_ = 0;
};

bool BodyForbidden(int status) {
    return status < 200 || status == 204 || status == 304;
}

// True when Beast would write `headers` exactly as they are, in order: no name twice (Beast
// moves a repeated name next to its first) and none of the fields Write sets itself. Such a
// response's header is written by AppendHead; any other by Beast.
bool PlainFields(const Headers& headers) {
    const auto& fields = headers.fields();
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string_view name = fields[i].first;
        if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
            EqualsIgnoreCase(name, "Transfer-Encoding") || EqualsIgnoreCase(name, "X-Request-Id")) {
            return false;
        }
        for (std::size_t j = i + 1; j < fields.size(); ++j) {
            if (EqualsIgnoreCase(name, fields[j].first)) return false;
        }
    }
    return true;
}

// A field value without leading and trailing spaces and tabs, as Beast stores it.
std::string_view TrimWhitespace(std::string_view value) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    return value;
}

// The header Beast's serializer writes for a response of `status` with PlainFields `headers`,
// byte for byte: the status line, the fields in order, X-Request-Id, "Connection: close" when
// the connection ends, and the Content-Length of a body.
void AppendHead(std::string& out, int status, const Headers& headers, std::string_view request_id,
                bool keep_alive, std::optional<std::uint64_t> content_length) {
    using namespace std::string_view_literals;
    out.append("HTTP/1.1 "sv);
    const std::array<char, 4> code{static_cast<char>('0' + status / 100 % 10),
                                   static_cast<char>('0' + status / 10 % 10),
                                   static_cast<char>('0' + status % 10), ' '};
    out.append(code.data(), code.size());
    out.append(ReasonPhrase(status)).append("\r\n"sv);
    for (const auto& [name, value] : headers.fields()) {
        out.append(name).append(": "sv).append(TrimWhitespace(value)).append("\r\n"sv);
    }
    out.append("X-Request-Id: "sv).append(TrimWhitespace(request_id)).append("\r\n"sv);
    if (!keep_alive) out.append("Connection: close\r\n"sv);
    if (content_length) {
        std::array<char, 24> digits{};
        const auto end =
            std::to_chars(digits.data(), digits.data() + digits.size(), *content_length).ptr;
        out.append("Content-Length: "sv).append(digits.data(), end).append("\r\n"sv);
    }
    out.append("\r\n"sv);
}

// The io_context the calling thread runs, when it is one of a Server's I/O threads.
thread_local asio::io_context* t_running = nullptr;

// An I/O thread's own io_context: its connections live on it alone, so nothing of theirs is
// shared with another thread (no strand, no cross-thread wake-up), and the scheduler is told
// so (concurrency hint 1: completions queue per thread, without the scheduler's lock).
struct Worker {
    asio::io_context io{1};
};

}  // namespace

struct Server::Impl {
    Impl(ServerOptions opts, Handler h)
        : options(std::move(opts)),
          handler(std::move(h)),
          workers(MakeWorkers(options.threads)),
          acceptor(workers.front()->io),
          signals(workers.front()->io),
          watch_period(std::max<Clock::duration>(
              std::min({options.header_timeout, options.body_timeout, options.write_timeout}),
              std::chrono::milliseconds(50))) {}

    static std::vector<std::unique_ptr<Worker>> MakeWorkers(int threads) {
        const int count = threads > 0
                              ? threads
                              : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
        std::vector<std::unique_ptr<Worker>> out;
        for (int i = 0; i < count; ++i) out.push_back(std::make_unique<Worker>());
        return out;
    }

    ServerOptions options;
    Handler handler;
    std::vector<std::unique_ptr<Worker>> workers;  // before the I/O objects that use them
    tcp::acceptor acceptor;                        // on workers[0], as are the signals
    asio::signal_set signals;
    Clock::duration watch_period;
    // Keep each worker's io_context running until the shutdown has drained.
    std::vector<asio::executor_work_guard<Executor>> guards;
    std::atomic<bool> stopping{false};
    std::mutex mu;
    std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;

    asio::awaitable<void> Accept();
    asio::awaitable<void> Session(std::shared_ptr<Connection> conn);
    asio::awaitable<std::pair<bool, std::uint64_t>> Write(Connection& conn, const Request& request,
                                                          Response& response, bool keep_alive);
    // The usual answer, a whole body with fields Beast would write as they are: its header and
    // body in one gather write, tried at once (most answers fit the socket's buffer), so that
    // no coroutine is needed unless the socket is full.
    struct PlainWrite {
        enum State { kNotPlain, kDone, kFailed, kPartial } state = kNotPlain;
        std::uint64_t body_bytes = 0;  // what the access log and metrics count as sent
        std::array<asio::const_buffer, 2> buffers;
        std::size_t sent = 0;
    };
    PlainWrite WritePlainNow(Connection& conn, const Request& request, const Response& response,
                             bool keep_alive) const;
    // The rest of a kPartial write, waiting for the socket as long as the write timeout allows.
    asio::awaitable<bool> WriteRest(Connection& conn, PlainWrite plain) const;
    asio::awaitable<void> Drain();
    void BeginShutdown();
};

asio::awaitable<void> Server::Impl::Accept() {
    std::size_t next = 0;
    for (;;) {
        // Connections go to the workers in turn; each stays on its worker for its life.
        Worker& worker = *workers[next];
        next = (next + 1) % workers.size();
        auto [ec, socket] = co_await acceptor.async_accept(worker.io, kTuple);
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) co_return;
            core::log::Warn("http.accept_failed", {{"error", ec.message()}});
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        // Writes are tried at once (most answers fit the socket's buffer), and waited for only
        // when the socket is full.
        socket.non_blocking(true, ec);
        auto conn = std::make_shared<Connection>(std::move(socket), watch_period);
        {
            std::lock_guard lock(mu);
            if (connections.size() >= options.max_connections) {
                core::log::Warn("http.too_many_connections",
                                {{"limit", static_cast<std::uint64_t>(options.max_connections)}});
                continue;  // the socket closes as conn goes out of scope
            }
            connections.emplace(conn.get(), conn);
        }
        CountOpenConnections(1);
        asio::co_spawn(worker.io, Session(conn), asio::detached);
    }
}

Server::Impl::PlainWrite Server::Impl::WritePlainNow(Connection& conn, const Request& request,
                                                     const Response& response,
                                                     bool keep_alive) const {
    PlainWrite plain;
    const bool no_body = BodyForbidden(response.status);
    if ((response.producer && !no_body) || !PlainFields(response.headers)) return plain;
    const bool head = request.method() == "HEAD";
    conn.head.clear();
    AppendHead(conn.head, response.status, response.headers, request.request_id(), keep_alive,
               no_body ? std::nullopt : std::optional(response.body.size()));
    const std::string_view body =
        head || no_body ? std::string_view{} : std::string_view(response.body);
    plain.body_bytes = body.size();
    plain.buffers = {asio::buffer(conn.head), asio::buffer(body.data(), body.size())};
    beast::error_code ec;
    plain.sent = conn.socket.write_some(plain.buffers, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
    if (ec) {
        plain.state = PlainWrite::kFailed;
    } else if (plain.sent < conn.head.size() + body.size()) {
        plain.state = PlainWrite::kPartial;
    } else {
        plain.state = PlainWrite::kDone;
    }
    return plain;
}

asio::awaitable<bool> Server::Impl::WriteRest(Connection& conn, PlainWrite plain) const {
    beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(plain.buffers);
    rest.consume(plain.sent);
    conn.ExpiresAfter(options.write_timeout);
    auto [ec, n] = co_await asio::async_write(conn.socket, rest, kTuple);
    conn.Done();
    co_return !ec;
}

asio::awaitable<std::pair<bool, std::uint64_t>> Server::Impl::Write(Connection& conn,
                                                                    const Request& request,
                                                                    Response& response,
                                                                    bool keep_alive) {
    auto& socket = conn.socket;
    const bool head = request.method() == "HEAD";
    const bool no_body = BodyForbidden(response.status);

    if (const PlainWrite plain = WritePlainNow(conn, request, response, keep_alive);
        plain.state != PlainWrite::kNotPlain) {
        bool ok = plain.state == PlainWrite::kDone;
        if (plain.state == PlainWrite::kPartial) ok = co_await WriteRest(conn, plain);
        co_return std::pair{ok, plain.body_bytes};
    }

    ResponseMessage message{static_cast<bhttp::status>(response.status), 11};
    message.reason(std::string(ReasonPhrase(response.status)));
    for (const auto& [name, value] : response.headers.fields()) message.insert(name, value);
    message.set("X-Request-Id", request.request_id());
    message.keep_alive(keep_alive);

    if (!response.producer || no_body) {
        if (!no_body) message.content_length(response.body.size());
        message.body().data = no_body ? nullptr : response.body.data();
        message.body().size = no_body ? 0 : response.body.size();
        message.body().more = false;
        Serializer serializer{message};
        conn.ExpiresAfter(options.write_timeout);
        auto [ec, n] = head ? co_await bhttp::async_write_header(socket, serializer, kTuple)
                            : co_await bhttp::async_write(socket, serializer, kTuple);
        conn.Done();
        co_return std::pair{!ec, head || no_body ? 0 : response.body.size()};
    }

    if (!response.headers.Has("Content-Length")) message.chunked(true);
    message.body().data = nullptr;
    message.body().more = true;
    Serializer serializer{message};
    conn.ExpiresAfter(options.write_timeout);
    auto [ec, n] = co_await bhttp::async_write_header(socket, serializer, kTuple);
    conn.Done();
    if (ec) co_return std::pair{false, std::uint64_t{0}};
    if (head) co_return std::pair{true, std::uint64_t{0}};
    SocketSink sink(conn, message, serializer, options.write_timeout);
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
    conn.ExpiresAfter(options.write_timeout);
    auto [ec2, n2] = co_await bhttp::async_write(socket, serializer, kTuple);
    conn.Done();
    co_return std::pair{!ec2, sink.sent()};
}

asio::awaitable<void> Server::Impl::Session(std::shared_ptr<Connection> conn) {
    auto& socket = conn->socket;
    conn->StartWatchdog();
    // However the session ends, its watchdog stops (it holds the connection).
    struct StopWatchdog {
        Connection& conn;
        ~StopWatchdog() { conn.Finish(); }
    } const stop_watchdog{*conn};
    beast::flat_buffer buffer;
    std::string remote;
    {
        beast::error_code ec;
        const auto endpoint = socket.remote_endpoint(ec);
        if (!ec) remote = endpoint.address().to_string();
    }
    // The client is the peer (in canonical form), unless the peer is a trusted proxy: then each
    // request's forwarding headers say who it is.
    const bool peer_is_proxy =
        !options.trusted_proxies.empty() && options.trusted_proxies.Contains(remote);
    const std::string peer_client =
        ResolveClientAddress(remote, Headers{}, options.trusted_proxies).address;
    for (;;) {
        Parser parser;
        parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
        parser.body_limit(boost::none);  // handlers apply their own limits
        conn->idle = true;
        if (stopping) break;
        // The header, read and parsed as beast::http::async_read_header does it.
        beast::error_code ec;
        {
            conn->ExpiresAfter(options.header_timeout);
            bool parse = buffer.size() > 0;  // a pipelined request may be there already
            for (;;) {
                if (parse) {
                    const std::size_t used = parser.put(buffer.data(), ec);
                    buffer.consume(used);
                    if (ec != bhttp::error::need_more) break;
                    ec = {};
                }
                parse = true;
                const std::size_t size = beast::read_size(buffer, 65536);
                if (size == 0) {
                    ec = bhttp::error::buffer_overflow;
                    break;
                }
                auto [read_error, n] =
                    co_await socket.async_read_some(buffer.prepare(size), kTuple);
                buffer.commit(n);
                if (read_error == asio::error::eof) {
                    if (parser.got_some()) {
                        parser.put_eof(ec);  // a partial header: partial_message
                    } else {
                        ec = bhttp::error::end_of_stream;
                    }
                    break;
                }
                if (read_error) {
                    ec = read_error;
                    break;
                }
            }
            conn->Done();
        }
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
                MetricsOfOtherRoute(OtherRoute::kUnmatched, "").Record(status, {}, 0, 0);
            }
            break;
        }
        const auto started = std::chrono::steady_clock::now();
        const bool client_keep_alive = parser.keep_alive();
        const bool expect_continue =
            EqualsIgnoreCase(parser.headers.Get("Expect").value_or(""), "100-continue");
        auto body = std::make_shared<SocketBody>(*conn, buffer, parser, options.body_timeout,
                                                 expect_continue);
        Request request(std::move(parser.method), std::move(parser.target), body);
        request.headers() = std::move(parser.headers);
        const auto client_id = request.headers().Get("X-Request-Id");
        request.set_request_id(client_id && IsValidRequestId(*client_id) ? std::string(*client_id)
                                                                         : NewRequestId());
        // Decided once per request: the sign-in throttle, the logs and links all see this.
        const std::string client =
            peer_is_proxy
                ? ResolveClientAddress(remote, request.headers(), options.trusted_proxies).address
                : peer_client;
        request.set_remote_address(client);

        Response response;
        try {
            response = co_await handler(request);
        } catch (const std::exception& e) {
            core::log::Error("http.handler_failed",
                             {{"request_id", request.request_id()}, {"error", e.what()}});
            response = ProblemResponse({500, "internal_error", "an unexpected error occurred"});
        }
        bool keep_alive = client_keep_alive && !stopping;
        if (keep_alive && !body->done()) keep_alive = co_await body->Drain(options.max_drain);
        std::pair<bool, std::uint64_t> outcome;
        if (const PlainWrite plain = WritePlainNow(*conn, request, response, keep_alive);
            plain.state == PlainWrite::kNotPlain) {
            outcome = co_await Write(*conn, request, response, keep_alive);
        } else if (plain.state == PlainWrite::kPartial) {
            outcome = {co_await WriteRest(*conn, plain), plain.body_bytes};
        } else {
            outcome = {plain.state == PlainWrite::kDone, plain.body_bytes};
        }
        const auto [written, bytes] = outcome;
        const auto elapsed = std::chrono::steady_clock::now() - started;
        RouteMetrics& route = request.route() != nullptr
                                  ? *request.route()
                                  : MetricsOfOtherRoute(OtherRoute::kUnmatched, request.method());
        route.Record(response.status, elapsed, body->bytes_read(), bytes);
        if (options.access_log && core::log::Enabled(core::log::Level::kInfo)) {
            const auto micros =
                std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
            // The route is the template ("unmatched" for none): it groups requests the way
            // /metrics does, while the path (redacted) says which one this was.
            // The text fields refer to the request's strings, which outlive the call.
            using core::log::Ref;
            const std::array<core::log::Field, 12> fields{
                Ref("method", request.method()),
                Ref("path", request.log_target(), core::log::FieldKind::kUrl),
                core::log::Field{"status", response.status},
                Ref("route", route.route()),
                core::log::DurationMs("duration_ms", micros),
                core::log::Field{"bytes_in", body->bytes_read()},
                core::log::Field{"bytes_out", bytes},
                Ref("request_id", request.request_id()),
                Ref("remote", client),
                Ref("peer", remote),
                core::log::Field{"completed", written},
                core::log::Field{"user_id", request.user_id()},
            };
            // user_id only once a token was checked.
            const std::size_t count = request.user_id() != 0 ? 12 : 11;
            // Buffered: many requests' lines go out in one write(2) (see WriteBuffered).
            core::log::WriteBuffered(core::log::Level::kInfo, "http.request",
                                     std::span<const core::log::Field>(fields.data(), count));
        }
        if (!written || !keep_alive) break;
        if (buffer.capacity() > kIdleBufferLimit) buffer.shrink_to_fit();
    }
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
    if (!ec && !stopping) {
        conn->ExpiresAfter(kLingerTime);
        // On the heap: in the coroutine's frame it would cost every connection 16 KiB.
        const auto dropped = std::make_unique<std::array<char, 16384>>();
        std::size_t lingered = 0;
        while (lingered < kLingerBytes) {
            auto [read_error, n] = co_await socket.async_read_some(asio::buffer(*dropped), kTuple);
            if (read_error) break;  // the client's end of the stream, or the time is up
            lingered += n;
        }
        conn->Done();
    }
    socket.close(ec);
    CountOpenConnections(-1);
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
                    asio::post(conn->socket.get_executor(), [conn] {
                        beast::error_code cancel_error;
                        if (conn->idle) conn->socket.cancel(cancel_error);
                    });
                }
            }
        }
        asio::co_spawn(acceptor.get_executor(), Drain(), asio::detached);
    });
}

asio::awaitable<void> Server::Impl::Drain() {
    const auto deadline = std::chrono::steady_clock::now() + options.shutdown_grace;
    asio::steady_timer timer(acceptor.get_executor());
    for (;;) {
        std::vector<std::shared_ptr<Connection>> open;
        {
            std::lock_guard lock(mu);
            for (auto& [ptr, weak] : connections) {
                if (auto conn = weak.lock()) open.push_back(std::move(conn));
            }
        }
        if (open.empty()) break;
        if (std::chrono::steady_clock::now() >= deadline) {
            core::log::Warn("http.shutdown_forced",
                            {{"open_connections", static_cast<std::uint64_t>(open.size())}});
            for (auto& conn : open) {
                asio::post(conn->socket.get_executor(), [conn] {
                    beast::error_code ec;
                    conn->socket.close(ec);
                });
            }
            break;
        }
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(kTuple);
    }
    // The workers' io_contexts may now run out of work: their run() returns once the
    // connections' last handlers are done.
    for (auto& guard : guards) guard.reset();
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
    for (auto& worker : impl.workers) impl.guards.push_back(asio::make_work_guard(worker->io));
    asio::co_spawn(impl.acceptor.get_executor(), impl.Accept(), asio::detached);
    std::vector<std::thread> pool;
    pool.reserve(impl.workers.size() - 1);
    const auto run = [&impl](std::size_t i) {
        asio::io_context& io = impl.workers[i]->io;
        asio::io_context* const outer = t_running;
        t_running = &io;
        io.run();
        t_running = outer;
    };
    for (std::size_t i = 1; i < impl.workers.size(); ++i) pool.emplace_back(run, i);
    run(0);
    for (auto& thread : pool) thread.join();
    core::log::Info("http.stopped");  // also writes out the access log lines still buffered
}

void Server::Stop() {
    impl_->BeginShutdown();
}

bool DeferToEndOfRound(void (*fn)()) {
    if (t_running == nullptr) return false;
    // The thread runs this io_context alone (concurrency hint 1), in order: what is posted now
    // runs after what is queued, and the reactor's next completions are queued after it.
    asio::post(*t_running, fn);
    return true;
}

}  // namespace cerulean::http
