// /api/v1/azure_blob/connections/{id}/containers* and …/blobs*: a user's storage, through the
// connection's credentials. Downloads stream from Azure to the client through a small bounded
// queue, so a slow client slows the download instead of growing a buffer; uploads stream the
// other way through a BodyPipe, so a slow Azure slows the client down.

#include "api/blob_routes.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <span>
#include <stop_token>

#include "api/body_pipe.hpp"
#include "api/error_mapping.hpp"
#include "api/json.hpp"
#include "api/json_fields.hpp"
#include "api/multipart_parser.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "http/problem.hpp"
#include "service/azure_blob_service.hpp"

namespace cerulean::api {
namespace {

using http::Request;
using http::Response;
using http::Task;
using service::AzureBlobService;
using service::BlobTarget;

constexpr std::string_view kBase = "/api/v1/azure_blob/connections/{id:int}";
constexpr std::string_view kLinkBase = "/api/v1/blob_links/";
constexpr std::size_t kChunkSize = 256U * 1024U;
constexpr std::size_t kQueueChunks = 4;
constexpr std::uint64_t kSegmentSize = 16U << 20U;
constexpr std::chrono::minutes kSegmentTryTimeout{5};
// An upload's body is read from the socket in pieces of at most this, and at most about
// kPipeBytes of it wait for the upload thread (the transfer engine's blocks aside).
constexpr std::size_t kUploadReadSize = 256U * 1024U;
constexpr std::size_t kPipeBytes = 1U << 20U;

std::string Path(std::string_view suffix) {
    return std::string(kBase) + std::string(suffix);
}

core::Error Invalid(std::string field, std::string message) {
    core::Error error(core::ErrorCode::kInvalidArgument, "the request is invalid",
                      "validation_error");
    error.WithField(std::move(field), std::move(message));
    return error;
}

std::string RequiredQuery(const Request& request, std::string_view name) {
    auto value = request.Query(name);
    if (!value || value->empty()) throw Invalid(std::string(name), "is required");
    return *value;
}

service::ListQuery ReadListQuery(const Request& request) {
    service::ListQuery query;
    query.prefix = request.Query("prefix").value_or("");
    query.delimiter = request.Query("delimiter").value_or("");
    query.marker = request.Query("marker").value_or("");
    if (const auto text = request.Query("limit")) {
        int limit = 0;
        const auto* end = text->data() + text->size();
        const auto [ptr, ec] = std::from_chars(text->data(), end, limit);
        if (ec != std::errc{} || ptr != end || limit < 1 || limit > 5000) {
            throw Invalid("limit", "must be an integer between 1 and 5000");
        }
        query.limit = limit;
    }
    return query;
}

boost::json::value StringOrNull(const std::string& s) {
    if (s.empty()) return nullptr;
    return boost::json::string(s);
}

boost::json::object ContainerJson(const azure::ContainerItem& c) {
    return {{"name", c.name},
            {"last_modified", TimeOrNull(c.last_modified)},
            {"etag", c.etag},
            {"public_access", StringOrNull(c.public_access)}};
}

boost::json::object BlobJson(const azure::BlobItem& b) {
    return {{"name", b.name},
            {"size", b.size},
            {"content_type", StringOrNull(b.content_type)},
            {"last_modified", TimeOrNull(b.last_modified)},
            {"etag", b.etag},
            {"content_md5", StringOrNull(b.content_md5)},
            {"access_tier", StringOrNull(b.access_tier)},
            {"blob_type", StringOrNull(b.blob_type)}};
}

boost::json::object PropertiesJson(std::string_view name, const azure::BlobProperties& p) {
    boost::json::object metadata;
    for (const auto& [key, value] : p.metadata) metadata[key] = value;
    return {{"name", name},
            {"size", p.content_length},
            {"content_type", StringOrNull(p.content_type)},
            {"last_modified", TimeOrNull(p.last_modified)},
            {"etag", p.etag},
            {"content_md5", StringOrNull(p.content_md5)},
            {"access_tier", StringOrNull(p.access_tier)},
            {"blob_type", StringOrNull(p.blob_type)},
            {"cache_control", StringOrNull(p.cache_control)},
            {"content_disposition", StringOrNull(p.content_disposition)},
            {"content_encoding", StringOrNull(p.content_encoding)},
            {"content_language", StringOrNull(p.content_language)},
            {"created_on", TimeOrNull(p.created_on)},
            {"lease_state", StringOrNull(p.lease_state)},
            {"lease_status", StringOrNull(p.lease_status)},
            {"metadata", std::move(metadata)}};
}

// A BlobItem of a blob just uploaded.
boost::json::object UploadedJson(std::string_view name, const azure::BlobProperties& p) {
    boost::json::object item = PropertiesJson(name, p);
    for (const auto* extra :
         {"metadata", "cache_control", "content_disposition", "content_encoding",
          "content_language", "created_on", "lease_state", "lease_status"}) {
        item.erase(extra);
    }
    return item;
}

// What every route starts with: the signed-in user's connection, opened on the database pool.
Task<BlobTarget> OpenTarget(ApiContext& context, std::shared_ptr<AzureBlobService> blobs,
                            const Request& request, std::string_view param = "id") {
    const core::User me = co_await Authenticate(context, request);
    const std::int64_t id = IdParam(request, param);
    const std::int64_t user_id = me.id;
    auto open = [blobs, user_id, id] { return blobs->Open(user_id, id); };
    BlobTarget target = co_await context.pool.Run(open);
    // The calls made for this request carry its id to the storage account's logs.
    target.client_request_id = request.request_id();
    co_return target;
}

// One download: runs on the storage pool, cutting what curl delivers into queue-sized chunks.
struct DownloadJob {
    std::shared_ptr<AzureBlobService> blobs;
    BlobTarget target;
    std::string container;
    std::string name;
    azure::GetBlobOptions options;  // offset and length always set
    std::shared_ptr<ChunkQueue> queue;
    TransferSlots::Slot slot;  // held until the download ends
    // The whole blob's stored MD5 (base64) when the whole blob is sent and it has one: the
    // bytes are hashed as they pass, and the response's last chunk is held back until they
    // match, so that a corrupted stream ends short of its Content-Length (the client sees a
    // broken download) instead of arriving as a complete 200.
    std::string expected_md5;
    std::string request_id;

    // Never throws: the failure travels to the response coroutine through the queue.
    void Run() const {
        try {
            std::optional<crypto::Md5Hasher> md5;
            if (!expected_md5.empty()) md5.emplace();
            std::string buffer;
            buffer.reserve(kChunkSize);
            std::optional<std::string> held;  // the last full chunk, until more bytes come
            auto sink = [this, &buffer, &held, &md5](std::string_view bytes) {
                if (md5) md5->Update(bytes);
                while (!bytes.empty()) {
                    if (buffer.size() == kChunkSize) {
                        if (held) queue->Push(std::move(*held));
                        held = std::move(buffer);
                        buffer = std::string();
                        buffer.reserve(kChunkSize);
                    }
                    const std::size_t take = std::min(kChunkSize - buffer.size(), bytes.size());
                    buffer.append(bytes.substr(0, take));
                    bytes.remove_prefix(take);
                }
            };
            // A try of a call is limited in time, and the client's pace sets the download's:
            // segments, each its own call with a generous try timeout, let a slow client take
            // as long as it needs while a stalled Azure still fails.
            azure::CallOptions call;
            call.stop = queue->stop_token();
            call.try_timeout = kSegmentTryTimeout;
            call.client_request_id = target.client_request_id;
            const std::uint64_t end = options.offset + options.length.value_or(0);
            for (std::uint64_t offset = options.offset; offset < end; offset += kSegmentSize) {
                azure::GetBlobOptions segment = options;
                segment.offset = offset;
                segment.length = std::min<std::uint64_t>(kSegmentSize, end - offset);
                blobs->Download(target, container, name, segment, sink, call);
            }
            if (md5) {
                const std::string actual = crypto::Base64Encode(md5->Finish());
                if (actual != expected_md5) {
                    core::log::Error("api.download_corrupt", {{"request_id", request_id},
                                                              {"expected_md5", expected_md5},
                                                              {"actual_md5", actual}});
                    throw core::Error(core::ErrorCode::kUnavailable,
                                      "the blob's bytes did not match its stored MD5",
                                      "download_corrupt");
                }
            }
            if (held) queue->Push(std::move(*held));
            if (!buffer.empty()) queue->Push(std::move(buffer));
            queue->Finish(nullptr);
        } catch (...) {
            queue->Finish(std::current_exception());
        }
    }
};

Task<void> Forward(std::shared_ptr<ChunkQueue> queue, http::BodySink& sink) {
    try {
        for (;;) {
            std::optional<std::string> chunk = co_await queue->Pop();
            if (!chunk) break;
            co_await sink.Write(*chunk);
        }
    } catch (...) {
        queue->Abort();
        throw;
    }
}

// The response body: the download on the storage pool and the forwarding coroutine, awaited
// together so that neither outlives the response.
Task<void> StreamBlob(std::shared_ptr<DownloadJob> job, http::BlockingPool& pool,
                      http::BodySink& sink) {
    using boost::asio::experimental::awaitable_operators::operator&&;
    auto download = [job] { job->Run(); };
    co_await (pool.Run(download) && Forward(job->queue, sink));
}

// One blob of an upload: runs on the storage pool, pulling the bytes from `pipe` while the
// request coroutine pushes them in.
struct UploadJob {
    std::shared_ptr<AzureBlobService> blobs;
    BlobTarget target;
    std::string container;
    std::string name;
    std::string content_type;
    std::optional<std::uint64_t> size;
    bool overwrite = true;
    std::shared_ptr<BodyPipe> pipe = std::make_shared<BodyPipe>(kPipeBytes);

    [[nodiscard]] azure::BlobProperties Run() const {
        // Closes the pipe however the upload ends, which releases the feeding coroutine.
        PipeSource source(pipe, size);
        return blobs->Upload(target, container, name, source, content_type, overwrite);
    }
};

// A multipart/form-data body read part by part as the route asks: the parser gets the socket's
// bytes one read at a time, so no part is ever held whole.
class MultipartBody {
 public:
    MultipartBody(http::BodySource& body, std::string_view boundary)
        : body_(body), parser_(boundary), buffer_(kUploadReadSize, '\0') {}

    // The next part's headers (the rest of the current part skipped); none after the last.
    Task<std::optional<PartHeaders>> NextPart() {
        for (;;) {
            MultipartStep step = co_await Step();
            if (step.kind == MultipartStep::Kind::kPart) co_return std::move(step.part);
            if (step.kind == MultipartStep::Kind::kDone) co_return std::nullopt;
        }
    }

    // The next bytes of the current part; empty at its end.
    Task<std::string> ReadPart() {
        if (!in_part_) co_return std::string();
        const MultipartStep step = co_await Step();
        if (step.kind == MultipartStep::Kind::kData) co_return std::string(step.data);
        co_return std::string();  // kPartEnd
    }

 private:
    Task<MultipartStep> Step() {
        for (;;) {
            MultipartStep step = parser_.Next();
            if (step.kind == MultipartStep::Kind::kPart) in_part_ = true;
            if (step.kind == MultipartStep::Kind::kPartEnd) in_part_ = false;
            if (step.kind != MultipartStep::Kind::kNeedMore) co_return step;
            const std::size_t n = co_await body_.ReadSome(std::span<char>(buffer_));
            if (n == 0) {
                parser_.FinishInput();
            } else {
                parser_.Feed(std::string_view(buffer_.data(), n));
            }
        }
    }

    http::BodySource& body_;
    MultipartParser parser_;
    std::string buffer_;
    bool in_part_ = false;
};

// Feeds the current part into `pipe`; like FeedBody, never throws.
Task<void> FeedPart(MultipartBody& body, std::shared_ptr<BodyPipe> pipe) {
    try {
        for (;;) {
            std::string bytes = co_await body.ReadPart();
            if (bytes.empty()) {
                pipe->Finish();
                co_return;
            }
            if (!co_await pipe->Push(std::move(bytes))) co_return;
        }
    } catch (...) {
        pipe->Fail(std::current_exception());
    }
}

// The upload on the storage pool and the body's feeding, awaited together. Neither throws
// (the feeder fails the pipe, the upload hands its failure back), so neither is ever cancelled
// half way: a cancelled socket read would leave the connection unusable. A failed upload closes
// the pipe, which ends the feeding at its next chunk.
template <class Feeder>
Task<azure::BlobProperties> RunUpload(http::BlockingPool& pool, std::shared_ptr<UploadJob> job,
                                      Feeder feeder) {
    using boost::asio::experimental::awaitable_operators::operator&&;
    struct Outcome {
        azure::BlobProperties properties;
        std::exception_ptr error;
    };
    auto upload = [job] {
        Outcome outcome;
        try {
            outcome.properties = job->Run();
        } catch (...) {
            outcome.error = std::current_exception();
        }
        return outcome;
    };
    Outcome outcome = co_await (pool.Run(upload) && std::move(feeder));
    if (outcome.error) std::rethrow_exception(outcome.error);
    co_return std::move(outcome.properties);
}

// The pool for blob streams: each holds its thread for as long as its client or Azure takes.
http::BlockingPool& StreamPool(ApiContext& context) {
    return context.transfer_pool != nullptr ? *context.transfer_pool : context.storage_pool;
}

// A slot for one more blob stream; throws 503 server_busy when the server runs its limit.
TransferSlots::Slot TakeTransferSlot(ApiContext& context) {
    return context.transfer_slots ? context.transfer_slots->Take() : nullptr;
}

// The answer to a multipart upload that failed after some of its parts were stored: the
// failure's problem, with the blobs already stored (whole) under `uploaded`, so that a client
// retries only the rest. `failure` holds a core::Error.
Response PartlyUploaded(const Request& request, const std::exception_ptr& failure,
                        boost::json::array uploaded) {
    try {
        std::rethrow_exception(failure);
    } catch (const core::Error& error) {
        if (HttpStatusOf(error.code()) >= 500) {
            core::log::Error("api.request_failed",
                             {{"request_id", request.request_id()},
                              {"code", core::ToString(error.code())},
                              {"error", error.what()},
                              {"uploaded", static_cast<std::int64_t>(uploaded.size())}});
        }
        return ErrorResponse(error, {{"uploaded", std::move(uploaded)}});
    }
}

bool IsAttrChar(unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string_view TrimSpaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<std::uint64_t> ParseUint(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

// A boolean query parameter: "true" or "false" (422 otherwise), `fallback` when absent.
bool BoolQuery(const Request& request, std::string_view name, bool fallback) {
    const auto value = request.Query(name);
    if (!value) return fallback;
    if (*value == "true") return true;
    if (*value == "false") return false;
    throw Invalid(std::string(name), "must be true or false");
}

// 409 "blob_exists" when the blob is there already.
Task<void> RefuseExisting(ApiContext& context, std::shared_ptr<AzureBlobService> blobs,
                          BlobTarget target, std::string container, std::string name) {
    auto exists = [blobs, target, container, name] {
        try {
            blobs->Properties(target, container, name);
            return true;
        } catch (const core::Error& e) {
            if (e.reason() == "blob_not_found") return false;
            throw;
        }
    };
    if (co_await context.storage_pool.Run(exists)) {
        throw core::Error(core::ErrorCode::kAlreadyExists,
                          "a blob named \"" + name + "\" exists already (overwrite=false)",
                          "blob_exists");
    }
}

// Who asks for a blob's bytes, which decides how the response may be used.
enum class ContentUse {
    kApi,             // GET …/blobs/content with a bearer token: an attachment
    kAttachmentLink,  // a download link: an attachment, never cached
    kInlineLink,      // a preview link: shown in place when the type is safe to show
};

// Types a browser may show in place from a preview link. Scripts cannot run in any of them
// under the sandboxing policy below (PDF gets its own, see InlinePolicy).
bool PreviewableInline(std::string_view content_type) {
    std::string type(content_type.substr(0, content_type.find(';')));
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    return type.starts_with("image/") || type.starts_with("audio/") || type.starts_with("video/") ||
           type == "application/pdf" || type == "text/plain";
}

// The Content-Security-Policy of a blob's bytes. The bytes are the user's, not ours: they
// never run script in our origin. Previews may be framed by the console itself; Chromium's
// PDF viewer refuses sandboxed documents, and a PDF runs no script in the page's origin.
std::string_view ContentPolicy(ContentUse use, std::string_view content_type) {
    if (use != ContentUse::kInlineLink)
        return "default-src 'none'; sandbox; frame-ancestors 'none'";
    if (content_type.starts_with("application/pdf")) return "frame-ancestors 'self'";
    return "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
           "sandbox; frame-ancestors 'self'";
}

// A link and the connection it was made through, opened.
struct LinkedBlob {
    store::BlobLinkRecord link;
    BlobTarget target;
};

// The blob's bytes (a Range of them, or 304), streamed from Azure with backpressure.
Task<Response> ServeContent(ApiContext& context, std::shared_ptr<AzureBlobService> blobs,
                            BlobTarget target, std::string container, std::string name,
                            const Request& request, ContentUse use) {
    auto get = [blobs, target, container, name] {
        return blobs->Properties(target, container, name);
    };
    const azure::BlobProperties props = co_await context.storage_pool.Run(get);

    Response response;
    response.headers.Set("ETag", props.etag);
    if (props.last_modified) {
        response.headers.Set("Last-Modified", core::FormatHttpDate(*props.last_modified));
    }
    response.headers.Set("Accept-Ranges", "bytes");
    response.headers.Set("Cache-Control",
                         use == ContentUse::kApi ? "private, no-cache" : "no-store");
    if (const auto inm = request.headers().Get("If-None-Match");
        inm && IfNoneMatchMatches(*inm, props.etag)) {
        response.status = 304;
        co_return response;
    }
    const std::uint64_t size = props.content_length;
    RangeRequest range;
    if (const auto header = request.headers().Get("Range")) range = ParseRange(*header, size);
    if (range.unsatisfiable) {
        auto problem = http::ProblemResponse(
            {416, "range_not_satisfiable",
             "the range is outside the blob of " + std::to_string(size) + " bytes"});
        problem.headers.Set("Content-Range", "bytes */" + std::to_string(size));
        problem.headers.Set("Accept-Ranges", "bytes");
        co_return problem;
    }
    std::uint64_t first = 0;
    std::uint64_t length = size;
    if (range.range) {
        first = range.range->first;
        length = range.range->last - range.range->first + 1;
        response.status = 206;
        response.headers.Set("Content-Range", "bytes " + std::to_string(first) + "-" +
                                                  std::to_string(range.range->last) + "/" +
                                                  std::to_string(size));
    }
    const std::string content_type =
        props.content_type.empty() ? "application/octet-stream" : props.content_type;
    const bool show_inline = use == ContentUse::kInlineLink && PreviewableInline(content_type);
    response.headers.Set("Content-Type", content_type);
    std::string disposition = AttachmentDisposition(name);
    if (show_inline) disposition.replace(0, std::string_view("attachment").size(), "inline");
    response.headers.Set("Content-Disposition", disposition);
    response.headers.Set("X-Content-Type-Options", "nosniff");
    response.headers.Set("Content-Security-Policy",
                         ContentPolicy(show_inline ? use : ContentUse::kApi, content_type));
    if (length == 0) co_return response;  // the server sends Content-Length: 0

    response.headers.Set("Content-Length", std::to_string(length));
    auto job = std::make_shared<DownloadJob>();
    job->blobs = blobs;
    job->target = std::move(target);
    job->container = std::move(container);
    job->name = std::move(name);
    job->options.offset = first;
    job->options.length = length;
    // The bytes must be those of the version whose headers were just given.
    job->options.conditions.if_match = props.etag;
    if (!range.range) job->expected_md5 = props.content_md5;
    job->request_id = request.request_id();
    job->queue = std::make_shared<ChunkQueue>(kQueueChunks);
    job->slot = TakeTransferSlot(context);
    http::BlockingPool& pool = StreamPool(context);
    response.producer = [job, &pool](http::BodySink& sink) { return StreamBlob(job, pool, sink); };
    co_return response;
}

// The PATCH …/blobs/properties body: each given field replaces that header.
service::BlobHeadersChange ReadHeadersChange(const boost::json::object& body) {
    JsonFields fields(body);
    service::BlobHeadersChange change;
    auto take = [&fields](std::string_view field, std::optional<std::string>& into) {
        if (auto value = fields.NullableString(field)) {
            into = value->value_or("");
            if (into->size() > 1024)
                fields.Problem(std::string(field), "must be at most 1024 characters");
        }
    };
    take("content_type", change.content_type);
    take("cache_control", change.cache_control);
    take("content_disposition", change.content_disposition);
    take("content_encoding", change.content_encoding);
    take("content_language", change.content_language);
    if (!change.content_type && !change.cache_control && !change.content_disposition &&
        !change.content_encoding && !change.content_language) {
        fields.Problem("content_type", "give at least one header to change");
    }
    fields.Finish();
    return change;
}

}  // namespace

RangeRequest ParseRange(std::string_view header, std::uint64_t size) {
    header = TrimSpaces(header);
    constexpr std::string_view kUnit = "bytes=";
    if (header.size() < kUnit.size()) return {};
    for (std::size_t i = 0; i < kUnit.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(header[i])) != kUnit[i]) return {};
    }
    const std::string_view spec = TrimSpaces(header.substr(kUnit.size()));
    if (spec.find(',') != std::string_view::npos) return {};
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) return {};
    const std::string_view first_text = TrimSpaces(spec.substr(0, dash));
    const std::string_view last_text = TrimSpaces(spec.substr(dash + 1));
    if (first_text.empty()) {
        const auto suffix = ParseUint(last_text);
        if (!suffix) return {};
        if (*suffix == 0 || size == 0) return {true, std::nullopt};
        return {false, ByteRange{size - std::min(*suffix, size), size - 1}};
    }
    const auto first = ParseUint(first_text);
    if (!first) return {};
    std::uint64_t last = size == 0 ? 0 : size - 1;
    if (!last_text.empty()) {
        const auto given = ParseUint(last_text);
        if (!given || *given < *first) return {};
        last = std::min(last, *given);
    }
    if (*first >= size) return {true, std::nullopt};
    return {false, ByteRange{*first, last}};
}

bool IfNoneMatchMatches(std::string_view header, std::string_view etag) {
    auto strip_weak = [](std::string_view tag) {
        tag = TrimSpaces(tag);
        if (tag.starts_with("W/")) tag.remove_prefix(2);
        return tag;
    };
    const std::string_view mine = strip_weak(etag);
    if (mine.empty()) return false;
    while (!header.empty()) {
        const auto comma = header.find(',');
        const std::string_view tag = strip_weak(header.substr(0, comma));
        if (tag == "*" || tag == mine) return true;
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

std::string AttachmentDisposition(std::string_view blob_name) {
    std::string_view base = blob_name;
    while (base.ends_with('/')) base.remove_suffix(1);
    if (const auto slash = base.rfind('/'); slash != std::string_view::npos) {
        base.remove_prefix(slash + 1);
    }
    if (base.empty()) base = "download";
    std::string ascii;
    std::string encoded;
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < base.size(); ++i) {
        const auto c = static_cast<unsigned char>(base[i]);
        if (IsAttrChar(c)) {
            encoded += static_cast<char>(c);
        } else {
            encoded += '%';
            encoded += kHex[c >> 4U];
            encoded += kHex[c & 0xFU];
        }
        // The quoted fallback: printable ASCII except the quote and backslash (and '%', which
        // some browsers decode); one '_' per non-ASCII character, not per byte.
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%') {
            ascii += static_cast<char>(c);
        } else if (c < 0x80 || (c & 0xC0U) == 0xC0U) {
            ascii += '_';
        }
    }
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

void ChunkQueue::Push(std::string chunk) {
    std::unique_ptr<http::ParkedCoroutine> waiter;
    {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [this] { return aborted_ || chunks_.size() < capacity_; });
        if (aborted_) {
            throw core::Error(core::ErrorCode::kFailedPrecondition, "the client stopped reading",
                              "cancelled");
        }
        chunks_.push_back(std::move(chunk));
        waiter = std::move(waiter_);
    }
    if (waiter) waiter->Resume();
}

void ChunkQueue::Finish(std::exception_ptr error) {
    std::unique_ptr<http::ParkedCoroutine> waiter;
    {
        std::lock_guard lock(mutex_);
        finished_ = true;
        error_ = std::move(error);
        waiter = std::move(waiter_);
    }
    if (waiter) waiter->Resume();
}

Task<std::optional<std::string>> ChunkQueue::Pop() {
    for (;;) {
        std::optional<std::string> chunk;
        bool end = false;
        std::exception_ptr error;
        {
            std::lock_guard lock(mutex_);
            if (!chunks_.empty()) {
                chunk = std::move(chunks_.front());
                chunks_.pop_front();
                room_.notify_one();
            } else if (finished_) {
                end = true;
                error = error_;
            }
        }
        if (chunk) co_return chunk;
        if (end) {
            if (error) std::rethrow_exception(error);
            co_return std::nullopt;
        }
        auto park = [this](auto handler) { Park(std::move(handler)); };
        co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
            park, boost::asio::use_awaitable);
    }
}

void ChunkQueue::Abort() {
    {
        std::lock_guard lock(mutex_);
        aborted_ = true;
    }
    room_.notify_all();
    stop_.request_stop();
}

std::size_t ChunkQueue::size() {
    std::lock_guard lock(mutex_);
    return chunks_.size();
}

void AddBlobRoutes(http::Router& router, ApiContext& context) {
    auto blobs = std::make_shared<AzureBlobService>(context.connections, context.blobs);

    router.Add("GET", Path("/containers"), [&context, blobs](Request& request) -> Task<Response> {
        const BlobTarget target = co_await OpenTarget(context, blobs, request);
        const service::ListQuery query = ReadListQuery(request);
        auto list = [blobs, target, query] { return blobs->ListContainers(target, query); };
        const azure::ContainerListPage page = co_await context.storage_pool.Run(list);
        boost::json::array items;
        for (const auto& c : page.containers) items.push_back(ContainerJson(c));
        co_return JsonResponse(
            200, boost::json::object{{"items", std::move(items)},
                                     {"next_marker", StringOrNull(page.next_marker)}});
    });

    router.Add("POST", Path("/containers"), [&context, blobs](Request& request) -> Task<Response> {
        const BlobTarget target = co_await OpenTarget(context, blobs, request);
        const boost::json::object body = co_await ReadJsonObject(context, request);
        JsonFields fields(body);
        const std::string name = fields.String("name", true).value_or("");
        const std::string access =
            fields.NullableString("public_access").value_or(std::nullopt).value_or("");
        fields.Finish();
        auto create = [blobs, target, name, access] {
            blobs->CreateContainer(target, name, access);
            return true;
        };
        co_await context.storage_pool.Run(create);
        co_return JsonResponse(
            201, boost::json::object{{"name", name}, {"public_access", StringOrNull(access)}});
    });

    router.Add("DELETE", Path("/containers/{container}"),
               [&context, blobs](Request& request) -> Task<Response> {
                   const BlobTarget target = co_await OpenTarget(context, blobs, request);
                   const std::string container(request.Param("container").value_or(""));
                   auto remove = [blobs, target, container] {
                       blobs->DeleteContainer(target, container);
                       return true;
                   };
                   co_await context.storage_pool.Run(remove);
                   co_return http::EmptyResponse(204);
               });

    router.Add("GET", Path("/blobs"), [&context, blobs](Request& request) -> Task<Response> {
        const BlobTarget target = co_await OpenTarget(context, blobs, request);
        const std::string container = target.ContainerOr(request.Query("container"));
        const service::ListQuery query = ReadListQuery(request);
        auto list = [blobs, target, container, query] {
            return blobs->ListBlobs(target, container, query);
        };
        const azure::BlobListPage page = co_await context.storage_pool.Run(list);
        boost::json::array items;
        for (const auto& b : page.blobs) items.push_back(BlobJson(b));
        boost::json::array prefixes;
        for (const auto& p : page.prefixes) prefixes.emplace_back(p);
        co_return JsonResponse(
            200, boost::json::object{{"items", std::move(items)},
                                     {"prefixes", std::move(prefixes)},
                                     {"next_marker", StringOrNull(page.next_marker)}});
    });

    // Uploads: a multipart/form-data body (one blob per `file` part, prefix + its filename),
    // or any other body as the blob `name`. Each blob streams into Azure while it arrives.
    router.Add("POST", Path("/blobs"), [&context, blobs](Request& request) -> Task<Response> {
        // Authenticated (and the connection checked) before a byte of the body is read.
        const BlobTarget target = co_await OpenTarget(context, blobs, request);
        const std::string container = target.ContainerOr(request.Query("container"));
        const std::string content_type(request.headers().Get("Content-Type").value_or(""));
        const std::optional<std::string> boundary = FormDataBoundary(content_type);
        const bool overwrite = BoolQuery(request, "overwrite", true);
        std::string raw_name;
        if (!boundary) {
            raw_name = RequiredQuery(request, "name");
            // Asked before a byte of the body is read, so that a client is not made to send a
            // large file in vain; the commit checks again, atomically.
            if (!overwrite) co_await RefuseExisting(context, blobs, target, container, raw_name);
        }
        // Refused (503) before a byte of the body is read when the server is at its limit.
        const TransferSlots::Slot slot = TakeTransferSlot(context);
        boost::json::array items;
        if (!boundary) {
            auto job = std::make_shared<UploadJob>();
            job->blobs = blobs;
            job->target = target;
            job->container = container;
            job->name = raw_name;
            job->overwrite = overwrite;
            job->content_type = content_type.empty() ? "application/octet-stream" : content_type;
            job->size = request.body().content_length();
            const azure::BlobProperties props = co_await RunUpload(
                StreamPool(context), job, FeedBody(request.body(), job->pipe, kUploadReadSize));
            items.push_back(UploadedJson(job->name, props));
            co_return JsonResponse(201, boost::json::object{{"items", std::move(items)}});
        }

        const std::string prefix = request.Query("prefix").value_or("");
        MultipartBody body(request.body(), *boundary);
        std::exception_ptr failure;
        try {
            for (;;) {
                std::optional<PartHeaders> part = co_await body.NextPart();
                if (!part) break;
                if (part->name != "file") continue;  // other form fields are not ours: skipped
                if (!part->filename || part->filename->empty()) {
                    throw Invalid("file", "every file part needs a filename");
                }
                auto job = std::make_shared<UploadJob>();
                job->blobs = blobs;
                job->target = target;
                job->container = container;
                job->name = prefix + *part->filename;
                job->content_type =
                    part->content_type.empty() ? "application/octet-stream" : part->content_type;
                job->overwrite = overwrite;
                const azure::BlobProperties props =
                    co_await RunUpload(StreamPool(context), job, FeedPart(body, job->pipe));
                items.push_back(UploadedJson(job->name, props));
            }
        } catch (const core::Error&) {
            if (items.empty()) throw;
            failure = std::current_exception();
        }
        if (failure) co_return PartlyUploaded(request, failure, std::move(items));
        if (items.empty()) throw Invalid("file", "is required: at least one file part");
        co_return JsonResponse(201, boost::json::object{{"items", std::move(items)}});
    });

    router.Add("DELETE", Path("/blobs"), [&context, blobs](Request& request) -> Task<Response> {
        const BlobTarget target = co_await OpenTarget(context, blobs, request);
        const std::string container = target.ContainerOr(request.Query("container"));
        const std::string name = RequiredQuery(request, "name");
        auto remove = [blobs, target, container, name] {
            blobs->DeleteBlob(target, container, name);
            return true;
        };
        co_await context.storage_pool.Run(remove);
        co_return http::EmptyResponse(204);
    });

    router.Add("GET", Path("/blobs/properties"),
               [&context, blobs](Request& request) -> Task<Response> {
                   const BlobTarget target = co_await OpenTarget(context, blobs, request);
                   const std::string container = target.ContainerOr(request.Query("container"));
                   const std::string name = RequiredQuery(request, "name");
                   auto get = [blobs, target, container, name] {
                       return blobs->Properties(target, container, name);
                   };
                   const azure::BlobProperties props = co_await context.storage_pool.Run(get);
                   co_return JsonResponse(200, PropertiesJson(name, props));
               });

    router.Add("PUT", Path("/blobs/metadata"),
               [&context, blobs](Request& request) -> Task<Response> {
                   const BlobTarget target = co_await OpenTarget(context, blobs, request);
                   const std::string container = target.ContainerOr(request.Query("container"));
                   const std::string name = RequiredQuery(request, "name");
                   const boost::json::object body = co_await ReadJsonObject(context, request);
                   JsonFields fields(body);
                   const auto metadata = fields.StringMap("metadata", true);
                   fields.Finish();
                   azure::Metadata values;
                   if (metadata) values.insert(metadata->begin(), metadata->end());
                   auto set = [blobs, target, container, name, values] {
                       blobs->SetMetadata(target, container, name, values);
                       return blobs->Properties(target, container, name);
                   };
                   const azure::BlobProperties props = co_await context.storage_pool.Run(set);
                   co_return JsonResponse(200, PropertiesJson(name, props));
               });

    router.Add("GET", Path("/blobs/content"),
               [&context, blobs](Request& request) -> Task<Response> {
                   const BlobTarget target = co_await OpenTarget(context, blobs, request);
                   const std::string container = target.ContainerOr(request.Query("container"));
                   const std::string name = RequiredQuery(request, "name");
                   co_return co_await ServeContent(context, blobs, target, container, name, request,
                                                   ContentUse::kApi);
               });

    router.Add("POST", Path("/blobs/link"), [&context, blobs](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const std::int64_t id = IdParam(request);
        const boost::json::object body = co_await ReadJsonObject(context, request);
        JsonFields fields(body);
        const auto container_field = fields.String("container");
        const std::string name = fields.String("name", true).value_or("");
        const std::string disposition = fields.String("disposition").value_or("attachment");
        if (disposition != "attachment" && disposition != "inline") {
            fields.Problem("disposition", "must be \"attachment\" or \"inline\"");
        }
        if (name.size() > 1024) fields.Problem("name", "must be at most 1024 characters");
        fields.Finish();
        const std::int64_t user_id = me.id;
        auto open = [blobs, user_id, id] { return blobs->Open(user_id, id); };
        BlobTarget target = co_await context.pool.Run(open);
        target.client_request_id = request.request_id();
        const std::string container = target.ContainerOr(container_field);
        // The blob must exist now: a link to nothing would fail only in the browser's hands.
        auto check = [blobs, target, container, name] {
            return blobs->Properties(target, container, name);
        };
        co_await context.storage_pool.Run(check);
        auto links = context.links;
        const bool inline_link = disposition == "inline";
        auto issue = [links, user_id, id, container, name, inline_link] {
            return links->Issue(user_id, id, container, name, inline_link);
        };
        const service::IssuedBlobLink link = co_await context.pool.Run(issue);
        auto response = JsonResponse(
            201, boost::json::object{{"url", std::string(kLinkBase) + link.token},
                                     {"expires_at", core::FormatRfc3339(link.expires_at)},
                                     {"single_use", link.single_use}});
        response.headers.Set("Cache-Control", "no-store");
        co_return response;
    });

    // Following a link needs no Authorization: the token is the credential. Whatever is wrong
    // with it (unknown, expired, used, its connection disabled or gone) answers the same 404.
    router.Add(
        "GET", std::string(kLinkBase) + "{token}",
        [&context, blobs](Request& request) -> Task<Response> {
            const std::string token(request.Param("token").value_or(""));
            // The token is the credential: the access log must not hand it to its readers.
            request.set_log_target(std::string(kLinkBase) + "REDACTED");
            auto links = context.links;
            const std::string request_id = request.request_id();
            auto redeem = [links, blobs, token, request_id]() -> std::optional<LinkedBlob> {
                auto link = links->Redeem(token);
                if (!link) return std::nullopt;
                try {
                    LinkedBlob linked{*link, blobs->Open(link->user_id, link->connection_id)};
                    linked.target.client_request_id = request_id;
                    return linked;
                } catch (const core::Error&) {
                    return std::nullopt;  // connection deleted or disabled since
                }
            };
            const std::optional<LinkedBlob> linked = co_await context.pool.Run(redeem);
            if (!linked) {
                auto gone = http::ProblemResponse(
                    {404, "link_not_found",
                     "this link does not exist, has expired or has been used; ask "
                     "for a new one"});
                gone.headers.Set("Cache-Control", "no-store");
                co_return gone;
            }
            co_return co_await ServeContent(context, blobs, linked->target, linked->link.container,
                                            linked->link.blob_name, request,
                                            linked->link.inline_disposition
                                                ? ContentUse::kInlineLink
                                                : ContentUse::kAttachmentLink);
        });

    router.Add("PATCH", Path("/blobs/properties"),
               [&context, blobs](Request& request) -> Task<Response> {
                   const BlobTarget target = co_await OpenTarget(context, blobs, request);
                   const std::string container = target.ContainerOr(request.Query("container"));
                   const std::string name = RequiredQuery(request, "name");
                   const boost::json::object body = co_await ReadJsonObject(context, request);
                   const service::BlobHeadersChange change = ReadHeadersChange(body);
                   auto set = [blobs, target, container, name, change] {
                       return blobs->SetHeaders(target, container, name, change);
                   };
                   const azure::BlobProperties props = co_await context.storage_pool.Run(set);
                   co_return JsonResponse(200, PropertiesJson(name, props));
               });

    router.Add("POST", Path("/blobs/copy"), [&context, blobs](Request& request) -> Task<Response> {
        const core::User me = co_await Authenticate(context, request);
        const std::int64_t id = IdParam(request);
        boost::json::object body = co_await ReadJsonObject(context, request);
        boost::json::object source_object;
        bool source_ok = false;
        if (const auto* source = body.if_contains("source"); source && source->is_object()) {
            source_object = source->as_object();
            source_ok = true;
        }
        const bool had_source = body.erase("source") > 0;
        JsonFields fields(body);
        const auto container = fields.String("container");
        const auto name = fields.String("name", true);
        if (!had_source) fields.Problem("source", "is required");
        if (had_source && !source_ok) fields.Problem("source", "must be an object");
        fields.Finish();
        JsonFields source_fields(source_object, "source.");
        const auto source_id = source_fields.Int("connection_id");
        const auto source_container = source_fields.String("container");
        const auto source_name = source_fields.String("name", true);
        source_fields.Finish();

        const std::int64_t user_id = me.id;
        const std::int64_t from_id = source_id.value_or(id);
        const std::string request_id = request.request_id();
        auto open = [blobs, user_id, id, from_id, request_id] {
            BlobTarget destination = blobs->Open(user_id, id);
            destination.client_request_id = request_id;
            BlobTarget source = from_id == id ? destination : blobs->Open(user_id, from_id);
            source.client_request_id = request_id;
            return std::pair{std::move(source), std::move(destination)};
        };
        const std::pair<BlobTarget, BlobTarget> targets = co_await context.pool.Run(open);
        const BlobTarget& source = targets.first;
        const BlobTarget& destination = targets.second;
        const std::string from_container = source.ContainerOr(source_container);
        const std::string to_container = destination.ContainerOr(container);
        const std::string from_name = *source_name;
        const std::string to_name = *name;
        auto copy = [blobs, source, from_container, from_name, destination, to_container, to_name] {
            return blobs->Copy(source, from_container, from_name, destination, to_container,
                               to_name);
        };
        // A copy may stream every byte through this server when Azure cannot copy it itself.
        const TransferSlots::Slot slot = TakeTransferSlot(context);
        const service::CopyOutcome outcome = co_await StreamPool(context).Run(copy);
        boost::json::object result = PropertiesJson(to_name, outcome.properties);
        result["container"] = to_container;
        result["copy_mode"] =
            outcome.mode == service::CopyMode::kServerSide ? "server_side" : "streamed";
        co_return JsonResponse(201, result);
    });

    router.Add("POST", Path("/blobs/sas"), [&context, blobs](Request& request) -> Task<Response> {
        const BlobTarget target = co_await OpenTarget(context, blobs, request);
        const boost::json::object body = co_await ReadJsonObject(context, request);
        JsonFields fields(body);
        const auto container_field = fields.String("container");
        const std::string name = fields.NullableString("name").value_or(std::nullopt).value_or("");
        const std::string permissions = fields.String("permissions").value_or("r");
        const std::int64_t expires_in = fields.Int("expires_in").value_or(3600);
        fields.Finish();
        const std::string container = target.ContainerOr(container_field);
        auto sign = [blobs, audit = context.audit, target, container, name, permissions, expires_in,
                     origin = OriginOf(request)] {
            service::SasLink link =
                blobs->Sas(target, container, name, permissions, std::chrono::seconds(expires_in));
            service::AuditEvent event{target.user_id,
                                      "blob.share_link_issued",
                                      "connection",
                                      std::to_string(target.connection_id),
                                      {}};
            event.detail["container"] = container;
            if (!name.empty()) event.detail["name"] = name;
            event.detail["permissions"] = permissions;
            event.detail["expires_at"] = core::FormatRfc3339(link.expires_at);
            audit->Record(event, origin);
            return link;
        };
        // Signing is local CPU work: no call to Azure.
        const service::SasLink link = co_await context.pool.Run(sign);
        co_return JsonResponse(
            200, boost::json::object{{"url", link.url},
                                     {"expires_at", core::FormatRfc3339(link.expires_at)}});
    });
}

}  // namespace cerulean::api
