#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cerulean::crypto {

/// Cost settings of Argon2id password hashing.
///
/// The defaults are libsodium's INTERACTIVE limits (2 passes over 64 MiB, one lane), fit for a
/// web service on 2 cores. Measured on that machine: one hash, one verification or one
/// DummyVerify takes about 57 ms of one core (56-66 ms over 10 runs), so a core checks some 17
/// sign-ins a second, and the 64 MiB each one holds is bounded by the size of the blocking pool
/// that runs them. MODERATE (3 passes over 256 MiB) measured 430 ms per hash here: slow and
/// memory-hungry for little gain in a service that also throttles sign-in attempts.
struct PasswordHasherOptions {
    std::uint64_t ops_limit = 2;               ///< Argon2id passes (crypto_pwhash_OPSLIMIT_*)
    std::size_t mem_limit_bytes = 64U << 20U;  ///< memory per hash (crypto_pwhash_MEMLIMIT_*)
    std::size_t max_password_bytes = 4096;     ///< longer passwords are refused
};

/// Hashes and checks passwords with Argon2id (libsodium's crypto_pwhash_str), producing the
/// self-describing `$argon2id$v=19$m=...,t=...,p=1$salt$hash` strings with a fresh random salt
/// each time. Thread-safe; every call is CPU- and memory-heavy, so run it on the blocking pool.
class PasswordHasher {
 public:
    /// A hasher with `options`. Precomputes the hash DummyVerify checks against, so it costs
    /// one hash. Throws core::Error (kConfiguration) when the limits are outside libsodium's.
    explicit PasswordHasher(PasswordHasherOptions options = {});

    /// The Argon2id hash string of `password`. Throws core::Error (kInvalidArgument) when the
    /// password is longer than the options allow, (kResourceExhausted) when memory runs out.
    [[nodiscard]] std::string Hash(std::string_view password) const;

    /// True when `password` matches `hash`. The comparison inside libsodium is constant time;
    /// the cost is that of the hash's own parameters. False for a malformed hash.
    [[nodiscard]] bool Verify(std::string_view hash, std::string_view password) const;

    /// Spends the time of one Verify against a fixed hash made with the current options, and
    /// discards the result: for a sign-in with an unknown email, so that it takes about as long
    /// as one with a wrong password.
    void DummyVerify(std::string_view password) const;

    /// True when `hash` was made with other parameters than the current options (or is not a
    /// valid Argon2id hash), so it should be replaced by Hash(password) after a good sign-in.
    [[nodiscard]] bool NeedsRehash(std::string_view hash) const;

    /// The fixed hash DummyVerify checks against (its parameters are the current options').
    [[nodiscard]] const std::string& dummy_hash() const noexcept { return dummy_hash_; }

 private:
    PasswordHasherOptions options_;
    std::string dummy_hash_;
};

}  // namespace cerulean::crypto
