#include "store/login_failure_repository.hpp"

#include "store/database_impl.hpp"

namespace cerulean::store {

void LoginFailureRepository::Record(const std::vector<std::string>& subjects, core::UnixMillis now,
                                    core::UnixMillis since) {
    WithTransaction(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
        long long at = now;
        long long cutoff = since;
        for (const auto& subject : subjects) {
            std::string s = subject;
            sql << "INSERT INTO login_failures (subject, failed_at) VALUES (:s, :t)", soci::use(s),
                soci::use(at);
        }
        sql << "DELETE FROM login_failures WHERE failed_at < :c", soci::use(cutoff);
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
