#include "crypto/vault.hpp"

#include <sodium.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "core/error.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sodium_init.hpp"

namespace cerulean::crypto {
namespace {

constexpr std::size_t kKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kMaxKeyIdLength = 32;
constexpr std::string_view kReason = "decryption_failed";

static_assert(kKeyBytes == 32 && kNonceBytes == 24);

bool IsKeyId(std::string_view id) noexcept {
    return !id.empty() && id.size() <= kMaxKeyIdLength && std::ranges::all_of(id, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

/// The parts of `v1:<key id>:<base64>`; `header` is `v1:<key id>:`, which is authenticated.
struct SealedParts {
    std::string_view header;
    std::string_view key_id;
    std::string_view payload;
};

std::optional<SealedParts> Split(std::string_view sealed) noexcept {
    const std::size_t version_end = Vault::kVersion.size();
    if (sealed.substr(0, version_end) != Vault::kVersion || sealed.size() <= version_end ||
        sealed[version_end] != ':') {
        return std::nullopt;
    }
    const std::size_t id_begin = version_end + 1;
    const std::size_t id_end = sealed.find(':', id_begin);
    if (id_end == std::string_view::npos) return std::nullopt;
    SealedParts parts{sealed.substr(0, id_end + 1), sealed.substr(id_begin, id_end - id_begin),
                      sealed.substr(id_end + 1)};
    if (!IsKeyId(parts.key_id) || parts.payload.empty()) return std::nullopt;
    return parts;
}

[[noreturn]] void Fail(const std::string& message) {
    throw core::Error(core::ErrorCode::kFailedPrecondition, message, std::string(kReason));
}

/// The associated data handed to the AEAD: the value's own header (version and key id), then the
/// caller's. The key id cannot hold ':', so the split between the two is unambiguous.
std::string FullAssociatedData(std::string_view header, std::string_view associated_data) {
    std::string full;
    full.reserve(header.size() + associated_data.size());
    full.append(header);
    full.append(associated_data);
    return full;
}

const unsigned char* Bytes(std::string_view s) noexcept {
    return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Vault::Vault(std::vector<VaultKey> keys) {
    // Whatever happens below, the plain copies of the keys do not outlive the constructor.
    struct WipeKeys {
        std::vector<VaultKey>& keys;
        ~WipeKeys() {
            for (VaultKey& key : keys) sodium_memzero(key.key.data(), key.key.size());
        }
    } wipe_keys{keys};

    EnsureSodiumInitialized();
    if (keys.empty()) {
        throw core::Error(core::ErrorCode::kConfiguration, "at least one master key is required");
    }
    keys_.reserve(keys.size());
    for (const VaultKey& key : keys) {
        if (!IsKeyId(key.id)) {
            throw core::Error(core::ErrorCode::kConfiguration,
                              "a master key id must be 1..32 letters, digits, '-' or '_'");
        }
        if (FindKey(key.id) != nullptr) {
            throw core::Error(core::ErrorCode::kConfiguration,
                              "master key id '" + key.id + "' appears twice");
        }
        if (key.key.size() != kKeyBytes) {
            throw core::Error(core::ErrorCode::kConfiguration,
                              "master key '" + key.id + "' must be 32 bytes");
        }
        keys_.push_back({key.id, SecretBytes(key.key)});
    }
}

std::string Vault::Seal(std::string_view plaintext, std::string_view associated_data) const {
    const Key& primary = keys_.front();
    const std::string header = std::string(kVersion) + ":" + primary.id + ":";
    const std::string full_ad = FullAssociatedData(header, associated_data);

    // nonce || ciphertext || tag, encoded together. 24 random bytes make a nonce collision
    // negligible for any number of values a single key will ever seal.
    std::string payload(kNonceBytes + plaintext.size() + kTagBytes, '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(payload.data());
    randombytes_buf(nonce, kNonceBytes);
    unsigned long long ciphertext_length = 0;
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(
            nonce + kNonceBytes, &ciphertext_length, Bytes(plaintext), plaintext.size(),
            Bytes(full_ad), full_ad.size(), nullptr, nonce, primary.bytes.data()) != 0) {
        throw core::Error(core::ErrorCode::kInternal, "encryption failed");
    }
    payload.resize(kNonceBytes + ciphertext_length);
    return header + Base64Encode(payload);
}

std::string Vault::Open(std::string_view sealed, std::string_view associated_data) const {
    const auto parts = Split(sealed);
    if (!parts) Fail("the sealed value is malformed");
    const Key* key = FindKey(parts->key_id);
    if (key == nullptr) {
        // The id passed IsKeyId, so it is short and plain; naming it tells an operator which
        // key is missing from the configuration.
        Fail("the sealed value names master key '" + std::string(parts->key_id) +
             "', which is not configured");
    }
    const auto payload = Base64Decode(parts->payload);
    if (!payload || payload->size() < kNonceBytes + kTagBytes) {
        Fail("the sealed value is malformed");
    }
    const std::string full_ad = FullAssociatedData(parts->header, associated_data);
    const auto* nonce = Bytes(*payload);
    const std::size_t ciphertext_length = payload->size() - kNonceBytes;

    std::string plaintext(ciphertext_length - kTagBytes, '\0');
    unsigned long long plaintext_length = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plaintext.data()), &plaintext_length, nullptr,
            nonce + kNonceBytes, ciphertext_length, Bytes(full_ad), full_ad.size(), nonce,
            key->bytes.data()) != 0) {
        sodium_memzero(plaintext.data(), plaintext.size());
        Fail("the sealed value does not authenticate under its key and associated data");
    }
    plaintext.resize(plaintext_length);
    return plaintext;
}

std::string Vault::Reseal(std::string_view sealed, std::string_view associated_data) const {
    std::string plaintext = Open(sealed, associated_data);
    std::string resealed = Seal(plaintext, associated_data);
    sodium_memzero(plaintext.data(), plaintext.size());
    return resealed;
}

std::string_view Vault::KeyIdOf(std::string_view sealed) {
    const auto parts = Split(sealed);
    if (!parts) Fail("the sealed value is malformed");
    return parts->key_id;
}

bool Vault::IsSealedWithPrimary(std::string_view sealed) const noexcept {
    const auto parts = Split(sealed);
    return parts && parts->key_id == keys_.front().id;
}

const Vault::Key* Vault::FindKey(std::string_view id) const noexcept {
    for (const Key& key : keys_) {
        if (key.id == id) return &key;
    }
    return nullptr;
}

}  // namespace cerulean::crypto
