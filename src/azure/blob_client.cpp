#include "azure/blob_client.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <pugixml.hpp>

#include "azure/connection_string.hpp"
#include "azure/storage_error.hpp"
#include "azure/url.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"
#include "crypto/encoding.hpp"

namespace cerulean::azure {
namespace {

using Clock = std::chrono::steady_clock;

core::Error Invalid(std::string message) {
    return {core::ErrorCode::kInvalidArgument, std::move(message)};
}

// A value that would split or end a header line must never reach the transport.
void CheckHeaderValue(std::string_view what, std::string_view value) {
    if (std::ranges::any_of(value, [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u == '\r' || u == '\n' || u == '\0' || (u < 0x20 && u != '\t') || u == 0x7F;
        })) {
        throw Invalid(std::string(what) + " must not contain control characters");
    }
}

bool IsMetadataName(std::string_view name) {
    if (name.empty()) return false;
    const auto first = static_cast<unsigned char>(name.front());
    if (!(std::isalpha(first) != 0 || first == '_') || first >= 0x80) return false;
    return std::ranges::all_of(name, [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x80 && (std::isalnum(u) != 0 || u == '_');
    });
}

void AddMetadata(HttpHeaders& headers, const Metadata& metadata) {
    for (const auto& [name, value] : metadata) {
        if (!IsMetadataName(name)) {
            throw Invalid("metadata name '" + name +
                          "' is not valid: use letters, digits and '_', not starting with a digit");
        }
        CheckHeaderValue("metadata value", value);
        headers.push_back({"x-ms-meta-" + name, value});
    }
}

void AddIfSet(HttpHeaders& headers, std::string_view name, std::string_view value) {
    if (value.empty()) return;
    CheckHeaderValue(name, value);
    headers.push_back({std::string(name), std::string(value)});
}

void AddBlobHttpHeaders(HttpHeaders& headers, const BlobHttpHeaders& blob) {
    AddIfSet(headers, "x-ms-blob-content-type", blob.content_type);
    AddIfSet(headers, "x-ms-blob-content-encoding", blob.content_encoding);
    AddIfSet(headers, "x-ms-blob-content-language", blob.content_language);
    AddIfSet(headers, "x-ms-blob-content-disposition", blob.content_disposition);
    AddIfSet(headers, "x-ms-blob-cache-control", blob.cache_control);
    AddIfSet(headers, "x-ms-blob-content-md5", blob.content_md5);
}

void AddConditions(HttpHeaders& headers, const AccessConditions& conditions) {
    AddIfSet(headers, "If-Match", conditions.if_match);
    AddIfSet(headers, "If-None-Match", conditions.if_none_match);
}

std::string Range(std::uint64_t offset, std::optional<std::uint64_t> length) {
    std::string range = "bytes=" + std::to_string(offset) + "-";
    if (length) range += std::to_string(offset + *length - 1);
    return range;
}

[[noreturn]] void ThrowFor(std::string_view operation, const HttpResponse& response) {
    throw StorageError::FromResponse(operation, response,
                                     response.Header("x-ms-client-request-id").value_or(""));
}

void Expect(std::string_view operation, const HttpResponse& response,
            std::initializer_list<int> statuses) {
    if (std::ranges::find(statuses, response.status) == statuses.end()) {
        ThrowFor(operation, response);
    }
}

std::string HeaderOr(const HttpResponse& response, std::string_view name) {
    return std::string(response.Header(name).value_or(""));
}

std::optional<core::UnixMillis> DateHeader(const HttpHeaders& headers, std::string_view name) {
    const auto value = FindHeader(headers, name);
    if (!value) return std::nullopt;
    return core::ParseHttpDate(*value);
}

std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The total size from `Content-Range: bytes 0-99/1234`.
std::optional<std::uint64_t> TotalFromContentRange(std::string_view range) {
    const auto slash = range.rfind('/');
    if (slash == std::string_view::npos) return std::nullopt;
    return ParseUnsigned(range.substr(slash + 1));
}

UploadResult UploadResultOf(const HttpResponse& response) {
    UploadResult result;
    result.etag = HeaderOr(response, "ETag");
    result.last_modified = DateHeader(response.headers, "Last-Modified");
    result.content_md5 = HeaderOr(response, "Content-MD5");
    result.version_id = HeaderOr(response, "x-ms-version-id");
    return result;
}

void CheckBlockId(std::string_view block_id) {
    if (block_id.empty() || block_id.size() > 88 || !crypto::Base64Decode(block_id)) {
        throw Invalid("a block id must be base64 of at most 64 bytes");
    }
}

bool SleepFor(std::chrono::milliseconds delay, const std::stop_token& stop) {
    std::mutex mutex;
    std::condition_variable_any wakeup;
    std::unique_lock lock(mutex);
    return !wakeup.wait_for(lock, stop, delay, [] { return false; });
}

std::string ChildText(const pugi::xml_node& node, const char* name) {
    return node.child(name).text().get();
}

}  // namespace

// --- Free functions ------------------------------------------------------------------------------

std::string MakeBlockId(std::string_view upload_id, std::uint64_t index) {
    if (upload_id.size() > 48) throw Invalid("a block id prefix is at most 48 bytes");
    std::array<char, 21> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), index);
    std::string number(digits.data(), end);
    if (number.size() < 10) number.insert(0, 10 - number.size(), '0');
    return crypto::Base64Encode(std::string(upload_id) + number);
}

std::string BlockListXml(const std::vector<std::string>& block_ids) {
    std::string xml = R"(<?xml version="1.0" encoding="utf-8"?><BlockList>)";
    xml.reserve(xml.size() + block_ids.size() * 40 + 16);
    for (const auto& id : block_ids) {
        CheckBlockId(id);  // base64: nothing to escape
        xml += "<Latest>" + id + "</Latest>";
    }
    xml += "</BlockList>";
    return xml;
}

UserDelegationKey ParseUserDelegationKey(std::string_view xml) {
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size())) {
        throw core::Error(core::ErrorCode::kInternal, "Azure sent a malformed user delegation key",
                          "malformed_response");
    }
    const pugi::xml_node root = doc.child("UserDelegationKey");
    UserDelegationKey key;
    key.signed_object_id = ChildText(root, "SignedOid");
    key.signed_tenant_id = ChildText(root, "SignedTid");
    key.signed_starts_on = ChildText(root, "SignedStart");
    key.signed_expires_on = ChildText(root, "SignedExpiry");
    key.signed_service = ChildText(root, "SignedService");
    key.signed_version = ChildText(root, "SignedVersion");
    key.value = ChildText(root, "Value");
    if (!root || key.value.empty()) {
        throw core::Error(core::ErrorCode::kInternal,
                          "Azure sent a user delegation key without a value", "malformed_response");
    }
    return key;
}

BlobProperties PropertiesFromHeaders(const HttpHeaders& headers) {
    BlobProperties p;
    const auto get = [&](std::string_view name) {
        return std::string(FindHeader(headers, name).value_or(""));
    };
    if (const auto range = FindHeader(headers, "Content-Range")) {
        p.content_length = TotalFromContentRange(*range).value_or(0);
    } else if (const auto length = FindHeader(headers, "Content-Length")) {
        p.content_length = ParseUnsigned(*length).value_or(0);
    }
    p.content_type = get("Content-Type");
    // A ranged read carries the whole blob's MD5 in x-ms-blob-content-md5; Content-MD5 is then
    // the range's (when asked for).
    p.content_md5 = get("x-ms-blob-content-md5");
    if (p.content_md5.empty() && !FindHeader(headers, "Content-Range")) {
        p.content_md5 = get("Content-MD5");
    }
    p.content_encoding = get("Content-Encoding");
    p.content_language = get("Content-Language");
    p.content_disposition = get("Content-Disposition");
    p.cache_control = get("Cache-Control");
    p.etag = get("ETag");
    p.last_modified = DateHeader(headers, "Last-Modified");
    p.created_on = DateHeader(headers, "x-ms-creation-time");
    p.blob_type = get("x-ms-blob-type");
    p.access_tier = get("x-ms-access-tier");
    p.access_tier_inferred = get("x-ms-access-tier-inferred") == "true";
    p.lease_state = get("x-ms-lease-state");
    p.lease_status = get("x-ms-lease-status");
    p.copy.id = get("x-ms-copy-id");
    p.copy.status = get("x-ms-copy-status");
    p.copy.status_description = get("x-ms-copy-status-description");
    p.copy.progress = get("x-ms-copy-progress");
    p.copy.source = get("x-ms-copy-source");
    constexpr std::string_view kMetaPrefix = "x-ms-meta-";
    for (const auto& header : headers) {
        if (header.name.size() > kMetaPrefix.size() &&
            HeaderNameEquals(std::string_view(header.name).substr(0, kMetaPrefix.size()),
                             kMetaPrefix)) {
            p.metadata[header.name.substr(kMetaPrefix.size())] = header.value;
        }
    }
    return p;
}

// --- BlobClient --------------------------------------------------------------------------------

BlobClient::BlobClient(std::string_view endpoint, std::shared_ptr<const Credential> credential,
                       ClientOptions options)
    : endpoint_(NormalizeEndpoint(endpoint)),
      pipeline_(options.transport ? std::move(options.transport)
                                  : std::make_shared<CurlTransport>(options.transport_options),
                std::move(credential), options.pipeline) {
    if (const SharedKeyCredential* key = pipeline_.credential().shared_key()) {
        account_name_ = key->account_name();
    } else {
        account_name_ = AccountNameFromEndpoint(endpoint_);
    }
}

BlobClient BlobClient::FromConnectionString(std::string_view connection_string,
                                            ClientOptions options) {
    const ConnectionString parsed = ParseConnectionString(connection_string);
    return {parsed.blob_endpoint, MakeCredential(parsed), std::move(options)};
}

std::string BlobClient::ContainerUrlOf(std::string_view container) const {
    return ContainerUrl(endpoint_, container);
}

std::string BlobClient::BlobUrlOf(std::string_view container, std::string_view blob) const {
    return BlobUrl(endpoint_, container, blob);
}

std::string BlobClient::ServiceUrl(std::string_view query) const {
    return endpoint_ + "/?" + std::string(query);
}

ContainerListPage BlobClient::ListContainers(const ListContainersOptions& options,
                                             const CallOptions& call) const {
    std::string query = "comp=list";
    if (!options.prefix.empty()) query += "&prefix=" + EncodeQueryValue(options.prefix);
    if (!options.marker.empty()) query += "&marker=" + EncodeQueryValue(options.marker);
    if (options.max_results > 0) query += "&maxresults=" + std::to_string(options.max_results);
    if (options.include_metadata) query += "&include=metadata";
    HttpRequest request{"GET", ServiceUrl(query)};
    const HttpResponse response = pipeline_.Send("ListContainers", request, call);
    Expect("ListContainers", response, {200});
    return ParseContainerList(response.body);
}

AccountInfo BlobClient::GetAccountInfo(const CallOptions& call) const {
    HttpRequest request{"GET", ServiceUrl("restype=account&comp=properties")};
    const HttpResponse response = pipeline_.Send("GetAccountInfo", request, call);
    Expect("GetAccountInfo", response, {200});
    AccountInfo info;
    info.sku_name = HeaderOr(response, "x-ms-sku-name");
    info.account_kind = HeaderOr(response, "x-ms-account-kind");
    info.hierarchical_namespace = HeaderOr(response, "x-ms-is-hns-enabled") == "true";
    return info;
}

UserDelegationKey BlobClient::GetUserDelegationKey(core::UnixMillis starts_on,
                                                   core::UnixMillis expires_on,
                                                   const CallOptions& call) const {
    if (expires_on <= starts_on) throw Invalid("a user delegation key must expire after it starts");
    const std::string body = R"(<?xml version="1.0" encoding="utf-8"?><KeyInfo><Start>)" +
                             core::FormatRfc3339(starts_on) + "</Start><Expiry>" +
                             core::FormatRfc3339(expires_on) + "</Expiry></KeyInfo>";
    HttpRequest request{"POST",
                        ServiceUrl("restype=service&comp=userdelegationkey"),
                        {{"Content-Type", "application/xml"}},
                        RequestBody::FromBytes(body)};
    const HttpResponse response = pipeline_.Send("GetUserDelegationKey", request, call);
    Expect("GetUserDelegationKey", response, {200});
    return ParseUserDelegationKey(response.body);
}

void BlobClient::TestConnection(std::string_view container, const CallOptions& call) const {
    const Credential& credential = pipeline_.credential();
    bool account_wide = credential.type() == CredentialType::kSharedKey ||
                        credential.type() == CredentialType::kBearer;
    if (const auto* sas = dynamic_cast<const SasCredential*>(&credential)) {
        account_wide = sas->is_account_sas();
    }
    if (account_wide) {
        try {
            GetAccountInfo(call);
            return;
        } catch (const StorageError& error) {
            // A credential limited by RBAC or SAS permissions may still reach its container.
            if (container.empty() || error.code() != core::ErrorCode::kPermissionDenied) throw;
        }
    }
    if (container.empty()) {
        throw Invalid("a container is needed to test a container-scoped or anonymous credential");
    }
    ListBlobsOptions probe;
    probe.max_results = 1;
    ListBlobs(container, probe, call);
}

void BlobClient::CreateContainer(std::string_view container, PublicAccess access,
                                 const Metadata& metadata, const CallOptions& call) const {
    HttpRequest request{"PUT", AppendQuery(ContainerUrlOf(container), "restype=container")};
    if (access == PublicAccess::kBlob)
        request.headers.push_back({"x-ms-blob-public-access", "blob"});
    if (access == PublicAccess::kContainer) {
        request.headers.push_back({"x-ms-blob-public-access", "container"});
    }
    AddMetadata(request.headers, metadata);
    const HttpResponse response = pipeline_.Send("CreateContainer", request, call);
    // A 409 right after a try that may have created the container is that try's success.
    if (response.status == 409 && response.after_ambiguous_failure &&
        response.Header("x-ms-error-code") == "ContainerAlreadyExists") {
        return;
    }
    Expect("CreateContainer", response, {201});
}

void BlobClient::DeleteContainer(std::string_view container, const CallOptions& call) const {
    HttpRequest request{"DELETE", AppendQuery(ContainerUrlOf(container), "restype=container")};
    const HttpResponse response = pipeline_.Send("DeleteContainer", request, call);
    if (response.status == 404 && response.after_ambiguous_failure) return;
    Expect("DeleteContainer", response, {202});
}

BlobListPage BlobClient::ListBlobs(std::string_view container, const ListBlobsOptions& options,
                                   const CallOptions& call) const {
    std::string query = "restype=container&comp=list";
    if (!options.prefix.empty()) query += "&prefix=" + EncodeQueryValue(options.prefix);
    if (!options.delimiter.empty()) query += "&delimiter=" + EncodeQueryValue(options.delimiter);
    if (!options.marker.empty()) query += "&marker=" + EncodeQueryValue(options.marker);
    if (options.max_results > 0) query += "&maxresults=" + std::to_string(options.max_results);
    if (options.include_metadata) query += "&include=metadata";
    HttpRequest request{"GET", AppendQuery(ContainerUrlOf(container), query)};
    const HttpResponse response = pipeline_.Send("ListBlobs", request, call);
    Expect("ListBlobs", response, {200});
    return ParseBlobList(response.body);
}

BlobProperties BlobClient::GetBlobProperties(std::string_view container, std::string_view blob,
                                             const CallOptions& call) const {
    HttpRequest request{"HEAD", BlobUrlOf(container, blob)};
    const HttpResponse response = pipeline_.Send("GetBlobProperties", request, call);
    Expect("GetBlobProperties", response, {200});
    return PropertiesFromHeaders(response.headers);
}

std::string BlobClient::SetBlobMetadata(std::string_view container, std::string_view blob,
                                        const Metadata& metadata, const CallOptions& call) const {
    HttpRequest request{"PUT", AppendQuery(BlobUrlOf(container, blob), "comp=metadata")};
    AddMetadata(request.headers, metadata);
    const HttpResponse response = pipeline_.Send("SetBlobMetadata", request, call);
    Expect("SetBlobMetadata", response, {200});
    return HeaderOr(response, "ETag");
}

std::string BlobClient::SetBlobHttpHeaders(std::string_view container, std::string_view blob,
                                           const BlobHttpHeaders& headers,
                                           const AccessConditions& conditions,
                                           const CallOptions& call) const {
    HttpRequest request{"PUT", AppendQuery(BlobUrlOf(container, blob), "comp=properties")};
    AddBlobHttpHeaders(request.headers, headers);
    AddConditions(request.headers, conditions);
    const HttpResponse response = pipeline_.Send("SetBlobProperties", request, call);
    Expect("SetBlobProperties", response, {200});
    return HeaderOr(response, "ETag");
}

UploadResult BlobClient::PutBlob(std::string_view container, std::string_view blob,
                                 RequestBody body, const PutBlobOptions& options,
                                 const CallOptions& call) const {
    HttpRequest request{"PUT", BlobUrlOf(container, blob), {{"x-ms-blob-type", "BlockBlob"}}, body};
    AddBlobHttpHeaders(request.headers, options.headers);
    AddIfSet(request.headers, "Content-MD5", options.transactional_md5);
    AddIfSet(request.headers, "x-ms-access-tier", options.access_tier);
    AddConditions(request.headers, options.conditions);
    AddMetadata(request.headers, options.metadata);
    const HttpResponse response = pipeline_.Send("PutBlob", request, call);
    Expect("PutBlob", response, {201});
    return UploadResultOf(response);
}

void BlobClient::PutBlock(std::string_view container, std::string_view blob,
                          std::string_view block_id, RequestBody body,
                          std::string_view transactional_md5, const CallOptions& call) const {
    CheckBlockId(block_id);
    HttpRequest request{
        "PUT",
        AppendQuery(BlobUrlOf(container, blob), "comp=block&blockid=" + EncodeQueryValue(block_id)),
        {},
        body};
    AddIfSet(request.headers, "Content-MD5", transactional_md5);
    const HttpResponse response = pipeline_.Send("PutBlock", request, call);
    Expect("PutBlock", response, {201});
}

UploadResult BlobClient::PutBlockList(std::string_view container, std::string_view blob,
                                      const std::vector<std::string>& block_ids,
                                      const PutBlockListOptions& options,
                                      const CallOptions& call) const {
    const std::string xml = BlockListXml(block_ids);
    HttpRequest request{"PUT",
                        AppendQuery(BlobUrlOf(container, blob), "comp=blocklist"),
                        {{"Content-Type", "application/xml"}},
                        RequestBody::FromBytes(xml)};
    AddBlobHttpHeaders(request.headers, options.headers);
    AddIfSet(request.headers, "x-ms-access-tier", options.access_tier);
    AddConditions(request.headers, options.conditions);
    AddMetadata(request.headers, options.metadata);
    const HttpResponse response = pipeline_.Send("PutBlockList", request, call);
    Expect("PutBlockList", response, {201});
    return UploadResultOf(response);
}

DownloadResult BlobClient::GetBlob(std::string_view container, std::string_view blob,
                                   const BodySink& sink, const GetBlobOptions& options,
                                   const CallOptions& call) const {
    if (options.length && *options.length == 0) throw Invalid("a range must hold at least a byte");
    const std::string url = BlobUrlOf(container, blob);
    DownloadResult result;
    std::string etag = options.conditions.if_match;
    bool have_properties = false;

    ResponseSink stream;
    stream.on_headers = [&](const HttpResponse& head) {
        if (have_properties) return;
        result.properties = PropertiesFromHeaders(head.headers);
        if (etag.empty()) etag = result.properties.etag;
        have_properties = true;
        if (options.on_properties) options.on_properties(result.properties);
    };
    stream.on_body = [&](std::string_view bytes) {
        sink(bytes);
        result.bytes += bytes.size();
    };

    for (;;) {
        const std::uint64_t start = options.offset + result.bytes;
        std::optional<std::uint64_t> remaining;
        if (options.length) remaining = *options.length - result.bytes;
        HttpRequest request{"GET", url};
        if (start > 0 || remaining)
            request.headers.push_back({"x-ms-range", Range(start, remaining)});
        AddIfSet(request.headers, "If-Match", etag);
        AddIfSet(request.headers, "If-None-Match", options.conditions.if_none_match);

        const std::uint64_t before = result.bytes;
        HttpResponse response;
        try {
            response = pipeline_.Send("GetBlob", request, call, &stream);
        } catch (const StorageError& error) {
            const bool broke_midway = (error.kind() == StorageErrorKind::kUnreachable ||
                                       error.kind() == StorageErrorKind::kTimeout) &&
                                      result.bytes > before && !etag.empty();
            if (!broke_midway || result.resumes >= pipeline_.options().retry.max_retries) throw;
            ++result.resumes;
            continue;
        }
        Expect("GetBlob", response, {200, 206});
        if (!have_properties) {  // an empty body: the transport had nothing to stream
            result.properties = PropertiesFromHeaders(response.headers);
            have_properties = true;
            if (options.on_properties) options.on_properties(result.properties);
        }
        return result;
    }
}

std::string BlobClient::DownloadToString(std::string_view container, std::string_view blob,
                                         const GetBlobOptions& options,
                                         const CallOptions& call) const {
    std::string out;
    GetBlob(
        container, blob, [&](std::string_view bytes) { out.append(bytes); }, options, call);
    return out;
}

void BlobClient::DeleteBlob(std::string_view container, std::string_view blob,
                            const CallOptions& call) const {
    HttpRequest request{
        "DELETE", BlobUrlOf(container, blob), {{"x-ms-delete-snapshots", "include"}}};
    const HttpResponse response = pipeline_.Send("DeleteBlob", request, call);
    // A 404 right after a try that may have deleted the blob is that try's success.
    if (response.status == 404 && response.after_ambiguous_failure) return;
    Expect("DeleteBlob", response, {202});
}

CopyStarted BlobClient::StartCopyBlob(std::string_view container, std::string_view blob,
                                      std::string_view source_url, const StartCopyOptions& options,
                                      const CallOptions& call) const {
    CheckHeaderValue("copy source URL", source_url);
    HttpRequest request{
        "PUT", BlobUrlOf(container, blob), {{"x-ms-copy-source", std::string(source_url)}}};
    AddIfSet(request.headers, "x-ms-access-tier", options.access_tier);
    AddConditions(request.headers, options.conditions);
    if (options.metadata) AddMetadata(request.headers, *options.metadata);
    const HttpResponse response = pipeline_.Send("CopyBlob", request, call);
    Expect("CopyBlob", response, {202});
    return {HeaderOr(response, "x-ms-copy-id"), HeaderOr(response, "x-ms-copy-status"),
            HeaderOr(response, "ETag")};
}

BlobProperties BlobClient::WaitForCopy(std::string_view container, std::string_view blob,
                                       std::string_view copy_id, const CallOptions& call) const {
    auto delay = std::chrono::milliseconds(100);
    for (;;) {
        BlobProperties properties = GetBlobProperties(container, blob, call);
        if (!copy_id.empty() && !properties.copy.id.empty() && properties.copy.id != copy_id) {
            throw StorageError(core::ErrorCode::kFailedPrecondition,
                               "another copy replaced the one being waited for", "copy_failed",
                               StorageErrorKind::kService);
        }
        const std::string& status = properties.copy.status;
        if (status == "success" || status.empty()) return properties;
        if (status == "failed" || status == "aborted") {
            throw StorageError(core::ErrorCode::kFailedPrecondition,
                               "the server-side copy " + status + ": " +
                                   core::ScrubSecrets(properties.copy.status_description),
                               "copy_failed", StorageErrorKind::kService);
        }
        if (call.deadline && Clock::now() + delay >= *call.deadline) {
            throw StorageError::DeadlineExceeded("CopyBlob", "the copy is still pending");
        }
        if (!SleepFor(delay, call.stop)) throw StorageError::Cancelled("CopyBlob");
        delay = std::min(delay * 2, std::chrono::milliseconds(2000));
    }
}

BlobProperties BlobClient::CopyBlob(std::string_view container, std::string_view blob,
                                    std::string_view source_url, const StartCopyOptions& options,
                                    const CallOptions& call) const {
    const CopyStarted started = StartCopyBlob(container, blob, source_url, options, call);
    return WaitForCopy(container, blob, started.copy_id, call);
}

UploadResult BlobClient::PutBlobFromUrl(std::string_view container, std::string_view blob,
                                        std::string_view source_url,
                                        const PutBlobFromUrlOptions& options,
                                        const CallOptions& call) const {
    CheckHeaderValue("copy source URL", source_url);
    HttpRequest request{
        "PUT",
        BlobUrlOf(container, blob),
        {{"x-ms-blob-type", "BlockBlob"},
         {"x-ms-copy-source", std::string(source_url)},
         {"x-ms-copy-source-blob-properties", options.copy_source_properties ? "true" : "false"}}};
    AddIfSet(request.headers, "x-ms-copy-source-authorization", options.source_authorization);
    AddIfSet(request.headers, "x-ms-source-content-md5", options.source_content_md5);
    AddIfSet(request.headers, "x-ms-source-if-match", options.source_if_match);
    AddBlobHttpHeaders(request.headers, options.headers);
    AddConditions(request.headers, options.conditions);
    AddMetadata(request.headers, options.metadata);
    const HttpResponse response = pipeline_.Send("PutBlobFromUrl", request, call);
    Expect("PutBlobFromUrl", response, {201});
    return UploadResultOf(response);
}

void BlobClient::PutBlockFromUrl(std::string_view container, std::string_view blob,
                                 std::string_view block_id, std::string_view source_url,
                                 const PutBlockFromUrlOptions& options,
                                 const CallOptions& call) const {
    CheckBlockId(block_id);
    CheckHeaderValue("copy source URL", source_url);
    if (options.source_length && *options.source_length == 0) {
        throw Invalid("a source range must hold at least a byte");
    }
    HttpRequest request{
        "PUT",
        AppendQuery(BlobUrlOf(container, blob), "comp=block&blockid=" + EncodeQueryValue(block_id)),
        {{"x-ms-copy-source", std::string(source_url)}}};
    if (options.source_offset > 0 || options.source_length) {
        request.headers.push_back(
            {"x-ms-source-range", Range(options.source_offset, options.source_length)});
    }
    AddIfSet(request.headers, "x-ms-copy-source-authorization", options.source_authorization);
    AddIfSet(request.headers, "x-ms-source-content-md5", options.source_content_md5);
    AddIfSet(request.headers, "x-ms-source-if-match", options.source_if_match);
    const HttpResponse response = pipeline_.Send("PutBlockFromUrl", request, call);
    Expect("PutBlockFromUrl", response, {201});
}

}  // namespace cerulean::azure
