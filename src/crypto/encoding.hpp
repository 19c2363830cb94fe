#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cerulean::crypto {

/// Standard base64 with padding (RFC 4648 section 4).
std::string Base64Encode(std::string_view bytes);

/// Decodes standard base64 (padding required, no whitespace); nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view text);

/// URL-safe base64 without padding (RFC 4648 section 5), as JWTs use it.
std::string Base64UrlEncode(std::string_view bytes);

/// Lower-case hexadecimal.
std::string HexEncode(std::string_view bytes);

}  // namespace cerulean::crypto
