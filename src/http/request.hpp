#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/headers.hpp"
#include "http/task.hpp"

namespace cerulean::http {

class RouteMetrics;

/// Where a request's body comes from: the connection (streamed as it arrives) or, in tests, a
/// string. Reading it is the handler's choice, so authentication runs before any body is read.
class BodySource {
 public:
    virtual ~BodySource() = default;
    /// Reads up to `out.size()` bytes; 0 once the body is complete. Throws on a broken connection
    /// or a read timeout.
    virtual Task<std::size_t> ReadSome(std::span<char> out) = 0;
    /// The declared Content-Length, if the client sent one (none for chunked bodies).
    [[nodiscard]] virtual std::optional<std::uint64_t> content_length() const = 0;
    /// True once the whole body has been read.
    [[nodiscard]] virtual bool done() const = 0;
};

/// A body held in memory, for tests and for bodies already read.
class StringBodySource final : public BodySource {
 public:
    /// A body of `body`.
    explicit StringBodySource(std::string body) : body_(std::move(body)) {}
    Task<std::size_t> ReadSome(std::span<char> out) override;
    [[nodiscard]] std::optional<std::uint64_t> content_length() const override {
        return body_.size();
    }
    [[nodiscard]] bool done() const override { return offset_ == body_.size(); }

 private:
    std::string body_;
    std::size_t offset_ = 0;
};

/// An HTTP request as handlers see it: no Beast types, so handlers are testable without sockets.
class Request {
 public:
    /// A request without a body.
    Request(std::string method, std::string target);
    /// A request whose body comes from `body` (never null).
    Request(std::string method, std::string target, std::shared_ptr<BodySource> body);

    /// Upper-case method, e.g. "GET".
    [[nodiscard]] const std::string& method() const { return method_; }
    /// The raw request target, path and query as sent.
    [[nodiscard]] const std::string& target() const { return target_; }
    /// The raw (still percent-encoded) path.
    [[nodiscard]] std::string_view path() const { return path_; }
    /// The raw query string without '?', possibly empty.
    [[nodiscard]] std::string_view raw_query() const { return query_; }
    /// The first decoded value of query parameter `name` ('+' is a space, as in forms).
    [[nodiscard]] std::optional<std::string> Query(std::string_view name) const;
    /// Every decoded query parameter in order.
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& query_params() const {
        return query_params_;
    }

    /// Header fields.
    [[nodiscard]] const Headers& headers() const { return headers_; }
    /// Header fields, mutable (the server fills them).
    Headers& headers() { return headers_; }

    /// A decoded path parameter captured by the router, e.g. "id" of `/connections/{id}`.
    [[nodiscard]] std::optional<std::string_view> Param(std::string_view name) const;
    /// Stores a captured path parameter (the router's job).
    void SetParam(std::string name, std::string value) {
        params_[std::move(name)] = std::move(value);
    }

    /// The request id: the client's valid X-Request-Id or a generated one.
    [[nodiscard]] const std::string& request_id() const { return request_id_; }
    /// Sets the request id.
    void set_request_id(std::string id) { request_id_ = std::move(id); }
    /// The client's IP address as text.
    [[nodiscard]] const std::string& remote_address() const { return remote_address_; }
    /// Sets the client's address.
    void set_remote_address(std::string address) { remote_address_ = std::move(address); }
    /// What the access log shows of the target: the target itself, unless a handler said
    /// otherwise because part of it is a credential (a link's token in the path).
    [[nodiscard]] const std::string& log_target() const {
        return log_target_.empty() ? target_ : log_target_;
    }
    /// Replaces what the access log shows of the target.
    void set_log_target(std::string target) { log_target_ = std::move(target); }
    /// The route that answers the request (its template labels logs and metrics); null until
    /// the router found one.
    [[nodiscard]] RouteMetrics* route() const { return route_; }
    /// Sets the route (the router's job, or the app's for the web UI's files).
    void set_route(RouteMetrics* route) { route_ = route; }
    /// The signed-in user's id once authentication has checked the token; 0 before.
    [[nodiscard]] std::int64_t user_id() const { return user_id_; }
    /// Notes the signed-in user for the access log. Const, as handlers see the request:
    /// it is an annotation, not part of what the client sent.
    void set_user_id(std::int64_t id) const { user_id_ = id; }

    /// Attaches the body source (the server's, or a string in tests).
    void set_body(std::shared_ptr<BodySource> body) { body_ = std::move(body); }
    /// Attaches an in-memory body.
    void set_body(std::string body) { body_ = std::make_shared<StringBodySource>(std::move(body)); }
    /// The streamed body; never null (an empty body when there is none).
    [[nodiscard]] BodySource& body() const { return *body_; }
    /// Reads the whole body into memory; throws 413 (ErrorCode::kResourceExhausted,
    /// reason "payload_too_large") when it is larger than `limit` bytes.
    Task<std::string> ReadBody(std::size_t limit) const;

 private:
    std::string method_;
    std::string target_;
    std::string path_;
    std::string query_;
    std::vector<std::pair<std::string, std::string>> query_params_;
    Headers headers_;
    std::map<std::string, std::string, std::less<>> params_;
    std::string request_id_;
    std::string remote_address_;
    std::string log_target_;
    RouteMetrics* route_ = nullptr;
    mutable std::int64_t user_id_ = 0;
    std::shared_ptr<BodySource> body_;
};

/// Percent-decodes `text`; with `plus_is_space`, '+' decodes to ' ' (form encoding).
/// Malformed escapes are kept as they are.
std::string PercentDecode(std::string_view text, bool plus_is_space);

/// Parses `a=1&b=x%20y` into decoded pairs, in order.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace cerulean::http
