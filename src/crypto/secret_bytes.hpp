#pragma once

#include <cstddef>
#include <string_view>

namespace cerulean::crypto {

/// Secret bytes (a key, a signing secret) kept in memory that libsodium guards: allocated with
/// sodium_malloc (guard pages, a canary, mlock so it is not swapped out), read-only once filled,
/// and wiped when freed. Move-only; meant for a few long-lived secrets, since each one costs a
/// few pages.
class SecretBytes {
 public:
    /// Copies `bytes` (at least one byte) into guarded memory. The caller should wipe its own copy.
    explicit SecretBytes(std::string_view bytes);
    ~SecretBytes();
    SecretBytes(SecretBytes&& other) noexcept;
    SecretBytes& operator=(SecretBytes&& other) noexcept;
    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;

    /// The bytes; valid while this object lives and has not been moved from.
    [[nodiscard]] const unsigned char* data() const noexcept { return data_; }
    /// How many bytes there are (0 after a move).
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
    unsigned char* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace cerulean::crypto
