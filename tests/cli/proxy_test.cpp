// Behind a reverse proxy (issue 16): real nginx on loopback in front of `cerulean serve`, and
// clients bound to different loopback addresses. The server believes X-Forwarded-For only from
// the proxy (CERULEAN_TRUSTED_PROXIES), so each client is throttled and logged by its own
// address, and a client that forges the header to the server directly gains nothing. nginx runs
// the configuration docs/DEPLOY.md shows (deploy/nginx, through tests/cli/nginx_fixture.hpp).

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "cli/nginx_fixture.hpp"
#include "cli/serve_fixture.hpp"

namespace cerulean::testing {
namespace {

int Status(const std::string& response) {
    return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

class ProxyTest : public ServeTest {
 protected:
    void SetUp() override {
        server_port_ = Serve({{"CERULEAN_TRUSTED_PROXIES", "127.0.0.1"}});
        // deploy/nginx's configuration, as docs/DEPLOY.md has it.
        nginx_ =
            std::make_unique<NginxProcess>(dir_.path() / "nginx", std::vector<int>{server_port_});
        proxy_port_ = nginx_->port();
        for (const auto* email : {"ann@x.io", "ben@x.io"}) {
            const std::string body =
                std::string(R"({"email":")") + email + R"(","password":"password123"})";
            ASSERT_EQ(Status(HttpCall(proxy_port_, "POST", "/api/v1/auth/register", body,
                                      "Content-Type: application/json\r\n")),
                      201);
        }
    }

    // A sign-in through nginx from the loopback address `from`; the status.
    int SignIn(const std::string& from, const std::string& email, const std::string& password,
               int port = 0, const std::string& headers = {}) {
        const std::string body =
            R"({"username":")" + email + R"(","password":")" + password + R"("})";
        return Status(HttpCall(port == 0 ? proxy_port_ : port, "POST", "/api/v1/auth/token", body,
                               "Content-Type: application/json\r\n" + headers, from));
    }

    int server_port_ = 0;
    int proxy_port_ = 0;
    std::unique_ptr<NginxProcess> nginx_;
};

TEST_F(ProxyTest, OneClientsWrongPasswordsLockOutOnlyThatClient) {
    for (int i = 0; i < 10; ++i) EXPECT_EQ(SignIn("127.0.0.2", "ann@x.io", "wrong-pass"), 401) << i;
    EXPECT_EQ(SignIn("127.0.0.2", "ann@x.io", "password123"), 429);
    EXPECT_EQ(SignIn("127.0.0.3", "ben@x.io", "password123"), 200);  // everyone else
    EXPECT_EQ(SignIn("127.0.0.4", "ann@x.io", "password123"), 200);  // the owner, elsewhere

    const std::string log = LogWith("remote=127.0.0.4");
    EXPECT_NE(log.find("remote=127.0.0.2"), std::string::npos);
    EXPECT_NE(log.find("remote=127.0.0.3"), std::string::npos);
    EXPECT_NE(log.find("remote=127.0.0.4"), std::string::npos);
}

TEST_F(ProxyTest, AForgedHeaderSentStraightToTheServerIsNotBelieved) {
    // 127.0.0.5 is no trusted proxy: its X-Forwarded-For is ignored, whatever it claims.
    for (int i = 0; i < 10; ++i) {
        const std::string forged = "X-Forwarded-For: 198.51.100." + std::to_string(i) + "\r\n";
        EXPECT_EQ(SignIn("127.0.0.5", "ann@x.io", "wrong-pass", server_port_, forged), 401);
    }
    EXPECT_EQ(SignIn("127.0.0.5", "ann@x.io", "password123", server_port_,
                     "X-Forwarded-For: 203.0.113.77\r\n"),
              429);
    EXPECT_NE(LogWith("remote=127.0.0.5").find("remote=127.0.0.5"), std::string::npos);
    EXPECT_EQ(Log().find("remote=198.51.100."), std::string::npos);
    // Through the proxy, a forged left-most entry does not hide the real address either, nor
    // does a forged Forwarded header (which the server would read first: nginx drops it).
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(SignIn("127.0.0.6", "ben@x.io", "wrong-pass", 0,
                         "X-Forwarded-For: 198.51.100." + std::to_string(i) +
                             "\r\nForwarded: for=192.0.2." + std::to_string(i) + "\r\n"),
                  401);
    }
    EXPECT_EQ(SignIn("127.0.0.6", "ben@x.io", "password123", 0, "X-Forwarded-For: 203.0.113.8\r\n"),
              429);
    EXPECT_EQ(SignIn("127.0.0.7", "ben@x.io", "password123"), 200);
}

}  // namespace
}  // namespace cerulean::testing
