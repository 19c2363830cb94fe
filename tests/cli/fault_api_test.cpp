// Faults between Cerulean and Azure (issue 13, "Faults"): `cerulean serve` reaches Azurite
// through a fault proxy that answers 503 with Retry-After and Azure's XML error, resets
// connections, stalls responses or cuts their bodies short (Content-Length left as it was), one
// kind at a time. Uploads (single-shot and in blocks), downloads (whole and ranges), server-side
// copies and sync runs (download, upload, copy) through the API end with exact bytes (read back
// from Azurite directly, files by hash) or a clear problem+json error; a download that cannot
// be completed ends short of its Content-Length, never as a complete answer with other bytes;
// no partial blob is committed and no partial file appears under its final name.

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/fault_fixture.hpp"
#include "cli/fault_proxy.hpp"
#include "support/files.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One kind of fault, as the proxy plays it.
struct FaultKind {
    std::string name;
    FaultProxyOptions options;
};

FaultProxyOptions Only(double error, double reset, double stall, double truncate) {
    FaultProxyOptions options;
    options.error_probability = error;
    options.reset_probability = reset;
    options.stall_probability = stall;
    options.truncate_probability = truncate;
    options.max_bytes_before_reset = 512 * kKiB;
    options.max_body_bytes_before_fault = 8 * kMiB;
    options.stall = 1500ms;
    options.retry_after_seconds = 1;
    options.one_request_per_connection = true;
    options.seed = 13;
    return options;
}

void PrintTo(const FaultKind& kind, std::ostream* out) {
    *out << kind.name;
}

std::vector<FaultKind> Kinds() {
    return {{"busy", Only(0.15, 0, 0, 0)},
            {"reset", Only(0, 0.2, 0, 0)},
            {"stall", Only(0, 0, 0.15, 0)},
            {"truncate", Only(0, 0, 0, 0.25)}};
}

// The outcomes of one kind of operation under faults.
struct Tally {
    int exact = 0;    // succeeded with the right bytes
    int refused = 0;  // a problem+json error
    int aborted = 0;  // a download cut short of its Content-Length
};

std::ostream& operator<<(std::ostream& out, const Tally& t) {
    return out << t.exact << " exact, " << t.refused << " refused, " << t.aborted << " aborted";
}

class FaultApiTest : public FaultServeTest, public ::testing::WithParamInterface<FaultKind> {
 protected:
    void SetUp() override {
        FaultServeTest::SetUp();
        target_ = NewContainer("faultcopies");
        proxy_ = std::make_unique<FaultProxy>(SharedAzurite().port(), GetParam().options);
        StartServer({{"CERULEAN_WORKERS", "3"}});
        connection_ = Connect(proxy_->azurite_endpoint());
    }

    void TearDown() override {
        FaultServeTest::TearDown();
        std::cerr << GetParam().name << " proxy: " << proxy_->connections() << " connections, "
                  << proxy_->errors() << " 503, " << proxy_->resets() << " resets, "
                  << proxy_->stalls() << " stalls, " << proxy_->truncations() << " truncations\n";
        proxy_.reset();
    }

    std::string Blobs(const std::string& suffix) const {
        return ConnectionPath(connection_, "/blobs" + suffix);
    }

    // A failed request's answer: a problem of the gateway's (or this server's) making.
    static void ExpectRefusal(const Answer& answer, std::string_view what) {
        EXPECT_TRUE(answer.IsProblem()) << what << ": " << answer.Show();
        EXPECT_TRUE(answer.status == 502 || answer.status == 503 || answer.status == 504)
            << what << ": " << answer.Show();
    }

    // After a failed write: the blob is absent or whole (committed before the answer was lost).
    void ExpectAbsentOrExact(const std::string& container, const std::string& name,
                             const std::string& bytes) const {
        const auto stored = Stored(container, name);
        if (stored) {
            EXPECT_EQ(Fingerprint(*stored), Fingerprint(bytes)) << name << " is partial";
        }
    }

    // Uploads `bytes` as `name` with a raw body.
    void Upload(const std::string& name, const std::string& bytes, Tally& tally) {
        const Answer answer = Exchange(port_, "POST", Blobs("?name=" + name), token_, bytes,
                                       "Content-Type: application/x-fault-test\r\n");
        if (answer.status == 201) {
            ++tally.exact;
            EXPECT_TRUE(answer.complete) << answer.Show();
            const auto stored = Stored(container_, name);
            ASSERT_TRUE(stored.has_value()) << name << " acknowledged but absent";
            EXPECT_EQ(Fingerprint(*stored), Fingerprint(bytes)) << name;
            const auto properties = azure_->GetBlobProperties(container_, name);
            EXPECT_EQ(properties.content_type, "application/x-fault-test");
        } else {
            ++tally.refused;
            ExpectRefusal(answer, "upload " + name);
            ExpectAbsentOrExact(container_, name, bytes);
        }
    }

    // Downloads `name` (a Range of it when `range` is given) and checks what came.
    void Download(const std::string& name, const std::string& bytes,
                  std::optional<std::pair<std::size_t, std::size_t>> range, Tally& tally) {
        std::string headers;
        std::string expected = bytes;
        if (range) {
            headers = "Range: bytes=" + std::to_string(range->first) + "-" +
                      std::to_string(range->second) + "\r\n";
            expected = bytes.substr(range->first, range->second - range->first + 1);
        }
        const Answer answer =
            Exchange(port_, "GET", Blobs("/content?name=" + name), token_, {}, headers);
        const int ok = range ? 206 : 200;
        if (answer.status == ok && answer.complete) {
            ++tally.exact;
            ASSERT_EQ(answer.content_length, expected.size()) << answer.head;
            EXPECT_EQ(Fingerprint(answer.body), Fingerprint(expected))
                << "a complete " << ok << " with other bytes";
        } else if (answer.status == ok) {
            // Cut short of its Content-Length: the client knows the download broke.
            ++tally.aborted;
            ASSERT_EQ(answer.content_length, expected.size()) << answer.head;
            EXPECT_LT(answer.body.size(), expected.size());
        } else {
            ++tally.refused;
            ExpectRefusal(answer, "download " + name);
        }
    }

    // Copies `name` inside the account to `target_`.
    void Copy(const std::string& name, const std::string& bytes, const std::string& as,
              Tally& tally) {
        const Answer answer =
            Api("POST", Blobs("/copy"),
                boost::json::object{{"source", {{"container", container_}, {"name", name}}},
                                    {"container", target_},
                                    {"name", as}});
        if (answer.status == 201) {
            ++tally.exact;
            const auto stored = Stored(target_, as);
            ASSERT_TRUE(stored.has_value()) << as << " acknowledged but absent";
            EXPECT_EQ(Fingerprint(*stored), Fingerprint(bytes)) << as;
        } else {
            ++tally.refused;
            ExpectRefusal(answer, "copy " + name);
            ExpectAbsentOrExact(target_, as, bytes);
        }
    }

    // A sync run's outcome: succeeded with every item exact, or failed with a code; the items
    // present are exact either way and no temporary file is left.
    struct RunCheck {
        bool succeeded = false;
        std::string error_code;
    };
    RunCheck FinishRun(std::int64_t job, const std::string& what) {
        const auto run = WaitForFirstRun(connection_, job, 120s);
        RunCheck check;
        if (run.empty()) return check;
        check.succeeded = run.at("status") == "succeeded";
        if (!check.succeeded) {
            EXPECT_EQ(run.at("status"), "failed") << what << ": " << boost::json::serialize(run);
            check.error_code = run.at("error_code").is_string()
                                   ? std::string(run.at("error_code").as_string())
                                   : std::string();
            EXPECT_FALSE(check.error_code.empty()) << boost::json::serialize(run);
            // A fault of the network or of a busy service is transient: the worker tries again.
            const Answer runs = Api(
                "GET", ConnectionPath(connection_, "/sync_jobs/" + std::to_string(job) + "/runs"));
            EXPECT_EQ(runs.Field("total"), "2")
                << what << ": no retry was queued after " << boost::json::serialize(run);
            std::cerr << GetParam().name << " " << what
                      << " run failed: " << boost::json::serialize(run) << "\n";
        }
        return check;
    }

    // Every blob below `prefix` of `container` (named without the prefix) is in `expected` with
    // the same bytes; all of them are there when `all`.
    void ExpectBlobs(const std::string& container, const std::string& prefix,
                     const std::map<std::string, std::string>& expected, bool all) {
        azure::ListBlobsOptions list;
        list.prefix = prefix;
        const auto page = azure_->ListBlobs(container, list);
        std::size_t found = 0;
        for (const auto& blob : page.blobs) {
            const std::string name = blob.name.substr(prefix.size());
            const auto it = expected.find(name);
            if (it == expected.end()) {
                ADD_FAILURE() << "extra blob " << blob.name;
                continue;
            }
            ++found;
            EXPECT_EQ(Fingerprint(Stored(container, blob.name).value_or("")),
                      Fingerprint(it->second))
                << blob.name;
        }
        if (all) {
            EXPECT_EQ(found, expected.size()) << container << "/" << prefix;
        }
    }

    std::unique_ptr<FaultProxy> proxy_;
    std::string target_;
    std::int64_t connection_ = 0;
};

TEST_P(FaultApiTest, TransfersAndSyncRunsEndExactOrWithAClearError) {
    const std::string kind = GetParam().name;
    // Sources: a blob of two download segments (16 MiB each) and a tree for the sync runs.
    const std::string big = PatternBytes(20 * kMiB + 3, 5);
    std::map<std::string, std::string> tree;
    for (int i = 0; i < 8; ++i) {
        std::string name = "f";
        name += std::to_string(i);
        name += ".bin";
        tree[name] = PatternBytes(40 * kKiB * (i + 1) + i, 100 + i);
    }
    tree["sub/large.bin"] = PatternBytes(6 * kMiB + 1, 42);
    std::map<std::string, std::string> blobs{{"big.bin", big}};
    for (const auto& [name, bytes] : tree) blobs["tree/" + name] = bytes;
    PutBlobs(container_, blobs);

    // Sync runs, one of each direction, going on (on three workers) while the requests below run.
    const fs::path upload_source = sync_root_ / "up-src";
    for (const auto& [name, bytes] : tree) WriteFile(upload_source / name, bytes);
    const std::int64_t down = CreateJob(connection_, {{"direction", "download"},
                                                      {"container", container_},
                                                      {"prefix", "tree/"},
                                                      {"local_path", "down"}});
    const std::int64_t up = CreateJob(connection_, {{"direction", "upload"},
                                                    {"container", container_},
                                                    {"prefix", "synced-up/"},
                                                    {"local_path", "up-src"}});
    const std::int64_t copy = CreateJob(
        connection_,
        {{"direction", "copy"},
         {"container", container_},
         {"prefix", "tree/"},
         {"target",
          {{"connection_id", connection_}, {"container", target_}, {"prefix", "synced-copy/"}}}});

    // Uploads: single-shot (at most 4 MiB) and in blocks.
    Tally uploads;
    for (int i = 0; i < 3; ++i) {
        Upload("up/small" + std::to_string(i), PatternBytes(100 * kKiB + i, 7 + i), uploads);
    }
    Upload("up/blocks", PatternBytes(9 * kMiB + 5, 8), uploads);

    // Downloads: whole and ranges, one across a segment border (16 MiB).
    Tally downloads;
    for (int i = 0; i < 2; ++i) Download("big.bin", big, std::nullopt, downloads);
    Download("big.bin", big, std::pair<std::size_t, std::size_t>{1000, 5 * kMiB}, downloads);
    Download("big.bin", big, std::pair<std::size_t, std::size_t>{15 * kMiB, 18 * kMiB}, downloads);

    // Server-side copies.
    Tally copies;
    Copy("tree/f3.bin", tree.at("f3.bin"), "copied/f3.bin", copies);
    Copy("big.bin", big, "copied/big.bin", copies);

    const RunCheck downloaded = FinishRun(down, "download");
    std::vector<std::string> temporaries;
    const auto files = HashedTree(sync_root_ / "down", &temporaries);
    EXPECT_EQ(temporaries, std::vector<std::string>{});
    for (const auto& [name, fingerprint] : files) {
        ASSERT_TRUE(tree.contains(name)) << "extra file " << name;
        EXPECT_EQ(fingerprint, Fingerprint(tree.at(name))) << name;
    }
    if (downloaded.succeeded) {
        EXPECT_EQ(files.size(), tree.size());
    }

    const RunCheck uploaded = FinishRun(up, "upload");
    ExpectBlobs(container_, "synced-up/", tree, uploaded.succeeded);
    const RunCheck copied = FinishRun(copy, "copy");
    ExpectBlobs(target_, "synced-copy/", tree, copied.succeeded);

    std::cerr << kind << ": uploads " << uploads << "; downloads " << downloads << "; copies "
              << copies << "; runs " << downloaded.succeeded << uploaded.succeeded
              << copied.succeeded << "\n";
    // The faults happened, and the service's retries carried most operations through them.
    EXPECT_GT(proxy_->faults(), 0);
    EXPECT_GE(uploads.exact, 2) << uploads;
    EXPECT_GE(downloads.exact, 2) << downloads;
    EXPECT_GE(copies.exact, 1) << copies;
    EXPECT_TRUE(downloaded.succeeded || uploaded.succeeded || copied.succeeded);

    EXPECT_EQ(Exchange(port_, "GET", "/healthz").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Kinds, FaultApiTest, ::testing::ValuesIn(Kinds()),
                         [](const auto& info) { return info.param.name; });

// Answers broken in ways a retry cannot mend, every time.
class BrokenAnswerTest : public FaultServeTest {
 protected:
    // A proxy that does to every request whose line contains `requests` what `set` asks for
    // (and nothing else), and a server with a connection through it; the connection's id.
    template <class Set>
    std::int64_t ThroughProxy(const std::string& requests, Set set) {
        FaultProxyOptions options;
        options.error_probability = 0;
        options.reset_probability = 0;
        options.one_request_per_connection = true;
        options.only_requests_containing = requests;
        set(options);
        proxy_ = std::make_unique<FaultProxy>(SharedAzurite().port(), options);
        StartServer();
        return Connect(proxy_->azurite_endpoint());
    }
    void TearDown() override {
        FaultServeTest::TearDown();
        proxy_.reset();
    }

    std::unique_ptr<FaultProxy> proxy_;
};

// Every answer to a read of the blob's properties stops in the middle of its head. libcurl takes
// such a head for a complete answer without a body: taken at its word, a blob whose head lost its
// Content-Length would be served as an empty 200 (and a listing would be malformed XML, a fault
// not worth a retry).
TEST_F(BrokenAnswerTest, AHeadCutShortIsRetriedAndThenAFailureNeverAnAnswer) {
    const std::string bytes = PatternBytes(300 * kKiB, 62);
    PutBlobs(container_, {{"cut/blob.bin", bytes}});
    const std::int64_t connection =
        ThroughProxy("HEAD /devstoreaccount1/" + container_ + "/cut/",
                     [](FaultProxyOptions& options) { options.truncate_probability = 1; });

    const Answer download = Exchange(
        port_, "GET", ConnectionPath(connection, "/blobs/content?name=cut/blob.bin"), token_);
    EXPECT_EQ(download.status, 502) << download.Show();
    EXPECT_TRUE(download.IsProblem()) << download.Show();
    EXPECT_EQ(download.Field("code"), "azure_unreachable") << download.Show();
    EXPECT_GT(proxy_->truncations(), 1) << "tried again";
}

// Every commit of a block list is refused as a busy service refuses it (503, Retry-After, Azure's
// XML): an upload in blocks ends with a problem naming Azure's code, and the blob it would have
// replaced is still the old one (the staged blocks stay invisible).
TEST_F(BrokenAnswerTest, AnUploadWhoseCommitIsAlwaysRefusedLeavesTheOldBlob) {
    const std::string old_bytes = PatternBytes(200 * kKiB, 63);
    PutBlobs(container_, {{"keep/blob.bin", old_bytes}});
    const std::int64_t connection = ThroughProxy("comp=blocklist", [](FaultProxyOptions& options) {
        options.error_probability = 1;
        options.retry_after_seconds = 1;
    });

    const Answer upload =
        Exchange(port_, "POST", ConnectionPath(connection, "/blobs?name=keep/blob.bin"), token_,
                 PatternBytes(9 * kMiB, 64), "Content-Type: application/x-new\r\n");
    EXPECT_TRUE(upload.IsProblem()) << upload.Show();
    EXPECT_EQ(upload.status, 502) << upload.Show();
    EXPECT_EQ(upload.Field("azure_code"), "ServerBusy") << upload.Show();
    EXPECT_GT(proxy_->errors(), 1) << "tried again";
    EXPECT_EQ(Fingerprint(Stored(container_, "keep/blob.bin").value_or("")),
              Fingerprint(old_bytes));
    EXPECT_EQ(azure_->GetBlobProperties(container_, "keep/blob.bin").content_type,
              "application/octet-stream");
}

// Every answer to a read of the blob's bytes has one byte changed on the way (as a broken
// middlebox would): a whole download ends short of its Content-Length, logged, and a sync run
// fails the file without leaving it (or a temporary) on disk.
TEST_F(BrokenAnswerTest, ACorruptedWholeDownloadIsAbortedAndASyncedFileNeverAppears) {
    const std::string bytes = PatternBytes(3 * kMiB + 17, 61);
    PutBlobs(container_, {{"bent/blob.bin", bytes}});
    const std::int64_t connection =
        ThroughProxy("GET /devstoreaccount1/" + container_ + "/bent/", [](FaultProxyOptions& o) {
            o.corrupt_probability = 1;
            o.max_body_bytes_before_fault = 3 * kMiB;
        });

    const Answer whole = Exchange(
        port_, "GET", ConnectionPath(connection, "/blobs/content?name=bent/blob.bin"), token_);
    EXPECT_EQ(whole.status, 200) << whole.Show();
    EXPECT_EQ(whole.content_length, bytes.size()) << whole.head;
    EXPECT_FALSE(whole.complete) << "a corrupted download looked complete";
    EXPECT_LT(whole.body.size(), bytes.size());
    EXPECT_GT(proxy_->corruptions(), 0);
    EXPECT_NE(LogWith("api.download_corrupt").find("api.download_corrupt"), std::string::npos);

    const std::int64_t job = CreateJob(connection, {{"direction", "download"},
                                                    {"container", container_},
                                                    {"prefix", "bent/"},
                                                    {"local_path", "bent"}});
    const auto run = WaitForFirstRun(connection, job, 60s);
    ASSERT_FALSE(run.empty());
    EXPECT_EQ(run.at("status"), "failed") << boost::json::serialize(run);
    std::vector<std::string> temporaries;
    EXPECT_EQ(HashedTree(sync_root_ / "bent", &temporaries).size(), 0U);
    EXPECT_EQ(temporaries, std::vector<std::string>{});
}

}  // namespace
}  // namespace cerulean::testing
