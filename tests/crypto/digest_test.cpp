#include "crypto/digest.hpp"

#include <gtest/gtest.h>

#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace cerulean::crypto {
namespace {

TEST(Digest, MatchesKnownVectors) {
    EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(HexEncode(Sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // RFC 4231 test case 2.
    EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, IncrementalMd5EqualsOneShot) {
    Md5Hasher hasher;
    hasher.Update("The quick brown fox ");
    hasher.Update("jumps over the lazy dog");
    EXPECT_EQ(HexEncode(hasher.Finish()), "9e107d9d372bb6826bd81d3542a419d6");
}

TEST(Digest, ConstantTimeEqualsComparesContentAndLength) {
    EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
    EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
    EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

TEST(Random, GivesFreshBytes) {
    EXPECT_EQ(RandomBytes(32).size(), 32U);
    EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

}  // namespace
}  // namespace cerulean::crypto
