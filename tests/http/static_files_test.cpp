#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "http/run_task.hpp"

namespace cerulean::http {
namespace {

namespace fs = std::filesystem;

class CollectingSink final : public BodySink {
 public:
    Task<void> Write(std::string_view bytes) override {
        data.append(bytes);
        co_return;
    }
    std::string data;
};

std::string BodyOf(Response& response) {
    if (!response.producer) return response.body;
    CollectingSink sink;
    testing::RunTask(response.producer(sink));
    return sink.data;
}

class StaticFilesTest : public ::testing::Test {
 protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("cerulean-static-" +
                 std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(root_ / "assets");
        Write(root_ / "index.html", "<html>app</html>");
        Write(root_ / "assets" / "app-3f9a.js", "console.log(1)");
        Write(root_.parent_path() / "secret.txt", "no");
    }
    void TearDown() override { fs::remove_all(root_); }
    static void Write(const fs::path& path, std::string_view text) { std::ofstream(path) << text; }
    fs::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCaching) {
    StaticFiles files(root_);
    Request request("GET", "/assets/app-3f9a.js");
    auto response = files.Serve(request);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->headers.Get("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(response->headers.Get("Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(BodyOf(*response), "console.log(1)");
}

TEST_F(StaticFilesTest, FallsBackToIndexForClientRoutes) {
    StaticFiles files(root_);
    Request request("GET", "/connections/7/browse");
    request.headers().Set("Accept", "text/html,application/xhtml+xml");
    auto response = files.Serve(request);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->headers.Get("Cache-Control"), "no-cache");
    EXPECT_EQ(BodyOf(*response), "<html>app</html>");
    Request missing_asset("GET", "/assets/missing.js");
    EXPECT_FALSE(files.Serve(missing_asset));
}

TEST_F(StaticFilesTest, SendsThePrecompressedCopyToClientsThatTakeGzip) {
    Write(root_ / "assets" / "app-3f9a.js.gz", "GZIPPED-BYTES");
    StaticFiles files(root_);
    for (const auto* accept : {"gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*"}) {
        SCOPED_TRACE(accept);
        Request request("GET", "/assets/app-3f9a.js");
        request.headers().Set("Accept-Encoding", accept);
        auto response = files.Serve(request);
        ASSERT_TRUE(response);
        EXPECT_EQ(response->headers.Get("Content-Encoding"), "gzip");
        EXPECT_EQ(response->headers.Get("Content-Type"), "text/javascript; charset=utf-8");
        EXPECT_EQ(response->headers.Get("Vary"), "Accept-Encoding");
        EXPECT_EQ(response->headers.Get("Cache-Control"), "public, max-age=31536000, immutable");
        EXPECT_EQ(BodyOf(*response), "GZIPPED-BYTES");
    }
    for (const auto* accept : {"", "br", "gzip;q=0", "identity", "gzipx"}) {
        SCOPED_TRACE(accept);
        Request request("GET", "/assets/app-3f9a.js");
        if (*accept != '\0') request.headers().Set("Accept-Encoding", accept);
        auto response = files.Serve(request);
        ASSERT_TRUE(response);
        EXPECT_FALSE(response->headers.Has("Content-Encoding"));
        EXPECT_EQ(response->headers.Get("Vary"), "Accept-Encoding");
        EXPECT_EQ(BodyOf(*response), "console.log(1)");
    }
    // The two have different validators: a cached plain copy never answers for the gzipped one.
    Request plain("GET", "/assets/app-3f9a.js");
    Request zipped("GET", "/assets/app-3f9a.js");
    zipped.headers().Set("Accept-Encoding", "gzip");
    EXPECT_NE(files.Serve(plain)->headers.Get("ETag"), files.Serve(zipped)->headers.Get("ETag"));
}

TEST_F(StaticFilesTest, AnswersNotModifiedForItsETag) {
    StaticFiles files(root_);
    Request first("GET", "/index.html");
    auto response = files.Serve(first);
    ASSERT_TRUE(response);
    const std::string etag(*response->headers.Get("ETag"));
    Request again("GET", "/index.html");
    again.headers().Set("If-None-Match", etag);
    EXPECT_EQ(files.Serve(again)->status, 304);
}

TEST_F(StaticFilesTest, NeverLeavesTheRoot) {
    StaticFiles files(root_);
    for (const char* path : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"}) {
        Request request("GET", path);
        request.headers().Set("Accept", "text/plain");
        EXPECT_FALSE(files.Serve(request)) << path;
    }
    fs::create_symlink(root_.parent_path() / "secret.txt", root_ / "link.txt");
    Request link("GET", "/link.txt");
    link.headers().Set("Accept", "text/plain");
    EXPECT_FALSE(files.Serve(link));
}

TEST_F(StaticFilesTest, ServesNothingForOtherMethods) {
    StaticFiles files(root_);
    Request request("POST", "/index.html");
    EXPECT_FALSE(files.Serve(request));
}

}  // namespace
}  // namespace cerulean::http
