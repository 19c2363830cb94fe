#include "from_url_front.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <utility>

namespace cerulean::azure::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct RawResponse {
    long status = 0;
    Headers headers;
    std::string body;
};

bool SameName(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<RawResponse*>(user)->body.append(data, size * count);
    return size * count;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
    const std::string line(data, size * count);
    const auto colon = line.find(':');
    if (colon != std::string::npos && line.rfind("HTTP/", 0) != 0) {
        std::string value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
        static_cast<RawResponse*>(user)->headers.emplace_back(line.substr(0, colon), value);
    }
    return size * count;
}

// One plain HTTP exchange (no retries: the client under test retries the front).
RawResponse Exchange(const std::string& method, const std::string& url, const Headers& headers,
                     const std::string& body) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
    RawResponse response;
    curl_slist* list = curl_slist_append(nullptr, "Expect:");
    for (const auto& [name, value] : headers) {
        list = curl_slist_append(list, (name + ": " + value).c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
    if (method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (method != "GET") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK) {
        throw std::runtime_error(std::string("front: ") + curl_easy_strerror(code) + " for " +
                                 method);
    }
    return response;
}

LoopbackResponse ErrorResponse(int status, const std::string& code, const std::string& message) {
    LoopbackResponse response;
    response.status = status;
    response.headers = {{"x-ms-error-code", code}, {"Content-Type", "application/xml"}};
    response.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code +
                    "</Code><Message>" + message + "</Message></Error>";
    return response;
}

}  // namespace

FromUrlFront::FromUrlFront(std::string azurite_origin)
    : origin_(std::move(azurite_origin)),
      server_([this](const LoopbackRequest& request) { return Serve(request); }) {}

std::string FromUrlFront::blob_endpoint() const {
    return server_.url() + "/devstoreaccount1";
}

std::vector<FromUrlCall> FromUrlFront::calls() const {
    const std::lock_guard lock(mutex_);
    return calls_;
}

void FromUrlFront::OnCall(std::function<void(const FromUrlCall&)> hook) {
    const std::lock_guard lock(mutex_);
    hook_ = std::move(hook);
}

LoopbackResponse FromUrlFront::Serve(const LoopbackRequest& request) {
    const std::string copy_source = request.Header("x-ms-copy-source");
    // Copy Blob carries x-ms-copy-source too, but no x-ms-blob-type and no comp=block: only
    // the two From-URL calls are carried out here.
    const bool block = request.target.find("comp=block&") != std::string::npos ||
                       request.target.find("&comp=block") != std::string::npos;
    const bool from_url = request.method == "PUT" && !copy_source.empty() &&
                          (block || !request.Header("x-ms-blob-type").empty());
    Headers forward;
    for (const auto& [name, value] : request.headers) {
        if (SameName(name, "Host") || SameName(name, "Content-Length") ||
            SameName(name, "Connection") || SameName(name, "Authorization")) {
            continue;  // a Shared Key request cannot be forwarded changed; see the class comment
        }
        if (from_url &&
            (name.rfind("x-ms-copy-source", 0) == 0 || name.rfind("x-ms-source-", 0) == 0)) {
            continue;
        }
        forward.emplace_back(name, value);
    }
    if (!request.Header("Authorization").empty()) {
        return ErrorResponse(403, "AuthenticationFailed", "the test front takes SAS requests only");
    }

    std::string body = request.body;
    FromUrlCall call;
    if (from_url) {
        call.block = block;
        call.copy_source = copy_source;
        call.source_range = request.Header("x-ms-source-range");
        call.source_if_match = request.Header("x-ms-source-if-match");
        Headers source_headers;
        if (!call.source_range.empty()) source_headers.emplace_back("Range", call.source_range);
        if (!call.source_if_match.empty()) {
            source_headers.emplace_back("If-Match", call.source_if_match);
        }
        const std::string authorization = request.Header("x-ms-copy-source-authorization");
        if (!authorization.empty()) source_headers.emplace_back("Authorization", authorization);
        source_headers.emplace_back("x-ms-version", request.Header("x-ms-version"));
        RawResponse source = Exchange("GET", copy_source, source_headers, "");
        call.source_status = static_cast<int>(source.status);
        if (source.status == 412) {
            return ErrorResponse(412, "SourceConditionNotMet",
                                 "The source condition specified using HTTP conditional header(s) "
                                 "is not met.");
        }
        if (source.status != 200 && source.status != 206) {
            LoopbackResponse failed = ErrorResponse(409, "CannotVerifyCopySource", "source read");
            failed.headers.emplace_back("x-ms-copy-source-status-code",
                                        std::to_string(source.status));
            return failed;
        }
        body = std::move(source.body);
    }

    RawResponse answer = Exchange(request.method, origin_ + request.target, forward, body);
    LoopbackResponse response;
    response.status = static_cast<int>(answer.status);
    for (auto& [name, value] : answer.headers) {
        if (SameName(name, "Transfer-Encoding") || SameName(name, "Connection") ||
            SameName(name, "Keep-Alive") ||
            (SameName(name, "Content-Length") && request.method != "HEAD")) {
            continue;  // the loopback server frames the body itself
        }
        response.headers.emplace_back(std::move(name), std::move(value));
    }
    response.body = std::move(answer.body);
    if (from_url) {
        std::function<void(const FromUrlCall&)> hook;
        {
            const std::lock_guard lock(mutex_);
            calls_.push_back(call);
            hook = hook_;
        }
        if (hook) hook(call);
    }
    return response;
}

}  // namespace cerulean::azure::testing
