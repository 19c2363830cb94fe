#include "from_url_front.hpp"

#include <utility>

#include "azure/http_header.hpp"
#include "azure/transport.hpp"

namespace cerulean::azure::testing {
namespace {

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
    HttpHeaders forward;
    for (const auto& [name, value] : request.headers) {
        if (HeaderNameEquals(name, "Host") || HeaderNameEquals(name, "Content-Length") ||
            HeaderNameEquals(name, "Connection") || HeaderNameEquals(name, "Authorization")) {
            continue;  // a Shared Key request cannot be forwarded changed; see the class comment
        }
        if (from_url &&
            (name.rfind("x-ms-copy-source", 0) == 0 || name.rfind("x-ms-source-", 0) == 0)) {
            continue;
        }
        forward.push_back({name, value});
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
        HttpRequest get{"GET", copy_source, {}, {}};
        if (!call.source_range.empty()) get.headers.push_back({"Range", call.source_range});
        if (!call.source_if_match.empty()) {
            get.headers.push_back({"If-Match", call.source_if_match});
        }
        const std::string authorization = request.Header("x-ms-copy-source-authorization");
        if (!authorization.empty()) get.headers.push_back({"Authorization", authorization});
        get.headers.push_back({"x-ms-version", request.Header("x-ms-version")});
        HttpResponse source = transport_.Send(get, {});
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

    HttpRequest out{request.method, origin_ + request.target, std::move(forward),
                    RequestBody::FromBytes(body)};
    HttpResponse answer = transport_.Send(out, {});
    LoopbackResponse response;
    response.status = static_cast<int>(answer.status);
    for (auto& [name, value] : answer.headers) {
        if (HeaderNameEquals(name, "Transfer-Encoding") || HeaderNameEquals(name, "Connection") ||
            HeaderNameEquals(name, "Keep-Alive") ||
            (HeaderNameEquals(name, "Content-Length") && request.method != "HEAD")) {
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
