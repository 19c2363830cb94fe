// Connections (shared/API.md "Connections"), on SQLite and PostgreSQL, tested against Azurite.

#include "api/api_fixture.hpp"
#include "azure/sas.hpp"
#include "support/net.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

constexpr std::string_view kBase = "/api/v1/azure_blob/connections";
const std::string kKey(AzuriteServer::kAccountKey);

class ConnectionApiTest : public ApiTest {
 protected:
    void SetUp() override {
        ApiTest::SetUp();
        alice_ = SignUp("alice@x.io");
        bob_ = SignUp("bob@x.io");
    }

    boost::json::object KeyConnection(const std::string& name) {
        return {{"name", name},
                {"auth_type", "account_key"},
                {"account_name", "devstoreaccount1"},
                {"endpoint", SharedAzurite().blob_endpoint()},
                {"credentials", {{"account_key", kKey}}}};
    }

    std::string Path(std::int64_t id, std::string_view suffix = "") {
        return std::string(kBase) + "/" + std::to_string(id) + std::string(suffix);
    }

    std::int64_t Create(const boost::json::object& body, const std::string& token) {
        const auto created = Json("POST", std::string(kBase), body, token);
        EXPECT_EQ(created.status, 201) << created.body;
        return created.status == 201 ? created["id"].as_int64() : 0;
    }

    std::string alice_;
    std::string bob_;
};

TEST_P(ConnectionApiTest, CreatesReadsListsAndNeverShowsSecrets) {
    auto body = KeyConnection("Work Storage");
    body["container_name"] = "docs";
    body["sync_preferences"] = {{"default_direction", "download"}, {"interval_seconds", 3600}};
    const auto created = Json("POST", std::string(kBase), body, alice_);
    ASSERT_EQ(created.status, 201) << created.body;
    for (const char* field :
         {"id", "user_id", "name", "auth_type", "account_name", "endpoint", "container_name",
          "is_active", "sync_preferences", "created_at", "updated_at"}) {
        EXPECT_TRUE(created.json.as_object().contains(field)) << field;
    }
    EXPECT_EQ(created.json.as_object().size(), 11U);
    EXPECT_EQ(created["sync_preferences"].as_object().at("interval_seconds"), 3600);
    const auto id = created["id"].as_int64();
    const auto got = Call("GET", Path(id), {}, alice_);
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got["name"], "Work Storage");
    const auto list = Call("GET", std::string(kBase), {}, alice_);
    EXPECT_EQ(list["total"], 1);
    for (const auto* response : {&created, &got, &list}) {
        EXPECT_EQ(response->body.find(kKey), std::string::npos);
        EXPECT_EQ(response->body.find("credentials"), std::string::npos);
    }
}

TEST_P(ConnectionApiTest, AnotherUsersConnectionIsNotFoundOnEveryRoute) {
    const auto id = Create(KeyConnection("Mine"), alice_);
    const std::vector<std::pair<std::string, std::string>> routes{
        {"GET", Path(id)},    {"PATCH", Path(id)},         {"PUT", Path(id)},
        {"DELETE", Path(id)}, {"POST", Path(id, "/test")},
    };
    for (const auto& [method, path] : routes) {
        const std::string body = method == "PATCH" || method == "PUT"
                                     ? boost::json::serialize(KeyConnection("Stolen"))
                                     : std::string{};
        const auto response = Call(method, path, body, bob_);
        EXPECT_EQ(response.status, 404) << method << " " << path << " " << response.body;
        EXPECT_EQ(response["code"], "connection_not_found") << method;
        const auto missing =
            Call(method, Path(id + 1000, path.ends_with("/test") ? "/test" : ""), body, alice_);
        EXPECT_EQ(missing.body, response.body) << "existence must not leak: " << method;
    }
    EXPECT_EQ(Call("GET", std::string(kBase), {}, bob_)["total"], 0);
    EXPECT_EQ(Call("GET", Path(id), {}, alice_)["name"], "Mine");
    EXPECT_EQ(Call("GET", Path(id)).status, 401);
}

TEST_P(ConnectionApiTest, ValidatesEveryFieldAndRefusesUnknownOnesAtEveryLevel) {
    auto expect_field = [&](boost::json::object body, const std::string& field) {
        const auto response = Json("POST", std::string(kBase), body, alice_);
        EXPECT_EQ(response.status, 422) << field << ": " << response.body;
        bool found = false;
        if (response.json.is_object() && response.json.as_object().contains("errors")) {
            for (const auto& e : response["errors"].as_array()) {
                found = found || e.as_object().at("field").as_string() == field;
            }
        }
        EXPECT_TRUE(found) << "expected an error on " << field << ": " << response.body;
    };
    auto body = KeyConnection("x");
    body["nmae"] = "typo";
    expect_field(body, "nmae");
    body = KeyConnection("x");
    body["credentials"].as_object()["acount_key"] = "typo";
    expect_field(body, "credentials.acount_key");
    body = KeyConnection("");
    expect_field(body, "name");
    body = KeyConnection(std::string(101, 'n'));
    expect_field(body, "name");
    body = KeyConnection("x");
    body["auth_type"] = "password";
    expect_field(body, "auth_type");
    body = KeyConnection("x");
    body["container_name"] = "Bad_Name";
    expect_field(body, "container_name");
    body = KeyConnection("x");
    body["credentials"] = boost::json::object{};
    expect_field(body, "credentials.account_key");
    body = KeyConnection("x");
    body.erase("endpoint");
    body["account_name"] = "Not-Valid";
    expect_field(body, "account_name");
    body = KeyConnection("x");
    body["sync_preferences"] = {{"blob", std::string(17 * 1024, 'p')}};
    expect_field(body, "sync_preferences");
    expect_field({{"name", "sp"},
                  {"auth_type", "service_principal"},
                  {"account_name", "acct"},
                  {"credentials", {{"tenant_id", "t"}, {"client_id", "c"}}}},
                 "credentials.client_secret");
}

TEST_P(ConnectionApiTest, RefusesEndpointsTheServerMustNotReach) {
    for (const char* endpoint : {"https://169.254.169.254", "http://acct.blob.core.windows.net",
                                 "https://evil.example.com", "https://10.0.0.8:443"}) {
        auto body = KeyConnection("x");
        body["endpoint"] = endpoint;
        const auto response = Json("POST", std::string(kBase), body, alice_);
        EXPECT_EQ(response.status, 422) << endpoint;
        EXPECT_EQ(response["code"], "endpoint_not_allowed") << endpoint;
    }
    const auto inside = Json(
        "POST", std::string(kBase),
        {{"name", "cs"},
         {"auth_type", "connection_string"},
         {"credentials",
          {{"connection_string", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" + kKey +
                                     ";BlobEndpoint=https://192.168.1.5/a"}}}},
        alice_);
    EXPECT_EQ(inside.status, 422);
    EXPECT_EQ(inside["code"], "endpoint_not_allowed");
    EXPECT_EQ(inside.body.find(kKey), std::string::npos);
}

TEST_P(ConnectionApiTest, NamesAreUniquePerUserAndStoredVerbatim) {
    const std::string tricky = "Robert'); DROP TABLE azure_blob_connections;-- \xF0\x9F\x92\xBE";
    const auto id = Create(KeyConnection(tricky), alice_);
    EXPECT_EQ(Call("GET", Path(id), {}, alice_)["name"].as_string(), tricky);
    const auto clash = Json("POST", std::string(kBase), KeyConnection(tricky), alice_);
    EXPECT_EQ(clash.status, 409);
    EXPECT_EQ(clash["code"], "connection_name_taken");
    EXPECT_EQ(Json("POST", std::string(kBase), KeyConnection(tricky), bob_).status, 201);
}

TEST_P(ConnectionApiTest, PatchChangesGivenFieldsAndPutReplacesAll) {
    auto body = KeyConnection("Work");
    body["container_name"] = "docs";
    const auto id = Create(body, alice_);
    const auto patched =
        Json("PATCH", Path(id), {{"name", "Renamed"}, {"is_active", false}}, alice_);
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(patched["name"], "Renamed");
    EXPECT_EQ(patched["container_name"], "docs");
    EXPECT_EQ(patched["is_active"], false);
    const auto type_change = Json("PATCH", Path(id), {{"auth_type", "anonymous"}}, alice_);
    EXPECT_EQ(type_change.status, 422);
    EXPECT_EQ(Json("PATCH", Path(id),
                   {{"auth_type", "anonymous"}, {"credentials", boost::json::object{}}}, alice_)
                  .status,
              200);
    const auto put = Json("PUT", Path(id), KeyConnection("Replaced"), alice_);
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(put["name"], "Replaced");
    EXPECT_EQ(put["container_name"], nullptr);
    EXPECT_EQ(put["is_active"], true);
    EXPECT_EQ(put["auth_type"], "account_key");
    EXPECT_EQ(Json("PUT", Path(id), {{"name", "no creds"}}, alice_).status, 422);
    EXPECT_EQ(Call("DELETE", Path(id), {}, alice_).status, 204);
    EXPECT_EQ(Call("GET", Path(id), {}, alice_).status, 404);
}

TEST_P(ConnectionApiTest, TestsEachAuthTypeAgainstAzurite) {
    auto& azurite = SharedAzurite();
    const auto ok = [&](std::int64_t id) {
        const auto result = Call("POST", Path(id, "/test"), {}, alice_);
        EXPECT_EQ(result.status, 200);
        EXPECT_EQ(result["ok"], true) << result.body;
        return result;
    };
    const auto key_result = ok(Create(KeyConnection("key"), alice_));
    EXPECT_TRUE(key_result["latency_ms"].is_int64());
    ok(Create({{"name", "cs"},
               {"auth_type", "connection_string"},
               {"credentials", {{"connection_string", azurite.connection_string()}}}},
              alice_));
    azure::AccountSasOptions sas;
    sas.permissions = "rl";
    sas.services = "b";
    sas.resource_types = "sco";
    sas.expires_on = core::NowMillis() + 3600 * 1000;
    const auto token =
        azure::GenerateAccountSas(azure::SharedKeyCredential("devstoreaccount1", kKey), sas).query;
    ok(Create({{"name", "sas"},
               {"auth_type", "sas_token"},
               {"account_name", "devstoreaccount1"},
               {"endpoint", azurite.blob_endpoint()},
               {"credentials", {{"sas_token", "?" + token}}}},
              alice_));
    auto wrong = KeyConnection("wrong key");
    wrong["credentials"] = {{"account_key", std::string(88 - 2, 'A') + "=="}};
    const auto failed = Call("POST", Path(Create(wrong, alice_), "/test"), {}, alice_);
    EXPECT_EQ(failed.status, 200);
    EXPECT_EQ(failed["ok"], false);
    EXPECT_EQ(failed["code"], "azure_auth_failed") << failed.body;
    auto closed = KeyConnection("closed port");
    closed["endpoint"] =
        "http://127.0.0.1:" + std::to_string(FreeLoopbackPort()) + "/devstoreaccount1";
    const auto unreachable = Call("POST", Path(Create(closed, alice_), "/test"), {}, alice_);
    EXPECT_EQ(unreachable["ok"], false);
    EXPECT_EQ(unreachable["code"], "azure_unreachable");
    const auto inactive = Create(KeyConnection("inactive"), alice_);
    Json("PATCH", Path(inactive), {{"is_active", false}}, alice_);
    const auto refused = Call("POST", Path(inactive, "/test"), {}, alice_);
    EXPECT_EQ(refused.status, 409);
    EXPECT_EQ(refused["code"], "connection_inactive");
}

class NoLoopbackTest : public ConnectionApiTest {
    void Configure(api::AppOptions& options) override {
        options.connections.endpoints.allow_loopback = false;
    }
};

TEST_P(NoLoopbackTest, RefusesTheEmulatorUnlessLoopbackIsAllowed) {
    const auto refused = Json("POST", std::string(kBase), KeyConnection("x"), alice_);
    EXPECT_EQ(refused.status, 422);
    EXPECT_EQ(refused["code"], "endpoint_not_allowed");
}

CERULEAN_ON_BOTH_DATABASES(ConnectionApiTest);
CERULEAN_ON_BOTH_DATABASES(NoLoopbackTest);

}  // namespace
}  // namespace cerulean::testing
