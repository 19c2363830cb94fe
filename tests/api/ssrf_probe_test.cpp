// Server-side request forgery through the API (issue 13, OWASP API7): a user names the storage
// endpoint (the endpoint field, a connection string's BlobEndpoint or EndpointSuffix, a full SAS
// URL), so every spelling of a loopback, private, link-local or metadata address, and every host
// outside the allowed storage suffixes, must be refused when the connection is saved, and again
// when it is used: a name that resolves inside, an endpoint saved under wider settings, a
// redirect. Both modes: production (the default) and development (loopback allowed).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "api/api_fixture.hpp"
#include "azure/inside_host.hpp"
#include "azure/loopback_http_server.hpp"

namespace cerulean::testing {
namespace {

using azure::testing::LoopbackHttpServer;
using azure::testing::LoopbackRequest;
using azure::testing::LoopbackResponse;

constexpr std::string_view kBase = "/api/v1/azure_blob/connections";
const std::string kKey = "c3NyZi1wcm9iZS1hY2NvdW50LWtleS1ub3QtcmVhbA==";  // base64, not Azure's
const std::string kJwtSecret(48, 'j');

// Spellings that must never be a storage endpoint, in either mode.
const std::vector<std::string>& Forbidden() {
    static const std::vector<std::string> kSpellings{
        // Loopback other than its plain spelling.
        "https://127.1", "https://0x7f000001", "https://2130706433", "https://0177.0.0.1",
        "https://127.000.000.001", "https://0x7f.0.0.1", "https://[::ffff:127.0.0.1]",
        "https://[::ffff:7f00:1]", "https://[0:0:0:0:0:0:0:1]",
        "http://127.1:10000/devstoreaccount1", "http://[::ffff:127.0.0.1]:10000/devstoreaccount1",
        "https://localhost.", "http://localhost.:10000/devstoreaccount1",
        "https://127.0.0.1.nip.io",
        // "This host", private, shared, link-local, metadata.
        "https://0.0.0.0", "https://0", "https://[::]", "http://0.0.0.0:10000/devstoreaccount1",
        "https://169.254.169.254", "https://169.254.169.254/latest/meta-data", "https://0xa9fea9fe",
        "https://2852039166", "https://[::ffff:169.254.169.254]", "https://[fd00:ec2::254]",
        "https://[fe80::1]", "https://[fe80::1%25eth0]", "https://10.0.0.1", "https://172.16.0.1",
        "https://192.168.0.1", "https://100.100.100.200", "https://[64:ff9b::a9fe:a9fe]",
        "https://metadata.google.internal", "https://metadata", "http://169.254.169.254",
        // Allowed suffixes followed by more labels, or hidden in other parts of the URL.
        "https://acct.blob.core.windows.net.evil.example",
        "https://acct.blob.core.windows.net.127.0.0.1.nip.io",
        "https://ACCT.BLOB.CORE.WINDOWS.NET.evil.example", "https://blob.core.windows.net",
        "https://acct.blob.core.windows.net@127.0.0.1",
        "https://acct.blob.core.windows.net:443@169.254.169.254",
        "https://127.0.0.1\\.blob.core.windows.net", "https://127.0.0.1%2f.blob.core.windows.net",
        "https://127.0.0.1%00.blob.core.windows.net", "https://127.0.0.1 .blob.core.windows.net",
        "https://acct.blob.core.windows.net:443:80", "https://evil.example/.blob.core.windows.net",
        "https://acct.blob.core.windows\xE3\x80\x82net",
        // Not https, not a URL.
        "http://acct.blob.core.windows.net", "ftp://acct.blob.core.windows.net",
        "gopher://127.0.0.1:6379/_INFO", "file:///etc/passwd", "//127.0.0.1", "127.0.0.1",
        "https://127.0.0.1#.blob.core.windows.net", "https://127.0.0.1?.blob.core.windows.net"};
    return kSpellings;
}

// The plain loopback spellings: refused in production, allowed in development.
const std::vector<std::string>& PlainLoopback() {
    static const std::vector<std::string> kSpellings{"http://127.0.0.1:10000/devstoreaccount1",
                                                     "https://127.0.0.1",
                                                     "http://127.0.0.2:10000/devstoreaccount1",
                                                     "http://localhost:10000/devstoreaccount1",
                                                     "https://LocalHost:443",
                                                     "https://[::1]:10000/devstoreaccount1"};
    return kSpellings;
}

// Whether a connection string's parser takes `spelling` as a URL at all (an http(s) URL
// without query or fragment); other spellings make the connection string itself invalid.
bool IsHttpUrl(std::string_view spelling) {
    return (spelling.starts_with("https://") || spelling.starts_with("http://")) &&
           spelling.find_first_of("?# ") == std::string_view::npos;
}

class SsrfProbeTest : public ApiTest {
 protected:
    void Configure(api::AppOptions& options) override {
        options.jwt_secret = kJwtSecret;
        options.connections.endpoints = policy_;
        options.connections.test_timeout = std::chrono::seconds(10);
    }

    void SetUp() override {
        ApiTest::SetUp();
        alice_ = SignUp("alice@x.io");
    }

    // The app again over the same database with `policy`: another server, or this one
    // restarted with other settings. It replaces the current one.
    void Restart(const azure::EndpointPolicy& policy) {
        api::AppOptions options;
        options.password = {1, 8U << 10U, 4096};
        options.master_keys = {{"k1", std::string(32, 'k')}};
        options.jwt_secret = kJwtSecret;
        options.connections.endpoints = policy;
        options.connections.test_timeout = std::chrono::seconds(10);
        app_.reset();
        app_ = std::make_unique<api::App>(options, db_, pool_);
    }

    // Creates a connection from `body`, under a name of its own.
    ApiResponse Create(boost::json::object body) {
        body["name"] = "probe " + std::to_string(++created_);
        return Json("POST", std::string(kBase), body, alice_);
    }

    static boost::json::object KeyConnection(const std::string& endpoint) {
        return {{"name", "probe"},
                {"auth_type", "account_key"},
                {"account_name", "acct"},
                {"endpoint", endpoint},
                {"credentials", {{"account_key", kKey}}}};
    }

    static boost::json::object StringConnection(const std::string& connection_string) {
        return {{"name", "probe"},
                {"auth_type", "connection_string"},
                {"credentials", {{"connection_string", connection_string}}}};
    }

    std::string Path(std::int64_t id, std::string_view suffix = "") const {
        return std::string(kBase) + "/" + std::to_string(id) + std::string(suffix);
    }

    // Expects a 422 `code` that does not echo the key, for `what`.
    static void ExpectRefused(const ApiResponse& response, std::string_view code,
                              const std::string& what) {
        EXPECT_EQ(response.status, 422) << what << ": " << response.body;
        if (response.json.is_object())
            EXPECT_EQ(response["code"], boost::json::string(code)) << what;
        EXPECT_EQ(response.body.find(kKey), std::string::npos) << what;
    }

    // Expects connection `id` to be refused when a listing or a test would reach its storage.
    void ExpectRefusedWhenUsed(std::int64_t id) {
        const auto listed = Call("GET", Path(id, "/containers"), {}, alice_);
        EXPECT_EQ(listed.status, 422) << listed.body;
        EXPECT_EQ(listed["code"], "endpoint_not_allowed") << listed.body;
        const auto tested = Call("POST", Path(id, "/test"), {}, alice_);
        EXPECT_EQ(tested.status, 200);
        EXPECT_EQ(tested["ok"], false);
        EXPECT_EQ(tested["code"], "endpoint_not_allowed") << tested.body;
    }

    // A storage endpoint inside that answers every request with an empty listing.
    static LoopbackResponse EmptyListing(const LoopbackRequest& /*request*/) {
        return {200, {}, "<EnumerationResults/>"};
    }

    std::int64_t Connections() {
        return Call("GET", std::string(kBase), {}, alice_)["total"].as_int64();
    }

    azure::EndpointPolicy policy_;
    std::string alice_;
    int created_ = 0;
};

class DevSsrfProbeTest : public SsrfProbeTest {
 protected:
    DevSsrfProbeTest() { policy_.allow_loopback = true; }
};

TEST_P(SsrfProbeTest, EveryForbiddenSpellingIsRefusedAsAnEndpoint) {
    const auto saved = Create(KeyConnection("https://acct.blob.core.windows.net"));
    ASSERT_EQ(saved.status, 201) << saved.body;
    const std::int64_t id = saved["id"].as_int64();
    std::vector<std::string> spellings = Forbidden();
    spellings.insert(spellings.end(), PlainLoopback().begin(), PlainLoopback().end());
    for (const auto& spelling : spellings) {
        ExpectRefused(Create(KeyConnection(spelling)), "endpoint_not_allowed", spelling);
        ExpectRefused(Create({{"name", "anon"},
                              {"auth_type", "anonymous"},
                              {"endpoint", spelling},
                              {"credentials", boost::json::object{}}}),
                      "endpoint_not_allowed", "anonymous " + spelling);
        ExpectRefused(Create({{"name", "sp"},
                              {"auth_type", "service_principal"},
                              {"account_name", "acct"},
                              {"endpoint", spelling},
                              {"credentials",
                               {{"tenant_id", "t"}, {"client_id", "c"}, {"client_secret", "s"}}}}),
                      "endpoint_not_allowed", "service principal " + spelling);
        ExpectRefused(Json("PATCH", Path(id), {{"endpoint", spelling}}, alice_),
                      "endpoint_not_allowed", "patch " + spelling);
        ExpectRefused(Json("PUT", Path(id), KeyConnection(spelling), alice_),
                      "endpoint_not_allowed", "put " + spelling);
    }
    EXPECT_EQ(Connections(), 1);
    EXPECT_EQ(Call("GET", Path(id), {}, alice_)["endpoint"], "https://acct.blob.core.windows.net");
}

TEST_P(SsrfProbeTest, EveryForbiddenSpellingIsRefusedInsideAConnectionString) {
    std::vector<std::string> spellings = Forbidden();
    spellings.insert(spellings.end(), PlainLoopback().begin(), PlainLoopback().end());
    for (const auto& spelling : spellings) {
        if (spelling.find(';') != std::string::npos) continue;
        const std::string text =
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + kKey +
            ";BlobEndpoint=" + spelling;
        ExpectRefused(Create(StringConnection(text)),
                      IsHttpUrl(spelling) ? "endpoint_not_allowed" : "invalid_connection_string",
                      "BlobEndpoint=" + spelling);
    }
    // Endpoints built from the protocol, the account and a hostile suffix.
    const std::string key = ";AccountKey=" + kKey;
    for (const auto& [text, code] : std::vector<std::pair<std::string, std::string>>{
             {"DefaultEndpointsProtocol=https;AccountName=acct" + key +
                  ";EndpointSuffix=core.windows.net.evil.example",
              "endpoint_not_allowed"},
             {"AccountName=acct" + key + ";EndpointSuffix=127.0.0.1", "endpoint_not_allowed"},
             {"AccountName=acct" + key + ";EndpointSuffix=localhost", "endpoint_not_allowed"},
             {"AccountName=acct" + key + ";EndpointSuffix=169.254.169.254:80",
              "endpoint_not_allowed"},
             {"AccountName=acct" + key + ";EndpointSuffix=internal", "endpoint_not_allowed"},
             {"AccountName=acct" + key + ";EndpointSuffix=core.windows.net@127.0.0.1",
              "invalid_connection_string"},
             {"AccountName=acct" + key + ";EndpointSuffix=core.windows.net/@127.0.0.1",
              "invalid_connection_string"},
             {"DefaultEndpointsProtocol=http;AccountName=acct" + key, "endpoint_not_allowed"},
             {"DefaultEndpointsProtocol=gopher;AccountName=acct" + key,
              "invalid_connection_string"},
             {"AccountName=127.0.0.1" + key, "invalid_connection_string"},
             {"AccountName=acct@169.254.169.254" + key, "invalid_connection_string"},
             {"UseDevelopmentStorage=true", "endpoint_not_allowed"},
             {"UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://169.254.169.254",
              "endpoint_not_allowed"},
             {"UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://10.0.0.1",
              "endpoint_not_allowed"}}) {
        ExpectRefused(Create(StringConnection(text)), code, text);
    }
    // A harmless connection string with a hostile endpoint field beside it.
    auto body = StringConnection("AccountName=acct" + key);
    body["endpoint"] = "https://169.254.169.254";
    ExpectRefused(Create(body), "validation_error", "endpoint beside a connection string");
    EXPECT_EQ(Connections(), 0);
}

TEST_P(SsrfProbeTest, AFullSasUrlCannotNameAForbiddenHost) {
    const std::string sas = "?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig=" +
                            std::string("c3NyZi1zaWduYXR1cmU%3D");
    std::vector<std::string> spellings = Forbidden();
    spellings.insert(spellings.end(), PlainLoopback().begin(), PlainLoopback().end());
    for (const auto& spelling : spellings) {
        if (!IsHttpUrl(spelling)) continue;
        const auto response = Create({{"name", "sas"},
                                      {"auth_type", "sas_token"},
                                      {"credentials", {{"sas_token", spelling + "/docs" + sas}}}});
        ExpectRefused(response, "endpoint_not_allowed", "SAS URL on " + spelling);
        EXPECT_EQ(response.body.find("c3NyZi1zaWduYXR1cmU"), std::string::npos) << spelling;
    }
    EXPECT_EQ(Connections(), 0);
}

TEST_P(DevSsrfProbeTest, DevelopmentModeAllowsThePlainLoopbackSpellingsOnly) {
    for (const auto& spelling : PlainLoopback()) {
        const auto created = Create(KeyConnection(spelling));
        EXPECT_EQ(created.status, 201) << spelling << ": " << created.body;
    }
    EXPECT_EQ(Create(StringConnection("UseDevelopmentStorage=true")).status, 201);
    for (const auto& spelling : Forbidden()) {
        ExpectRefused(Create(KeyConnection(spelling)), "endpoint_not_allowed", spelling);
        if (spelling.find(';') != std::string::npos) continue;
        ExpectRefused(Create(StringConnection("AccountName=acct;AccountKey=" + kKey +
                                              ";BlobEndpoint=" + spelling)),
                      IsHttpUrl(spelling) ? "endpoint_not_allowed" : "invalid_connection_string",
                      "BlobEndpoint=" + spelling);
    }
    ExpectRefused(
        Create(StringConnection(
            "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://169.254.169.254")),
        "endpoint_not_allowed", "emulator behind the metadata address");
    EXPECT_EQ(Connections(), static_cast<std::int64_t>(PlainLoopback().size()) + 1);
}

// An allowed storage name whose address is inside must be refused where the request connects:
// the name is checked when saved, its address only when used.
TEST_P(SsrfProbeTest, ANameThatResolvesInsideIsRefusedWhenUsed) {
    const std::string own = azure::testing::InsideHostName();
    if (own.size() < 2) GTEST_SKIP() << "this machine's name does not resolve to an inside address";
    LoopbackHttpServer inside(EmptyListing);
    // The allow list takes the name (the suffix rule wants a longer host than the suffix).
    azure::EndpointPolicy policy;
    policy.allowed_suffixes = {own.substr(1)};
    Restart(policy);
    const auto created = Create(KeyConnection("https://" + own + ":" +
                                              std::to_string(inside.port()) + "/devstoreaccount1"));
    ASSERT_EQ(created.status, 201) << created.body;
    const std::int64_t id = created["id"].as_int64();

    ExpectRefusedWhenUsed(id);
    EXPECT_EQ(inside.connections(), 0);
}

TEST_P(SsrfProbeTest, AStoredEndpointIsCheckedAgainstTheCurrentSettingsWhenUsed) {
    LoopbackHttpServer inside(EmptyListing);
    // Saved while the settings were wider: loopback allowed, one more suffix.
    azure::EndpointPolicy wide;
    wide.allow_loopback = true;
    wide.allowed_suffixes.push_back(".storage.example.test");
    Restart(wide);
    const auto loopback = Create(KeyConnection(inside.url() + "/devstoreaccount1"));
    ASSERT_EQ(loopback.status, 201) << loopback.body;
    const auto other = Create(KeyConnection("https://acct.storage.example.test"));
    ASSERT_EQ(other.status, 201) << other.body;

    Restart(azure::EndpointPolicy{});
    ExpectRefusedWhenUsed(loopback["id"].as_int64());
    ExpectRefusedWhenUsed(other["id"].as_int64());
    EXPECT_EQ(inside.connections(), 0);
}

TEST_P(DevSsrfProbeTest, ARedirectingStorageEndpointIsNotFollowed) {
    LoopbackHttpServer target(EmptyListing);
    for (const std::string location :
         {target.url() + "/devstoreaccount1?comp=list", std::string("http://169.254.169.254/")}) {
        LoopbackHttpServer redirector([location](const LoopbackRequest&) {
            return LoopbackResponse{302, {{"Location", location}}, "moved"};
        });
        const auto created = Create(KeyConnection(redirector.url() + "/devstoreaccount1"));
        ASSERT_EQ(created.status, 201) << created.body;
        const std::int64_t id = created["id"].as_int64();
        const auto listed = Call("GET", Path(id, "/containers"), {}, alice_);
        EXPECT_EQ(listed.status, 502) << listed.body;
        EXPECT_EQ(listed["code"], "azure_error") << listed.body;
        EXPECT_EQ(listed.body.find("169.254"), std::string::npos) << listed.body;
        const auto tested = Call("POST", Path(id, "/test"), {}, alice_);
        EXPECT_EQ(tested["ok"], false) << tested.body;
        EXPECT_EQ(redirector.requests(), 2);
        ASSERT_EQ(Call("DELETE", Path(id), {}, alice_).status, 204);
    }
    EXPECT_EQ(target.connections(), 0);
}

INSTANTIATE_TEST_SUITE_P(Dialects, SsrfProbeTest, ::testing::Values(store::Dialect::kSqlite),
                         DialectName);
INSTANTIATE_TEST_SUITE_P(Dialects, DevSsrfProbeTest, ::testing::Values(store::Dialect::kSqlite),
                         DialectName);

}  // namespace
}  // namespace cerulean::testing
