#include "crypto/password_hasher.hpp"

#include <sodium.h>

#include <array>

#include "core/error.hpp"
#include "crypto/encoding.hpp"
#include "crypto/random.hpp"
#include "crypto/sodium_init.hpp"

namespace cerulean::crypto {
namespace {

static_assert(PasswordHasherOptions{}.ops_limit == crypto_pwhash_OPSLIMIT_INTERACTIVE);
static_assert(PasswordHasherOptions{}.mem_limit_bytes == crypto_pwhash_MEMLIMIT_INTERACTIVE);

/// crypto_pwhash_str* read the hash as a C string: copy it, refusing an embedded NUL.
bool ToCString(std::string_view hash, std::string& out) {
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES ||
        hash.find('\0') != std::string_view::npos) {
        return false;
    }
    out.assign(hash);
    return true;
}

}  // namespace

PasswordHasher::PasswordHasher(PasswordHasherOptions options) : options_(options) {
    EnsureSodiumInitialized();
    if (options_.ops_limit < crypto_pwhash_OPSLIMIT_MIN ||
        options_.ops_limit > crypto_pwhash_OPSLIMIT_MAX ||
        options_.mem_limit_bytes < crypto_pwhash_MEMLIMIT_MIN ||
        options_.mem_limit_bytes > crypto_pwhash_MEMLIMIT_MAX) {
        throw core::Error(core::ErrorCode::kConfiguration,
                          "password hashing limits are outside what Argon2id accepts");
    }
    if (options_.max_password_bytes == 0 ||
        options_.max_password_bytes > crypto_pwhash_PASSWD_MAX) {
        throw core::Error(core::ErrorCode::kConfiguration,
                          "the maximum password length is out of range");
    }
    // A random password nobody knows: DummyVerify then fails exactly as a wrong password does,
    // after the same amount of work, because this hash has the current parameters.
    dummy_hash_ = Hash(HexEncode(RandomBytes(32)));
}

std::string PasswordHasher::Hash(std::string_view password) const {
    if (password.size() > options_.max_password_bytes) {
        throw core::Error(core::ErrorCode::kInvalidArgument, "the password is too long",
                          "password_too_long");
    }
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str(out.data(), password.data(), password.size(), options_.ops_limit,
                          options_.mem_limit_bytes) != 0) {
        throw core::Error(core::ErrorCode::kResourceExhausted,
                          "not enough memory to hash a password");
    }
    return {out.data()};
}

bool PasswordHasher::Verify(std::string_view hash, std::string_view password) const {
    if (password.size() > options_.max_password_bytes) {
        DummyVerify(password.substr(0, options_.max_password_bytes));
        return false;
    }
    std::string c_hash;
    if (!ToCString(hash, c_hash)) return false;
    return crypto_pwhash_str_verify(c_hash.c_str(), password.data(), password.size()) == 0;
}

void PasswordHasher::DummyVerify(std::string_view password) const {
    if (password.size() > options_.max_password_bytes) {
        password = password.substr(0, options_.max_password_bytes);
    }
    // The result is irrelevant; only the work matters. A call into libsodium is not elided.
    [[maybe_unused]] const int result =
        crypto_pwhash_str_verify(dummy_hash_.c_str(), password.data(), password.size());
}

bool PasswordHasher::NeedsRehash(std::string_view hash) const {
    std::string c_hash;
    if (!ToCString(hash, c_hash)) return true;
    // 1: other parameters, -1: not an Argon2id hash string; both want a fresh hash.
    return crypto_pwhash_str_needs_rehash(c_hash.c_str(), options_.ops_limit,
                                          options_.mem_limit_bytes) != 0;
}

}  // namespace cerulean::crypto
