#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/headers.hpp"

namespace cerulean::http {

/// The reverse proxies whose forwarding headers are believed (CERULEAN_TRUSTED_PROXIES):
/// single addresses and CIDR networks, IPv4 and IPv6. Empty by default: then no forwarding
/// header is believed and the client is the socket's peer.
class TrustedProxies {
 public:
    /// Trusts nobody.
    TrustedProxies() = default;

    /// Parses a comma- or space-separated list such as "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8".
    /// Throws core::Error (kConfiguration) naming the first entry that is not an address or a
    /// network.
    static TrustedProxies Parse(std::string_view list);

    /// True when `address` (textual, as a socket reports it) is one of the proxies.
    [[nodiscard]] bool Contains(std::string_view address) const;

    /// True when no proxy is trusted.
    [[nodiscard]] bool empty() const noexcept { return networks_.empty(); }

 private:
    struct Network {
        std::array<std::uint8_t, 16> bytes{};  ///< IPv4 as IPv4-mapped IPv6
        int prefix = 128;                      ///< leading bits that must match
    };
    std::vector<Network> networks_;
};

/// Who sent a request, as far as the server can tell.
struct ClientAddress {
    std::string address;               ///< the client's IP address, canonical text
    std::optional<std::string> proto;  ///< "http"/"https" the client used, when a proxy said
};

/// The client of a request that came from the socket peer `peer`. Only when `peer` is a
/// trusted proxy are the forwarding headers read: `Forwarded` (RFC 7239) when present, else
/// `X-Forwarded-For` (with `X-Forwarded-Proto`). The client is the right-most address of the
/// chain that is not itself a trusted proxy (so a client cannot choose its address by sending a
/// header: the entries it wrote stand left of the ones the proxies appended). A malformed
/// header is ignored, never an error.
ClientAddress ResolveClientAddress(std::string_view peer, const Headers& headers,
                                   const TrustedProxies& trusted);

}  // namespace cerulean::http
