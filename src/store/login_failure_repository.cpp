#include "store/login_failure_repository.hpp"

#include "store/database_impl.hpp"

namespace cerulean::store {

std::vector<std::int64_t> LoginFailureRepository::Reserve(const std::vector<std::string>& subjects,
                                                          core::UnixMillis now,
                                                          core::UnixMillis since) {
    std::vector<std::int64_t> ids;
    WithTransaction(*db_, [&](Session& session) {
        ids.clear();  // a retried transaction starts over
        soci::session& sql = session.sql();
        long long at = now;
        long long cutoff = since;
        for (const auto& subject : subjects) {
            std::string s = subject;
            long long id = 0;
            sql << "INSERT INTO login_failures (subject, failed_at) VALUES (:s, :t) RETURNING id",
                soci::use(s), soci::use(at), soci::into(id);
            ids.push_back(id);
        }
        sql << "DELETE FROM login_failures WHERE failed_at < :c", soci::use(cutoff);
    });
    return ids;
}

void LoginFailureRepository::Release(const std::vector<std::int64_t>& ids) {
    if (ids.empty()) return;
    WithTransaction(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        for (const std::int64_t value : ids) {
            long long id = value;
            sql << "DELETE FROM login_failures WHERE id = :i", soci::use(id);
        }
    });
}

LoginFailureRepository::Window LoginFailureRepository::Count(const std::string& subject,
                                                             core::UnixMillis since) {
    Window window;
    WithSession(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        std::string s = subject;
        long long cutoff = since;
        long long count = 0;
        long long oldest = 0;
        soci::indicator oldest_ind = soci::i_null;
        sql << "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE subject = :s AND "
               "failed_at >= :c",
            soci::use(s), soci::use(cutoff), soci::into(count), soci::into(oldest, oldest_ind);
        window.failures = count;
        window.oldest = oldest_ind == soci::i_ok ? oldest : 0;
    });
    return window;
}

void LoginFailureRepository::Clear(const std::string& subject) {
    WithSession(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        std::string s = subject;
        sql << "DELETE FROM login_failures WHERE subject = :s", soci::use(s);
    });
}

}  // namespace cerulean::store
