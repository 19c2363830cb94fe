#include "crypto/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include "core/error.hpp"
#include "crypto/md5_lanes.hpp"

namespace cerulean::crypto {

std::string HmacSha256(std::string_view key, std::string_view message) {
    std::string out(EVP_MAX_MD_SIZE, '\0');
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
             reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr) {
        throw core::Error(core::ErrorCode::kInternal, "HMAC-SHA256 failed");
    }
    out.resize(len);
    return out;
}

std::string Sha256(std::string_view bytes) {
    std::string out(SHA256_DIGEST_LENGTH, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
           reinterpret_cast<unsigned char*>(out.data()));
    return out;
}

// Ours where it is faster than OpenSSL's assembly (where the CPU has AVX-512VL, about 20%:
// bench/md5), OpenSSL's elsewhere (our scalar code is within a few percent of it, not worth it).
struct Md5Hasher::State {
    EVP_MD_CTX* ctx = nullptr;  // null when `own` is used
    Md5State own;
    ~State() { EVP_MD_CTX_free(ctx); }
};

Md5Hasher::Md5Hasher() : state_(std::make_unique<State>()) {
    if (Md5SingleBest() != Md5Single::kScalar) return;
    state_->ctx = EVP_MD_CTX_new();
    if (state_->ctx == nullptr || EVP_DigestInit_ex(state_->ctx, EVP_md5(), nullptr) != 1) {
        throw core::Error(core::ErrorCode::kInternal, "MD5 init failed");
    }
}
Md5Hasher::~Md5Hasher() = default;
Md5Hasher::Md5Hasher(Md5Hasher&&) noexcept = default;
Md5Hasher& Md5Hasher::operator=(Md5Hasher&&) noexcept = default;

void Md5Hasher::Update(std::string_view bytes) {
    if (state_->ctx == nullptr) {
        state_->own.Update(bytes);
        return;
    }
    EVP_DigestUpdate(state_->ctx, bytes.data(), bytes.size());
}

std::string Md5Hasher::Finish() {
    if (state_->ctx == nullptr) return state_->own.Finish();
    std::string out(EVP_MAX_MD_SIZE, '\0');
    unsigned int len = 0;
    EVP_DigestFinal_ex(state_->ctx, reinterpret_cast<unsigned char*>(out.data()), &len);
    out.resize(len);
    return out;
}

std::string Md5(std::string_view bytes) {
    Md5Hasher hasher;
    hasher.Update(bytes);
    return hasher.Finish();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cerulean::crypto
