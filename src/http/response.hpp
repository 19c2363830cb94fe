#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "http/headers.hpp"
#include "http/task.hpp"

namespace cerulean::http {

/// Where a streamed response body goes. Each Write completes when the bytes are on their way to
/// the client, so a slow client slows the producer instead of growing a buffer (backpressure).
class BodySink {
 public:
    virtual ~BodySink() = default;
    /// Sends `bytes` to the client; throws when the client has gone away or stalls past the
    /// write timeout.
    virtual Task<void> Write(std::string_view bytes) = 0;
};

/// A function that produces a streamed body.
using BodyProducer = std::function<Task<void>(BodySink&)>;

/// An HTTP response as handlers build it.
struct Response {
    int status = 200;  ///< HTTP status code
    Headers headers;   ///< header fields (Content-Length is set by the server for `body`)
    std::string body;  ///< the whole body, unless `producer` is set
    /// When set, the body is streamed by this function: with chunked transfer coding, or with
    /// the Content-Length the handler put in `headers`.
    BodyProducer producer;
};

/// A response with a body and content type.
Response TextResponse(int status, std::string body, std::string_view content_type);

/// A response without a body (e.g. 204, 304).
Response EmptyResponse(int status);

/// The reason phrase of a status code, e.g. "Not Found".
std::string_view ReasonPhrase(int status) noexcept;

}  // namespace cerulean::http
