#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "azure/call_options.hpp"
#include "azure/connection_string.hpp"
#include "azure/shared_key.hpp"
#include "azure/token_source.hpp"
#include "azure/transport.hpp"
#include "core/clock.hpp"

namespace cerulean::azure {

/// How a credential authorizes requests.
enum class CredentialType {
    kSharedKey,  ///< `Authorization: SharedKey account:signature`
    kSas,        ///< a SAS token in the query string
    kBearer,     ///< `Authorization: Bearer <Entra ID token>`
    kAnonymous,  ///< nothing: public containers only
};

/// Authorizes requests to Azure Storage. Implementations are immutable or internally
/// synchronized: one credential serves many threads.
class Credential {
 public:
    virtual ~Credential() = default;
    /// How this credential authorizes.
    [[nodiscard]] virtual CredentialType type() const noexcept = 0;
    /// Authorizes one try of `request`, after every other header is final (it signs them):
    /// adds `Authorization` or appends the SAS to the URL. Called again for every try, since
    /// `x-ms-date` changes. Throws core::Error when it cannot (e.g. no token can be had).
    virtual void Authorize(HttpRequest& request, const CallOptions& call) const = 0;
    /// When this credential stops working, if it has a fixed end (a SAS's `se`, a given
    /// token's `exp`); nullopt for those that renew or never expire.
    [[nodiscard]] virtual std::optional<core::UnixMillis> expires_at() const noexcept {
        return std::nullopt;
    }
    /// The account key behind this credential, which can sign SAS tokens; null for others.
    [[nodiscard]] virtual const SharedKeyCredential* shared_key() const noexcept { return nullptr; }
};

/// Shared Key: signs every try with the account key.
class AccountKeyCredential final : public Credential {
 public:
    /// A credential for `key`'s account.
    explicit AccountKeyCredential(SharedKeyCredential key) : key_(std::move(key)) {}
    /// kSharedKey.
    [[nodiscard]] CredentialType type() const noexcept override {
        return CredentialType::kSharedKey;
    }
    /// Adds `Authorization: SharedKey ...` computed over the request as it will be sent.
    void Authorize(HttpRequest& request, const CallOptions& call) const override;
    /// The account key.
    [[nodiscard]] const SharedKeyCredential* shared_key() const noexcept override { return &key_; }

 private:
    SharedKeyCredential key_;
};

/// A SAS token (account or service SAS) appended to every request's query.
class SasCredential final : public Credential {
 public:
    /// Normalizes `sas` (see NormalizeSasToken): a leading '?' or a full SAS URL is accepted.
    /// Throws core::Error (kInvalidArgument) without echoing it.
    explicit SasCredential(std::string_view sas);
    /// kSas.
    [[nodiscard]] CredentialType type() const noexcept override { return CredentialType::kSas; }
    /// Appends the token to the URL's query. Once the token's expiry (`se`) has passed, throws
    /// a StorageError (kPermissionDenied, "azure_auth_failed") that says so, instead of sending
    /// a request the service can only refuse with a vaguer message.
    void Authorize(HttpRequest& request, const CallOptions& call) const override;
    /// True for an account SAS (it has `srt`): it can make account-level calls.
    [[nodiscard]] bool is_account_sas() const noexcept { return account_sas_; }
    /// When the token expires (its `se`), if it says.
    [[nodiscard]] std::optional<core::UnixMillis> expires_at() const noexcept override {
        return expires_at_;
    }

 private:
    std::string token_;
    bool account_sas_ = false;
    std::optional<core::UnixMillis> expires_at_;
};

/// An Entra ID bearer token from a TokenSource, sent only over https.
class BearerCredential final : public Credential {
 public:
    /// A credential whose tokens come from `source`.
    explicit BearerCredential(std::shared_ptr<const TokenSource> source);
    /// kBearer.
    [[nodiscard]] CredentialType type() const noexcept override { return CredentialType::kBearer; }
    /// Adds `Authorization: Bearer <token>`; throws core::Error (kInvalidArgument) for a URL
    /// that is not https, so that a token never travels in clear text.
    void Authorize(HttpRequest& request, const CallOptions& call) const override;
    /// The source's fixed end, if it has one (a given token; not one that renews).
    [[nodiscard]] std::optional<core::UnixMillis> expires_at() const noexcept override {
        return source_->expires_at();
    }

 private:
    std::shared_ptr<const TokenSource> source_;
};

/// No authorization: reads of public containers and their blobs.
class AnonymousCredential final : public Credential {
 public:
    /// kAnonymous.
    [[nodiscard]] CredentialType type() const noexcept override {
        return CredentialType::kAnonymous;
    }
    /// Leaves the request as it is.
    void Authorize(HttpRequest& /*request*/, const CallOptions& /*call*/) const override {}
};

/// The credential a parsed connection string describes: its account key, else its SAS, else
/// anonymous.
std::shared_ptr<const Credential> MakeCredential(const ConnectionString& connection);

}  // namespace cerulean::azure
