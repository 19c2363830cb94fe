// No secret at rest or in transit where it does not belong (issue 13, OWASP API3/API8): a real
// `cerulean serve` (SQLite, then PostgreSQL; debug logging) is driven through every kind of
// connection with secrets of the test's own making (account keys, connection strings, SAS
// tokens, a service principal's client secret and the token its identity platform returns, an
// Entra ID token, the user's password, the session token, download-link tokens, the server's
// own master key and token secret), used well and badly: listings, uploads, downloads, links,
// share links, copies, sync runs, wrong keys, forged signatures, validation errors that could
// echo what was sent. Then every log line the server wrote, every response it gave (headers and
// bodies), and the raw bytes of its database (the SQLite file and its WAL, or a pg_dump) are
// searched for each secret in its plain, URL-encoded, base64, hex and decoded forms, and the
// test names each place one is found.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "azure/blob_client.hpp"
#include "azure/loopback_http_server.hpp"
#include "azure/sas.hpp"
#include "azure/shared_key.hpp"
#include "azure/url.hpp"
#include "cli/cluster_fixture.hpp"
#include "cli/serve_fixture.hpp"
#include "core/clock.hpp"
#include "crypto/encoding.hpp"
#include "crypto/random.hpp"
#include "support/azurite_server.hpp"
#include "support/files.hpp"
#include "support/postgres_server.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using azure::testing::LoopbackHttpServer;
using azure::testing::LoopbackRequest;
using azure::testing::LoopbackResponse;

// A secret of the test's own, and whether it is base64 text (its decoded bytes are searched too).
struct Secret {
    std::string name;
    std::string value;
    bool base64 = false;
};

// A distinctive random secret: `prefix` and 24 random bytes, URL-safe base64.
std::string Random(std::string_view prefix) {
    return std::string(prefix) + crypto::Base64UrlEncode(crypto::RandomBytes(24));
}

// The forms of `secret` a leak could take: as is, URL-encoded, base64 (standard and URL-safe),
// hex (PostgreSQL's bytea), and for base64 secrets the bytes they stand for; also the ends of a
// long one (a message cut short), each at least 16 characters.
std::vector<std::pair<std::string, std::string>> Forms(const Secret& secret) {
    std::vector<std::pair<std::string, std::string>> forms{
        {"plain", secret.value},
        {"url-encoded", azure::EncodeQueryValue(secret.value)},
        {"base64", crypto::Base64Encode(secret.value)},
        {"base64url", crypto::Base64UrlEncode(secret.value)},
        {"hex", crypto::HexEncode(secret.value)}};
    if (secret.base64) {
        if (const auto bytes = crypto::Base64Decode(secret.value)) {
            forms.emplace_back("decoded bytes", *bytes);
            forms.emplace_back("decoded hex", crypto::HexEncode(*bytes));
        }
    }
    if (secret.value.size() >= 32) {
        forms.emplace_back("last 16 characters", secret.value.substr(secret.value.size() - 16));
    }
    std::vector<std::pair<std::string, std::string>> distinct;
    std::set<std::string> seen;
    for (auto& form : forms) {
        if (form.second.size() >= 12 && seen.insert(form.second).second) {
            distinct.push_back(std::move(form));
        }
    }
    return distinct;
}

// One exchange with the server, as the client saw it.
struct Exchange : HttpAnswer {
    std::string what;               // "METHOD path" (the path without its secrets)
    std::set<std::string> allowed;  // secrets this answer carries by design (a new token)
};

class SecretScanTest : public ServeTest, public ::testing::WithParamInterface<std::string> {
 protected:
    void SetUp() override {
        azure_.emplace(
            azure::BlobClient::FromConnectionString(SharedAzurite().connection_string()));
        container_ = UniqueName("scan");
        azure_->CreateContainer(container_);
        azure_->PutBlob(container_, "seed/plain.txt",
                        azure::RequestBody::FromBytes("nothing secret in here"), {});

        const std::string master = crypto::Base64Encode(crypto::RandomBytes(32));
        Add("master key", master, true);
        Add("token signing secret", Random("jwt-secret-"));
        Add("password", Random("pw-"));
        Add("wrong password", Random("wrong-pw-"));
        Add("current password guess", Random("guess-pw-"));
        Add("account key (Azurite's)", std::string(AzuriteServer::kAccountKey), true);
        Add("wrong account key", crypto::Base64Encode(crypto::RandomBytes(64)), true);
        Add("connection string key", crypto::Base64Encode(crypto::RandomBytes(64)), true);
        Add("client secret", Random("sp-secret-"));
        Add("sp issued token", Random("sp-token-"));
        Add("entra token", Random("entra-token-"));
        Add("forged signature", crypto::Base64Encode(crypto::RandomBytes(32)), true);
        Add("echoed key", crypto::Base64Encode(crypto::RandomBytes(48)), true);
        Add("echoed secret", Random("echo-"));
        Add("forged bearer", Random("eyJforged.") + "." + Random(""));
        for (const auto& [name, expiry] :
             {std::pair{"sas signature", 3'600'000}, std::pair{"sas url signature", 7'200'000}}) {
            azure::AccountSasOptions sas;
            sas.resource_types = "sco";
            sas.permissions = "rwdlac";
            sas.expires_on = core::NowMillis() + expiry;
            const std::string query =
                azure::GenerateAccountSas(
                    azure::SharedKeyCredential(std::string(AzuriteServer::kAccountName),
                                               std::string(AzuriteServer::kAccountKey)),
                    sas)
                    .query;
            sas_queries_.push_back(query);
            for (const auto& parameter : azure::ParseQuery(query)) {
                if (parameter.name == "sig") Add(name, parameter.value, true);
            }
        }

        // The identity platform of the service principal: any client secret gets this token.
        const std::string answer = R"({"token_type":"Bearer","expires_in":3600,"access_token":")" +
                                   Value("sp issued token") + R"("})";
        identity_ = std::make_unique<LoopbackHttpServer>([answer](const LoopbackRequest&) {
            return LoopbackResponse{200, {{"Content-Type", "application/json"}}, answer};
        });

        env_ = {{"CERULEAN_MASTER_KEYS", "k1:" + master},
                {"CERULEAN_JWT_SECRET", Value("token signing secret")},
                {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"},
                {"CERULEAN_AZURE_AUTHORITY_HOST", identity_->url()},
                {"CERULEAN_WORKERS", "1"},
                {"CERULEAN_LOG_LEVEL", "debug"},
                {"CERULEAN_SYNC_ROOT", (dir_.path() / "sync-root").string()}};
        if (GetParam() == "postgres") {
            database_url_ = SharedPostgres().CreateDatabase(UniqueName("scan"));
            env_.emplace_back("CERULEAN_DATABASE_URL", database_url_);
        }
    }

    void TearDown() override {
        server_.reset();
        try {
            azure_->DeleteContainer(container_);
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): best effort
        }
    }

    void Add(const std::string& name, const std::string& value, bool base64 = false) {
        secrets_.push_back({name, value, base64});
    }

    std::string Value(const std::string& name) const {
        for (const auto& secret : secrets_) {
            if (secret.name == name) return secret.value;
        }
        ADD_FAILURE() << "no secret " << name;
        return {};
    }

    // Sends a request and records the answer; `shown` is the path as the report names it.
    const Exchange& Send(const std::string& method, const std::string& path,
                         const std::string& body = {}, std::string headers = {},
                         std::set<std::string> allowed = {}, const std::string& shown = {}) {
        if (!token_.empty() && headers.find("Authorization:") == std::string::npos) {
            headers += "Authorization: Bearer " + token_ + "\r\n";
        }
        if (!body.empty() && headers.find("Content-Type:") == std::string::npos) {
            headers += "Content-Type: application/json\r\n";
        }
        Exchange exchange;
        exchange.what = method + " " + (shown.empty() ? path : shown);
        static_cast<HttpAnswer&>(exchange) =
            ParseAnswer(HttpCall(port_, method, path, body, headers));
        exchange.allowed = std::move(allowed);
        exchanges_.push_back(std::move(exchange));
        return exchanges_.back();
    }

    const Exchange& Json(const std::string& method, const std::string& path,
                         const boost::json::value& body, std::set<std::string> allowed = {}) {
        return Send(method, path, boost::json::serialize(body), {}, std::move(allowed));
    }

    static std::string Field(const Exchange& exchange, std::string_view key) {
        if (!exchange.json.is_object()) return {};
        const auto* value = exchange.json.as_object().if_contains(key);
        if (value == nullptr) return {};
        return value->is_string() ? std::string(value->as_string())
                                  : boost::json::serialize(*value);
    }

    static std::string Conn(const std::string& id, std::string_view suffix = {}) {
        return "/api/v1/azure_blob/connections/" + id + std::string(suffix);
    }

    // Creates a connection; its id ("" when refused).
    std::string Connect(const std::string& name, const std::string& auth_type,
                        boost::json::object credentials, const std::string& endpoint = {}) {
        boost::json::object body{{"name", name},
                                 {"auth_type", auth_type},
                                 {"credentials", std::move(credentials)},
                                 {"container_name", container_}};
        if (auth_type != "connection_string" && auth_type != "sas_token") {
            body["account_name"] = AzuriteServer::kAccountName;
        }
        if (!endpoint.empty()) body["endpoint"] = endpoint;
        const auto& created = Json("POST", "/api/v1/azure_blob/connections", body);
        EXPECT_EQ(created.status, 201) << name << ": " << created.raw;
        return Field(created, "id");
    }

    // Every storage operation a user can ask of connection `id`, whether it works or not, and a
    // sync run.
    void Use(const std::string& id, bool works) {
        const auto& tested = Send("POST", Conn(id, "/test"));
        EXPECT_EQ(tested.status, 200) << tested.raw;
        EXPECT_EQ(Field(tested, "ok"), works ? "true" : "false") << id << ": " << tested.raw;
        Send("GET", Conn(id, "/containers"));
        Send("GET", Conn(id, "/blobs?prefix=seed/"));
        const std::string name = "up/" + id + ".txt";
        Send("POST", Conn(id, "/blobs?name=" + azure::EncodeQueryValue(name)), "uploaded bytes",
             "Content-Type: application/octet-stream\r\n");
        Send("GET", Conn(id, "/blobs/content?name=seed/plain.txt"));
        Send("GET", Conn(id, "/blobs/properties?name=seed/plain.txt"));
        Send("POST", Conn(id, "/blobs/copy"),
             boost::json::serialize(boost::json::object{
                 {"name", "copies/" + id + ".txt"},
                 {"source", {{"connection_id", std::stoll(id)}, {"name", "seed/plain.txt"}}}}));
        const auto& link =
            Send("POST", Conn(id, "/blobs/link"),
                 boost::json::serialize(boost::json::object{{"name", "seed/plain.txt"}}));
        if (link.status == 201) {
            const std::string url = Field(link, "url");
            const std::string token = url.substr(url.rfind('/') + 1);
            const std::string name = "download link " + id;
            Add(name, token);
            exchanges_.back().allowed.insert(name);
            Send("GET", url, {}, "Authorization: none\r\n", {}, "/api/v1/blob_links/{token}");
        }
        const auto& share =
            Send("POST", Conn(id, "/blobs/sas"),
                 boost::json::serialize(boost::json::object{{"name", "seed/plain.txt"}}));
        if (share.status == 200) {
            for (const auto& parameter :
                 azure::ParseQuery(azure::SplitUrl(Field(share, "url")).query)) {
                if (parameter.name != "sig") continue;
                // Links to the same blob under the same key and expiry are the same link.
                std::string secret = "share link signature " + id;
                for (const auto& known : secrets_) {
                    if (known.value == parameter.value) secret = known.name;
                }
                if (secret == "share link signature " + id) Add(secret, parameter.value, true);
                exchanges_.back().allowed.insert(secret);
            }
        }
        const auto& job = Json("POST", Conn(id, "/sync_jobs"),
                               {{"direction", "download"},
                                {"container", container_},
                                {"prefix", "seed/"},
                                {"local_path", "mirror-" + id}});
        EXPECT_EQ(job.status, 202) << job.raw;
        if (job.status == 202) jobs_.push_back(Conn(id, "/sync_jobs/" + Field(job, "id")));
    }

    // Waits for every sync job to finish; how many succeeded.
    int FinishJobs() {
        int succeeded = 0;
        for (const auto& job : jobs_) {
            const auto deadline = std::chrono::steady_clock::now() + 90s;
            std::string status;
            while (std::chrono::steady_clock::now() < deadline) {
                status = Field(Send("GET", job), "status");
                if (status == "succeeded" || status == "failed" || status == "cancelled") break;
                std::this_thread::sleep_for(200ms);
            }
            Send("GET", job + "/runs");
            if (status == "succeeded") ++succeeded;
            EXPECT_TRUE(status == "succeeded" || status == "failed") << job << ": " << status;
        }
        return succeeded;
    }

    // The requests that fail on purpose, many with a secret where the server may echo input.
    void Misuse(const std::string& good_id) {
        const std::string echoed_key = Value("echoed key");
        const std::string echoed = Value("echoed secret");
        const std::string endpoint = SharedAzurite().blob_endpoint();
        for (const auto& [type, credentials] :
             std::vector<std::pair<std::string, boost::json::object>>{
                 {"connection_string",
                  {{"connection_string", "AccountName=x;AccountKey=" + echoed_key +
                                             ";BlobEndpoint=not a url " + echoed}}},
                 {"connection_string", {{"connection_string", echoed_key}}},
                 {"connection_string", {{"connection_string", echoed + "=" + echoed_key}}},
                 {"connection_string",
                  {{"connection_string",
                    "AccountKey=" + echoed_key + ";SharedAccessSignature=" + echoed + "%zz"}}},
                 {"account_key", {{"account_key", echoed + "!!"}}},
                 {"account_key", {{"account_key", echoed_key}, {"client_secret", echoed}}},
                 {"account_key", {{"account_key", echoed_key}, {echoed, "a secret as a name"}}},
                 {"sas_token", {{"sas_token", "sv=2022-11-02&sig=" + echoed + "%zz"}}},
                 {"sas_token", {{"sas_token", "https://evil.example/c?sig=" + echoed}}},
                 {"service_principal",
                  {{"tenant_id", "bad tenant " + echoed},
                   {"client_id", "c"},
                   {"client_secret", echoed}}},
                 {"user_ms_identity", {{"access_token", ""}, {"other", echoed}}},
                 {"no_such_type", {{"account_key", echoed_key}}}}) {
            const auto& refused = Json("POST", "/api/v1/azure_blob/connections",
                                       {{"name", "refused"},
                                        {"auth_type", type},
                                        {"account_name", "devstoreaccount1"},
                                        {"endpoint", endpoint},
                                        {"credentials", credentials}});
            EXPECT_EQ(refused.status, 422) << refused.raw;
        }
        // Malformed JSON around a secret, and a secret in a field of the wrong type.
        Send("POST", "/api/v1/azure_blob/connections",
             R"({"name":"x","credentials":{"account_key":")" + echoed_key + R"(")");
        Send("POST", "/api/v1/azure_blob/connections",
             R"({"name":"x","auth_type":"account_key","credentials":{"account_key":[")" +
                 echoed_key + R"("]}})");
        Send("PATCH", Conn(good_id), R"({"credentials":")" + echoed + R"("})");
        Send("PATCH", Conn(good_id),
             R"({"credentials":{"account_key":")" + echoed + R"(\u0000"}})");
        // Secrets in query strings and headers, where a log could pick them up.
        Send("GET", "/api/v1/users/me?" + sas_queries_[0] + "&password=" + Value("password"), {},
             {}, {}, "/api/v1/users/me?{sas}&password={password}");
        Send(
            "GET",
            Conn(good_id, "/blobs?prefix=x&sig=") + azure::EncodeQueryValue(Value("sas signature")),
            {}, {}, {}, "GET blobs?sig={sas}");
        Send("GET", "/api/v1/users/me", {},
             "Authorization: Bearer " + Value("forged bearer") + "\r\n");
        Send("GET", "/api/v1/users/me", {},
             "Authorization: Basic " + crypto::Base64Encode("scan@x.io:" + Value("password")) +
                 "\r\n");
        Send("GET", "/api/v1/users/me", {}, "Cookie: session=" + token_ + "\r\n");
        // Wrong passwords: a sign-in, and a password change's current password.
        Send("POST", "/api/v1/auth/token",
             "grant_type=password&username=scan%40x.io&password=" + Value("wrong password"),
             "Content-Type: application/x-www-form-urlencoded\r\nAuthorization: none\r\n");
        Json("PATCH", "/api/v1/users/me",
             {{"password", Value("wrong password") + "-new"},
              {"current_password", Value("current password guess")}});
        // Registration that fails with the password in it.
        Json("POST", "/api/v1/auth/register",
             {{"email", "scan@x.io"}, {"password", Value("password")}});
        Json("POST", "/api/v1/auth/register", {{"email", "not an email"}, {"password", echoed}});
        // A preflight from another site, answered with nothing.
        Send("OPTIONS", "/api/v1/azure_blob/connections", {},
             "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n"
             "Access-Control-Request-Headers: authorization\r\n");
    }

    // The places to search, by name: the log, each answer (minus what it may carry), the database.
    struct Haystack {
        std::string where;
        std::string bytes;
        std::set<std::string> allowed;
    };

    std::vector<Haystack> Haystacks() {
        std::vector<Haystack> stacks{{"the server's log", ReadFile(log_), {}}};
        for (const auto& exchange : exchanges_) {
            stacks.push_back({"the answer to " + exchange.what, exchange.raw, exchange.allowed});
        }
        if (GetParam() == "postgres") {
            const fs::path dump = dir_.path() / "dump.sql";
            RunCommandOrThrow({(SharedPostgres().bin_dir() / "pg_dump").string(),
                               "--dbname=" + database_url_, "--file=" + dump.string()},
                              dir_.path() / "pg_dump.log");
            stacks.push_back({"pg_dump of the database", ReadFile(dump), {}});
        } else {
            for (const auto& entry : fs::directory_iterator(dir_.path() / "data")) {
                stacks.push_back(
                    {"the file " + entry.path().filename().string(), ReadFile(entry.path()), {}});
            }
        }
        return stacks;
    }

    // Where `secret`, in any of its forms, is in `stacks` (minus where it is allowed): each
    // place with the form and the bytes around it.
    static std::vector<std::string> Places(const Secret& secret,
                                           const std::vector<Haystack>& stacks) {
        std::vector<std::string> places;
        for (const auto& stack : stacks) {
            if (stack.allowed.contains(secret.name)) continue;
            for (const auto& [form, needle] : Forms(secret)) {
                const auto at = stack.bytes.find(needle);
                if (at == std::string::npos) continue;
                const auto from = at > 80 ? at - 80 : 0;
                places.push_back(stack.where + " (" + form + "):\n..." +
                                 stack.bytes.substr(from, 160 + needle.size()) + "...");
                break;
            }
        }
        return places;
    }

    std::optional<azure::BlobClient> azure_;
    std::string container_;
    std::unique_ptr<LoopbackHttpServer> identity_;
    std::vector<Secret> secrets_;
    std::vector<std::string> sas_queries_;
    std::vector<std::pair<std::string, std::string>> env_;
    std::string database_url_;
    int port_ = 0;
    std::string token_;
    std::deque<Exchange> exchanges_;  // a deque: Send hands out references that stay valid
    std::vector<std::string> jobs_;
};

TEST_P(SecretScanTest, NoSecretInAnyLogLineAnswerOrDatabaseByte) {
    port_ = Serve(env_);
    ASSERT_EQ(Json("POST", "/api/v1/auth/register",
                   {{"email", "scan@x.io"}, {"password", Value("password")}})
                  .status,
              201);
    const auto& signed_in =
        Send("POST", "/api/v1/auth/token",
             "grant_type=password&username=scan%40x.io&password=" +
                 azure::EncodeQueryValue(Value("password")),
             "Content-Type: application/x-www-form-urlencoded\r\n", {"session token"});
    token_ = Field(signed_in, "access_token");
    ASSERT_FALSE(token_.empty()) << signed_in.raw;
    Add("session token", token_);
    Add("session token signature", token_.substr(token_.rfind('.') + 1));
    exchanges_.back().allowed.insert("session token signature");

    const std::string endpoint = SharedAzurite().blob_endpoint();
    const std::string https_endpoint =
        "https://127.0.0.1:" + std::to_string(SharedAzurite().port()) + "/devstoreaccount1";
    const std::string key(AzuriteServer::kAccountKey);
    const std::string good = Connect("key", "account_key", {{"account_key", key}}, endpoint);
    const std::vector<std::pair<std::string, bool>> connections{
        {good, true},
        {Connect("wrong key", "account_key", {{"account_key", Value("wrong account key")}},
                 endpoint),
         false},
        {Connect("string", "connection_string",
                 {{"connection_string", SharedAzurite().connection_string()}}),
         true},
        {Connect("string with a wrong key", "connection_string",
                 {{"connection_string",
                   "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                   "AccountKey=" +
                       Value("connection string key") + ";BlobEndpoint=" + endpoint + ";"}}),
         false},
        {Connect("sas", "sas_token", {{"sas_token", "?" + sas_queries_[0]}}, endpoint), true},
        {Connect("sas url", "sas_token",
                 {{"sas_token", endpoint + "/" + container_ + "?" + sas_queries_[1]}}),
         true},
        {Connect("forged sas", "sas_token",
                 {{"sas_token", "sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2099-01-01T00:00:00Z&sig=" +
                                    azure::EncodeQueryValue(Value("forged signature"))}},
                 endpoint),
         false},
        {Connect("service principal", "service_principal",
                 {{"tenant_id", "tenant-scan"},
                  {"client_id", "client-scan"},
                  {"client_secret", Value("client secret")}},
                 endpoint),
         false},
        {Connect("entra", "user_ms_identity", {{"access_token", Value("entra token")}}, endpoint),
         false},
        {Connect("anonymous", "anonymous", {}, endpoint), false}};
    for (const auto& [id, works] : connections) {
        ASSERT_FALSE(id.empty());
        Use(id, works);
    }
    // Bearer tokens go only to https endpoints: over https (to a port that speaks no TLS, so
    // the handshake fails after the token is in hand) the client secret is sent to the identity
    // platform and its token is put on a request. A test each (every call retries a while).
    for (const auto& id : {Connect("service principal over https", "service_principal",
                                   {{"tenant_id", "tenant-scan"},
                                    {"client_id", "client-scan"},
                                    {"client_secret", Value("client secret")}},
                                   https_endpoint),
                           Connect("entra over https", "user_ms_identity",
                                   {{"access_token", Value("entra token")}}, https_endpoint)}) {
        const auto& tested = Send("POST", Conn(id, "/test"));
        EXPECT_EQ(Field(tested, "code"), "azure_unreachable") << tested.raw;
    }
    // A change of credentials, and a connection deleted with its secrets.
    Json("PATCH", Conn(connections[1].first),
         {{"credentials", {{"account_key", Value("wrong account key")}}}});
    Misuse(good);
    EXPECT_GE(FinishJobs(), 3);
    EXPECT_GE(identity_->requests(), 1) << "the service principal never asked for a token";
    Send("GET", "/api/v1/audit?limit=1000");
    Send("GET", "/api/v1/azure_blob/connections");
    Send("DELETE", Conn(connections[3].first));

    // The log of a stopped server is complete, and its database file holds what it wrote.
    const std::string wal_before_stop =
        GetParam() == "sqlite" ? ReadFile(dir_.path() / "data" / "cerulean.db-wal") : "";
    EXPECT_EQ(server_->Stop(SIGTERM, 30s), 0) << server_->LogTail();

    std::vector<Haystack> stacks = Haystacks();
    if (!wal_before_stop.empty()) stacks.push_back({"the WAL while running", wal_before_stop, {}});
    for (const auto& secret : secrets_) {
        for (const auto& place : Places(secret, stacks)) {
            ADD_FAILURE() << "the " << secret.name << " is in " << place;
        }
    }
    // A control: a value that is logged and stored by design (the container's name) is found,
    // so the search does look where it says.
    const auto control = Places({"container name", container_}, stacks);
    EXPECT_TRUE(std::any_of(control.begin(), control.end(), [](const std::string& place) {
        return place.starts_with("the server's log");
    })) << "the search found the container's name in no log line";
    EXPECT_TRUE(std::any_of(control.begin(), control.end(), [this](const std::string& place) {
        return place.find(GetParam() == "postgres" ? "pg_dump" : "cerulean.db") !=
               std::string::npos;
    })) << "the search found the container's name nowhere in the database";
    // What was searched was real: the log, the answers and the database were not empty.
    EXPECT_GT(stacks.front().bytes.size(), 10'000U);
    EXPECT_GT(exchanges_.size(), 100U);
    EXPECT_GT(stacks.back().bytes.size(), 10'000U);
    // Every answer grants no other origin anything and sets no cookie.
    for (const auto& exchange : exchanges_) {
        const std::string head = exchange.raw.substr(0, exchange.raw.find("\r\n\r\n"));
        EXPECT_EQ(head.find("Access-Control-"), std::string::npos) << exchange.what;
        EXPECT_EQ(head.find("Set-Cookie"), std::string::npos) << exchange.what;
    }
}

INSTANTIATE_TEST_SUITE_P(Databases, SecretScanTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace cerulean::testing
