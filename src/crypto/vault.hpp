#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret_bytes.hpp"

namespace cerulean::crypto {

/// One master key as configured: an id stored beside every value sealed under it, and its bytes.
struct VaultKey {
    std::string id;   ///< 1..32 of [A-Za-z0-9_-]; names the key inside sealed values
    std::string key;  ///< exactly 32 raw bytes
};

/// Encrypts secrets at rest (credentials in database rows) with XChaCha20-Poly1305 under a set
/// of master keys. The first key is the primary: it seals. Every key opens, so keys can rotate:
/// add a new key in front, reseal every value (see IsSealedWithPrimary and Reseal), then drop
/// the old key.
///
/// A sealed value is text, `v1:<key id>:<base64(24-byte random nonce || ciphertext+tag)>`. The
/// associated data given to Seal and Open, e.g. "azure_blob_connections:<user_id>:<id>", is
/// authenticated together with the version and the key id, so a value copied into another row,
/// or with its key id or version edited, fails to open.
///
/// Errors from Open never quote the plaintext, the key or the ciphertext. Thread-safe: all
/// members are const after construction.
class Vault {
 public:
    /// The text in front of every value this version seals.
    static constexpr std::string_view kVersion = "v1";

    /// A vault over `keys`, the first being the primary. The key bytes move into guarded memory
    /// and the strings of `keys` are wiped. Throws core::Error (kConfiguration) when there is no
    /// key, an id is malformed or repeated, or a key is not 32 bytes; the message names the key
    /// id, never the key.
    explicit Vault(std::vector<VaultKey> keys);

    /// Encrypts `plaintext` under the primary key, bound to `associated_data`.
    [[nodiscard]] std::string Seal(std::string_view plaintext,
                                   std::string_view associated_data) const;

    /// Decrypts a value made by Seal with the same `associated_data`. Throws core::Error
    /// (kFailedPrecondition, reason "decryption_failed") when the value is malformed, names a
    /// key id that is not configured, or fails authentication (tampered, or another row's).
    [[nodiscard]] std::string Open(std::string_view sealed, std::string_view associated_data) const;

    /// Opens `sealed` and seals the plaintext again under the primary key (key rotation).
    /// Throws like Open.
    [[nodiscard]] std::string Reseal(std::string_view sealed,
                                     std::string_view associated_data) const;

    /// The key id a sealed value names (a view into `sealed`), without decrypting it. Throws
    /// core::Error (kFailedPrecondition, reason "decryption_failed") when the value is malformed.
    [[nodiscard]] static std::string_view KeyIdOf(std::string_view sealed);

    /// True when `sealed` is well formed and names the primary key, i.e. needs no rotation.
    /// False for malformed values too (Open or Reseal then reports why).
    [[nodiscard]] bool IsSealedWithPrimary(std::string_view sealed) const noexcept;

    /// The id of the key that seals.
    [[nodiscard]] const std::string& PrimaryKeyId() const noexcept { return keys_.front().id; }

 private:
    struct Key {
        std::string id;
        SecretBytes bytes;
    };

    [[nodiscard]] const Key* FindKey(std::string_view id) const noexcept;

    std::vector<Key> keys_;
};

}  // namespace cerulean::crypto
