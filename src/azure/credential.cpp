#include "azure/credential.hpp"

#include "azure/sas.hpp"
#include "azure/storage_error.hpp"
#include "azure/url.hpp"
#include "core/error.hpp"

namespace cerulean::azure {

void AccountKeyCredential::Authorize(HttpRequest& request, const CallOptions& /*call*/) const {
    SharedKeySignature signature =
        SignSharedKey(key_, request.method, request.url, request.headers);
    SetHeader(request.headers, "Authorization", std::move(signature.authorization));
}

SasCredential::SasCredential(std::string_view sas) : token_(NormalizeSasToken(sas)) {
    for (const auto& parameter : ParseQuery(token_)) {
        if (parameter.name == "srt") account_sas_ = true;
        if (parameter.name == "se") expires_at_ = core::ParseRfc3339(parameter.value);
    }
}

void SasCredential::Authorize(HttpRequest& request, const CallOptions& /*call*/) const {
    if (expires_at_ && core::NowMillis() >= *expires_at_) {
        throw StorageError(core::ErrorCode::kPermissionDenied,
                           "the connection's SAS token expired at " +
                               core::FormatRfc3339(*expires_at_) +
                               ": give the connection a new one",
                           "azure_auth_failed", StorageErrorKind::kService);
    }
    request.url = AppendQuery(request.url, token_);
}

BearerCredential::BearerCredential(std::shared_ptr<const TokenSource> source)
    : source_(std::move(source)) {
    if (!source_) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "a bearer credential needs a token source");
    }
}

void BearerCredential::Authorize(HttpRequest& request, const CallOptions& call) const {
    if (SplitUrl(request.url).scheme != "https") {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "bearer tokens are sent only over https; the endpoint is not https",
                          "insecure_endpoint");
    }
    SetHeader(request.headers, "Authorization", "Bearer " + source_->GetToken(call));
}

std::shared_ptr<const Credential> MakeCredential(const ConnectionString& connection) {
    switch (connection.Kind()) {
        case CredentialKind::kSharedKey:
            return std::make_shared<const AccountKeyCredential>(
                SharedKeyCredential(connection.account_name, connection.account_key));
        case CredentialKind::kSas:
            return std::make_shared<const SasCredential>(connection.sas_token);
        case CredentialKind::kAnonymous:
            break;
    }
    return std::make_shared<const AnonymousCredential>();
}

}  // namespace cerulean::azure
