#pragma once

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>

namespace cerulean::azure {

/// Per-call limits: every operation takes them, so that a caller (an HTTP request with its own
/// deadline, a cancelled sync run) bounds the whole call, retries and token fetches included.
struct CallOptions {
    /// The call fails with kDeadlineExceeded ("azure_timeout") if it has not finished by then.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    /// Stops the call (between tries, or in the middle of a transfer) when requested.
    std::stop_token stop;
    /// Overrides RetryOptions::try_timeout for this call (e.g. longer for a big single upload).
    std::optional<std::chrono::milliseconds> try_timeout;
    /// Sent as `x-ms-client-request-id` on every try, so that the storage account's logs show
    /// the id of what asked (an HTTP request's X-Request-Id, a sync run's "run-<id>"); empty,
    /// or not 1..1024 printable ASCII characters: a fresh UUID per call.
    std::string client_request_id;

    /// A call that must finish within `timeout` from now.
    static CallOptions WithTimeout(std::chrono::milliseconds timeout) {
        CallOptions options;
        options.deadline = std::chrono::steady_clock::now() + timeout;
        return options;
    }
};

}  // namespace cerulean::azure
