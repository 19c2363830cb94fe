#include "azure/pipeline.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <set>
#include <thread>

#include "azure/credential.hpp"
#include "azure/fake_transport.hpp"
#include "azure/service_version.hpp"
#include "azure/storage_error.hpp"

namespace cerulean::azure {
namespace {

using std::chrono::milliseconds;
using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Respond;
using Clock = std::chrono::steady_clock;

PipelineOptions FastRetries(int max_retries = 3) {
    PipelineOptions options;
    options.retry.max_retries = max_retries;
    options.retry.base_delay = milliseconds(1);
    options.retry.max_delay = milliseconds(5);
    options.retry.try_timeout = milliseconds(0);
    return options;
}

// Counts its calls and signs each try with the try's date, so that tests see re-signing.
class CountingCredential final : public Credential {
 public:
    [[nodiscard]] CredentialType type() const noexcept override {
        return CredentialType::kSharedKey;
    }
    void Authorize(HttpRequest& request, const CallOptions& /*call*/) const override {
        ++calls;
        SetHeader(request.headers, "Authorization",
                  "Test " + std::string(FindHeader(request.headers, "x-ms-date").value_or("")) +
                      " #" + std::to_string(calls.load()));
    }
    mutable std::atomic<int> calls{0};
};

HttpRequest Get(std::string url = "https://acct.blob.core.windows.net/c/b") {
    HttpRequest request;
    request.method = "GET";
    request.url = std::move(url);
    return request;
}

TEST(Pipeline, AddsVersionDateAndClientRequestIdToEveryTryAndSignsEachTry) {
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            return call < 3 ? Respond(503) : Respond(200);
        });
    auto credential = std::make_shared<CountingCredential>();
    const Pipeline pipeline(transport, credential, FastRetries());

    const HttpResponse response = pipeline.Send("GetBlob", Get(), {});

    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(credential->calls.load(), 3);
    const auto requests = transport->requests();
    ASSERT_EQ(requests.size(), 3U);
    std::set<std::string> authorizations;
    for (const auto& request : requests) {
        EXPECT_EQ(request.Header("x-ms-version"), kServiceVersion);
        EXPECT_FALSE(request.Header("x-ms-date").empty());
        EXPECT_EQ(request.Header("x-ms-client-request-id").size(), 36U);
        EXPECT_EQ(request.Header("x-ms-client-request-id"),
                  requests[0].Header("x-ms-client-request-id"));
        authorizations.insert(request.Header("Authorization"));
        EXPECT_TRUE(request.Header("Content-Length").empty()) << "GET sends no Content-Length";
    }
    EXPECT_EQ(authorizations.size(), 3U) << "each try is signed anew";
}

TEST(Pipeline, GivesEachCallItsOwnClientRequestId) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return Respond(200); });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    pipeline.Send("A", Get(), {});
    pipeline.Send("B", Get(), {});
    const auto requests = transport->requests();
    EXPECT_NE(requests[0].Header("x-ms-client-request-id"),
              requests[1].Header("x-ms-client-request-id"));
}

TEST(Pipeline, SendsContentLengthForPutAndPostEvenWhenEmpty) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return Respond(201); });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    HttpRequest put = Get();
    put.method = "PUT";
    pipeline.Send("CreateContainer", put, {});
    HttpRequest post = Get();
    post.method = "POST";
    post.body = RequestBody::FromBytes("hello");
    pipeline.Send("Post", post, {});
    const auto requests = transport->requests();
    EXPECT_EQ(requests[0].Header("Content-Length"), "0");
    EXPECT_EQ(requests[1].Header("Content-Length"), "5");
    EXPECT_EQ(requests[1].body, "hello");
}

TEST(Pipeline, OmitsStorageHeadersWhenAskedTo) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return Respond(200); });
    PipelineOptions options = FastRetries();
    options.storage_headers = false;
    const Pipeline pipeline(transport, nullptr, options);
    pipeline.Send("Token", Get(), {});
    const auto request = transport->requests().at(0);
    EXPECT_TRUE(request.Header("x-ms-version").empty());
    EXPECT_TRUE(request.Header("x-ms-date").empty());
}

TEST(Pipeline, HonoursRetryAfterOnA503) {
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            return call == 1 ? Respond(503, {{"x-ms-retry-after-ms", "200"}}) : Respond(200);
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    const auto start = Clock::now();
    EXPECT_EQ(pipeline.Send("GetBlob", Get(), {}).status, 200);
    EXPECT_GE(Clock::now() - start, milliseconds(200));
    EXPECT_EQ(transport->count(), 2U);
}

TEST(Pipeline, RetriesEachTransientStatusAndGivesUpAfterMaxRetries) {
    for (const int status : {408, 429, 500, 502, 503, 504}) {
        auto transport = std::make_shared<FakeTransport>(
            [status](const HttpRequest&, const TryControl&, int) { return Respond(status); });
        const Pipeline pipeline(transport, nullptr, FastRetries(3));
        EXPECT_EQ(pipeline.Send("GetBlob", Get(), {}).status, status);
        EXPECT_EQ(transport->count(), 4U) << status;
    }
}

TEST(Pipeline, DoesNotRetryOtherStatuses) {
    for (const int status : {400, 401, 403, 404, 409, 412, 501}) {
        auto transport = std::make_shared<FakeTransport>(
            [status](const HttpRequest&, const TryControl&, int) { return Respond(status); });
        const Pipeline pipeline(transport, nullptr, FastRetries(3));
        EXPECT_EQ(pipeline.Send("GetBlob", Get(), {}).status, status);
        EXPECT_EQ(transport->count(), 1U) << status;
    }
}

TEST(Pipeline, RetriesANonIdempotentRequestOnlyWhenTheServiceRefusedIt) {
    for (const auto& [status, tries] : std::vector<std::pair<int, std::size_t>>{
             {500, 1}, {502, 1}, {504, 1}, {408, 1}, {503, 3}, {429, 3}}) {
        auto transport =
            std::make_shared<FakeTransport>([status = status](const HttpRequest&, const TryControl&,
                                                              int) { return Respond(status); });
        const Pipeline pipeline(transport, nullptr, FastRetries(2));
        HttpRequest request = Get();
        request.method = "POST";
        request.idempotent = false;
        pipeline.Send("Post", request, {});
        EXPECT_EQ(transport->count(), tries) << status;
    }
}

TEST(Pipeline, RetriesConnectFailuresEvenWhenNotIdempotent) {
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            if (call < 3) throw TransportError(TransportFailure::kConnect, "connection refused");
            return Respond(201);
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    HttpRequest request = Get();
    request.method = "PUT";
    request.idempotent = false;
    const HttpResponse response = pipeline.Send("PutBlob", request, {});
    EXPECT_EQ(response.status, 201);
    EXPECT_FALSE(response.after_ambiguous_failure) << "nothing reached the server";
    EXPECT_EQ(transport->count(), 3U);
}

TEST(Pipeline, DoesNotResendANonIdempotentRequestAfterABrokenExchange) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) -> HttpResponse {
            throw TransportError(TransportFailure::kNetwork, "connection reset by peer");
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    HttpRequest request = Get();
    request.method = "PUT";
    request.idempotent = false;
    try {
        pipeline.Send("CopyBlob", request, {});
        FAIL() << "expected a StorageError";
    } catch (const StorageError& error) {
        EXPECT_EQ(error.reason(), "azure_unreachable");
        EXPECT_EQ(error.code(), core::ErrorCode::kUnavailable);
    }
    EXPECT_EQ(transport->count(), 1U);
}

TEST(Pipeline, MarksAnswersThatFollowAnAmbiguousFailure) {
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            if (call == 1) throw TransportError(TransportFailure::kTimeout, "timed out");
            return Respond(404);
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    HttpRequest request = Get();
    request.method = "DELETE";
    EXPECT_TRUE(pipeline.Send("DeleteBlob", request, {}).after_ambiguous_failure);

    auto refused =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            return call == 1 ? Respond(503) : Respond(404);
        });
    const Pipeline pipeline2(refused, nullptr, FastRetries());
    EXPECT_FALSE(pipeline2.Send("DeleteBlob", request, {}).after_ambiguous_failure);
}

TEST(Pipeline, MapsExhaustedConnectFailuresToUnreachable) {
    auto transport = std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&,
                                                        int) -> HttpResponse {
        throw TransportError(TransportFailure::kConnect, "Failed to connect to 127.0.0.1 port 1");
    });
    const Pipeline pipeline(transport, nullptr, FastRetries(2));
    try {
        pipeline.Send("GetAccountInfo", Get(), {});
        FAIL();
    } catch (const StorageError& error) {
        EXPECT_EQ(error.kind(), StorageErrorKind::kUnreachable);
        EXPECT_EQ(error.reason(), "azure_unreachable");
        EXPECT_EQ(error.status(), 0);
        EXPECT_FALSE(error.client_request_id().empty());
    }
    EXPECT_EQ(transport->count(), 3U);
}

TEST(Pipeline, MapsTimeoutsToAzureTimeout) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) -> HttpResponse {
            throw TransportError(TransportFailure::kTimeout, "Operation timed out");
        });
    const Pipeline pipeline(transport, nullptr, FastRetries(1));
    try {
        pipeline.Send("GetBlob", Get(), {});
        FAIL();
    } catch (const StorageError& error) {
        EXPECT_EQ(error.code(), core::ErrorCode::kDeadlineExceeded);
        EXPECT_EQ(error.reason(), "azure_timeout");
    }
}

TEST(Pipeline, StopsRetryingWhenTheNextWaitWouldPassTheDeadline) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) -> HttpResponse {
            throw TransportError(TransportFailure::kConnect, "connection refused");
        });
    PipelineOptions options = FastRetries(100);
    options.retry.base_delay = milliseconds(100);
    options.retry.max_delay = milliseconds(100);
    const Pipeline pipeline(transport, nullptr, options);
    const auto start = Clock::now();
    EXPECT_THROW(pipeline.Send("GetBlob", Get(), CallOptions::WithTimeout(milliseconds(350))),
                 StorageError);
    EXPECT_LT(Clock::now() - start, milliseconds(350));
    EXPECT_GE(transport->count(), 2U);
    EXPECT_LE(transport->count(), 5U);
}

TEST(Pipeline, ReturnsTheAnswerWhenRetryAfterExceedsTheDeadline) {
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int) {
            return Respond(503, {{"Retry-After", "30"}});
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    const auto start = Clock::now();
    EXPECT_EQ(pipeline.Send("GetBlob", Get(), CallOptions::WithTimeout(milliseconds(2000))).status,
              503);
    EXPECT_LT(Clock::now() - start, milliseconds(1000));
    EXPECT_EQ(transport->count(), 1U);
}

TEST(Pipeline, GivesEachTryTheSmallerOfTryTimeoutAndDeadline) {
    std::vector<Clock::time_point> deadlines;
    auto transport =
        std::make_shared<FakeTransport>([&](const HttpRequest&, const TryControl& control, int) {
            deadlines.push_back(control.deadline);
            return Respond(200);
        });
    PipelineOptions options = FastRetries();
    options.retry.try_timeout = milliseconds(500);
    const Pipeline pipeline(transport, nullptr, options);
    const auto before = Clock::now();
    pipeline.Send("A", Get(), {});
    pipeline.Send("B", Get(), CallOptions::WithTimeout(milliseconds(100)));
    CallOptions longer;
    longer.try_timeout = milliseconds(5000);
    pipeline.Send("C", Get(), longer);
    ASSERT_EQ(deadlines.size(), 3U);
    EXPECT_LE(deadlines[0] - before, milliseconds(600));
    EXPECT_GE(deadlines[0] - before, milliseconds(500));
    EXPECT_LE(deadlines[1] - before, milliseconds(150));
    EXPECT_GE(deadlines[2] - before, milliseconds(5000));
}

TEST(Pipeline, FailsAtOnceWhenTheDeadlineHasPassed) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return Respond(200); });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    CallOptions call;
    call.deadline = Clock::now() - milliseconds(1);
    try {
        pipeline.Send("GetBlob", Get(), call);
        FAIL();
    } catch (const StorageError& error) {
        EXPECT_EQ(error.reason(), "azure_timeout");
    }
    EXPECT_EQ(transport->count(), 0U);
}

TEST(Pipeline, CancelsDuringABackoffWait) {
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int) {
            return Respond(503, {{"Retry-After", "20"}});
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    std::stop_source stop;
    CallOptions call;
    call.stop = stop.get_token();
    std::thread canceller([&] {
        std::this_thread::sleep_for(milliseconds(100));
        stop.request_stop();
    });
    const auto start = Clock::now();
    try {
        pipeline.Send("GetBlob", Get(), call);
        FAIL();
    } catch (const StorageError& error) {
        EXPECT_EQ(error.kind(), StorageErrorKind::kCancelled);
        EXPECT_EQ(error.reason(), "cancelled");
    }
    canceller.join();
    EXPECT_LT(Clock::now() - start, milliseconds(5000));
}

class VectorStream final : public BodyStream {
 public:
    VectorStream(std::string data, bool rewindable)
        : data_(std::move(data)), rewindable_(rewindable) {}
    std::size_t Read(char* buffer, std::size_t size) override {
        const std::size_t n = std::min(size, data_.size() - offset_);
        std::memcpy(buffer, data_.data() + offset_, n);
        offset_ += n;
        return n;
    }
    bool Rewind() override {
        ++rewinds;
        if (!rewindable_) return false;
        offset_ = 0;
        return true;
    }
    int rewinds = 0;

 private:
    std::string data_;
    bool rewindable_;
    std::size_t offset_ = 0;
};

TEST(Pipeline, RewindsAStreamedBodyBeforeARetry) {
    VectorStream stream("0123456789", true);
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            return call == 1 ? Respond(500) : Respond(201);
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    HttpRequest request = Get();
    request.method = "PUT";
    request.body = RequestBody::FromStream(stream, 10);
    EXPECT_EQ(pipeline.Send("PutBlock", request, {}).status, 201);
    EXPECT_EQ(stream.rewinds, 1);
    const auto requests = transport->requests();
    ASSERT_EQ(requests.size(), 2U);
    EXPECT_EQ(requests[1].body, "0123456789");
    EXPECT_EQ(requests[1].Header("Content-Length"), "10");
}

TEST(Pipeline, DoesNotRetryAStreamThatCannotRewind) {
    VectorStream stream("0123456789", false);
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) { return Respond(500); });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    HttpRequest request = Get();
    request.method = "PUT";
    request.body = RequestBody::FromStream(stream, 10);
    EXPECT_EQ(pipeline.Send("PutBlock", request, {}).status, 500);
    EXPECT_EQ(transport->count(), 1U);
}

TEST(Pipeline, RetriesAStreamThatWasNotReadYetWithoutRewinding) {
    VectorStream stream("abc", false);
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            if (call == 1) throw TransportError(TransportFailure::kConnect, "refused", 0, 0);
            return Respond(201);
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    HttpRequest request = Get();
    request.method = "PUT";
    request.body = RequestBody::FromStream(stream, 3);
    EXPECT_EQ(pipeline.Send("PutBlob", request, {}).status, 201);
    EXPECT_EQ(stream.rewinds, 0);
}

TEST(Pipeline, StreamsABodyFromCallbacks) {
    const std::string data = "streamed through a callback";
    std::size_t offset = 0;
    CallbackBodyStream stream(
        [&](char* buffer, std::size_t size) {
            const std::size_t n = std::min<std::size_t>({size, 5, data.size() - offset});
            std::memcpy(buffer, data.data() + offset, n);
            offset += n;
            return n;
        },
        [&] {
            offset = 0;
            return true;
        });
    auto transport =
        std::make_shared<FakeTransport>([](const HttpRequest&, const TryControl&, int call) {
            return call == 1 ? Respond(503) : Respond(201);
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    HttpRequest request = Get();
    request.method = "PUT";
    request.body = RequestBody::FromStream(stream, data.size());
    EXPECT_EQ(pipeline.Send("PutBlob", request, {}).status, 201);
    const auto requests = transport->requests();
    ASSERT_EQ(requests.size(), 2U);
    EXPECT_EQ(requests[0].body, data);
    EXPECT_EQ(requests[1].body, data) << "rewound through the callback";
}

TEST(Pipeline, DoesNotRetryAfterBodyBytesReachedTheSink) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) -> HttpResponse {
            throw TransportError(TransportFailure::kNetwork, "reset", 0, 1234);
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    ResponseSink sink;
    sink.on_body = [](std::string_view) {};
    EXPECT_THROW(pipeline.Send("GetBlob", Get(), {}, &sink), StorageError);
    EXPECT_EQ(transport->count(), 1U);
}

TEST(Pipeline, LetsExceptionsOfTheCallerThrough) {
    auto transport = std::make_shared<FakeTransport>(
        [](const HttpRequest&, const TryControl&, int) -> HttpResponse {
            throw std::runtime_error("disk full");
        });
    const Pipeline pipeline(transport, nullptr, FastRetries());
    EXPECT_THROW(pipeline.Send("GetBlob", Get(), {}), std::runtime_error);
    EXPECT_EQ(transport->count(), 1U);
}

TEST(RequestId, IsAVersion4Uuid) {
    const std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 36U);
    EXPECT_EQ(id[8], '-');
    EXPECT_EQ(id[14], '4');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
    EXPECT_NE(NewRequestId(), id);
}

}  // namespace
}  // namespace cerulean::azure
