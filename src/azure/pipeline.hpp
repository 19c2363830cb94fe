#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "azure/call_options.hpp"
#include "azure/retry_policy.hpp"
#include "azure/transport.hpp"

namespace cerulean::azure {

class Credential;

/// What a Pipeline adds to every try.
struct PipelineOptions {
    /// Retries, backoff and timeouts.
    RetryOptions retry;
    /// Add `x-ms-version`, `x-ms-date` and `x-ms-client-request-id` (off for non-storage
    /// endpoints such as the OAuth2 token endpoint).
    bool storage_headers = true;
};

/// Sends requests through the policies in front of a transport: for every try it adds the
/// pinned `x-ms-version`, a fresh `x-ms-date`, the call's `x-ms-client-request-id` (the
/// CallOptions' id, else a fresh UUID per call) and `Content-Length`, then lets the credential
/// sign; it retries 408, 429, 500, 502, 503, 504 and transport failures with exponential
/// backoff and jitter, honouring Retry-After, a per-try timeout, the call's deadline and
/// cancellation. Requests that are not idempotent are sent
/// again only when the first try surely did not act (no connection; 429 or 503), and a
/// streamed body only when it can be rewound. Each try is logged at debug level (method,
/// redacted URL, status, duration, request ids) and counted in the process's metrics
/// (operation and status, failures, latency, retries, throttling). Thread-safe.
class Pipeline {
 public:
    /// A pipeline over `transport` signing with `credential` (null: anonymous).
    Pipeline(std::shared_ptr<HttpTransport> transport, std::shared_ptr<const Credential> credential,
             PipelineOptions options = {});

    /// Sends `request` as operation `operation` (a name for logs and errors, e.g. "GetBlob")
    /// and returns the final response, whatever its status. A 2xx body goes to `sink` when one
    /// is given. Throws StorageError when no response came (kUnreachable, kTimeout,
    /// kCancelled, with the partial streamed byte count lost: callers that stream resume by
    /// themselves), and rethrows what the credential, a body stream or the sink threw.
    HttpResponse Send(std::string_view operation, const HttpRequest& request,
                      const CallOptions& call, const ResponseSink* sink = nullptr) const;

    /// The credential that signs (never null).
    [[nodiscard]] const Credential& credential() const noexcept { return *credential_; }
    /// The shared credential (never null).
    [[nodiscard]] const std::shared_ptr<const Credential>& credential_ptr() const noexcept {
        return credential_;
    }
    /// The transport.
    [[nodiscard]] const std::shared_ptr<HttpTransport>& transport() const noexcept {
        return transport_;
    }
    /// The options.
    [[nodiscard]] const PipelineOptions& options() const noexcept { return options_; }

 private:
    std::shared_ptr<HttpTransport> transport_;
    std::shared_ptr<const Credential> credential_;
    PipelineOptions options_;
};

/// Registers the Azure families (requests, failures, latency, retries, throttling), so that
/// /metrics shows them before the first call.
void RegisterAzureMetrics();

/// A random UUID (version 4), as `x-ms-client-request-id` carries.
std::string NewRequestId();

/// A uniformly distributed number in [0, 1) from a per-thread generator (backoff jitter).
double UnitRandom();

}  // namespace cerulean::azure
