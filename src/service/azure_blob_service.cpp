#include "service/azure_blob_service.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "azure/sas.hpp"
#include "azure/storage_error.hpp"
#include "core/error.hpp"
#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace cerulean::service {
namespace {

constexpr int kMaxListLimit = 5000;
// A copy's source SAS must outlive an asynchronous (cross-account) copy.

core::Error BlobExists(std::string_view name) {
    return {core::ErrorCode::kAlreadyExists,
            "a blob named \"" + std::string(name) + "\" exists already (overwrite=false)",
            "blob_exists"};
}

core::Error Invalid(std::string field, std::string message) {
    core::Error error(core::ErrorCode::kInvalidArgument, "the request is invalid",
                      "validation_error");
    error.WithField(std::move(field), std::move(message));
    return error;
}

void CheckLimit(int limit) {
    if (limit < 1 || limit > kMaxListLimit) throw Invalid("limit", "must be between 1 and 5000");
}

void CheckName(std::string_view name) {
    // Azure allows 1..1024 characters; an empty name would address the container instead.
    if (name.empty()) throw Invalid("name", "is required");
    if (name.size() > 1024) throw Invalid("name", "must be at most 1024 characters");
}

}  // namespace

std::string BlobTarget::ContainerOr(const std::optional<std::string>& container) const {
    if (container && !container->empty()) return *container;
    if (container_name && !container_name->empty()) return *container_name;
    throw Invalid("container", "is required: the connection has no default container");
}

AzureBlobService::AzureBlobService(std::shared_ptr<ConnectionService> connections,
                                   AzureBlobServiceOptions options)
    : connections_(std::move(connections)), options_(options) {}

azure::CallOptions AzureBlobService::Call(const BlobTarget& target) const {
    azure::CallOptions call = azure::CallOptions::WithTimeout(options_.call_timeout);
    call.client_request_id = target.client_request_id;
    return call;
}

BlobTarget AzureBlobService::Open(std::int64_t user_id, std::int64_t connection_id) const {
    BlobTarget target;
    target.user_id = user_id;
    target.connection_id = connection_id;
    target.client =
        std::make_shared<const azure::BlobClient>(connections_->Client(user_id, connection_id));
    target.container_name = connections_->Get(user_id, connection_id).container_name;
    return target;
}

azure::ContainerListPage AzureBlobService::ListContainers(const BlobTarget& target,
                                                          const ListQuery& query) const {
    CheckLimit(query.limit);
    azure::ListContainersOptions options;
    options.prefix = query.prefix;
    options.marker = query.marker;
    options.max_results = query.limit;
    return target.client->ListContainers(options, Call(target));
}

void AzureBlobService::CreateContainer(const BlobTarget& target, std::string_view name,
                                       std::string_view public_access) const {
    if (!IsValidContainerName(name)) {
        throw Invalid("name",
                      "must be 3 to 63 lowercase letters, digits and single hyphens, starting and "
                      "ending with a letter or digit");
    }
    azure::PublicAccess access = azure::PublicAccess::kNone;
    if (public_access == "blob") {
        access = azure::PublicAccess::kBlob;
    } else if (public_access == "container") {
        access = azure::PublicAccess::kContainer;
    } else if (!public_access.empty() && public_access != "none") {
        throw Invalid("public_access", "must be \"blob\" or \"container\"");
    }
    target.client->CreateContainer(name, access, {}, Call(target));
}

void AzureBlobService::DeleteContainer(const BlobTarget& target, std::string_view name) const {
    target.client->DeleteContainer(name, Call(target));
}

azure::BlobListPage AzureBlobService::ListBlobs(const BlobTarget& target,
                                                std::string_view container,
                                                const ListQuery& query) const {
    CheckLimit(query.limit);
    azure::ListBlobsOptions options;
    options.prefix = query.prefix;
    options.delimiter = query.delimiter;
    options.marker = query.marker;
    options.max_results = query.limit;
    return target.client->ListBlobs(container, options, Call(target));
}

azure::BlobProperties AzureBlobService::Properties(const BlobTarget& target,
                                                   std::string_view container,
                                                   std::string_view name) const {
    CheckName(name);
    return target.client->GetBlobProperties(container, name, Call(target));
}

void AzureBlobService::SetMetadata(const BlobTarget& target, std::string_view container,
                                   std::string_view name, const azure::Metadata& metadata) const {
    CheckName(name);
    target.client->SetBlobMetadata(container, name, metadata, Call(target));
}

azure::BlobProperties AzureBlobService::SetHeaders(const BlobTarget& target,
                                                   std::string_view container,
                                                   std::string_view name,
                                                   const BlobHeadersChange& change) const {
    CheckName(name);
    const azure::BlobProperties current =
        target.client->GetBlobProperties(container, name, Call(target));
    // Set Blob Properties clears every content header it is not given: send the current ones,
    // changed where asked, and the stored MD5 unchanged.
    azure::BlobHttpHeaders headers;
    headers.content_type = change.content_type.value_or(current.content_type);
    headers.cache_control = change.cache_control.value_or(current.cache_control);
    headers.content_disposition = change.content_disposition.value_or(current.content_disposition);
    headers.content_encoding = change.content_encoding.value_or(current.content_encoding);
    headers.content_language = change.content_language.value_or(current.content_language);
    headers.content_md5 = current.content_md5;
    try {
        target.client->SetBlobHttpHeaders(container, name, headers, {current.etag, ""},
                                          Call(target));
    } catch (const azure::StorageError& e) {
        if (e.status() != 412) throw;
        throw core::Error(core::ErrorCode::kFailedPrecondition,
                          "the blob changed while its headers were being set; read it again",
                          "blob_changed");
    }
    return target.client->GetBlobProperties(container, name, Call(target));
}

void AzureBlobService::DeleteBlob(const BlobTarget& target, std::string_view container,
                                  std::string_view name) const {
    CheckName(name);
    target.client->DeleteBlob(container, name, Call(target));
}

azure::DownloadResult AzureBlobService::Download(const BlobTarget& target,
                                                 std::string_view container, std::string_view name,
                                                 const azure::GetBlobOptions& options,
                                                 const azure::BodySink& sink,
                                                 const azure::CallOptions& call) const {
    CheckName(name);
    return target.client->GetBlob(container, name, sink, options, call);
}

CopyOutcome AzureBlobService::Copy(const BlobTarget& source, std::string_view source_container,
                                   std::string_view source_name, const BlobTarget& destination,
                                   std::string_view container, std::string_view name) const {
    CheckName(source_name);
    CheckName(name);
    // The transfer engine decides: Copy Blob inside one account, From-URL calls across
    // accounts, and a streamed copy (bounded memory, pinned to the source's ETag) where the
    // service cannot read the source.
    azure::TransferOptions options;
    options.block_size = options_.copy_block_size;
    options.memory_limit = options_.upload_memory_limit;
    options.call = azure::CallOptions::WithTimeout(
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.copy_timeout));
    options.call.client_request_id = destination.client_request_id;
    const azure::Transfer transfer(Transfers(), options);
    const azure::TransferResult result = transfer.Copy(
        *source.client, source_container, source_name, *destination.client, container, name);
    CopyOutcome outcome;
    outcome.mode = result.copy_method == "streamed" ? CopyMode::kStreamed : CopyMode::kServerSide;
    outcome.properties = destination.client->GetBlobProperties(container, name, Call(destination));
    return outcome;
}

azure::TransferPool& AzureBlobService::Transfers() const {
    std::call_once(transfers_started_, [this] {
        transfers_ = std::make_unique<azure::TransferPool>(options_.upload_threads);
    });
    return *transfers_;
}

azure::BlobProperties AzureBlobService::Upload(const BlobTarget& target, std::string_view container,
                                               std::string_view name, azure::UploadSource& source,
                                               std::string_view content_type,
                                               bool overwrite) const {
    CheckName(name);
    azure::TransferOptions options;
    options.block_size = options_.upload_block_size;
    options.single_shot_threshold = options_.upload_single_shot;
    options.memory_limit = options_.upload_memory_limit;
    options.call = azure::CallOptions::WithTimeout(
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.upload_timeout));
    options.call.client_request_id = target.client_request_id;
    const azure::Transfer transfer(Transfers(), options);
    azure::UploadOptions upload;
    upload.headers.content_type = std::string(content_type);
    if (!overwrite) upload.conditions.if_none_match = "*";
    try {
        transfer.Upload(*target.client, container, name, source, upload);
    } catch (const azure::StorageError& e) {
        // The service answers 409 BlobAlreadyExists; some emulators 412 for the same condition.
        if (!overwrite && (e.status() == 409 || e.status() == 412)) throw BlobExists(name);
        throw;
    }
    return target.client->GetBlobProperties(container, name, Call(target));
}

SasLink AzureBlobService::Sas(const BlobTarget& target, std::string_view container,
                              std::string_view name, std::string_view permissions,
                              std::chrono::seconds expires_in) const {
    if (expires_in < std::chrono::seconds(1) || expires_in > options_.max_sas_lifetime) {
        throw Invalid("expires_in", "must be between 1 and 604800 seconds (7 days)");
    }
    if (permissions.empty()) throw Invalid("permissions", "is required");
    const azure::SharedKeyCredential* key = target.client->credential().shared_key();
    if (key == nullptr) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          "this connection's credentials cannot sign a SAS (an account key is "
                          "needed)",
                          "cannot_sign");
    }
    azure::BlobSasOptions options;
    options.container = std::string(container);
    options.blob = std::string(name);
    options.permissions = std::string(permissions);
    // Whole seconds: the SAS carries seconds, and expires_at must say what the SAS says.
    const core::UnixMillis expires_at =
        (core::NowMillis() / 1000 + static_cast<core::UnixMillis>(expires_in.count())) * 1000;
    options.expires_on = expires_at;
    azure::SasToken token;
    try {
        token = azure::GenerateBlobSas(*key, options);
    } catch (const core::Error& e) {
        throw Invalid("permissions", e.what());
    }
    const std::string base = name.empty() ? target.client->ContainerUrlOf(container)
                                          : target.client->BlobUrlOf(container, name);
    return {base + "?" + token.query, expires_at};
}

}  // namespace cerulean::service
