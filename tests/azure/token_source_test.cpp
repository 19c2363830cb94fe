#include "azure/token_source.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "azure/credential.hpp"
#include "azure/fake_transport.hpp"
#include "azure/url.hpp"
#include "core/error.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::azure {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Respond;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kSecret = "s3cr3t+/=value";

HttpResponse TokenAnswer(const std::string& token, int expires_in = 3599) {
    return Respond(200, {{"Content-Type", "application/json"}},
                   R"({"token_type":"Bearer","expires_in":)" + std::to_string(expires_in) +
                       R"(,"ext_expires_in":3599,"access_token":")" + token + "\"}");
}

ServicePrincipalOptions Options() {
    ServicePrincipalOptions options;
    options.authority_host = "https://login.example.com/";
    options.tenant_id = "tenant-1";
    options.client_id = "client-1";
    options.client_secret = std::string(kSecret);
    return options;
}

RetryOptions Fast() {
    RetryOptions retry;
    retry.base_delay = milliseconds(1);
    retry.max_delay = milliseconds(2);
    return retry;
}

TEST(ClientSecretTokenSource, PostsTheClientCredentialsGrant) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return TokenAnswer("tok-1"); });
    const ClientSecretTokenSource source(Options(), transport, Fast());
    EXPECT_EQ(source.GetToken({}), "tok-1");

    const auto request = transport->requests().at(0);
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.url, "https://login.example.com/tenant-1/oauth2/v2.0/token");
    EXPECT_EQ(request.Header("Content-Type"), "application/x-www-form-urlencoded");
    EXPECT_TRUE(request.Header("x-ms-version").empty());
    std::map<std::string, std::string> form;
    for (const auto& parameter : ParseQuery(request.body)) form[parameter.name] = parameter.value;
    EXPECT_EQ(form["grant_type"], "client_credentials");
    EXPECT_EQ(form["client_id"], "client-1");
    EXPECT_EQ(form["client_secret"], kSecret);
    EXPECT_EQ(form["scope"], "https://storage.azure.com/.default");
}

TEST(ClientSecretTokenSource, CachesTheTokenUntilFiveMinutesBeforeExpiry) {
    auto now = Clock::now();
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            return TokenAnswer("tok-" + std::to_string(call), 3600);
        });
    ServicePrincipalOptions options = Options();
    options.clock = [&] { return now; };
    const ClientSecretTokenSource source(options, transport, Fast());

    EXPECT_EQ(source.GetToken({}), "tok-1");
    now += seconds(3600 - 301);
    EXPECT_EQ(source.GetToken({}), "tok-1");
    EXPECT_EQ(transport->count(), 1U);
    now += seconds(2);  // now within five minutes of the end
    EXPECT_EQ(source.GetToken({}), "tok-2");
    EXPECT_EQ(source.GetToken({}), "tok-2");
    EXPECT_EQ(transport->count(), 2U);
}

TEST(ClientSecretTokenSource, RenewsShortLivedTokensAtHalfTheirLife) {
    auto now = Clock::now();
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            return TokenAnswer("tok-" + std::to_string(call), 300);
        });
    ServicePrincipalOptions options = Options();
    options.clock = [&] { return now; };
    const ClientSecretTokenSource source(options, transport, Fast());
    EXPECT_EQ(source.GetToken({}), "tok-1");
    now += seconds(149);
    EXPECT_EQ(source.GetToken({}), "tok-1");
    now += seconds(2);
    EXPECT_EQ(source.GetToken({}), "tok-2");
}

TEST(ClientSecretTokenSource, FetchesOnceForManyConcurrentCallers) {
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int) {
            std::this_thread::sleep_for(milliseconds(50));
            return TokenAnswer("shared");
        });
    const ClientSecretTokenSource source(Options(), transport, Fast());
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            if (source.GetToken({}) == "shared") ++ok;
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(ok.load(), 8);
    EXPECT_EQ(transport->count(), 1U);
}

TEST(ClientSecretTokenSource, ReportsARefusalWithoutTheSecret) {
    auto transport = std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&,
                                                        int) {
        return Respond(
            401, {},
            R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})");
    });
    const ClientSecretTokenSource source(Options(), transport, Fast());
    try {
        source.GetToken({});
        FAIL();
    } catch (const core::Error& error) {
        EXPECT_EQ(error.code(), core::ErrorCode::kPermissionDenied);
        EXPECT_EQ(error.reason(), "azure_auth_failed");
        EXPECT_THAT(error.what(), HasSubstr("invalid_client"));
        EXPECT_THAT(error.what(), HasSubstr("AADSTS7000215"));
        EXPECT_THAT(error.what(), Not(HasSubstr(std::string(kSecret))));
    }
    EXPECT_EQ(transport->count(), 1U) << "a refusal is not retried";
}

TEST(ClientSecretTokenSource, RetriesAnUnavailableEndpoint) {
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            return call < 3 ? Respond(503) : TokenAnswer("late");
        });
    const ClientSecretTokenSource source(Options(), transport, Fast());
    EXPECT_EQ(source.GetToken({}), "late");
}

TEST(ClientSecretTokenSource, ReportsAnUnreachableEndpoint) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) -> HttpResponse {
            throw TransportError(TransportFailure::kConnect, "Connection refused");
        });
    RetryOptions retry = Fast();
    retry.max_retries = 1;
    const ClientSecretTokenSource source(Options(), transport, retry);
    try {
        source.GetToken({});
        FAIL();
    } catch (const core::Error& error) {
        EXPECT_EQ(error.reason(), "azure_unreachable");
    }
}

TEST(ClientSecretTokenSource, RequiresHttpsExceptOnLoopback) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return TokenAnswer("x"); });
    ServicePrincipalOptions options = Options();
    options.authority_host = "http://login.example.com";
    EXPECT_THROW(ClientSecretTokenSource(options, transport), core::Error);
    options.authority_host = "http://127.0.0.1:8080";
    EXPECT_EQ(ClientSecretTokenSource(options, transport).token_url(),
              "http://127.0.0.1:8080/tenant-1/oauth2/v2.0/token");
}

TEST(ClientSecretTokenSource, NamesAMissingFieldButNeverTheSecret) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return TokenAnswer("x"); });
    ServicePrincipalOptions options = Options();
    options.tenant_id.clear();
    try {
        ClientSecretTokenSource source(options, transport);
        FAIL();
    } catch (const core::Error& error) {
        EXPECT_EQ(error.code(), core::ErrorCode::kInvalidArgument);
        EXPECT_THAT(error.what(), HasSubstr("tenant_id"));
        EXPECT_THAT(error.what(), Not(HasSubstr(std::string(kSecret))));
    }
}

TEST(ClientSecretTokenSource, EncodesTheTenantAsOnePathSegment) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return TokenAnswer("x"); });
    ServicePrincipalOptions options = Options();
    options.tenant_id = "../evil?x";
    EXPECT_EQ(ClientSecretTokenSource(options, transport).token_url(),
              "https://login.example.com/..%2Fevil%3Fx/oauth2/v2.0/token");
}

TEST(TokenResponse, ParsesNumbersAndStrings) {
    auto parsed =
        ParseTokenResponse(R"({"token_type":"Bearer","expires_in":3599,"access_token":"a.b.c"})");
    EXPECT_EQ(parsed.access_token, "a.b.c");
    EXPECT_EQ(parsed.expires_in, seconds(3599));
    parsed = ParseTokenResponse(R"({"token_type":"bearer","expires_in":"120","access_token":"t"})");
    EXPECT_EQ(parsed.expires_in, seconds(120));
}

TEST(TokenResponse, RejectsMalformedAnswersWithoutEchoingThem) {
    for (const char* body : {"", "not json", "[]", R"({"expires_in":10})",
                             R"({"access_token":"SECRETTOKEN","token_type":"mac","expires_in":1})",
                             R"({"access_token":"SECRETTOKEN"})",
                             R"({"access_token":"SECRETTOKEN","expires_in":"soon"})"}) {
        try {
            ParseTokenResponse(body);
            FAIL() << body;
        } catch (const core::Error& error) {
            EXPECT_EQ(error.reason(), "malformed_token_response");
            EXPECT_THAT(error.what(), Not(HasSubstr("SECRETTOKEN")));
        }
    }
}

TEST(StaticTokenSource, ReturnsTheTokenAsGiven) {
    const StaticTokenSource source("eyJ.user.token");
    EXPECT_EQ(source.GetToken({}), "eyJ.user.token");
    EXPECT_THROW(StaticTokenSource(""), core::Error);
}

// A JWT (unsigned: only its claims matter here) whose payload is `claims`, base64url-encoded.
std::string Jwt(const std::string& claims) {
    std::string payload = crypto::Base64Encode(claims);
    for (char& c : payload) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    while (!payload.empty() && payload.back() == '=') payload.pop_back();
    return "eyJhbGciOiJSUzI1NiJ9." + payload + ".c2ln";
}

TEST(JwtExpiry, ReadsTheExpClaimOfAJwt) {
    EXPECT_EQ(JwtExpiry(Jwt(R"({"aud":"https://storage.azure.com","exp":1800000000})")),
              1'800'000'000'000);
    EXPECT_EQ(JwtExpiry(Jwt(R"({"exp":1800000000.5})")), 1'800'000'000'500);
    EXPECT_FALSE(JwtExpiry(Jwt(R"({"aud":"x"})")));
    EXPECT_FALSE(JwtExpiry(Jwt(R"({"exp":"soon"})")));
    EXPECT_FALSE(JwtExpiry("opaque-token"));
    EXPECT_FALSE(JwtExpiry("a.!!!.b"));
}

TEST(StaticTokenSource, AnExpiredTokenIsRefusedWithAMessageThatSaysSo) {
    const std::string token = Jwt(R"({"exp":1000000000})");  // 2001
    const StaticTokenSource source(token);
    try {
        (void)source.GetToken({});
        FAIL() << "an expired token was handed out";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), core::ErrorCode::kPermissionDenied);
        EXPECT_EQ(e.reason(), "azure_auth_failed");
        EXPECT_THAT(e.what(), ::testing::HasSubstr("access token expired at 2001-09-09T01:46:40Z"));
        EXPECT_EQ(std::string(e.what()).find(token), std::string::npos);
    }
    const StaticTokenSource fresh(Jwt(R"({"exp":4000000000})"));
    EXPECT_FALSE(fresh.GetToken({}).empty());
}

TEST(SasCredential, AnExpiredSasIsRefusedWithAMessageThatSaysSo) {
    const SasCredential expired("sv=2023-11-03&se=2001-09-09T01%3A46%3A40Z&sr=c&sp=rl&sig=c2ln");
    EXPECT_EQ(expired.expires_at(), 1'000'000'000'000);
    HttpRequest request;
    request.url = "https://acct.blob.core.windows.net/c?comp=list";
    try {
        expired.Authorize(request, {});
        FAIL() << "an expired SAS was sent";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.reason(), "azure_auth_failed");
        EXPECT_THAT(e.what(), ::testing::HasSubstr("SAS token expired at 2001-09-09T01:46:40Z"));
        EXPECT_EQ(std::string(e.what()).find("sig="), std::string::npos);
    }
    const SasCredential valid("sv=2023-11-03&se=2096-01-01T00%3A00%3A00Z&sr=c&sp=rl&sig=c2ln");
    valid.Authorize(request, {});
    EXPECT_THAT(request.url, ::testing::HasSubstr("sig=c2ln"));
    const SasCredential undated("sv=2023-11-03&sr=c&sp=rl&sig=c2ln");  // a stored access policy's
    EXPECT_FALSE(undated.expires_at());
}

}  // namespace
}  // namespace cerulean::azure
