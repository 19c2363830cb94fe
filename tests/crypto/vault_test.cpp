#include "crypto/vault.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace cerulean::crypto {
namespace {

constexpr std::string_view kSecret = "DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0a2V5";
constexpr std::string_view kRowA = "azure_blob_connections:7:11";
constexpr std::string_view kRowB = "azure_blob_connections:7:12";

/// Runs `action`, which must throw core::Error, and returns it.
template <typename Action>
core::Error ErrorOf(Action action) {
    try {
        action();
    } catch (const core::Error& error) {
        return error;
    }
    ADD_FAILURE() << "expected a core::Error";
    return core::Error(core::ErrorCode::kInternal, "none");
}

/// Checks that a decryption error is the typed one and quotes none of `secrets`.
void ExpectDecryptionFailedWithout(const core::Error& error,
                                   const std::vector<std::string>& secrets) {
    EXPECT_EQ(error.code(), core::ErrorCode::kFailedPrecondition);
    EXPECT_EQ(error.reason(), "decryption_failed");
    const std::string message = error.what();
    EXPECT_FALSE(message.empty());
    for (const std::string& secret : secrets) {
        EXPECT_EQ(message.find(secret), std::string::npos) << message;
    }
}

/// `sealed` with byte `index` of its decoded nonce||ciphertext||tag flipped.
std::string FlipPayloadByte(const std::string& sealed, std::size_t index) {
    const std::size_t colon = sealed.rfind(':');
    std::string payload = *Base64Decode(sealed.substr(colon + 1));
    payload.at(index) = static_cast<char>(payload.at(index) ^ 0x01);
    return sealed.substr(0, colon + 1) + Base64Encode(payload);
}

TEST(Vault, SealsToASelfDescribingValueAndOpensIt) {
    const Vault vault({{"k1", RandomBytes(32)}});
    const std::string sealed = vault.Seal(kSecret, kRowA);
    EXPECT_EQ(sealed.rfind("v1:k1:", 0), 0U) << sealed;
    EXPECT_EQ(sealed.find(kSecret), std::string::npos);
    // 24-byte nonce + plaintext + 16-byte tag, in base64.
    EXPECT_EQ(Base64Decode(sealed.substr(6))->size(), 24 + kSecret.size() + 16);
    EXPECT_EQ(vault.Open(sealed, kRowA), kSecret);
}

TEST(Vault, UsesAFreshNonceForEverySeal) {
    const Vault vault({{"k1", RandomBytes(32)}});
    const std::string first = vault.Seal(kSecret, kRowA);
    const std::string second = vault.Seal(kSecret, kRowA);
    EXPECT_NE(first, second);
    EXPECT_NE(first.substr(6, 32), second.substr(6, 32));
    EXPECT_EQ(vault.Open(first, kRowA), kSecret);
    EXPECT_EQ(vault.Open(second, kRowA), kSecret);
}

TEST(Vault, RoundTripsEmptyAndBinaryPlaintexts) {
    const Vault vault({{"k1", RandomBytes(32)}});
    const std::string binary("\0\x01\xff:v1:\n", 8);
    EXPECT_EQ(vault.Open(vault.Seal("", kRowA), kRowA), "");
    EXPECT_EQ(vault.Open(vault.Seal(binary, kRowA), kRowA), binary);
    EXPECT_EQ(vault.Open(vault.Seal(binary, ""), ""), binary);
}

TEST(Vault, CiphertextMovedToAnotherRowDoesNotOpen) {
    const Vault vault({{"k1", RandomBytes(32)}});
    const std::string sealed = vault.Seal(kSecret, kRowA);
    ExpectDecryptionFailedWithout(ErrorOf([&] { (void)vault.Open(sealed, kRowB); }),
                                  {std::string(kSecret), sealed});
    // Another owner of the same connection id, or no binding at all, fails just the same.
    EXPECT_THROW((void)vault.Open(sealed, "azure_blob_connections:8:11"), core::Error);
    EXPECT_THROW((void)vault.Open(sealed, ""), core::Error);
}

TEST(Vault, DetectsATamperedNonceCiphertextOrTag) {
    const Vault vault({{"k1", RandomBytes(32)}});
    const std::string sealed = vault.Seal(kSecret, kRowA);
    const std::size_t payload_size = 24 + kSecret.size() + 16;
    for (const std::size_t index : {std::size_t{0}, std::size_t{23}, std::size_t{24},
                                    std::size_t{30}, payload_size - 16, payload_size - 1}) {
        const std::string tampered = FlipPayloadByte(sealed, index);
        ExpectDecryptionFailedWithout(ErrorOf([&] { (void)vault.Open(tampered, kRowA); }),
                                      {std::string(kSecret)});
    }
    // Truncated to the tag or shorter, or extended.
    const std::string truncated = sealed.substr(0, sealed.size() - 4);
    EXPECT_THROW((void)vault.Open(truncated, kRowA), core::Error);
    EXPECT_THROW((void)vault.Open(sealed + "AAAA", kRowA), core::Error);
}

TEST(Vault, KeyIdIsAuthenticated) {
    // The same key bytes under two ids: only the authenticated key id can tell them apart.
    const std::string key = RandomBytes(32);
    const Vault vault({{"a", key}, {"b", key}});
    const std::string sealed = vault.Seal(kSecret, kRowA);
    ASSERT_EQ(sealed.rfind("v1:a:", 0), 0U);
    const std::string relabelled = "v1:b:" + sealed.substr(5);
    ExpectDecryptionFailedWithout(ErrorOf([&] { (void)vault.Open(relabelled, kRowA); }),
                                  {std::string(kSecret)});
}

TEST(Vault, RefusesMalformedValuesWithoutQuotingThem) {
    const std::string key = RandomBytes(32);
    const Vault vault({{"k1", key}});
    const std::string payload = Base64Encode(std::string(40, 'x'));
    for (const std::string& value :
         {std::string(), std::string("v1"), std::string("v1:"), std::string("v1:k1"),
          std::string("v1:k1:"), std::string("v1:k1:%%%%"), std::string("v1::") + payload,
          std::string("v2:k1:") + payload, std::string("V1:k1:") + payload,
          std::string("v1:bad id:") + payload, std::string(kSecret),
          std::string("v1:k1:") + Base64Encode(std::string(39, 'x'))}) {
        ExpectDecryptionFailedWithout(
            ErrorOf([&] { (void)vault.Open(value, kRowA); }),
            {key, Base64Encode(key), HexEncode(key), std::string(kSecret), payload});
    }
}

TEST(Vault, UnknownKeyIdErrorNamesTheIdButNoSecret) {
    const std::string old_key = RandomBytes(32);
    const std::string new_key = RandomBytes(32);
    const std::string sealed = Vault({{"old", old_key}}).Seal(kSecret, kRowA);
    const Vault vault({{"new", new_key}});
    const core::Error error = ErrorOf([&] { (void)vault.Open(sealed, kRowA); });
    ExpectDecryptionFailedWithout(
        error, {old_key, new_key, Base64Encode(old_key), Base64Encode(new_key), HexEncode(old_key),
                HexEncode(new_key), std::string(kSecret), sealed.substr(sealed.rfind(':') + 1)});
    EXPECT_NE(std::string(error.what()).find("'old'"), std::string::npos) << error.what();
}

TEST(Vault, RotatesKeys) {
    const std::string old_key = RandomBytes(32);
    const std::string new_key = RandomBytes(32);
    const std::string sealed_old = Vault({{"old", old_key}}).Seal(kSecret, kRowA);

    const Vault both({{"new", new_key}, {"old", old_key}});
    EXPECT_EQ(both.PrimaryKeyId(), "new");
    EXPECT_EQ(Vault::KeyIdOf(sealed_old), "old");
    EXPECT_FALSE(both.IsSealedWithPrimary(sealed_old));
    EXPECT_EQ(both.Open(sealed_old, kRowA), kSecret);

    const std::string resealed = both.Reseal(sealed_old, kRowA);
    EXPECT_EQ(Vault::KeyIdOf(resealed), "new");
    EXPECT_TRUE(both.IsSealedWithPrimary(resealed));
    const std::string sealed_new = both.Seal(both.Open(sealed_old, kRowA), kRowA);
    EXPECT_TRUE(both.IsSealedWithPrimary(sealed_new));

    // The old key can now leave the configuration.
    const Vault only_new({{"new", new_key}});
    EXPECT_EQ(only_new.Open(resealed, kRowA), kSecret);
    EXPECT_EQ(only_new.Open(sealed_new, kRowA), kSecret);
    EXPECT_THROW((void)only_new.Open(sealed_old, kRowA), core::Error);
    // Resealing keeps the row binding.
    EXPECT_THROW((void)only_new.Open(resealed, kRowB), core::Error);
}

TEST(Vault, KeyIdOfAndIsSealedWithPrimaryHandleMalformedValues) {
    const Vault vault({{"k1", RandomBytes(32)}});
    EXPECT_FALSE(vault.IsSealedWithPrimary(""));
    EXPECT_FALSE(vault.IsSealedWithPrimary("v1:k1:"));
    EXPECT_FALSE(vault.IsSealedWithPrimary("plain text credential"));
    EXPECT_THROW((void)Vault::KeyIdOf("plain text credential"), core::Error);
    EXPECT_EQ(Vault::KeyIdOf("v1:k-2_x:AAAA"), "k-2_x");
}

TEST(Vault, RefusesBadKeyConfigurationWithoutQuotingKeys) {
    const std::string key = RandomBytes(32);
    const std::string short_key = RandomBytes(31);
    const auto expect_configuration_error = [&](std::vector<VaultKey> keys) {
        const core::Error error = ErrorOf([&] { Vault vault(std::move(keys)); });
        EXPECT_EQ(error.code(), core::ErrorCode::kConfiguration);
        const std::string message = error.what();
        for (const std::string& secret :
             {key, short_key, Base64Encode(key), Base64Encode(short_key)}) {
            EXPECT_EQ(message.find(secret), std::string::npos) << message;
        }
    };
    expect_configuration_error({});
    expect_configuration_error({{"", key}});
    expect_configuration_error({{"has:colon", key}});
    expect_configuration_error({{std::string(33, 'k'), key}});
    expect_configuration_error({{"k1", key}, {"k1", RandomBytes(32)}});
    expect_configuration_error({{"k1", short_key}});
    expect_configuration_error({{"k1", key + "x"}});
}

TEST(Vault, IsSafeToShareBetweenThreads) {
    const Vault vault({{"k1", RandomBytes(32)}, {"k0", RandomBytes(32)}});
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (std::size_t t = 0; t < failures.size(); ++t) {
        threads.emplace_back([&vault, &failures, t] {
            const std::string ad = "azure_blob_connections:1:" + std::to_string(t);
            for (int i = 0; i < 200; ++i) {
                const std::string plaintext = "secret-" + std::to_string(i);
                if (vault.Open(vault.Seal(plaintext, ad), ad) != plaintext) ++failures[t];
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (const int failed : failures) EXPECT_EQ(failed, 0);
}

}  // namespace
}  // namespace cerulean::crypto
