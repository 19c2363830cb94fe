#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>

#include "api/app.hpp"
#include "http/run_task.hpp"
#include "store/database_fixture.hpp"
#include "store/migrations.hpp"

namespace cerulean::testing {

/// A response as a test reads it.
struct ApiResponse {
    int status = 0;           ///< HTTP status
    http::Headers headers;    ///< header fields
    std::string body;         ///< raw body
    boost::json::value json;  ///< parsed body (null when not JSON)

    /// A field of a JSON object body.
    [[nodiscard]] const boost::json::value& operator[](std::string_view key) const {
        return json.as_object().at(key);
    }
};

/// A response as a test reads it, its body parsed when it is JSON (`body_override`: the bytes
/// of a streamed body the caller collected).
inline ApiResponse ToApiResponse(const http::Response& response,
                                 std::optional<std::string> body_override = std::nullopt) {
    ApiResponse out;
    out.status = response.status;
    out.headers = response.headers;
    out.body = body_override ? std::move(*body_override) : response.body;
    boost::system::error_code ec;
    out.json = boost::json::parse(out.body, ec);
    if (ec) out.json = nullptr;
    return out;
}

/// The whole API in process, on SQLite or PostgreSQL, driven through App::Handle: requests and
/// responses as HTTP has them, without sockets.
class ApiTest : public DatabaseTest {
 protected:
    void SetUp() override {
        DatabaseTest::SetUp();
        store::Migrate(*db_);
        api::AppOptions options;
        options.password = {1, 8U << 10U, 4096};  // cheap Argon2id: tests hash a lot
        options.master_keys = {{"k1", std::string(32, 'k')}};
        options.connections.endpoints.allow_loopback = true;
        Configure(options);
        app_ = std::make_unique<api::App>(options, db_, pool_);
    }

    /// Lets a suite change the options before the app is built.
    virtual void Configure(api::AppOptions& /*options*/) {}

    ApiResponse Call(const std::string& method, const std::string& target,
                     const std::string& body = {}, const std::string& token = {},
                     const std::string& content_type = "application/json") {
        http::Request request(method, target);
        if (!body.empty()) {
            request.headers().Set("Content-Type", content_type);
            request.set_body(body);
        }
        if (!token.empty()) request.headers().Set("Authorization", "Bearer " + token);
        request.set_remote_address(remote_address_);
        return ToApiResponse(RunTask(app_->Handle(request)));
    }

    ApiResponse Json(const std::string& method, const std::string& target,
                     const boost::json::value& body, const std::string& token = {}) {
        return Call(method, target, boost::json::serialize(body), token);
    }

    /// Registers `email` and returns a token for it.
    std::string SignUp(const std::string& email, const std::string& password = "password123") {
        const auto registered =
            Json("POST", "/api/v1/auth/register", {{"email", email}, {"password", password}});
        EXPECT_EQ(registered.status, 201) << registered.body;
        return Login(email, password);
    }

    std::string Login(const std::string& email, const std::string& password) {
        const auto token = Call("POST", "/api/v1/auth/token",
                                "grant_type=password&username=" + email + "&password=" + password,
                                {}, "application/x-www-form-urlencoded");
        EXPECT_EQ(token.status, 200) << token.body;
        return token.status == 200 ? std::string(token["access_token"].as_string()) : "";
    }

    http::BlockingPool pool_{4};
    std::unique_ptr<api::App> app_;
    std::string remote_address_ = "192.0.2.10";
};

}  // namespace cerulean::testing
