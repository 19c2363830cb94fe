#include "service/blob_link_service.hpp"

#include <algorithm>

#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace cerulean::service {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kTokenLength = 43;  // base64url of 32 bytes, unpadded

std::string TokenHash(std::string_view token) {
    return crypto::HexEncode(crypto::Sha256(token));
}

bool WellFormed(std::string_view token) {
    return token.size() == kTokenLength && std::all_of(token.begin(), token.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
           });
}

}  // namespace

BlobLinkService::BlobLinkService(std::shared_ptr<store::Database> db, BlobLinkOptions options)
    : links_(std::move(db)), options_(options) {}

IssuedBlobLink BlobLinkService::Issue(std::int64_t user_id, std::int64_t connection_id,
                                      std::string container, std::string name,
                                      bool inline_disposition) {
    std::string token = crypto::Base64UrlEncode(crypto::RandomBytes(kTokenBytes));
    const core::UnixMillis now = core::NowMillis();
    const auto lifetime =
        inline_disposition ? options_.inline_lifetime : options_.attachment_lifetime;
    store::BlobLinkRecord link;
    link.token_hash = TokenHash(token);
    link.user_id = user_id;
    link.connection_id = connection_id;
    link.container = std::move(container);
    link.blob_name = std::move(name);
    link.inline_disposition = inline_disposition;
    link.single_use = !inline_disposition;
    link.created_at = now;
    link.expires_at = now + std::chrono::duration_cast<std::chrono::milliseconds>(lifetime).count();
    links_.Insert(link, now);
    return {std::move(token), link.expires_at, link.single_use};
}

std::optional<store::BlobLinkRecord> BlobLinkService::Redeem(std::string_view token) {
    if (!WellFormed(token)) return std::nullopt;
    return links_.Redeem(TokenHash(token), core::NowMillis());
}

}  // namespace cerulean::service
