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

std::string UserAsBoostJson(const core::User& user) {
    boost::json::object o;
    o["id"] = user.id;
    o["email"] = user.email;
    o["full_name"] = user.full_name ? boost::json::value(*user.full_name) : nullptr;
    o["is_active"] = user.is_active;
    o["is_superuser"] = user.is_superuser;
    o["created_at"] = core::FormatRfc3339(user.created_at);
    return boost::json::serialize(o);
}

TEST(ApiJson, WritesUsersAsBoostJsonWould) {
    core::User user;
    user.id = 42;
    user.email = "alice@example.com";
    user.created_at = 1'760'000'000'123;
    EXPECT_EQ(UserJsonText(user), UserAsBoostJson(user));
    user.full_name = kAwkward;
    user.is_superuser = true;
    user.is_active = false;
    EXPECT_EQ(UserJsonText(user), UserAsBoostJson(user));
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

TEST(ApiJson, WritesAListPageAsBoostJsonWould) {
    core::User a;
    a.id = 1;
    a.email = "a@x.io";
    core::User b = a;
    b.id = 2;
    b.full_name = kAwkward;
    const std::vector<core::User> users{a, b};
    EXPECT_EQ(ListJson(users, 12, AppendUserJson),
              R"({"items":[)" + UserAsBoostJson(a) + "," + UserAsBoostJson(b) + R"(],"total":12})");
    EXPECT_EQ(ListJson(std::vector<core::User>{}, 0, AppendUserJson), R"({"items":[],"total":0})");
}

}  // namespace
}  // namespace cerulean::api
