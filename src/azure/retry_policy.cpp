#include "azure/retry_policy.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "azure/transport.hpp"

namespace cerulean::azure {
namespace {

std::optional<std::int64_t> ParseCount(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

}  // namespace

bool IsRetriableStatus(int status) noexcept {
    switch (status) {
        case 408:
        case 429:
        case 500:
        case 502:
        case 503:
        case 504:
            return true;
        default:
            return false;
    }
}

bool IsRefusedStatus(int status) noexcept {
    return status == 429 || status == 503;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(const HttpHeaders& headers,
                                                         core::UnixMillis now) {
    for (const std::string_view name : {"x-ms-retry-after-ms", "retry-after-ms"}) {
        if (const auto value = FindHeader(headers, name)) {
            if (const auto ms = ParseCount(*value)) return std::chrono::milliseconds(*ms);
        }
    }
    const auto value = FindHeader(headers, "Retry-After");
    if (!value) return std::nullopt;
    if (const auto seconds = ParseCount(*value)) {
        // Bounded so that the multiplication cannot overflow; nobody waits 30 years.
        return std::chrono::milliseconds(std::min<std::int64_t>(*seconds, 1'000'000'000) * 1000);
    }
    if (const auto date = core::ParseHttpDate(*value)) {
        return std::chrono::milliseconds(std::max<core::UnixMillis>(0, *date - now));
    }
    return std::nullopt;
}

std::chrono::milliseconds ComputeBackoff(int retry, const RetryOptions& options,
                                         double unit_random) noexcept {
    const double cap = static_cast<double>(std::max<std::int64_t>(0, options.max_delay.count()));
    const int exponent = std::clamp(retry - 1, 0, 62);
    const double nominal =
        std::min(cap, static_cast<double>(options.base_delay.count()) * std::ldexp(1.0, exponent));
    const double jitter = 0.8 + 0.4 * std::clamp(unit_random, 0.0, 0.999999);
    const double delay = std::min(cap, nominal * jitter);
    return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

}  // namespace cerulean::azure
