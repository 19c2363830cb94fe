#include "core/error.hpp"

#include <cerrno>

namespace cerulean::core {

const char* ToString(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::kInvalidArgument:
            return "invalid_argument";
        case ErrorCode::kNotFound:
            return "not_found";
        case ErrorCode::kAlreadyExists:
            return "already_exists";
        case ErrorCode::kUnauthenticated:
            return "unauthenticated";
        case ErrorCode::kPermissionDenied:
            return "permission_denied";
        case ErrorCode::kFailedPrecondition:
            return "failed_precondition";
        case ErrorCode::kResourceExhausted:
            return "resource_exhausted";
        case ErrorCode::kRateLimited:
            return "rate_limited";
        case ErrorCode::kUnavailable:
            return "unavailable";
        case ErrorCode::kDeadlineExceeded:
            return "deadline_exceeded";
        case ErrorCode::kConfiguration:
            return "configuration";
        case ErrorCode::kInternal:
            return "internal";
    }
    return "internal";
}

Error LocalFileError(ErrorCode code, const std::string& message, int system_error,
                     std::string reason) {
    if (system_error == ENOSPC || system_error == EDQUOT) {
        return {ErrorCode::kResourceExhausted, message, "disk_full"};
    }
    return {code, message, std::move(reason)};
}

}  // namespace cerulean::core
