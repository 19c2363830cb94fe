#include "azure/storage_error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cerulean::azure {
namespace {

using core::ErrorCode;
using ::testing::HasSubstr;
using ::testing::Not;

HttpResponse ErrorResponse(int status, std::string code_header, std::string body) {
    HttpResponse response;
    response.status = status;
    if (!code_header.empty()) response.headers.push_back({"x-ms-error-code", code_header});
    response.headers.push_back({"x-ms-request-id", "req-123"});
    response.body = std::move(body);
    return response;
}

TEST(StorageErrorMapping, MapsStatusesAndCodesToCeruleanErrors) {
    struct Case {
        int status;
        const char* azure_code;
        ErrorCode code;
        const char* reason;
    };
    const std::vector<Case> cases = {
        {404, "ContainerNotFound", ErrorCode::kNotFound, "container_not_found"},
        {404, "BlobNotFound", ErrorCode::kNotFound, "blob_not_found"},
        {404, "ResourceNotFound", ErrorCode::kNotFound, "azure_not_found"},
        {409, "ContainerAlreadyExists", ErrorCode::kAlreadyExists, "container_exists"},
        {409, "BlobAlreadyExists", ErrorCode::kAlreadyExists, "blob_exists"},
        {409, "ContainerBeingDeleted", ErrorCode::kFailedPrecondition, "container_being_deleted"},
        {409, "LeaseIdMissing", ErrorCode::kFailedPrecondition, "azure_conflict"},
        {401, "InvalidAuthenticationInfo", ErrorCode::kPermissionDenied, "azure_auth_failed"},
        {403, "AuthenticationFailed", ErrorCode::kPermissionDenied, "azure_auth_failed"},
        {403, "AuthorizationFailure", ErrorCode::kPermissionDenied, "azure_auth_failed"},
        {403, "AuthorizationPermissionMismatch", ErrorCode::kPermissionDenied, "azure_auth_failed"},
        {412, "ConditionNotMet", ErrorCode::kFailedPrecondition, "azure_condition_not_met"},
        {416, "InvalidRange", ErrorCode::kInvalidArgument, "azure_invalid_range"},
        {400, "InvalidHeaderValue", ErrorCode::kInvalidArgument, "azure_bad_request"},
        {500, "OperationTimedOut", ErrorCode::kDeadlineExceeded, "azure_timeout"},
        {504, "", ErrorCode::kDeadlineExceeded, "azure_timeout"},
        {503, "ServerBusy", ErrorCode::kUnavailable, "azure_unavailable"},
        {500, "InternalError", ErrorCode::kUnavailable, "azure_unavailable"},
        {501, "APINotImplemented", ErrorCode::kFailedPrecondition, "azure_not_implemented"},
    };
    for (const auto& c : cases) {
        const ErrorClass cls = ClassifyServiceError(c.status, c.azure_code);
        EXPECT_EQ(cls.code, c.code) << c.status << " " << c.azure_code;
        EXPECT_EQ(cls.reason, c.reason) << c.status << " " << c.azure_code;
    }
}

TEST(StorageErrorFromResponse, TakesCodeAndMessageFromTheBody) {
    const auto error = StorageError::FromResponse(
        "GetBlob",
        ErrorResponse(404, "",
                      "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobNotFound</Code>"
                      "<Message>The specified blob does not exist.\nRequestId:abc\nTime:x</Message>"
                      "</Error>"),
        "client-1");
    EXPECT_EQ(error.status(), 404);
    EXPECT_EQ(error.azure_code(), "BlobNotFound");
    EXPECT_EQ(error.request_id(), "req-123");
    EXPECT_EQ(error.client_request_id(), "client-1");
    EXPECT_EQ(error.code(), ErrorCode::kNotFound);
    EXPECT_EQ(error.reason(), "blob_not_found");
    EXPECT_EQ(error.kind(), StorageErrorKind::kService);
    EXPECT_THAT(error.what(), HasSubstr("GetBlob"));
    EXPECT_THAT(error.what(), HasSubstr("The specified blob does not exist."));
    EXPECT_THAT(error.what(), HasSubstr("req-123"));
    EXPECT_THAT(error.what(), Not(HasSubstr("Time:")));
}

TEST(StorageErrorFromResponse, PrefersTheErrorCodeHeaderAndWorksWithoutABody) {
    const auto error =
        StorageError::FromResponse("GetBlobProperties", ErrorResponse(404, "BlobNotFound", ""));
    EXPECT_EQ(error.azure_code(), "BlobNotFound");
    EXPECT_EQ(error.reason(), "blob_not_found");
}

TEST(StorageErrorFromResponse, NeverRepeatsTheSignatureDetailOfA403) {
    const auto error = StorageError::FromResponse(
        "ListBlobs",
        ErrorResponse(403, "AuthenticationFailed",
                      "<Error><Code>AuthenticationFailed</Code><Message>Server failed to "
                      "authenticate the request.</Message><AuthenticationErrorDetail>The MAC "
                      "signature found in the HTTP request 'c2VjcmV0c2lnbmF0dXJl' is not the same "
                      "as any computed signature.</AuthenticationErrorDetail></Error>"));
    EXPECT_EQ(error.reason(), "azure_auth_failed");
    EXPECT_THAT(error.what(), Not(HasSubstr("c2VjcmV0c2lnbmF0dXJl")));
}

TEST(StorageErrorFromResponse, ScrubsSecretsAServerEchoes) {
    const auto error = StorageError::FromResponse(
        "PutBlob", ErrorResponse(400, "InvalidQueryParameterValue",
                                 "<Error><Code>InvalidQueryParameterValue</Code><Message>Value for "
                                 "sig=abcdefSECRET is invalid</Message></Error>"));
    EXPECT_THAT(error.what(), Not(HasSubstr("abcdefSECRET")));
}

TEST(StorageErrorFromTransport, MapsFailureKinds) {
    const auto unreachable = StorageError::FromTransport(
        "GetBlob", TransportError(TransportFailure::kConnect, "Connection refused"));
    EXPECT_EQ(unreachable.code(), ErrorCode::kUnavailable);
    EXPECT_EQ(unreachable.reason(), "azure_unreachable");
    EXPECT_EQ(unreachable.kind(), StorageErrorKind::kUnreachable);

    const auto tls = StorageError::FromTransport(
        "GetBlob", TransportError(TransportFailure::kTls, "SSL certificate problem"));
    EXPECT_EQ(tls.reason(), "azure_unreachable");
    EXPECT_THAT(tls.what(), HasSubstr("TLS"));

    const auto timeout = StorageError::FromTransport(
        "GetBlob", TransportError(TransportFailure::kTimeout, "Operation timed out"));
    EXPECT_EQ(timeout.code(), ErrorCode::kDeadlineExceeded);
    EXPECT_EQ(timeout.reason(), "azure_timeout");

    const auto cancelled = StorageError::FromTransport(
        "GetBlob", TransportError(TransportFailure::kCancelled, "aborted"));
    EXPECT_EQ(cancelled.kind(), StorageErrorKind::kCancelled);
}

TEST(StorageError, IsACoreError) {
    try {
        throw StorageError::DeadlineExceeded("CopyBlob", "still pending");
    } catch (const core::Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::kDeadlineExceeded);
        EXPECT_EQ(error.reason(), "azure_timeout");
    }
}

}  // namespace
}  // namespace cerulean::azure
