#include "core/log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

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

TEST(Log, ReferencedFieldsAreWrittenAsCopiedOnesAre) {
    const std::string path = "/c?sig=topsecret&sv=1";
    const std::string secret = "hunter2";
    const std::string error = "AccountKey=abc123==;AccountName=x";
    const std::string plain = "two words";
    for (const LogFormat format : {LogFormat::kText, LogFormat::kJson}) {
        const std::array<Field, 4> copied{Url("path", path), Field{"password", secret},
                                          Field{"error", error}, Field{"note", plain}};
        const std::array<Field, 4> referenced{Ref("path", path, FieldKind::kUrl),
                                              Ref("password", secret), Ref("error", error),
                                              Ref("note", plain)};
        std::string a = FormatAs(format, Level::kInfo, "e", copied);
        std::string b = FormatAs(format, Level::kInfo, "e", referenced);
        // The timestamps may differ by a millisecond: compare from the level on.
        a.erase(0, a.find("level"));
        b.erase(0, b.find("level"));
        EXPECT_EQ(a, b);
        for (const char* hidden : {"topsecret", "hunter2", "abc123"}) {
            EXPECT_EQ(b.find(hidden), std::string::npos) << hidden;
        }
    }
}

TEST(Log, DurationsInMillisecondsAreWrittenAsTheirDoubleWouldBe) {
    for (const std::int64_t micros :
         {std::int64_t{0}, std::int64_t{1}, std::int64_t{9}, std::int64_t{999}, std::int64_t{1000},
          std::int64_t{1001}, std::int64_t{123456}, std::int64_t{59'999'999}, std::int64_t{1} << 40,
          std::int64_t{1} << 52, std::int64_t{-5}}) {
        const Field exact = DurationMs("duration_ms", micros);
        const Field fraction{"duration_ms", static_cast<double>(micros) / 1000.0};
        EXPECT_EQ(exact.text(), fraction.text()) << micros;
        EXPECT_EQ(exact.kind, fraction.kind) << micros;
    }
    EXPECT_EQ(DurationMs("d", 1234).text(), "1.234");
    EXPECT_EQ(DurationMs("d", 5).text(), "0.005");
}

// Standard error, sent to a file while the object lives.
class CapturedStderr {
 public:
    CapturedStderr() {
        Flush();
        saved_ = ::dup(STDERR_FILENO);
        const int fd = ::open(path_.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_APPEND, 0600);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
    }
    ~CapturedStderr() {
        Flush();
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        std::remove(path_.c_str());
    }
    CapturedStderr(const CapturedStderr&) = delete;
    CapturedStderr& operator=(const CapturedStderr&) = delete;

    [[nodiscard]] std::string Text() const {
        std::ifstream in(path_);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

 private:
    std::string path_ = "/tmp/cerulean-log-test-" + std::to_string(::getpid()) + ".log";
    int saved_ = -1;
};

// The events of the lines in `text`, in order.
std::vector<std::string> Events(const std::string& text) {
    std::vector<std::string> events;
    for (std::size_t at = text.find(" event="); at != std::string::npos;
         at = text.find(" event=", at + 1)) {
        const std::size_t start = at + 7;
        events.push_back(text.substr(start, text.find_first_of(" \n", start) - start));
    }
    return events;
}

TEST(Log, BufferedLinesKeepTheirPlaceAmongLinesWrittenAtOnce) {
    const CapturedStderr captured;
    const std::array<Field, 1> fields{Field{"k", "v"}};
    Write(Level::kInfo, "first", fields);
    WriteBuffered(Level::kInfo, "second", fields);
    WriteBuffered(Level::kDebug, "third", fields);
    // A warning is written at once, and whatever waited goes out before it.
    WriteBuffered(Level::kWarn, "fourth", fields);
    EXPECT_EQ(Events(captured.Text()),
              (std::vector<std::string>{"first", "second", "third", "fourth"}));
    WriteBuffered(Level::kInfo, "fifth", fields);
    Write(Level::kInfo, "sixth", fields);
    WriteBuffered(Level::kInfo, "seventh", fields);
    Flush();
    EXPECT_EQ(Events(captured.Text()),
              (std::vector<std::string>{"first", "second", "third", "fourth", "fifth", "sixth",
                                        "seventh"}));
}

TEST(Log, ABufferedLineIsWrittenSoonWithoutHelp) {
    const CapturedStderr captured;
    const std::array<Field, 1> fields{Field{"k", "v"}};
    WriteBuffered(Level::kInfo, "waiting", fields);
    // Within about 50 ms; 5 s allows for a busy machine.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (captured.Text().find("event=waiting") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(Events(captured.Text()), std::vector<std::string>{"waiting"});
}

TEST(Log, ManyBufferedLinesAreWrittenWholeAndInOrder) {
    const CapturedStderr captured;
    const std::string padding(300, 'x');
    constexpr int kLines = 1000;  // several batches of 64 KiB
    for (int i = 0; i < kLines; ++i) {
        const std::array<Field, 2> fields{Field{"i", i}, Field{"pad", padding}};
        WriteBuffered(Level::kInfo, "many", fields);
    }
    Flush();
    const std::string text = captured.Text();
    std::size_t at = 0;
    for (int i = 0; i < kLines; ++i) {
        const std::string wanted = "event=many i=" + std::to_string(i) + " pad=" + padding + "\n";
        at = text.find(wanted, at);
        ASSERT_NE(at, std::string::npos) << i;
    }
    EXPECT_EQ(Events(text).size(), static_cast<std::size_t>(kLines));
}

[[noreturn]] void LogBufferedAndExit() {
    const std::array<Field, 1> fields{Field{"k", "v"}};
    WriteBuffered(Level::kInfo, "last.words", fields);
    std::exit(0);
}

TEST(LogDeathTest, BufferedLinesAreWrittenWhenTheProcessExits) {
    EXPECT_EXIT(LogBufferedAndExit(), ::testing::ExitedWithCode(0), "event=last\\.words k=v");
}

TEST(Log, ParsesLevels) {
    EXPECT_EQ(ParseLevel("debug"), Level::kDebug);
    EXPECT_EQ(ParseLevel("warning"), Level::kWarn);
    EXPECT_FALSE(ParseLevel("loud"));
}

}  // namespace
}  // namespace cerulean::core::log
