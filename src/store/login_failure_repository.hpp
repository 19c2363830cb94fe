#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "store/database.hpp"

namespace cerulean::store {

/// Failed sign-ins per subject ("email:…", "ip:…"), shared by every server on the database.
class LoginFailureRepository {
 public:
    /// A repository over `db`.
    explicit LoginFailureRepository(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    /// Records an attempt for each subject at `now` before it is judged, as a failure that
    /// concurrent attempts (on any server) count at once, and forgets failures older than
    /// `since`. Returns the ids of the rows, for Release when the attempt turns out not to be a
    /// failure (or is not judged at all).
    std::vector<std::int64_t> Reserve(const std::vector<std::string>& subjects,
                                      core::UnixMillis now, core::UnixMillis since);
    /// Forgets the attempts `ids` that Reserve recorded.
    void Release(const std::vector<std::int64_t>& ids);
    /// For the subject with the most failures at or after `since`: that count and the time of
    /// its oldest one in the window.
    struct Window {
        std::int64_t failures = 0;    ///< failures in the window
        core::UnixMillis oldest = 0;  ///< the oldest of them (0 when none)
    };
    /// The failures of `subject` at or after `since`.
    Window Count(const std::string& subject, core::UnixMillis since);
    /// Forgets every failure of `subject` (after a successful sign-in).
    void Clear(const std::string& subject);

 private:
    std::shared_ptr<Database> db_;
};

}  // namespace cerulean::store
