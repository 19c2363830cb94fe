// /readyz while PostgreSQL restarts under the server: 503 naming the failed check in a fixed
// phrase (never the driver's words), and ready again by itself once the database is back.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/app.hpp"
#include "http/run_task.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "support/postgres_server.hpp"

namespace cerulean::testing {
namespace {

http::Response Readyz(api::App& app) {
    http::Request request("GET", "/readyz");
    return RunTask(app.Handle(request));
}

TEST(Readyz, SaysTheDatabaseIsUnreachableAndRecoversWhenItIsBack) {
    PostgresServer server;
    store::DatabaseOptions options;
    options.url = server.url();
    options.pool_size = 2;
    auto db = store::Database::Open(options);
    store::Migrate(*db);
    http::BlockingPool pool(2);
    api::App app({}, db, pool);
    ASSERT_EQ(Readyz(app).status, 200);

    server.Stop();
    const auto down = Readyz(app);
    EXPECT_EQ(down.status, 503);
    const auto body = boost::json::parse(down.body).as_object();
    EXPECT_EQ(body.at("code"), "not_ready");
    EXPECT_EQ(body.at("detail"), "database: unreachable");
    EXPECT_EQ(body.at("checks").at("database"), "unreachable");
    for (const auto* driver_words : {"127.0.0.1", "refused", "connection to server", "port"}) {
        EXPECT_EQ(down.body.find(driver_words), std::string::npos) << driver_words;
    }

    server.Start();
    EXPECT_EQ(Readyz(app).status, 200);
}

}  // namespace
}  // namespace cerulean::testing
