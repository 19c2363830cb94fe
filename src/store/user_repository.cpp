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

struct UserRow {
    static constexpr std::string_view kColumns =
        "id, email, full_name, password_hash, is_active, is_superuser, token_version, "
        "created_at, updated_at";

    static core::User Read(const Rows& row) {
        core::User user;
        user.id = row.Int(0);
        user.email = row.Text(1);
        if (!row.IsNull(2)) user.full_name.emplace(row.Text(2));
        user.password_hash = row.Text(3);
        user.is_active = row.Int(4) != 0;
        user.is_superuser = row.Int(5) != 0;
        user.token_version = row.Int(6);
        user.created_at = row.Int(7);
        user.updated_at = row.Int(8);
        return user;
    }
};

std::optional<core::User> FirstOf(std::vector<core::User> users) {
    if (users.empty()) return std::nullopt;
    return std::move(users.front());
}

std::optional<core::User> SelectById(Session& session, std::int64_t id) {
    static const std::string kSql = SelectSql<UserRow>("users WHERE id = :id");
    return FirstOf(SelectRows<UserRow>(session, kSql, id));
}

}  // namespace

core::User UserRepository::Create(core::User user) {
    user.email = Lower(user.email);
    user.created_at = user.updated_at = core::NowMillis();
    WithTransaction(*db_, [&](Session& session) {
        soci::session& sql = session.sql();
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
    WithSession(*db_, [&](Session& session) { user = SelectById(session, id); });
    return user;
}

bool UserRepository::TryFindByIdNow(std::int64_t id, std::optional<core::User>& user,
                                    bool (*batch_end)(void (*)())) {
    return TryWithSessionNow(
        db_, [&](Session& session) { user = SelectById(session, id); }, batch_end);
}

std::optional<core::User> UserRepository::FindByEmail(const std::string& email) {
    std::optional<core::User> user;
    std::string key = Lower(email);
    WithSession(*db_, [&](Session& session) {
        static const std::string kSql = SelectSql<UserRow>("users WHERE email = :email");
        user = FirstOf(SelectRows<UserRow>(session, kSql, key));
    });
    return user;
}

Page<core::User> UserRepository::List(std::int64_t skip, std::int64_t limit) {
    Page<core::User> page;
    WithSession(*db_, [&](Session& session) {
        static const std::string kSql =
            SelectSql<UserRow>("users ORDER BY id LIMIT :lim OFFSET :off");
        page.total = SelectInt(session, "SELECT COUNT(*) FROM users");
        page.items = SelectRows<UserRow>(session, kSql, limit, skip);
    });
    return page;
}

std::optional<core::User> UserRepository::Update(std::int64_t id, const UserUpdate& update) {
    std::optional<core::User> result;
    WithTransaction(*db_, [&](Session& session) {
        auto current = SelectById(session, id);
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
        session.sql() << "UPDATE users SET full_name = :n, password_hash = :p, is_active = :a, "
                         "is_superuser = :s, token_version = :v, updated_at = :u WHERE id = :id",
            soci::use(name, name_ind), soci::use(user.password_hash), soci::use(active),
            soci::use(superuser), soci::use(version), soci::use(updated), soci::use(key);
        result = user;
    });
    return result;
}

std::int64_t UserRepository::Count() {
    std::int64_t total = 0;
    WithSession(
        *db_, [&](Session& session) { total = SelectInt(session, "SELECT COUNT(*) FROM users"); });
    return total;
}

}  // namespace cerulean::store
