#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/user_repository.hpp"

namespace cerulean::store {

/// One row of the audit log.
struct AuditRecord {
    std::int64_t id = 0;                        ///< positive once stored
    std::optional<std::int64_t> user_id;        ///< whose account it concerns, when known
    std::optional<std::string> actor;           ///< that account's email (kept if it is deleted)
    std::string action;                         ///< e.g. "connection.updated"
    std::optional<std::string> target_type;     ///< e.g. "connection"
    std::optional<std::string> target_id;       ///< e.g. "7"
    std::string detail = "{}";                  ///< a small JSON object, never a secret
    std::optional<std::string> remote_address;  ///< the client's address (or a worker's name)
    std::optional<std::string> request_id;      ///< the request that did it
    core::UnixMillis created_at = 0;            ///< when
};

/// Which rows a listing returns.
struct AuditFilter {
    std::optional<std::int64_t> user_id;    ///< one user's rows (nullopt: everyone's)
    std::optional<std::string> action;      ///< "connection.updated", or a family: "connection."
    std::optional<core::UnixMillis> since;  ///< created at or after
    std::optional<core::UnixMillis> until;  ///< created before
};

/// The audit log: appended to, listed newest first, never updated.
class AuditRepository {
 public:
    /// A repository over `db`.
    explicit AuditRepository(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    /// Appends `record` (its id and, when unset, created_at are filled in; the actor is taken
    /// from the user when not given).
    void Insert(const AuditRecord& record);
    /// The rows matching `filter`, newest first.
    Page<AuditRecord> List(const AuditFilter& filter, std::int64_t skip, std::int64_t limit);

 private:
    std::shared_ptr<Database> db_;
};

}  // namespace cerulean::store
