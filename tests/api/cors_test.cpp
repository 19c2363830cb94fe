// Cross-origin requests (issue 13): Cerulean grants no other origin anything. No preflight is
// answered with permission, no answer carries Access-Control-Allow-Origin (a wildcard or a
// reflected origin), sessions are bearer tokens that a browser never attaches by itself (no
// cookie is set or read, no token in a query), so a request from another site without the
// token cannot act; and the download links the console navigates to are single-use, short-lived,
// bound to their blob, and carry no part of the session token.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "api/blob_fixture.hpp"

namespace cerulean::testing {
namespace {

const std::string kForeign = "https://evil.example";

// Fails for every header of `response` that grants another origin something, or names it.
void ExpectNoCrossOriginGrant(const http::Headers& headers, const std::string& what) {
    for (const auto& [name, value] : headers.fields()) {
        std::string lower = name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_FALSE(lower.starts_with("access-control-")) << what << ": " << name << ": " << value;
        EXPECT_NE(lower, "set-cookie") << what << ": " << value;
        EXPECT_EQ(value.find("evil.example"), std::string::npos) << what << ": " << name;
        EXPECT_EQ(value.find("null"), std::string::npos) << what << ": " << name;
    }
}

class CorsTest : public BlobApiTest {
 protected:
    // `method` `target` with `headers` and no Authorization unless one is among them.
    ApiResponse Send(const std::string& method, const std::string& target,
                     const std::map<std::string, std::string>& headers,
                     const std::string& body = {}) {
        http::Request request(method, target);
        for (const auto& [name, value] : headers) request.headers().Set(name, value);
        if (!body.empty()) request.set_body(body);
        request.set_remote_address(remote_address_);
        http::Response response = Dispatch(request);
        if (!response.producer) return ToApiResponse(response);
        CollectingSink sink;
        RunTask(response.producer(sink));
        return ToApiResponse(response, std::move(sink.data_));
    }

    // Every route shape the API has, with real ids.
    std::vector<std::string> Targets() {
        return {"/api/v1/auth/token",
                "/api/v1/auth/register",
                "/api/v1/users/me",
                "/api/v1/users",
                "/api/v1/audit",
                "/api/v1/meta",
                "/api/v1/openapi.json",
                std::string(kBase),
                Path(conn_, ""),
                Path(conn_, "/test"),
                Path(conn_, "/containers"),
                Path(conn_, "/blobs?container=" + container_),
                Path(conn_, "/blobs/content?name=a.txt"),
                Path(conn_, "/blobs/link"),
                Path(conn_, "/blobs/sas"),
                Path(conn_, "/sync_jobs"),
                "/api/v1/blob_links/" + std::string(43, 'A'),
                "/healthz",
                "/readyz",
                "/"};
    }
};

TEST_P(CorsTest, APreflightFromAnotherOriginIsGrantedNothing) {
    for (const auto& target : Targets()) {
        for (const std::string& origin :
             {kForeign, std::string("null"), std::string("http://127.0.0.1:1"),
              std::string("https://localhost")}) {
            for (const char* method : {"GET", "POST", "DELETE", "PATCH"}) {
                const auto answer =
                    Send("OPTIONS", target,
                         {{"Origin", origin},
                          {"Access-Control-Request-Method", method},
                          {"Access-Control-Request-Headers", "authorization, content-type"}});
                EXPECT_TRUE(answer.status == 405 || answer.status == 404)
                    << target << " " << answer.status;
                ExpectNoCrossOriginGrant(answer.headers, "OPTIONS " + target + " from " + origin);
            }
        }
    }
}

TEST_P(CorsTest, AnswersToAnotherOriginCarryNoCorsHeadersEvenWithAValidToken) {
    Put("a.txt", "alice's bytes");
    for (const auto& target : Targets()) {
        for (const auto& token : {std::string(), alice_}) {
            std::map<std::string, std::string> headers{{"Origin", kForeign},
                                                       {"Sec-Fetch-Site", "cross-site"}};
            if (!token.empty()) headers["Authorization"] = "Bearer " + token;
            const auto answer = Send("GET", target, headers);
            ExpectNoCrossOriginGrant(answer.headers, "GET " + target);
            EXPECT_FALSE(answer.headers.Has("Vary") &&
                         answer.headers.Get("Vary")->find("Origin") != std::string_view::npos)
                << target;
        }
    }
}

TEST_P(CorsTest, NoCookieOrQueryTokenIsASession) {
    Put("a.txt", "alice's bytes");
    // Whatever a browser could attach by itself, or a link could carry.
    const std::vector<std::map<std::string, std::string>> ambient{
        {{"Cookie", "access_token=" + alice_}},
        {{"Cookie", "token=" + alice_ + "; session=" + alice_}},
        {{"Cookie", "Authorization=Bearer%20" + alice_}},
        {{"Authorization", "Basic " + crypto::Base64Encode("alice@x.io:password123")}},
        {{"Authorization", alice_}},
        {}};
    for (const auto& headers : ambient) {
        for (const std::string& query : {std::string(), "?access_token=" + alice_,
                                         "?token=" + alice_, "?authorization=Bearer%20" + alice_}) {
            for (const std::string& target : {std::string("/api/v1/users/me"), std::string(kBase),
                                              Path(conn_, "/containers"), Path(conn_, "/blobs")}) {
                const std::string full = target + query;
                auto with_origin = headers;
                with_origin["Origin"] = kForeign;
                const auto answer = Send("GET", full, with_origin);
                EXPECT_EQ(answer.status, 401) << full;
                EXPECT_EQ(Header(answer, "WWW-Authenticate"), "Bearer") << full;
            }
        }
    }
    // Signing in sets no cookie: the console keeps the token itself.
    const auto signed_in = Call("POST", "/api/v1/auth/token",
                                "grant_type=password&username=alice@x.io&password=password123", {},
                                "application/x-www-form-urlencoded");
    ASSERT_EQ(signed_in.status, 200);
    EXPECT_FALSE(signed_in.headers.Has("Set-Cookie"));
    EXPECT_EQ(Header(signed_in, "Cache-Control"), "no-store");
}

TEST_P(CorsTest, CrossSiteFormsWithoutTheTokenCannotAct) {
    // The bodies a page on another site can send without a preflight: a form (urlencoded,
    // multipart, text/plain), and a text/plain fetch with a JSON body.
    const std::string json = R"({"name":"planted","auth_type":"anonymous","account_name":"acct",)"
                             R"("credentials":{}})";
    const std::vector<std::pair<std::string, std::string>> bodies{
        {"application/x-www-form-urlencoded", "name=planted&auth_type=anonymous"},
        {"multipart/form-data; boundary=x",
         "--x\r\nContent-Disposition: form-data; name=\"a\""
         "\r\n\r\nb\r\n--x--\r\n"},
        {"text/plain", json},
        {"text/plain; charset=json", json}};
    for (const auto& [type, body] : bodies) {
        for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
                 {"POST", std::string(kBase)},
                 {"PATCH", Path(conn_, "")},
                 {"DELETE", Path(conn_, "")},
                 {"POST", Path(conn_, "/blobs/link")},
                 {"POST", Path(conn_, "/blobs/sas")},
                 {"POST", Path(conn_, "/containers")},
                 {"DELETE", Path(conn_, "/blobs?name=a.txt")},
                 {"PATCH", "/api/v1/users/me"},
                 {"POST", Path(conn_, "/sync_jobs")}}) {
            const auto answer = Send(
                method, target,
                {{"Origin", kForeign}, {"Content-Type", type}, {"Sec-Fetch-Site", "cross-site"}},
                body);
            EXPECT_EQ(answer.status, 401) << method << " " << target << " " << type;
            ExpectNoCrossOriginGrant(answer.headers, method + " " + target);
        }
    }
    const auto mine = Call("GET", std::string(kBase), {}, alice_);
    EXPECT_EQ(mine["total"], 1) << mine.body;
    EXPECT_EQ(Call("GET", Path(conn_, ""), {}, alice_)["name"], "main");
}

TEST_P(CorsTest, AJsonRouteReadsOnlyAJsonContentTypeSoNoCrossSiteBodyReachesIt) {
    // The routes that need no sign-in: a page on another site could post a JSON body to them as
    // text/plain, or with no type at all (a fetch of a Blob), without a preflight.
    const std::string json = R"({"email":"planted@evil.example","password":"planted-password-1"})";
    for (const std::string type :
         {"", "text/plain", "text/plain; charset=json", "application/x-www-form-urlencoded",
          "application/jsonx", "text/json"}) {
        std::map<std::string, std::string> headers{{"Origin", kForeign}};
        if (!type.empty()) headers["Content-Type"] = type;
        const auto answer = Send("POST", "/api/v1/auth/register", headers, json);
        EXPECT_EQ(answer.status, 422) << "Content-Type: " << type << " " << answer.body;
        EXPECT_NE(answer.body.find("unsupported_media_type"), std::string::npos) << answer.body;
        ExpectNoCrossOriginGrant(answer.headers, "register as " + type);
    }
    const auto signed_in =
        Send("POST", "/api/v1/auth/token", {{"Content-Type", "application/x-www-form-urlencoded"}},
             "grant_type=password&username=planted%40evil.example&password=planted-password-1");
    EXPECT_EQ(signed_in.status, 401) << "no account was made: " << signed_in.body;
    // The JSON types themselves, in any case and with parameters, are read.
    for (const std::string type :
         {"application/json", "Application/JSON; charset=utf-8", "application/problem+json"}) {
        const std::string email = "json" + std::to_string(type.size()) + "@example.com";
        const auto answer = Send("POST", "/api/v1/auth/register", {{"Content-Type", type}},
                                 R"({"email":")" + email + R"(","password":"a-good-password-1"})");
        EXPECT_EQ(answer.status, 201) << type << " " << answer.body;
    }
}

TEST_P(CorsTest, ADownloadLinkIsSingleUseShortLivedBoundToItsBlobAndHoldsNoSessionToken) {
    Put("report.txt", "the report");
    Put("other.txt", "another blob");
    const auto link =
        BlobJson("POST", Path(conn_, "/blobs/link"), alice_, {{"name", "report.txt"}});
    ASSERT_EQ(link.status, 201) << link.body;
    const std::string url(link["url"].as_string());
    // No part of the session token (any of its three segments) is in the link or its answer.
    std::vector<std::string> segments;
    for (std::size_t from = 0; from <= alice_.size();) {
        const auto dot = std::min(alice_.find('.', from), alice_.size());
        segments.push_back(alice_.substr(from, dot - from));
        from = dot + 1;
    }
    ASSERT_EQ(segments.size(), 3U);
    for (const auto& segment : segments) {
        EXPECT_EQ(url.find(segment), std::string::npos);
        EXPECT_EQ(link.body.find(segment), std::string::npos);
    }
    const auto expires = core::ParseRfc3339(link["expires_at"].as_string());
    ASSERT_TRUE(expires.has_value());
    EXPECT_LE(*expires - core::NowMillis(), 60'000);
    EXPECT_TRUE(link["single_use"].as_bool());

    // Followed from another site, with other blob names in the query: the linked blob only,
    // readable by no other origin, and sending no Referer onwards.
    const auto followed = Send("GET", url + "?name=other.txt&container=x&blob=other.txt",
                               {{"Origin", kForeign}, {"Sec-Fetch-Site", "cross-site"}});
    ASSERT_EQ(followed.status, 200) << followed.body;
    EXPECT_EQ(followed.body, "the report");
    ExpectNoCrossOriginGrant(followed.headers, "link");
    EXPECT_EQ(Header(followed, "Referrer-Policy"), "no-referrer");
    EXPECT_EQ(Header(followed, "Cache-Control"), "no-store");
    EXPECT_TRUE(Header(followed, "Content-Disposition").starts_with("attachment;"));
    // Used up, whoever asks next (the owner's token does not revive it).
    EXPECT_EQ(Send("GET", url, {})["code"], "link_not_found");
    EXPECT_EQ(Send("GET", url, {{"Authorization", "Bearer " + alice_}})["code"], "link_not_found");
    // A link cannot be made from another site without the token.
    const auto forged =
        Send("POST", Path(conn_, "/blobs/link"),
             {{"Origin", kForeign}, {"Content-Type", "text/plain"}}, R"({"name":"other.txt"})");
    EXPECT_EQ(forged.status, 401);
}

INSTANTIATE_TEST_SUITE_P(Dialects, CorsTest, ::testing::Values(store::Dialect::kSqlite),
                         DialectName);

}  // namespace
}  // namespace cerulean::testing
