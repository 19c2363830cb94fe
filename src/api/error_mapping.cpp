#include "api/error_mapping.hpp"

#include "azure/storage_error.hpp"

namespace cerulean::api {

int HttpStatusOf(core::ErrorCode code) noexcept {
    switch (code) {
        case core::ErrorCode::kInvalidArgument:
            return 422;
        case core::ErrorCode::kNotFound:
            return 404;
        case core::ErrorCode::kAlreadyExists:
            return 409;
        case core::ErrorCode::kUnauthenticated:
            return 401;
        case core::ErrorCode::kPermissionDenied:
            return 403;
        case core::ErrorCode::kFailedPrecondition:
            return 409;
        case core::ErrorCode::kResourceExhausted:
            return 413;
        case core::ErrorCode::kRateLimited:
            return 429;
        case core::ErrorCode::kUnavailable:
            return 503;
        case core::ErrorCode::kDeadlineExceeded:
            return 504;
        case core::ErrorCode::kConfiguration:
            return 500;
        case core::ErrorCode::kInternal:
            return 500;
    }
    return 500;
}

namespace {

// Failures of Azure that are not the caller's fault are the gateway's (502/504), never 401/403
// (the user's own sign-in) or 503 (this server).
int StorageStatusOf(const azure::StorageError& error) noexcept {
    switch (error.code()) {
        case core::ErrorCode::kPermissionDenied:
        case core::ErrorCode::kUnauthenticated:
        case core::ErrorCode::kUnavailable:
        case core::ErrorCode::kInternal:
            return 502;
        case core::ErrorCode::kDeadlineExceeded:
            return 504;
        default:
            return HttpStatusOf(error.code());
    }
}

}  // namespace

http::Response ErrorResponse(const core::Error& error, boost::json::object extensions) {
    http::Problem problem;
    problem.status = HttpStatusOf(error.code());
    if (const auto* storage = dynamic_cast<const azure::StorageError*>(&error)) {
        problem.status = StorageStatusOf(*storage);
        problem.azure_code = storage->azure_code();
    }
    problem.code = error.reason().empty() ? core::ToString(error.code()) : error.reason();
    // Internal failures keep their details in the log, not in the response.
    problem.detail = problem.status == 500 ? "an unexpected error occurred" : error.what();
    problem.errors = error.field_errors();
    problem.extensions = std::move(extensions);
    auto response = http::ProblemResponse(problem);
    if (problem.status == 401) response.headers.Set("WWW-Authenticate", "Bearer");
    if (const auto seconds = error.retry_after_seconds()) {
        response.headers.Set("Retry-After", std::to_string(*seconds));
    }
    return response;
}

}  // namespace cerulean::api
