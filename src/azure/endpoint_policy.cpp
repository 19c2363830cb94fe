#include "azure/endpoint_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "azure/url.hpp"
#include "core/error.hpp"

namespace cerulean::azure {
namespace {

std::string Lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Splits "host:port" / "[v6]:port" into the host (brackets removed) and whether a port was valid.
bool SplitAuthority(std::string_view authority, std::string& host) {
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return false;
        host = std::string(authority.substr(1, close - 1));
        const auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return false;
            port = rest.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (host.empty()) return false;
    for (const char c : port) {
        if (c < '0' || c > '9') return false;
    }
    return port.size() <= 5;
}

bool IsLoopbackHost(const std::string& host) {
    if (host == "localhost" || host == "::1") return true;
    in_addr v4{};
    return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

bool IsIpLiteral(const std::string& host) {
    in_addr v4{};
    in6_addr v6{};
    return inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
           inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

bool IsHostName(const std::string& host) {
    if (host.size() > 253) return false;
    for (const char c : host) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.')) {
            return false;
        }
    }
    return host.find("..") == std::string::npos && host.front() != '.' && host.front() != '-';
}

bool Ipv4Allowed(std::uint32_t a, bool allow_loopback) {
    const auto in = [a](std::uint32_t net, int bits) {
        return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits));
    };
    if (in(0x7f000000, 8)) return allow_loopback;  // 127/8
    return !(in(0x00000000, 8) ||                  // 0/8 "this network"
             in(0x0a000000, 8) ||                  // 10/8
             in(0x64400000, 10) ||                 // 100.64/10 CGNAT
             in(0xa9fe0000, 16) ||                 // 169.254/16 link-local
             in(0xac100000, 12) ||                 // 172.16/12
             in(0xc0000000, 24) ||                 // 192.0.0/24
             in(0xc0a80000, 16) ||                 // 192.168/16
             in(0xc6120000, 15) ||                 // 198.18/15 benchmarking
             in(0xe0000000, 4) ||                  // multicast
             in(0xf0000000, 4));                   // reserved, broadcast
}

}  // namespace

std::string CheckEndpoint(std::string_view url, const EndpointPolicy& policy,
                          std::string_view field) {
    auto refuse = [&](const std::string& why) {
        core::Error error(core::ErrorCode::kInvalidArgument,
                          std::string(field) + " is not allowed: " + why, "endpoint_not_allowed");
        error.WithField(std::string(field), why);
        return error;
    };
    std::string normalized;
    try {
        normalized = NormalizeEndpoint(url);
    } catch (const core::Error&) {
        throw refuse("it is not an absolute http(s) URL");
    }
    const auto scheme_end = normalized.find("://");
    if (scheme_end == std::string::npos) throw refuse("it is not an absolute http(s) URL");
    const std::string scheme = Lower(std::string_view(normalized).substr(0, scheme_end));
    if (scheme != "https" && scheme != "http") throw refuse("only https endpoints are allowed");
    const UrlParts parts = SplitUrl(normalized);
    if (!parts.query.empty() || normalized.find('#') != std::string::npos) {
        throw refuse("an endpoint has no query or fragment");
    }
    if (parts.authority.find('@') != std::string::npos) {
        throw refuse("an endpoint has no user name or password");
    }
    std::string host;
    if (!SplitAuthority(parts.authority, host)) throw refuse("its host or port is malformed");
    host = Lower(host);
    if (IsLoopbackHost(host)) {
        if (!policy.allow_loopback) throw refuse("loopback endpoints are not allowed here");
        return normalized;
    }
    if (scheme != "https") throw refuse("only https endpoints are allowed");
    if (IsIpLiteral(host) || !IsHostName(host)) {
        throw refuse("the host must be a storage service name, not an address");
    }
    const bool suffix_ok = std::any_of(
        policy.allowed_suffixes.begin(), policy.allowed_suffixes.end(),
        [&](const std::string& suffix) {
            const std::string s = Lower(suffix);
            return host.size() > s.size() && host.compare(host.size() - s.size(), s.size(), s) == 0;
        });
    if (!suffix_ok) throw refuse("its host is not under an allowed storage domain");
    return normalized;
}

bool IsAddressAllowed(const sockaddr* address, const EndpointPolicy& policy) noexcept {
    if (address == nullptr) return false;
    if (address->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, address, sizeof in);
        return Ipv4Allowed(ntohl(in.sin_addr.s_addr), policy.allow_loopback);
    }
    if (address->sa_family != AF_INET6) return false;
    sockaddr_in6 in6{};
    std::memcpy(&in6, address, sizeof in6);
    const auto* b = in6.sin6_addr.s6_addr;
    static constexpr std::array<unsigned char, 12> kMapped{0, 0, 0, 0, 0,    0,
                                                           0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped.begin(), kMapped.end(), b)) {
        const std::uint32_t v4 = (std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                                 (std::uint32_t{b[14]} << 8) | std::uint32_t{b[15]};
        return Ipv4Allowed(v4, policy.allow_loopback);
    }
    if (IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr)) return policy.allow_loopback;
    if (IN6_IS_ADDR_UNSPECIFIED(&in6.sin6_addr) || IN6_IS_ADDR_LINKLOCAL(&in6.sin6_addr) ||
        IN6_IS_ADDR_SITELOCAL(&in6.sin6_addr) || IN6_IS_ADDR_MULTICAST(&in6.sin6_addr) ||
        IN6_IS_ADDR_V4COMPAT(&in6.sin6_addr)) {
        return false;
    }
    if ((b[0] & 0xfe) == 0xfc) return false;  // fc00::/7 unique local
    // 64:ff9b::/96 NAT64 can reach private IPv4 behind a translator.
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) return false;
    return true;
}

}  // namespace cerulean::azure
