// Authentication and users (shared/API.md "Authentication"), on SQLite and PostgreSQL.

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "api/api_fixture.hpp"
#include "api/blob_fixture.hpp"
#include "crypto/encoding.hpp"
#include "store/user_repository.hpp"

namespace cerulean::testing {
namespace {

class UserApiTest : public ApiTest {};

TEST_P(UserApiTest, RegistersAndShowsTheUserWithoutSecrets) {
    const auto created = Json(
        "POST", "/api/v1/auth/register",
        {{"email", "Alice@Example.com"}, {"password", "correct horse"}, {"full_name", "Alice"}});
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created["email"], "alice@example.com");
    EXPECT_EQ(created["full_name"], "Alice");
    EXPECT_EQ(created["is_active"], true);
    EXPECT_EQ(created["is_superuser"], false);
    EXPECT_TRUE(created["created_at"].is_string());
    EXPECT_EQ(created.json.as_object().size(), 6U);
    EXPECT_EQ(created.body.find("correct horse"), std::string::npos);
    EXPECT_EQ(created.body.find("argon2"), std::string::npos);
}

TEST_P(UserApiTest, RegistrationValidatesAndRefusesDuplicatesAndUnknownFields) {
    EXPECT_EQ(
        Json("POST", "/api/v1/auth/register", {{"email", "a@x.io"}, {"password", "short"}}).status,
        422);
    const auto bad_email = Json("POST", "/api/v1/auth/register",
                                {{"email", "not-an-email"}, {"password", "longenough"}});
    EXPECT_EQ(bad_email.status, 422);
    EXPECT_EQ(bad_email["errors"].as_array()[0].as_object().at("field"), "email");
    const auto unknown = Json("POST", "/api/v1/auth/register",
                              {{"email", "a@x.io"}, {"password", "longenough"}, {"emial", "x"}});
    EXPECT_EQ(unknown.status, 422);
    EXPECT_EQ(unknown["errors"].as_array()[0].as_object().at("field"), "emial");
    EXPECT_EQ(
        Json("POST", "/api/v1/auth/register", {{"email", "a@x.io"}, {"password", "longenough"}})
            .status,
        201);
    const auto duplicate =
        Json("POST", "/api/v1/auth/register", {{"email", "A@X.IO"}, {"password", "longenough"}});
    EXPECT_EQ(duplicate.status, 409);
    EXPECT_EQ(duplicate["code"], "email_taken");
    EXPECT_EQ(Call("POST", "/api/v1/auth/register", "{not json").status, 422);
}

TEST_P(UserApiTest, IssuesTokensFromFormsAndJson) {
    SignUp("bob@x.io");
    const auto form = Call("POST", "/api/v1/auth/token",
                           "grant_type=password&username=bob%40x.io&password=password123", {},
                           "application/x-www-form-urlencoded");
    ASSERT_EQ(form.status, 200) << form.body;
    EXPECT_EQ(form["token_type"], "bearer");
    EXPECT_EQ(form["expires_in"], 3600);
    EXPECT_EQ(form.headers.Get("Cache-Control"), "no-store");
    const auto json =
        Json("POST", "/api/v1/auth/token", {{"username", "bob@x.io"}, {"password", "password123"}});
    ASSERT_EQ(json.status, 200);
    const std::string token(json["access_token"].as_string());
    EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, token)["email"], "bob@x.io");
}

TEST_P(UserApiTest, WrongPasswordAndUnknownEmailAnswerTheSame) {
    SignUp("carol@x.io");
    const auto wrong =
        Json("POST", "/api/v1/auth/token", {{"username", "carol@x.io"}, {"password", "nope-nope"}});
    const auto unknown = Json("POST", "/api/v1/auth/token",
                              {{"username", "nobody@x.io"}, {"password", "nope-nope"}});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(wrong.body, unknown.body);
    EXPECT_EQ(wrong["code"], "invalid_credentials");
    EXPECT_EQ(wrong.headers.Get("WWW-Authenticate"), "Bearer");
}

TEST_P(UserApiTest, ThrottlesAnEmailAfterFiftyFailuresFromAllAddresses) {
    SignUp("dave@x.io");
    for (int i = 0; i < 50; ++i) {
        remote_address_ = "198.51.100." + std::to_string(i);  // a guesser spread over addresses
        EXPECT_EQ(Json("POST", "/api/v1/auth/token",
                       {{"username", "dave@x.io"}, {"password", "wrong-password"}})
                      .status,
                  401);
    }
    remote_address_ = "198.51.100.200";
    const auto throttled = Json("POST", "/api/v1/auth/token",
                                {{"username", "dave@x.io"}, {"password", "password123"}});
    EXPECT_EQ(throttled.status, 429);
    EXPECT_EQ(throttled["code"], "too_many_attempts");
    const auto retry = throttled.headers.Get("Retry-After");
    ASSERT_TRUE(retry);
    EXPECT_GT(std::stoi(std::string(*retry)), 0);
    EXPECT_LE(std::stoi(std::string(*retry)), 15 * 60);
}

TEST_P(UserApiTest, AGuesserAtOneAddressDoesNotLockTheOwnerOut) {
    SignUp("gina@x.io");
    SignUp("hank@x.io");
    remote_address_ = "203.0.113.66";  // the guesser
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(Json("POST", "/api/v1/auth/token",
                       {{"username", "gina@x.io"}, {"password", "wrong-password"}})
                      .status,
                  401);
    }
    // The 11th from that address is refused, for any account.
    EXPECT_EQ(
        Json("POST", "/api/v1/auth/token", {{"username", "gina@x.io"}, {"password", "password123"}})
            .status,
        429);
    // The owner and everyone else sign in from their own addresses.
    remote_address_ = "198.51.100.20";
    EXPECT_EQ(
        Json("POST", "/api/v1/auth/token", {{"username", "gina@x.io"}, {"password", "password123"}})
            .status,
        200);
    remote_address_ = "198.51.100.21";
    EXPECT_EQ(
        Json("POST", "/api/v1/auth/token", {{"username", "hank@x.io"}, {"password", "password123"}})
            .status,
        200);
}

TEST_P(UserApiTest, ThrottlesAClientAddressAfterTenFailures) {
    SignUp("erin@x.io");
    for (int i = 0; i < 10; ++i) {
        Json("POST", "/api/v1/auth/token",
             {{"username", "user" + std::to_string(i) + "@x.io"}, {"password", "wrong-password"}});
    }
    EXPECT_EQ(
        Json("POST", "/api/v1/auth/token", {{"username", "erin@x.io"}, {"password", "password123"}})
            .status,
        429);
    remote_address_ = "203.0.113.9";
    EXPECT_EQ(
        Json("POST", "/api/v1/auth/token", {{"username", "erin@x.io"}, {"password", "password123"}})
            .status,
        200);
}

TEST_P(UserApiTest, RefusesMissingTamperedForeignAndAlgNoneTokens) {
    const std::string token = SignUp("frank@x.io");
    EXPECT_EQ(Call("GET", "/api/v1/users/me").status, 401);
    EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, "garbage").status, 401);
    std::string tampered = token;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, tampered).status, 401);
    const std::string none =
        crypto::Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
        crypto::Base64UrlEncode(R"({"sub":"1","ver":0,"iat":1,"exp":9999999999})") + ".";
    const auto refused = Call("GET", "/api/v1/users/me", {}, none);
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(refused.headers.Get("WWW-Authenticate"), "Bearer");
    EXPECT_EQ(refused.headers.Get("Content-Type"), "application/problem+json");
}

TEST_P(UserApiTest, PasswordChangeNeedsTheCurrentOneAndRevokesEarlierTokens) {
    const std::string token = SignUp("gina@x.io");
    EXPECT_EQ(Json("PATCH", "/api/v1/users/me", {{"password", "new-password-1"}}, token).status,
              422);
    const auto wrong =
        Json("PATCH", "/api/v1/users/me",
             {{"password", "new-password-1"}, {"current_password", "bad-guess"}}, token);
    EXPECT_EQ(wrong.status, 403);
    EXPECT_EQ(wrong["code"], "wrong_password");
    EXPECT_EQ(Json("PATCH", "/api/v1/users/me", {{"full_name", "Gina"}}, token)["full_name"],
              "Gina");
    const auto changed =
        Json("PATCH", "/api/v1/users/me",
             {{"password", "new-password-1"}, {"current_password", "password123"}}, token);
    EXPECT_EQ(changed.status, 200) << changed.body;
    EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, token).status, 401);
    EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, Login("gina@x.io", "new-password-1")).status,
              200);
}

// The status of each response a keep-alive connection gets to GET /api/v1/users/me, with the
// time each request was sent.
struct Sent {
    std::chrono::steady_clock::time_point at;
    int status = 0;
};

std::vector<Sent> AskWhoAmI(int port, const std::string& token, const std::atomic<bool>& stop) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)});
    const std::string request =
        "GET /api/v1/users/me HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + token +
        "\r\n\r\n";
    std::vector<Sent> sent;
    std::string buffer;
    std::array<char, 8192> chunk{};
    while (!stop) {
        Sent one{std::chrono::steady_clock::now(), 0};
        boost::asio::write(socket, boost::asio::buffer(request));
        for (;;) {  // one response: its header, then Content-Length bytes
            const std::size_t end = buffer.find("\r\n\r\n");
            if (end != std::string::npos) {
                const std::size_t at = buffer.find("Content-Length: ");
                const std::size_t length = at < end ? std::stoul(buffer.substr(at + 16)) : 0;
                if (buffer.size() >= end + 4 + length) {
                    one.status = std::stoi(buffer.substr(9, 3));
                    buffer.erase(0, end + 4 + length);
                    break;
                }
            }
            boost::system::error_code ec;
            const std::size_t n = socket.read_some(boost::asio::buffer(chunk), ec);
            if (ec) return sent;
            buffer.append(chunk.data(), n);
        }
        sent.push_back(one);
    }
    return sent;
}

TEST_P(UserApiTest, ADeactivationIsSeenByEveryRequestSentAfterIt) {
    // Several connections at once, so that an I/O thread handles several requests a round
    // (their user reads then share a read transaction on SQLite): none sent after the
    // deactivation committed may pass, whichever connection or thread it takes.
    const std::string token = SignUp("ivy@x.io");
    store::UserRepository users(db_);
    const std::int64_t id = users.FindByEmail("ivy@x.io")->id;
    const LiveServer live(*app_);
    std::atomic<bool> stop{false};
    std::vector<std::vector<Sent>> results(4);
    std::vector<std::thread> clients;
    for (auto& result : results) {
        clients.emplace_back(
            [&live, &token, &stop, &result] { result = AskWhoAmI(live.port(), token, stop); });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    store::UserUpdate deactivate;
    deactivate.is_active = false;
    ASSERT_TRUE(users.Update(id, deactivate));
    const auto committed = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
    for (auto& client : clients) client.join();
    int before = 0;
    int after = 0;
    for (const auto& result : results) {
        for (const Sent& one : result) {
            if (one.at > committed) {
                ++after;
                EXPECT_EQ(one.status, 403) << "a request sent after the deactivation passed";
            } else if (one.status == 200) {
                ++before;
            }
        }
    }
    EXPECT_GT(before, 0);
    EXPECT_GT(after, 0);
}

TEST_P(UserApiTest, SuperusersListAndDeactivateUsers) {
    const std::string admin = SignUp("admin@x.io");
    const std::string user = SignUp("henry@x.io");
    EXPECT_EQ(Call("GET", "/api/v1/users", {}, admin).status, 403);  // not yet a superuser
    store::UserRepository users(db_);
    store::UserUpdate promote;
    promote.is_superuser = true;
    users.Update(users.FindByEmail("admin@x.io")->id, promote);
    const auto list = Call("GET", "/api/v1/users?skip=0&limit=10", {}, admin);
    ASSERT_EQ(list.status, 200);
    EXPECT_EQ(list["total"], 2);
    EXPECT_EQ(Call("GET", "/api/v1/users", {}, user).status, 403);
    const auto henry = users.FindByEmail("henry@x.io")->id;
    const std::string path = "/api/v1/users/" + std::to_string(henry);
    EXPECT_EQ(Json("PATCH", path, {{"is_active", false}}, user).status, 403);
    const auto off = Json("PATCH", path, {{"is_active", false}}, admin);
    EXPECT_EQ(off.status, 200);
    EXPECT_EQ(off["is_active"], false);
    // The contract: a deactivated user's (unexpired, genuine) token is 403 inactive_user.
    const auto inactive = Call("GET", "/api/v1/users/me", {}, user);
    EXPECT_EQ(inactive.status, 403);
    EXPECT_EQ(inactive["code"], "inactive_user");
    const auto login = Json("POST", "/api/v1/auth/token",
                            {{"username", "henry@x.io"}, {"password", "password123"}});
    EXPECT_EQ(login.status, 403);
    EXPECT_EQ(login["code"], "inactive_user");
    // Reactivated, the user signs in again; the token from before stays revoked.
    EXPECT_EQ(Json("PATCH", path, {{"is_active", true}}, admin).status, 200);
    EXPECT_EQ(Call("GET", "/api/v1/users/me", {}, user).status, 401);
    EXPECT_EQ(Json("POST", "/api/v1/auth/token",
                   {{"username", "henry@x.io"}, {"password", "password123"}})
                  .status,
              200);
    EXPECT_EQ(Json("PATCH", "/api/v1/users/99999", {{"is_active", true}}, admin).status, 404);
    EXPECT_EQ(Call("GET", "/api/v1/users?limit=0", {}, admin).status, 422);
    EXPECT_EQ(Call("GET", "/api/v1/users?limit=1001", {}, admin).status, 422);
    EXPECT_EQ(Call("GET", "/api/v1/users?skip=-1", {}, admin).status, 422);
}

class ClosedSignupTest : public ApiTest {
    void Configure(api::AppOptions& options) override { options.users.allow_signup = false; }
};

TEST_P(ClosedSignupTest, RefusesRegistration) {
    const auto refused =
        Json("POST", "/api/v1/auth/register", {{"email", "a@x.io"}, {"password", "longenough"}});
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(refused["code"], "signup_disabled");
}

CERULEAN_ON_BOTH_DATABASES(UserApiTest);
CERULEAN_ON_BOTH_DATABASES(ClosedSignupTest);

}  // namespace
}  // namespace cerulean::testing
