#include "http/client_address.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace cerulean::http {
namespace {

Headers With(std::initializer_list<std::pair<std::string, std::string>> fields) {
    Headers headers;
    for (const auto& [name, value] : fields) headers.Add(name, value);
    return headers;
}

const TrustedProxies kProxies = TrustedProxies::Parse("10.0.0.0/8, 192.0.2.7 ::1,fd00::/8");

std::string Client(std::string_view peer, const Headers& headers,
                   const TrustedProxies& trusted = kProxies) {
    return ResolveClientAddress(peer, headers, trusted).address;
}

TEST(TrustedProxies, MatchesAddressesAndNetworksOfBothFamilies) {
    EXPECT_TRUE(kProxies.Contains("10.1.2.3"));
    EXPECT_TRUE(kProxies.Contains("192.0.2.7"));
    EXPECT_FALSE(kProxies.Contains("192.0.2.8"));
    EXPECT_TRUE(kProxies.Contains("::1"));
    EXPECT_TRUE(kProxies.Contains("fd12:3456::1"));
    EXPECT_FALSE(kProxies.Contains("fe80::1"));
    EXPECT_TRUE(kProxies.Contains("::ffff:10.9.9.9"));  // a dual-stack socket's IPv4 peer
    EXPECT_FALSE(kProxies.Contains("not an address"));
    EXPECT_TRUE(TrustedProxies::Parse("").empty());
    EXPECT_TRUE(TrustedProxies::Parse("0.0.0.0/0").Contains("203.0.113.1"));
    EXPECT_FALSE(TrustedProxies::Parse("0.0.0.0/0").Contains("2001:db8::1"));
}

TEST(TrustedProxies, RefusesWhatIsNotAnAddressOrANetworkNamingIt) {
    for (const auto* bad :
         {"10.0.0.0/33", "localhost", "10.0.0.1/", "::1/129", "1.2.3", "10.0.0.0/x"}) {
        try {
            TrustedProxies::Parse(std::string("127.0.0.1, ") + bad);
            ADD_FAILURE() << bad;
        } catch (const core::Error& e) {
            EXPECT_EQ(e.code(), core::ErrorCode::kConfiguration);
            EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
        }
    }
}

TEST(ClientAddress, IgnoresForwardingHeadersFromUntrustedPeers) {
    const auto spoofed = With({{"X-Forwarded-For", "1.1.1.1"}, {"Forwarded", "for=2.2.2.2"}});
    EXPECT_EQ(Client("203.0.113.5", spoofed), "203.0.113.5");
    EXPECT_EQ(Client("10.0.0.1", spoofed, TrustedProxies()), "10.0.0.1");
    EXPECT_EQ(Client("::ffff:203.0.113.5", {}), "203.0.113.5");
}

TEST(ClientAddress, TakesTheRightMostUntrustedAddressOfXForwardedFor) {
    // The client wrote "6.6.6.6" itself; nginx appended the real peer.
    EXPECT_EQ(Client("10.0.0.1", With({{"X-Forwarded-For", "6.6.6.6, 198.51.100.4"}})),
              "198.51.100.4");
    // Two proxies in a chain, both trusted.
    EXPECT_EQ(Client("10.0.0.1", With({{"X-Forwarded-For", "6.6.6.6, 198.51.100.4, 10.0.0.2"}})),
              "198.51.100.4");
    // Several header lines are one list.
    EXPECT_EQ(Client("10.0.0.1",
                     With({{"X-Forwarded-For", "6.6.6.6"}, {"X-Forwarded-For", "198.51.100.4"}})),
              "198.51.100.4");
    EXPECT_EQ(Client("10.0.0.1", With({{"X-Forwarded-For", "2001:db8::7"}})), "2001:db8::7");
    EXPECT_EQ(Client("10.0.0.1", With({{"X-Forwarded-For", "[2001:db8::7]:5555"}})), "2001:db8::7");
    EXPECT_EQ(Client("10.0.0.1", With({{"X-Forwarded-For", "198.51.100.4:5555"}})), "198.51.100.4");
    // All trusted: the left-most is the best we know.
    EXPECT_EQ(Client("10.0.0.1", With({{"X-Forwarded-For", "10.0.0.3, 10.0.0.2"}})), "10.0.0.3");
}

TEST(ClientAddress, ReadsRfc7239ForwardedWithQuotingPortsAndIpv6) {
    EXPECT_EQ(Client("10.0.0.1", With({{"Forwarded", R"(for="[2001:db8:cafe::17]:4711")"}})),
              "2001:db8:cafe::17");
    EXPECT_EQ(
        Client("10.0.0.1", With({{"Forwarded", R"(for=192.0.2.60;proto=http;by=203.0.113.43)"}})),
        "192.0.2.60");
    EXPECT_EQ(
        Client("10.0.0.1", With({{"Forwarded", R"(For="198.51.100.17:8080", for=10.0.0.2)"}})),
        "198.51.100.17");
    EXPECT_EQ(
        Client("10.0.0.1", With({{"Forwarded", R"(for=6.6.6.6;host="a,b", for=198.51.100.9)"}})),
        "198.51.100.9");
    // Forwarded wins over X-Forwarded-For.
    EXPECT_EQ(Client("10.0.0.1",
                     With({{"X-Forwarded-For", "203.0.113.1"}, {"Forwarded", "for=198.51.100.2"}})),
              "198.51.100.2");
    const auto https = ResolveClientAddress(
        "10.0.0.1", With({{"Forwarded", "for=198.51.100.2;proto=https"}}), kProxies);
    EXPECT_EQ(https.proto, "https");
    const auto xfp = ResolveClientAddress(
        "10.0.0.1", With({{"X-Forwarded-For", "198.51.100.2"}, {"X-Forwarded-Proto", "HTTPS"}}),
        kProxies);
    EXPECT_EQ(xfp.proto, "https");
    EXPECT_FALSE(
        ResolveClientAddress("203.0.113.5", With({{"X-Forwarded-Proto", "https"}}), kProxies)
            .proto);
}

TEST(ClientAddress, AHiddenHopStopsTheWalkAtTheLastTrustedProxy) {
    EXPECT_EQ(
        Client("10.0.0.1", With({{"Forwarded", "for=198.51.100.1, for=unknown, for=10.0.0.2"}})),
        "10.0.0.2");
    EXPECT_EQ(Client("10.0.0.1", With({{"Forwarded", "for=_hidden"}})), "10.0.0.1");
}

TEST(ClientAddress, GarbageIsIgnoredNeverAnError) {
    for (const auto* garbage : {"", ",", "not-an-ip", "1.2.3.4.5", "300.1.1.1", "[::1", "[1.2.3.4]",
                                "1.2.3.4:99999", "\"1.2.3.4", "1.2.3.4, , 5.6.7.8", "\xff\xfe"}) {
        SCOPED_TRACE(garbage);
        EXPECT_EQ(Client("10.0.0.1", With({{"X-Forwarded-For", garbage}})), "10.0.0.1");
        EXPECT_EQ(Client("10.0.0.1", With({{"Forwarded", std::string("for=") + garbage}})),
                  "10.0.0.1");
    }
    for (const auto* garbage : {"for", "for=\"1.2.3.4", "by=10.0.0.1", "for=1.2.3.4;;x", "=\"\""}) {
        SCOPED_TRACE(garbage);
        // A malformed Forwarded is not believed; X-Forwarded-For still is.
        EXPECT_EQ(
            Client("10.0.0.1", With({{"Forwarded", garbage}, {"X-Forwarded-For", "198.51.100.3"}})),
            "198.51.100.3");
    }
}

}  // namespace
}  // namespace cerulean::http
