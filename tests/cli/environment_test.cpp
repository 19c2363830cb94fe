#include "cli/environment.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/error.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::cli {
namespace {

TEST(Dotenv, ParsesCommentsExportsAndQuotes) {
    const auto values = ParseDotenv(
        "# a comment\n"
        "\n"
        "PLAIN=value # trailing comment\n"
        "export EXPORTED=yes\n"
        "SINGLE='literal \\n # kept'\n"
        "DOUBLE=\"line\\nbreak \\\"quoted\\\"\"\n"
        "EMPTY=\n"
        "EQUALS=a=b==\n",
        ".env");
    EXPECT_EQ(values.at("PLAIN"), "value");
    EXPECT_EQ(values.at("EXPORTED"), "yes");
    EXPECT_EQ(values.at("SINGLE"), "literal \\n # kept");
    EXPECT_EQ(values.at("DOUBLE"), "line\nbreak \"quoted\"");
    EXPECT_EQ(values.at("EMPTY"), "");
    EXPECT_EQ(values.at("EQUALS"), "a=b==");
}

TEST(Dotenv, NamesTheLineOfAMalformedEntryWithoutItsValue) {
    try {
        ParseDotenv("GOOD=1\nsecret-value-here\n", "my.env");
        FAIL();
    } catch (const core::Error& e) {
        EXPECT_EQ(std::string(e.what()), "my.env:2: expected NAME=VALUE");
    }
    EXPECT_THROW(ParseDotenv("A=\"unterminated\n", ".env"), core::Error);
    EXPECT_THROW(ParseDotenv("1BAD=x\n", ".env"), core::Error);
}

TEST(Environment, ProcessVariablesWinOverTheFile) {
    testing::TempDir dir("cerulean-env");
    const auto file = dir.path() / ".env";
    std::ofstream(file) << "CERULEAN_TEST_ONLY_A=from-file\nCERULEAN_TEST_ONLY_B=from-file\n";
    ::setenv("CERULEAN_TEST_ONLY_A", "from-env", 1);
    const auto env = Environment::FromProcess(file);
    ::unsetenv("CERULEAN_TEST_ONLY_A");
    EXPECT_EQ(env.Get("CERULEAN_TEST_ONLY_A"), "from-env");
    EXPECT_EQ(env.Get("CERULEAN_TEST_ONLY_B"), "from-file");
    EXPECT_FALSE(env.Get("CERULEAN_TEST_ONLY_C"));
}

}  // namespace
}  // namespace cerulean::cli
