#include "azure/storage_error.hpp"

#include <utility>

#include "azure/list_parser.hpp"
#include "core/redact.hpp"

namespace cerulean::azure {
namespace {

using core::ErrorCode;

std::string WithIds(std::string message, std::string_view request_id) {
    if (!request_id.empty()) message += " (request id " + std::string(request_id) + ")";
    return message;
}

// Azure's messages are plain sentences, but a server may echo anything: scrub them anyway.
std::string Clean(std::string_view text) {
    std::string out = core::ScrubSecrets(text);
    for (char& c : out) {
        if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    }
    constexpr std::size_t kMaxLength = 300;
    if (out.size() > kMaxLength) out = out.substr(0, kMaxLength) + "...";
    return out;
}

}  // namespace

StorageError::StorageError(core::ErrorCode code, std::string message, std::string reason,
                           StorageErrorKind kind, int status, std::string azure_code,
                           std::string request_id, std::string client_request_id)
    : core::Error(code, std::move(message), std::move(reason)),
      kind_(kind),
      status_(status),
      azure_code_(std::move(azure_code)),
      request_id_(std::move(request_id)),
      client_request_id_(std::move(client_request_id)) {}

ErrorClass ClassifyServiceError(int status, std::string_view azure_code) {
    if (status == 401 || status == 403) return {ErrorCode::kPermissionDenied, "azure_auth_failed"};
    if (status == 404) {
        if (azure_code == "ContainerNotFound") return {ErrorCode::kNotFound, "container_not_found"};
        if (azure_code == "BlobNotFound") return {ErrorCode::kNotFound, "blob_not_found"};
        return {ErrorCode::kNotFound, "azure_not_found"};
    }
    if (status == 409) {
        if (azure_code == "ContainerAlreadyExists") {
            return {ErrorCode::kAlreadyExists, "container_exists"};
        }
        if (azure_code == "BlobAlreadyExists") return {ErrorCode::kAlreadyExists, "blob_exists"};
        if (azure_code.ends_with("AlreadyExists")) {
            return {ErrorCode::kAlreadyExists, "azure_already_exists"};
        }
        if (azure_code == "ContainerBeingDeleted") {
            return {ErrorCode::kFailedPrecondition, "container_being_deleted"};
        }
        return {ErrorCode::kFailedPrecondition, "azure_conflict"};
    }
    if (status == 304 || status == 412) {
        return {ErrorCode::kFailedPrecondition, "azure_condition_not_met"};
    }
    if (status == 416) return {ErrorCode::kInvalidArgument, "azure_invalid_range"};
    if (status == 408 || status == 504 || azure_code == "OperationTimedOut") {
        return {ErrorCode::kDeadlineExceeded, "azure_timeout"};
    }
    if (status == 501) return {ErrorCode::kFailedPrecondition, "azure_not_implemented"};
    if (status == 429 || status == 500 || status == 502 || status == 503) {
        return {ErrorCode::kUnavailable, "azure_unavailable"};
    }
    if (status >= 400 && status < 500) return {ErrorCode::kInvalidArgument, "azure_bad_request"};
    return {ErrorCode::kInternal, "azure_error"};
}

StorageError StorageError::FromResponse(std::string_view operation, const HttpResponse& response,
                                        std::string_view client_request_id) {
    std::string azure_code(response.Header("x-ms-error-code").value_or(""));
    std::string service_message;
    if (const auto body = ParseErrorBody(response.body)) {
        if (azure_code.empty()) azure_code = body->code;
        service_message = body->message;
    }
    const std::string request_id(response.Header("x-ms-request-id").value_or(""));
    const ErrorClass cls = ClassifyServiceError(response.status, azure_code);
    std::string message = "Azure Storage " + std::string(operation) + " failed with HTTP " +
                          std::to_string(response.status);
    if (!azure_code.empty()) message += " " + Clean(azure_code);
    if (!service_message.empty()) message += ": " + Clean(service_message);
    return {cls.code,        WithIds(std::move(message), request_id),
            cls.reason,      StorageErrorKind::kService,
            response.status, std::move(azure_code),
            request_id,      std::string(client_request_id)};
}

StorageError StorageError::FromTransport(std::string_view operation, const TransportError& error,
                                         std::string_view client_request_id) {
    std::string detail = Clean(error.what());
    switch (error.kind()) {
        case TransportFailure::kTimeout:
            return {ErrorCode::kDeadlineExceeded,
                    "Azure Storage " + std::string(operation) + " timed out: " + detail,
                    "azure_timeout",
                    StorageErrorKind::kTimeout,
                    0,
                    {},
                    {},
                    std::string(client_request_id)};
        case TransportFailure::kCancelled:
            return Cancelled(operation);
        case TransportFailure::kInvalidRequest:
            return {ErrorCode::kInvalidArgument,
                    "Azure Storage " + std::string(operation) + " cannot be sent: " + detail,
                    "azure_invalid_request",
                    StorageErrorKind::kUnreachable,
                    0,
                    {},
                    {},
                    std::string(client_request_id)};
        case TransportFailure::kForbiddenAddress:
            return {ErrorCode::kInvalidArgument,
                    "Azure Storage " + std::string(operation) + " refused: " + detail,
                    "endpoint_not_allowed",
                    StorageErrorKind::kUnreachable,
                    0,
                    {},
                    {},
                    std::string(client_request_id)};
        case TransportFailure::kTls:
            detail = "TLS failure: " + detail;
            break;
        case TransportFailure::kConnect:
        case TransportFailure::kNetwork:
            break;
    }
    return {ErrorCode::kUnavailable,
            "Azure Storage " + std::string(operation) + " could not reach the service: " + detail,
            "azure_unreachable",
            StorageErrorKind::kUnreachable,
            0,
            {},
            {},
            std::string(client_request_id)};
}

StorageError StorageError::DeadlineExceeded(std::string_view operation, std::string_view detail) {
    std::string message = "Azure Storage " + std::string(operation) + " did not complete in time";
    if (!detail.empty()) message += ": " + Clean(detail);
    return {ErrorCode::kDeadlineExceeded, std::move(message), "azure_timeout",
            StorageErrorKind::kTimeout};
}

StorageError StorageError::Cancelled(std::string_view operation) {
    return {ErrorCode::kFailedPrecondition,
            "Azure Storage " + std::string(operation) + " was cancelled", "cancelled",
            StorageErrorKind::kCancelled};
}

}  // namespace cerulean::azure
