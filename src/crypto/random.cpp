#include "crypto/random.hpp"

#include <sodium.h>

#include "core/error.hpp"

namespace cerulean::crypto {

std::string RandomBytes(std::size_t n) {
    if (sodium_init() < 0) {
        throw core::Error(core::ErrorCode::kInternal, "libsodium failed to initialise");
    }
    std::string out(n, '\0');
    randombytes_buf(out.data(), n);
    return out;
}

}  // namespace cerulean::crypto
