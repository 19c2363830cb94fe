#include "http/request.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "http/run_task.hpp"

namespace cerulean::http {
namespace {

TEST(Request, SplitsPathAndDecodesQuery) {
    Request request("GET", "/api/v1/blobs?name=a%2Fb%20%231%3F.txt&prefix=x+y&flag&empty=");
    EXPECT_EQ(request.path(), "/api/v1/blobs");
    EXPECT_EQ(request.Query("name"), "a/b #1?.txt");
    EXPECT_EQ(request.Query("prefix"), "x y");
    EXPECT_EQ(request.Query("flag"), "");
    EXPECT_EQ(request.Query("empty"), "");
    EXPECT_FALSE(request.Query("missing"));
}

TEST(Request, KeepsMalformedEscapesAndUtf8) {
    EXPECT_EQ(PercentDecode("100%", false), "100%");
    EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
    EXPECT_EQ(PercentDecode("%C3%BC+", false), "\xC3\xBC+");
    EXPECT_EQ(PercentDecode("%C3%BC+", true), "\xC3\xBC ");
}

TEST(Request, ReadsBodyWithinLimit) {
    Request request("POST", "/");
    request.set_body(std::string(1000, 'x'));
    EXPECT_EQ(testing::RunTask(request.ReadBody(1000)).size(), 1000U);
}

TEST(Request, RefusesBodyOverLimit) {
    Request request("POST", "/");
    request.set_body(std::string(1001, 'x'));
    try {
        testing::RunTask(request.ReadBody(1000));
        FAIL() << "expected a payload_too_large error";
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), core::ErrorCode::kResourceExhausted);
        EXPECT_EQ(e.reason(), "payload_too_large");
    }
}

TEST(Headers, AreCaseInsensitiveAndKeepOrder) {
    Headers headers;
    headers.Add("Content-Type", "a");
    headers.Add("x-ms-meta-A", "1");
    headers.Set("content-type", "b");
    EXPECT_EQ(headers.Get("CONTENT-TYPE"), "b");
    EXPECT_EQ(headers.fields().size(), 2U);
    headers.Remove("X-MS-META-a");
    EXPECT_FALSE(headers.Has("x-ms-meta-a"));
}

}  // namespace
}  // namespace cerulean::http
