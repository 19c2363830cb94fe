#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "azure/transport.hpp"

namespace cerulean::azure::testing {

/// What a FakeTransport saw of one request (the body read in full when it is a stream).
struct RecordedRequest {
    std::string method;
    std::string url;
    HttpHeaders headers;
    std::string body;

    [[nodiscard]] std::string Header(std::string_view name) const {
        return std::string(FindHeader(headers, name).value_or(""));
    }
};

/// An HttpTransport without sockets: records every request and answers with `handler`
/// (which may throw TransportError to play a network failure).
class FakeTransport final : public HttpTransport {
 public:
    using Handler = std::function<HttpResponse(const HttpRequest&, const TryControl&, int call)>;

    explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}

    HttpResponse Send(const HttpRequest& request, const TryControl& control) override {
        RecordedRequest recorded{request.method, request.url, request.headers, {}};
        if (request.body.stream != nullptr) {
            char buffer[4096];
            std::uint64_t left = request.body.stream_length;
            while (left > 0) {
                const std::size_t n = request.body.stream->Read(
                    buffer, static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buffer, left)));
                if (n == 0) break;
                recorded.body.append(buffer, n);
                left -= n;
            }
        } else {
            recorded.body = std::string(request.body.bytes);
        }
        int call = 0;
        {
            const std::lock_guard lock(mutex_);
            requests_.push_back(recorded);
            call = static_cast<int>(requests_.size());
        }
        return handler_(request, control, call);
    }

    [[nodiscard]] std::vector<RecordedRequest> requests() const {
        const std::lock_guard lock(mutex_);
        return requests_;
    }
    [[nodiscard]] std::size_t count() const {
        const std::lock_guard lock(mutex_);
        return requests_.size();
    }

 private:
    Handler handler_;
    mutable std::mutex mutex_;
    std::vector<RecordedRequest> requests_;
};

/// A response with `status`, optional headers and body.
inline HttpResponse Respond(int status, HttpHeaders headers = {}, std::string body = {}) {
    HttpResponse response;
    response.status = status;
    response.headers = std::move(headers);
    response.body = std::move(body);
    return response;
}

/// Delivers `body` through the try's sink (as a real transport does for 2xx answers).
inline HttpResponse Stream(const TryControl& control, HttpResponse head, std::string_view body) {
    if (control.sink != nullptr && control.sink->on_body && head.status / 100 == 2) {
        if (control.sink->on_headers) control.sink->on_headers(head);
        control.sink->on_body(body);
        head.streamed_bytes = body.size();
    } else {
        head.body = std::string(body);
    }
    return head;
}

}  // namespace cerulean::azure::testing
