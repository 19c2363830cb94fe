#pragma once

#include <string>
#include <string_view>

#include "azure/transport.hpp"
#include "core/error.hpp"

namespace cerulean::azure {

/// Where a StorageError comes from.
enum class StorageErrorKind {
    kService,      ///< the service answered with an error status
    kUnreachable,  ///< no answer: connection refused or broken, TLS failure
    kTimeout,      ///< no answer in time (a try's or the call's deadline)
    kCancelled,    ///< the caller asked to stop
};

/// A failed Azure Storage call: a core::Error whose code and reason follow Cerulean's mapping
/// (404 -> kNotFound; 409 -> kAlreadyExists or kFailedPrecondition; 401/403 -> kPermissionDenied
/// "azure_auth_failed"; no answer -> kUnavailable "azure_unreachable"; too slow ->
/// kDeadlineExceeded "azure_timeout"), carrying the HTTP status, Azure's error code and the
/// request ids. what() never holds a URL query, a header value of the request or a secret.
class StorageError : public core::Error {
 public:
    /// An error with everything given explicitly (tests and special cases).
    StorageError(core::ErrorCode code, std::string message, std::string reason,
                 StorageErrorKind kind, int status = 0, std::string azure_code = {},
                 std::string request_id = {}, std::string client_request_id = {});

    /// The error for an error response (status >= 300) to `operation` (e.g. "GetBlob"): the
    /// Azure code from `x-ms-error-code` or the XML body, the message from the body.
    static StorageError FromResponse(std::string_view operation, const HttpResponse& response,
                                     std::string_view client_request_id = {});

    /// The error for a request that got no answer.
    static StorageError FromTransport(std::string_view operation, const TransportError& error,
                                      std::string_view client_request_id = {});

    /// The error for a call whose deadline passed between tries.
    static StorageError DeadlineExceeded(std::string_view operation, std::string_view detail);

    /// The error for a call stopped by its caller.
    static StorageError Cancelled(std::string_view operation);

    /// Where the error comes from.
    [[nodiscard]] StorageErrorKind kind() const noexcept { return kind_; }
    /// HTTP status, or 0 when no answer came.
    [[nodiscard]] int status() const noexcept { return status_; }
    /// Azure's error code, e.g. "BlobNotFound", or empty.
    [[nodiscard]] const std::string& azure_code() const noexcept { return azure_code_; }
    /// The service's `x-ms-request-id`, or empty.
    [[nodiscard]] const std::string& request_id() const noexcept { return request_id_; }
    /// The `x-ms-client-request-id` Cerulean sent, or empty.
    [[nodiscard]] const std::string& client_request_id() const noexcept {
        return client_request_id_;
    }

 private:
    StorageErrorKind kind_;
    int status_;
    std::string azure_code_;
    std::string request_id_;
    std::string client_request_id_;
};

/// The core::ErrorCode and reason Cerulean gives an Azure error status and code.
struct ErrorClass {
    core::ErrorCode code;  ///< the kind of failure
    std::string reason;    ///< the stable reason, e.g. "blob_not_found", "azure_auth_failed"
};

/// Maps an HTTP status and Azure error code to Cerulean's error code and reason.
ErrorClass ClassifyServiceError(int status, std::string_view azure_code);

}  // namespace cerulean::azure
