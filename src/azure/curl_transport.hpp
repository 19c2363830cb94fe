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
