#include "crypto/digest.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "crypto/encoding.hpp"
#include "crypto/md5_lanes.hpp"
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

// MD5 by OpenSSL alone: the reference (Md5 and Md5Hasher may run our code).
std::string OpenSslMd5(std::string_view bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EXPECT_EQ(EVP_Digest(bytes.data(), bytes.size(), out, &len, EVP_md5(), nullptr), 1);
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::vector<Md5Single> AvailableSingles() {
    std::vector<Md5Single> all;
    for (Md5Single single : {Md5Single::kScalar, Md5Single::kAvx512}) {
        if (Md5SingleAvailable(single)) all.push_back(single);
    }
    return all;
}

std::vector<Md5Lanes> AvailableLanes() {
    std::vector<Md5Lanes> all;
    for (Md5Lanes lanes : {Md5Lanes::kScalar, Md5Lanes::kAvx2, Md5Lanes::kAvx512}) {
        if (Md5LanesAvailable(lanes)) all.push_back(lanes);
    }
    return all;
}

std::string RandomText(std::mt19937_64& random, std::size_t size) {
    std::string text(size, '\0');
    for (char& c : text) c = static_cast<char>(random());
    return text;
}

TEST(Md5State, MatchesRfc1321Vectors) {
    const std::pair<const char*, const char*> kVectors[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (const auto& [text, hex] : kVectors) {
        Md5State state;
        state.Update(text);
        EXPECT_EQ(HexEncode(state.Finish()), hex) << text;
    }
}

// Feeds `text` to `update` in pieces whose sizes cycle through odd ones around the block size,
// starting at `first` of them, so that pieces begin and end everywhere within a block.
template <typename Update>
void FeedInOddPieces(std::string_view text, std::size_t first, Update update) {
    static constexpr std::size_t kSizes[] = {1, 63, 7, 64, 13, 65, 0, 127, 3, 129, 200};
    for (std::size_t i = first; !text.empty(); ++i) {
        const std::size_t take = std::min(text.size(), kSizes[i % std::size(kSizes)]);
        update(text.substr(0, take));
        text.remove_prefix(take);
    }
}

// Each single-stream implementation this CPU has (and, further down, Md5Hasher, whichever it
// picks): at every length up to a few blocks, whole and in odd pieces, and on a long text, which
// chains many blocks in one kernel call.
TEST(Md5Single, EveryImplementationEqualsOpenSslForEveryShortLengthAndSplit) {
    std::mt19937_64 random(3);
    const std::string text = RandomText(random, 300);
    for (Md5Single single : AvailableSingles()) {
        for (std::size_t size = 0; size <= text.size(); ++size) {
            const std::string_view part = std::string_view(text).substr(0, size);
            const std::string expected = HexEncode(OpenSslMd5(part));
            Md5State whole;
            Md5UpdateWith(single, whole, part);
            ASSERT_EQ(HexEncode(whole.Finish()), expected)
                << "implementation " << static_cast<int>(single) << ", " << size << " bytes";
            Md5State pieces;
            FeedInOddPieces(part, size,
                            [&](std::string_view piece) { Md5UpdateWith(single, pieces, piece); });
            ASSERT_EQ(HexEncode(pieces.Finish()), expected)
                << "implementation " << static_cast<int>(single) << ", " << size
                << " bytes in pieces";
        }
    }
}

TEST(Md5Single, EveryImplementationEqualsOpenSslForAMebibyteAndMore) {
    std::mt19937_64 random(5);
    const std::string text = RandomText(random, (1U << 20U) + 13);
    const std::string expected = HexEncode(OpenSslMd5(text));
    for (Md5Single single : AvailableSingles()) {
        Md5State whole;
        Md5UpdateWith(single, whole, text);
        EXPECT_EQ(HexEncode(whole.Finish()), expected) << static_cast<int>(single);
        Md5State pieces;
        std::string_view left = text;
        while (!left.empty()) {
            const std::size_t take = std::min<std::size_t>(left.size(), 1 + random() % 100000);
            Md5UpdateWith(single, pieces, left.substr(0, take));
            left.remove_prefix(take);
        }
        EXPECT_EQ(HexEncode(pieces.Finish()), expected) << static_cast<int>(single);
    }
}

TEST(Md5Single, AutoIsTheBestAvailable) {
    EXPECT_TRUE(Md5SingleAvailable(Md5SingleBest()));
    EXPECT_NE(Md5SingleBest(), Md5Single::kAuto);
    if (Md5SingleAvailable(Md5Single::kAvx512)) {
        EXPECT_EQ(Md5SingleBest(), Md5Single::kAvx512);
    }
}

TEST(Md5Hasher, EqualsOpenSslForEveryShortLengthAndSplitAndAMebibyte) {
    std::mt19937_64 random(9);
    const std::string text = RandomText(random, (1U << 20U) + 13);
    for (std::size_t size = 0; size <= 300; ++size) {
        const std::string_view part = std::string_view(text).substr(0, size);
        const std::string expected = HexEncode(OpenSslMd5(part));
        ASSERT_EQ(HexEncode(Md5(part)), expected) << size << " bytes";
        Md5Hasher pieces;
        FeedInOddPieces(part, size, [&](std::string_view piece) { pieces.Update(piece); });
        ASSERT_EQ(HexEncode(pieces.Finish()), expected) << size << " bytes in pieces";
    }
    EXPECT_EQ(HexEncode(Md5(text)), HexEncode(OpenSslMd5(text)));
    Md5Hasher moved;
    FeedInOddPieces(std::string_view(text).substr(0, 1000), 0,
                    [&](std::string_view piece) { moved.Update(piece); });
    Md5Hasher hasher = std::move(moved);  // the state moves with it
    hasher.Update(std::string_view(text).substr(1000));
    EXPECT_EQ(HexEncode(hasher.Finish()), HexEncode(OpenSslMd5(text)));
}

TEST(Md5Lanes, EveryImplementationEqualsOpenSslForAnyLengthsAndSplits) {
    std::mt19937_64 random(42);
    for (Md5Lanes lanes : AvailableLanes()) {
        for (int round = 0; round < 40; ++round) {
            // 1 to 19 streams (more than one register's lanes), lengths around block edges.
            const std::size_t count = 1 + random() % 19;
            std::vector<std::string> texts;
            for (std::size_t i = 0; i < count; ++i) {
                const std::size_t size = random() % 4 == 0 ? random() % 200000 : random() % 300;
                texts.push_back(RandomText(random, size));
            }
            std::vector<Md5State> states(count);
            std::vector<Md5State*> pointers;
            for (auto& s : states) pointers.push_back(&s);
            std::vector<std::size_t> done(count, 0);
            // Fed in uneven pieces, several calls per stream, some streams idle in a call.
            for (bool more = true; more;) {
                more = false;
                std::vector<std::string_view> pieces;
                for (std::size_t i = 0; i < count; ++i) {
                    const std::size_t left = texts[i].size() - done[i];
                    const std::size_t take =
                        random() % 3 == 0 ? 0 : std::min<std::size_t>(left, random() % 70000);
                    pieces.emplace_back(texts[i].data() + done[i], take);
                    done[i] += take;
                    more = more || done[i] < texts[i].size();
                }
                Md5UpdateLanesWith(lanes, pointers, pieces);
            }
            for (std::size_t i = 0; i < count; ++i) {
                ASSERT_EQ(HexEncode(states[i].Finish()), HexEncode(OpenSslMd5(texts[i])))
                    << "lanes " << static_cast<int>(lanes) << " stream " << i << " of " << count
                    << ", " << texts[i].size() << " bytes";
            }
        }
    }
}

// Hashes `texts` together on the given lanes, each stream fed in odd pieces (its own sizes,
// so that in one call some streams have whole blocks and others only pending bytes) or whole;
// expects OpenSSL's digest for every one.
void ExpectLanesEqualOpenSsl(Md5Lanes lanes, const std::vector<std::string_view>& texts,
                             bool in_pieces) {
    static constexpr std::size_t kSizes[] = {1, 63, 7, 64, 13, 65, 0, 127, 3, 129, 200};
    const std::size_t count = texts.size();
    std::vector<Md5State> states(count);
    std::vector<Md5State*> pointers;
    for (auto& s : states) pointers.push_back(&s);
    std::vector<std::size_t> done(count, 0);
    auto more = [&] {
        for (std::size_t i = 0; i < count; ++i) {
            if (done[i] < texts[i].size()) return true;
        }
        return false;
    };
    for (std::size_t call = 0; more(); ++call) {
        std::vector<std::string_view> pieces;
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t left = texts[i].size() - done[i];
            const std::size_t take =
                in_pieces ? std::min(left, kSizes[(call + 4 * i) % std::size(kSizes)]) : left;
            pieces.push_back(texts[i].substr(done[i], take));
            done[i] += take;
        }
        Md5UpdateLanesWith(lanes, pointers, pieces);
    }
    for (std::size_t i = 0; i < count; ++i) {
        ASSERT_EQ(HexEncode(states[i].Finish()), HexEncode(OpenSslMd5(texts[i])))
            << "stream " << i << " of " << count << ", " << texts[i].size() << " bytes"
            << (in_pieces ? " in pieces" : "");
    }
}

// Two to four streams on the AVX-512 lanes run in the narrow kernel (xmm lanes) while two or
// more of them have blocks left: at unequal lengths, so that streams drop out and the rest
// regroup, down to one alone.
TEST(Md5Lanes, Avx512TwoToFourStreamsEqualOpenSslForUnequalLengths) {
    if (!Md5LanesAvailable(Md5Lanes::kAvx512)) GTEST_SKIP() << "no AVX-512VL here";
    std::mt19937_64 random(11);
    const std::string text = RandomText(random, 4 * ((1U << 20U) + 13));
    for (std::size_t count = 2; count <= 4; ++count) {
        for (std::size_t size = 0; size <= 300; ++size) {
            std::vector<std::string_view> texts;
            for (std::size_t i = 0; i < count; ++i) {
                // Other lengths and other bytes for each stream.
                texts.push_back(std::string_view(text).substr(1000 * i, (size + 97 * i) % 301));
            }
            ExpectLanesEqualOpenSsl(Md5Lanes::kAvx512, texts, true);
            ExpectLanesEqualOpenSsl(Md5Lanes::kAvx512, texts, false);
        }
        // A mebibyte and more, each stream some blocks and bytes shorter than the one before.
        std::vector<std::string_view> texts;
        for (std::size_t i = 0; i < count; ++i) {
            texts.push_back(
                std::string_view(text).substr(i * ((1U << 20U) + 13), (1U << 20U) + 13 - 1000 * i));
        }
        ExpectLanesEqualOpenSsl(Md5Lanes::kAvx512, texts, false);
        ExpectLanesEqualOpenSsl(Md5Lanes::kAvx512, texts, true);
    }
}

TEST(Md5Lanes, RefusesMismatchedSpans) {
    Md5State state;
    Md5State* pointer = &state;
    EXPECT_THROW(Md5UpdateLanes(std::span<Md5State* const>(&pointer, 1), {}), core::Error);
}

// Not a check: how fast each implementation hashes eight 8 MiB blocks here, against OpenSSL
// (printed; run the test binary with --gtest_also_run_disabled_tests). One stream alone:
// bench/md5.
TEST(Md5Lanes, DISABLED_Speed) {
    std::mt19937_64 random(7);
    const std::string data = RandomText(random, 8U << 23U);
    using Clock = std::chrono::steady_clock;
    auto start = Clock::now();
    for (std::size_t i = 0; i < 8; ++i) {
        OpenSslMd5(std::string_view(data).substr(i << 23U, 1U << 23U));
    }
    auto seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("OpenSSL, one stream after another: %.0f MB/s\n", data.size() / seconds / 1e6);
    for (Md5Lanes lanes : AvailableLanes()) {
        for (std::size_t width : {1U, 2U, 4U, 8U}) {
            std::vector<Md5State> states(width);
            std::vector<Md5State*> pointers;
            std::vector<std::string_view> pieces;
            for (auto& s : states) pointers.push_back(&s);
            start = Clock::now();
            for (std::size_t i = 0; i < 8; i += width) {
                pieces.clear();
                for (std::size_t j = 0; j < width; ++j) {
                    pieces.push_back(std::string_view(data).substr((i + j) << 23U, 1U << 23U));
                }
                Md5UpdateLanesWith(lanes, pointers, pieces);
            }
            seconds = std::chrono::duration<double>(Clock::now() - start).count();
            std::printf("lanes %d, %zu streams at once: %.0f MB/s\n", static_cast<int>(lanes),
                        width, data.size() / seconds / 1e6);
        }
    }
}

TEST(Random, GivesFreshBytes) {
    EXPECT_EQ(RandomBytes(32).size(), 32U);
    EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

}  // namespace
}  // namespace cerulean::crypto
