// Observability through a real listening server: GET /metrics (route templates as labels,
// exact counts, Azure calls by operation and status, the bearer token), the request id from the
// client to the storage account's x-ms-client-request-id, JSON access log lines, and /readyz's
// queue check.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/blob_fixture.hpp"
#include "azure/loopback_http_server.hpp"
#include "core/log.hpp"
#include "jobs/worker.hpp"
#include "support/net.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {
namespace {

using azure::testing::LoopbackHttpServer;
using azure::testing::LoopbackRequest;
using azure::testing::LoopbackResponse;

constexpr std::string_view kMetricsToken = "metrics-token-0123456789";
constexpr std::string_view kEmail = "alice.observed@example.com";

// A raw HTTP/1.1 response split up.
struct Raw {
    int status = 0;
    std::string head;
    std::string body;

    // The value of header `name` (case-insensitive), "" when absent.
    [[nodiscard]] std::string Header(std::string_view name) const {
        std::istringstream lines(head);
        std::string line;
        while (std::getline(lines, line)) {
            const auto colon = line.find(':');
            if (colon != name.size()) continue;
            if (!http::EqualsIgnoreCase(std::string_view(line).substr(0, colon), name)) continue;
            std::string value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
            while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) {
                value.pop_back();
            }
            return value;
        }
        return {};
    }
};

Raw Parse(const std::string& response) {
    Raw raw;
    const auto end = response.find("\r\n\r\n");
    if (response.size() < 12 || end == std::string::npos) return raw;
    raw.status = std::stoi(response.substr(9, 3));
    raw.head = response.substr(0, end + 2);
    raw.body = response.substr(end + 4);
    return raw;
}

// The value of the sample `series` (name and labels exactly as rendered) in `text`; 0 when
// there is no such line yet.
double Sample(const std::string& text, const std::string& series) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
            line[series.size()] == ' ') {
            return std::stod(line.substr(series.size() + 1));
        }
    }
    return 0;
}

// A storage account that answers List Containers, List Blobs (empty) and Get Blob Properties
// (404), the first request with 503 Server Busy when asked to, and keeps the x-ms-client-request-id
// of each request.
class FakeStorage {
 public:
    FakeStorage() : server_([this](const LoopbackRequest& request) { return Answer(request); }) {}

    [[nodiscard]] std::string endpoint() const { return server_.url() + "/devstoreaccount1"; }

    void BusyOnce() { busy_once_ = true; }

    [[nodiscard]] std::vector<std::string> client_request_ids() const {
        const std::lock_guard lock(mutex_);
        return ids_;
    }

 private:
    LoopbackResponse Answer(const LoopbackRequest& request) {
        {
            const std::lock_guard lock(mutex_);
            ids_.push_back(request.Header("x-ms-client-request-id"));
        }
        if (busy_once_.exchange(false)) {
            return {503,
                    {{"x-ms-error-code", "ServerBusy"}, {"x-ms-retry-after-ms", "1"}},
                    "",
                    std::nullopt};
        }
        if (request.method == "HEAD") {
            return {404, {{"x-ms-error-code", "BlobNotFound"}}, "", std::nullopt};
        }
        if (request.target.find("restype=container") != std::string::npos) {  // List Blobs
            return {200,
                    {{"Content-Type", "application/xml"}},
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults><Blobs>"
                    "</Blobs><NextMarker/></EnumerationResults>",
                    std::nullopt};
        }
        return {200,
                {{"Content-Type", "application/xml"}},
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults><Containers>"
                "</Containers><NextMarker/></EnumerationResults>",
                std::nullopt};
    }

    std::atomic<bool> busy_once_{false};
    mutable std::mutex mutex_;
    std::vector<std::string> ids_;
    LoopbackHttpServer server_;  // last: stopped before what its handler uses
};

// Lines written to standard error while it lives go to a file instead (the log's own
// destination), as JSON lines.
class CapturedLog {
 public:
    CapturedLog() {
        fflush(stderr);
        saved_ = ::dup(STDERR_FILENO);
        const int fd = ::open(path_.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_APPEND, 0600);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
        core::log::SetFormat(core::log::LogFormat::kJson);
    }
    ~CapturedLog() {
        core::log::SetFormat(core::log::LogFormat::kText);
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
    }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;

    // Everything written so far.
    [[nodiscard]] std::string Text() const {
        std::ifstream in(path_);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    // The access log line of the request with `request_id`, parsed, once it is written (it
    // follows the response), or null after 5 s.
    boost::json::object AccessLine(const std::string& request_id) const {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::chrono::steady_clock::now() < deadline) {
            std::ifstream in(path_);
            std::string line;
            while (std::getline(in, line)) {
                const boost::json::value value = boost::json::parse(line);  // every line parses
                const auto& object = value.as_object();
                if (object.at("msg") == "http.request" &&
                    object.at("request_id").as_string() == request_id) {
                    return object;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return {};
    }

 private:
    TempDir dir_{"cerulean-log"};
    std::string path_ = (dir_.path() / "stderr.log").string();
    int saved_ = -1;
};

class MetricsApiTest : public ApiTest {
 protected:
    void Configure(api::AppOptions& options) override {
        options.metrics_cache = std::chrono::milliseconds(0);  // every scrape asks the database
        options.sync_jobs.sync_root = sync_root_.path();
    }

    void SetUp() override {
        ApiTest::SetUp();
        server_ = std::make_unique<LiveServer>(*app_, /*access_log=*/true);
        token_ = SignUp(std::string(kEmail));
        const auto created =
            Json("POST", "/api/v1/azure_blob/connections",
                 {{"name", "observed"},
                  {"auth_type", "account_key"},
                  {"account_name", "devstoreaccount1"},
                  {"endpoint", storage_.endpoint()},
                  {"credentials", {{"account_key", "a2V5LWZvci1hLWZha2UtYWNjb3VudA=="}}}},
                 token_);
        ASSERT_EQ(created.status, 201) << created.body;
        connection_ = std::to_string(created["id"].as_int64());
    }

    void TearDown() override { server_.reset(); }

    Raw Get(const std::string& target, const std::string& headers = {}) {
        return Parse(HttpCall(server_->port(), "GET", target, {}, headers));
    }

    Raw AsAlice(const std::string& target, const std::string& headers = {}) {
        return Get(target, "Authorization: Bearer " + token_ + "\r\n" + headers);
    }

    std::string Metrics() {
        const Raw raw = Get("/metrics");
        EXPECT_EQ(raw.status, 200);
        return raw.body;
    }

    TempDir sync_root_{"cerulean-sync-root"};
    FakeStorage storage_;
    std::unique_ptr<LiveServer> server_;
    std::string token_;
    std::string connection_;
};

TEST_P(MetricsApiTest, CountsRequestsExactlyByRouteTemplateAndStatus) {
    const std::string healthz =
        R"(cerulean_http_requests_total{method="GET",route="/healthz",status="200"})";
    const double before = Sample(Metrics(), healthz);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("/healthz").status, 200);
    const std::string text = Metrics();
    EXPECT_EQ(Sample(text, healthz), before + 3);
    EXPECT_NE(text.find("# TYPE cerulean_http_requests_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE cerulean_http_request_duration_seconds histogram\n"),
              std::string::npos);
    EXPECT_GE(
        Sample(text,
               R"(cerulean_http_request_duration_seconds_count{method="GET",route="/healthz"})"),
        3);
    EXPECT_GE(
        Sample(text, R"(cerulean_http_response_body_bytes_total{method="GET",route="/healthz"})"),
        3 * std::string_view(R"({"status":"ok"})").size());
    for (const char* family :
         {"cerulean_azure_requests_total", "cerulean_azure_retries_total",
          "cerulean_azure_throttled_total", "cerulean_db_pool_wait_seconds",
          "cerulean_sync_queue_depth", "cerulean_sync_active_leases",
          "cerulean_sync_runs_finished_total", "cerulean_http_open_connections"}) {
        EXPECT_NE(text.find(std::string("# TYPE ") + family + " "), std::string::npos) << family;
    }
}

TEST_P(MetricsApiTest, LabelsNeverHoldAnIdABlobNameOrAnEmail) {
    const std::string series = R"(cerulean_http_requests_total{method="GET",)"
                               R"(route="/api/v1/azure_blob/connections/{id}/blobs/properties",)"
                               R"(status="404"})";
    const double before = Sample(Metrics(), series);
    const Raw missing = AsAlice("/api/v1/azure_blob/connections/" + connection_ +
                                "/blobs/properties?container=plans&name=merger-plans-2027.pdf");
    EXPECT_EQ(missing.status, 404) << missing.body;
    const Raw unknown = Get("/api/v1/no/such/secret-name-xyz");
    EXPECT_EQ(unknown.status, 404);
    const std::string text = Metrics();
    EXPECT_EQ(Sample(text, series), before + 1);
    EXPECT_GE(
        Sample(text,
               R"(cerulean_http_requests_total{method="GET",route="unmatched",status="404"})"),
        1);
    for (const std::string& leak : {std::string("merger-plans"), std::string("secret-name-xyz"),
                                    std::string(kEmail), "/connections/" + connection_, token_}) {
        EXPECT_EQ(text.find(leak), std::string::npos) << leak;
    }
}

TEST_P(MetricsApiTest, AzureCallsAreCountedByOperationWithRetriesAndThrottling) {
    const std::string ok =
        R"(cerulean_azure_requests_total{operation="ListContainers",status="200"})";
    const std::string busy =
        R"(cerulean_azure_requests_total{operation="ListContainers",status="503"})";
    const std::string retried =
        R"(cerulean_azure_retries_total{operation="ListContainers",reason="503"})";
    const std::string throttled =
        R"(cerulean_azure_throttled_total{operation="ListContainers",status="503"})";
    const std::string before = Metrics();
    storage_.BusyOnce();
    const Raw listed = AsAlice("/api/v1/azure_blob/connections/" + connection_ + "/containers");
    EXPECT_EQ(listed.status, 200) << listed.body;
    const std::string after = Metrics();
    EXPECT_EQ(Sample(after, ok), Sample(before, ok) + 1);
    EXPECT_EQ(Sample(after, busy), Sample(before, busy) + 1);
    EXPECT_EQ(Sample(after, retried), Sample(before, retried) + 1);
    EXPECT_EQ(Sample(after, throttled), Sample(before, throttled) + 1);
}

TEST_P(MetricsApiTest, TheRequestIdFollowsTheRequestToAzureAndIntoTheLog) {
    const CapturedLog log;
    const std::string id = "trace-42.a:b_C";
    const Raw listed = AsAlice("/api/v1/azure_blob/connections/" + connection_ + "/containers",
                               "X-Request-Id: " + id + "\r\n");
    EXPECT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(listed.Header("X-Request-Id"), id);
    const auto ids = storage_.client_request_ids();
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.back(), id);

    const boost::json::object line = log.AccessLine(id);
    ASSERT_FALSE(line.empty()) << "no access log line for " << id;
    EXPECT_EQ(line.at("level"), "info");
    EXPECT_TRUE(core::ParseRfc3339(std::string(line.at("ts").as_string())).has_value());
    EXPECT_EQ(line.at("method"), "GET");
    EXPECT_EQ(line.at("route"), "/api/v1/azure_blob/connections/{id}/containers");
    EXPECT_EQ(line.at("status").as_int64(), 200);
    EXPECT_TRUE(line.at("duration_ms").is_number());
    EXPECT_EQ(line.at("bytes_in").as_int64(), 0);
    EXPECT_EQ(line.at("bytes_out").as_int64(), static_cast<std::int64_t>(listed.body.size()));
    const auto me = Call("GET", "/api/v1/users/me", {}, token_);
    EXPECT_EQ(line.at("user_id").as_int64(), me["id"].as_int64());
    EXPECT_EQ(log.Text().find(token_), std::string::npos);  // nor a secret
}

TEST_P(MetricsApiTest, AnInvalidIncomingRequestIdIsReplaced) {
    const CapturedLog log;
    for (const std::string& bad : {std::string("has spaces in it"), std::string(129, 'a'),
                                   std::string("quote\"d"), std::string("semi;colon")}) {
        SCOPED_TRACE(bad);
        const Raw answer = AsAlice("/api/v1/azure_blob/connections/" + connection_ + "/containers",
                                   "X-Request-Id: " + bad + "\r\n");
        EXPECT_EQ(answer.status, 200);
        const std::string made = answer.Header("X-Request-Id");
        EXPECT_NE(made, bad);
        EXPECT_FALSE(made.empty());
        EXPECT_EQ(made.find_first_not_of("0123456789abcdef"), std::string::npos) << made;
        EXPECT_EQ(storage_.client_request_ids().back(), made);
        EXPECT_FALSE(log.AccessLine(made).empty());
    }
    // Errors carry it too.
    const Raw refused = Get("/api/v1/users/me", "X-Request-Id: err-1\r\n");
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(refused.Header("X-Request-Id"), "err-1");
}

TEST_P(MetricsApiTest, QueueGaugesComeFromTheDatabase) {
    const auto created =
        Json("POST", "/api/v1/azure_blob/connections/" + connection_ + "/sync_jobs",
             {{"direction", "download"}, {"container", "docs"}, {"local_path", "team-a"}}, token_);
    ASSERT_EQ(created.status, 202) << created.body;
    const std::string text = Metrics();
    EXPECT_EQ(Sample(text, R"(cerulean_sync_runs{status="queued"})"), 1);
    EXPECT_EQ(Sample(text, R"(cerulean_sync_runs{status="running"})"), 0);
    EXPECT_EQ(Sample(text, "cerulean_sync_queue_depth"), 1);
    EXPECT_EQ(Sample(text, "cerulean_sync_active_leases"), 0);
    EXPECT_EQ(Sample(text, "cerulean_database_up"), 1);
}

TEST_P(MetricsApiTest, ASyncRunSendsItsIdToAzureAndIsCountedWhenItEnds) {
    const std::string succeeded = R"(cerulean_sync_runs_finished_total{status="succeeded"})";
    const double before = Sample(Metrics(), succeeded);
    const std::string jobs = "/api/v1/azure_blob/connections/" + connection_ + "/sync_jobs";
    const auto created =
        Json("POST", jobs,
             {{"direction", "download"}, {"container", "docs"}, {"local_path", "team-b"}}, token_);
    ASSERT_EQ(created.status, 202) << created.body;
    const std::string job = jobs + "/" + std::to_string(created["id"].as_int64());

    jobs::WorkerOptions options;
    options.runs = 1;
    options.poll = std::chrono::milliseconds(20);
    options.jobs.sync_root = sync_root_.path();
    jobs::Worker worker(db_, app_->connections(), options);
    worker.Start();
    ApiResponse state;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    do {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        state = Call("GET", job, {}, token_);
    } while ((state["status"] == "queued" || state["status"] == "running") &&
             std::chrono::steady_clock::now() < deadline);
    worker.Stop(std::chrono::milliseconds(0));
    ASSERT_EQ(state["status"], "succeeded") << state.body;

    const auto runs = Call("GET", job + "/runs", {}, token_);
    ASSERT_EQ(runs.status, 200) << runs.body;
    const std::string run_id =
        "run-" + std::to_string(runs["items"].as_array().at(0).at("id").as_int64());
    const auto ids = storage_.client_request_ids();
    EXPECT_NE(std::find(ids.begin(), ids.end(), run_id), ids.end()) << run_id;
    EXPECT_EQ(Sample(Metrics(), succeeded), before + 1);
}

TEST_P(MetricsApiTest, ReadyzSaysWhetherTheQueueIsServedHere) {
    const auto elsewhere = Call("GET", "/readyz");
    ASSERT_EQ(elsewhere.status, 200) << elsewhere.body;
    EXPECT_EQ(elsewhere["checks"].at("database"), "ok");
    EXPECT_EQ(elsewhere["checks"].at("queue"), "elsewhere");

    jobs::WorkerOptions options;
    options.runs = 1;
    options.poll = std::chrono::milliseconds(20);
    options.lease = std::chrono::milliseconds(400);
    options.jobs.sync_root = sync_root_.path();
    jobs::Worker worker(db_, app_->connections(), options);
    worker.Start();
    app_->AttachWorker(&worker);
    const auto served = Call("GET", "/readyz");
    EXPECT_EQ(served.status, 200) << served.body;
    EXPECT_EQ(served["checks"].at("queue"), "served");

    worker.Stop(std::chrono::milliseconds(0));
    const auto stalled = Call("GET", "/readyz");
    EXPECT_EQ(stalled.status, 503) << stalled.body;
    EXPECT_EQ(stalled["code"], "not_ready");
    EXPECT_EQ(stalled["detail"], "queue: stalled");
    EXPECT_EQ(stalled["checks"].at("database"), "ok");
    EXPECT_EQ(stalled["checks"].at("queue"), "stalled");
    app_->AttachWorker(nullptr);
}

class ProtectedMetricsTest : public MetricsApiTest {
 protected:
    void Configure(api::AppOptions& options) override {
        MetricsApiTest::Configure(options);
        options.metrics_token = std::string(kMetricsToken);
    }
};

TEST_P(ProtectedMetricsTest, MetricsNeedTheBearerToken) {
    const Raw none = Get("/metrics");
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.Header("WWW-Authenticate"), "Bearer");
    EXPECT_EQ(none.body.find("cerulean_"), std::string::npos);
    const Raw wrong = Get("/metrics", "Authorization: Bearer metrics-token-0123456780\r\n");
    EXPECT_EQ(wrong.status, 401);
    const Raw user = AsAlice("/metrics");  // a user's token is not the metrics token
    EXPECT_EQ(user.status, 401);
    const Raw right =
        Get("/metrics", "Authorization: Bearer " + std::string(kMetricsToken) + "\r\n");
    EXPECT_EQ(right.status, 200);
    EXPECT_EQ(right.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(right.body.find("# TYPE cerulean_http_requests_total counter"), std::string::npos);
    EXPECT_EQ(right.body.find(kMetricsToken), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, MetricsApiTest, ::testing::Values(store::Dialect::kSqlite),
                         DialectName);
INSTANTIATE_TEST_SUITE_P(Sqlite, ProtectedMetricsTest, ::testing::Values(store::Dialect::kSqlite),
                         DialectName);

}  // namespace
}  // namespace cerulean::testing
