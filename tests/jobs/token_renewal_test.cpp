// Sync runs that outlive their credentials (issue 12, "Long runs outlive tokens"): against
// Azurite over HTTPS with `--oauth basic`, which refuses a bearer token past its JWT `exp` and a
// SAS past its `se`, a service principal's token is renewed during a run, while a user's token
// or a SAS that expires mid-run fails the run, at once, with an error that says so.
//
// Runs go through a proxy that paces the requests, so that a run lasts at least a known number
// of token lifetimes however fast the machine is; nothing here asserts on timings.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "azure/blob_client.hpp"
#include "azure/loopback_http_server.hpp"
#include "azure/sas.hpp"
#include "azure/shared_key.hpp"
#include "azure/url.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "crypto/encoding.hpp"
#include "crypto/vault.hpp"
#include "jobs/fast_worker.hpp"
#include "jobs/sync_job_service.hpp"
#include "jobs/worker.hpp"
#include "service/connection_service.hpp"
#include "store/database_fixture.hpp"
#include "store/migrations.hpp"
#include "store/user_repository.hpp"
#include "support/azurite_server.hpp"
#include "support/child_process.hpp"
#include "support/net.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::jobs {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using azure::testing::LoopbackHttpServer;
using azure::testing::LoopbackRequest;
using azure::testing::LoopbackResponse;
using core::RunStatus;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::UniqueName;

constexpr std::string_view kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr std::string_view kClientId = "cerulean-token-test";
constexpr std::string_view kClientSecret = "token-test-secret~value";
constexpr std::string_view kObjectId = "11059fcc-5514-4800-b5f8-49808b9cfab6";

// How long every token and SAS of this suite lives, and how often the proxy lets a request
// chunk through. A run of N blobs lasts at least N * kPace.
constexpr int kLifetimeSeconds = 4;
constexpr auto kPace = 80ms;
// 150 * 80 ms: at least 12 s, three token lifetimes, for the run that must renew its token.
constexpr int kRenewalBlobs = 150;
// 100 * 80 ms: at least 8 s, twice a lifetime, for the runs whose credential must expire.
constexpr int kExpiryBlobs = 100;

// A JWT shaped like an Entra ID access token for Azure Storage that expires at `exp` (Unix
// seconds). Azurite's `--oauth basic` does not check the signature, but refuses it before
// nbf and after exp ("Lifetime validation failed. The token is expired."), and checks the
// issuer and the audience.
std::string FabricateToken(std::int64_t exp) {
    const std::int64_t now = core::NowMillis() / 1000;
    const std::string header = R"({"alg":"RS256","typ":"JWT","kid":"cerulean-test"})";
    const std::string payload =
        R"({"aud":"https://storage.azure.com","iss":"https://sts.windows.net/)" +
        std::string(kTenant) + R"(/","iat":)" + std::to_string(now - 300) + R"(,"nbf":)" +
        std::to_string(now - 300) + R"(,"exp":)" + std::to_string(exp) + R"(,"oid":")" +
        std::string(kObjectId) + R"(","tid":")" + std::string(kTenant) +
        R"(","sub":"cerulean-test","appid":")" + std::string(kClientId) + R"(","ver":"1.0"})";
    return crypto::Base64UrlEncode(header) + "." + crypto::Base64UrlEncode(payload) + "." +
           crypto::Base64UrlEncode("not-a-real-signature");
}

// The JWT `exp` of a token issued now that lives kLifetimeSeconds: rounded up to the second,
// so that `expires_in` (kLifetimeSeconds) never promises more than the token holds.
std::int64_t ExpiryOfATokenIssuedNow() {
    return (core::NowMillis() + 999) / 1000 + kLifetimeSeconds;
}

// A fake Entra ID token endpoint speaking the client-credentials protocol, whose tokens live
// kLifetimeSeconds (`expires_in` and the JWT's `exp` agree). Counts the tokens it issued.
class TokenEndpoint {
 public:
    TokenEndpoint() : server_([this](const LoopbackRequest& request) { return Answer(request); }) {}

    [[nodiscard]] std::string url() const { return server_.url(); }
    [[nodiscard]] int issued() const { return issued_.load(); }

 private:
    LoopbackResponse Answer(const LoopbackRequest& request) {
        std::map<std::string, std::string> form;
        for (const auto& parameter : azure::ParseQuery(request.body)) {
            form[parameter.name] = parameter.value;
        }
        const bool well_formed =
            request.method == "POST" &&
            request.target == "/" + std::string(kTenant) + "/oauth2/v2.0/token" &&
            form["grant_type"] == "client_credentials" && form["client_id"] == kClientId &&
            form["scope"] == "https://storage.azure.com/.default";
        if (!well_formed) {
            return {400,
                    {{"Content-Type", "application/json"}},
                    R"({"error":"invalid_request","error_description":"AADSTS900144: malformed"})"};
        }
        if (form["client_secret"] != kClientSecret) {
            return {
                401,
                {{"Content-Type", "application/json"}},
                R"({"error":"invalid_client","error_description":"AADSTS7000215: bad secret"})"};
        }
        ++issued_;
        const std::string lifetime = std::to_string(kLifetimeSeconds);
        return {200,
                {{"Content-Type", "application/json; charset=utf-8"}},
                R"({"token_type":"Bearer","expires_in":)" + lifetime + R"(,"ext_expires_in":)" +
                    lifetime + R"(,"access_token":")" + FabricateToken(ExpiryOfATokenIssuedNow()) +
                    "\"}"};
    }

    std::atomic<int> issued_{0};
    LoopbackHttpServer server_;  // last: its threads call Answer until it is destroyed
};

// A TCP proxy in front of Azurite that lets one chunk of what clients send through per kPace,
// across all its connections: a client's requests reach the service at most one per kPace,
// so a run through it cannot end sooner than its requests times kPace. TLS passes untouched.
class PacedProxy {
 public:
    explicit PacedProxy(int target_port)
        : proxy_(target_port, [this](bool from_upstream, std::string_view bytes, int to) {
              if (!from_upstream) WaitForTurn();
              return testing::SendAll(to, bytes) ? testing::RelayVerdict::kContinue
                                                 : testing::RelayVerdict::kClose;
          }) {}

    [[nodiscard]] int port() const { return proxy_.port(); }

 private:
    void WaitForTurn() {
        std::chrono::steady_clock::time_point turn;
        {
            const std::lock_guard lock(mutex_);
            turn = std::max(std::chrono::steady_clock::now(), next_turn_);
            next_turn_ = turn + kPace;
        }
        std::this_thread::sleep_until(turn);
    }

    std::mutex mutex_;
    std::chrono::steady_clock::time_point next_turn_{};
    testing::LoopbackProxy proxy_;  // last: stopped before the state it uses
};

// Captures what the process writes to stderr (the log) at debug level, to see every request's
// status.
class LogCapture {
 public:
    LogCapture() : file_(std::tmpfile()) {
        std::fflush(stderr);
        saved_ = ::dup(STDERR_FILENO);
        ::dup2(::fileno(file_), STDERR_FILENO);
        core::log::SetLevel(core::log::Level::kDebug);
    }
    ~LogCapture() {
        Restore();
        std::fclose(file_);
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    // Stops capturing; the lines written meanwhile.
    std::vector<std::string> Finish() {
        Restore();
        std::string text;
        std::rewind(file_);
        char buffer[4096];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) text.append(buffer, n);
        std::vector<std::string> lines;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    }

 private:
    void Restore() {
        if (saved_ < 0) return;
        core::log::SetLevel(core::log::Level::kInfo);
        std::fflush(stderr);
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        saved_ = -1;
    }

    std::FILE* file_;
    int saved_ = -1;
};

std::string Lowercase(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// Credentials do not touch SQL: one dialect keeps the suite's time down.
class TokenRenewalTest : public testing::DatabaseTest {
 protected:
    static void SetUpTestSuite() {
        dir_ = new testing::TempDir("cerulean-jobs-tls-");
        cert_ = (dir_->path() / "cert.pem").string();
        const std::string key = (dir_->path() / "key.pem").string();
        testing::RunCommandOrThrow(
            {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2", "-keyout", key, "-out", cert_},
            dir_->path() / "openssl.log");
        testing::AzuriteOptions options;
        options.https = true;
        options.cert_path = cert_;
        options.key_path = key;
        options.oauth_basic = true;
        azurite_ = new testing::AzuriteServer(options);
        tokens_ = new TokenEndpoint();
    }

    static void TearDownTestSuite() {
        delete tokens_;
        delete azurite_;
        delete dir_;
        tokens_ = nullptr;
        azurite_ = nullptr;
        dir_ = nullptr;
    }

    void SetUp() override {
        DatabaseTest::SetUp();
        store::Migrate(*db_);
        root_ = std::make_unique<testing::TempDir>("cerulean-jobs-token");
        service::ConnectionServiceOptions options;
        options.endpoints.allow_loopback = true;
        options.authority_host = tokens_->url();
        options.ca_file = cert_;
        connections_ = std::make_shared<service::ConnectionService>(
            db_,
            std::make_shared<crypto::Vault>(
                std::vector<crypto::VaultKey>{{"k1", std::string(32, 'k')}}),
            options);
        core::User user;
        user.email = "owner@x.io";
        user.password_hash = "h";
        user_id_ = store::UserRepository(db_).Create(user).id;
        // Blobs are put straight into Azurite, with the account key.
        const std::int64_t direct =
            Connect("direct", "account_key", azurite_->blob_endpoint(),
                    {{"account_key", std::string(testing::AzuriteServer::kAccountKey)}});
        seeder_ = std::make_unique<azure::BlobClient>(connections_->Client(user_id_, direct));
        container_ = UniqueName("token");
        seeder_->CreateContainer(container_);
        SyncJobOptions job_options;
        job_options.sync_root = root_->path() / "sync";
        jobs_ = std::make_unique<SyncJobService>(db_, connections_, job_options);
        proxy_ = std::make_unique<PacedProxy>(azurite_->port());
    }

    void TearDown() override {
        worker_.reset();
        proxy_.reset();
        DatabaseTest::TearDown();
    }

    // The endpoint of Azurite through the pacing proxy (the certificate names 127.0.0.1).
    [[nodiscard]] std::string PacedEndpoint() const {
        return "https://127.0.0.1:" + std::to_string(proxy_->port()) + "/" +
               std::string(testing::AzuriteServer::kAccountName);
    }

    std::int64_t Connect(const std::string& name, const std::string& auth_type,
                         const std::string& endpoint,
                         std::map<std::string, std::string> credentials) {
        service::ConnectionFields fields;
        fields.name = name;
        fields.auth_type = auth_type;
        fields.account_name = std::string(testing::AzuriteServer::kAccountName);
        fields.endpoint = endpoint;
        fields.credentials = std::move(credentials);
        return connections_->Create(user_id_, fields).id;
    }

    // `count` small blobs under data/, put by a few threads.
    void PutBlobs(int count) {
        std::vector<std::thread> threads;
        std::atomic<int> next{0};
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&] {
                for (int i = next++; i < count; i = next++) {
                    seeder_->PutBlob(container_, BlobName(i),
                                     azure::RequestBody::FromBytes(Content(i)));
                }
            });
        }
        for (auto& thread : threads) thread.join();
    }
    static std::string BlobName(int i) { return "data/f" + std::to_string(1000 + i); }
    static std::string Content(int i) { return "blob " + std::to_string(i) + std::string(60, '.'); }

    core::SyncJob Download(std::int64_t connection_id) {
        SyncJobFields fields;
        fields.direction = "download";
        fields.container = container_;
        fields.prefix = "data/";
        fields.local_path = std::optional<std::string>("out");
        return jobs_->Create(user_id_, connection_id, fields);
    }

    void StartWorker() {
        WorkerOptions options = FastWorkerOptions(jobs_->options());
        // Few requests in flight: none waits long at the proxy with a token taken before.
        options.transfer_threads = 2;
        worker_ = std::make_unique<Worker>(db_, connections_, std::move(options));
        worker_->Start();
    }

    core::SyncJob Reload(const core::SyncJob& job) {
        return jobs_->Get(user_id_, job.connection_id, job.id);
    }

    // The job once its latest run has ended (or as it is after `timeout`).
    core::SyncJob WaitForEnd(const core::SyncJob& job, std::chrono::milliseconds timeout = 60s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        core::SyncJob current = Reload(job);
        while (!(current.latest_run && core::IsFinal(current.latest_run->status)) &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20ms);
            current = Reload(job);
        }
        return current;
    }

    std::vector<core::SyncRun> Runs(const core::SyncJob& job) {
        return jobs_->Runs(user_id_, job.connection_id, job.id, 0, 100).items;
    }

    [[nodiscard]] std::size_t FilesDownloaded() const {
        const fs::path out = root_->path() / "sync" / "out";
        if (!fs::exists(out)) return 0;
        return static_cast<std::size_t>(std::count_if(
            fs::directory_iterator(out), fs::directory_iterator{},
            [](const fs::directory_entry& entry) { return entry.is_regular_file(); }));
    }

    // A run whose credential expires while it goes on: it fails at once (no retry), as
    // azure_auth_failed, with a message saying the credential expired and holding no secret.
    void ExpectFailedByExpiry(const core::SyncJob& job, const std::string& secret) {
        const core::SyncJob done = WaitForEnd(job);
        ASSERT_TRUE(done.latest_run);
        const core::SyncRun& run = *done.latest_run;
        ASSERT_EQ(run.status, RunStatus::kFailed) << run.error_message.value_or("");
        EXPECT_EQ(run.error_code, "azure_auth_failed") << run.error_message.value_or("");
        // Mid-run: some files came while the credential was good, not all of them.
        EXPECT_GT(run.progress.files_done, 0);
        EXPECT_LT(run.progress.files_done, kExpiryBlobs);
        const std::string message = run.error_message.value_or("");
        RecordProperty("error_message", message);
        std::cout << "[ message  ] after " << run.progress.files_done << " files: " << message
                  << "\n";
        EXPECT_THAT(Lowercase(message), HasSubstr("expired"))
            << "the message should tell the user the credential expired: " << message;
        EXPECT_THAT(message, Not(HasSubstr(secret)));
        // A permanent failure: no retry is queued.
        std::this_thread::sleep_for(300ms);
        EXPECT_EQ(Runs(done).size(), 1U);
    }

    static inline testing::TempDir* dir_ = nullptr;
    static inline testing::AzuriteServer* azurite_ = nullptr;
    static inline TokenEndpoint* tokens_ = nullptr;
    static inline std::string cert_;

    std::unique_ptr<testing::TempDir> root_;
    std::shared_ptr<service::ConnectionService> connections_;
    std::int64_t user_id_ = 0;
    std::unique_ptr<azure::BlobClient> seeder_;
    std::string container_;
    std::unique_ptr<SyncJobService> jobs_;
    std::unique_ptr<PacedProxy> proxy_;
    std::unique_ptr<Worker> worker_;  // destroyed before the proxy (TearDown)
};

TEST_P(TokenRenewalTest, AServicePrincipalsTokenIsRenewedDuringALongRun) {
    PutBlobs(kRenewalBlobs);
    const std::int64_t principal = Connect("principal", "service_principal", PacedEndpoint(),
                                           {{"tenant_id", std::string(kTenant)},
                                            {"client_id", std::string(kClientId)},
                                            {"client_secret", std::string(kClientSecret)}});
    const core::SyncJob job = Download(principal);
    const int issued_before = tokens_->issued();
    LogCapture capture;
    StartWorker();
    const core::SyncJob done = WaitForEnd(job);
    const std::vector<std::string> log = capture.Finish();
    const int issued = tokens_->issued() - issued_before;

    ASSERT_TRUE(done.latest_run);
    EXPECT_EQ(done.latest_run->status, RunStatus::kSucceeded)
        << done.latest_run->error_message.value_or("");
    EXPECT_EQ(done.latest_run->progress.files_done, kRenewalBlobs);
    EXPECT_EQ(done.latest_run->progress.files_failed, 0);
    EXPECT_EQ(FilesDownloaded(), static_cast<std::size_t>(kRenewalBlobs));
    // The run lasted several token lifetimes: it asked for new tokens as they ran out.
    EXPECT_GT(issued, 1);
    RecordProperty("tokens_issued", issued);
    std::cout << "[ tokens   ] " << issued << " issued during the run\n";
    // And no request was refused on the way: seen in the log of every request, since the run's
    // success alone would not show a refusal that something absorbed.
    int requests = 0;
    for (const std::string& line : log) {
        if (line.find("event=azure_request ") == std::string::npos) continue;
        ++requests;
        EXPECT_THAT(line, Not(HasSubstr("status=401")));
        EXPECT_THAT(line, Not(HasSubstr("status=403")));
    }
    EXPECT_GE(requests, kRenewalBlobs);
    EXPECT_EQ(Runs(done).size(), 1U);
}

TEST_P(TokenRenewalTest, AUserTokenThatExpiresMidRunFailsTheRunSayingSo) {
    PutBlobs(kExpiryBlobs);
    const std::string token = FabricateToken(ExpiryOfATokenIssuedNow());
    const std::int64_t user_token =
        Connect("user-token", "user_ms_identity", PacedEndpoint(), {{"access_token", token}});
    const core::SyncJob job = Download(user_token);
    StartWorker();
    ExpectFailedByExpiry(job, token);
}

TEST_P(TokenRenewalTest, ASasThatExpiresMidRunFailsTheRunSayingSo) {
    PutBlobs(kExpiryBlobs);
    const azure::SharedKeyCredential key(std::string(testing::AzuriteServer::kAccountName),
                                         testing::AzuriteServer::kAccountKey);
    azure::BlobSasOptions options;
    options.container = container_;
    options.permissions = "rl";
    options.expires_on = core::NowMillis() + kLifetimeSeconds * 1000;
    const azure::SasToken sas = azure::GenerateBlobSas(key, options);
    const std::int64_t sas_connection =
        Connect("sas", "sas_token", PacedEndpoint(), {{"sas_token", sas.query}});
    const core::SyncJob job = Download(sas_connection);
    StartWorker();
    std::string signature;
    for (const auto& parameter : azure::ParseQuery(sas.query)) {
        if (parameter.name == "sig") signature = parameter.value;
    }
    ASSERT_FALSE(signature.empty());
    ExpectFailedByExpiry(job, signature);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, TokenRenewalTest, ::testing::Values(store::Dialect::kSqlite),
                         testing::DialectName);

}  // namespace
}  // namespace cerulean::jobs
