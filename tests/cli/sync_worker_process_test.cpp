// Sync runs across real processes (issue 12, "Queue and workers"): `cerulean serve` killed with
// SIGKILL in the middle of a download and started again finishes the run exactly; on PostgreSQL,
// two `cerulean serve` (CERULEAN_WORKERS=0) and two `cerulean worker` processes drain a hundred
// jobs with every run executed once, and a worker killed mid-batch loses no run. Storage is the
// shared Azurite, reached through test proxies that hold answers back (a download that stops at
// a known point) or slow them down (runs that take a while).
//
// Two tests wait for a run's lease (30 s, not configurable from the environment) to lapse after
// a SIGKILL before another worker may claim the run again: each takes some 35-45 s by design.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "azure/blob_client.hpp"
#include "cli/serve_fixture.hpp"
#include "store/database.hpp"
#include "store/database_impl.hpp"
#include "support/azurite_server.hpp"
#include "support/budget_proxy.hpp"
#include "support/files.hpp"
#include "support/net.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Env = std::vector<std::pair<std::string, std::string>>;

// --- HTTP and JSON -------------------------------------------------------------------------------

struct HttpAnswer {
    int status = 0;
    std::string raw;
    boost::json::value json;
};

HttpAnswer Request(int port, const std::string& method, const std::string& path,
                   const std::string& token = {}, const boost::json::value& body = nullptr) {
    std::string headers;
    if (!token.empty()) headers += "Authorization: Bearer " + token + "\r\n";
    std::string text;
    if (!body.is_null()) {
        headers += "Content-Type: application/json\r\n";
        text = boost::json::serialize(body);
    }
    HttpAnswer answer;
    answer.raw = HttpCall(port, method, path, text, headers);
    if (answer.raw.size() > 12) answer.status = std::stoi(answer.raw.substr(9, 3));
    const auto split = answer.raw.find("\r\n\r\n");
    if (split != std::string::npos) {
        boost::system::error_code ec;
        answer.json = boost::json::parse(answer.raw.substr(split + 4), ec);
        if (ec) answer.json = nullptr;
    }
    return answer;
}

const boost::json::value& Field(const HttpAnswer& answer, std::string_view key) {
    static const boost::json::value kNull;
    if (!answer.json.is_object()) return kNull;
    const auto* value = answer.json.as_object().if_contains(key);
    return value != nullptr ? *value : kNull;
}

std::string Text(const boost::json::value& value) {
    return value.is_string() ? std::string(value.as_string()) : boost::json::serialize(value);
}

// Registers `email` and returns a token for it.
std::string SignUp(int port, const std::string& email) {
    const auto registered = Request(port, "POST", "/api/v1/auth/register", {},
                                    {{"email", email}, {"password", "password123"}});
    EXPECT_EQ(registered.status, 201) << registered.raw;
    const auto token = Request(port, "POST", "/api/v1/auth/token", {},
                               {{"username", email}, {"password", "password123"}});
    EXPECT_EQ(token.status, 200) << token.raw;
    return Text(Field(token, "access_token"));
}

// An account-key connection to the Azurite account at `endpoint`; its id.
std::int64_t CreateConnection(int port, const std::string& token, const std::string& endpoint) {
    const auto created = Request(port, "POST", "/api/v1/azure_blob/connections", token,
                                 {{"name", "storage"},
                                  {"auth_type", "account_key"},
                                  {"account_name", "devstoreaccount1"},
                                  {"endpoint", endpoint},
                                  {"credentials", {{"account_key", AzuriteServer::kAccountKey}}}});
    EXPECT_EQ(created.status, 201) << created.raw;
    const auto& id = Field(created, "id");
    return id.is_int64() ? id.as_int64() : 0;
}

std::string JobsPath(std::int64_t connection, const std::string& suffix = {}) {
    return "/api/v1/azure_blob/connections/" + std::to_string(connection) + "/sync_jobs" + suffix;
}

// The path of job `job` (and `suffix`), built by appending: g++ 12 warns falsely (-Wrestrict)
// on "literal" + std::string.
std::string JobPath(std::int64_t connection, std::int64_t job, std::string_view suffix = {}) {
    std::string path = JobsPath(connection);
    path += '/';
    path += std::to_string(job);
    path += suffix;
    return path;
}

// --- Files ---------------------------------------------------------------------------------------

// The regular files below `root` (relative path -> content), and every name seen.
std::map<std::string, std::string> Tree(const fs::path& root, std::vector<std::string>* names) {
    std::map<std::string, std::string> files;
    if (!fs::exists(root)) return files;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::end(it); ++it) {
        names->push_back(it->path().lexically_relative(root).generic_string());
        if (it->is_regular_file() && !it->is_symlink()) {
            files[it->path().lexically_relative(root).generic_string()] = ReadFile(it->path());
        }
    }
    return files;
}

// Names of a download's temporary files or resume records (".NAME.cerulean-partial*").
std::vector<std::string> TemporaryNames(const std::vector<std::string>& names) {
    static const std::regex kTemporary(R"((^|/)\.[^/]+\.cerulean-partial[^/]*$)");
    std::vector<std::string> found;
    for (const auto& name : names) {
        if (std::regex_search(name, kTemporary)) found.push_back(name);
    }
    return found;
}

// Compares a downloaded tree with what was put in the container, byte for byte, naming the
// first differences rather than printing megabytes.
void ExpectSameTree(const std::map<std::string, std::string>& actual,
                    const std::map<std::string, std::string>& expected) {
    EXPECT_EQ(actual.size(), expected.size());
    int reported = 0;
    for (const auto& [name, bytes] : expected) {
        const auto it = actual.find(name);
        if (it == actual.end()) {
            if (reported++ < 10) ADD_FAILURE() << "missing: " << name;
        } else if (it->second != bytes) {
            if (reported++ < 10) {
                ADD_FAILURE() << "differs: " << name << " (" << it->second.size() << " bytes, "
                              << bytes.size() << " expected)";
            }
        }
    }
    for (const auto& [name, bytes] : actual) {
        if (!expected.contains(name) && reported++ < 10) ADD_FAILURE() << "extra: " << name;
    }
}

// `stem` and a zero-padded number.
std::string Numbered(std::string_view stem, int i) {
    std::string number = std::to_string(i);
    std::string name(stem);
    name.append(4 - std::min<std::size_t>(4, number.size()), '0');
    name += number;
    return name;
}

// --- Logs ----------------------------------------------------------------------------------------

// The `key=value` fields of each line of `log` that has `event=<event>`.
std::vector<std::map<std::string, std::string>> LogEvents(const std::string& log,
                                                          const std::string& event) {
    std::vector<std::map<std::string, std::string>> events;
    const std::string marker = " event=" + event + " ";
    std::size_t at = 0;
    while (at < log.size()) {
        std::size_t end = log.find('\n', at);
        if (end == std::string::npos) end = log.size();
        const std::string line = log.substr(at, end - at) + " ";
        at = end + 1;
        if (line.find(marker) == std::string::npos) continue;
        std::map<std::string, std::string> fields;
        std::size_t from = 0;
        while (from < line.size()) {
            const std::size_t space = line.find(' ', from);
            const std::string word = line.substr(from, space - from);
            from = space + 1;
            const std::size_t equals = word.find('=');
            if (equals != std::string::npos)
                fields[word.substr(0, equals)] = word.substr(equals + 1);
        }
        events.push_back(std::move(fields));
    }
    return events;
}

// The run ids of `events`, each as often as it appears.
std::multiset<std::string> RunIds(const std::vector<std::map<std::string, std::string>>& events) {
    std::multiset<std::string> ids;
    for (const auto& fields : events) {
        const auto it = fields.find("run_id");
        if (it != fields.end()) ids.insert(it->second);
    }
    return ids;
}

// --- The fixture ---------------------------------------------------------------------------------

class SyncWorkerProcessTest : public ServeTest {
 protected:
    void SetUp() override {
        azure_.emplace(
            azure::BlobClient::FromConnectionString(SharedAzurite().connection_string()));
        container_ = UniqueName("workers");
        azure_->CreateContainer(container_);
    }

    void TearDown() override {
        processes_.clear();  // before the proxies their connections go through
        server_.reset();
        proxy_.reset();
        for (const auto& container : {container_, target_}) {
            if (container.empty()) continue;
            try {
                azure_->DeleteContainer(container);
            } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): best effort
            }
        }
    }

    // Puts `blobs` (name -> content) in the container, eight at a time.
    void PutAll(const std::map<std::string, std::string>& blobs) {
        std::vector<std::pair<std::string, std::string>> items(blobs.begin(), blobs.end());
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&] {
                for (std::size_t i = next++; i < items.size(); i = next++) {
                    azure_->PutBlob(container_, items[i].first,
                                    azure::RequestBody::FromBytes(items[i].second), {});
                }
            });
        }
        for (auto& thread : threads) thread.join();
    }

    // Puts `count` blobs of about `size` bytes below `prefix`; the blobs by name.
    std::map<std::string, std::string> PutBlobs(const std::string& prefix, int count,
                                                std::size_t size, unsigned seed) {
        std::map<std::string, std::string> blobs;
        for (int i = 0; i < count; ++i) {
            blobs[Numbered(prefix + "f", i) + ".bin"] =
                PatternBytes(size + static_cast<std::size_t>(i), seed + static_cast<unsigned>(i));
        }
        PutAll(blobs);
        return blobs;
    }

    // Starts a `cerulean` process with `args` in `working_directory`; `ready` (when given) is a
    // line it prints once it is up.
    ChildProcess& Start(const std::vector<std::string>& args, Env env, const std::string& name,
                        const fs::path& working_directory, const std::string& ready = {}) {
        std::vector<std::string> argv{CERULEAN_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        ChildProcessOptions options;
        options.environment = std::move(env);
        options.working_directory = working_directory;
        fs::create_directories(working_directory);
        processes_.push_back(
            std::make_unique<ChildProcess>(argv, dir_.path() / (name + ".log"), options));
        ChildProcess& process = *processes_.back();
        if (!ready.empty()) {
            const auto deadline = std::chrono::steady_clock::now() + 30s;
            while (FileTail(process.log_path(), 1 << 20).find(ready) == std::string::npos &&
                   process.Running() && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(50ms);
            }
            EXPECT_NE(FileTail(process.log_path(), 1 << 20).find(ready), std::string::npos)
                << name << " did not start:\n"
                << process.LogTail();
        }
        return process;
    }

    // Starts `cerulean serve` as Start does; its port.
    int StartServe(Env env, const std::string& name) {
        const int port = FreeLoopbackPort();
        env.emplace_back("CERULEAN_LISTEN", "127.0.0.1:" + std::to_string(port));
        ChildProcess& process = Start({"serve"}, std::move(env), name, dir_.path() / name);
        bool listening = false;
        for (int i = 0; i < 300 && !listening && process.Running(); ++i) {
            listening = WaitForTcp(port, 100ms);
        }
        EXPECT_TRUE(listening) << name << " did not listen:\n" << process.LogTail();
        return port;
    }

    std::string LogOf(const std::string& name) const {
        return FileTail(dir_.path() / (name + ".log"), 64 << 20);
    }

    // Polls GET job until its status is final; the job as read last.
    boost::json::object WaitForJob(int port, const std::string& token, std::int64_t connection,
                                   std::int64_t job, std::chrono::seconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        boost::json::object last;
        for (;;) {
            const auto got = Request(port, "GET", JobPath(connection, job), token);
            if (got.json.is_object()) last = got.json.as_object();
            const std::string status = Text(Field(got, "status"));
            if (status == "succeeded" || status == "failed" || status == "cancelled") return last;
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "the run did not end: " << got.raw;
                return last;
            }
            std::this_thread::sleep_for(250ms);
        }
    }

    std::optional<azure::BlobClient> azure_;
    std::string container_;
    std::string target_;
    std::unique_ptr<BudgetProxy> proxy_;
    std::vector<std::unique_ptr<ChildProcess>> processes_;
};

// A run's rows in a database: the runs table, as workers left it.
struct RunRows {
    std::int64_t rows = 0;             // runs
    std::int64_t jobs = 0;             // distinct jobs among them
    std::int64_t succeeded = 0;        // runs that succeeded
    std::int64_t ended_otherwise = 0;  // runs that failed or were cancelled
    std::int64_t claims = 0;           // claims of all runs together
    std::int64_t claimed_again = 0;    // runs claimed more than once
    std::set<std::int64_t> reclaimed;  // their ids
};

RunRows ReadRuns(const std::string& url) {
    store::DatabaseOptions options;
    options.url = url;
    options.pool_size = 1;
    auto db = store::Database::Open(options);
    RunRows runs;
    store::WithSession(*db, [&](store::Session& session) {
        runs.rows = store::SelectInt(session, "SELECT COUNT(*) FROM azure_blob_sync_runs");
        runs.jobs =
            store::SelectInt(session, "SELECT COUNT(DISTINCT job_id) FROM azure_blob_sync_runs");
        runs.succeeded = store::SelectInt(
            session, "SELECT COUNT(*) FROM azure_blob_sync_runs WHERE status = 'succeeded'");
        runs.ended_otherwise = store::SelectInt(
            session,
            "SELECT COUNT(*) FROM azure_blob_sync_runs WHERE status IN ('failed', 'cancelled')");
        runs.claims =
            store::SelectInt(session, "SELECT COALESCE(SUM(claims), 0) FROM azure_blob_sync_runs");
        store::Rows rows =
            session.Query("SELECT id FROM azure_blob_sync_runs WHERE claims > 1 ORDER BY id");
        while (rows.Next()) runs.reclaimed.insert(rows.Int(0));
    });
    runs.claimed_again = static_cast<std::int64_t>(runs.reclaimed.size());
    return runs;
}

// --- a. SIGKILL of the server running a download -------------------------------------------------

TEST_F(SyncWorkerProcessTest, AKilledServersDownloadIsClaimedAgainAndFinishesExactly) {
    // 150 small files and one large one (above the 32 MiB single-shot threshold: ranges, a
    // resume record); answers stop after a third of the bytes, so the kill finds the run mid-way.
    auto expected = PutBlobs("data/", 150, 64 * 1024, 1);
    const std::string big = PatternBytes((40U << 20U) + 123U, 99);
    azure_->PutBlob(container_, "data/big.bin", azure::RequestBody::FromBytes(big), {});
    expected["data/big.bin"] = big;
    std::uint64_t total = 0;
    for (const auto& [name, bytes] : expected) total += bytes.size();
    proxy_ = std::make_unique<BudgetProxy>(SharedAzurite().port(), total / 3);

    const fs::path sync_root = dir_.path() / "sync-root";
    const Env env{{"CERULEAN_WORKERS", "1"},
                  {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"},
                  {"CERULEAN_SYNC_ROOT", sync_root.string()}};
    int port = Serve(env);
    const std::string token = SignUp(port, "kill@x.io");
    const std::int64_t connection = CreateConnection(port, token, proxy_->azurite_endpoint());
    const auto created = Request(port, "POST", JobsPath(connection), token,
                                 {{"direction", "download"},
                                  {"container", container_},
                                  {"prefix", "data/"},
                                  {"local_path", "mirror"}});
    ASSERT_EQ(created.status, 202) << created.raw;
    const std::int64_t job = Field(created, "id").as_int64();
    const std::string job_path = JobPath(connection, job);

    ASSERT_TRUE(proxy_->WaitUntilHolding(60s)) << server_->LogTail();
    const auto running = Request(port, "GET", job_path, token);
    ASSERT_EQ(Text(Field(running, "status")), "running") << running.raw;
    EXPECT_EQ(server_->Stop(SIGKILL, 5s), 128 + SIGKILL);
    std::vector<std::string> names_at_kill;
    const auto at_kill = Tree(sync_root / "mirror", &names_at_kill);
    EXPECT_LT(at_kill.size(), expected.size()) << "the kill came too late to test anything";
    proxy_->Open();

    // The same data dir (database, keys, token secret): the run is claimed again once the dead
    // server's lease lapses (up to 30 s).
    port = Serve(env);
    const auto done = WaitForJob(port, token, connection, job, 120s);
    EXPECT_EQ(Text(done.at("status")), "succeeded")
        << boost::json::serialize(done) << server_->LogTail();
    const auto runs = Request(port, "GET", job_path + "/runs", token);
    EXPECT_EQ(Field(runs, "total"), 1) << "the run claimed again is the same run: " << runs.raw;

    std::vector<std::string> names;
    std::map<std::string, std::string> wanted;
    for (const auto& [name, bytes] : expected) wanted[name.substr(5)] = bytes;  // "data/" stripped
    ExpectSameTree(Tree(sync_root / "mirror", &names), wanted);
    EXPECT_EQ(TemporaryNames(names), std::vector<std::string>{});
    EXPECT_EQ(TemporaryNames([&] {
                  std::vector<std::string> all;
                  Tree(sync_root, &all);
                  return all;
              }()),
              std::vector<std::string>{});

    // The log: started twice (by the dead server, then resumed by the new one), finished once.
    const std::string log = Log();
    const auto started = LogEvents(log, "worker.run_started");
    ASSERT_EQ(started.size(), 2U) << log;
    EXPECT_EQ(started[0].at("run_id"), started[1].at("run_id"));
    EXPECT_EQ(started[1].at("resumed"), "true");
    EXPECT_NE(started[0].at("worker"), started[1].at("worker"));
    const auto finished = LogEvents(log, "worker.run_finished");
    ASSERT_EQ(finished.size(), 1U) << log;
    EXPECT_EQ(finished[0].at("status"), "succeeded");
    EXPECT_EQ(finished[0].at("recorded"), "true");
    EXPECT_EQ(server_->Stop(SIGTERM, 30s), 0) << server_->LogTail();
}

// --- b and c. Servers and workers sharing PostgreSQL ---------------------------------------------

class SharedDatabaseTest : public SyncWorkerProcessTest {
 protected:
    void SetUp() override {
        SyncWorkerProcessTest::SetUp();
        url_ = SharedPostgres().CreateDatabase(UniqueName("workers"));
        env_ = {{"CERULEAN_DATABASE_URL", url_},
                {"CERULEAN_MASTER_KEYS", "k1:" + std::string(43, 'K') + "="},
                {"CERULEAN_JWT_SECRET", std::string(48, 's')},
                {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"},
                {"CERULEAN_SYNC_ROOT", (dir_.path() / "sync-root").string()}};
    }

    Env With(std::string workers) const {
        Env env = env_;
        env.emplace_back("CERULEAN_WORKERS", std::move(workers));
        return env;
    }

    // Two servers without workers (one after the other: each migrates the database at start).
    void StartServers() {
        ports_[0] = StartServe(With("0"), "serve-a");
        ports_[1] = StartServe(With("0"), "serve-b");
    }

    ChildProcess& StartWorker(const std::string& name) {
        return Start({"worker"}, With("2"), name, dir_.path() / name, "Cerulean worker is running");
    }

    // Creates `count` jobs through the two servers in turn, each syncing its own folder of the
    // container: even ones download it, odd ones copy it to target_. Their ids.
    std::vector<std::int64_t> CreateJobs(const std::string& token, std::int64_t connection,
                                         int count) {
        std::vector<std::int64_t> ids;
        for (int i = 0; i < count; ++i) {
            const std::string folder = Numbered("j", i) + "/";
            boost::json::object body{
                {"container", container_}, {"prefix", folder}, {"direction", "download"}};
            if (i % 2 == 0) {
                body["local_path"] = "out/" + folder;
            } else {
                body["direction"] = "copy";
                body["target"] = {
                    {"connection_id", connection}, {"container", target_}, {"prefix", folder}};
            }
            const auto created = Request(ports_[i % 2], "POST", JobsPath(connection), token, body);
            EXPECT_EQ(created.status, 202) << created.raw;
            const auto& id = Field(created, "id");
            ids.push_back(id.is_int64() ? id.as_int64() : 0);
        }
        return ids;
    }

    // Waits until `count` runs have succeeded (or one failed, or `timeout` passed).
    void WaitForRuns(std::int64_t count, std::chrono::seconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        RunRows runs;
        while (std::chrono::steady_clock::now() < deadline) {
            runs = ReadRuns(url_);
            if (runs.succeeded >= count || runs.ended_otherwise > 0) break;
            std::this_thread::sleep_for(250ms);
        }
        EXPECT_EQ(runs.succeeded, count) << "a-log:\n"
                                         << LogOf("worker-a").substr(0, 4000) << "\nb-log:\n"
                                         << LogOf("worker-b").substr(0, 4000);
    }

    // Every job's result: the download folders and the copies are exact.
    void ExpectResults(const std::map<std::string, std::string>& blobs, int count) {
        for (int i = 0; i < count; ++i) {
            const std::string folder = Numbered("j", i) + "/";
            std::map<std::string, std::string> wanted;
            for (const auto& [name, bytes] : blobs) {
                if (name.starts_with(folder)) wanted[name.substr(folder.size())] = bytes;
            }
            if (i % 2 == 0) {
                std::vector<std::string> names;
                ExpectSameTree(Tree(dir_.path() / "sync-root" / "out" / folder, &names), wanted);
                EXPECT_EQ(TemporaryNames(names), std::vector<std::string>{}) << folder;
            } else {
                for (const auto& [name, bytes] : wanted) {
                    EXPECT_TRUE(azure_->DownloadToString(target_, folder + name) == bytes)
                        << folder << name;
                }
            }
        }
    }

    // Every job through the API: one run, succeeded.
    void ExpectOneSucceededRunEach(const std::string& token, std::int64_t connection,
                                   const std::vector<std::int64_t>& ids) {
        const auto listed = Request(ports_[1], "GET", JobsPath(connection, "?limit=1000"), token);
        ASSERT_EQ(listed.status, 200) << listed.raw;
        EXPECT_EQ(Field(listed, "total"), static_cast<std::int64_t>(ids.size()));
        for (const auto& item : Field(listed, "items").as_array()) {
            EXPECT_EQ(item.as_object().at("status"), "succeeded") << boost::json::serialize(item);
        }
        for (std::size_t i = 0; i < ids.size(); i += 9) {  // a sample, through both servers
            const auto runs =
                Request(ports_[i % 2], "GET", JobPath(connection, ids[i], "/runs"), token);
            EXPECT_EQ(Field(runs, "total"), 1) << runs.raw;
        }
    }

    std::string url_;
    Env env_;
    int ports_[2] = {0, 0};
};

constexpr int kJobs = 100;

TEST_F(SharedDatabaseTest, TwoServersAndTwoWorkersRunEachOfAHundredJobsExactlyOnce) {
    target_ = UniqueName("copies");
    azure_->CreateContainer(target_);
    std::map<std::string, std::string> blobs;
    for (int i = 0; i < kJobs; ++i) {
        const std::string folder = Numbered("j", i) + "/";
        blobs[folder + "a.txt"] = "job " + std::to_string(i);
        blobs[folder + "sub/b.bin"] = PatternBytes(3000 + static_cast<std::size_t>(i), i);
    }
    PutAll(blobs);

    StartServers();
    StartWorker("worker-a");
    StartWorker("worker-b");
    const std::string token = SignUp(ports_[0], "many@x.io");
    const std::int64_t connection =
        CreateConnection(ports_[1], token, SharedAzurite().blob_endpoint());
    const auto ids = CreateJobs(token, connection, kJobs);
    WaitForRuns(kJobs, 120s);

    const RunRows runs = ReadRuns(url_);
    EXPECT_EQ(runs.rows, kJobs);
    EXPECT_EQ(runs.jobs, kJobs);
    EXPECT_EQ(runs.succeeded, kJobs);
    EXPECT_EQ(runs.claims, kJobs) << "a run was claimed twice";
    ExpectOneSucceededRunEach(token, connection, ids);
    ExpectResults(blobs, kJobs);

    // Both workers took part, and each run started once and finished once in all.
    const auto a_started = RunIds(LogEvents(LogOf("worker-a"), "worker.run_started"));
    const auto b_started = RunIds(LogEvents(LogOf("worker-b"), "worker.run_started"));
    EXPECT_GT(a_started.size(), 0U) << LogOf("worker-a");
    EXPECT_GT(b_started.size(), 0U) << LogOf("worker-b");
    std::multiset<std::string> all = a_started;
    all.insert(b_started.begin(), b_started.end());
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kJobs));
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), static_cast<std::size_t>(kJobs))
        << "a run started twice";
    auto finished = LogEvents(LogOf("worker-a"), "worker.run_finished");
    const auto b_finished = LogEvents(LogOf("worker-b"), "worker.run_finished");
    finished.insert(finished.end(), b_finished.begin(), b_finished.end());
    EXPECT_EQ(finished.size(), static_cast<std::size_t>(kJobs));
    for (const auto& fields : finished) EXPECT_EQ(fields.at("recorded"), "true");
    // The servers ran nothing.
    for (const char* server : {"serve-a", "serve-b"}) {
        EXPECT_EQ(LogEvents(LogOf(server), "worker.run_started").size(), 0U) << server;
    }

    for (auto& process : processes_)
        EXPECT_EQ(process->Stop(SIGTERM, 30s), 0) << process->LogTail();
}

TEST_F(SharedDatabaseTest, AWorkerKilledMidBatchLosesNoRunAndRunsNoneTwice) {
    target_ = UniqueName("copies");
    azure_->CreateContainer(target_);
    std::map<std::string, std::string> blobs;
    for (int i = 0; i < kJobs; ++i) {
        const std::string folder = Numbered("j", i) + "/";
        blobs[folder + "a.txt"] = "job " + std::to_string(i);
        blobs[folder + "b.bin"] = PatternBytes(2000 + static_cast<std::size_t>(i), i);
    }
    PutAll(blobs);
    // Every answer of the storage account takes 40 ms: each run lasts a few hundred.
    proxy_ = std::make_unique<BudgetProxy>(SharedAzurite().port(), UINT64_MAX, 40ms);

    StartServers();
    ChildProcess& doomed = StartWorker("worker-a");
    StartWorker("worker-b");
    const std::string token = SignUp(ports_[0], "kill9@x.io");
    const std::int64_t connection = CreateConnection(ports_[0], token, proxy_->azurite_endpoint());
    const auto ids = CreateJobs(token, connection, kJobs);

    // Kill worker a once it has finished some runs and holds at least one.
    std::set<std::string> in_flight;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string log = LogOf("worker-a");
        const auto started = RunIds(LogEvents(log, "worker.run_started"));
        const auto finished = RunIds(LogEvents(log, "worker.run_finished"));
        in_flight.clear();
        for (const auto& id : started) {
            if (!finished.contains(id)) in_flight.insert(id);
        }
        if (finished.size() >= 5 && !in_flight.empty()) break;
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_FALSE(in_flight.empty()) << LogOf("worker-a");
    EXPECT_EQ(doomed.Stop(SIGKILL, 5s), 128 + SIGKILL);
    // What it held when it died: the log may have gained a line between the look and the kill.
    const std::string a_log = LogOf("worker-a");
    const auto a_started = RunIds(LogEvents(a_log, "worker.run_started"));
    const auto a_finished_events = LogEvents(a_log, "worker.run_finished");
    const auto a_finished = RunIds(a_finished_events);
    std::set<std::string> held;
    for (const auto& id : a_started) {
        if (!a_finished.contains(id)) held.insert(id);
    }
    ASSERT_FALSE(held.empty());

    // Worker b finishes everything, the dead one's runs once their leases lapse (30 s).
    WaitForRuns(kJobs, 120s);
    const RunRows runs = ReadRuns(url_);
    EXPECT_EQ(runs.rows, kJobs) << "a run claimed again is the same run";
    EXPECT_EQ(runs.jobs, kJobs);
    EXPECT_EQ(runs.succeeded, kJobs);
    ExpectOneSucceededRunEach(token, connection, ids);
    ExpectResults(blobs, kJobs);

    // Runs claimed twice are runs the dead worker held: never one it had finished. (Its log
    // may lag its claims and finishes by a moment: a run it claimed but had not logged yet is
    // claimed again without being in `held`, and one it finished but had not logged is in
    // `held` with a single claim.)
    std::set<std::string> reclaimed;
    for (const std::int64_t id : runs.reclaimed) reclaimed.insert(std::to_string(id));
    for (const auto& id : reclaimed) {
        EXPECT_FALSE(a_finished.contains(id)) << "run " << id << " ran again after it finished";
    }
    EXPECT_EQ(runs.claims, kJobs + runs.claimed_again) << "no run claimed three times";
    EXPECT_GE(runs.claimed_again, 1) << "the dead worker's run was never claimed again";

    const std::string b_log = LogOf("worker-b");
    const auto b_started_events = LogEvents(b_log, "worker.run_started");
    const auto b_started = RunIds(b_started_events);
    const auto b_finished_events = LogEvents(b_log, "worker.run_finished");
    const auto b_finished = RunIds(b_finished_events);
    // Each run started once by b, or once by a and at most once more by b after a died.
    for (const auto& id : std::set<std::string>(b_started.begin(), b_started.end())) {
        EXPECT_EQ(b_started.count(id), 1U) << "b started run " << id << " twice";
        if (a_started.contains(id)) {
            EXPECT_TRUE(held.contains(id)) << "run " << id << " ran on both workers";
        }
    }
    for (const auto& fields : b_started_events) {
        if (held.contains(fields.at("run_id"))) {
            EXPECT_EQ(fields.at("resumed"), "true");
        }
    }
    // Finished once in all, and recorded.
    std::multiset<std::string> finished = a_finished;
    finished.insert(b_finished.begin(), b_finished.end());
    EXPECT_EQ(std::set<std::string>(finished.begin(), finished.end()).size(),
              static_cast<std::size_t>(kJobs));
    EXPECT_EQ(finished.size(), static_cast<std::size_t>(kJobs)) << "a run finished twice";
    for (const auto& fields : b_finished_events) EXPECT_EQ(fields.at("recorded"), "true");
}

}  // namespace
}  // namespace cerulean::testing
