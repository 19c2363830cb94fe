#include "store/connection_repository.hpp"

#include "core/error.hpp"
#include "store/database_impl.hpp"

namespace cerulean::store {
namespace {

struct ConnectionRow {
    static constexpr const char* kColumns =
        "id, user_id, name, account_name, auth_type, endpoint, container_name, is_active, "
        "sync_preferences, created_at, updated_at";

    long long id = 0;
    long long user_id = 0;
    std::string name;
    std::string account_name;
    std::string auth_type;
    std::string endpoint;
    std::string container_name;
    soci::indicator container_name_ind = soci::i_null;
    int is_active = 0;
    std::string sync_preferences;
    soci::indicator sync_preferences_ind = soci::i_null;
    long long created_at = 0;
    long long updated_at = 0;

    void Bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(user_id));
        st.exchange(soci::into(name));
        st.exchange(soci::into(account_name));
        st.exchange(soci::into(auth_type));
        st.exchange(soci::into(endpoint));
        st.exchange(soci::into(container_name, container_name_ind));
        st.exchange(soci::into(is_active));
        st.exchange(soci::into(sync_preferences, sync_preferences_ind));
        st.exchange(soci::into(created_at));
        st.exchange(soci::into(updated_at));
    }

    [[nodiscard]] core::Connection ToDomain() const {
        core::Connection c;
        c.id = id;
        c.user_id = user_id;
        c.name = name;
        c.account_name = account_name;
        c.auth_type = core::ParseAuthType(auth_type).value_or(core::AuthType::kAnonymous);
        c.endpoint = endpoint;
        if (container_name_ind == soci::i_ok) c.container_name = container_name;
        c.is_active = is_active != 0;
        if (sync_preferences_ind == soci::i_ok) c.sync_preferences = sync_preferences;
        c.created_at = created_at;
        c.updated_at = updated_at;
        return c;
    }
};

struct SealedRow {
    static constexpr const char* kColumns = "id, user_id, credentials";
    long long id = 0;
    long long user_id = 0;
    std::string credentials;

    void Bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(user_id));
        st.exchange(soci::into(credentials));
    }
    [[nodiscard]] SealedRow ToDomain() const { return *this; }
};

core::Error NameTaken() {
    return core::Error(core::ErrorCode::kAlreadyExists,
                       "you already have a connection with this name", "connection_name_taken");
}

std::optional<core::Connection> SelectOne(soci::session& sql, long long user_id, long long id) {
    auto rows = SelectRows<ConnectionRow>(
        sql, "azure_blob_connections WHERE user_id = :u AND id = :i", user_id, id);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

// Writes every column of `c` (the row exists); translates a name clash.
void WriteRow(soci::session& sql, const core::Connection& c, const std::string& sealed) {
    std::string name = c.name;
    std::string account = c.account_name;
    std::string auth(core::ToString(c.auth_type));
    std::string endpoint = c.endpoint;
    std::string container = c.container_name.value_or("");
    soci::indicator container_ind = c.container_name ? soci::i_ok : soci::i_null;
    int active = c.is_active ? 1 : 0;
    std::string prefs = c.sync_preferences.value_or("");
    soci::indicator prefs_ind = c.sync_preferences ? soci::i_ok : soci::i_null;
    long long updated = c.updated_at;
    long long id = c.id;
    long long user = c.user_id;
    std::string credentials = sealed;
    try {
        sql << "UPDATE azure_blob_connections SET name = :n, account_name = :a, auth_type = :t, "
               "endpoint = :e, container_name = :c, is_active = :act, sync_preferences = :p, "
               "credentials = :cr, updated_at = :up WHERE id = :id AND user_id = :u",
            soci::use(name), soci::use(account), soci::use(auth), soci::use(endpoint),
            soci::use(container, container_ind), soci::use(active), soci::use(prefs, prefs_ind),
            soci::use(credentials), soci::use(updated), soci::use(id), soci::use(user);
    } catch (const soci::soci_error& e) {
        if (IsUniqueViolation(e)) throw NameTaken();
        throw;
    }
}

std::string ReadSealed(soci::session& sql, long long user_id, long long id) {
    auto rows = SelectRows<SealedRow>(sql, "azure_blob_connections WHERE user_id = :u AND id = :i",
                                      user_id, id);
    return rows.empty() ? std::string{} : rows.front().credentials;
}

}  // namespace

std::string CredentialBinding(std::int64_t user_id, std::int64_t id) {
    return "azure_blob_connections:" + std::to_string(user_id) + ":" + std::to_string(id);
}

core::Connection ConnectionRepository::Create(core::Connection connection,
                                              const std::string& credentials) {
    connection.created_at = connection.updated_at = core::NowMillis();
    WithTransaction(*db_, [&](soci::session& sql) {
        // The sealed value is bound to the row's id, which the insert assigns: insert with an
        // empty secret, then seal and write it in the same transaction.
        long long id = 0;
        long long user = connection.user_id;
        std::string name = connection.name;
        std::string empty;
        long long created = connection.created_at;
        try {
            sql << "INSERT INTO azure_blob_connections (user_id, name, account_name, auth_type, "
                   "credentials, endpoint, is_active, created_at, updated_at) VALUES "
                   "(:u, :n, '', '', :cr, '', 1, :c, :c2) RETURNING id",
                soci::use(user), soci::use(name), soci::use(empty), soci::use(created),
                soci::use(created), soci::into(id);
        } catch (const soci::soci_error& e) {
            if (IsUniqueViolation(e)) throw NameTaken();
            throw;
        }
        connection.id = id;
        WriteRow(sql, connection, vault_->Seal(credentials, CredentialBinding(user, id)));
    });
    return connection;
}

std::optional<core::Connection> ConnectionRepository::Get(std::int64_t user_id, std::int64_t id) {
    std::optional<core::Connection> result;
    WithSession(*db_, [&](soci::session& sql) { result = SelectOne(sql, user_id, id); });
    return result;
}

Page<core::Connection> ConnectionRepository::List(std::int64_t user_id, std::int64_t skip,
                                                  std::int64_t limit) {
    Page<core::Connection> page;
    WithSession(*db_, [&](soci::session& sql) {
        // Two statements: COUNT(*) OVER () in the page's query measured no cheaper in
        // callgrind (SQLite materialises the window), and a separate count stays simple.
        long long user = user_id;
        long long total = 0;
        sql << "SELECT COUNT(*) FROM azure_blob_connections WHERE user_id = :u", soci::use(user),
            soci::into(total);
        page.total = total;
        long long lim = limit;
        long long off = skip;
        page.items = SelectRows<ConnectionRow>(
            sql, "azure_blob_connections WHERE user_id = :u ORDER BY id LIMIT :l OFFSET :o", user,
            lim, off);
    });
    return page;
}

std::optional<core::Connection> ConnectionRepository::Update(std::int64_t user_id, std::int64_t id,
                                                             const ConnectionUpdate& update) {
    std::optional<core::Connection> result;
    WithTransaction(*db_, [&](soci::session& sql) {
        auto current = SelectOne(sql, user_id, id);
        if (!current) return;
        core::Connection c = std::move(*current);
        if (update.name) c.name = *update.name;
        if (update.account_name) c.account_name = *update.account_name;
        if (update.auth_type) c.auth_type = *update.auth_type;
        if (update.endpoint) c.endpoint = *update.endpoint;
        if (update.container_name) c.container_name = *update.container_name;
        if (update.is_active) c.is_active = *update.is_active;
        if (update.sync_preferences) c.sync_preferences = *update.sync_preferences;
        c.updated_at = core::NowMillis();
        const std::string sealed =
            update.credentials ? vault_->Seal(*update.credentials, CredentialBinding(user_id, id))
                               : ReadSealed(sql, user_id, id);
        WriteRow(sql, c, sealed);
        result = std::move(c);
    });
    return result;
}

bool ConnectionRepository::Delete(std::int64_t user_id, std::int64_t id) {
    bool deleted = false;
    WithTransaction(*db_, [&](soci::session& sql) {
        long long user = user_id;
        long long key = id;
        soci::statement st = (sql.prepare << "DELETE FROM azure_blob_connections WHERE id = :i "
                                             "AND user_id = :u",
                              soci::use(key), soci::use(user));
        st.execute(true);
        deleted = st.get_affected_rows() > 0;
    });
    return deleted;
}

std::optional<std::string> ConnectionRepository::ReadCredentials(std::int64_t user_id,
                                                                 std::int64_t id) {
    std::string sealed;
    WithSession(*db_, [&](soci::session& sql) { sealed = ReadSealed(sql, user_id, id); });
    if (sealed.empty()) return std::nullopt;
    return vault_->Open(sealed, CredentialBinding(user_id, id));
}

KeyRotationReport ConnectionRepository::RotateKeys(std::size_t batch_size) {
    KeyRotationReport report;
    long long after = 0;
    for (;;) {
        // Walk by id in batches; each batch is one transaction, so an interrupted rotation
        // keeps what it did and a second run picks up the rest.
        std::size_t seen = 0;
        WithTransaction(*db_, [&](soci::session& sql) {
            long long limit = static_cast<long long>(batch_size);
            const auto rows = SelectRows<SealedRow>(
                sql, "azure_blob_connections WHERE id > :a ORDER BY id LIMIT :l", after, limit);
            seen = rows.size();
            for (const auto& row : rows) {
                after = row.id;
                if (vault_->IsSealedWithPrimary(row.credentials)) {
                    ++report.current;
                    continue;
                }
                std::string resealed =
                    vault_->Reseal(row.credentials, CredentialBinding(row.user_id, row.id));
                long long id = row.id;
                sql << "UPDATE azure_blob_connections SET credentials = :c WHERE id = :i",
                    soci::use(resealed), soci::use(id);
                ++report.resealed;
            }
        });
        if (seen < batch_size) break;
    }
    return report;
}

}  // namespace cerulean::store
