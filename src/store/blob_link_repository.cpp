#include "store/blob_link_repository.hpp"

#include "store/database_impl.hpp"

namespace cerulean::store {

void BlobLinkRepository::Insert(const BlobLinkRecord& link, core::UnixMillis purge_before) {
    WithTransaction(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        std::string hash = link.token_hash;
        long long user_id = link.user_id;
        long long connection_id = link.connection_id;
        std::string container = link.container;
        std::string name = link.blob_name;
        int inline_flag = link.inline_disposition ? 1 : 0;
        int single = link.single_use ? 1 : 0;
        long long created = link.created_at;
        long long expires = link.expires_at;
        long long cutoff = purge_before;
        sql << "DELETE FROM blob_links WHERE expires_at < :c", soci::use(cutoff);
        sql << "INSERT INTO blob_links (token_hash, user_id, connection_id, container, blob_name, "
               "inline, single_use, created_at, expires_at) VALUES (:h, :u, :c, :k, :n, :i, :s, "
               ":t, :e)",
            soci::use(hash), soci::use(user_id), soci::use(connection_id), soci::use(container),
            soci::use(name), soci::use(inline_flag), soci::use(single), soci::use(created),
            soci::use(expires);
    });
}

std::optional<BlobLinkRecord> BlobLinkRepository::Redeem(const std::string& token_hash,
                                                         core::UnixMillis now) {
    std::optional<BlobLinkRecord> found;
    WithTransaction(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        std::string hash = token_hash;
        long long at = now;
        BlobLinkRecord link;
        long long user_id = 0;
        long long connection_id = 0;
        int inline_flag = 0;
        int single = 1;
        long long created = 0;
        long long expires = 0;
        soci::indicator used_ind = soci::i_null;
        long long used = 0;
        sql << "SELECT l.user_id, l.connection_id, l.container, l.blob_name, l.inline, "
               "l.single_use, l.used_at, l.created_at, l.expires_at FROM blob_links l JOIN users u "
               "ON u.id = l.user_id WHERE l.token_hash = :h AND l.expires_at > :t AND "
               "u.is_active = 1",
            soci::use(hash), soci::use(at), soci::into(user_id), soci::into(connection_id),
            soci::into(link.container), soci::into(link.blob_name), soci::into(inline_flag),
            soci::into(single), soci::into(used, used_ind), soci::into(created),
            soci::into(expires);
        if (!sql.got_data()) return;
        link.single_use = single != 0;
        if (link.single_use) {
            if (used_ind == soci::i_ok) return;
            soci::statement mark = (sql.prepare << "UPDATE blob_links SET used_at = :t WHERE "
                                                   "token_hash = :h AND used_at IS NULL",
                                    soci::use(at), soci::use(hash));
            mark.execute(true);
            if (mark.get_affected_rows() != 1) return;
        }
        link.token_hash = token_hash;
        link.user_id = user_id;
        link.connection_id = connection_id;
        link.inline_disposition = inline_flag != 0;
        link.created_at = created;
        link.expires_at = expires;
        found = std::move(link);
    });
    return found;
}

}  // namespace cerulean::store
