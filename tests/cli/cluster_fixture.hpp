#pragma once

// Cerulean as several real processes for the suites that drive them over sockets: `cerulean
// serve` and `cerulean worker` children sharing a database, the shared Azurite as their storage
// account, and the helpers their tests share (HTTP and JSON, file trees, the key=value log
// lines of workers, the runs table).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
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

/// Variables of a child process's environment.
using Env = std::vector<std::pair<std::string, std::string>>;

// --- HTTP and JSON -------------------------------------------------------------------------------

/// An HTTP answer: its status (0 when there was none), raw bytes and JSON body (null if none).
struct HttpAnswer {
    int status = 0;
    std::string raw;
    boost::json::value json;

    /// What follows the header (empty when there is no header's end).
    [[nodiscard]] std::string body() const {
        const auto split = raw.find("\r\n\r\n");
        return split == std::string::npos ? std::string() : raw.substr(split + 4);
    }
};

/// `raw` (a status line, headers and a body, as HttpCall returns it) read as an HttpAnswer.
inline HttpAnswer ParseAnswer(std::string raw) {
    HttpAnswer answer;
    answer.raw = std::move(raw);
    if (answer.raw.size() > 12) answer.status = std::stoi(answer.raw.substr(9, 3));
    if (answer.raw.find("\r\n\r\n") != std::string::npos) {
        boost::system::error_code ec;
        answer.json = boost::json::parse(answer.body(), ec);
        if (ec) answer.json = nullptr;
    }
    return answer;
}

/// One request on a fresh connection to 127.0.0.1:`port` (a JSON `body` unless null, a bearer
/// `token` unless empty, `extra_headers` as "Name: value\r\n" lines) from the loopback address
/// `source`; the status, the raw answer and its JSON body.
inline HttpAnswer Request(int port, const std::string& method, const std::string& path,
                          const std::string& token = {}, const boost::json::value& body = nullptr,
                          const std::string& extra_headers = {},
                          const std::string& source = "127.0.0.1") {
    std::string headers = extra_headers;
    if (!token.empty()) headers += "Authorization: Bearer " + token + "\r\n";
    std::string text;
    if (!body.is_null()) {
        headers += "Content-Type: application/json\r\n";
        text = boost::json::serialize(body);
    }
    return ParseAnswer(HttpCall(port, method, path, text, headers, source));
}

/// The member `key` of the answer's JSON object (null when there is none).
inline const boost::json::value& Field(const HttpAnswer& answer, std::string_view key) {
    static const boost::json::value kNull;
    if (!answer.json.is_object()) return kNull;
    const auto* value = answer.json.as_object().if_contains(key);
    return value != nullptr ? *value : kNull;
}

/// A JSON string's text, or any other value serialized.
inline std::string Text(const boost::json::value& value) {
    return value.is_string() ? std::string(value.as_string()) : boost::json::serialize(value);
}

/// Registers `email` and returns a token for it.
inline std::string SignUp(int port, const std::string& email) {
    const auto registered = Request(port, "POST", "/api/v1/auth/register", {},
                                    {{"email", email}, {"password", "password123"}});
    EXPECT_EQ(registered.status, 201) << registered.raw;
    const auto token = Request(port, "POST", "/api/v1/auth/token", {},
                               {{"username", email}, {"password", "password123"}});
    EXPECT_EQ(token.status, 200) << token.raw;
    return Text(Field(token, "access_token"));
}

/// An account-key connection to the Azurite account at `endpoint`; its id.
inline std::int64_t CreateConnection(int port, const std::string& token,
                                     const std::string& endpoint) {
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

/// The sync jobs of `connection` (and `suffix`).
inline std::string JobsPath(std::int64_t connection, const std::string& suffix = {}) {
    return "/api/v1/azure_blob/connections/" + std::to_string(connection) + "/sync_jobs" + suffix;
}

/// The path of job `job` (and `suffix`), built by appending: g++ 12 warns falsely (-Wrestrict)
/// on "literal" + std::string.
inline std::string JobPath(std::int64_t connection, std::int64_t job,
                           std::string_view suffix = {}) {
    std::string path = JobsPath(connection);
    path += '/';
    path += std::to_string(job);
    path += suffix;
    return path;
}

// --- Files ---------------------------------------------------------------------------------------

/// The regular files below `root` (relative path -> content), and every name seen.
inline std::map<std::string, std::string> Tree(const std::filesystem::path& root,
                                               std::vector<std::string>* names) {
    std::map<std::string, std::string> files;
    if (!std::filesystem::exists(root)) return files;
    for (auto it = std::filesystem::recursive_directory_iterator(root);
         it != std::filesystem::end(it); ++it) {
        names->push_back(it->path().lexically_relative(root).generic_string());
        if (it->is_regular_file() && !it->is_symlink()) {
            files[it->path().lexically_relative(root).generic_string()] = ReadFile(it->path());
        }
    }
    return files;
}

/// Names of a download's temporary files or resume records (".NAME.cerulean-partial*").
inline std::vector<std::string> TemporaryNames(const std::vector<std::string>& names) {
    static const std::regex kTemporary(R"((^|/)\.[^/]+\.cerulean-partial[^/]*$)");
    std::vector<std::string> found;
    for (const auto& name : names) {
        if (std::regex_search(name, kTemporary)) found.push_back(name);
    }
    return found;
}

/// Compares a downloaded tree with what was put in the container, byte for byte, naming the
/// first differences rather than printing megabytes.
inline void ExpectSameTree(const std::map<std::string, std::string>& actual,
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

/// `stem` and a zero-padded number.
inline std::string Numbered(std::string_view stem, int i) {
    std::string number = std::to_string(i);
    std::string name(stem);
    name.append(4 - std::min<std::size_t>(4, number.size()), '0');
    name += number;
    return name;
}

// --- Logs ----------------------------------------------------------------------------------------

/// The `key=value` fields of each line of `log` that has `event=<event>`.
inline std::vector<std::map<std::string, std::string>> LogEvents(const std::string& log,
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

/// The run ids of `events`, each as often as it appears.
inline std::multiset<std::string> RunIds(
    const std::vector<std::map<std::string, std::string>>& events) {
    std::multiset<std::string> ids;
    for (const auto& fields : events) {
        const auto it = fields.find("run_id");
        if (it != fields.end()) ids.insert(it->second);
    }
    return ids;
}

// --- The fixture ---------------------------------------------------------------------------------

/// A test with `cerulean` child processes (Start, StartServe), a fresh container of the shared
/// Azurite (and `target_`, when a test names one), both removed afterwards.
class ClusterTest : public ServeTest {
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

    /// Puts `blobs` (name -> content) in the container, eight at a time.
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

    /// Puts `count` blobs of about `size` bytes below `prefix`; the blobs by name.
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

    /// Starts a `cerulean` process with `args` in `working_directory`; `ready` (when given) is a
    /// line it prints once it is up.
    ChildProcess& Start(const std::vector<std::string>& args, Env env, const std::string& name,
                        const std::filesystem::path& working_directory,
                        const std::string& ready = {}) {
        std::vector<std::string> argv{CERULEAN_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        ChildProcessOptions options;
        options.environment = std::move(env);
        options.working_directory = working_directory;
        std::filesystem::create_directories(working_directory);
        processes_.push_back(
            std::make_unique<ChildProcess>(argv, dir_.path() / (name + ".log"), options));
        ChildProcess& process = *processes_.back();
        if (!ready.empty()) {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
            while (FileTail(process.log_path(), 1 << 20).find(ready) == std::string::npos &&
                   process.Running() && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            EXPECT_NE(FileTail(process.log_path(), 1 << 20).find(ready), std::string::npos)
                << name << " did not start:\n"
                << process.LogTail();
        }
        return process;
    }

    /// Starts `cerulean serve` as Start does; its port.
    int StartServe(Env env, const std::string& name) {
        const int port = FreeLoopbackPort();
        env.emplace_back("CERULEAN_LISTEN", "127.0.0.1:" + std::to_string(port));
        ChildProcess& process = Start({"serve"}, std::move(env), name, dir_.path() / name);
        bool listening = false;
        for (int i = 0; i < 300 && !listening && process.Running(); ++i) {
            listening = WaitForTcp(port, std::chrono::milliseconds(100));
        }
        EXPECT_TRUE(listening) << name << " did not listen:\n" << process.LogTail();
        return port;
    }

    /// The output of the process started as `name`.
    std::string LogOf(const std::string& name) const {
        return FileTail(dir_.path() / (name + ".log"), 64 << 20);
    }

    /// Polls GET job until its status is final; the job as read last.
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
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    }

    std::optional<azure::BlobClient> azure_;
    std::string container_;
    std::string target_;
    std::unique_ptr<BudgetProxy> proxy_;
    std::vector<std::unique_ptr<ChildProcess>> processes_;
};

/// A run's rows in a database: the runs table, as workers left it.
struct RunRows {
    std::int64_t rows = 0;             // runs
    std::int64_t jobs = 0;             // distinct jobs among them
    std::int64_t succeeded = 0;        // runs that succeeded
    std::int64_t ended_otherwise = 0;  // runs that failed or were cancelled
    std::int64_t claims = 0;           // claims of all runs together
    std::int64_t claimed_again = 0;    // runs claimed more than once
    std::set<std::int64_t> reclaimed;  // their ids
};

/// The runs table of the database at `url`.
inline RunRows ReadRuns(const std::string& url) {
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

}  // namespace cerulean::testing
