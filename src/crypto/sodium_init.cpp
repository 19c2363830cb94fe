#include "crypto/sodium_init.hpp"

#include <sodium.h>

#include "core/error.hpp"

namespace cerulean::crypto {

void EnsureSodiumInitialized() {
    // A function-local static is initialised once even under concurrent first calls (C++11), so
    // sodium_init runs once and every later caller only reads a bool.
    static const bool kInitialized = sodium_init() >= 0;
    if (!kInitialized) {
        throw core::Error(core::ErrorCode::kInternal, "libsodium failed to initialise");
    }
}

}  // namespace cerulean::crypto
