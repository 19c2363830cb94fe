#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/user.hpp"
#include "store/audit_repository.hpp"
#include "store/database.hpp"

namespace cerulean::service {

/// Where an audited action came from.
struct AuditOrigin {
    std::string remote_address;  ///< the client's address (or a worker's name)
    std::string request_id;      ///< the request's id, when it came through the API
};

/// What is audited about one action.
struct AuditEvent {
    std::optional<std::int64_t> user_id;  ///< whose account it concerns, when known
    std::string action;                   ///< stable name, e.g. "connection.updated"
    std::string target_type;              ///< e.g. "connection"; empty for none
    std::string target_id;                ///< e.g. "7"
    boost::json::object detail;           ///< names, ids, counts: never a secret
};

/// Which events a listing returns (GET /api/v1/audit).
struct AuditQuery {
    std::optional<std::int64_t> user_id;    ///< a superuser's filter by user
    std::optional<std::string> action;      ///< exact, or a family ending in '.'
    std::optional<core::UnixMillis> since;  ///< at or after
    std::optional<core::UnixMillis> until;  ///< before
};

/// The audit log (table audit_events). Recording never throws: a failure to write is logged as
/// an error and the action goes on (an unreachable database fails the action itself anyway).
/// Every call blocks on the database.
class AuditLog {
 public:
    /// A log over `db`.
    explicit AuditLog(std::shared_ptr<store::Database> db) : repo_(std::move(db)) {}

    /// Records `event` from `origin`.
    void Record(const AuditEvent& event, const AuditOrigin& origin) noexcept;

    /// The events `me` may read: their own, or anyone's for a superuser (who may also filter
    /// by user), newest first. A filter by another user from a non-superuser is 403.
    store::Page<store::AuditRecord> List(const core::User& me, const AuditQuery& query,
                                         std::int64_t skip, std::int64_t limit);

 private:
    store::AuditRepository repo_;
};

}  // namespace cerulean::service
