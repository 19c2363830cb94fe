#pragma once

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>

#include "azure/endpoint_policy.hpp"

namespace cerulean::azure::testing {

/// This machine's own host name when it resolves only to addresses the default endpoint policy
/// refuses (a loopback or private address, as /etc/hosts has it on Debian and in containers):
/// a stand-in for a storage name whose DNS answer was changed to point inside. Empty when it
/// does not resolve, or resolves to a public address.
inline std::string InsideHostName() {
    std::array<char, 256> name{};
    if (gethostname(name.data(), name.size() - 1) != 0) return {};
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(name.data(), nullptr, &hints, &found) != 0) return {};
    bool inside = found != nullptr;
    const EndpointPolicy strict;
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        if (IsAddressAllowed(a->ai_addr, strict)) inside = false;
    }
    freeaddrinfo(found);
    return inside ? std::string(name.data()) : std::string();
}

}  // namespace cerulean::azure::testing
