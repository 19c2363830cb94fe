#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace cerulean::crypto {

/// HMAC-SHA256 of `message` under `key`, 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view message);

/// SHA-256 of `bytes`, 32 raw bytes.
std::string Sha256(std::string_view bytes);

/// MD5 of `bytes`, 16 raw bytes (Azure's Content-MD5; not for security).
std::string Md5(std::string_view bytes);

/// An incremental MD5, for hashing a stream as it passes: Md5State's AVX-512VL code where the
/// CPU has it (faster than OpenSSL's assembly), OpenSSL's elsewhere.
class Md5Hasher {
 public:
    Md5Hasher();
    ~Md5Hasher();
    Md5Hasher(Md5Hasher&&) noexcept;
    Md5Hasher& operator=(Md5Hasher&&) noexcept;
    Md5Hasher(const Md5Hasher&) = delete;
    Md5Hasher& operator=(const Md5Hasher&) = delete;

    /// Adds bytes to the hash.
    void Update(std::string_view bytes);
    /// The 16 raw bytes of the digest; the hasher is spent afterwards.
    std::string Finish();

 private:
    struct State;
    std::unique_ptr<State> state_;
};

/// Compares two byte strings in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept;

}  // namespace cerulean::crypto
