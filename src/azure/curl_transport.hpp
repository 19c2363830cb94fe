#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "azure/transport.hpp"

struct sockaddr;

namespace cerulean::azure {

/// Settings of the libcurl transport.
struct TransportOptions {
    /// PEM file of the certificate authorities to trust; empty trusts the system's store.
    std::string ca_file;
    /// Proxy URL, e.g. "http://proxy:3128"; empty uses no proxy (the environment is ignored).
    std::string proxy;
    /// Longest wait for a TCP (and TLS) connection, within each try's own deadline.
    std::chrono::milliseconds connect_timeout{10'000};
    /// Easy handles (each keeping its keep-alive connection) kept idle for reuse.
    std::size_t max_idle_connections = 64;
    /// libcurl's receive buffer per handle (bigger buffers mean fewer callbacks on downloads).
    std::size_t receive_buffer_size = 256 * 1024;
    /// libcurl's upload buffer per handle.
    std::size_t upload_buffer_size = 256 * 1024;
    /// TCP_NOTSENT_LOWAT of every connection: at most about this many bytes wait unsent in the
    /// kernel behind what is in flight (0: the kernel's default, unbounded). It bounds neither
    /// the congestion window nor throughput; it keeps an upload's queued bytes small, so that
    /// the sender's kernel work is done when it sends rather than in the receiver's reads,
    /// which on a loopback peer (Azurite) cost it 0.2-0.3 s of CPU per GiB uploaded in
    /// parallel blocks (docs/BENCHMARKS.md).
    std::size_t send_low_watermark = 128 * 1024;
    /// The User-Agent header.
    std::string user_agent = "cerulean/0.1";
    /// When set, every new connection's resolved address must pass it, or the request fails
    /// (not retried) with an "endpoint_not_allowed" transport error: the server's defence
    /// against names that resolve to private or metadata addresses.
    std::function<bool(const sockaddr*)> address_filter;
};

/// An HttpTransport over libcurl: a pool of reused easy handles, each keeping its keep-alive
/// connection, sharing one DNS and TLS-session cache; TLS peers are always verified; no
/// signals (CURLOPT_NOSIGNAL), no redirects, no proxies from the environment, only http and
/// https. Thread-safe: every thread that sends takes its own handle from the pool.
class CurlTransport final : public HttpTransport {
 public:
    /// A transport with `options`; cheap until the first request.
    explicit CurlTransport(TransportOptions options = {});
    /// Closes the idle connections.
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    /// See HttpTransport::Send.
    HttpResponse Send(const HttpRequest& request, const TryControl& control) override;

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cerulean::azure
