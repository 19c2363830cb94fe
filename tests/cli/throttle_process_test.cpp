// Password guessing across processes (issue 13, OWASP API2/API4): two `cerulean serve` on one
// database (PostgreSQL, and SQLite with two processes on one file) share the sign-in throttle,
// so wrong passwords spread over both are refused at exactly the count one server allows (10
// per client address, 50 per email, in 15 minutes), and a burst of guesses sent at once to
// both gets no more than that either. A password change's current-password check is a guess
// too, counted with the email's sign-in failures. The servers hash with Argon2id at its real
// cost (some 60 ms a guess), so the suite takes a while on a busy machine.

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "cli/serve_fixture.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

constexpr int kPerAddress = 10;  // UserServiceOptions::max_failures_per_address
constexpr int kPerEmail = 50;    // UserServiceOptions::max_failures_per_email

int Status(const std::string& response) {
    return response.size() > 12 && response.rfind("HTTP/1.1 ", 0) == 0
               ? std::stoi(response.substr(9, 3))
               : 0;
}

// The value of header `name` in a raw response, or "".
std::string HeaderOf(const std::string& response, const std::string& name) {
    const auto at = response.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    const auto start = at + name.size() + 4;
    return response.substr(start, response.find("\r\n", start) - start);
}

class ThrottleProcessTest : public ServeTest, public ::testing::WithParamInterface<std::string> {
 protected:
    void SetUp() override {
        Env env{{"CERULEAN_WORKERS", "0"},
                {"CERULEAN_MASTER_KEYS", "k1:" + std::string(43, 'K') + "="},
                {"CERULEAN_JWT_SECRET", std::string(48, 's')}};
        if (GetParam() == "postgres") {
            env.emplace_back("CERULEAN_DATABASE_URL",
                             SharedPostgres().CreateDatabase(UniqueName("throttle")));
        }  // else both use the SQLite file of the shared working directory
        // One after the other: each migrates the database as it starts.
        for (int i = 0; i < 2; ++i) {
            ports_.push_back(Serve(env));
            servers_.push_back(std::move(server_));
        }
        ASSERT_EQ(Status(HttpCall(ports_[0], "POST", "/api/v1/auth/register",
                                  R"({"email":"victim@x.io","password":"right-password"})",
                                  "Content-Type: application/json\r\n")),
                  201);
    }

    void TearDown() override {
        for (auto& server : servers_) EXPECT_EQ(server->Stop(SIGTERM), 0) << Log();
    }

    // A sign-in on server `server` from loopback address `source`: the raw response.
    std::string SignIn(int server, const std::string& password,
                       const std::string& source = "127.0.0.1",
                       const std::string& email = "victim@x.io") {
        return HttpCall(ports_[server], "POST", "/api/v1/auth/token",
                        R"({"username":")" + email + R"(","password":")" + password + R"("})",
                        "Content-Type: application/json\r\n", source);
    }

    // Expects a throttled answer: 429 with a Retry-After within the window.
    void ExpectThrottled(const std::string& response, const std::string& what) {
        EXPECT_EQ(Status(response), 429) << what << ": " << response;
        const std::string after = HeaderOf(response, "Retry-After");
        ASSERT_FALSE(after.empty()) << what;
        EXPECT_GE(std::stoi(after), 1) << what;
        EXPECT_LE(std::stoi(after), 15 * 60) << what;
        EXPECT_EQ(JsonString(response, "code"), "too_many_attempts") << what;
    }

    std::vector<int> ports_;
    std::vector<std::unique_ptr<ChildProcess>> servers_;
};

TEST_P(ThrottleProcessTest, WrongPasswordsSpreadOverTwoServersAreThrottledAtTheSameCount) {
    // Per client address: the 11th guess, on either server, is refused, right or wrong.
    for (int i = 0; i < kPerAddress; ++i) {
        EXPECT_EQ(Status(SignIn(i % 2, "wrong-" + std::to_string(i))), 401) << i;
    }
    ExpectThrottled(SignIn(0, "wrong-a"), "11th guess on the first server");
    ExpectThrottled(SignIn(1, "wrong-b"), "11th guess on the second server");
    ExpectThrottled(SignIn(1, "right-password"), "the right password from the guesser");
    // The owner, elsewhere, is not locked out by a guesser at one address.
    EXPECT_EQ(Status(SignIn(0, "right-password", "127.0.0.2")), 200);
    // The per-email limit over both servers is the last test's.
}

TEST_P(ThrottleProcessTest, ABurstOfGuessesAtBothServersGetsNoMoreThanTheLimit) {
    constexpr int kBurst = 24;
    std::atomic<int> refused{0};
    std::atomic<int> wrong{0};
    std::atomic<int> other{0};
    std::vector<std::thread> guessers;
    std::atomic<bool> go{false};
    for (int i = 0; i < kBurst; ++i) {
        guessers.emplace_back([&, i] {
            while (!go.load()) std::this_thread::yield();
            const int status = Status(SignIn(i % 2, "burst-" + std::to_string(i), "127.0.3.1"));
            (status == 401 ? wrong : status == 429 ? refused : other)++;
        });
    }
    go = true;
    for (auto& guesser : guessers) guesser.join();
    EXPECT_EQ(other.load(), 0);
    EXPECT_LE(wrong.load(), kPerAddress) << "guesses checked at once went past the throttle";
    EXPECT_EQ(wrong.load() + refused.load(), kBurst);
    // One at a time after the burst: the guesses judged come to exactly the limit.
    int judged = wrong.load();
    for (int i = 0; i < kPerAddress + 2 && Status(SignIn(i % 2, "after", "127.0.3.1")) == 401;
         ++i) {
        ++judged;
    }
    EXPECT_EQ(judged, kPerAddress);
    ExpectThrottled(SignIn(0, "right-password", "127.0.3.1"), "after the burst");
}

TEST_P(ThrottleProcessTest, ThePasswordChangesCurrentPasswordCheckIsThrottledToo) {
    const std::string token = JsonString(SignIn(0, "right-password", "127.0.4.1"), "access_token");
    ASSERT_FALSE(token.empty());
    // A stolen session guessing the current password through a password change.
    const auto change = [&](int server, const std::string& current) {
        return HttpCall(ports_[server], "PATCH", "/api/v1/users/me",
                        R"({"password":"new-password-1","current_password":")" + current + R"("})",
                        "Content-Type: application/json\r\nAuthorization: Bearer " + token + "\r\n",
                        "127.0.4.2");
    };
    int judged = 0;
    for (int i = 0; i < kPerEmail + 2; ++i) {
        const std::string answer = change(i % 2, "guess-" + std::to_string(i));
        if (Status(answer) != 403) {
            ExpectThrottled(answer, "guess " + std::to_string(i));
            break;
        }
        EXPECT_EQ(JsonString(answer, "code"), "wrong_password");
        ++judged;
    }
    EXPECT_EQ(judged, kPerEmail);
    ExpectThrottled(change(1, "right-password"), "the right current password, throttled");
    ExpectThrottled(SignIn(0, "right-password", "127.0.4.3"), "sign-in for that email");
}

INSTANTIATE_TEST_SUITE_P(Databases, ThrottleProcessTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace cerulean::testing
