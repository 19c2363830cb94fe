#include "core/log.hpp"

#include <gtest/gtest.h>

namespace cerulean::core::log {
namespace {

TEST(Log, FormatsLogfmtWithQuoting) {
    const std::string line = Format(Level::kInfo, "http.request",
                                    {{"method", "GET"}, {"status", 200}, {"note", "two words"}});
    EXPECT_NE(line.find(" level=info event=http.request method=GET status=200 note=\"two words\""),
              std::string::npos);
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(Log, NeverWritesSecretFieldsOrSecretsInText) {
    const std::string line = Format(Level::kWarn, "e",
                                    {{"password", "hunter2"},
                                     {"client_secret", "s3cr3t"},
                                     {"error", "AccountKey=abc123==;AccountName=x"},
                                     Url("path", "/c?sig=topsecret&sv=1"),
                                     {"newline", "a\nb"}});
    EXPECT_EQ(line.find("hunter2"), std::string::npos);
    EXPECT_EQ(line.find("s3cr3t"), std::string::npos);
    EXPECT_EQ(line.find("abc123"), std::string::npos);
    EXPECT_EQ(line.find("topsecret"), std::string::npos);
    EXPECT_NE(line.find("sv=1"), std::string::npos);
    EXPECT_NE(line.find("newline=\"a\\nb\""), std::string::npos);
}

TEST(Log, ParsesLevels) {
    EXPECT_EQ(ParseLevel("debug"), Level::kDebug);
    EXPECT_EQ(ParseLevel("warning"), Level::kWarn);
    EXPECT_FALSE(ParseLevel("loud"));
}

}  // namespace
}  // namespace cerulean::core::log
