// Hostile HTTP against a real `cerulean serve`: request smuggling shapes, bad and conflicting
// lengths, header floods, huge and deeply nested JSON, multipart bodies with too many parts or
// no end. Each gets a 4xx (or the connection closed), never a crash or a hang; memory stays
// bounded; the server keeps answering others.

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli/serve_fixture.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

int Status(const std::string& response) {
    return response.size() > 12 && response.rfind("HTTP/1.1 ", 0) == 0
               ? std::stoi(response.substr(9, 3))
               : 0;
}

// The server's resident memory in KiB (VmRSS of /proc/PID/status).
long RssKib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

class HostileHttpTest : public ServeTest {
 protected:
    void SetUp() override {
        port_ = Serve({{"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"}});
        const std::string body = R"({"email":"eve@x.io","password":"password123"})";
        ASSERT_EQ(Status(HttpCall(port_, "POST", "/api/v1/auth/register", body,
                                  "Content-Type: application/json\r\n")),
                  201);
        token_ = JsonString(HttpCall(port_, "POST", "/api/v1/auth/token",
                                     R"({"username":"eve@x.io","password":"password123"})",
                                     "Content-Type: application/json\r\n"),
                            "access_token");
        ASSERT_FALSE(token_.empty());
    }

    // The server still answers a plain request.
    void ExpectAlive() { EXPECT_EQ(Status(HttpGet(port_, "/healthz")), 200) << Log(); }

    std::string Auth() const { return "Authorization: Bearer " + token_ + "\r\n"; }

    int port_ = 0;
    std::string token_;
};

TEST_F(HostileHttpTest, LengthAndChunkingTogetherOrInConflictAreRefusedNotSmuggled) {
    // A body that, read by its Content-Length, would hide a second request in the chunks.
    const std::string smuggle =
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        "0\r\n\r\nGET /api/v1/users/me HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::string answer = RawHttpCall(port_, smuggle);
    EXPECT_EQ(Status(answer), 400) << answer;
    EXPECT_EQ(answer.find("\nHTTP/1.1 "), std::string::npos) << "a second response:\n" << answer;

    for (const char* lengths :
         {"Content-Length: -1\r\n", "Content-Length: 3\r\nContent-Length: 5\r\n",
          "Content-Length: 12abc\r\n", "Content-Length: 99999999999999999999\r\n"}) {
        const std::string response =
            RawHttpCall(port_, std::string("POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\n") +
                                   lengths + "Content-Type: application/json\r\n\r\n{}");
        const int status = Status(response);
        EXPECT_TRUE(status == 400 || status == 413) << lengths << ": " << response;
    }
    ExpectAlive();
}

TEST_F(HostileHttpTest, HeaderFloodsAreRefusedWithinTheLimit) {
    std::string many = "GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 10'000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
    many += "\r\n";
    const int flood = Status(RawHttpCall(port_, many));
    EXPECT_TRUE(flood == 431 || flood == 0) << flood;  // 431, or closed before the end

    const std::string huge =
        "GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1 << 20, 'a') +
        "\r\n\r\n";
    const int big = Status(RawHttpCall(port_, huge));
    EXPECT_TRUE(big == 431 || big == 0) << big;
    ExpectAlive();
}

TEST_F(HostileHttpTest, HugeAndDeeplyNestedJsonAreRefused) {
    const std::string path = "/api/v1/azure_blob/connections";
    const std::string json = "Content-Type: application/json\r\n" + Auth();
    const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
    EXPECT_EQ(Status(HttpCall(port_, "POST", path, deep, json)), 422);
    const std::string nested_object = R"({"name":)" + std::string(50'000, '{');
    EXPECT_EQ(Status(HttpCall(port_, "POST", path, nested_object, json)), 422);
    const std::string big = R"({"name":")" + std::string(3 << 20, 'n') + R"("})";
    EXPECT_EQ(Status(HttpCall(port_, "POST", path, big, json)), 413);
    EXPECT_EQ(Status(HttpCall(port_, "POST", path, "{\"name\": \"\xff\xfe\"}", json)), 422);
    ExpectAlive();
}

TEST_F(HostileHttpTest, MultipartBodiesWithoutEndOrWithEndlessPartsAreBounded) {
    const std::string connection = HttpCall(
        port_, "POST", "/api/v1/azure_blob/connections",
        R"({"name":"emu","auth_type":"connection_string","credentials":{"connection_string":")" +
            SharedAzurite().connection_string() + R"("}})",
        "Content-Type: application/json\r\n" + Auth());
    ASSERT_EQ(Status(connection), 201) << connection;
    const std::string id = connection.substr(
        connection.find("\"id\":") + 5,
        connection.find(',', connection.find("\"id\":")) - connection.find("\"id\":") - 5);
    ASSERT_EQ(
        Status(HttpCall(port_, "POST", "/api/v1/azure_blob/connections/" + id + "/containers",
                        R"({"name":"hostile"})", "Content-Type: application/json\r\n" + Auth())),
        201);
    const std::string upload =
        "/api/v1/azure_blob/connections/" + id + "/blobs?container=hostile&prefix=up/";
    const std::string multipart = "Content-Type: multipart/form-data; boundary=XyZ\r\n" + Auth();

    // No closing boundary: the last part never ends.
    const std::string unterminated =
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n" +
        std::string(64 << 10, 'a');
    const int open_end = Status(HttpCall(port_, "POST", upload, unterminated, multipart));
    EXPECT_GE(open_end, 400) << open_end;
    EXPECT_LT(open_end, 500) << open_end;

    // 100,000 parts that are not files: nothing stored, a bounded answer.
    std::string parts;
    for (int i = 0; i < 100'000; ++i) {
        parts += "--XyZ\r\nContent-Disposition: form-data; name=\"junk\"\r\n\r\nx\r\n";
    }
    parts += "--XyZ--\r\n";
    const long before = RssKib(server_->pid());
    const int flood = Status(HttpCall(port_, "POST", upload, parts, multipart));
    EXPECT_GE(flood, 400) << flood;
    EXPECT_LT(flood, 500) << flood;
    const long after = RssKib(server_->pid());
    EXPECT_LT(after - before, 64 * 1024) << "the server grew by " << (after - before) << " KiB";

    // Nothing half-written became a blob.
    const std::string listing =
        HttpCall(port_, "GET", "/api/v1/azure_blob/connections/" + id + "/blobs?container=hostile",
                 {}, Auth());
    EXPECT_NE(listing.find("\"items\":[]"), std::string::npos) << listing;
    ExpectAlive();
}

}  // namespace
}  // namespace cerulean::testing
