#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cerulean::core {

/// The kinds of failure Cerulean distinguishes; the API maps each to one HTTP status in one place.
enum class ErrorCode {
    kInvalidArgument,     ///< the caller's input is malformed (422 on the API, exit 2 on the CLI)
    kNotFound,            ///< the thing asked for does not exist (or is not the caller's)
    kAlreadyExists,       ///< a unique name is taken
    kUnauthenticated,     ///< no or bad credentials of the caller
    kPermissionDenied,    ///< the caller may not do this
    kFailedPrecondition,  ///< the state of the system forbids it now (e.g. inactive connection)
    kResourceExhausted,   ///< size limits (e.g. a body too large)
    kRateLimited,         ///< too many attempts: try again after a while
    kUnavailable,         ///< a dependency cannot be reached
    kDeadlineExceeded,    ///< a dependency did not answer in time
    kConfiguration,       ///< a setting is missing or malformed
    kInternal,            ///< a bug or an unexpected state
};

/// A readable name of an error code, e.g. "not_found".
const char* ToString(ErrorCode code) noexcept;

/// One invalid field of a request, as the API's 422 `errors` list reports it.
struct FieldError {
    std::string field;    ///< dotted path of the field, e.g. "credentials.account_key"
    std::string message;  ///< what is wrong with it, never its value
};

/// The one error type of Cerulean. `reason` is a stable snake_case code for clients
/// (e.g. "connection_not_found"); `what()` is a readable sentence that never holds a secret.
class Error : public std::runtime_error {
 public:
    /// An error of `code` with a readable message and an optional stable reason code.
    Error(ErrorCode code, const std::string& message, std::string reason = {})
        : std::runtime_error(message), code_(code), reason_(std::move(reason)) {}

    /// The kind of failure.
    [[nodiscard]] ErrorCode code() const noexcept { return code_; }
    /// The stable machine-readable reason, or empty for the code's default.
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
    /// Invalid fields, for validation errors.
    [[nodiscard]] const std::vector<FieldError>& field_errors() const noexcept { return fields_; }
    /// Adds an invalid field (validation errors).
    Error& WithField(std::string field, std::string message) {
        fields_.push_back({std::move(field), std::move(message)});
        return *this;
    }
    /// When to try again, in seconds (rate limits and unavailable dependencies).
    [[nodiscard]] std::optional<int> retry_after_seconds() const noexcept { return retry_after_; }
    /// Sets when to try again.
    Error& WithRetryAfter(int seconds) {
        retry_after_ = seconds;
        return *this;
    }

 private:
    ErrorCode code_;
    std::string reason_;
    std::vector<FieldError> fields_;
    std::optional<int> retry_after_;
};

/// The error of a local file that could not be written (created, flushed, renamed) because of
/// the system error `system_error` (an errno value): a full disk or quota (ENOSPC, EDQUOT) is
/// kResourceExhausted "disk_full", so that it can be told from any other failure; anything else
/// is `code` with `reason`. `message` says what failed, with the system's words.
Error LocalFileError(ErrorCode code, const std::string& message, int system_error,
                     std::string reason = "local_file");

}  // namespace cerulean::core
