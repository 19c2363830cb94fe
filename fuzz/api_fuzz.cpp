// The JSON (and form, and multipart) request bodies of every route that reads one, decoded and
// validated by the real routes: the whole API in process (api::App on SQLite, as
// tests/api/api_fixture.hpp builds it), its storage calls answered at once by a loopback server
// that refuses every request (403 AuthenticationFailed), so that nothing leaves the machine and
// nothing waits. Also request targets: the router, path parameters, query strings and the web
// UI's static files.
//
// Input: the first byte picks a route (see kRoutes), the rest is its body (or its target).
//
// Invariants: App::Handle never throws and never answers 500 (an unexpected exception on the
// way); JSON responses are valid JSON (valid UTF-8); every error is problem+json; credentials a
// request gives never come back in the response; no request target reads a file outside the web
// UI's folder. State stays bounded: connections and sync jobs a request creates are deleted again.

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "api/app.hpp"
#include "azure/connection_string.hpp"
#include "azure/loopback_http_server.hpp"
#include "core/log.hpp"
#include "fuzz_support.hpp"
#include "http/run_task.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/user_repository.hpp"

namespace {

using namespace cerulean;
namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kSecretFile = "TOP-SECRET-OUTSIDE-THE-WEB-ROOT";

// Who sends a request.
enum class Who { kNobody, kBlobUser, kConnectionUser, kSelfUser, kAdmin };

// What follows a success, so that state stays bounded.
enum class Cleanup { kNone, kDeleteConnection, kDeleteSyncJob };

struct Route {
    const char* method;
    const char* target;  // {A}: the blob user's connection, {V}: the connection user's, {C}: a user
    Who who;
    const char* content_type;  // nullptr: the body is appended to the target instead
    Cleanup cleanup = Cleanup::kNone;
};

constexpr std::string_view kConnections = "/api/v1/azure_blob/connections";

const Route kRoutes[] = {
    {"POST", "/api/v1/auth/register", Who::kNobody, "application/json"},
    {"POST", "/api/v1/auth/token", Who::kNobody, "application/json"},
    {"POST", "/api/v1/auth/token", Who::kNobody, "application/x-www-form-urlencoded"},
    {"PATCH", "/api/v1/users/me", Who::kSelfUser, "application/json"},
    {"PATCH", "/api/v1/users/{C}", Who::kAdmin, "application/json"},
    {"POST", "/api/v1/azure_blob/connections", Who::kConnectionUser, "application/json",
     Cleanup::kDeleteConnection},
    {"PATCH", "/api/v1/azure_blob/connections/{V}", Who::kConnectionUser, "application/json"},
    {"PUT", "/api/v1/azure_blob/connections/{V}", Who::kConnectionUser, "application/json"},
    {"POST", "/api/v1/azure_blob/connections/{A}/containers", Who::kBlobUser, "application/json"},
    {"PUT", "/api/v1/azure_blob/connections/{A}/blobs/metadata?container=c&name=b", Who::kBlobUser,
     "application/json"},
    {"PATCH", "/api/v1/azure_blob/connections/{A}/blobs/properties?container=c&name=b",
     Who::kBlobUser, "application/json"},
    {"POST", "/api/v1/azure_blob/connections/{A}/blobs/link", Who::kBlobUser, "application/json"},
    {"POST", "/api/v1/azure_blob/connections/{A}/blobs/copy", Who::kBlobUser, "application/json"},
    {"POST", "/api/v1/azure_blob/connections/{A}/blobs/sas", Who::kBlobUser, "application/json"},
    {"POST", "/api/v1/azure_blob/connections/{A}/sync_jobs", Who::kBlobUser, "application/json",
     Cleanup::kDeleteSyncJob},
    {"POST", "/api/v1/azure_blob/connections/{A}/sync_jobs/plan", Who::kBlobUser,
     "application/json"},
    {"POST", "/api/v1/azure_blob/connections/{A}/blobs?container=c&prefix=up/", Who::kBlobUser,
     "multipart/form-data; boundary=b"},
    // Targets: the body is the rest of the path and query.
    {"GET", "/", Who::kNobody, nullptr},
    {"GET", "/api/v1/", Who::kBlobUser, nullptr},
    {"GET", "/api/v1/", Who::kAdmin, nullptr},
};
constexpr std::size_t kRouteCount = sizeof(kRoutes) / sizeof(kRoutes[0]);

struct Fixture {
    fs::path dir;
    std::unique_ptr<azure::testing::LoopbackHttpServer> storage;
    std::shared_ptr<store::Database> db;
    std::unique_ptr<http::BlockingPool> pool;
    std::unique_ptr<api::App> app;
    std::string tokens[5];
    std::int64_t blob_connection = 0;
    std::int64_t victim_connection = 0;
    std::int64_t victim_user = 0;

    Fixture() {
        core::log::SetLevel(core::log::Level::kError);  // a line per request would drown the run
        std::string pattern = (fs::temp_directory_path() / "cerulean-api-fuzz-XXXXXX").string();
        FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, pattern);
        dir = pattern;
        fs::create_directories(dir / "web" / "assets");
        std::ofstream(dir / "web" / "index.html") << "<!doctype html><title>Cerulean</title>";
        std::ofstream(dir / "web" / "assets" / "app.js") << "console.log(1)";
        std::ofstream(dir / "secret.txt") << kSecretFile;
        fs::create_directories(dir / "sync" / "photos");

        // Storage answers every call at once with a refusal (no retry, nothing leaves).
        storage = std::make_unique<azure::testing::LoopbackHttpServer>([](const auto&) {
            azure::testing::LoopbackResponse response;
            response.status = 403;
            response.headers = {{"x-ms-error-code", "AuthenticationFailed"},
                                {"Content-Type", "application/xml"}};
            response.body =
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed"
                "</Code><Message>Server failed to authenticate the request.</Message></Error>";
            return response;
        });

        store::DatabaseOptions database;
        database.url = "sqlite://" + (dir / "cerulean.db").string();
        database.pool_size = 2;
        db = store::Database::Open(database);
        store::Migrate(*db);

        api::AppOptions options;
        options.web_root = dir / "web";
        options.swagger_ui_dir = dir / "no-swagger";
        options.password = {1, 8U << 10U, 4096};
        options.master_keys = {{"k1", std::string(32, 'k')}};
        options.jwt_secret = "0123456789abcdef0123456789abcdef-api-fuzz";
        options.connections.endpoints.allow_loopback = true;
        options.connections.endpoints.allowed_suffixes.clear();  // nothing but loopback
        options.sync_jobs.sync_root = dir / "sync";
        options.users.max_failures_per_address = 1000000;
        options.users.max_failures_per_email = 1000000;
        pool = std::make_unique<http::BlockingPool>(2);
        app = std::make_unique<api::App>(options, db, *pool);

        // Random passwords: no input can sign in as these users or change their password.
        const std::string password = "pw-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(reinterpret_cast<std::uintptr_t>(this));
        const char* emails[] = {"", "blobs@fuzz.test", "connections@fuzz.test", "self@fuzz.test",
                                "admin@fuzz.test"};
        for (int who = 1; who < 5; ++who) tokens[who] = SignUp(emails[who], password);
        SignUp("victim@fuzz.test", password);
        store::UserRepository users(db);
        store::UserUpdate promote;
        promote.is_superuser = true;
        users.Update(users.FindByEmail("admin@fuzz.test")->id, promote);
        victim_user = users.FindByEmail("victim@fuzz.test")->id;

        const std::string connection_string = "BlobEndpoint=" + storage->url() +
                                              "/devstoreaccount1;AccountName=devstoreaccount1;"
                                              "AccountKey=" +
                                              std::string(azure::kDevelopmentAccountKey);
        const json::object create{{"name", "fuzz"},
                                  {"auth_type", "connection_string"},
                                  {"credentials", {{"connection_string", connection_string}}}};
        blob_connection = CreateConnection(create, tokens[static_cast<int>(Who::kBlobUser)]);
        victim_connection =
            CreateConnection(create, tokens[static_cast<int>(Who::kConnectionUser)]);
    }

    http::Response Call(const std::string& method, const std::string& target,
                        const std::string& body, const std::string& token,
                        const char* content_type) {
        http::Request request(method, target);
        if (content_type != nullptr) {
            request.headers().Set("Content-Type", content_type);
            request.set_body(body);
        }
        if (!token.empty()) request.headers().Set("Authorization", "Bearer " + token);
        request.set_remote_address("192.0.2.10");
        return testing::RunTask(app->Handle(request));
    }

    std::string SignUp(const std::string& email, const std::string& password) {
        const json::object body{{"email", email}, {"password", password}};
        const auto registered =
            Call("POST", "/api/v1/auth/register", json::serialize(body), {}, "application/json");
        FUZZ_CHECK(registered.status == 201, registered.body);
        const json::object login{{"username", email}, {"password", password}};
        const auto token =
            Call("POST", "/api/v1/auth/token", json::serialize(login), {}, "application/json");
        FUZZ_CHECK(token.status == 200, token.body);
        return std::string(json::parse(token.body).at("access_token").as_string());
    }

    std::int64_t CreateConnection(const json::object& body, const std::string& token) {
        const auto created = Call("POST", std::string(kConnections), json::serialize(body), token,
                                  "application/json");
        FUZZ_CHECK(created.status == 201, created.body);
        return json::parse(created.body).at("id").as_int64();
    }

    std::string Target(const Route& route, std::string_view body) const {
        std::string target = route.target;
        const auto replace = [&target](std::string_view key, std::int64_t value) {
            if (const auto at = target.find(key); at != std::string::npos) {
                target.replace(at, key.size(), std::to_string(value));
            }
        };
        replace("{A}", blob_connection);
        replace("{V}", victim_connection);
        replace("{C}", victim_user);
        if (route.content_type == nullptr) target += body;
        return target;
    }
};

Fixture& TheFixture() {
    // Never destroyed: its threads may still run while the process exits. Its folder goes
    // (SQLite's open file is no obstacle on Linux).
    static Fixture* fixture = [] {
        auto* made = new Fixture();
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(TheFixture().dir, ec);
        });
        return made;
    }();
    return *fixture;
}

// Credential values a request gives (long and secret-shaped enough to tell apart), unless the
// request also gives them outside its credentials (a name may be anything).
std::vector<std::string> Credentials(std::string_view body) {
    std::vector<std::string> out;
    boost::system::error_code ec;
    json::value value = json::parse(body, ec);
    if (ec || !value.is_object()) return out;
    const json::value* credentials = value.as_object().if_contains("credentials");
    if (credentials == nullptr || !credentials->is_object()) return out;
    json::object rest = value.as_object();
    rest.erase("credentials");
    const std::string others = json::serialize(rest);
    for (const auto& [key, field] : credentials->as_object()) {
        if (!field.is_string() || field.as_string().size() < 16) continue;
        const std::string text(field.as_string());
        // Secret-shaped: one word with letters and digits. Message text (which the fuzzer learns
        // from the comparisons below) is words and spaces.
        const auto has = [&text](auto test) { return std::any_of(text.begin(), text.end(), test); };
        if (has([](unsigned char c) { return std::isspace(c) != 0; }) ||
            !has([](unsigned char c) { return std::isdigit(c) != 0; }) ||
            !has([](unsigned char c) { return std::isalpha(c) != 0; })) {
            continue;
        }
        if (fuzz::Contains(others, text) || fuzz::Contains(others, json::serialize(field)))
            continue;
        out.push_back(text);
    }
    return out;
}

// A target Beast would have let through: printable ASCII, no space.
bool IsSendableTarget(std::string_view target) {
    for (const char c : target) {
        if (c <= 0x20 || c >= 0x7F) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    TheFixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    Fixture& fixture = TheFixture();
    const Route& route = kRoutes[data[0] % kRouteCount];
    const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
    if (route.content_type == nullptr && !IsSendableTarget(body)) return 0;
    const std::string& token = fixture.tokens[static_cast<int>(route.who)];

    http::Response response;
    try {
        response = fixture.Call(route.method, fixture.Target(route, body), body, token,
                                route.content_type);
    } catch (...) {
        FUZZ_CHECK(false, "App::Handle threw");
    }
    FUZZ_CHECK(response.status != 500, response.body);
    // JSON is valid JSON (UTF-8 included: boost.json checks it), whoever wrote it.
    if (const auto type = response.headers.Get("Content-Type");
        type && fuzz::Contains(*type, "json") && !response.producer) {
        boost::system::error_code ec;
        json::parse(response.body, ec);
        FUZZ_CHECK(!ec, response.body);
    }
    if (response.status >= 400 && !response.producer) {
        const auto type = response.headers.Get("Content-Type");
        FUZZ_CHECK(type && fuzz::Contains(*type, "json"), response.body);
        boost::system::error_code ec;
        const json::value problem = json::parse(response.body, ec);
        FUZZ_CHECK(!ec && problem.is_object() && problem.as_object().contains("code"),
                   response.body);
    }
    if (!fuzz::Contains(body, kSecretFile)) {  // (a 404 may echo the path it was asked for)
        FUZZ_CHECK(!fuzz::Contains(response.body, kSecretFile), route.target);
    }
    for (const std::string& secret :
         route.content_type != nullptr ? Credentials(body) : std::vector<std::string>()) {
        FUZZ_CHECK(!fuzz::Contains(response.body, secret), "a credential came back");
    }

    // Keep the state bounded: what a request created goes again.
    if (route.cleanup != Cleanup::kNone && response.status / 100 == 2) {
        const std::int64_t id = json::parse(response.body).at("id").as_int64();
        const std::string path = route.cleanup == Cleanup::kDeleteConnection
                                     ? std::string(kConnections) + "/" + std::to_string(id)
                                     : fixture.Target(route, {}) + "/" + std::to_string(id);
        const auto removed = fixture.Call("DELETE", path, {}, token, nullptr);
        FUZZ_CHECK(removed.status == 204, removed.body);
    }
    return 0;
}
