// Server-side request forgery at the transport (issue 13, OWASP API7): the libcurl transport as
// the server builds it (ConnectionService: an address filter of the endpoint policy) must not
// connect to a loopback, private, link-local or metadata address in any spelling of the URL, nor
// through a name that resolves to one, nor follow a redirect anywhere, nor take a proxy from the
// environment. Real sockets: loopback HTTP servers count what reaches them.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "azure/blob_client.hpp"
#include "azure/credential.hpp"
#include "azure/curl_transport.hpp"
#include "azure/endpoint_policy.hpp"
#include "azure/inside_host.hpp"
#include "azure/loopback_http_server.hpp"
#include "azure/storage_error.hpp"
#include "azure/token_source.hpp"
#include "core/error.hpp"

namespace cerulean::azure {
namespace {

using testing::LoopbackHttpServer;
using testing::LoopbackRequest;
using testing::LoopbackResponse;

// The transport exactly as the server makes it (service/connection_service.cpp), with every
// address the filter was asked about recorded.
struct FilteredTransport {
    explicit FilteredTransport(bool allow_loopback) {
        policy.allow_loopback = allow_loopback;
        TransportOptions options;
        options.connect_timeout = std::chrono::milliseconds(5'000);
        options.address_filter = [this](const sockaddr* address) {
            std::array<char, INET6_ADDRSTRLEN> text{};
            if (address->sa_family == AF_INET) {
                inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr,
                          text.data(), text.size());
            } else if (address->sa_family == AF_INET6) {
                inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr,
                          text.data(), text.size());
            }
            const std::lock_guard lock(mutex);
            asked.emplace_back(text.data());
            return IsAddressAllowed(address, policy);
        };
        transport = std::make_shared<CurlTransport>(options);
    }

    // GET `url`: the status, or throws TransportError.
    int Get(const std::string& url) {
        HttpRequest request;
        request.url = url;
        TryControl control;
        control.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        return transport->Send(request, control).status;
    }

    // The failure of GET `url`, or nullopt when it got an answer.
    std::optional<TransportFailure> Failure(const std::string& url) {
        try {
            Get(url);
        } catch (const TransportError& e) {
            return e.kind();
        }
        return std::nullopt;
    }

    std::vector<std::string> Asked() {
        const std::lock_guard lock(mutex);
        return asked;
    }

    EndpointPolicy policy;
    std::mutex mutex;
    std::vector<std::string> asked;
    std::shared_ptr<CurlTransport> transport;
};

LoopbackResponse Ok(const LoopbackRequest& /*request*/) {
    return {200, {}, "inside"};
}

// Spellings of 127.0.0.1 that URL parsers (libcurl's among them) accept for the loopback server.
std::vector<std::string> LoopbackSpellings(int port) {
    const std::string p = ":" + std::to_string(port);
    return {"http://127.0.0.1" + p,       "http://127.1" + p,
            "http://0x7f000001" + p,      "http://2130706433" + p,
            "http://0177.0.0.1" + p,      "http://127.000.000.001" + p,
            "http://0x7f.0.0.1" + p,      "http://[::ffff:127.0.0.1]" + p,
            "http://[::ffff:7f00:1]" + p, "http://localhost" + p,
            "http://LOCALHOST" + p};
}

TEST(SsrfTransport, RefusesEverySpellingOfLoopbackBeforeConnecting) {
    LoopbackHttpServer inside(Ok);
    FilteredTransport strict(false);
    for (const auto& url : LoopbackSpellings(inside.port())) {
        EXPECT_EQ(strict.Failure(url), TransportFailure::kForbiddenAddress) << url;
    }
    EXPECT_EQ(strict.Failure("http://[::1]:" + std::to_string(inside.port())),
              TransportFailure::kForbiddenAddress);
    EXPECT_EQ(inside.connections(), 0);
    // The filter judged the address libcurl was about to connect to, not the URL's text.
    for (const auto& address : strict.Asked()) {
        EXPECT_TRUE(address == "127.0.0.1" || address == "::1" || address == "::ffff:127.0.0.1")
            << address;
    }
    EXPECT_GE(strict.Asked().size(), LoopbackSpellings(inside.port()).size());
}

TEST(SsrfTransport, RefusesPrivateLinkLocalAndMetadataAddressesInBothModes) {
    for (const bool loopback : {false, true}) {
        FilteredTransport transport(loopback);
        for (const char* url :
             {"http://169.254.169.254/latest/meta-data/", "http://0xa9fea9fe/",
              "http://2852039166/", "http://[::ffff:169.254.169.254]/", "http://[fd00:ec2::254]/",
              "http://10.0.0.1/", "http://172.16.0.1/", "http://192.168.0.1/",
              "http://100.100.100.200/", "http://0.0.0.0:1/", "http://0:1/", "http://[::]:1/",
              "http://[fe80::1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://224.0.0.1/"}) {
            const auto failure = transport.Failure(url);
            // An address libcurl cannot even try (an unspecified one) fails to connect; every
            // other one is stopped by the filter before a packet leaves.
            if (std::string_view(url).find("[fe80") != std::string_view::npos) {
                EXPECT_TRUE(failure == TransportFailure::kForbiddenAddress ||
                            failure == TransportFailure::kConnect)
                    << url;
            } else {
                EXPECT_EQ(failure, TransportFailure::kForbiddenAddress) << url << " " << loopback;
            }
        }
    }
}

TEST(SsrfTransport, ANameThatResolvesInsideIsRefusedAtConnectTime) {
    LoopbackHttpServer inside(Ok);
    const std::string port = std::to_string(inside.port());
    FilteredTransport strict(false);
    EXPECT_EQ(strict.Failure("http://localhost:" + port), TransportFailure::kForbiddenAddress);
    const std::string own = testing::InsideHostName();
    if (!own.empty()) {
        EXPECT_EQ(strict.Failure("http://" + own + ":" + port),
                  TransportFailure::kForbiddenAddress);
    }
    EXPECT_EQ(inside.connections(), 0);

    // With loopback allowed (development), the same names reach the loopback server.
    FilteredTransport dev(true);
    EXPECT_EQ(dev.Get("http://localhost:" + port), 200);
    if (!own.empty() && own != "localhost") EXPECT_EQ(dev.Get("http://" + own + ":" + port), 200);
    EXPECT_GE(inside.connections(), 1);
}

TEST(SsrfTransport, LoopbackModeAllowsOnlyLoopback) {
    LoopbackHttpServer inside(Ok);
    FilteredTransport dev(true);
    for (const auto& url : LoopbackSpellings(inside.port())) {
        EXPECT_EQ(dev.Get(url), 200) << url;
    }
    EXPECT_EQ(inside.requests(), static_cast<int>(LoopbackSpellings(inside.port()).size()));
}

// A redirect answer for every request, to `location`; counts what the target receives.
struct Redirector {
    Redirector(int status, std::string location)
        : server([status, location](const LoopbackRequest&) {
              LoopbackResponse response{status, {{"Location", location}}, "moved"};
              return response;
          }) {}
    LoopbackHttpServer server;
};

TEST(SsrfTransport, NeverFollowsARedirect) {
    LoopbackHttpServer target(Ok);
    const std::string elsewhere = target.url() + "/secret";
    FilteredTransport dev(true);  // the target itself would be reachable
    for (const int status : {301, 302, 303, 307, 308}) {
        Redirector redirector(status, elsewhere);
        EXPECT_EQ(dev.Get(redirector.server.url() + "/devstoreaccount1?comp=list"), status);
        Redirector metadata(status, "http://169.254.169.254/latest/meta-data/iam/");
        EXPECT_EQ(dev.Get(metadata.server.url() + "/x"), status);
        EXPECT_EQ(redirector.server.requests(), 1);
    }
    EXPECT_EQ(target.connections(), 0);
    // Only the redirectors' own address was ever asked about: no Location was resolved.
    for (const auto& address : dev.Asked()) EXPECT_EQ(address, "127.0.0.1");
}

TEST(SsrfTransport, AStorageCallOnARedirectFailsWithoutFollowingOrRetrying) {
    LoopbackHttpServer target(Ok);
    Redirector redirector(307, target.url() + "/devstoreaccount1");
    FilteredTransport dev(true);
    ClientOptions options;
    options.transport = dev.transport;
    const BlobClient client(redirector.server.url() + "/devstoreaccount1",
                            std::make_shared<AccountKeyCredential>(SharedKeyCredential(
                                "devstoreaccount1", std::string(kDevelopmentAccountKey))),
                            options);
    try {
        client.ListContainers();
        ADD_FAILURE() << "a redirect was taken for an answer";
    } catch (const StorageError& e) {
        EXPECT_EQ(e.status(), 307);
        EXPECT_EQ(e.reason(), "azure_error");
    }
    EXPECT_EQ(redirector.server.requests(), 1);
    EXPECT_EQ(target.connections(), 0);
}

TEST(SsrfTransport, AServicePrincipalSecretIsNotCarriedAlongARedirect) {
    std::mutex mutex;
    std::string seen;
    LoopbackHttpServer target([&](const LoopbackRequest& request) {
        const std::lock_guard lock(mutex);
        seen += request.body;
        return LoopbackResponse{200, {}, R"({"access_token":"t","expires_in":3600})"};
    });
    Redirector authority(307, target.url() + "/tenant/oauth2/v2.0/token");
    FilteredTransport dev(true);
    ServicePrincipalOptions sp;
    sp.authority_host = authority.server.url();
    sp.tenant_id = "tenant";
    sp.client_id = "client";
    sp.client_secret = "sp-secret-never-forwarded";
    RetryOptions retry;
    retry.max_retries = 0;
    ClientSecretTokenSource source(sp, dev.transport, retry);
    EXPECT_THROW(source.GetToken({}), core::Error);
    EXPECT_EQ(authority.server.requests(), 1);
    EXPECT_EQ(target.connections(), 0);
    const std::lock_guard lock(mutex);
    EXPECT_EQ(seen, "");
}

TEST(SsrfTransport, IgnoresProxiesFromTheEnvironment) {
    LoopbackHttpServer proxy([](const LoopbackRequest&) {
        return LoopbackResponse{200, {}, "proxied"};
    });
    LoopbackHttpServer direct(Ok);
    for (const char* variable :
         {"http_proxy", "HTTP_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}) {
        ::setenv(variable, proxy.url().c_str(), 1);
    }
    ::setenv("NO_PROXY", "", 1);
    FilteredTransport dev(true);
    const int status = dev.Get(direct.url() + "/x");
    for (const char* variable :
         {"http_proxy", "HTTP_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY"}) {
        ::unsetenv(variable);
    }
    EXPECT_EQ(status, 200);
    EXPECT_EQ(direct.requests(), 1);
    EXPECT_EQ(proxy.connections(), 0);
}

}  // namespace
}  // namespace cerulean::azure
