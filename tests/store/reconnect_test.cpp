// A PostgreSQL restart under a running server: requests fail cleanly while it is down and the
// pool recovers by itself once it is back (issue 13: pooled sessions never reconnected, and
// /readyz stayed 503 until Cerulean was restarted).

#include <gtest/gtest.h>

#include <chrono>

#include "core/error.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "support/postgres_server.hpp"

namespace cerulean::testing {
namespace {

// True when a trivial query answers; a database error (never a hang) counts as false.
bool Answers(store::Database& db) {
    try {
        db.Ping();
        return true;
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), core::ErrorCode::kUnavailable) << e.what();
        return false;
    }
}

TEST(PostgresReconnect, EveryPooledSessionRecoversAfterTheServerRestarts) {
    PostgresServer server;  // its own: stopping the shared one would break other suites
    store::DatabaseOptions options;
    options.url = server.url();
    options.pool_size = 4;
    auto db = store::Database::Open(options);
    store::Migrate(*db);
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(Answers(*db));

    server.Stop();
    const auto down_at = std::chrono::steady_clock::now();
    for (int i = 0; i < 4; ++i) EXPECT_FALSE(Answers(*db));
    EXPECT_LT(std::chrono::steady_clock::now() - down_at, std::chrono::seconds(20))
        << "requests must fail promptly while the database is down";

    server.Start();
    // Once one session has found the server gone, every other one checks its connection at
    // its next lease: nothing fails after the restart, however many sessions the pool has.
    for (int i = 0; i < 16; ++i) EXPECT_TRUE(Answers(*db)) << "query " << i << " after restart";
    store::CheckSchemaCurrent(*db);
}

TEST(PostgresReconnect, ARestartWhileIdleCostsAtMostOneFailedRequest) {
    PostgresServer server;
    store::DatabaseOptions options;
    options.url = server.url();
    options.pool_size = 4;
    auto db = store::Database::Open(options);
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(Answers(*db));

    server.Stop();
    server.Start();  // nobody asked while it was down
    int failed = 0;
    for (int i = 0; i < 16; ++i) failed += Answers(*db) ? 0 : 1;
    EXPECT_LE(failed, 1);
    EXPECT_TRUE(Answers(*db));
}

}  // namespace
}  // namespace cerulean::testing
