#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "store/database.hpp"

namespace cerulean::store {

/// A stored link to a blob (its token is not stored, only the token's hash).
struct BlobLinkRecord {
    std::string token_hash;           ///< hex SHA-256 of the token
    std::int64_t user_id = 0;         ///< who made it
    std::int64_t connection_id = 0;   ///< through which of their connections
    std::string container;            ///< the blob's container
    std::string blob_name;            ///< the blob
    bool inline_disposition = false;  ///< shown in place (true) or downloaded (false)
    bool single_use = true;           ///< used up by the first request that follows it
    core::UnixMillis created_at = 0;  ///< when it was made
    core::UnixMillis expires_at = 0;  ///< when it stops working
};

/// Blob links, shared by every server on the database.
class BlobLinkRepository {
 public:
    /// A repository over `db`.
    explicit BlobLinkRepository(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    /// Stores `link`, and deletes links that expired before `purge_before`.
    void Insert(const BlobLinkRecord& link, core::UnixMillis purge_before);

    /// The link with `token_hash` when it is live at `now` (not expired, not used up, its user
    /// active), marking a single-use link used in the same transaction, so that of two
    /// requests racing for it only one gets it. Nullopt otherwise.
    std::optional<BlobLinkRecord> Redeem(const std::string& token_hash, core::UnixMillis now);

 private:
    std::shared_ptr<Database> db_;
};

}  // namespace cerulean::store
