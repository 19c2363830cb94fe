// GET /metrics, /healthz and /readyz of `cerulean worker` processes (issue 14), on the address
// CERULEAN_WORKER_LISTEN names: real processes sharing PostgreSQL with a `cerulean serve`
// that runs no workers itself, and the shared Azurite as their storage account.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/cluster_fixture.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The series of a Prometheus text exposition whose name starts with `prefix`: the series
// (name and labels, exactly as written) -> its value.
std::map<std::string, std::string> Series(const std::string& text, std::string_view prefix) {
    std::map<std::string, std::string> series;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(at, end - at);
        at = end + 1;
        if (!line.starts_with(prefix)) continue;
        const std::size_t space = line.rfind(' ');
        if (space != std::string::npos) series[line.substr(0, space)] = line.substr(space + 1);
    }
    return series;
}

class WorkerMetricsTest : public ClusterTest {
 protected:
    void SetUp() override {
        ClusterTest::SetUp();
        url_ = SharedPostgres().CreateDatabase(UniqueName("wmetrics"));
        env_ = {{"CERULEAN_DATABASE_URL", url_},
                {"CERULEAN_MASTER_KEYS", "k1:" + std::string(43, 'K') + "="},
                {"CERULEAN_JWT_SECRET", std::string(48, 's')},
                {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"},
                {"CERULEAN_SYNC_ROOT", (dir_.path() / "sync-root").string()}};
    }

    // `cerulean serve` without workers of its own; its port.
    int StartServer() {
        Env env = env_;
        env.emplace_back("CERULEAN_WORKERS", "0");
        return StartServe(env, "serve");
    }

    // A `cerulean worker` (one run at a time) answering on a free port, with `extra`
    // settings; the port.
    int StartWorker(const Env& extra = {}) {
        const int port = FreeLoopbackPort();
        Env env = env_;
        env.emplace_back("CERULEAN_WORKERS", "1");
        env.emplace_back("CERULEAN_WORKER_LISTEN", "127.0.0.1:" + std::to_string(port));
        env.insert(env.end(), extra.begin(), extra.end());
        worker_ =
            &Start({"worker"}, env, "worker", dir_.path() / "worker", "Cerulean worker is running");
        EXPECT_TRUE(WaitForTcp(port, 10s)) << worker_->LogTail();
        return port;
    }

    // A download job of everything below `prefix` in the container, queued at once; its id.
    std::int64_t QueueDownload(const std::string& prefix) {
        const auto created = Request(server_port_, "POST", JobsPath(connection_), token_,
                                     {{"direction", "download"},
                                      {"container", container_},
                                      {"prefix", prefix},
                                      {"local_path", "mirror"}});
        EXPECT_EQ(created.status, 202) << created.raw;
        const auto& id = Field(created, "id");
        return id.is_int64() ? id.as_int64() : 0;
    }

    // GET /metrics of the worker until `series` has `value` (the queue figures are reused for
    // up to 5 s); the last text read.
    std::string MetricsOnceShowing(int port, const std::string& prefix, const std::string& series,
                                   const std::string& value) {
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        std::string text;
        for (;;) {
            text = Request(port, "GET", "/metrics").body();
            const auto found = Series(text, prefix);
            const auto it = found.find(series);
            if (it != found.end() && it->second == value) return text;
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << series << " never became " << value << ":\n" << text;
                return text;
            }
            std::this_thread::sleep_for(200ms);
        }
    }

    std::string url_;
    Env env_;
    int server_port_ = 0;
    std::string token_;
    std::int64_t connection_ = 0;
    ChildProcess* worker_ = nullptr;
};

TEST_F(WorkerMetricsTest, AWorkerAnswersHealthReadinessAndMetricsAndCountsItsRunAndAzureCalls) {
    const std::string email = "scraped-operator@metrics.example";
    auto blobs = PutBlobs("confidential-payroll/", 4, 3000, 41);
    server_port_ = StartServer();
    token_ = SignUp(server_port_, email);
    connection_ = CreateConnection(server_port_, token_, SharedAzurite().blob_endpoint());
    const int port = StartWorker();

    const auto health = Request(port, "GET", "/healthz");
    EXPECT_EQ(health.status, 200) << health.raw;
    EXPECT_EQ(health.body(), R"({"status":"ok"})");
    // The same shape as serve's /readyz; its queue is served by this process's worker.
    const auto ready = Request(port, "GET", "/readyz");
    ASSERT_EQ(ready.status, 200) << ready.raw;
    const auto serve_ready = Request(server_port_, "GET", "/readyz");
    ASSERT_EQ(serve_ready.status, 200) << serve_ready.raw;
    EXPECT_EQ(ready.body(), R"({"status":"ready","schema_version":)" +
                                Text(Field(serve_ready, "schema_version")) +
                                R"(,"checks":{"database":"ok","queue":"served"}})");
    EXPECT_EQ(Text(Field(serve_ready, "checks")), R"({"database":"ok","queue":"elsewhere"})");

    const auto before = Request(port, "GET", "/metrics");
    ASSERT_EQ(before.status, 200) << before.raw;
    EXPECT_NE(before.raw.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
              std::string::npos)
        << before.raw;
    EXPECT_NE(before.raw.find("\r\nCache-Control: no-store\r\n"), std::string::npos);
    EXPECT_EQ(Series(before.body(), "cerulean_database_up"),
              (std::map<std::string, std::string>{{"cerulean_database_up", "1"}}));
    EXPECT_EQ(Series(before.body(), "cerulean_sync_runs_finished_total"),
              (std::map<std::string, std::string>{}));
    EXPECT_EQ(Series(before.body(), "cerulean_azure_requests_total"),
              (std::map<std::string, std::string>{}));

    const std::int64_t job = QueueDownload("confidential-payroll/");
    const auto done = WaitForJob(server_port_, token_, connection_, job, 60s);
    ASSERT_EQ(Text(done.at("status")), "succeeded") << boost::json::serialize(done);

    const auto after = Request(port, "GET", "/metrics");
    ASSERT_EQ(after.status, 200) << after.raw;
    const std::string text = after.body();
    EXPECT_EQ(Series(text, "cerulean_sync_runs_finished_total"),
              (std::map<std::string, std::string>{
                  {R"(cerulean_sync_runs_finished_total{status="succeeded"})", "1"}}))
        << text;
    // One listing, one (ranged) read of each blob: labelled by operation and status only.
    EXPECT_EQ(Series(text, "cerulean_azure_requests_total"),
              (std::map<std::string, std::string>{
                  {R"(cerulean_azure_requests_total{operation="GetBlob",status="206"})", "4"},
                  {R"(cerulean_azure_requests_total{operation="ListBlobs",status="200"})", "1"}}))
        << text;
    EXPECT_EQ(
        Series(text, "cerulean_azure_request_duration_seconds_count"),
        (std::map<std::string, std::string>{
            {R"(cerulean_azure_request_duration_seconds_count{operation="GetBlob"})", "4"},
            {R"(cerulean_azure_request_duration_seconds_count{operation="ListBlobs"})", "1"}}))
        << text;
    EXPECT_EQ(Series(text, "cerulean_azure_throttled_total"),
              (std::map<std::string, std::string>{}));
    EXPECT_EQ(Series(text, "cerulean_sync_worker_runs_active"),
              (std::map<std::string, std::string>{{"cerulean_sync_worker_runs_active", "0"}}));
    // The server ran nothing: the run is the worker's alone.
    const std::string server_text = Request(server_port_, "GET", "/metrics").body();
    EXPECT_EQ(Series(server_text, "cerulean_sync_runs_finished_total"),
              (std::map<std::string, std::string>{}))
        << server_text;

    // No blob name, container, user, account or secret in any series of the worker.
    for (const std::string& leak :
         {std::string("confidential-payroll"), container_, email, std::string("metrics.example"),
          std::string("devstoreaccount1"), std::string(AzuriteServer::kAccountKey),
          std::string(43, 'K'), std::string(48, 's'), url_}) {
        EXPECT_EQ(text.find(leak), std::string::npos) << leak << " in:\n" << text;
    }
    EXPECT_EQ(worker_->Stop(SIGTERM, 30s), 0) << worker_->LogTail();
    EXPECT_FALSE(WaitForTcp(port, 200ms)) << "the listener outlived the worker";
}

TEST_F(WorkerMetricsTest, AWorkersQueueGaugesFollowTheQueueAndItsProbesFollowItsStop) {
    // Answers stop after a third of the bytes: the run stays running under the worker's lease.
    auto blobs = PutBlobs("held/", 12, 16 * 1024, 5);
    std::uint64_t total = 0;
    for (const auto& [name, bytes] : blobs) total += bytes.size();
    proxy_ = std::make_unique<BudgetProxy>(SharedAzurite().port(), total / 3);
    server_port_ = StartServer();
    token_ = SignUp(server_port_, "gauges@x.io");
    connection_ = CreateConnection(server_port_, token_, proxy_->azurite_endpoint());
    const int port = StartWorker();
    MetricsOnceShowing(port, "cerulean_sync_runs{", R"(cerulean_sync_runs{status="running"})", "0");

    const std::int64_t job = QueueDownload("held/");
    ASSERT_TRUE(proxy_->WaitUntilHolding(60s)) << worker_->LogTail();
    // Read from the database, as serve's /metrics reads them.
    const std::string text = MetricsOnceShowing(port, "cerulean_sync_runs{",
                                                R"(cerulean_sync_runs{status="running"})", "1");
    EXPECT_EQ(Series(text, "cerulean_sync_active_leases"),
              (std::map<std::string, std::string>{{"cerulean_sync_active_leases", "1"}}))
        << text;
    EXPECT_EQ(Series(text, "cerulean_sync_worker_runs_active"),
              (std::map<std::string, std::string>{{"cerulean_sync_worker_runs_active", "1"}}));

    // SIGTERM: the worker stops claiming and lets its run go on (its grace is 20 s). Meanwhile
    // it still answers, and says it no longer serves the queue.
    ASSERT_EQ(::kill(worker_->pid(), SIGTERM), 0);
    HttpAnswer ready;
    for (int i = 0; i < 100 && ready.status != 503; ++i) {
        std::this_thread::sleep_for(50ms);
        ready = Request(port, "GET", "/readyz");
    }
    EXPECT_EQ(ready.status, 503) << ready.raw;
    EXPECT_EQ(Text(Field(ready, "code")), "not_ready") << ready.raw;
    EXPECT_EQ(Text(Field(ready, "checks")), R"({"database":"ok","queue":"stalled"})") << ready.raw;
    EXPECT_EQ(Request(port, "GET", "/metrics").status, 200);
    EXPECT_TRUE(worker_->Running());

    proxy_->Open();
    EXPECT_EQ(worker_->Wait(60s), std::optional<int>(0)) << worker_->LogTail();
    const auto done = WaitForJob(server_port_, token_, connection_, job, 60s);
    EXPECT_EQ(Text(done.at("status")), "succeeded") << boost::json::serialize(done);
    EXPECT_FALSE(WaitForTcp(port, 200ms)) << "the listener outlived the worker";
    const std::string log = LogOf("worker");
    const auto finished = LogEvents(log, "worker.run_finished");
    ASSERT_EQ(finished.size(), 1U) << log;
    EXPECT_EQ(finished[0].at("status"), "succeeded");
    EXPECT_EQ(LogEvents(log, "worker.stopped").size(), 1U) << log;
}

TEST_F(WorkerMetricsTest, AWorkersMetricsNeedTheMetricsTokenWhenOneIsSet) {
    const std::string secret = "worker-scrape-token-0123456789";
    const int port = StartWorker({{"CERULEAN_METRICS_TOKEN", secret}});
    const auto none = Request(port, "GET", "/metrics");
    EXPECT_EQ(none.status, 401) << none.raw;
    EXPECT_EQ(Text(Field(none, "code")), "not_authenticated") << none.raw;
    const auto wrong = Request(port, "GET", "/metrics", secret + "x");
    EXPECT_EQ(wrong.status, 401) << wrong.raw;
    EXPECT_EQ(Text(Field(wrong, "code")), "not_authenticated") << wrong.raw;
    EXPECT_EQ(wrong.raw.find(secret), std::string::npos) << wrong.raw;
    const auto right = Request(port, "GET", "/metrics", secret);
    EXPECT_EQ(right.status, 200) << right.raw;
    EXPECT_NE(right.body().find("# TYPE cerulean_sync_queue_depth gauge\n"), std::string::npos)
        << right.raw;
    // The probes stay open, and nothing else is served.
    EXPECT_EQ(Request(port, "GET", "/healthz").status, 200);
    EXPECT_EQ(Request(port, "GET", "/readyz").status, 200);
    const auto other = Request(port, "GET", "/api/v1/meta");
    EXPECT_EQ(other.status, 404) << other.raw;
    EXPECT_NE(other.raw.find("\r\nContent-Type: application/problem+json\r\n"), std::string::npos)
        << other.raw;
    EXPECT_EQ(Text(Field(other, "code")), "not_found") << other.raw;
    EXPECT_EQ(Request(port, "POST", "/metrics", secret).status, 404);
    EXPECT_EQ(worker_->Stop(SIGTERM, 30s), 0) << worker_->LogTail();
    EXPECT_EQ(LogOf("worker").find(secret), std::string::npos);
}

TEST_F(WorkerMetricsTest, ABadWorkerListenAddressStopsTheStartWithOneLine) {
    const struct {
        std::string value;
        std::string line;
    } cases[] = {
        {"127.0.0.1",
         "cerulean: CERULEAN_WORKER_LISTEN: expected HOST:PORT such as "
         "127.0.0.1:8080, got '127.0.0.1'"},
        {"127.0.0.1:70000",
         "cerulean: CERULEAN_WORKER_LISTEN: must be between 0 and 65535, got 70000"},
        {"127.0.0.1:metrics",
         "cerulean: CERULEAN_WORKER_LISTEN: expected an integer, got 'metrics'"},
        {"worker-host:9102",
         "cerulean: CERULEAN_WORKER_LISTEN: cannot listen on 'worker-host': not an IP address"},
    };
    int n = 0;
    for (const auto& c : cases) {
        const fs::path log = dir_.path() / ("bad-" + std::to_string(n++) + ".log");
        Env env = env_;
        env.emplace_back("CERULEAN_WORKER_LISTEN", c.value);
        ChildProcessOptions options;
        options.environment = env;
        options.working_directory = dir_.path();
        const int status = RunCommand({CERULEAN_BINARY, "worker"}, log, options, 60s);
        EXPECT_EQ(status, 2) << c.value;
        const std::string output = FileTail(log, 1 << 20);
        // The last line (a start that got as far as the database logged that first).
        std::string last = output.substr(0, output.size() - (output.ends_with('\n') ? 1 : 0));
        last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
        EXPECT_EQ(last, c.line) << output;
        EXPECT_EQ(output.find("worker.started"), std::string::npos) << output;
    }
}

}  // namespace
}  // namespace cerulean::testing
