#include "api/openapi.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/app.hpp"
#include "http/run_task.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::array<std::string_view, 8> kMethods = {"get",     "put",  "post",  "delete",
                                                      "options", "head", "patch", "trace"};

const json::object& Document() {
    static const json::value document = json::parse(OpenApiDocument());
    return document.as_object();
}

// Every value of `key` anywhere under `value`.
void CollectStrings(const json::value& value, std::string_view key, std::vector<std::string>& out) {
    if (const auto* object = value.if_object()) {
        for (const auto& [name, child] : *object) {
            if (name == key && child.is_string()) out.emplace_back(child.as_string());
            CollectStrings(child, key, out);
        }
    } else if (const auto* array = value.if_array()) {
        for (const auto& child : *array) CollectStrings(child, key, out);
    }
}

struct Operation {
    std::string path;
    std::string method;  // lower case, as in the document
    const json::object* object;
};

std::vector<Operation> Operations() {
    std::vector<Operation> operations;
    for (const auto& [path, item] : Document().at("paths").as_object()) {
        for (const auto& [key, value] : item.as_object()) {
            if (std::find(kMethods.begin(), kMethods.end(), std::string_view(key)) !=
                kMethods.end()) {
                operations.push_back({std::string(path), std::string(key), &value.as_object()});
            }
        }
    }
    return operations;
}

// The router's pattern in OpenAPI's form: `{id:int}` becomes `{id}`.
std::string OpenApiPath(const std::string& pattern) {
    static const std::regex kTyped(R"(\{([A-Za-z_][A-Za-z0-9_]*):[a-z]+\})");
    return std::regex_replace(pattern, kTyped, "{$1}");
}

std::string Lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

bool Documents(const std::string& path, const std::string& method) {
    const auto& paths = Document().at("paths").as_object();
    const auto item = paths.find(path);
    return item != paths.end() && item->value().as_object().contains(Lower(method));
}

TEST(OpenApiDocument, IsOpenApi31Json) {
    boost::system::error_code ec;
    const auto document = json::parse(OpenApiDocument(), ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(document.is_object());
    EXPECT_EQ(document.at("openapi"), "3.1.0");
    EXPECT_FALSE(document.at("info").at("title").as_string().empty());
    EXPECT_FALSE(document.at("info").at("version").as_string().empty());
    EXPECT_NE(document.at("info").at("description").as_string().find("extends"),
              json::string::npos);
}

TEST(OpenApiDocument, EveryRefResolves) {
    std::vector<std::string> refs;
    CollectStrings(Document(), "$ref", refs);
    ASSERT_FALSE(refs.empty());
    const json::value document = Document();
    for (const auto& ref : refs) {
        ASSERT_TRUE(ref.starts_with("#/")) << "only local references are used: " << ref;
        boost::system::error_code ec;
        EXPECT_NE(document.find_pointer(std::string_view(ref).substr(1), ec), nullptr)
            << "unresolved $ref " << ref;
    }
}

TEST(OpenApiDocument, EveryOperationHasAnIdASummaryTagsAndResponses) {
    std::set<std::string> ids;
    const auto operations = Operations();
    ASSERT_GT(operations.size(), 15U);
    for (const auto& [path, method, operation] : operations) {
        SCOPED_TRACE(method + " " + path);
        ASSERT_TRUE(operation->contains("operationId"));
        const std::string id(operation->at("operationId").as_string());
        EXPECT_TRUE(ids.insert(id).second) << "duplicate operationId " << id;
        EXPECT_FALSE(operation->at("summary").as_string().empty());
        EXPECT_FALSE(operation->at("tags").as_array().empty());
        ASSERT_TRUE(operation->contains("responses"));
        const auto& responses = operation->at("responses").as_object();
        EXPECT_TRUE(std::any_of(responses.begin(), responses.end(), [](const auto& r) {
            return r.key().starts_with("2");
        })) << "no success response";
    }
}

TEST(OpenApiDocument, ProtectedRoutesNeedATokenAndDocumentThe401) {
    // Public: sign-up and sign-in, this document, what the server offers, and blob links
    // (their token is the credential).
    const std::set<std::string> open = {"/api/v1/auth/register", "/api/v1/auth/token",
                                        "/api/v1/openapi.json", "/api/v1/meta",
                                        "/api/v1/blob_links/{token}"};
    for (const auto& [path, method, operation] : Operations()) {
        SCOPED_TRACE(method + " " + path);
        const auto& security = operation->at("security").as_array();
        if (path.starts_with("/api/v1/") && !open.contains(path)) {
            EXPECT_FALSE(security.empty());
            ASSERT_TRUE(operation->at("responses").as_object().contains("401"));
        } else {
            EXPECT_TRUE(security.empty());
        }
    }
    const auto& unauthorized =
        Document().at("components").at("responses").at("Unauthorized").as_object();
    EXPECT_TRUE(unauthorized.at("headers").as_object().contains("WWW-Authenticate"));
    EXPECT_TRUE(unauthorized.at("content").as_object().contains("application/problem+json"));
    const auto& password =
        Document().at("components").at("securitySchemes").at("OAuth2PasswordBearer");
    EXPECT_EQ(password.at("flows").at("password").at("tokenUrl"), "/api/v1/auth/token");
}

TEST(OpenApiDocument, PathParametersAreDeclared) {
    static const std::regex kParam(R"(\{([^}]+)\})");
    for (const auto& [path, item] : Document().at("paths").as_object()) {
        const std::string text(path);
        std::vector<std::string> names;
        CollectStrings(item, "name", names);
        std::vector<std::string> refs;
        CollectStrings(item, "$ref", refs);
        for (const auto& ref : refs) {
            boost::system::error_code ec;
            const json::value document = Document();
            if (const auto* target = document.find_pointer(std::string_view(ref).substr(1), ec)) {
                if (const auto* p = target->if_object(); p != nullptr && p->contains("in")) {
                    names.emplace_back(p->at("name").as_string());
                }
            }
        }
        for (auto it = std::sregex_iterator(text.begin(), text.end(), kParam);
             it != std::sregex_iterator(); ++it) {
            EXPECT_NE(std::find(names.begin(), names.end(), (*it)[1].str()), names.end())
                << text << " does not declare {" << (*it)[1].str() << "}";
        }
    }
}

TEST(OpenApiDocument, CredentialsAreOneShapePerAuthTypeAndRejectUnknownFields) {
    const auto& schemas = Document().at("components").at("schemas").as_object();
    const auto& create = schemas.at("ConnectionCreate").as_object();
    EXPECT_EQ(create.at("additionalProperties"), false);
    EXPECT_EQ(create.at("properties").at("credentials").at("oneOf").as_array().size(), 6U);
    for (const auto* name :
         {"ConnectionStringCredentials", "AccountKeyCredentials", "SasTokenCredentials",
          "ServicePrincipalCredentials", "UserMsIdentityCredentials", "AnonymousCredentials",
          "ConnectionUpdate", "UserCreate", "UserUpdateMe", "UserAdminUpdate"}) {
        EXPECT_EQ(schemas.at(name).at("additionalProperties"), false) << name;
    }
    // The response schema has no field for a secret.
    const auto& read = schemas.at("ConnectionRead").at("properties").as_object();
    for (const auto* secret : {"credentials", "account_key", "sas_token", "client_secret",
                               "access_token", "connection_string"}) {
        EXPECT_FALSE(read.contains(secret)) << secret;
    }
}

class OpenApiAppTest : public ::testing::Test {
 protected:
    void SetUp() override {
        store::DatabaseOptions options;
        options.url = "sqlite://" + (dir_.path() / "app.db").string();
        db_ = store::Database::Open(options);
    }

    testing::TempDir dir_{"cerulean-openapi"};
    std::shared_ptr<store::Database> db_;
    http::BlockingPool pool_{1};
};

// The test that fails when a route is added without documenting it.
TEST_F(OpenApiAppTest, EveryRouteOfTheAppIsDocumented) {
    App app({}, db_, pool_);
    ASSERT_FALSE(app.router().routes().empty());
    for (const auto& route : app.router().routes()) {
        if (route.method == "HEAD") continue;
        EXPECT_TRUE(Documents(OpenApiPath(route.pattern), route.method))
            << route.method << " " << route.pattern << " is missing from src/api/openapi.json";
    }
}

// And the other way round: nothing documented that the server does not answer.
TEST_F(OpenApiAppTest, EveryDocumentedOperationIsRouted) {
    App app({}, db_, pool_);
    std::set<std::pair<std::string, std::string>> routed;
    for (const auto& route : app.router().routes()) {
        routed.emplace(Lower(route.method), OpenApiPath(route.pattern));
    }
    for (const auto& [path, method, operation] : Operations()) {
        EXPECT_TRUE(routed.contains({method, path})) << method << " " << path << " is not routed";
    }
}

TEST(OpenApiPath, DropsParameterTypes) {
    EXPECT_EQ(OpenApiPath("/api/v1/azure_blob/connections/{id:int}/test"),
              "/api/v1/azure_blob/connections/{id}/test");
    EXPECT_EQ(OpenApiPath("/a/{id:int}/b/{name}"), "/a/{id}/b/{name}");
}

class DocsRoutesTest : public ::testing::Test {
 protected:
    void SetUp() override {
        fs::create_directories(swagger_);
        std::ofstream(swagger_ / "swagger-ui.css") << "body{}";
        std::ofstream(swagger_ / "swagger-ui-bundle.js") << "var SwaggerUIBundle;";
        std::ofstream(swagger_ / "swagger-ui-standalone-preset.js") << "var Preset;";
        std::ofstream(swagger_ / "index.html") << "<html>not ours</html>";
        std::ofstream(dir_.path() / "secret.txt") << "TOP-SECRET-CONTENT";
    }

    http::Response Get(const http::Router& router, const std::string& target,
                       const std::string& if_none_match = {}) {
        http::Request request("GET", target);
        if (!if_none_match.empty()) request.headers().Set("If-None-Match", if_none_match);
        const auto match = router.Find(request);
        if (match.handler == nullptr) return http::EmptyResponse(404);
        return testing::RunTask((*match.handler)(request));
    }

    // The body of a response, streamed or not.
    static std::string Body(const http::Response& response) {
        if (!response.producer) return response.body;
        struct Sink final : http::BodySink {
            std::string bytes;
            http::Task<void> Write(std::string_view chunk) override {
                bytes.append(chunk);
                co_return;
            }
        } sink;
        testing::RunTask(response.producer(sink));
        return sink.bytes;
    }

    testing::TempDir dir_{"cerulean-docs"};
    fs::path swagger_ = dir_.path() / "swagger-ui-dist";
};

TEST_F(DocsRoutesTest, ServesTheDocumentWithoutCaching) {
    http::Router router;
    AddDocsRoutes(router, swagger_);
    const auto response = Get(router, "/api/v1/openapi.json");
    EXPECT_EQ(response.status, 200);
    EXPECT_TRUE(response.headers.Get("Content-Type")->starts_with("application/json"));
    EXPECT_EQ(response.headers.Get("Cache-Control"), "no-cache");
    EXPECT_EQ(response.body, OpenApiDocument());
    const auto etag = response.headers.Get("ETag");
    ASSERT_TRUE(etag.has_value());
    EXPECT_EQ(Get(router, "/api/v1/openapi.json", std::string(*etag)).status, 304);
}

TEST_F(DocsRoutesTest, ServesASwaggerUiPageOnTheDocument) {
    http::Router router;
    AddDocsRoutes(router, swagger_);
    const auto response = Get(router, "/docs");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.Get("Content-Type"), "text/html; charset=utf-8");
    for (const auto* needle : {"/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js",
                               "/docs/swagger-ui-standalone-preset.js", "/docs/cerulean-init.js"}) {
        EXPECT_NE(response.body.find(needle), std::string::npos) << needle;
    }
    // The server's Content-Security-Policy allows no inline script: every <script> has a src.
    EXPECT_EQ(response.body.find("<script>"), std::string::npos);
    const auto init = Get(router, "/docs/cerulean-init.js");
    EXPECT_EQ(init.status, 200);
    EXPECT_TRUE(init.headers.Get("Content-Type")->starts_with("text/javascript"));
    for (const auto* needle : {"\"/api/v1/openapi.json\"", "persistAuthorization: true"}) {
        EXPECT_NE(init.body.find(needle), std::string::npos) << needle;
    }
}

TEST_F(DocsRoutesTest, ServesSwaggerUiFilesFromTheFolder) {
    http::Router router;
    AddDocsRoutes(router, swagger_);
    const auto css = Get(router, "/docs/swagger-ui.css");
    EXPECT_EQ(css.status, 200);
    EXPECT_EQ(css.headers.Get("Content-Type"), "text/css; charset=utf-8");
    EXPECT_EQ(Body(css), "body{}");
    const auto js = Get(router, "/docs/swagger-ui-bundle.js");
    EXPECT_EQ(js.status, 200);
    EXPECT_EQ(js.headers.Get("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(Body(js), "var SwaggerUIBundle;");
    EXPECT_EQ(Get(router, "/docs/swagger-ui.css", std::string(*css.headers.Get("ETag"))).status,
              304);
}

TEST_F(DocsRoutesTest, ServesNothingElse) {
    http::Router router;
    AddDocsRoutes(router, swagger_);
    for (const auto* target :
         {"/docs/..%2Fsecret.txt", "/docs/%2E%2E%2Fsecret.txt", "/docs/index.html",
          "/docs/package.json", "/docs/../secret.txt", "/docs/swagger-ui.css%00"}) {
        const auto response = Get(router, target);
        EXPECT_EQ(response.status, 404) << target;
        EXPECT_EQ(Body(response).find("TOP-SECRET"), std::string::npos) << target;
    }
}

TEST_F(DocsRoutesTest, AMissingSwaggerUiIsAClear503) {
    http::Router router;
    AddDocsRoutes(router, dir_.path() / "not-installed");
    for (const auto* target : {"/docs", "/docs/swagger-ui.css"}) {
        const auto response = Get(router, target);
        EXPECT_EQ(response.status, 503) << target;
        EXPECT_EQ(response.headers.Get("Content-Type"), "application/problem+json");
        EXPECT_EQ(json::parse(response.body).at("code"), "swagger_ui_unavailable");
    }
    // The document itself does not depend on the npm package.
    EXPECT_EQ(Get(router, "/api/v1/openapi.json").status, 200);
}

TEST(SwaggerUiDist, IsPinnedToAnExactVersionAndHoldsTheServedFiles) {
    const fs::path root = CERULEAN_SOURCE_DIR;
    std::ifstream in(root / "package.json");
    std::stringstream text;
    text << in.rdbuf();
    const auto package = json::parse(text.str());
    const std::string version(package.at("devDependencies").at("swagger-ui-dist").as_string());
    EXPECT_TRUE(std::regex_match(version, std::regex(R"(\d+\.\d+\.\d+)"))) << version;
    const fs::path dist = root / "node_modules" / "swagger-ui-dist";
    if (!fs::is_directory(dist)) GTEST_SKIP() << "npm ci has not been run";
    for (const auto file : kSwaggerUiFiles) {
        EXPECT_TRUE(fs::is_regular_file(dist / std::string(file))) << file;
    }
}

}  // namespace
}  // namespace cerulean::api
