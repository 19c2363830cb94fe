#pragma once

// Internal to src/store: prepared statements kept per pooled session, for the reads that every
// request makes. SOCI prepares each statement anew (on SQLite a fifth of a list request went
// to sqlite3_prepare), so these run on the native handles SOCI opened: sqlite3_stmt on SQLite,
// named server-side statements (libpq) on PostgreSQL.

#include <soci/soci.h>

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/database.hpp"

namespace cerulean::store {

/// A value bound to a placeholder of a cached statement (it refers to the caller's text, which
/// must outlive the query).
class Param {
 public:
    /// An integer.
    template <std::integral T>
    Param(T value) noexcept  // NOLINT(google-explicit-constructor): call sites list values
        : kind_(Kind::kInt), int_(static_cast<std::int64_t>(value)) {}
    /// Text.
    Param(std::string_view value) noexcept  // NOLINT(google-explicit-constructor)
        : kind_(Kind::kText), text_(value) {}
    /// Text.
    Param(const std::string& value) noexcept  // NOLINT(google-explicit-constructor)
        : kind_(Kind::kText), text_(value) {}

 private:
    friend class StatementCache;
    enum class Kind { kInt, kText };
    Kind kind_;
    std::int64_t int_ = 0;
    std::string_view text_;
};

/// The rows of a running query. Moving only; its destructor returns the statement to the cache
/// reset (never mid-step, so that no read transaction outlives the query).
class Rows {
 public:
    Rows(Rows&& other) noexcept;
    Rows& operator=(Rows&&) = delete;
    Rows(const Rows&) = delete;
    Rows& operator=(const Rows&) = delete;
    ~Rows();

    /// Steps to the next row; false after the last. Throws core::Error on a database error.
    bool Next();
    /// An integer column of the current row (0 for NULL).
    [[nodiscard]] std::int64_t Int(int column) const;
    /// A text column of the current row (empty for NULL), valid until the next step.
    [[nodiscard]] std::string_view Text(int column) const;
    /// True when a column of the current row is NULL.
    [[nodiscard]] bool IsNull(int column) const;

 private:
    friend class StatementCache;
    struct Entry;
    Rows(class StatementCache& owner, Entry* entry, void* result) noexcept
        : owner_(&owner), entry_(entry), result_(result) {}

    StatementCache* owner_;
    Entry* entry_;         // the cached statement; nullptr once moved from
    void* result_;         // PostgreSQL: the PGresult of the execution
    int row_ = -1;         // PostgreSQL: the current row
    bool failed_ = false;  // a step failed: the cache is dropped on release
};

/// The prepared statements of one pooled session, keyed by SQL text. Not thread-safe: it
/// belongs to the session, which one thread leases at a time. Statements are prepared on first
/// use and kept until the cache is dropped: after any database error (a broken connection
/// must not keep statements), when SOCI's native connection changes, or on destruction (which
/// must happen before the session closes).
class StatementCache {
 public:
    /// An empty cache for sessions of `dialect`.
    explicit StatementCache(Dialect dialect) noexcept;
    ~StatementCache();
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;

    /// Runs `text` (placeholders `:name`, each name once, bound in order) on `sql`, whose
    /// native connection this cache serves. Throws core::Error on a database error.
    Rows Query(soci::session& sql, std::string_view text, std::initializer_list<Param> params);

    /// Finalizes every statement not in use (the rest on release).
    void Drop() noexcept;

    /// How many statements are prepared (for tests).
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

 private:
    friend class Rows;
    using Entry = Rows::Entry;
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept {
            return std::hash<std::string_view>{}(text);
        }
    };

    Entry& Prepare(void* connection, std::string_view text);
    static void Bind(Entry& entry, std::initializer_list<Param> params);
    Rows ExecutePostgres(Entry& entry, std::initializer_list<Param> params);
    void Release(Entry* entry, void* result, bool failed) noexcept;
    static void Finalize(Entry& entry) noexcept;

    Dialect dialect_;
    void* connection_ = nullptr;  // the native handle the statements belong to
    std::unordered_map<std::string, std::unique_ptr<Entry>, TextHash, std::equal_to<>> entries_;
    std::uint64_t next_name_ = 0;  // PostgreSQL statement names: cerulean_<n>
};

/// `text` with `:name` placeholders numbered `$1`, `$2`, ... in order, as PostgreSQL takes
/// them; `::` casts and quoted text are left alone.
std::string NumberedPlaceholders(std::string_view text);

}  // namespace cerulean::store
