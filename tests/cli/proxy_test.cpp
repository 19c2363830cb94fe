// Behind a reverse proxy (issue 16): real nginx on loopback in front of `cerulean serve`, and
// clients bound to different loopback addresses. The server believes X-Forwarded-For only from
// the proxy (CERULEAN_TRUSTED_PROXIES), so each client is throttled and logged by its own
// address, and a client that forges the header to the server directly gains nothing.

#include <gtest/gtest.h>

#include <fstream>

#include "cli/serve_fixture.hpp"

namespace cerulean::testing {
namespace {

// The shape docs and README give for nginx in front of Cerulean.
constexpr std::string_view kNginxConfig = R"(daemon off;
worker_processes 1;
pid nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path body;
    proxy_temp_path proxy;
    fastcgi_temp_path fastcgi;
    uwsgi_temp_path uwsgi;
    scgi_temp_path scgi;
    upstream cerulean { server 127.0.0.1:SERVER_PORT; }
    server {
        listen 127.0.0.1:PROXY_PORT;
        client_max_body_size 0;
        location / {
            proxy_pass http://cerulean;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_request_buffering off;
            proxy_buffering off;
        }
    }
}
)";

std::string Replace(std::string text, std::string_view what, const std::string& with) {
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at)) {
        text.replace(at, what.size(), with);
    }
    return text;
}

int Status(const std::string& response) {
    return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

class ProxyTest : public ServeTest {
 protected:
    void SetUp() override {
        server_port_ = Serve({{"CERULEAN_TRUSTED_PROXIES", "127.0.0.1"}});
        proxy_port_ = FreeLoopbackPort();
        const auto dir = dir_.path() / "nginx";
        std::filesystem::create_directories(dir);
        std::ofstream(dir / "nginx.conf") << Replace(
            Replace(std::string(kNginxConfig), "SERVER_PORT", std::to_string(server_port_)),
            "PROXY_PORT", std::to_string(proxy_port_));
        nginx_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{"nginx", "-p", dir.string(), "-c", "nginx.conf", "-e",
                                     (dir / "error.log").string()},
            dir / "nginx.out", ChildProcessOptions{});
        bool listening = false;
        for (int i = 0; i < 100 && !listening && nginx_->Running(); ++i) {
            listening = WaitForTcp(proxy_port_, std::chrono::milliseconds(100));
        }
        ASSERT_TRUE(listening) << "nginx did not start:\n"
                               << FileTail(dir / "error.log", 4096) << nginx_->LogTail();
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
    std::unique_ptr<ChildProcess> nginx_;
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
    // Through the proxy, a forged left-most entry does not hide the real address either.
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(SignIn("127.0.0.6", "ben@x.io", "wrong-pass", 0,
                         "X-Forwarded-For: 198.51.100." + std::to_string(i) + "\r\n"),
                  401);
    }
    EXPECT_EQ(SignIn("127.0.0.6", "ben@x.io", "password123", 0, "X-Forwarded-For: 203.0.113.8\r\n"),
              429);
    EXPECT_EQ(SignIn("127.0.0.7", "ben@x.io", "password123"), 200);
}

}  // namespace
}  // namespace cerulean::testing
