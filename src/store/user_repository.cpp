#include "store/user_repository.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "store/database_impl.hpp"

namespace cerulean::store {
namespace {

std::string Lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Column values as SOCI binds them: into() converts between the dialects' integer widths,
// which soci::row::get<T> does not.
struct UserRow {
    static constexpr const char* kColumns =
        "id, email, full_name, password_hash, is_active, is_superuser, token_version, "
        "created_at, updated_at";

    long long id = 0;
    std::string email;
    std::string full_name;
    soci::indicator full_name_ind = soci::i_null;
    std::string password_hash;
    int is_active = 0;
    int is_superuser = 0;
    int token_version = 0;
    long long created_at = 0;
    long long updated_at = 0;

    void Bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(email));
        st.exchange(soci::into(full_name, full_name_ind));
        st.exchange(soci::into(password_hash));
        st.exchange(soci::into(is_active));
        st.exchange(soci::into(is_superuser));
        st.exchange(soci::into(token_version));
        st.exchange(soci::into(created_at));
        st.exchange(soci::into(updated_at));
    }

    [[nodiscard]] core::User ToDomain() const {
        core::User user;
        user.id = id;
        user.email = email;
        if (full_name_ind == soci::i_ok) user.full_name = full_name;
        user.password_hash = password_hash;
        user.is_active = is_active != 0;
        user.is_superuser = is_superuser != 0;
        user.token_version = token_version;
        user.created_at = created_at;
        user.updated_at = updated_at;
        return user;
    }
};

std::optional<core::User> FirstOf(std::vector<core::User> users) {
    if (users.empty()) return std::nullopt;
    return std::move(users.front());
}

std::optional<core::User> SelectById(soci::session& sql, long long id) {
    return FirstOf(SelectRows<UserRow>(sql, "users WHERE id = :id", id));
}

}  // namespace

core::User UserRepository::Create(core::User user) {
    user.email = Lower(user.email);
    user.created_at = user.updated_at = core::NowMillis();
    WithTransaction(*db_, [&](soci::session& sql) {
        long long id = 0;
        soci::indicator name_ind = user.full_name ? soci::i_ok : soci::i_null;
        const std::string name = user.full_name.value_or("");
        const int active = user.is_active ? 1 : 0;
        const int superuser = user.is_superuser ? 1 : 0;
        const long long created = user.created_at;
        try {
            sql << "INSERT INTO users (email, full_name, password_hash, is_active, is_superuser, "
                   "token_version, created_at, updated_at) VALUES (:e, :n, :p, :a, :s, 0, :c, :c2) "
                   "RETURNING id",
                soci::use(user.email), soci::use(name, name_ind), soci::use(user.password_hash),
                soci::use(active), soci::use(superuser), soci::use(created), soci::use(created),
                soci::into(id);
        } catch (const soci::soci_error& e) {
            if (IsUniqueViolation(e)) {
                throw core::Error(core::ErrorCode::kAlreadyExists,
                                  "a user with this email already exists", "email_taken");
            }
            throw;
        }
        user.id = id;
    });
    return user;
}

std::optional<core::User> UserRepository::FindById(std::int64_t id) {
    std::optional<core::User> user;
    const long long key = id;
    WithSession(*db_, [&](soci::session& sql) { user = SelectById(sql, key); });
    return user;
}

std::optional<core::User> UserRepository::FindByEmail(const std::string& email) {
    std::optional<core::User> user;
    std::string key = Lower(email);
    WithSession(*db_, [&](soci::session& sql) {
        user = FirstOf(SelectRows<UserRow>(sql, "users WHERE email = :email", key));
    });
    return user;
}

Page<core::User> UserRepository::List(std::int64_t skip, std::int64_t limit) {
    Page<core::User> page;
    WithSession(*db_, [&](soci::session& sql) {
        long long total = 0;
        sql << "SELECT COUNT(*) FROM users", soci::into(total);
        page.total = total;
        long long lim = limit;
        long long off = skip;
        page.items = SelectRows<UserRow>(sql, "users ORDER BY id LIMIT :lim OFFSET :off", lim, off);
    });
    return page;
}

std::optional<core::User> UserRepository::Update(std::int64_t id, const UserUpdate& update) {
    std::optional<core::User> result;
    WithTransaction(*db_, [&](soci::session& sql) {
        auto current = SelectById(sql, id);
        if (!current) return;
        core::User user = *current;
        bool bump = false;
        if (update.full_name) user.full_name = *update.full_name;
        if (update.password_hash) {
            user.password_hash = *update.password_hash;
            bump = !update.rehash_only;
        }
        if (update.is_active) {
            bump = bump || (user.is_active && !*update.is_active);
            user.is_active = *update.is_active;
        }
        if (update.is_superuser) user.is_superuser = *update.is_superuser;
        if (bump) ++user.token_version;
        user.updated_at = core::NowMillis();
        soci::indicator name_ind = user.full_name ? soci::i_ok : soci::i_null;
        const std::string name = user.full_name.value_or("");
        const int active = user.is_active ? 1 : 0;
        const int superuser = user.is_superuser ? 1 : 0;
        const int version = static_cast<int>(user.token_version);
        const long long updated = user.updated_at;
        const long long key = id;
        sql << "UPDATE users SET full_name = :n, password_hash = :p, is_active = :a, "
               "is_superuser = :s, token_version = :v, updated_at = :u WHERE id = :id",
            soci::use(name, name_ind), soci::use(user.password_hash), soci::use(active),
            soci::use(superuser), soci::use(version), soci::use(updated), soci::use(key);
        result = user;
    });
    return result;
}

std::int64_t UserRepository::Count() {
    long long total = 0;
    WithSession(
        *db_, [&](soci::session& sql) { sql << "SELECT COUNT(*) FROM users", soci::into(total); });
    return total;
}

}  // namespace cerulean::store
