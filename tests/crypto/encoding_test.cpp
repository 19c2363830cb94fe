#include "crypto/encoding.hpp"

#include <gtest/gtest.h>

namespace cerulean::crypto {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
    EXPECT_EQ(Base64Encode(""), "");
    EXPECT_EQ(Base64Encode("f"), "Zg==");
    EXPECT_EQ(Base64Encode("fo"), "Zm8=");
    EXPECT_EQ(Base64Encode("foo"), "Zm9v");
    EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64, DecodesAndRejectsMalformed) {
    EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
    EXPECT_EQ(Base64Decode("Zm9vYmE="), "fooba");
    EXPECT_EQ(Base64Decode(""), "");
    EXPECT_FALSE(Base64Decode("Zm9"));
    EXPECT_FALSE(Base64Decode("Zm9v!A=="));
    EXPECT_FALSE(Base64Decode("Z==="));
    EXPECT_FALSE(Base64Decode("Zg==Zg=="));
}

TEST(Base64, RoundTripsAllByteValues) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
    EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes);
}

TEST(Hex, EncodesLowerCase) {
    EXPECT_EQ(HexEncode("\x01\xab"), "01ab");
}

}  // namespace
}  // namespace cerulean::crypto
