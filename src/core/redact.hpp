#pragma once

#include <string>
#include <string_view>

namespace cerulean::core {

/// The text written in place of a secret.
inline constexpr std::string_view kRedacted = "REDACTED";

/// True when a query-parameter, header or field name is one known to carry no secret
/// (the allow-list: everything else has its value redacted in URLs).
bool IsSafeQueryParameter(std::string_view name) noexcept;

/// A URL or path with the value of every query parameter not on the allow-list replaced by
/// REDACTED, e.g. "/c/b?sv=2024&sig=abc" -> "/c/b?sv=2024&sig=REDACTED". Userinfo is redacted too.
std::string RedactUrl(std::string_view url);

/// Free text with anything shaped like a secret replaced: `AccountKey=`, `SharedAccessSignature=`,
/// `sig=`, `password=`, `client_secret=`, `Bearer <token>`, and user:password@ in URLs.
std::string ScrubSecrets(std::string_view text);

}  // namespace cerulean::core
