#include "azure/pipeline.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>

#include "azure/credential.hpp"
#include "azure/service_version.hpp"
#include "azure/storage_error.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "crypto/random.hpp"

namespace cerulean::azure {
namespace {

using Clock = std::chrono::steady_clock;

std::mt19937_64& Generator() {
    // Request ids and jitter need no cryptographic strength; seeding once per thread keeps a
    // system call out of every request.
    thread_local std::mt19937_64 generator = [] {
        const std::string seed = crypto::RandomBytes(8);
        std::uint64_t value = 0;
        std::memcpy(&value, seed.data(), sizeof value);
        return std::mt19937_64(value);
    }();
    return generator;
}

bool SendsBody(const HttpRequest& request) {
    return request.method == "PUT" || request.method == "POST" || request.body.size() > 0;
}

std::int64_t MillisSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Waits `delay` unless a stop is requested first; false when stopped.
bool SleepFor(std::chrono::milliseconds delay, const std::stop_token& stop) {
    if (delay.count() <= 0) return !stop.stop_requested();
    std::mutex mutex;
    std::condition_variable_any wakeup;
    std::unique_lock lock(mutex);
    return !wakeup.wait_for(lock, stop, delay, [] { return false; });
}

const char* FailureName(TransportFailure kind) {
    switch (kind) {
        case TransportFailure::kConnect:
            return "connect";
        case TransportFailure::kTimeout:
            return "timeout";
        case TransportFailure::kCancelled:
            return "cancelled";
        case TransportFailure::kTls:
            return "tls";
        case TransportFailure::kNetwork:
            return "network";
        case TransportFailure::kInvalidRequest:
            return "invalid_request";
        case TransportFailure::kForbiddenAddress:
            return "forbidden_address";
    }
    return "network";
}

namespace metrics = core::metrics;

// What the pipeline counts. Operation names are the fixed names callers pass ("GetBlob"),
// never a container or blob name.
struct AzureMetrics {
    metrics::Family<metrics::Counter>& requests = metrics::DefaultRegistry().AddCounter(
        "cerulean_azure_requests_total",
        "Tries sent to Azure Storage that got an answer, by operation and HTTP status.",
        {"operation", "status"});
    metrics::Family<metrics::Counter>& failures = metrics::DefaultRegistry().AddCounter(
        "cerulean_azure_request_failures_total",
        "Tries sent to Azure Storage that got no answer, by operation and failure (connect, "
        "timeout, tls, network, cancelled, ...).",
        {"operation", "failure"});
    metrics::Family<metrics::Histogram>& duration = metrics::DefaultRegistry().AddHistogram(
        "cerulean_azure_request_duration_seconds",
        "Time of each try sent to Azure Storage (a streamed body included), by operation.",
        metrics::LatencyBuckets(), {"operation"});
    metrics::Family<metrics::Counter>& retries = metrics::DefaultRegistry().AddCounter(
        "cerulean_azure_retries_total",
        "Tries sent again, by operation and the reason (the status, or the failure).",
        {"operation", "reason"});
    metrics::Family<metrics::Counter>& throttled = metrics::DefaultRegistry().AddCounter(
        "cerulean_azure_throttled_total",
        "Answers of Azure Storage that refused a try for load (429 or 503), by operation and "
        "status.",
        {"operation", "status"});
};

AzureMetrics& Metrics() {
    static AzureMetrics metrics;
    return metrics;
}

// Azure takes up to 1 KiB of printable ASCII; anything else would not be a valid header.
bool IsUsableClientRequestId(std::string_view id) {
    return !id.empty() && id.size() <= 1024 &&
           std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// Puts a streamed body back to its start before another try; false when it cannot be.
bool PrepareBodyForRetry(const HttpRequest& request, std::uint64_t bytes_read) {
    if (request.body.stream == nullptr || request.body.stream_length == 0) return true;
    if (bytes_read == 0) return true;
    return request.body.stream->Rewind();
}

}  // namespace

void RegisterAzureMetrics() {
    Metrics();
}

std::string NewRequestId() {
    auto& generator = Generator();
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
        const std::uint64_t value = generator();
        std::memcpy(bytes.data() + i, &value, 8);
    }
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 0x0F]);
    }
    return out;
}

double UnitRandom() {
    return std::uniform_real_distribution<double>(0.0, 1.0)(Generator());
}

Pipeline::Pipeline(std::shared_ptr<HttpTransport> transport,
                   std::shared_ptr<const Credential> credential, PipelineOptions options)
    : transport_(std::move(transport)),
      credential_(credential ? std::move(credential)
                             : std::make_shared<const AnonymousCredential>()),
      options_(std::move(options)) {
    if (!transport_) throw std::invalid_argument("Pipeline needs a transport");
}

HttpResponse Pipeline::Send(std::string_view operation, const HttpRequest& request,
                            const CallOptions& call, const ResponseSink* sink) const {
    const RetryOptions& retry = options_.retry;
    const auto start = Clock::now();
    auto deadline = call.deadline.value_or(Clock::time_point::max());
    if (retry.overall_timeout.count() > 0)
        deadline = std::min(deadline, start + retry.overall_timeout);
    const auto try_timeout = call.try_timeout.value_or(retry.try_timeout);
    // One id for the whole call, as Azure's SDKs do: the service's logs then tie the tries of
    // one operation together.
    const std::string client_request_id =
        IsUsableClientRequestId(call.client_request_id) ? call.client_request_id : NewRequestId();
    AzureMetrics& counted = Metrics();
    bool ambiguous = false;

    for (int attempt = 1;; ++attempt) {
        if (call.stop.stop_requested()) throw StorageError::Cancelled(operation);
        const auto now = Clock::now();
        if (now >= deadline) {
            throw StorageError::DeadlineExceeded(operation, "the deadline passed before a try");
        }

        HttpRequest attempt_request{request.method, request.url, request.headers, request.body,
                                    request.idempotent};
        if (options_.storage_headers) {
            SetHeader(attempt_request.headers, "x-ms-version", std::string(kServiceVersion));
            SetHeader(attempt_request.headers, "x-ms-date",
                      core::FormatHttpDate(core::NowMillis()));
            SetHeader(attempt_request.headers, "x-ms-client-request-id", client_request_id);
        }
        if (SendsBody(attempt_request)) {
            SetHeader(attempt_request.headers, "Content-Length",
                      std::to_string(attempt_request.body.size()));
        }
        credential_->Authorize(attempt_request, call);

        TryControl control;
        control.deadline =
            try_timeout.count() > 0 ? std::min(deadline, now + try_timeout) : deadline;
        control.stop = call.stop;
        control.sink = sink;

        const auto try_start = Clock::now();
        std::chrono::milliseconds delay{0};
        try {
            HttpResponse response = transport_->Send(attempt_request, control);
            const std::string status_label = std::to_string(response.status);
            counted.requests.WithLabels({operation, status_label}).Add();
            counted.duration.WithLabels({operation})
                .Observe(std::chrono::duration<double>(Clock::now() - try_start).count());
            if (IsRefusedStatus(response.status)) {
                counted.throttled.WithLabels({operation, status_label}).Add();
            }
            const std::string request_id(response.Header("x-ms-request-id").value_or(""));
            core::log::Debug("azure_request", {{"operation", operation},
                                               {"method", request.method},
                                               core::log::Url("url", request.url),
                                               {"status", response.status},
                                               {"duration_ms", MillisSince(try_start)},
                                               {"request_id", request_id},
                                               {"client_request_id", client_request_id},
                                               {"try", attempt}});
            response.after_ambiguous_failure = ambiguous;
            const int status = response.status;
            const bool retriable = IsRetriableStatus(status) &&
                                   (request.idempotent || IsRefusedStatus(status)) &&
                                   attempt <= retry.max_retries;
            if (!retriable) return response;
            const auto asked = ParseRetryAfter(response.headers, core::NowMillis());
            delay = asked ? *asked : ComputeBackoff(attempt, retry, UnitRandom());
            // The caller gets the service's answer when the wait would overrun the deadline.
            if (Clock::now() + delay >= deadline) return response;
            if (!PrepareBodyForRetry(request, request.body.size())) return response;
            if (!IsRefusedStatus(status)) ambiguous = true;
            counted.retries.WithLabels({operation, status_label}).Add();
            core::log::Debug("azure_retry", {{"operation", operation},
                                             {"status", status},
                                             {"try", attempt},
                                             {"delay_ms", static_cast<std::int64_t>(delay.count())},
                                             {"retry_after", asked.has_value()}});
        } catch (const TransportError& error) {
            core::log::Debug("azure_request_failed", {{"operation", operation},
                                                      {"method", request.method},
                                                      core::log::Url("url", request.url),
                                                      {"failure", FailureName(error.kind())},
                                                      {"error", error.what()},
                                                      {"duration_ms", MillisSince(try_start)},
                                                      {"client_request_id", client_request_id},
                                                      {"try", attempt}});
            const TransportFailure kind = error.kind();
            counted.failures.WithLabels({operation, FailureName(kind)}).Add();
            counted.duration.WithLabels({operation})
                .Observe(std::chrono::duration<double>(Clock::now() - try_start).count());
            if (kind == TransportFailure::kCancelled) throw StorageError::Cancelled(operation);
            const bool nothing_sent = kind == TransportFailure::kConnect;
            const bool retriable =
                (kind == TransportFailure::kConnect || kind == TransportFailure::kTimeout ||
                 kind == TransportFailure::kNetwork) &&
                (nothing_sent || request.idempotent) && error.streamed_bytes() == 0 &&
                attempt <= retry.max_retries && Clock::now() < deadline;
            if (!retriable) throw StorageError::FromTransport(operation, error, client_request_id);
            delay = ComputeBackoff(attempt, retry, UnitRandom());
            if (Clock::now() + delay >= deadline ||
                !PrepareBodyForRetry(request, error.body_bytes_read())) {
                throw StorageError::FromTransport(operation, error, client_request_id);
            }
            if (!nothing_sent) ambiguous = true;
            counted.retries.WithLabels({operation, FailureName(kind)}).Add();
            core::log::Debug("azure_retry",
                             {{"operation", operation},
                              {"failure", FailureName(kind)},
                              {"try", attempt},
                              {"delay_ms", static_cast<std::int64_t>(delay.count())}});
        }
        if (!SleepFor(delay, call.stop)) throw StorageError::Cancelled(operation);
    }
}

}  // namespace cerulean::azure
