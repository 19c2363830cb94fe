#include "core/log.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>

#include "core/clock.hpp"

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

boost::json::object JsonLine(std::initializer_list<Field> fields, std::string_view event = "e") {
    const std::string line = FormatAs(LogFormat::kJson, Level::kWarn, event,
                                      std::span<const Field>(fields.begin(), fields.size()));
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    return boost::json::parse(line).as_object();
}

TEST(Log, WritesOneJsonObjectPerLineWithTypedValues) {
    const auto line = JsonLine({{"method", "GET"},
                                {"status", 200},
                                {"bytes_out", std::uint64_t{15}},
                                {"duration_ms", 1.25},
                                {"completed", true},
                                {"request_id", "abc-123"}},
                               "http.request");
    EXPECT_EQ(line.at("level"), "warn");
    EXPECT_EQ(line.at("msg"), "http.request");
    const std::string ts(line.at("ts").as_string());
    EXPECT_TRUE(core::ParseRfc3339(ts).has_value()) << ts;
    EXPECT_EQ(ts.size(), std::string_view("2026-01-02T03:04:05.678Z").size()) << ts;
    EXPECT_EQ(line.at("method"), "GET");
    EXPECT_EQ(line.at("status").as_int64(), 200);
    EXPECT_EQ(line.at("bytes_out").as_int64(), 15);
    EXPECT_DOUBLE_EQ(line.at("duration_ms").as_double(), 1.25);
    EXPECT_EQ(line.at("completed").as_bool(), true);
    EXPECT_EQ(line.at("request_id"), "abc-123");
}

TEST(Log, EscapesJsonAndReplacesInvalidUtf8) {
    const std::string control{'a', '\x01', 'b', '\x7f'};
    const auto line = JsonLine({{"quote", "say \"hi\"\\ now"},
                                {"newline", "a\nb\tc"},
                                {"control", control},
                                {"utf8", "caf\xc3\xa9 \xe2\x82\xac"},
                                {"broken", "x\xff\xc3y\xed\xa0\x80"},
                                {"msg", "a field named like the envelope"}},
                               "ev\"ent");
    EXPECT_EQ(line.at("msg"), "ev\"ent");
    EXPECT_EQ(line.at("_msg"), "a field named like the envelope");
    EXPECT_EQ(line.at("quote"), "say \"hi\"\\ now");
    EXPECT_EQ(line.at("newline"), "a\nb\tc");
    EXPECT_EQ(std::string(line.at("control").as_string()), control);
    EXPECT_EQ(line.at("utf8"), "caf\xc3\xa9 \xe2\x82\xac");
    // Each invalid byte is U+FFFD; a surrogate's encoding is invalid too.
    EXPECT_EQ(line.at("broken"), "x\xef\xbf\xbd\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(Log, JsonLinesRedactSecretsAsTextDoes) {
    const std::string line =
        FormatAs(LogFormat::kJson, Level::kInfo, "e",
                 std::array<Field, 5>{Field{"password", "hunter2"}, Field{"token_count", 42},
                                      Field{"error", "AccountKey=abc123==;AccountName=x"},
                                      Url("path", "/c?sig=topsecret&sv=1"),
                                      Field{"auth", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"}});
    for (const char* secret : {"hunter2", "abc123", "topsecret", "eyJhbGciOiJIUzI1NiJ9"}) {
        EXPECT_EQ(line.find(secret), std::string::npos) << secret;
    }
    const auto object = boost::json::parse(line).as_object();
    EXPECT_EQ(object.at("password"), "REDACTED");
    EXPECT_EQ(object.at("token_count"), "REDACTED");  // a secret-looking key, even for a number
    EXPECT_NE(std::string(object.at("path").as_string()).find("sv=1"), std::string::npos);
}

TEST(Log, FormatFollowsTheSetting) {
    EXPECT_EQ(ParseFormat("json"), LogFormat::kJson);
    EXPECT_EQ(ParseFormat("text"), LogFormat::kText);
    EXPECT_FALSE(ParseFormat("JSON lines"));
    SetFormat(LogFormat::kJson);
    const std::string json = Format(Level::kInfo, "e", {{"k", "v"}});
    SetFormat(LogFormat::kText);
    const std::string text = Format(Level::kInfo, "e", {{"k", "v"}});
    EXPECT_EQ(json.front(), '{');
    EXPECT_NE(text.find(" event=e k=v\n"), std::string::npos);
}

TEST(Log, ParsesLevels) {
    EXPECT_EQ(ParseLevel("debug"), Level::kDebug);
    EXPECT_EQ(ParseLevel("warning"), Level::kWarn);
    EXPECT_FALSE(ParseLevel("loud"));
}

}  // namespace
}  // namespace cerulean::core::log
