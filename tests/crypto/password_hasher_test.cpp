#include "crypto/password_hasher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace cerulean::crypto {
namespace {

/// Cheap limits so that most tests run fast; the behaviour does not depend on the cost.
PasswordHasherOptions Fast() {
    return PasswordHasherOptions{1, 8U << 10U, 4096};
}

TEST(PasswordHasher, VerifiesTheRightPasswordOnly) {
    const PasswordHasher hasher(Fast());
    const std::string hash = hasher.Hash("correct horse battery staple");
    EXPECT_TRUE(hasher.Verify(hash, "correct horse battery staple"));
    EXPECT_FALSE(hasher.Verify(hash, "correct horse battery stapl"));
    EXPECT_FALSE(hasher.Verify(hash, "Correct horse battery staple"));
    EXPECT_FALSE(hasher.Verify(hash, ""));
    EXPECT_EQ(hash.find("correct horse"), std::string::npos);
}

TEST(PasswordHasher, SaltsEveryHash) {
    const PasswordHasher hasher(Fast());
    const std::string first = hasher.Hash("hunter22");
    const std::string second = hasher.Hash("hunter22");
    EXPECT_NE(first, second);
    EXPECT_TRUE(hasher.Verify(first, "hunter22"));
    EXPECT_TRUE(hasher.Verify(second, "hunter22"));
}

TEST(PasswordHasher, HandlesPasswordsWithAnyBytes) {
    const PasswordHasher hasher(Fast());
    const std::string password("p\0ss\xffw\xc3\xb6rd", 10);
    const std::string hash = hasher.Hash(password);
    EXPECT_TRUE(hasher.Verify(hash, password));
    EXPECT_FALSE(hasher.Verify(hash, password.substr(0, 1)));  // not cut at the NUL
}

TEST(PasswordHasher, DefaultsToArgon2idWithInteractiveLimits) {
    const PasswordHasher hasher;
    const std::string hash = hasher.Hash("a password of a user");
    EXPECT_EQ(hash.rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0U) << hash;
    EXPECT_TRUE(hasher.Verify(hash, "a password of a user"));
    EXPECT_FALSE(hasher.NeedsRehash(hash));
}

TEST(PasswordHasher, AsksForARehashWhenParametersChange) {
    const PasswordHasher fast(Fast());
    const PasswordHasher stronger(PasswordHasherOptions{2, 16U << 10U, 4096});
    const std::string hash = fast.Hash("hunter22");
    EXPECT_FALSE(fast.NeedsRehash(hash));
    EXPECT_TRUE(stronger.NeedsRehash(hash));
    // An old hash still verifies under new options, with its own parameters.
    EXPECT_TRUE(stronger.Verify(hash, "hunter22"));
    EXPECT_TRUE(fast.NeedsRehash("not a hash"));
    EXPECT_TRUE(fast.NeedsRehash(""));
}

TEST(PasswordHasher, MalformedHashesVerifyNothing) {
    const PasswordHasher hasher(Fast());
    const std::string hash = hasher.Hash("hunter22");
    EXPECT_FALSE(hasher.Verify("", "hunter22"));
    EXPECT_FALSE(hasher.Verify("hunter22", "hunter22"));
    EXPECT_FALSE(hasher.Verify(hash.substr(0, hash.size() - 2), "hunter22"));
    EXPECT_FALSE(hasher.Verify(hash + std::string(1, '\0') + "x", "hunter22"));
    EXPECT_FALSE(hasher.Verify(std::string(500, '$'), "hunter22"));
}

TEST(PasswordHasher, RefusesOverlongPasswords) {
    const PasswordHasher hasher(PasswordHasherOptions{1, 8U << 10U, 64});
    const std::string too_long(65, 'p');
    try {
        (void)hasher.Hash(too_long);
        ADD_FAILURE() << "expected a core::Error";
    } catch (const core::Error& error) {
        EXPECT_EQ(error.code(), core::ErrorCode::kInvalidArgument);
        EXPECT_EQ(std::string(error.what()).find(too_long), std::string::npos);
    }
    const std::string hash = hasher.Hash(std::string(64, 'p'));
    EXPECT_TRUE(hasher.Verify(hash, std::string(64, 'p')));
    EXPECT_FALSE(hasher.Verify(hash, too_long));
}

TEST(PasswordHasher, RefusesLimitsArgon2idDoesNotAccept) {
    EXPECT_THROW(PasswordHasher(PasswordHasherOptions{0, 64U << 20U, 4096}), core::Error);
    EXPECT_THROW(PasswordHasher(PasswordHasherOptions{2, 1024, 4096}), core::Error);
    EXPECT_THROW(PasswordHasher(PasswordHasherOptions{2, 64U << 20U, 0}), core::Error);
}

TEST(PasswordHasher, DummyVerifyCostsWhatAWrongPasswordCosts) {
    // The cost of an Argon2id verification is set by the parameters inside the hash string: the
    // dummy hash carrying the current parameters makes an unknown email cost what a wrong
    // password costs. (Checked by its parameters, not by a clock: machines here are noisy.)
    const PasswordHasher hasher(PasswordHasherOptions{2, 8U << 20U, 4096});
    const std::string hash = hasher.Hash("the real password");
    EXPECT_FALSE(hasher.NeedsRehash(hasher.dummy_hash()));
    EXPECT_EQ(hasher.dummy_hash().substr(
                  0, hasher.dummy_hash().rfind('$', hasher.dummy_hash().rfind('$') - 1)),
              hash.substr(0, hash.rfind('$', hash.rfind('$') - 1)));
    EXPECT_FALSE(hasher.Verify(hasher.dummy_hash(), "a guess"));
    hasher.DummyVerify("a guess");
}

}  // namespace
}  // namespace cerulean::crypto
