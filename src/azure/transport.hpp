#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include "azure/http_header.hpp"

namespace cerulean::azure {

/// A request body produced piece by piece (a file, a socket, a block of a larger stream).
/// Read is called from the thread that sends the request; exceptions it throws abort the
/// request and reach the caller unchanged.
class BodyStream {
 public:
    virtual ~BodyStream() = default;
    /// Copies up to `size` next bytes into `buffer`; returns how many, 0 at the end.
    virtual std::size_t Read(char* buffer, std::size_t size) = 0;
    /// Goes back to the first byte so that the body can be sent again (a retry, or a reused
    /// connection that turned out dead); false when the stream cannot.
    virtual bool Rewind() { return false; }
};

/// A BodyStream over callbacks: `read` as BodyStream::Read, `rewind` (optional) as
/// BodyStream::Rewind.
class CallbackBodyStream final : public BodyStream {
 public:
    /// Reads into a buffer; returns the bytes read, 0 at the end.
    using Reader = std::function<std::size_t(char* buffer, std::size_t size)>;
    /// A stream over `read`, rewindable when `rewind` is given and returns true.
    explicit CallbackBodyStream(Reader read, std::function<bool()> rewind = {})
        : read_(std::move(read)), rewind_(std::move(rewind)) {}
    /// Calls the reader.
    std::size_t Read(char* buffer, std::size_t size) override { return read_(buffer, size); }
    /// Calls the rewinder, if any.
    bool Rewind() override { return rewind_ ? rewind_() : false; }

 private:
    Reader read_;
    std::function<bool()> rewind_;
};

/// The body of a request: bytes in memory, a stream of known length, or nothing. It refers to
/// data it does not own: the caller keeps the bytes or the stream alive while the request runs.
struct RequestBody {
    std::string_view bytes;           ///< the body in memory (when `stream` is null)
    BodyStream* stream = nullptr;     ///< the body as a stream, not owned
    std::uint64_t stream_length = 0;  ///< exact length of `stream` (Azure needs Content-Length)

    /// A body held in memory.
    static RequestBody FromBytes(std::string_view bytes) { return RequestBody{bytes}; }
    /// A streamed body of exactly `length` bytes.
    static RequestBody FromStream(BodyStream& stream, std::uint64_t length) {
        return RequestBody{{}, &stream, length};
    }
    /// The number of bytes the body holds.
    [[nodiscard]] std::uint64_t size() const noexcept {
        return stream != nullptr ? stream_length : bytes.size();
    }
};

/// Receives the bytes of a successful (2xx) response body as they arrive, in order. Exceptions
/// it throws abort the transfer and reach the caller unchanged.
using BodySink = std::function<void(std::string_view bytes)>;

struct HttpResponse;

/// Where a streamed 2xx response goes: `on_headers` (optional) sees the status and headers once,
/// before the first body byte; `on_body` receives the body. Error responses stay in memory.
struct ResponseSink {
    std::function<void(const HttpResponse& head)> on_headers;  ///< status and headers, no body
    BodySink on_body;                                          ///< the body bytes, in order
};

/// One HTTP request as the transport sends it: the headers are sent exactly as given (the
/// transport adds only Host, User-Agent and Accept, which no signature covers).
struct HttpRequest {
    std::string method = "GET";  ///< GET, HEAD, PUT, POST or DELETE
    std::string url;             ///< absolute URL, path and query already percent-encoded
    HttpHeaders headers;         ///< headers in the order they are sent
    RequestBody body;            ///< request body; PUT and POST send Content-Length even if empty
    bool idempotent = true;      ///< may be sent again after an ambiguous failure
};

/// The answer to one HTTP request.
struct HttpResponse {
    int status = 0;                    ///< HTTP status code
    HttpHeaders headers;               ///< response headers in the order received
    std::string body;                  ///< the body, unless a 2xx body went to a sink
    std::uint64_t streamed_bytes = 0;  ///< bytes handed to the sink
    /// True when an earlier try of the same call failed in a way that may have reached the
    /// service (a timeout, a reset, a 500): a 404 after a delete, or a 409 after a create, may
    /// then be the echo of that earlier try's success.
    bool after_ambiguous_failure = false;

    /// The value of the first header named `name` (case-insensitive), if any.
    [[nodiscard]] std::optional<std::string_view> Header(std::string_view name) const;
};

/// Limits and hooks of one try.
struct TryControl {
    /// The try fails with a timeout when it has not completed by then.
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    /// Aborts the try when a stop is requested.
    std::stop_token stop;
    /// Receives a 2xx body instead of HttpResponse::body; null keeps it in memory.
    const ResponseSink* sink = nullptr;
};

/// How a request failed below HTTP.
enum class TransportFailure {
    kConnect,           ///< no connection was made: nothing reached the server
    kTimeout,           ///< the try's deadline passed
    kCancelled,         ///< a stop was requested
    kTls,               ///< the TLS handshake or certificate check failed
    kNetwork,           ///< the connection broke during the exchange
    kInvalidRequest,    ///< the request cannot be sent (bad URL, unsupported scheme)
    kForbiddenAddress,  ///< the host resolved to an address the endpoint policy refuses
};

/// A request that did not produce an HTTP response. The message never holds a secret.
class TransportError : public std::runtime_error {
 public:
    /// A failure of `kind` with a readable message.
    TransportError(TransportFailure kind, const std::string& message,
                   std::uint64_t body_bytes_read = 0, std::uint64_t streamed_bytes = 0)
        : std::runtime_error(message),
          kind_(kind),
          body_bytes_read_(body_bytes_read),
          streamed_bytes_(streamed_bytes) {}

    /// What went wrong.
    [[nodiscard]] TransportFailure kind() const noexcept { return kind_; }
    /// Bytes of the request body that were read before the failure.
    [[nodiscard]] std::uint64_t body_bytes_read() const noexcept { return body_bytes_read_; }
    /// Bytes of the response body that had reached the sink before the failure.
    [[nodiscard]] std::uint64_t streamed_bytes() const noexcept { return streamed_bytes_; }

 private:
    TransportFailure kind_;
    std::uint64_t body_bytes_read_;
    std::uint64_t streamed_bytes_;
};

/// Sends HTTP requests. Implementations are thread-safe: many threads send at once.
class HttpTransport {
 public:
    virtual ~HttpTransport() = default;
    /// Sends one request and waits for the whole response. Throws TransportError when no HTTP
    /// response arrives, and rethrows what a body stream or sink threw.
    virtual HttpResponse Send(const HttpRequest& request, const TryControl& control) = 0;
};

/// Case-insensitive ASCII comparison of header names.
bool HeaderNameEquals(std::string_view a, std::string_view b) noexcept;

/// The value of the first header named `name` in `headers` (case-insensitive), if any.
std::optional<std::string_view> FindHeader(const HttpHeaders& headers, std::string_view name);

/// Sets header `name` to `value`, replacing every header of that name.
void SetHeader(HttpHeaders& headers, std::string_view name, std::string value);

}  // namespace cerulean::azure
