#include "service/audit_log.hpp"

#include <boost/json/serialize.hpp>

#include "core/error.hpp"
#include "core/log.hpp"

namespace cerulean::service {

void AuditLog::Record(const AuditEvent& event, const AuditOrigin& origin) noexcept {
    try {
        store::AuditRecord record;
        record.user_id = event.user_id;
        record.action = event.action;
        if (!event.target_type.empty()) record.target_type = event.target_type;
        if (!event.target_id.empty()) record.target_id = event.target_id;
        record.detail = boost::json::serialize(event.detail);
        if (!origin.remote_address.empty()) record.remote_address = origin.remote_address;
        if (!origin.request_id.empty()) record.request_id = origin.request_id;
        repo_.Insert(record);
    } catch (const std::exception& e) {
        core::log::Error("audit.write_failed", {{"action", event.action}, {"error", e.what()}});
    }
}

store::Page<store::AuditRecord> AuditLog::List(const core::User& me, const AuditQuery& query,
                                               std::int64_t skip, std::int64_t limit) {
    store::AuditFilter filter;
    if (me.is_superuser) {
        filter.user_id = query.user_id;
    } else {
        if (query.user_id && *query.user_id != me.id) {
            throw core::Error(core::ErrorCode::kPermissionDenied,
                              "only a superuser may read another user's activity", "not_superuser");
        }
        filter.user_id = me.id;
    }
    filter.action = query.action;
    filter.since = query.since;
    filter.until = query.until;
    return repo_.List(filter, skip, limit);
}

}  // namespace cerulean::service
