#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "store/blob_link_repository.hpp"
#include "store/database.hpp"

namespace cerulean::service {

/// Lifetimes of blob links.
struct BlobLinkOptions {
    /// A download link: long enough for a browser to follow it, short enough that a leaked
    /// one (a log, a history entry) is dead by the time anyone reads it.
    std::chrono::seconds attachment_lifetime{60};
    /// A preview link: a media element makes several Range requests while the user watches.
    std::chrono::seconds inline_lifetime{600};
};

/// A link just issued.
struct IssuedBlobLink {
    std::string token;                ///< the secret part of the URL (base64url, 43 characters)
    core::UnixMillis expires_at = 0;  ///< when it stops working
    bool single_use = true;           ///< used up by the first request
};

/// Short-lived links to a blob's bytes that carry their own authority (a random token), for
/// clients that cannot send an Authorization header: a browser's download manager, `<img>`
/// and `<video>` elements. Tokens are 256 random bits; only their SHA-256 is stored.
class BlobLinkService {
 public:
    /// Links stored in `db`.
    BlobLinkService(std::shared_ptr<store::Database> db, BlobLinkOptions options = {});

    /// A new link to `container`/`name` through the user's connection (the caller has
    /// checked that the connection is theirs and the blob exists). `inline_disposition`:
    /// a multi-use preview link; otherwise a single-use download link.
    IssuedBlobLink Issue(std::int64_t user_id, std::int64_t connection_id, std::string container,
                         std::string name, bool inline_disposition);

    /// The link `token` names when it is live (unexpired, not used up, its user active),
    /// using it up when it is single-use. Nullopt for anything else, malformed tokens too.
    std::optional<store::BlobLinkRecord> Redeem(std::string_view token);

 private:
    store::BlobLinkRepository links_;
    BlobLinkOptions options_;
};

}  // namespace cerulean::service
