#include "http/router.hpp"

#include <gtest/gtest.h>

#include "http/run_task.hpp"

namespace cerulean::http {
namespace {

Handler Returns(int status) {
    return [status](Request&) -> Task<Response> { co_return EmptyResponse(status); };
}

int Dispatch(const Router& router, Request& request) {
    const auto match = router.Find(request);
    if (match.handler == nullptr) return match.allowed.empty() ? 404 : 405;
    return testing::RunTask((*match.handler)(request)).status;
}

TEST(Router, MatchesTypedParametersAndDecodesThem) {
    Router router;
    router.Add("GET", "/c/{id:int}/containers/{container}", Returns(200));
    Request request("GET", "/c/42/containers/my%20box?x=1");
    EXPECT_EQ(Dispatch(router, request), 200);
    EXPECT_EQ(request.Param("id"), "42");
    EXPECT_EQ(request.Param("container"), "my box");
}

TEST(Router, IntParametersRejectNonNumbersZeroAndOverflow) {
    Router router;
    router.Add("GET", "/c/{id:int}", Returns(200));
    for (const char* path :
         {"/c/abc", "/c/0", "/c/-1", "/c/01", "/c/99999999999999999999", "/c/"}) {
        Request request("GET", path);
        EXPECT_EQ(Dispatch(router, request), 404) << path;
    }
}

TEST(Router, LiteralSegmentsWinOverParameters) {
    Router router;
    router.Add("GET", "/blobs/{name}", Returns(201));
    router.Add("GET", "/blobs/content", Returns(202));
    Request content("GET", "/blobs/content");
    EXPECT_EQ(Dispatch(router, content), 202);
    Request other("GET", "/blobs/other");
    EXPECT_EQ(Dispatch(router, other), 201);
}

TEST(Router, ReportsAllowedMethodsWhenOnlyTheMethodDiffers) {
    Router router;
    router.Add("GET", "/things", Returns(200));
    router.Add("POST", "/things", Returns(201));
    Request request("DELETE", "/things");
    const auto match = router.Find(request);
    EXPECT_EQ(match.handler, nullptr);
    EXPECT_EQ(match.allowed, (std::vector<std::string>{"GET", "POST"}));
}

TEST(Router, HeadIsAnsweredByGet) {
    Router router;
    router.Add("GET", "/healthz", Returns(200));
    Request request("HEAD", "/healthz");
    EXPECT_EQ(Dispatch(router, request), 200);
}

TEST(Router, RejectsUnknownParameterTypes) {
    Router router;
    EXPECT_THROW(router.Add("GET", "/x/{id:uuid}", Returns(200)), std::invalid_argument);
}

}  // namespace
}  // namespace cerulean::http
