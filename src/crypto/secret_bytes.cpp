#include "crypto/secret_bytes.hpp"

#include <sodium.h>

#include <cstring>
#include <utility>

#include "core/error.hpp"
#include "crypto/sodium_init.hpp"

namespace cerulean::crypto {

SecretBytes::SecretBytes(std::string_view bytes) {
    EnsureSodiumInitialized();
    if (bytes.empty()) {
        throw core::Error(core::ErrorCode::kInternal, "a secret must not be empty");
    }
    // sodium_malloc locks the pages and surrounds them with guard pages; freeing wipes them.
    data_ = static_cast<unsigned char*>(sodium_malloc(bytes.size()));
    if (data_ == nullptr) {
        throw core::Error(core::ErrorCode::kInternal,
                          "cannot allocate guarded memory for a secret");
    }
    size_ = bytes.size();
    std::memcpy(data_, bytes.data(), bytes.size());
    // Read-only from here on: a stray write through a bad pointer faults instead of corrupting it.
    sodium_mprotect_readonly(data_);
}

SecretBytes::~SecretBytes() {
    if (data_ != nullptr) sodium_free(data_);
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
        if (data_ != nullptr) sodium_free(data_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

}  // namespace cerulean::crypto
