// Broken object-level authorization, tried on every route the API has: a user who names
// another user's connection, sync job or run must get exactly the answer a missing one gets,
// whatever the method, and nothing of theirs may change.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "api/api_fixture.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {
namespace {

constexpr std::int64_t kMissing = 987654321;

class OwnershipProbeTest : public ApiTest {
 protected:
    void Configure(api::AppOptions& options) override {
        root_ = std::make_unique<TempDir>("cerulean-probe");
        options.sync_jobs.sync_root = root_->path();
    }

    // `pattern` with its parameters filled in: ids from `connection` and `job`.
    static std::string Fill(std::string pattern, std::int64_t connection, std::int64_t job) {
        const auto put = [&pattern](std::string_view name, const std::string& value) {
            const auto at = pattern.find(name);
            if (at != std::string::npos) pattern.replace(at, name.size(), value);
        };
        put("{id:int}", std::to_string(connection));
        put("{job_id:int}", std::to_string(job));
        put("{container}", "docs");
        put("{token}", "x");
        return pattern;
    }

    std::unique_ptr<TempDir> root_;
};

TEST_P(OwnershipProbeTest, AnotherUsersThingsAnswerExactlyAsMissingOnesOnEveryRoute) {
    const std::string owner = SignUp("owner@x.io");
    const std::string intruder = SignUp("intruder@x.io");
    const auto connection = Json("POST", "/api/v1/azure_blob/connections",
                                 {{"name", "mine"},
                                  {"auth_type", "account_key"},
                                  {"account_name", "acct"},
                                  {"container_name", "docs"},
                                  {"credentials", {{"account_key", "c2VjcmV0"}}}},
                                 owner);
    ASSERT_EQ(connection.status, 201) << connection.body;
    const std::int64_t connection_id = connection["id"].as_int64();
    const auto job = Json(
        "POST", "/api/v1/azure_blob/connections/" + std::to_string(connection_id) + "/sync_jobs",
        {{"direction", "download"}, {"container", "docs"}, {"local_path", "a"}}, owner);
    ASSERT_EQ(job.status, 202) << job.body;
    const std::int64_t job_id = job["id"].as_int64();
    // The intruder has a connection too, so that their own ids exist in the same tables.
    ASSERT_EQ(Json("POST", "/api/v1/azure_blob/connections",
                   {{"name", "theirs"},
                    {"auth_type", "account_key"},
                    {"account_name", "acct2"},
                    {"credentials", {{"account_key", "c2VjcmV0"}}}},
                   intruder)
                  .status,
              201);

    int probed = 0;
    for (const auto& route : app_->router().routes()) {
        if (route.pattern.find("{id:int}") == std::string::npos ||
            route.pattern.rfind("/api/v1/users", 0) == 0) {
            continue;  // not an object of a user's (users/{id} is for superusers: tested there)
        }
        const std::string query = "?container=docs&name=a.txt";
        const std::string body = "{}";
        const auto theirs =
            Call(route.method, Fill(route.pattern, connection_id, job_id) + query, body, intruder);
        const auto missing =
            Call(route.method, Fill(route.pattern, kMissing, kMissing) + query, body, intruder);
        EXPECT_EQ(theirs.status, missing.status) << route.method << " " << route.pattern;
        EXPECT_NE(theirs.status / 100, 2) << route.method << " " << route.pattern;
        if (theirs.json.is_object() && missing.json.is_object()) {
            EXPECT_EQ(theirs.json.as_object().if_contains("code") != nullptr ? theirs["code"]
                                                                             : boost::json::value(),
                      missing.json.as_object().if_contains("code") != nullptr
                          ? missing["code"]
                          : boost::json::value())
                << route.method << " " << route.pattern;
        }
        ++probed;
    }
    EXPECT_GE(probed, 20);

    // Nothing of the owner's changed.
    const std::string base = "/api/v1/azure_blob/connections/" + std::to_string(connection_id);
    const auto still = Call("GET", base, {}, owner);
    ASSERT_EQ(still.status, 200);
    EXPECT_EQ(still["name"], "mine");
    const auto runs =
        Call("GET", base + "/sync_jobs/" + std::to_string(job_id) + "/runs", {}, owner);
    ASSERT_EQ(runs.status, 200);
    EXPECT_EQ(runs["total"], 1);
    EXPECT_EQ(runs["items"].as_array().at(0).at("status"), "queued");  // not cancelled
}

TEST_P(OwnershipProbeTest, FieldsABodyMustNotSetAreRefusedNotApplied) {
    const std::string token = SignUp("mass@x.io");
    for (const char* field : {"user_id", "id", "is_superuser", "created_at", "owner"}) {
        const auto created = Json("POST", "/api/v1/azure_blob/connections",
                                  {{"name", std::string("c-") + field},
                                   {"auth_type", "account_key"},
                                   {"account_name", "acct"},
                                   {"credentials", {{"account_key", "c2VjcmV0"}}},
                                   {field, 1}},
                                  token);
        EXPECT_EQ(created.status, 422) << field;
        const auto job = Json(
            "POST", "/api/v1/azure_blob/connections/1/sync_jobs",
            {{"direction", "download"}, {"container", "docs"}, {"local_path", "a"}, {field, 1}},
            token);
        EXPECT_EQ(job.status, 422) << field;
        const auto me = Json("PATCH", "/api/v1/users/me", {{field, 1}}, token);
        EXPECT_EQ(me.status, 422) << field;
    }
    const auto me = Call("GET", "/api/v1/users/me", {}, token);
    EXPECT_EQ(me["is_superuser"], false);
    EXPECT_EQ(Call("GET", "/api/v1/azure_blob/connections", {}, token)["total"], 0);
}

CERULEAN_ON_BOTH_DATABASES(OwnershipProbeTest);

}  // namespace
}  // namespace cerulean::testing
