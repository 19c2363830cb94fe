#pragma once

#include <cstddef>
#include <string>

namespace cerulean::crypto {

/// `n` bytes from the operating system's cryptographic random source.
std::string RandomBytes(std::size_t n);

}  // namespace cerulean::crypto
