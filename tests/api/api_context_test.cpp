#include "api/api_context.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "core/clock.hpp"

namespace cerulean::api {
namespace {

// Text that exercises every escape: quotes, backslashes, control characters, DEL, '/' and
// multi-byte UTF-8.
const std::string kAwkward = std::string("a\"b\\c/d\b\f\n\r\t\x01\x1f\x7f") + '\0' + "é€😀";

TEST(ApiJson, WritesUsersAsBoostJsonWould) {
    core::User user;
    user.id = 42;
    user.email = "alice@example.com";
    user.created_at = 1'760'000'000'123;
    EXPECT_EQ(UserJsonText(user), boost::json::serialize(UserJson(user)));
    user.full_name = kAwkward;
    user.is_superuser = true;
    user.is_active = false;
    EXPECT_EQ(UserJsonText(user), boost::json::serialize(UserJson(user)));
}

TEST(ApiJson, WritesConnectionsAsBoostJsonWould) {
    core::Connection c;
    c.id = 7;
    c.user_id = -3;
    c.name = kAwkward;
    c.account_name = "acct";
    c.auth_type = core::AuthType::kSasToken;
    c.endpoint = "https://acct.blob.core.windows.net/";
    c.created_at = 1;
    c.updated_at = 1'760'000'000'999;
    const auto expected = [&c] {
        boost::json::object o;
        o["id"] = c.id;
        o["user_id"] = c.user_id;
        o["name"] = c.name;
        o["auth_type"] = core::ToString(c.auth_type);
        o["account_name"] = c.account_name;
        o["endpoint"] = c.endpoint;
        o["container_name"] = c.container_name ? boost::json::value(*c.container_name) : nullptr;
        o["is_active"] = c.is_active;
        o["sync_preferences"] =
            c.sync_preferences ? boost::json::parse(*c.sync_preferences) : nullptr;
        o["created_at"] = core::FormatRfc3339(c.created_at);
        o["updated_at"] = core::FormatRfc3339(c.updated_at);
        return boost::json::serialize(o);
    };
    EXPECT_EQ(ConnectionJson(c), expected());
    c.container_name = "docs\n";
    c.sync_preferences = R"({"mode":"mirror","paths":["a","b"]})";
    c.is_active = false;
    EXPECT_EQ(ConnectionJson(c), expected());
}

}  // namespace
}  // namespace cerulean::api
