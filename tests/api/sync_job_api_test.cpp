// Sync jobs (shared/API.md "Sync jobs" and notes/sync-jobs-contract.md) through the whole App,
// on SQLite and PostgreSQL, against Azurite: definitions and their validation, runs executed by
// a jobs::Worker in this process, dry runs, the events stream, and ownership on every route.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/blob_fixture.hpp"
#include "jobs/worker.hpp"
#include "store/database_impl.hpp"
#include "support/files.hpp"
#include "support/net.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"
#include "sync/local_path.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// --- What the contract says a response looks like ---------------------------------------------

bool IsTime(const boost::json::value& value) {
    static const std::regex kRfc3339(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$)");
    return value.is_string() && std::regex_match(std::string(value.as_string()), kRfc3339);
}

bool IsTimeOrNull(const boost::json::value& value) {
    return value.is_null() || IsTime(value);
}

bool IsCount(const boost::json::value& value) {
    return (value.is_int64() && value.as_int64() >= 0) || value.is_uint64();
}

bool IsStringOrNull(const boost::json::value& value) {
    return value.is_null() || value.is_string();
}

void ExpectExactKeys(const boost::json::object& object, const std::set<std::string>& keys) {
    std::set<std::string> actual;
    for (const auto& [key, value] : object) actual.insert(std::string(key));
    EXPECT_EQ(actual, keys) << boost::json::serialize(object);
}

void ExpectProgressShape(const boost::json::value& value) {
    ASSERT_TRUE(value.is_object()) << boost::json::serialize(value);
    const auto& progress = value.as_object();
    ExpectExactKeys(progress, {"files_total", "files_done", "files_skipped", "files_failed",
                               "files_deleted", "bytes_total", "bytes_done"});
    for (const auto& [key, count] : progress) EXPECT_TRUE(IsCount(count)) << key;
}

const std::set<std::string> kStatuses{"queued", "running", "succeeded", "failed", "cancelled"};

void ExpectRunShape(const boost::json::value& value) {
    ASSERT_TRUE(value.is_object()) << boost::json::serialize(value);
    const auto& run = value.as_object();
    ExpectExactKeys(run, {"id", "job_id", "status", "progress", "error", "error_code", "trigger",
                          "attempt", "created_at", "started_at", "finished_at"});
    if (run.size() != 11U) return;
    EXPECT_TRUE(run.at("id").is_int64());
    EXPECT_TRUE(run.at("job_id").is_int64());
    EXPECT_TRUE(run.at("status").is_string() &&
                kStatuses.contains(std::string(run.at("status").as_string())))
        << run.at("status");
    ExpectProgressShape(run.at("progress"));
    EXPECT_TRUE(IsStringOrNull(run.at("error")));
    EXPECT_TRUE(IsStringOrNull(run.at("error_code")));
    const std::set<std::string> triggers{"create", "manual", "schedule", "retry"};
    EXPECT_TRUE(run.at("trigger").is_string() &&
                triggers.contains(std::string(run.at("trigger").as_string())));
    EXPECT_TRUE(run.at("attempt").is_int64() && run.at("attempt").as_int64() >= 1);
    EXPECT_TRUE(IsTime(run.at("created_at"))) << run.at("created_at");
    EXPECT_TRUE(IsTimeOrNull(run.at("started_at"))) << run.at("started_at");
    EXPECT_TRUE(IsTimeOrNull(run.at("finished_at"))) << run.at("finished_at");
}

void ExpectJobShape(const boost::json::value& value) {
    ASSERT_TRUE(value.is_object()) << boost::json::serialize(value);
    const auto& job = value.as_object();
    ExpectExactKeys(job, {"id", "connection_id", "direction", "container", "prefix", "local_path",
                          "target", "delete_extraneous", "max_delete", "compare",
                          "interval_seconds", "status", "progress", "last_error", "last_error_code",
                          "created_at", "started_at", "finished_at", "next_run_at"});
    if (job.size() != 19U) return;
    EXPECT_TRUE(job.at("id").is_int64());
    EXPECT_TRUE(job.at("connection_id").is_int64());
    const std::string direction(job.at("direction").as_string());
    EXPECT_TRUE(direction == "download" || direction == "upload" || direction == "copy");
    EXPECT_TRUE(job.at("container").is_string());
    EXPECT_TRUE(job.at("prefix").is_string()) << "prefix is always a string";
    if (direction == "copy") {
        EXPECT_TRUE(job.at("local_path").is_null());
        ASSERT_TRUE(job.at("target").is_object()) << job.at("target");
        const auto& target = job.at("target").as_object();
        ExpectExactKeys(target, {"connection_id", "container", "prefix"});
        EXPECT_TRUE(target.at("connection_id").is_int64());
        EXPECT_TRUE(target.at("container").is_string());
        EXPECT_TRUE(target.at("prefix").is_string());
    } else {
        EXPECT_TRUE(job.at("local_path").is_string());
        EXPECT_TRUE(job.at("target").is_null()) << "target is null unless copy";
    }
    EXPECT_TRUE(job.at("delete_extraneous").is_bool());
    EXPECT_TRUE(job.at("max_delete").is_null() || IsCount(job.at("max_delete")));
    EXPECT_TRUE(job.at("compare") == "size_mtime" || job.at("compare") == "md5");
    EXPECT_TRUE(
        job.at("interval_seconds").is_null() ||
        (job.at("interval_seconds").is_int64() && job.at("interval_seconds").as_int64() >= 60));
    EXPECT_TRUE(job.at("status").is_string() &&
                kStatuses.contains(std::string(job.at("status").as_string())));
    ExpectProgressShape(job.at("progress"));
    EXPECT_TRUE(IsStringOrNull(job.at("last_error")));
    EXPECT_TRUE(IsStringOrNull(job.at("last_error_code")));
    EXPECT_TRUE(IsTime(job.at("created_at"))) << job.at("created_at");
    EXPECT_TRUE(IsTimeOrNull(job.at("started_at"))) << job.at("started_at");
    EXPECT_TRUE(IsTimeOrNull(job.at("finished_at"))) << job.at("finished_at");
    EXPECT_TRUE(IsTimeOrNull(job.at("next_run_at"))) << job.at("next_run_at");
}

void ExpectPlanShape(const boost::json::value& value) {
    ASSERT_TRUE(value.is_object()) << boost::json::serialize(value);
    const auto& plan = value.as_object();
    ExpectExactKeys(plan, {"copy", "skip", "delete", "bytes", "hash_by_download", "failed",
                           "actions", "deletes_refused"});
    if (plan.size() != 8U) return;
    for (const char* count : {"copy", "skip", "delete", "bytes", "hash_by_download", "failed"}) {
        EXPECT_TRUE(IsCount(plan.at(count))) << count;
    }
    ASSERT_TRUE(plan.at("actions").is_array());
    for (const auto& action : plan.at("actions").as_array()) {
        ASSERT_TRUE(action.is_object());
        ExpectExactKeys(action.as_object(), {"op", "path", "size"});
        const auto& op = action.as_object().at("op");
        EXPECT_TRUE(op == "copy" || op == "delete" || op == "hash" || op == "fail") << op;
        EXPECT_TRUE(action.as_object().at("path").is_string());
        EXPECT_TRUE(IsCount(action.as_object().at("size")));
    }
    const auto& refused = plan.at("deletes_refused");
    if (!refused.is_null()) {
        ASSERT_TRUE(refused.is_object());
        ExpectExactKeys(refused.as_object(), {"code", "detail"});
        EXPECT_TRUE(refused.as_object().at("code").is_string());
        EXPECT_TRUE(refused.as_object().at("detail").is_string());
    }
}

// The fields a 422 names.
std::set<std::string> FieldErrors(const ApiResponse& response) {
    std::set<std::string> fields;
    if (!response.json.is_object() || !response.json.as_object().contains("errors")) return fields;
    for (const auto& error : response["errors"].as_array()) {
        fields.insert(std::string(error.as_object().at("field").as_string()));
    }
    return fields;
}

// The `code` of a problem response (null when the body has none).
boost::json::value CodeOf(const ApiResponse& response) {
    if (!response.json.is_object()) return nullptr;
    const auto* code = response.json.as_object().if_contains("code");
    return code != nullptr ? *code : nullptr;
}

// One server-sent event.
struct Event {
    std::string name;
    boost::json::value data;
};

// The events of a text/event-stream body (comment lines are passed over).
std::vector<Event> ParseEvents(const std::string& body) {
    std::vector<Event> events;
    std::size_t at = 0;
    while (at < body.size()) {
        std::size_t end = body.find("\n\n", at);
        if (end == std::string::npos) end = body.size();
        const std::string block = body.substr(at, end - at);
        at = end + 2;
        Event event;
        bool any = false;
        std::size_t line_at = 0;
        while (line_at < block.size()) {
            std::size_t line_end = block.find('\n', line_at);
            if (line_end == std::string::npos) line_end = block.size();
            const std::string line = block.substr(line_at, line_end - line_at);
            line_at = line_end + 1;
            if (line.starts_with("event: ")) {
                event.name = line.substr(7);
                any = true;
            } else if (line.starts_with("data: ")) {
                boost::system::error_code ec;
                event.data = boost::json::parse(line.substr(6), ec);
                any = true;
            }
        }
        if (any) events.push_back(std::move(event));
    }
    return events;
}

// The regular files below `root` (relative path -> content).
std::map<std::string, std::string> Tree(const fs::path& root) {
    std::map<std::string, std::string> files;
    if (!fs::exists(root)) return files;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::end(it); ++it) {
        if (it->is_regular_file() && !it->is_symlink()) {
            files[it->path().lexically_relative(root).generic_string()] = ReadFile(it->path());
        }
    }
    return files;
}

bool HasTemporaryFiles(const fs::path& root) {
    if (!fs::exists(root)) return false;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::end(it); ++it) {
        if (sync::IsTemporaryName(it->path().filename().string())) return true;
    }
    return false;
}

// `stem` and a zero-padded number (names sort as they are numbered).
std::string Numbered(std::string_view stem, int i) {
    std::string number = std::to_string(i);
    std::string name(stem);
    name.append(4 - std::min<std::size_t>(4, number.size()), '0');
    name += number;
    return name;
}

// A TCP proxy in front of 127.0.0.1:`target_port` that holds each chunk of an answer for
// `delay` before passing it on: a storage account slow enough that a run lasts a while.
class SlowProxy {
 public:
    SlowProxy(int target_port, std::chrono::milliseconds delay)
        : target_port_(target_port), delay_(delay) {
        listener_ = ListenOnLoopback(128, &port_);
        acceptor_ = std::thread([this] { Accept(); });
    }
    ~SlowProxy() {
        stopping_ = true;
        acceptor_.join();
        for (auto& thread : threads_) thread.join();
        ::close(listener_);
    }
    SlowProxy(const SlowProxy&) = delete;
    SlowProxy& operator=(const SlowProxy&) = delete;

    /// The account's blob endpoint through the proxy.
    [[nodiscard]] std::string endpoint() const {
        return "http://127.0.0.1:" + std::to_string(port_) + "/devstoreaccount1";
    }

 private:
    void Accept() {
        while (!stopping_) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            threads_.emplace_back([this, client] {
                RelayConnection(
                    client, target_port_, [this] { return stopping_.load(); },
                    [this](bool from_upstream, std::string_view bytes, int to) {
                        if (from_upstream) std::this_thread::sleep_for(delay_);
                        return SendAll(to, bytes) ? RelayVerdict::kContinue : RelayVerdict::kClose;
                    });
            });
        }
    }

    int target_port_;
    std::chrono::milliseconds delay_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> threads_;  // only the acceptor adds, only the destructor joins
    std::thread acceptor_;
};

// A storage "account" that answers every request with `status_line` (and `headers`): a service
// that keeps failing.
class FailingStorage {
 public:
    explicit FailingStorage(std::string status_line, std::string headers = {})
        : answer_("HTTP/1.1 " + std::move(status_line) + "\r\n" + std::move(headers) +
                  "Content-Length: 0\r\nConnection: close\r\n\r\n") {
        listener_ = ListenOnLoopback(64, &port_);
        thread_ = std::thread([this] { Serve(); });
    }
    ~FailingStorage() {
        stopping_ = true;
        thread_.join();
        ::close(listener_);
    }
    FailingStorage(const FailingStorage&) = delete;
    FailingStorage& operator=(const FailingStorage&) = delete;

    [[nodiscard]] std::string endpoint() const {
        return "http://127.0.0.1:" + std::to_string(port_) + "/devstoreaccount1";
    }
    [[nodiscard]] int requests() const { return requests_.load(); }

 private:
    void Serve() {
        while (!stopping_) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            std::string head;
            char buffer[4096];
            while (head.find("\r\n\r\n") == std::string::npos) {
                pollfd c{client, POLLIN, 0};
                if (::poll(&c, 1, 2000) <= 0) break;
                const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
                if (n <= 0) break;
                head.append(buffer, static_cast<std::size_t>(n));
            }
            ++requests_;
            SendAll(client, answer_);
            ::close(client);
        }
    }

    std::string answer_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> requests_{0};
    std::thread thread_;
};

// --- The fixture --------------------------------------------------------------------------------

class SyncJobApiTest : public BlobApiTest {
 protected:
    void Configure(api::AppOptions& options) override {
        options.sync_jobs.sync_root = root();
        sync_options_ = options.sync_jobs;
    }

    void TearDown() override {
        worker_.reset();  // before the proxy its runs may go through
        slow_.reset();
        for (const auto& container : extra_containers_) {
            try {
                azure_->DeleteContainer(container);
            } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): best effort
            }
        }
        BlobApiTest::TearDown();
    }

    fs::path root() const { return sandbox_.path() / "root"; }

    // A worker's options: it looks for runs every 50 ms and beats every 200.
    jobs::WorkerOptions WorkerOptions(std::size_t runs = 2, std::size_t transfer_threads = 4) {
        jobs::WorkerOptions options;
        options.runs = runs;
        options.jobs = sync_options_;
        options.transfer_threads = transfer_threads;
        options.poll = 50ms;
        options.heartbeat = 200ms;
        options.schedule = 1s;
        return options;
    }

    // Starts a worker in this process.
    void StartWorker(const jobs::WorkerOptions& options) {
        worker_ = std::make_unique<jobs::Worker>(db_, app_->connections(), options);
        worker_->Start();
    }

    void StartWorker(std::size_t runs = 2, std::size_t transfer_threads = 4) {
        StartWorker(WorkerOptions(runs, transfer_threads));
    }

    // A container of this test's own, deleted after it.
    std::string NewContainer(std::string_view stem) {
        std::string name = UniqueName(stem);
        azure_->CreateContainer(name);
        extra_containers_.push_back(name);
        return name;
    }

    // A second connection of `token`'s to the shared Azurite (through `endpoint`).
    std::int64_t SecondConnection(const std::string& name, const std::string& token,
                                  const std::string& endpoint = SharedAzurite().blob_endpoint()) {
        return Create(KeyConnection(name, endpoint), token);
    }

    // A connection of alice's whose storage answers slowly (see SlowProxy).
    std::int64_t SlowConnection(std::chrono::milliseconds delay) {
        slow_ = std::make_unique<SlowProxy>(SharedAzurite().port(), delay);
        return SecondConnection("slow", alice_, slow_->endpoint());
    }

    void PutMany(const std::string& container, const std::string& prefix, int count,
                 std::size_t size) {
        for (int i = 0; i < count; ++i) {
            Put(Numbered(prefix + "f", i), PatternBytes(size, static_cast<unsigned>(i)), container);
        }
    }

    std::string Jobs(std::int64_t connection, std::string_view suffix = "") {
        return Path(connection, "/sync_jobs" + std::string(suffix));
    }

    std::string Job(std::int64_t connection, std::int64_t job, std::string_view suffix = "") {
        return Jobs(connection, "/" + std::to_string(job) + std::string(suffix));
    }

    ApiResponse CreateJob(const boost::json::object& body, std::int64_t connection = 0,
                          const std::string& token = {}) {
        return Json("POST", Jobs(connection == 0 ? conn_ : connection), body,
                    token.empty() ? alice_ : token);
    }

    // Creates a job that must be accepted; its id.
    std::int64_t CreatedJob(const boost::json::object& body, std::int64_t connection = 0) {
        const auto created = CreateJob(body, connection);
        EXPECT_EQ(created.status, 202) << created.body;
        return created.status == 202 ? created["id"].as_int64() : 0;
    }

    boost::json::object Download(const std::string& local_path, const std::string& prefix = "") {
        return {{"direction", "download"},
                {"container", container_},
                {"prefix", prefix},
                {"local_path", local_path}};
    }

    // Polls the job until its latest run has ended (or `timeout` passed); the job as read last.
    boost::json::object WaitForEnd(std::int64_t connection, std::int64_t job,
                                   std::chrono::seconds timeout = 60s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        boost::json::object last;
        for (;;) {
            const auto got = Call("GET", Job(connection, job), {}, alice_);
            if (got.status != 200) {
                ADD_FAILURE() << got.body;
                return last;
            }
            last = got.json.as_object();
            const auto& status = last.at("status");
            if (status == "succeeded" || status == "failed" || status == "cancelled") return last;
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "the run did not end: " << boost::json::serialize(last);
                return last;
            }
            std::this_thread::sleep_for(50ms);
        }
    }

    // Polls until the job's latest run reads `status`; false after `timeout`.
    bool WaitForStatus(std::int64_t connection, std::int64_t job, std::string_view status,
                       std::chrono::seconds timeout = 30s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            const auto got = Call("GET", Job(connection, job), {}, alice_);
            if (got.status == 200 && got["status"].as_string() == status) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    // Rows of the runs table (any job) whose job_id is `job`.
    std::int64_t RunRows(std::int64_t job) {
        std::int64_t rows = 0;
        store::WithSession(*db_, [&](store::Session& session) {
            rows = store::SelectInt(
                session, "SELECT COUNT(*) FROM azure_blob_sync_runs WHERE job_id = :j", job);
        });
        return rows;
    }

    std::int64_t JobRows(std::int64_t job) {
        std::int64_t rows = 0;
        store::WithSession(*db_, [&](store::Session& session) {
            rows = store::SelectInt(session,
                                    "SELECT COUNT(*) FROM azure_blob_sync_jobs WHERE id = :j", job);
        });
        return rows;
    }

    // A 422 whose errors name `field`.
    void ExpectFieldError(const boost::json::object& body, const std::string& field) {
        const auto response = CreateJob(body);
        EXPECT_EQ(response.status, 422) << field << ": " << response.body;
        if (response.json.is_object()) {
            EXPECT_EQ(CodeOf(response), "validation_error") << field;
        }
        EXPECT_TRUE(FieldErrors(response).contains(field))
            << "expected an error on " << field << ": " << response.body;
    }

    void ExpectInvalidLocalPath(const std::string& local_path) {
        const auto response = CreateJob(Download(local_path));
        EXPECT_EQ(response.status, 422) << local_path << ": " << response.body;
        if (response.json.is_object()) {
            EXPECT_EQ(CodeOf(response), "invalid_local_path") << local_path;
            // The message names the path, never the server's sync root.
            EXPECT_EQ(response.body.find(root().string()), std::string::npos) << response.body;
        }
    }

    void ExpectThreeAttempts(const FailingStorage& failing);

    TempDir sandbox_{"cerulean-syncapi"};
    jobs::SyncJobOptions sync_options_;
    std::unique_ptr<SlowProxy> slow_;  // before worker_: destroyed after it
    std::unique_ptr<jobs::Worker> worker_;
    std::vector<std::string> extra_containers_;
};

// --- Creation and the runs' results ------------------------------------------------------------

TEST_P(SyncJobApiTest, CreatesDownloadAndUploadJobsAndTheirRunsMakeBothSidesExact) {
    Put("reports/a.txt", "alpha");
    Put("reports/q1/b.csv", "1,2,3\n");
    Put("other/c.txt", "not in the prefix");
    WriteFile(root() / "up" / "x.txt", "x-ray");
    WriteFile(root() / "up" / "sub" / "y.bin", PatternBytes(70'000, 3));

    const auto down = CreateJob(Download("team-a/reports", "reports/"));
    ASSERT_EQ(down.status, 202) << down.body;
    ExpectJobShape(down.json);
    EXPECT_EQ(down["direction"], "download");
    EXPECT_EQ(down["connection_id"], conn_);
    EXPECT_EQ(down["container"], boost::json::value(container_));
    EXPECT_EQ(down["prefix"], "reports/");
    EXPECT_EQ(down["local_path"], "team-a/reports");
    EXPECT_EQ(down["target"], nullptr);
    EXPECT_EQ(down["delete_extraneous"], false);
    EXPECT_EQ(down["max_delete"], nullptr);
    EXPECT_EQ(down["compare"], "size_mtime");
    EXPECT_EQ(down["interval_seconds"], nullptr);
    EXPECT_EQ(down["status"], "queued");
    EXPECT_EQ(down["last_error"], nullptr);
    EXPECT_EQ(down["last_error_code"], nullptr);
    EXPECT_EQ(down["started_at"], nullptr);
    EXPECT_EQ(down["finished_at"], nullptr);
    EXPECT_EQ(down["next_run_at"], nullptr);
    for (const auto& [key, count] : down["progress"].as_object()) EXPECT_EQ(count, 0) << key;

    const auto up = CreateJob({{"direction", "upload"},
                               {"container", container_},
                               {"prefix", "uploaded"},
                               {"local_path", "up"},
                               {"compare", "md5"},
                               {"target", nullptr},
                               {"max_delete", nullptr},
                               {"interval_seconds", nullptr}});
    ASSERT_EQ(up.status, 202) << up.body;
    ExpectJobShape(up.json);
    EXPECT_EQ(up["compare"], "md5");
    EXPECT_EQ(up["local_path"], "up");
    EXPECT_EQ(up["status"], "queued");

    StartWorker();
    const auto down_done = WaitForEnd(conn_, down["id"].as_int64());
    const auto up_done = WaitForEnd(conn_, up["id"].as_int64());
    ExpectJobShape(down_done);
    ExpectJobShape(up_done);
    ASSERT_EQ(down_done.at("status"), "succeeded") << boost::json::serialize(down_done);
    ASSERT_EQ(up_done.at("status"), "succeeded") << boost::json::serialize(up_done);
    EXPECT_TRUE(IsTime(down_done.at("started_at")));
    EXPECT_TRUE(IsTime(down_done.at("finished_at")));
    EXPECT_EQ(down_done.at("last_error"), nullptr);
    const auto& progress = down_done.at("progress").as_object();
    EXPECT_EQ(progress.at("files_total"), 2);
    EXPECT_EQ(progress.at("files_done"), 2);
    EXPECT_EQ(progress.at("files_failed"), 0);
    EXPECT_EQ(progress.at("bytes_done"), 11);

    // The download: exactly the prefix's blobs, its prefix stripped, under the job's folder.
    const std::map<std::string, std::string> expected{{"a.txt", "alpha"}, {"q1/b.csv", "1,2,3\n"}};
    EXPECT_EQ(Tree(root() / "team-a" / "reports"), expected);
    EXPECT_FALSE(HasTemporaryFiles(root()));
    // The upload: the folder's files below the prefix, with their whole-blob MD5 stored.
    EXPECT_EQ(azure_->DownloadToString(container_, "uploaded/x.txt"), "x-ray");
    EXPECT_TRUE(azure_->DownloadToString(container_, "uploaded/sub/y.bin") ==
                PatternBytes(70'000, 3));
    EXPECT_FALSE(azure_->GetBlobProperties(container_, "uploaded/x.txt").content_md5.empty());

    // A re-run of an unchanged tree transfers nothing.
    const auto again = Call("POST", Job(conn_, down["id"].as_int64(), "/run"), {}, alice_);
    ASSERT_EQ(again.status, 202) << again.body;
    const auto noop = WaitForEnd(conn_, down["id"].as_int64());
    EXPECT_EQ(noop.at("status"), "succeeded");
    EXPECT_EQ(noop.at("progress").as_object().at("files_done"), 0) << boost::json::serialize(noop);
    EXPECT_EQ(noop.at("progress").as_object().at("files_skipped"), 2);
}

TEST_P(SyncJobApiTest, CopiesBetweenContainersAndBetweenTwoConnectionsOfTheSameUser) {
    Put("src/a.txt", "alpha");
    Put("src/deep/b.txt", "bravo");
    const std::string same = NewContainer("copysame");
    const std::string across = NewContainer("copyacross");
    const std::int64_t second = SecondConnection("second", alice_);

    const auto inside = CreateJob({{"direction", "copy"},
                                   {"container", container_},
                                   {"prefix", "src/"},
                                   {"local_path", nullptr},
                                   {"target", {{"connection_id", conn_}, {"container", same}}}});
    ASSERT_EQ(inside.status, 202) << inside.body;
    ExpectJobShape(inside.json);
    EXPECT_EQ(inside["local_path"], nullptr);
    EXPECT_EQ(inside["target"].as_object().at("connection_id"), conn_);
    EXPECT_EQ(inside["target"].as_object().at("container"), boost::json::value(same));
    EXPECT_EQ(inside["target"].as_object().at("prefix"), "");

    // Into the same container, in a folder beside the source's: no overlap.
    const auto beside = CreateJob(
        {{"direction", "copy"},
         {"container", container_},
         {"prefix", "src/"},
         {"target", {{"connection_id", conn_}, {"container", container_}, {"prefix", "backup/"}}}});
    ASSERT_EQ(beside.status, 202) << beside.body;

    const auto other = CreateJob(
        {{"direction", "copy"},
         {"container", container_},
         {"prefix", "src"},
         {"target", {{"connection_id", second}, {"container", across}, {"prefix", "mirror/"}}}});
    ASSERT_EQ(other.status, 202) << other.body;
    EXPECT_EQ(other["target"].as_object().at("connection_id"), second);
    EXPECT_EQ(other["target"].as_object().at("prefix"), "mirror/");

    StartWorker();
    for (const auto* job : {&inside, &beside, &other}) {
        const auto done = WaitForEnd(conn_, (*job)["id"].as_int64());
        EXPECT_EQ(done.at("status"), "succeeded") << boost::json::serialize(done);
        EXPECT_EQ(done.at("progress").as_object().at("files_done"), 2);
    }
    EXPECT_EQ(azure_->DownloadToString(same, "a.txt"), "alpha");
    EXPECT_EQ(azure_->DownloadToString(same, "deep/b.txt"), "bravo");
    EXPECT_EQ(azure_->DownloadToString(container_, "backup/a.txt"), "alpha");
    EXPECT_EQ(azure_->DownloadToString(container_, "backup/deep/b.txt"), "bravo");
    EXPECT_EQ(azure_->DownloadToString(across, "mirror/a.txt"), "alpha");
    EXPECT_EQ(azure_->DownloadToString(across, "mirror/deep/b.txt"), "bravo");
    // Nothing else was written: each target holds exactly its copies.
    EXPECT_EQ(azure_->ListBlobs(same).blobs.size(), 2U);
    EXPECT_EQ(azure_->ListBlobs(across).blobs.size(), 2U);
    EXPECT_EQ(azure_->ListBlobs(container_).blobs.size(), 4U);  // src/ and backup/
}

// --- Validation ---------------------------------------------------------------------------------

TEST_P(SyncJobApiTest, RefusesInvalidDefinitionsFieldByField) {
    const std::string other_container = NewContainer("target");
    auto copy = [&](boost::json::object target) {
        return boost::json::object{{"direction", "copy"},
                                   {"container", container_},
                                   {"prefix", "a/"},
                                   {"target", std::move(target)}};
    };

    ExpectFieldError({{"container", container_}, {"local_path", "x"}}, "direction");
    ExpectFieldError({{"direction", "download"}, {"local_path", "x"}}, "container");
    ExpectFieldError(boost::json::object{}, "direction");
    ExpectFieldError(boost::json::object{}, "container");
    ExpectFieldError({{"direction", "sideways"}, {"container", container_}, {"local_path", "x"}},
                     "direction");
    ExpectFieldError({{"direction", "download"}, {"container", "Bad_Name"}, {"local_path", "x"}},
                     "container");
    ExpectFieldError({{"direction", "download"}, {"container", "ab"}, {"local_path", "x"}},
                     "container");
    ExpectFieldError({{"direction", 7}, {"container", container_}, {"local_path", "x"}},
                     "direction");
    // Folders in a container are relative and of a sane length.
    auto prefixed = Download("x");
    prefixed["prefix"] = "/abs";
    ExpectFieldError(prefixed, "prefix");
    prefixed["prefix"] = std::string(1025, 'p');
    ExpectFieldError(prefixed, "prefix");
    // Unknown fields, typos and the server's own fields.
    for (const char* unknown : {"id", "connection_id", "user_id", "status", "local_pth"}) {
        auto body = Download("x");
        body[unknown] = 1;
        ExpectFieldError(body, unknown);
    }
    ExpectFieldError(
        copy({{"connection_id", conn_}, {"container", other_container}, {"prfix", ""}}),
        "target.prfix");
    // Wrong types.
    auto body = Download("x");
    body["delete_extraneous"] = "yes";
    ExpectFieldError(body, "delete_extraneous");
    body = Download("x");
    body["interval_seconds"] = "hourly";
    ExpectFieldError(body, "interval_seconds");
    body = Download("x");
    body["compare"] = "sha1";
    ExpectFieldError(body, "compare");
    body = Download("x");
    body["target"] = "elsewhere";
    ExpectFieldError(body, "target");
    // The local side: required for a download and an upload, refused for a copy.
    ExpectFieldError({{"direction", "download"}, {"container", container_}}, "local_path");
    ExpectFieldError({{"direction", "upload"}, {"container", container_}, {"local_path", nullptr}},
                     "local_path");
    auto copy_with_path = copy({{"connection_id", conn_}, {"container", other_container}});
    copy_with_path["local_path"] = "x";
    ExpectFieldError(copy_with_path, "local_path");
    // The target: only for a copy, and then required, whole, the user's own.
    body = Download("x");
    body["target"] = {{"connection_id", conn_}, {"container", other_container}};
    ExpectFieldError(body, "target");
    ExpectFieldError({{"direction", "copy"}, {"container", container_}}, "target");
    ExpectFieldError({{"direction", "copy"}, {"container", container_}, {"target", nullptr}},
                     "target");
    ExpectFieldError(copy({{"container", other_container}}), "target.connection_id");
    ExpectFieldError(copy({{"connection_id", conn_}}), "target.container");
    ExpectFieldError(copy({{"connection_id", conn_}, {"container", "NO"}}), "target.container");
    const std::int64_t bobs = SecondConnection("bob's", bob_);
    ExpectFieldError(copy({{"connection_id", bobs}, {"container", other_container}}),
                     "target.connection_id");
    ExpectFieldError(copy({{"connection_id", conn_ + 1000}, {"container", other_container}}),
                     "target.connection_id");
    // Overlapping folders of one container would copy the copy's own output.
    for (const auto& [source, target] : std::vector<std::pair<std::string, std::string>>{
             {"a/", "a/b/"}, {"a/", "a"}, {"a/b", "a/"}, {"", "x/"}, {"a/", ""}}) {
        auto overlapping = copy({{"connection_id", conn_},
                                 {"container", container_},
                                 {"prefix", boost::json::string(target)}});
        overlapping["prefix"] = boost::json::string(source);
        ExpectFieldError(overlapping, "target.prefix");
    }
    // Deletes: max_delete only with delete_extraneous, never negative.
    body = Download("x");
    body["max_delete"] = 5;
    ExpectFieldError(body, "max_delete");
    body["delete_extraneous"] = false;
    ExpectFieldError(body, "max_delete");
    body["delete_extraneous"] = true;
    body["max_delete"] = -1;
    ExpectFieldError(body, "max_delete");
    // Schedules: at least a minute (the upper limit has a test of its own).
    for (const std::int64_t interval : {0LL, 1LL, 59LL, -60LL}) {
        body = Download("x");
        body["interval_seconds"] = interval;
        ExpectFieldError(body, "interval_seconds");
    }
    // Path escapes are their own 422.
    ExpectInvalidLocalPath("/etc");
    ExpectInvalidLocalPath("/");
    ExpectInvalidLocalPath("..");
    ExpectInvalidLocalPath("a/../../b");
    ExpectInvalidLocalPath("a/../b");
    const TempDir outside("cerulean-outside");
    fs::create_symlink(outside.path(), root() / "escape");
    ExpectInvalidLocalPath("escape");
    ExpectInvalidLocalPath("escape/deeper");
    fs::create_symlink("/etc/hostname", root() / "file-link");
    ExpectInvalidLocalPath("file-link");
    WriteFile(root() / "plain.txt", "a file");
    ExpectInvalidLocalPath("plain.txt");

    // Nothing was stored by any of these.
    EXPECT_EQ(Call("GET", Jobs(conn_), {}, alice_)["total"], 0);

    // What is valid at the edges is accepted.
    fs::create_directories(root() / "real");
    fs::create_symlink(root() / "real", root() / "inner-link");
    EXPECT_EQ(CreateJob(Download("inner-link")).status, 202);
    EXPECT_EQ(CreateJob(Download("")).status, 202);                // the root itself
    EXPECT_EQ(CreateJob(Download("./new//folder/")).status, 202);  // normalized
    body = Download("x");
    body["interval_seconds"] = 60;
    const auto minute = CreateJob(body);
    EXPECT_EQ(minute.status, 202) << minute.body;
    if (minute.status == 202) {
        EXPECT_EQ(minute["interval_seconds"], 60);
    }
    body["interval_seconds"] = 31'536'000;
    EXPECT_EQ(CreateJob(body).status, 202);
    body = Download("x");
    body["delete_extraneous"] = true;
    body["max_delete"] = 0;
    const auto zero = CreateJob(body);
    EXPECT_EQ(zero.status, 202) << zero.body;
    if (zero.status == 202) {
        EXPECT_EQ(zero["max_delete"], 0);
    }
    EXPECT_EQ(
        CreateJob(copy({{"connection_id", conn_}, {"container", container_}, {"prefix", "ab/"}}))
            .status,
        202);  // "a/" and "ab/" do not overlap
    const auto normalized = CreateJob(Download("./new//folder/"));
    if (normalized.status == 202) {
        EXPECT_EQ(normalized["local_path"], "new/folder");
    }
}

// The contract caps interval_seconds at 31,536,000 (a year of 365 days).
TEST_P(SyncJobApiTest, AScheduleIsAtMostAYear) {
    auto body = Download("x");
    body["interval_seconds"] = 31'536'000;
    EXPECT_EQ(CreateJob(body).status, 202);
    for (const std::int64_t interval : {31'536'001LL, 31'622'400LL, 31'622'401LL}) {
        body["interval_seconds"] = interval;
        ExpectFieldError(body, "interval_seconds");
    }
}

TEST_P(SyncJobApiTest, AnotherUsersConnectionIsNotFound) {
    const std::int64_t bobs = SecondConnection("bob's", bob_);
    const auto create = CreateJob(Download("x"), bobs, alice_);
    EXPECT_EQ(create.status, 404) << create.body;
    EXPECT_EQ(CodeOf(create), "connection_not_found");
    const auto list = Call("GET", Jobs(bobs), {}, alice_);
    EXPECT_EQ(list.status, 404) << list.body;
    EXPECT_EQ(CodeOf(list), "connection_not_found");
    // Exactly as for a connection that does not exist.
    EXPECT_EQ(CreateJob(Download("x"), bobs + 1000, alice_).body, create.body);
    EXPECT_EQ(Call("GET", Jobs(bobs + 1000), {}, alice_).body, list.body);
    EXPECT_EQ(Call("GET", Jobs(conn_)).status, 401);
    EXPECT_EQ(Json("POST", Jobs(conn_), Download("x")).status, 401);
}

TEST_P(SyncJobApiTest, AnotherUsersJobIsNotFoundOnEveryJobRoute) {
    const std::int64_t job = CreatedJob(Download("mine"));
    const std::int64_t bobs = SecondConnection("bob's", bob_);
    const std::int64_t alices_other = SecondConnection("other", alice_);
    const std::vector<std::pair<std::string, std::string>> routes{
        {"GET", ""},       {"DELETE", ""},   {"POST", "/run"},   {"POST", "/cancel"},
        {"POST", "/plan"}, {"GET", "/runs"}, {"GET", "/events"},
    };
    for (const auto& [method, suffix] : routes) {
        const auto missing = Blob(method, Job(conn_, job + 1000, suffix), alice_);
        EXPECT_EQ(missing.status, 404) << method << suffix << " " << missing.body;
        if (missing.json.is_object()) {
            EXPECT_EQ(CodeOf(missing), "sync_job_not_found");
        }
        // Bob through alice's connection, bob through his own, alice through her other one.
        for (const auto& [connection, token] : std::vector<std::pair<std::int64_t, std::string>>{
                 {conn_, bob_}, {bobs, bob_}, {alices_other, alice_}}) {
            const auto response = Blob(method, Job(connection, job, suffix), token);
            EXPECT_EQ(response.status, 404) << method << suffix << " " << response.body;
            if (response.json.is_object()) {
                EXPECT_EQ(CodeOf(response), "sync_job_not_found") << method << suffix;
            }
            EXPECT_EQ(response.body, missing.body)
                << "existence must not leak: " << method << suffix;
        }
        EXPECT_EQ(Blob(method, Job(conn_, job, suffix), {}).status, 401) << method << suffix;
    }
    // Nothing happened to it.
    const auto mine = Call("GET", Job(conn_, job), {}, alice_);
    EXPECT_EQ(mine.status, 200);
    EXPECT_EQ(mine["status"], "queued");
    EXPECT_EQ(RunRows(job), 1);
    EXPECT_EQ(Call("GET", Jobs(bobs), {}, bob_)["total"], 0);
}

// --- Lists, runs, cancel, delete ----------------------------------------------------------------

TEST_P(SyncJobApiTest, ListsNewestFirstWithTotalAndPaging) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(CreatedJob(Download(Numbered("dir", i))));
    CreatedJob(Download("elsewhere"), SecondConnection("other", alice_));  // not on this list
    const auto all = Call("GET", Jobs(conn_), {}, alice_);
    ASSERT_EQ(all.status, 200) << all.body;
    ExpectExactKeys(all.json.as_object(), {"items", "total"});
    EXPECT_EQ(all["total"], 5);
    std::vector<std::int64_t> listed;
    for (const auto& item : all["items"].as_array()) {
        ExpectJobShape(item);
        listed.push_back(item.as_object().at("id").as_int64());
    }
    EXPECT_EQ(listed, std::vector<std::int64_t>(ids.rbegin(), ids.rend()));

    std::vector<std::int64_t> paged;
    for (int skip = 0; skip < 6; skip += 2) {
        const auto page =
            Call("GET", Jobs(conn_, "?skip=" + std::to_string(skip) + "&limit=2"), {}, alice_);
        ASSERT_EQ(page.status, 200) << page.body;
        EXPECT_EQ(page["total"], 5);
        EXPECT_EQ(page["items"].as_array().size(), skip < 4 ? 2U : 1U);
        for (const auto& item : page["items"].as_array()) {
            paged.push_back(item.as_object().at("id").as_int64());
        }
    }
    EXPECT_EQ(paged, listed);
    const auto past = Call("GET", Jobs(conn_, "?skip=50"), {}, alice_);
    EXPECT_EQ(past["total"], 5);
    EXPECT_TRUE(past["items"].as_array().empty());
    for (const char* bad : {"?limit=0", "?limit=1001", "?skip=-1", "?limit=x"}) {
        const auto refused = Call("GET", Jobs(conn_, bad), {}, alice_);
        EXPECT_EQ(refused.status, 422) << bad << " " << refused.body;
    }
    EXPECT_EQ(Call("GET", Jobs(conn_), {}, bob_).status, 404);
}

TEST_P(SyncJobApiTest, RunNowCancelAndTheRunHistory) {
    Put("r/a.txt", "alpha");
    const auto created = CreateJob(Download("history", "r/"));
    ASSERT_EQ(created.status, 202) << created.body;
    const std::int64_t job = created["id"].as_int64();

    // No worker yet: the first run stays queued, and only one run may be live.
    const auto busy = Call("POST", Job(conn_, job, "/run"), {}, alice_);
    EXPECT_EQ(busy.status, 409) << busy.body;
    EXPECT_EQ(CodeOf(busy), "sync_run_active");

    const auto cancelled = Call("POST", Job(conn_, job, "/cancel"), {}, alice_);
    ASSERT_EQ(cancelled.status, 202) << cancelled.body;
    ExpectRunShape(cancelled.json);
    EXPECT_EQ(cancelled["status"], "cancelled");  // only queued: it ends at once
    EXPECT_EQ(cancelled["job_id"], job);
    EXPECT_EQ(cancelled["trigger"], "create");
    EXPECT_TRUE(IsTime(cancelled["finished_at"]));
    EXPECT_EQ(Call("GET", Job(conn_, job), {}, alice_)["status"], "cancelled");

    const auto idle = Call("POST", Job(conn_, job, "/cancel"), {}, alice_);
    EXPECT_EQ(idle.status, 409) << idle.body;
    EXPECT_EQ(CodeOf(idle), "sync_run_not_active");

    const auto manual = Call("POST", Job(conn_, job, "/run"), {}, alice_);
    ASSERT_EQ(manual.status, 202) << manual.body;
    ExpectRunShape(manual.json);
    EXPECT_EQ(manual["status"], "queued");
    EXPECT_EQ(manual["trigger"], "manual");
    EXPECT_EQ(manual["attempt"], 1);
    EXPECT_EQ(manual["job_id"], job);
    EXPECT_EQ(manual["error"], nullptr);
    EXPECT_EQ(manual["started_at"], nullptr);
    EXPECT_EQ(manual["finished_at"], nullptr);
    EXPECT_EQ(Call("POST", Job(conn_, job, "/run"), {}, alice_).status, 409);
    EXPECT_EQ(Call("GET", Job(conn_, job), {}, alice_)["status"], "queued");

    StartWorker();
    const auto done = WaitForEnd(conn_, job);
    EXPECT_EQ(done.at("status"), "succeeded") << boost::json::serialize(done);
    EXPECT_EQ(ReadFile(root() / "history" / "a.txt"), "alpha");
    const auto after = Call("POST", Job(conn_, job, "/cancel"), {}, alice_);
    EXPECT_EQ(after.status, 409) << after.body;
    EXPECT_EQ(CodeOf(after), "sync_run_not_active");

    const auto third = Call("POST", Job(conn_, job, "/run"), {}, alice_);
    ASSERT_EQ(third.status, 202) << third.body;
    WaitForEnd(conn_, job);

    const auto runs = Call("GET", Job(conn_, job, "/runs"), {}, alice_);
    ASSERT_EQ(runs.status, 200) << runs.body;
    ExpectExactKeys(runs.json.as_object(), {"items", "total"});
    EXPECT_EQ(runs["total"], 3);
    const auto& items = runs["items"].as_array();
    ASSERT_EQ(items.size(), 3U);
    for (const auto& item : items) ExpectRunShape(item);
    EXPECT_EQ(items[0].as_object().at("id"), third["id"]);
    EXPECT_EQ(items[0].as_object().at("status"), "succeeded");
    EXPECT_EQ(items[1].as_object().at("id"), manual["id"]);
    EXPECT_EQ(items[1].as_object().at("status"), "succeeded");
    EXPECT_EQ(items[1].as_object().at("trigger"), "manual");
    EXPECT_TRUE(IsTime(items[1].as_object().at("started_at")));
    EXPECT_TRUE(IsTime(items[1].as_object().at("finished_at")));
    EXPECT_EQ(items[2].as_object().at("id"), cancelled["id"]);
    EXPECT_EQ(items[2].as_object().at("status"), "cancelled");
    EXPECT_EQ(items[2].as_object().at("trigger"), "create");
    EXPECT_EQ(items[2].as_object().at("started_at"), nullptr) << "never ran";
    const auto page = Call("GET", Job(conn_, job, "/runs?skip=1&limit=1"), {}, alice_);
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page["total"], 3);
    ASSERT_EQ(page["items"].as_array().size(), 1U);
    EXPECT_EQ(page["items"].as_array()[0].as_object().at("id"), manual["id"]);
    EXPECT_EQ(Call("GET", Job(conn_, job, "/runs?limit=0"), {}, alice_).status, 422);
}

TEST_P(SyncJobApiTest, CancelStopsARunningRunAndLeavesNoTemporaryFile) {
    const std::int64_t slow = SlowConnection(100ms);
    PutMany(container_, "many/", 120, 32 * 1024);
    const std::int64_t job = CreatedJob(Download("cancelled", "many/"), slow);
    StartWorker(1, 2);
    ASSERT_TRUE(WaitForStatus(slow, job, "running"))
        << Call("GET", Job(slow, job), {}, alice_).body;

    const auto cancel = Call("POST", Job(slow, job, "/cancel"), {}, alice_);
    ASSERT_EQ(cancel.status, 202) << cancel.body;
    ExpectRunShape(cancel.json);
    EXPECT_TRUE(cancel["status"] == "running" || cancel["status"] == "cancelled") << cancel.body;
    const auto ended = WaitForEnd(slow, job, 30s);
    EXPECT_EQ(ended.at("status"), "cancelled") << boost::json::serialize(ended);
    EXPECT_LT(ended.at("progress").as_object().at("files_done").as_int64(), 120);
    EXPECT_FALSE(HasTemporaryFiles(root())) << "a cancelled run removes its temporary files";
    const auto idle = Call("POST", Job(slow, job, "/cancel"), {}, alice_);
    EXPECT_EQ(idle.status, 409);
    EXPECT_EQ(CodeOf(idle), "sync_run_not_active");
}

TEST_P(SyncJobApiTest, DeleteRemovesTheJobAndItsRuns) {
    Put("d/a.txt", "alpha");
    const std::int64_t job = CreatedJob(Download("deleted", "d/"));
    StartWorker();
    WaitForEnd(conn_, job);
    ASSERT_EQ(Call("POST", Job(conn_, job, "/run"), {}, alice_).status, 202);
    WaitForEnd(conn_, job);
    EXPECT_EQ(RunRows(job), 2);

    const auto deleted = Call("DELETE", Job(conn_, job), {}, alice_);
    EXPECT_EQ(deleted.status, 204) << deleted.body;
    EXPECT_TRUE(deleted.body.empty());
    for (const auto& [method, suffix] : std::vector<std::pair<std::string, std::string>>{
             {"GET", ""}, {"DELETE", ""}, {"GET", "/runs"}, {"POST", "/run"}}) {
        const auto gone = Call(method, Job(conn_, job, suffix), {}, alice_);
        EXPECT_EQ(gone.status, 404) << method << suffix;
        EXPECT_EQ(CodeOf(gone), "sync_job_not_found") << method << suffix;
    }
    EXPECT_EQ(Call("GET", Jobs(conn_), {}, alice_)["total"], 0);
    EXPECT_EQ(RunRows(job), 0);
    EXPECT_EQ(JobRows(job), 0);
    // What a run made stays: deleting a job is not deleting its files.
    EXPECT_EQ(ReadFile(root() / "deleted" / "a.txt"), "alpha");
}

TEST_P(SyncJobApiTest, DeletingARunningJobStopsItsRun) {
    const std::int64_t slow = SlowConnection(100ms);
    PutMany(container_, "many/", 120, 32 * 1024);
    const std::int64_t job = CreatedJob(Download("deleted-running", "many/"), slow);
    StartWorker(1, 2);
    ASSERT_TRUE(WaitForStatus(slow, job, "running"));
    EXPECT_EQ(Call("DELETE", Job(slow, job), {}, alice_).status, 204);
    EXPECT_EQ(Call("GET", Job(slow, job), {}, alice_).status, 404);
    EXPECT_EQ(RunRows(job), 0);
    // The worker finds its lease gone at its next heartbeat and stops.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (worker_->active() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(worker_->active(), 0U) << "the run of a deleted job goes on";
    EXPECT_EQ(RunRows(job), 0) << "a stopped run must not write its row back";
}

// --- Dry runs -----------------------------------------------------------------------------------

TEST_P(SyncJobApiTest, PlanShowsWhatARunWouldDoAndChangesNothing) {
    Put("p/a.txt", "alpha");
    Put("p/b/c.txt", "charlie!");
    WriteFile(root() / "planned" / "old1.txt", "extraneous");
    WriteFile(root() / "planned" / "z" / "old2.txt", "extraneous too");
    const auto before = Tree(root());

    auto body = Download("planned", "p/");
    body["delete_extraneous"] = true;
    body["max_delete"] = 5;
    const std::int64_t job = CreatedJob(body);
    const auto plan = Call("POST", Job(conn_, job, "/plan"), {}, alice_);
    ASSERT_EQ(plan.status, 200) << plan.body;
    ExpectPlanShape(plan.json);
    EXPECT_EQ(plan["copy"], 2);
    EXPECT_EQ(plan["skip"], 0);
    EXPECT_EQ(plan["delete"], 2);
    EXPECT_EQ(plan["bytes"], 13);
    EXPECT_EQ(plan["failed"], 0);
    EXPECT_EQ(plan["deletes_refused"], nullptr);
    std::vector<std::pair<std::string, std::string>> actions;
    for (const auto& action : plan["actions"].as_array()) {
        actions.emplace_back(std::string(action.as_object().at("op").as_string()),
                             std::string(action.as_object().at("path").as_string()));
    }
    const std::vector<std::pair<std::string, std::string>> expected{
        {"copy", "a.txt"}, {"copy", "b/c.txt"}, {"delete", "old1.txt"}, {"delete", "z/old2.txt"}};
    EXPECT_EQ(actions, expected) << plan.body;

    // Nothing changed: the folder, the job, its runs.
    EXPECT_EQ(Tree(root()), before);
    EXPECT_FALSE(HasTemporaryFiles(root()));
    const auto still = Call("GET", Job(conn_, job), {}, alice_);
    EXPECT_EQ(still["status"], "queued");
    EXPECT_EQ(still["started_at"], nullptr);
    EXPECT_EQ(RunRows(job), 1);

    // Past max_delete: the plan says the run would delete nothing and fail.
    body["max_delete"] = 1;
    body["local_path"] = "planned";
    const std::int64_t capped = CreatedJob(body);
    const auto refused = Call("POST", Job(conn_, capped, "/plan"), {}, alice_);
    ASSERT_EQ(refused.status, 200) << refused.body;
    ExpectPlanShape(refused.json);
    ASSERT_TRUE(refused["deletes_refused"].is_object()) << refused.body;
    EXPECT_EQ(refused["deletes_refused"].as_object().at("code"), "too_many_deletes");
    EXPECT_EQ(Tree(root()), before);

    // And the run does as planned: the copies, no delete, failed with that reason (the first
    // job, which would delete, is cancelled before it runs).
    ASSERT_EQ(Call("POST", Job(conn_, job, "/cancel"), {}, alice_).status, 202);
    StartWorker();
    const auto failed = WaitForEnd(conn_, capped);
    EXPECT_EQ(failed.at("status"), "failed") << boost::json::serialize(failed);
    EXPECT_EQ(failed.at("last_error_code"), "too_many_deletes");
    EXPECT_TRUE(failed.at("last_error").is_string());
    EXPECT_EQ(ReadFile(root() / "planned" / "old1.txt"), "extraneous");
    EXPECT_EQ(ReadFile(root() / "planned" / "z" / "old2.txt"), "extraneous too");
    const auto runs = Call("GET", Job(conn_, capped, "/runs"), {}, alice_);
    ASSERT_EQ(runs.status, 200);
    EXPECT_EQ(runs["total"], 1) << "a permanent failure is not retried: " << runs.body;
    EXPECT_EQ(runs["items"].as_array()[0].as_object().at("error_code"), "too_many_deletes");
}

TEST_P(SyncJobApiTest, PlanAndRunRefuseAPathThatBecameASymlinkOutOfTheRoot) {
    Put("s/a.txt", "alpha");
    const std::int64_t job = CreatedJob(Download("later-link", "s/"));
    const TempDir outside("cerulean-outside");
    fs::create_symlink(outside.path(), root() / "later-link");
    const auto plan = Call("POST", Job(conn_, job, "/plan"), {}, alice_);
    EXPECT_EQ(plan.status, 422) << plan.body;
    EXPECT_EQ(CodeOf(plan), "invalid_local_path");
    StartWorker();
    const auto failed = WaitForEnd(conn_, job);
    EXPECT_EQ(failed.at("status"), "failed");
    EXPECT_EQ(failed.at("last_error_code"), "invalid_local_path");
    EXPECT_TRUE(fs::is_empty(outside.path())) << "nothing written outside the root";
}

// The contract: storage errors of a plan answer as on the other blob routes (404 for a missing
// container, 502 for the service's failures and refusals).
TEST_P(SyncJobApiTest, PlanMapsStorageErrorsLikeTheBlobRoutes) {
    const std::int64_t missing = CreatedJob(
        {{"direction", "download"}, {"container", UniqueName("nosuch")}, {"local_path", "m"}});
    const auto not_found = Call("POST", Job(conn_, missing, "/plan"), {}, alice_);
    EXPECT_EQ(not_found.status, 404) << not_found.body;
    EXPECT_EQ(CodeOf(not_found), "container_not_found") << not_found.body;

    auto wrong = KeyConnection("wrong key");
    wrong["credentials"] = {{"account_key", std::string(86, 'A') + "=="}};
    const std::int64_t refused = Create(wrong, alice_);
    const std::int64_t denied = CreatedJob(Download("d"), refused);
    const auto forbidden = Call("POST", Job(refused, denied, "/plan"), {}, alice_);
    EXPECT_EQ(forbidden.status, 502) << forbidden.body;
    EXPECT_EQ(CodeOf(forbidden), "azure_auth_failed") << forbidden.body;
}

// A plan against a service that keeps answering 503 is the gateway's failure (502, with Azure's
// code), like the blob routes', never this server's own 503.
TEST_P(SyncJobApiTest, APlanAgainstAnUnavailableServiceIsABadGateway) {
    const FailingStorage failing("503 Service Unavailable", "x-ms-retry-after-ms: 1\r\n");
    const std::int64_t down = SecondConnection("down", alice_, failing.endpoint());
    const std::int64_t unavailable =
        CreatedJob({{"direction", "download"}, {"container", "data"}, {"local_path", "u"}}, down);
    const auto gateway = Call("POST", Job(down, unavailable, "/plan"), {}, alice_);
    EXPECT_EQ(gateway.status, 502) << gateway.body;
}

TEST_P(SyncJobApiTest, AnInactiveConnectionRefusesPlansAndFailsItsRuns) {
    Put("i/a.txt", "alpha");
    const std::int64_t job = CreatedJob(Download("inactive", "i/"));
    ASSERT_EQ(Json("PATCH", Path(conn_, ""), {{"is_active", false}}, alice_).status, 200);
    const auto plan = Call("POST", Job(conn_, job, "/plan"), {}, alice_);
    EXPECT_EQ(plan.status, 409) << plan.body;
    EXPECT_EQ(CodeOf(plan), "connection_inactive");
    StartWorker();
    const auto failed = WaitForEnd(conn_, job);
    EXPECT_EQ(failed.at("status"), "failed") << boost::json::serialize(failed);
    EXPECT_EQ(failed.at("last_error_code"), "connection_inactive");
    EXPECT_FALSE(fs::exists(root() / "inactive" / "a.txt"));
}

// A job on `failing` storage, run by a worker allowing 3 attempts 50 ms apart: every attempt
// is a run of its own, failed, and there is no fourth.
void SyncJobApiTest::ExpectThreeAttempts(const FailingStorage& failing) {
    const std::int64_t broken = SecondConnection("failing", alice_, failing.endpoint());
    const std::int64_t job = CreatedJob(
        {{"direction", "download"}, {"container", "data"}, {"local_path", "retried"}}, broken);
    auto options = WorkerOptions();
    options.max_attempts = 3;
    options.retry_base = 50ms;
    options.retry_cap = 200ms;
    StartWorker(options);
    // Until the third attempt failed, or the latest one failed and nothing followed for 2 s
    // (retries here come within a fraction of that).
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    auto changed = std::chrono::steady_clock::now();
    std::size_t seen = 0;
    ApiResponse runs;
    while (std::chrono::steady_clock::now() < deadline) {
        runs = Call("GET", Job(broken, job, "/runs"), {}, alice_);
        ASSERT_EQ(runs.status, 200) << runs.body;
        const auto& items = runs["items"].as_array();
        const bool ended = !items.empty() && items[0].as_object().at("status") == "failed";
        if (items.size() != seen) {
            seen = items.size();
            changed = std::chrono::steady_clock::now();
        }
        if (ended && (items.size() >= 3 || std::chrono::steady_clock::now() - changed > 2s)) break;
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(runs["total"], 3) << runs.body;
    const auto& items = runs["items"].as_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
        ExpectRunShape(items[i]);
        const auto& run = items[i].as_object();
        EXPECT_EQ(run.at("status"), "failed") << i;
        EXPECT_EQ(run.at("attempt"), static_cast<std::int64_t>(3 - i)) << i;
        EXPECT_EQ(run.at("trigger"), i == 2 ? "create" : "retry") << i;
        EXPECT_TRUE(run.at("error").is_string()) << i;
        EXPECT_TRUE(run.at("error_code").is_string()) << i;
    }
    EXPECT_GT(failing.requests(), 0);
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(Call("GET", Job(broken, job, "/runs"), {}, alice_)["total"], 3);
    const auto failed = Call("GET", Job(broken, job), {}, alice_);
    EXPECT_EQ(failed["status"], "failed");
    EXPECT_TRUE(failed["last_error_code"].is_string());
}

TEST_P(SyncJobApiTest, AServiceThatStaysUnavailableIsRetriedAndTheHistoryShowsEachAttempt) {
    // 503 with a short Retry-After: the storage client's own retries pass quickly.
    const FailingStorage failing("503 Service Unavailable", "x-ms-retry-after-ms: 1\r\n");
    ExpectThreeAttempts(failing);
}

// A 5xx the storage client does not retry itself (507 here; also 505, 508, 511...) is the
// service failing for now: the worker retries the run.
TEST_P(SyncJobApiTest, AnyServerErrorOfTheServiceIsRetried) {
    const FailingStorage failing("507 Insufficient Storage");
    ExpectThreeAttempts(failing);
}

TEST_P(SyncJobApiTest, APermanentFailureFailsAtOnceWithAMessageWithoutSecrets) {
    Put("k/a.txt", "alpha");
    auto wrong = KeyConnection("wrong key");
    const std::string bad_key = std::string(86, 'A') + "==";
    wrong["credentials"] = {{"account_key", bad_key}};
    const std::int64_t refused = Create(wrong, alice_);
    const std::int64_t job = CreatedJob(Download("refused", "k/"), refused);
    StartWorker();
    const auto failed = WaitForEnd(refused, job);
    EXPECT_EQ(failed.at("status"), "failed") << boost::json::serialize(failed);
    EXPECT_EQ(failed.at("last_error_code"), "azure_auth_failed");
    const auto runs = Call("GET", Job(refused, job, "/runs"), {}, alice_);
    EXPECT_EQ(runs["total"], 1) << "no retry of a refused credential: " << runs.body;
    EXPECT_EQ(runs.body.find(bad_key), std::string::npos);
    EXPECT_EQ(runs.body.find(kKey), std::string::npos);
    const auto job_now = Call("GET", Job(refused, job), {}, alice_);
    EXPECT_EQ(job_now.body.find(bad_key), std::string::npos);
    EXPECT_FALSE(fs::exists(root() / "refused" / "a.txt"));
}

// --- Events -------------------------------------------------------------------------------------

TEST_P(SyncJobApiTest, EventsOfAFinishedRunAreJustTheEnd) {
    Put("e/a.txt", "alpha");
    const std::int64_t job = CreatedJob(Download("events-done", "e/"));
    StartWorker();
    const auto done = WaitForEnd(conn_, job);
    ASSERT_EQ(done.at("status"), "succeeded");

    const auto stream = Blob("GET", Job(conn_, job, "/events"), alice_);
    ASSERT_EQ(stream.status, 200) << stream.body;
    EXPECT_EQ(Header(stream, "Content-Type").rfind("text/event-stream", 0), 0U);
    EXPECT_EQ(Header(stream, "Cache-Control"), "no-store");
    EXPECT_EQ(stream.body.rfind("event: end\ndata: {", 0), 0U) << stream.body;
    const auto events = ParseEvents(stream.body);
    ASSERT_EQ(events.size(), 1U) << stream.body;
    EXPECT_EQ(events[0].name, "end");
    ExpectRunShape(events[0].data);
    if (events[0].data.is_object()) {
        EXPECT_EQ(events[0].data.as_object().at("status"), "succeeded");
        EXPECT_EQ(events[0].data.as_object().at("job_id"), job);
    }
}

TEST_P(SyncJobApiTest, EventsOfALiveRunStreamProgressThenTheEnd) {
    const std::int64_t slow = SlowConnection(100ms);
    PutMany(container_, "ev/", 40, 16 * 1024);
    const std::int64_t job = CreatedJob(Download("events-live", "ev/"), slow);
    // The worker starts once the stream is open: the stream sees the run queued, then running.
    std::thread starter([this] {
        std::this_thread::sleep_for(700ms);
        StartWorker(1, 2);
    });
    const auto stream = Blob("GET", Job(slow, job, "/events"), alice_);
    starter.join();
    ASSERT_EQ(stream.status, 200) << stream.body;
    EXPECT_EQ(Header(stream, "Content-Type").rfind("text/event-stream", 0), 0U);
    const auto events = ParseEvents(stream.body);
    ASSERT_GE(events.size(), 2U) << stream.body;
    EXPECT_EQ(events.front().name, "progress") << stream.body;
    EXPECT_EQ(events.back().name, "end") << stream.body;
    std::int64_t run_id = 0;
    std::int64_t done_before = 0;
    int running = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto& event = events[i];
        if (i + 1 < events.size()) {
            EXPECT_EQ(event.name, "progress") << i;
        }
        ExpectRunShape(event.data);
        if (!event.data.is_object()) continue;
        const auto& run = event.data.as_object();
        if (run_id == 0) run_id = run.at("id").as_int64();
        EXPECT_EQ(run.at("id"), run_id) << "one run is followed";
        running += run.at("status") == "running" ? 1 : 0;
        const std::int64_t done = run.at("progress").as_object().at("files_done").as_int64();
        EXPECT_GE(done, done_before) << "progress never goes back";
        done_before = done;
    }
    EXPECT_EQ(events.front().data.as_object().at("status"), "queued");
    EXPECT_GE(running, 1) << stream.body;
    const auto& end = events.back().data.as_object();
    EXPECT_EQ(end.at("status"), "succeeded") << stream.body;
    EXPECT_EQ(end.at("progress").as_object().at("files_done"), 40);
    EXPECT_EQ(Tree(root() / "events-live").size(), 40U);
}

TEST_P(SyncJobApiTest, EventsOfAJobDeletedWhileStreamingEndWithItsRunCancelled) {
    Put("d/a.txt", "alpha");
    // No worker: the run stays queued until the job is deleted under the open stream.
    const std::int64_t job = CreatedJob(Download("events-deleted", "d/"));
    std::thread deleter([this, job] {
        std::this_thread::sleep_for(700ms);
        EXPECT_EQ(Blob("DELETE", Job(conn_, job, ""), alice_).status, 204);
    });
    const auto stream = Blob("GET", Job(conn_, job, "/events"), alice_);
    deleter.join();
    ASSERT_EQ(stream.status, 200) << stream.body;
    const auto events = ParseEvents(stream.body);
    ASSERT_GE(events.size(), 2U) << stream.body;
    EXPECT_EQ(events.front().name, "progress") << stream.body;
    ASSERT_EQ(events.back().name, "end") << stream.body;
    ExpectRunShape(events.back().data);
    const auto& end = events.back().data.as_object();
    EXPECT_EQ(end.at("status"), "cancelled") << stream.body;
    EXPECT_EQ(end.at("error_code"), "sync_job_deleted") << stream.body;
    EXPECT_FALSE(end.at("finished_at").is_null()) << stream.body;
    EXPECT_EQ(Blob("GET", Job(conn_, job, ""), alice_).status, 404);
}

// --- Connections and their jobs -----------------------------------------------------------------

TEST_P(SyncJobApiTest, DeletingAConnectionRemovesItsJobsAndTheirRuns) {
    Put("c/a.txt", "alpha");
    const std::int64_t second = SecondConnection("second", alice_);
    const std::string target = NewContainer("conntarget");
    const std::int64_t own = CreatedJob(
        {{"direction", "download"}, {"container", container_}, {"local_path", "conn-own"}}, second);
    // A copy from the main connection into the second: it dies with either connection.
    const std::int64_t into =
        CreatedJob({{"direction", "copy"},
                    {"container", container_},
                    {"prefix", "c/"},
                    {"target", {{"connection_id", second}, {"container", target}}}});
    const std::int64_t kept = CreatedJob(Download("conn-kept", "c/"));
    StartWorker();
    for (const auto& [connection, job] : std::vector<std::pair<std::int64_t, std::int64_t>>{
             {second, own}, {conn_, into}, {conn_, kept}}) {
        EXPECT_EQ(WaitForEnd(connection, job).at("status"), "succeeded");
    }
    EXPECT_EQ(RunRows(own), 1);
    EXPECT_EQ(RunRows(into), 1);

    EXPECT_EQ(Call("DELETE", Path(second, ""), {}, alice_).status, 204);
    const auto gone = Call("GET", Job(second, own), {}, alice_);
    EXPECT_EQ(gone.status, 404) << gone.body;
    const auto copy_gone = Call("GET", Job(conn_, into), {}, alice_);
    EXPECT_EQ(copy_gone.status, 404) << copy_gone.body;
    EXPECT_EQ(CodeOf(copy_gone), "sync_job_not_found");
    EXPECT_EQ(CodeOf(Call("GET", Jobs(second), {}, alice_)), "connection_not_found");
    EXPECT_EQ(JobRows(own), 0);
    EXPECT_EQ(JobRows(into), 0);
    EXPECT_EQ(RunRows(own), 0);
    EXPECT_EQ(RunRows(into), 0);
    // The other connection's own job stays.
    EXPECT_EQ(Call("GET", Job(conn_, kept), {}, alice_).status, 200);
    EXPECT_EQ(RunRows(kept), 1);
    EXPECT_EQ(Call("GET", Jobs(conn_), {}, alice_)["total"], 1);
}

TEST_P(SyncJobApiTest, DeletingAConnectionStopsItsRunningRun) {
    const std::int64_t slow = SlowConnection(100ms);
    PutMany(container_, "many/", 120, 32 * 1024);
    const std::int64_t job = CreatedJob(Download("conn-running", "many/"), slow);
    StartWorker(1, 2);
    ASSERT_TRUE(WaitForStatus(slow, job, "running"));
    EXPECT_EQ(Call("DELETE", Path(slow, ""), {}, alice_).status, 204);
    EXPECT_EQ(JobRows(job), 0);
    EXPECT_EQ(RunRows(job), 0);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (worker_->active() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(worker_->active(), 0U) << "the run of a deleted connection goes on";
    EXPECT_EQ(RunRows(job), 0);
}

TEST_P(SyncJobApiTest, AScheduledJobSaysWhenItRunsNext) {
    Put("s/a.txt", "alpha");
    auto body = Download("scheduled", "s/");
    body["interval_seconds"] = 3600;
    const std::int64_t job = CreatedJob(body);
    EXPECT_EQ(Call("GET", Job(conn_, job), {}, alice_)["next_run_at"], nullptr)
        << "no next run while one is queued";
    StartWorker();
    const auto done = WaitForEnd(conn_, job);
    EXPECT_EQ(done.at("status"), "succeeded");
    EXPECT_EQ(done.at("interval_seconds"), 3600);
    // Read again: the run's end and the schedule are recorded together.
    const auto job_now = Call("GET", Job(conn_, job), {}, alice_);
    EXPECT_TRUE(IsTime(job_now["next_run_at"])) << job_now.body;
    if (IsTime(job_now["next_run_at"]) && IsTime(job_now["finished_at"])) {
        EXPECT_GT(std::string(job_now["next_run_at"].as_string()),
                  std::string(job_now["finished_at"].as_string()));
    }
}

CERULEAN_ON_BOTH_DATABASES(SyncJobApiTest);

}  // namespace
}  // namespace cerulean::testing
