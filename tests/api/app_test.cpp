#include "api/app.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "http/run_task.hpp"
#include "store/migrations.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::api {
namespace {

namespace fs = std::filesystem;

class AppTest : public ::testing::Test {
 protected:
    void SetUp() override {
        store::DatabaseOptions options;
        options.url = "sqlite://" + (dir_.path() / "app.db").string();
        db_ = store::Database::Open(options);
    }

    http::Response Get(App& app, const std::string& target, std::string accept = "*/*") {
        http::Request request("GET", target);
        request.headers().Set("Accept", accept);
        return testing::RunTask(app.Handle(request));
    }

    static boost::json::object Json(const http::Response& response) {
        return boost::json::parse(response.body).as_object();
    }

    testing::TempDir dir_{"cerulean-api"};
    std::shared_ptr<store::Database> db_;
    http::BlockingPool pool_{2};
};

TEST_F(AppTest, HealthzIsAlwaysOk) {
    App app({}, db_, pool_);
    const auto response = Get(app, "/healthz");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.Get("Content-Type"), "application/json; charset=utf-8");
    EXPECT_EQ(Json(response).at("status"), "ok");
}

TEST_F(AppTest, ReadyzWaitsForTheMigratedSchema) {
    App app({}, db_, pool_);
    const long owners = db_.use_count();
    const auto before = Get(app, "/readyz");
    // The check runs on the blocking pool and must hand back exactly the references it took
    // (g++ 12 once dropped one too many here: see docs/DEVELOPING.md).
    EXPECT_EQ(db_.use_count(), owners);
    EXPECT_EQ(before.status, 503);
    EXPECT_EQ(before.headers.Get("Content-Type"), "application/problem+json");
    EXPECT_EQ(Json(before).at("code"), "not_ready");
    EXPECT_EQ(Json(before).at("detail"), "database: schema not current: run cerulean migrate");
    EXPECT_EQ(Json(before).at("checks").at("database"), "schema not current: run cerulean migrate");
    store::Migrate(*db_);
    const auto after = Get(app, "/readyz");
    EXPECT_EQ(after.status, 200);
    EXPECT_EQ(Json(after).at("schema_version"), store::BuiltinMigrations().back().version);
}

TEST_F(AppTest, UnknownApiPathsAreProblemDetails) {
    App app({}, db_, pool_);
    const auto response = Get(app, "/api/v1/nothing-here");
    EXPECT_EQ(response.status, 404);
    const auto body = Json(response);
    EXPECT_EQ(body.at("type"), "about:blank");
    EXPECT_EQ(body.at("title"), "Not Found");
    EXPECT_EQ(body.at("status"), 404);
    EXPECT_EQ(body.at("code"), "not_found");
}

TEST_F(AppTest, WrongMethodIs405WithAllow) {
    App app({}, db_, pool_);
    http::Request request("DELETE", "/healthz");
    const auto response = testing::RunTask(app.Handle(request));
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(response.headers.Get("Allow"), "GET");
}

TEST_F(AppTest, ServesTheWebUiWithSpaFallbackButNotForApiPaths) {
    const fs::path web = dir_.path() / "dist";
    fs::create_directories(web);
    std::ofstream(web / "index.html") << "<html>ui</html>";
    AppOptions options;
    options.web_root = web;
    App app(options, db_, pool_);
    EXPECT_EQ(Get(app, "/", "text/html").status, 200);
    EXPECT_EQ(Get(app, "/connections/3", "text/html").status, 200);
    EXPECT_EQ(Get(app, "/api/v1/connections/3", "text/html").status, 404);
}

TEST_F(AppTest, ShowsALandingPageBeforeTheWebUiIsBuilt) {
    AppOptions options;
    options.web_root = dir_.path() / "missing";
    App app(options, db_, pool_);
    const auto response = Get(app, "/", "text/html");
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.body.find("Cerulean is running"), std::string::npos);
}

}  // namespace
}  // namespace cerulean::api
