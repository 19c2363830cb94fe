// The audit log through the API: what is recorded, who may read it, its filters, and that it
// never holds a secret.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api/api_fixture.hpp"
#include "store/user_repository.hpp"

namespace cerulean::testing {
namespace {

constexpr std::string_view kAccountKey = "c2VjcmV0LWtleS1ub3QtcmVhbC0wMTIzNDU2Nzg5YWJjZGVmZ2g=";

class AuditApiTest : public ApiTest {
 protected:
    // Actions of `token`'s audit log, newest first.
    std::vector<std::string> Actions(const std::string& token, const std::string& query = {}) {
        const auto page = Call("GET", "/api/v1/audit" + query, {}, token);
        EXPECT_EQ(page.status, 200) << page.body;
        std::vector<std::string> actions;
        if (page.status != 200) return actions;
        for (const auto& item : page["items"].as_array()) {
            actions.emplace_back(item.at("action").as_string());
        }
        return actions;
    }

    std::int64_t CreateConnection(const std::string& token, const std::string& name) {
        const auto created = Json("POST", "/api/v1/azure_blob/connections",
                                  {{"name", name},
                                   {"auth_type", "account_key"},
                                   {"account_name", "acct"},
                                   {"credentials", {{"account_key", kAccountKey}}}},
                                  token);
        EXPECT_EQ(created.status, 201) << created.body;
        return created.status == 201 ? created["id"].as_int64() : 0;
    }
};

TEST_P(AuditApiTest, SignInsAndConnectionChangesAreRecordedWithTheirOrigin) {
    const std::string token = SignUp("ann@x.io");
    remote_address_ = "198.51.100.7";
    EXPECT_EQ(Call("POST", "/api/v1/auth/token",
                   "grant_type=password&username=ann@x.io&password=wrong-password", {},
                   "application/x-www-form-urlencoded")
                  .status,
              401);
    const std::int64_t id = CreateConnection(token, "work");
    const std::string path = "/api/v1/azure_blob/connections/" + std::to_string(id);
    EXPECT_EQ(Json("PATCH", path, {{"name", "work-2"}}, token).status, 200);
    EXPECT_EQ(Call("DELETE", path, {}, token).status, 204);

    EXPECT_EQ(Actions(token), (std::vector<std::string>{"connection.deleted", "connection.updated",
                                                        "connection.created", "auth.sign_in_failed",
                                                        "auth.signed_in"}));
    const auto page = Call("GET", "/api/v1/audit?limit=1&skip=1", {}, token);
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page["total"], 5);
    const auto& updated = page["items"].as_array().at(0).as_object();
    EXPECT_EQ(updated.at("action"), "connection.updated");
    EXPECT_EQ(updated.at("actor"), "ann@x.io");
    EXPECT_EQ(updated.at("target_type"), "connection");
    EXPECT_EQ(updated.at("target_id").as_string(), std::to_string(id));
    EXPECT_EQ(updated.at("remote_address"), "198.51.100.7");
    EXPECT_TRUE(updated.contains("request_id"));  // in-process requests have none
    EXPECT_EQ(updated.at("detail").at("fields"), boost::json::array{"name"});
    EXPECT_EQ(updated.at("detail").at("name"), "work-2");  // the name it has now
    const auto deleted = Call("GET", "/api/v1/audit?limit=1", {}, token);
    EXPECT_EQ(deleted["items"].as_array().at(0).at("detail").at("name"), "work-2");
}

TEST_P(AuditApiTest, NoSecretReachesTheLog) {
    const std::string token = SignUp("ben@x.io", "a-long-password-77");
    const std::int64_t id = CreateConnection(token, "secretive");
    const std::string path = "/api/v1/azure_blob/connections/" + std::to_string(id);
    EXPECT_EQ(
        Json("PATCH", path,
             {{"credentials", {{"account_key", "bmV3LXNlY3JldC1rZXktMDEyMzQ1Njc4OWFiY2RlZg=="}}}},
             token)
            .status,
        200);
    const auto page = Call("GET", "/api/v1/audit", {}, token);
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page["total"], 3);
    EXPECT_EQ(page.body.find(kAccountKey), std::string::npos);
    EXPECT_EQ(page.body.find("bmV3LXNlY3JldC1rZXktMDEyMzQ1Njc4OWFiY2RlZg"), std::string::npos);
    EXPECT_EQ(page.body.find("a-long-password-77"), std::string::npos);
    EXPECT_NE(page.body.find("\"credentials\""), std::string::npos);  // the field's name only
}

TEST_P(AuditApiTest, UsersReadTheirOwnTrailAndSuperusersEveryones) {
    const std::string carl = SignUp("carl@x.io");
    const std::string dana = SignUp("dana@x.io");
    CreateConnection(dana, "dana's");
    EXPECT_EQ(Actions(carl), std::vector<std::string>{"auth.signed_in"});
    store::UserRepository users(db_);
    const std::int64_t dana_id = users.FindByEmail("dana@x.io")->id;
    const auto forbidden =
        Call("GET", "/api/v1/audit?user_id=" + std::to_string(dana_id), {}, carl);
    EXPECT_EQ(forbidden.status, 403);
    EXPECT_EQ(forbidden["code"], "not_superuser");

    store::UserUpdate promote;
    promote.is_superuser = true;
    users.Update(users.FindByEmail("carl@x.io")->id, promote);
    EXPECT_EQ(Actions(carl).size(), 3U);  // both users' sign-ins and dana's connection
    EXPECT_EQ(Actions(carl, "?user_id=" + std::to_string(dana_id)),
              (std::vector<std::string>{"connection.created", "auth.signed_in"}));
}

TEST_P(AuditApiTest, FiltersByActionFamilyAndTime) {
    const std::string token = SignUp("eve@x.io");
    CreateConnection(token, "one");
    CreateConnection(token, "two");
    EXPECT_EQ(Actions(token, "?action=connection."),
              (std::vector<std::string>{"connection.created", "connection.created"}));
    EXPECT_EQ(Actions(token, "?action=auth.signed_in"), std::vector<std::string>{"auth.signed_in"});
    EXPECT_TRUE(Actions(token, "?action=connection").empty());  // a family needs its dot
    EXPECT_TRUE(Actions(token, "?since=2999-01-01T00:00:00Z").empty());
    EXPECT_EQ(Actions(token, "?until=2999-01-01T00:00:00Z").size(), 3U);
    const auto bad = Call("GET", "/api/v1/audit?action=DROP%20TABLE&since=yesterday", {}, token);
    EXPECT_EQ(bad.status, 422);
    std::set<std::string> fields;
    for (const auto& e : bad["errors"].as_array()) {
        fields.insert(std::string(e.at("field").as_string()));
    }
    EXPECT_EQ(fields, (std::set<std::string>{"action", "since"}));
    EXPECT_EQ(Call("GET", "/api/v1/audit").status, 401);
}

CERULEAN_ON_BOTH_DATABASES(AuditApiTest);

}  // namespace
}  // namespace cerulean::testing
