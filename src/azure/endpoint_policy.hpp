#pragma once

#include <string>
#include <string_view>
#include <vector>

struct sockaddr;

namespace cerulean::azure {

/// Which storage endpoints the server may reach, so that it cannot be used to reach hosts it
/// should not (internal services, cloud metadata addresses).
struct EndpointPolicy {
    /// Host suffixes of allowed https endpoints (each starting with '.').
    std::vector<std::string> allowed_suffixes{
        ".blob.core.windows.net", ".blob.core.chinacloudapi.cn", ".blob.core.usgovcloudapi.net"};
    /// Allow http and https endpoints on loopback hosts (dev and tests).
    bool allow_loopback = false;
};

/// Checks a blob service endpoint URL against `policy` and returns it normalized (no trailing
/// '/'). Allowed: https URLs whose host ends with an allowed suffix, and, when loopback is
/// allowed, http(s) URLs on 127.0.0.0/8, ::1 or localhost. Never: userinfo, queries,
/// fragments, other schemes, IP literals elsewhere. Throws core::Error (kInvalidArgument,
/// reason "endpoint_not_allowed", field `field`) naming the rule that failed.
std::string CheckEndpoint(std::string_view url, const EndpointPolicy& policy,
                          std::string_view field = "endpoint");

/// Whether a resolved address may be connected to: public unicast addresses always; loopback
/// only when the policy allows it; never private (10/8, 172.16/12, 192.168/16, 100.64/10,
/// fc00::/7), link-local (169.254/16, fe80::/10, the cloud metadata service), unspecified,
/// multicast or broadcast addresses (IPv4-mapped IPv6 judged as IPv4). Checked again when a
/// request connects, because a name may resolve elsewhere than when it was saved.
bool IsAddressAllowed(const sockaddr* address, const EndpointPolicy& policy) noexcept;

}  // namespace cerulean::azure
