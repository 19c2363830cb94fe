#include "http/client_address.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>

#include "core/error.hpp"

namespace cerulean::http {
namespace {

namespace ip = boost::asio::ip;

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<ip::address> ParseAddress(std::string_view text) {
    boost::system::error_code ec;
    const ip::address address = ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    return address;
}

// IPv4 as IPv4-mapped IPv6, so that one comparison serves both families.
std::array<std::uint8_t, 16> Bytes(const ip::address& address) {
    if (address.is_v4()) {
        return ip::make_address_v6(ip::v4_mapped, address.to_v4()).to_bytes();
    }
    return address.to_v6().to_bytes();
}

// "::ffff:192.0.2.1" (a dual-stack socket's IPv4 peer) reads as "192.0.2.1".
std::string Canonical(const ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return ip::make_address_v4(ip::v4_mapped, address.to_v6()).to_string();
    }
    return address.to_string();
}

// One hop of a forwarding chain: an address, or a hop that hid it ("unknown", "_hidden").
struct Hop {
    std::optional<ip::address> address;
    std::optional<std::string> proto;
};

// A node of a chain: "192.0.2.1", "192.0.2.1:443", "[2001:db8::1]", "[2001:db8::1]:443",
// a bare "2001:db8::1" (X-Forwarded-For writes them so), "unknown" or an obfuscated "_name".
// Nullopt when it is none of these (the header is then not believed at all).
std::optional<Hop> ParseNode(std::string_view node) {
    node = Trim(node);
    if (node.empty()) return std::nullopt;
    if (node == "unknown" || node.front() == '_') return Hop{};
    if (node.front() == '[') {
        const auto close = node.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        const std::string_view rest = node.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return std::nullopt;
        const auto address = ParseAddress(node.substr(1, close - 1));
        if (!address || !address->is_v6()) return std::nullopt;
        return Hop{address, std::nullopt};
    }
    if (const auto address = ParseAddress(node)) return Hop{address, std::nullopt};
    // "a.b.c.d:port"
    const auto colon = node.rfind(':');
    if (colon == std::string_view::npos || node.find(':') != colon) return std::nullopt;
    const std::string_view port = node.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
        return std::nullopt;
    }
    const auto address = ParseAddress(node.substr(0, colon));
    if (!address || !address->is_v4()) return std::nullopt;
    return Hop{address, std::nullopt};
}

// Splits on `separator` outside quoted strings.
std::vector<std::string_view> SplitOutsideQuotes(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted && c == '\\') {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && c == separator) {
            parts.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    parts.push_back(text.substr(start));
    return parts;
}

// A `Forwarded` value: a token, or a quoted-string with its escapes undone.
std::optional<std::string> Unquote(std::string_view value) {
    value = Trim(value);
    if (value.empty()) return std::nullopt;
    if (value.front() != '"') {
        if (value.find('"') != std::string_view::npos) return std::nullopt;
        return std::string(value);
    }
    if (value.size() < 2 || value.back() != '"') return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i + 1 < value.size(); ++i) {
        if (value[i] == '\\' && i + 2 < value.size()) ++i;
        out.push_back(value[i]);
    }
    return out;
}

// Every value of `name`, joined with commas as one list (a header may be sent several times).
std::optional<std::string> Joined(const Headers& headers, std::string_view name) {
    std::optional<std::string> out;
    for (const auto& [field, value] : headers.fields()) {
        if (!EqualsIgnoreCase(field, name)) continue;
        if (out) out->push_back(',');
        out = out.value_or("") + value;
    }
    return out;
}

std::optional<std::vector<Hop>> ParseForwarded(std::string_view value) {
    std::vector<Hop> hops;
    for (const std::string_view element : SplitOutsideQuotes(value, ',')) {
        std::optional<Hop> hop;
        std::optional<std::string> proto;
        for (const std::string_view pair : SplitOutsideQuotes(element, ';')) {
            if (Trim(pair).empty()) continue;
            const auto eq = pair.find('=');
            if (eq == std::string_view::npos) return std::nullopt;
            const std::string_view key = Trim(pair.substr(0, eq));
            const auto text = Unquote(pair.substr(eq + 1));
            if (!text) return std::nullopt;
            if (EqualsIgnoreCase(key, "for")) {
                hop = ParseNode(*text);
                if (!hop) return std::nullopt;
            } else if (EqualsIgnoreCase(key, "proto")) {
                proto = *text;
            }
        }
        if (!hop) return std::nullopt;  // an element without `for` says nothing of the client
        hop->proto = std::move(proto);
        hops.push_back(std::move(*hop));
    }
    return hops;
}

std::optional<std::vector<Hop>> ParseXForwardedFor(std::string_view value) {
    std::vector<Hop> hops;
    for (const std::string_view entry : SplitOutsideQuotes(value, ',')) {
        auto hop = ParseNode(entry);
        if (!hop) return std::nullopt;
        hops.push_back(std::move(*hop));
    }
    return hops;
}

std::optional<std::string> Proto(std::string_view value) {
    // The nearest proxy's word: the right-most of a list.
    const auto comma = value.rfind(',');
    std::string proto(Trim(comma == std::string_view::npos ? value : value.substr(comma + 1)));
    for (auto& c : proto) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (proto == "http" || proto == "https") return proto;
    return std::nullopt;
}

}  // namespace

TrustedProxies TrustedProxies::Parse(std::string_view list) {
    TrustedProxies proxies;
    std::size_t start = 0;
    while (start <= list.size()) {
        const auto end = list.find_first_of(", \t", start);
        const std::string_view entry = list.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start);
        start = end == std::string_view::npos ? list.size() + 1 : end + 1;
        if (entry.empty()) continue;
        const auto slash = entry.find('/');
        const auto address = ParseAddress(entry.substr(0, slash));
        auto bad = [&entry] {
            return core::Error(core::ErrorCode::kConfiguration,
                               "CERULEAN_TRUSTED_PROXIES: \"" + std::string(entry) +
                                   "\" is not an IP address or a CIDR network");
        };
        if (!address) throw bad();
        Network network;
        network.bytes = Bytes(*address);
        const int family_bits = address->is_v4() ? 32 : 128;
        int prefix = family_bits;
        if (slash != std::string_view::npos) {
            const std::string_view bits = entry.substr(slash + 1);
            const auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
            if (ec != std::errc{} || ptr != bits.data() + bits.size() || prefix < 0 ||
                prefix > family_bits) {
                throw bad();
            }
        }
        network.prefix = address->is_v4() ? 96 + prefix : prefix;
        proxies.networks_.push_back(network);
    }
    return proxies;
}

bool TrustedProxies::Contains(std::string_view address) const {
    const auto parsed = ParseAddress(address);
    if (!parsed) return false;
    const auto bytes = Bytes(*parsed);
    for (const auto& network : networks_) {
        int bits = network.prefix;
        bool match = true;
        for (std::size_t i = 0; i < bytes.size() && bits > 0 && match; ++i, bits -= 8) {
            const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xFF : 0xFF << (8 - bits));
            match = (bytes[i] & mask) == (network.bytes[i] & mask);
        }
        if (match) return true;
    }
    return false;
}

ClientAddress ResolveClientAddress(std::string_view peer, const Headers& headers,
                                   const TrustedProxies& trusted) {
    const auto peer_address = ParseAddress(peer);
    ClientAddress client{peer_address ? Canonical(*peer_address) : std::string(peer), std::nullopt};
    if (trusted.empty() || !trusted.Contains(peer)) return client;

    std::optional<std::vector<Hop>> chain;
    if (const auto forwarded = Joined(headers, "Forwarded")) chain = ParseForwarded(*forwarded);
    const bool from_forwarded = chain.has_value();
    if (!chain) {
        if (const auto xff = Joined(headers, "X-Forwarded-For")) chain = ParseXForwardedFor(*xff);
    }
    if (!chain || chain->empty()) return client;

    // Right to left: past the trusted proxies, the first address is the client. A hop that
    // hid its address stops the walk: the last trusted proxy is then the best we know.
    for (auto hop = chain->rbegin(); hop != chain->rend(); ++hop) {
        if (!hop->address) break;
        client.address = Canonical(*hop->address);
        client.proto = hop->proto;
        if (!trusted.Contains(client.address)) break;
    }
    if (!from_forwarded) {
        if (const auto proto = Joined(headers, "X-Forwarded-Proto")) client.proto = Proto(*proto);
    } else if (client.proto) {
        client.proto = Proto(*client.proto);
    }
    return client;
}

}  // namespace cerulean::http
