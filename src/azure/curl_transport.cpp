#include "azure/curl_transport.hpp"

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

namespace cerulean::azure {
namespace {

// A body kept in memory when a sink was given but the answer is an error: enough for any Azure
// error document, bounded so that a misbehaving server cannot fill the memory.
constexpr std::size_t kMaxErrorBody = 1024 * 1024;

void GlobalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view TrimLine(std::string_view text) {
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' ' ||
                             text.back() == '\t')) {
        text.remove_suffix(1);
    }
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    return text;
}

// What one transfer's callbacks share.
struct Transfer {
    const std::function<bool(const sockaddr*)>* address_filter = nullptr;
    std::size_t send_low_watermark = 0;
    bool address_refused = false;
    const HttpRequest* request = nullptr;
    const TryControl* control = nullptr;
    CURL* handle = nullptr;
    HttpResponse response;
    std::uint64_t body_offset = 0;      // next byte of the request body to send
    std::uint64_t body_bytes_read = 0;  // high-water mark of bytes read from the body
    bool status_known = false;
    bool to_sink = false;
    bool cancelled = false;
    bool timed_out = false;
    bool body_ended_early = false;
    // The empty line that ends the response's head came: libcurl takes a head cut short by the
    // connection closing for a complete answer without a body.
    bool head_complete = false;
    std::exception_ptr error;  // what a stream or sink threw
};

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    const std::size_t length = size * count;
    const std::string_view line = TrimLine(std::string_view(data, length));
    if (line.starts_with("HTTP/")) {
        // A new status line (after an interim 1xx answer): the headers start over.
        t.response.headers.clear();
        t.head_complete = false;
        return length;
    }
    if (line.empty()) {
        t.head_complete = true;
        return length;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return length;
    t.response.headers.push_back(
        {std::string(line.substr(0, colon)), std::string(TrimLine(line.substr(colon + 1)))});
    return length;
}

std::size_t OnWrite(char* data, std::size_t size, std::size_t count, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    const std::size_t length = size * count;
    if (!t.status_known) {
        long code = 0;
        curl_easy_getinfo(t.handle, CURLINFO_RESPONSE_CODE, &code);
        t.response.status = static_cast<int>(code);
        t.to_sink =
            t.control->sink != nullptr && t.control->sink->on_body && code >= 200 && code < 300;
        t.status_known = true;
        if (t.to_sink && t.control->sink->on_headers) {
            try {
                t.control->sink->on_headers(t.response);
            } catch (...) {
                t.error = std::current_exception();
                return 0;
            }
        }
    }
    if (t.to_sink) {
        try {
            t.control->sink->on_body(std::string_view(data, length));
        } catch (...) {
            t.error = std::current_exception();
            return 0;  // aborts the transfer with CURLE_WRITE_ERROR
        }
        t.response.streamed_bytes += length;
        return length;
    }
    if (t.control->sink != nullptr) {
        const std::size_t room = kMaxErrorBody - std::min(kMaxErrorBody, t.response.body.size());
        t.response.body.append(data, std::min(room, length));
        return length;
    }
    t.response.body.append(data, length);
    return length;
}

std::size_t OnRead(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    const std::size_t capacity = size * count;
    const RequestBody& body = t.request->body;
    const std::uint64_t total = body.size();
    if (t.body_offset >= total) return 0;
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(capacity, total - t.body_offset));
    std::size_t got = 0;
    if (body.stream != nullptr) {
        try {
            got = body.stream->Read(buffer, want);
        } catch (...) {
            t.error = std::current_exception();
            return CURL_READFUNC_ABORT;
        }
        if (got == 0) {
            t.body_ended_early = true;
            return CURL_READFUNC_ABORT;
        }
        got = std::min(got, want);
    } else {
        std::memcpy(buffer, body.bytes.data() + t.body_offset, want);
        got = want;
    }
    t.body_offset += got;
    t.body_bytes_read = std::max(t.body_bytes_read, t.body_offset);
    return got;
}

// libcurl rewinds the body when it must send it again on a fresh connection (a reused
// keep-alive connection that the server had closed).
int OnSeek(void* user, curl_off_t offset, int origin) {
    auto& t = *static_cast<Transfer*>(user);
    if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
    const RequestBody& body = t.request->body;
    const auto target = static_cast<std::uint64_t>(offset);
    if (body.stream != nullptr) {
        if (target == t.body_offset) return CURL_SEEKFUNC_OK;
        if (target != 0) return CURL_SEEKFUNC_CANTSEEK;
        try {
            if (!body.stream->Rewind()) return CURL_SEEKFUNC_CANTSEEK;
        } catch (...) {
            t.error = std::current_exception();
            return CURL_SEEKFUNC_FAIL;
        }
        t.body_offset = 0;
        return CURL_SEEKFUNC_OK;
    }
    if (target > body.bytes.size()) return CURL_SEEKFUNC_FAIL;
    t.body_offset = target;
    return CURL_SEEKFUNC_OK;
}

int OnProgress(void* user, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/,
               curl_off_t /*ulnow*/) {
    auto& t = *static_cast<Transfer*>(user);
    if (t.control->stop.stop_requested()) {
        t.cancelled = true;
        return 1;
    }
    if (std::chrono::steady_clock::now() >= t.control->deadline) {
        t.timed_out = true;
        return 1;
    }
    return 0;
}

TransportFailure Classify(CURLcode code, const Transfer& t) {
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
        case CURLE_SSL_CONNECT_ERROR:
            return TransportFailure::kConnect;
        case CURLE_OPERATION_TIMEDOUT:
            return TransportFailure::kTimeout;
        case CURLE_ABORTED_BY_CALLBACK:
            return t.cancelled ? TransportFailure::kCancelled : TransportFailure::kTimeout;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
            return TransportFailure::kTls;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_BAD_FUNCTION_ARGUMENT:
        case CURLE_NOT_BUILT_IN:
            return TransportFailure::kInvalidRequest;
        default:
            return TransportFailure::kNetwork;
    }
}

bool SendsBody(const HttpRequest& request) {
    return request.method == "PUT" || request.method == "POST" || request.body.size() > 0;
}

struct HeaderList {
    curl_slist* list = nullptr;
    ~HeaderList() { curl_slist_free_all(list); }
    void Add(const std::string& line) {
        curl_slist* next = curl_slist_append(list, line.c_str());
        if (next == nullptr) throw std::bad_alloc();
        list = next;
    }
};

// Opens a connection's socket only for an address the filter allows.
curl_socket_t OnOpenSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
    auto& t = *static_cast<Transfer*>(user);
    if (t.address_filter != nullptr && *t.address_filter && !(*t.address_filter)(&address->addr)) {
        t.address_refused = true;
        return CURL_SOCKET_BAD;
    }
    const int fd = ::socket(address->family, address->socktype, address->protocol);
    if (fd >= 0 && t.send_low_watermark > 0 && address->socktype == SOCK_STREAM) {
        // Best effort: a kernel without TCP_NOTSENT_LOWAT queues as it always did.
        const int lowat = static_cast<int>(t.send_low_watermark);
        ::setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof lowat);
    }
    return fd;
}

}  // namespace

struct CurlTransport::Impl {
    explicit Impl(TransportOptions opts) : options(std::move(opts)) {
        GlobalInit();
        share = curl_share_init();
        if (share == nullptr) throw std::bad_alloc();
        curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Impl::Lock);
        curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Impl::Unlock);
        curl_share_setopt(share, CURLSHOPT_USERDATA, this);
        // Connections are not shared: libcurl does not support one connection cache used by
        // concurrent threads. Each pooled handle keeps its own keep-alive connection instead.
        curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }

    ~Impl() {
        for (CURL* handle : idle) curl_easy_cleanup(handle);
        curl_share_cleanup(share);
    }

    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    static void Lock(CURL* /*handle*/, curl_lock_data data, curl_lock_access /*access*/,
                     void* user) {
        static_cast<Impl*>(user)->share_locks.at(static_cast<std::size_t>(data)).lock();
    }
    static void Unlock(CURL* /*handle*/, curl_lock_data data, void* user) {
        static_cast<Impl*>(user)->share_locks.at(static_cast<std::size_t>(data)).unlock();
    }

    CURL* Acquire() {
        {
            const std::lock_guard lock(pool_mutex);
            if (!idle.empty()) {
                CURL* handle = idle.back();  // the most recently used: its connection is warm
                idle.pop_back();
                return handle;
            }
        }
        CURL* handle = curl_easy_init();
        if (handle == nullptr) throw std::bad_alloc();
        return handle;
    }

    void Release(CURL* handle) {
        // Reset drops the options but keeps the live connection and the caches.
        curl_easy_reset(handle);
        {
            const std::lock_guard lock(pool_mutex);
            if (idle.size() < options.max_idle_connections) {
                idle.push_back(handle);
                return;
            }
        }
        curl_easy_cleanup(handle);
    }

    TransportOptions options;
    CURLSH* share = nullptr;
    std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;
    std::mutex pool_mutex;
    std::vector<CURL*> idle;
};

CurlTransport::CurlTransport(TransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

CurlTransport::~CurlTransport() = default;

HttpResponse CurlTransport::Send(const HttpRequest& request, const TryControl& control) {
    const TransportOptions& options = impl_->options;
    CURL* handle = impl_->Acquire();
    struct Returner {
        Impl* impl;
        CURL* handle;
        ~Returner() { impl->Release(handle); }
    } returner{impl_.get(), handle};

    Transfer t;
    t.address_filter = &options.address_filter;
    t.send_low_watermark = options.send_low_watermark;
    t.request = &request;
    t.control = &control;
    t.handle = handle;
    std::array<char, CURL_ERROR_SIZE> error_buffer{};

    if (control.stop.stop_requested()) {
        throw TransportError(TransportFailure::kCancelled, "the request was cancelled");
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= control.deadline) {
        throw TransportError(TransportFailure::kTimeout,
                             "the request timed out before it was sent");
    }

    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, &OnOpenSocket);
    curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(handle, CURLOPT_SHARE, impl_->share);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(handle, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    // An empty proxy string disables the proxy environment variables too.
    curl_easy_setopt(handle, CURLOPT_PROXY, options.proxy.c_str());
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(handle, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(handle, CURLOPT_BUFFERSIZE, static_cast<long>(options.receive_buffer_size));
    curl_easy_setopt(handle, CURLOPT_UPLOAD_BUFFERSIZE,
                     static_cast<long>(options.upload_buffer_size));
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer.data());
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &OnWrite);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &t);

    auto connect_timeout = options.connect_timeout;
    if (control.deadline != std::chrono::steady_clock::time_point::max()) {
        const auto remaining = std::max<std::chrono::milliseconds>(
            std::chrono::milliseconds(1),
            std::chrono::ceil<std::chrono::milliseconds>(control.deadline - now));
        curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
        connect_timeout = std::min(connect_timeout, remaining);
    }
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));

    if (request.method == "HEAD") {
        curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (SendsBody(request)) {
        curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(handle, CURLOPT_READFUNCTION, &OnRead);
        curl_easy_setopt(handle, CURLOPT_READDATA, &t);
        curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, &OnSeek);
        curl_easy_setopt(handle, CURLOPT_SEEKDATA, &t);
        if (request.method != "PUT") {
            curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        }
    } else if (request.method == "GET") {
        curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    // The headers go out exactly as the signer saw them: libcurl must add none of the signed
    // ones (it would add `Expect: 100-continue` to large uploads).
    HeaderList headers;
    bool has_expect = false;
    for (const auto& header : request.headers) {
        if (HeaderNameEquals(header.name, "Expect")) has_expect = true;
        // libcurl drops a header written "Name:" and sends an empty one written "Name;".
        headers.Add(header.value.empty() ? header.name + ";" : header.name + ": " + header.value);
    }
    if (!has_expect) headers.Add("Expect:");
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.list);

    const CURLcode code = curl_easy_perform(handle);
    if (t.error) std::rethrow_exception(t.error);
    if (code != CURLE_OK && t.address_refused) {
        throw TransportError(TransportFailure::kForbiddenAddress,
                             "the endpoint's host resolves to an address this server may not "
                             "reach");
    }
    if (code != CURLE_OK) {
        if (t.body_ended_early) {
            throw TransportError(TransportFailure::kInvalidRequest,
                                 "the request body stream ended before its declared length",
                                 t.body_bytes_read, t.response.streamed_bytes);
        }
        const TransportFailure kind = Classify(code, t);
        std::string message = error_buffer[0] != '\0' ? std::string(error_buffer.data())
                                                      : std::string(curl_easy_strerror(code));
        if (kind == TransportFailure::kCancelled) message = "the request was cancelled";
        throw TransportError(kind, message, t.body_bytes_read, t.response.streamed_bytes);
    }
    if (!t.head_complete) {
        throw TransportError(TransportFailure::kNetwork,
                             "the connection closed in the middle of the response's head",
                             t.body_bytes_read, t.response.streamed_bytes);
    }
    if (!t.status_known) {
        long status = 0;
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        t.response.status = static_cast<int>(status);
    }
    return std::move(t.response);
}

}  // namespace cerulean::azure
