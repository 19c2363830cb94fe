#include "store/audit_repository.hpp"

#include "store/database_impl.hpp"

namespace cerulean::store {
namespace {

struct AuditRow {
    static constexpr std::string_view kColumns =
        "id, user_id, actor, action, target_type, target_id, detail, remote_address, request_id, "
        "created_at";

    static std::optional<std::string> Text(const Rows& row, int column) {
        if (row.IsNull(column)) return std::nullopt;
        return std::string(row.Text(column));
    }

    static AuditRecord Read(const Rows& row) {
        AuditRecord r;
        r.id = row.Int(0);
        if (!row.IsNull(1)) r.user_id = row.Int(1);
        r.actor = Text(row, 2);
        r.action = row.Text(3);
        r.target_type = Text(row, 4);
        r.target_id = Text(row, 5);
        r.detail = row.Text(6);
        r.remote_address = Text(row, 7);
        r.request_id = Text(row, 8);
        r.created_at = row.Int(9);
        return r;
    }
};

// Every filter is in the text, each off when its parameter says so, so that one prepared
// statement serves them all.
constexpr std::string_view kWhere =
    "(CAST(:u1 AS BIGINT) < 0 OR user_id = :u2) AND (:a1 = '' OR action LIKE :a2 ESCAPE '\\') "
    "AND created_at >= :s AND created_at < :t";

// A LIKE pattern matching `action` exactly, or every action of a family ("connection.").
std::string ActionPattern(const std::string& action) {
    std::string pattern;
    for (const char c : action) {
        if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
        pattern.push_back(c);
    }
    if (!action.empty() && action.back() == '.') pattern.push_back('%');
    return pattern;
}

}  // namespace

void AuditRepository::Insert(const AuditRecord& record) {
    WithSession(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        long long user_id = record.user_id.value_or(0);
        soci::indicator user_ind = record.user_id ? soci::i_ok : soci::i_null;
        long long user_id2 = user_id;
        soci::indicator user_ind2 = user_ind;
        std::string actor = record.actor.value_or("");
        soci::indicator actor_ind = record.actor ? soci::i_ok : soci::i_null;
        std::string action = record.action;
        std::string target_type = record.target_type.value_or("");
        soci::indicator type_ind = record.target_type ? soci::i_ok : soci::i_null;
        std::string target_id = record.target_id.value_or("");
        soci::indicator id_ind = record.target_id ? soci::i_ok : soci::i_null;
        std::string detail = record.detail.empty() ? "{}" : record.detail;
        std::string address = record.remote_address.value_or("");
        soci::indicator address_ind = record.remote_address ? soci::i_ok : soci::i_null;
        std::string request_id = record.request_id.value_or("");
        soci::indicator request_ind = record.request_id ? soci::i_ok : soci::i_null;
        long long created = record.created_at != 0 ? record.created_at : core::NowMillis();
        sql << "INSERT INTO audit_events (user_id, actor, action, target_type, target_id, detail, "
               "remote_address, request_id, created_at) VALUES (:u, COALESCE(:a, (SELECT email "
               "FROM users WHERE id = :u2)), :ac, :tt, :ti, :d, :r, :q, :c)",
            soci::use(user_id, user_ind), soci::use(actor, actor_ind),
            soci::use(user_id2, user_ind2), soci::use(action), soci::use(target_type, type_ind),
            soci::use(target_id, id_ind), soci::use(detail), soci::use(address, address_ind),
            soci::use(request_id, request_ind), soci::use(created);
    });
}

Page<AuditRecord> AuditRepository::List(const AuditFilter& filter, std::int64_t skip,
                                        std::int64_t limit) {
    Page<AuditRecord> page;
    const std::int64_t user = filter.user_id.value_or(-1);
    const std::string action = filter.action.value_or("");
    const std::string pattern = ActionPattern(action);
    const std::int64_t since = filter.since.value_or(0);
    const std::int64_t until = filter.until.value_or(INT64_MAX);
    WithSession(*db_, [&](Session& session) {
        static const std::string kPage = SelectSql<AuditRow>(
            "audit_events WHERE " + std::string(kWhere) + " ORDER BY id DESC LIMIT :l OFFSET :o");
        static const std::string kCount =
            "SELECT COUNT(*) FROM audit_events WHERE " + std::string(kWhere);
        AppendRows<AuditRow>(page.items, session, kPage, user, user, action, pattern, since, until,
                             limit, skip);
        page.total = SelectInt(session, kCount, user, user, action, pattern, since, until);
    });
    return page;
}

}  // namespace cerulean::store
