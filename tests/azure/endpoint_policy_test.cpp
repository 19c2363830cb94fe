#include "azure/endpoint_policy.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "core/error.hpp"

namespace cerulean::azure {
namespace {

std::string Refusal(std::string_view url, const EndpointPolicy& policy = {}) {
    try {
        CheckEndpoint(url, policy);
    } catch (const core::Error& e) {
        EXPECT_EQ(e.reason(), "endpoint_not_allowed");
        EXPECT_EQ(e.field_errors().at(0).field, "endpoint");
        return e.what();
    }
    return "";
}

bool Allowed(const char* ip, bool loopback = false) {
    EndpointPolicy policy;
    policy.allow_loopback = loopback;
    sockaddr_in v4{};
    if (inet_pton(AF_INET, ip, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        return IsAddressAllowed(reinterpret_cast<sockaddr*>(&v4), policy);
    }
    sockaddr_in6 v6{};
    EXPECT_EQ(inet_pton(AF_INET6, ip, &v6.sin6_addr), 1) << ip;
    v6.sin6_family = AF_INET6;
    return IsAddressAllowed(reinterpret_cast<sockaddr*>(&v6), policy);
}

TEST(EndpointPolicy, AcceptsHttpsAzureEndpoints) {
    EXPECT_EQ(CheckEndpoint("https://acct.blob.core.windows.net/", {}),
              "https://acct.blob.core.windows.net");
    EXPECT_EQ(CheckEndpoint("https://ACCT.Blob.Core.Windows.Net", {}),
              "https://ACCT.Blob.Core.Windows.Net");
    EXPECT_NO_THROW(CheckEndpoint("https://x.blob.core.chinacloudapi.cn:443", {}));
}

TEST(EndpointPolicy, RefusesOtherHostsSchemesAndAddresses) {
    EXPECT_NE(Refusal("http://acct.blob.core.windows.net"), "");
    EXPECT_NE(Refusal("https://evil.example.com"), "");
    EXPECT_NE(Refusal("https://blob.core.windows.net.evil.com"), "");
    EXPECT_NE(Refusal("https://.blob.core.windows.net"), "");
    EXPECT_NE(Refusal("https://169.254.169.254/metadata"), "");
    EXPECT_NE(Refusal("https://10.0.0.5"), "");
    EXPECT_NE(Refusal("https://[fd00::1]"), "");
    EXPECT_NE(Refusal("ftp://acct.blob.core.windows.net"), "");
    EXPECT_NE(Refusal("https://user:pw@acct.blob.core.windows.net"), "");
    EXPECT_NE(Refusal("https://acct.blob.core.windows.net?sig=x"), "");
    EXPECT_NE(Refusal("not a url"), "");
}

TEST(EndpointPolicy, LoopbackOnlyWhenAllowed) {
    EXPECT_NE(Refusal("http://127.0.0.1:10000/devstoreaccount1"), "");
    EXPECT_NE(Refusal("http://localhost:10000/devstoreaccount1"), "");
    EndpointPolicy dev;
    dev.allow_loopback = true;
    EXPECT_EQ(CheckEndpoint("http://127.0.0.1:10000/devstoreaccount1/", dev),
              "http://127.0.0.1:10000/devstoreaccount1");
    EXPECT_NO_THROW(CheckEndpoint("https://[::1]:10000/devstoreaccount1", dev));
    EXPECT_NO_THROW(CheckEndpoint("http://localhost:10000/devstoreaccount1", dev));
    EXPECT_NE(Refusal("http://10.1.1.1:10000/x", dev), "");
}

TEST(EndpointPolicy, HonoursConfiguredSuffixes) {
    EndpointPolicy policy;
    policy.allowed_suffixes = {".storage.example.net"};
    EXPECT_NO_THROW(CheckEndpoint("https://a.storage.example.net", policy));
    EXPECT_NE(Refusal("https://a.blob.core.windows.net", policy), "");
}

TEST(EndpointPolicy, AddressesAtConnectTime) {
    EXPECT_TRUE(Allowed("20.60.1.1"));
    EXPECT_TRUE(Allowed("2603:1030::1"));
    for (const char* ip : {"10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                           "0.0.0.0", "224.0.0.1", "255.255.255.255", "fe80::1", "fd12::1",
                           "::", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1"}) {
        EXPECT_FALSE(Allowed(ip)) << ip;
    }
    EXPECT_FALSE(Allowed("127.0.0.1"));
    EXPECT_FALSE(Allowed("::1"));
    EXPECT_TRUE(Allowed("127.0.0.1", true));
    EXPECT_TRUE(Allowed("::1", true));
    EXPECT_TRUE(Allowed("::ffff:127.0.0.1", true));
}

}  // namespace
}  // namespace cerulean::azure
