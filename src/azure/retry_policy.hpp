#pragma once

#include <chrono>
#include <optional>

#include "azure/http_header.hpp"
#include "core/clock.hpp"

namespace cerulean::azure {

/// How failed tries are retried.
struct RetryOptions {
    /// Retries after the first try (so at most max_retries + 1 tries).
    int max_retries = 4;
    /// Nominal delay before the first retry; it doubles with every further retry.
    std::chrono::milliseconds base_delay{400};
    /// Cap of the computed backoff (a server's Retry-After is honoured beyond it).
    std::chrono::milliseconds max_delay{30'000};
    /// Each try fails with a timeout after this long (0: no per-try limit).
    std::chrono::milliseconds try_timeout{60'000};
    /// Every call fails with a timeout after this long, retries included (0: only the
    /// call's own deadline, if any).
    std::chrono::milliseconds overall_timeout{0};
};

/// True for the statuses worth another try: 408, 429, 500, 502, 503, 504.
bool IsRetriableStatus(int status) noexcept;

/// True when a status means the service refused the request before acting on it (429, 503), so
/// that even a request that is not idempotent may be sent again.
bool IsRefusedStatus(int status) noexcept;

/// The delay a server asks for: `x-ms-retry-after-ms` or `retry-after-ms` (milliseconds), else
/// `Retry-After` as delta-seconds or an HTTP date (relative to `now`, never negative); nullopt
/// when none is given or the value is malformed.
std::optional<std::chrono::milliseconds> ParseRetryAfter(const HttpHeaders& headers,
                                                         core::UnixMillis now);

/// The backoff before retry number `retry` (1 for the first retry): base_delay * 2^(retry-1)
/// capped at max_delay, scaled by a jitter factor in [0.8, 1.2) chosen by `unit_random` in
/// [0, 1), and capped at max_delay again.
std::chrono::milliseconds ComputeBackoff(int retry, const RetryOptions& options,
                                         double unit_random) noexcept;

}  // namespace cerulean::azure
