#pragma once

#include <string>
#include <string_view>

#include "azure/http_header.hpp"

namespace cerulean::azure {

/// An account name with its decoded account key: signs Shared Key requests and SAS tokens.
/// The key never leaves the object except as HMACs, and is wiped when the object dies.
class SharedKeyCredential {
 public:
    /// Decodes a base64 account key. Throws core::Error (kInvalidArgument) for an empty account
    /// name or a key that is not base64, without echoing the key.
    SharedKeyCredential(std::string account_name, std::string_view account_key_base64);
    /// Overwrites the decoded key before its memory is freed.
    ~SharedKeyCredential();
    /// Copies the name and the decoded key.
    SharedKeyCredential(const SharedKeyCredential&) = default;
    /// Copies the name and the decoded key.
    SharedKeyCredential& operator=(const SharedKeyCredential&) = default;
    /// Moves the name and the decoded key.
    SharedKeyCredential(SharedKeyCredential&&) noexcept = default;
    /// Moves the name and the decoded key.
    SharedKeyCredential& operator=(SharedKeyCredential&&) noexcept = default;

    /// The storage account name.
    [[nodiscard]] const std::string& account_name() const noexcept { return account_name_; }

    /// Base64 of HMAC-SHA256(decoded key, UTF-8 `string_to_sign`).
    [[nodiscard]] std::string Sign(std::string_view string_to_sign) const;

 private:
    std::string account_name_;
    std::string key_;
};

/// The Shared Key signature of one request.
struct SharedKeySignature {
    std::string string_to_sign;  ///< what was signed (holds no secret; handy when a 403 says why)
    std::string authorization;   ///< the `Authorization` value, "SharedKey account:signature"
};

/// True when canonical header name `a` sorts before `b` the way the Blob service orders
/// `x-ms-*` headers: like .NET's culture-aware (en-US) comparison that Azure's SDKs imitate.
/// First by base characters with '-' and '\'' ignored and letters case-folded (punctuation,
/// then digits, then letters, so "foo_bar" < "foo2_bar"), then by case, then by where the
/// ignored characters stand ("ab" < "a-b"); identical keys fall back to byte order.
bool CanonicalHeaderLess(std::string_view a, std::string_view b) noexcept;

/// The Shared Key string-to-sign of the current service versions: VERB, Content-Encoding,
/// Content-Language, Content-Length (empty when 0), Content-MD5, Content-Type, Date,
/// If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range, then each `x-ms-*`
/// header (lower-cased name, trimmed value, repeated names comma-joined, sorted by
/// CanonicalHeaderLess), then `/{account}{encoded path}` and each query parameter as
/// `\n{lower-cased name}:{decoded values, sorted, comma-joined}` in name order. `url` is the
/// request URL as sent; a path-style emulator URL thus yields the account twice
/// (`/devstoreaccount1/devstoreaccount1/container`).
std::string SharedKeyStringToSign(std::string_view account_name, std::string_view method,
                                  std::string_view url, const HttpHeaders& headers);

/// Signs a request with Shared Key (see SharedKeyStringToSign).
SharedKeySignature SignSharedKey(const SharedKeyCredential& credential, std::string_view method,
                                 std::string_view url, const HttpHeaders& headers);

}  // namespace cerulean::azure
