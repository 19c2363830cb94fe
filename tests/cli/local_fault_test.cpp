// Faults of the machine `cerulean serve` runs on (issue 13, "Faults"): the sync root on a small
// tmpfs that a download sync fills up (the run fails with "disk_full", naming the lack of space,
// and leaves no partial file), and the SQLite database locked by another connection (writes
// fail with 503 problem+json while the lock lasts, reads go on, and the server works again once
// it is released, without a restart).

#include <sqlite3.h>
#include <sys/statvfs.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/fault_fixture.hpp"
#include "support/files.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Free bytes of the file system holding `path`.
std::uint64_t FreeBytes(const fs::path& path) {
    struct statvfs info {};
    if (::statvfs(path.c_str(), &info) != 0) return 0;
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

// --- d. The disk under the sync root full --------------------------------------------------------

// The sync root is an 8 MiB tmpfs mounted for the test (root, or CAP_SYS_ADMIN, needed: the test
// is skipped without), unmounted after it whatever happened.
class DiskFullTest : public FaultServeTest {
 protected:
    void SetUp() override {
        FaultServeTest::SetUp();
        fs::create_directories(sync_root_);
        const fs::path log = dir_.path() / "mount.log";
        const int status = RunCommand(
            {"mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", sync_root_.string()}, log, {}, 30s);
        if (status != 0) {
            GTEST_SKIP() << "cannot mount a tmpfs on " << sync_root_
                         << " (root or CAP_SYS_ADMIN is needed): " << FileTail(log);
        }
        mounted_ = true;
    }

    void TearDown() override {
        server_.reset();  // first: the server may hold files open in the mount
        FaultServeTest::TearDown();
        if (!mounted_) return;
        const fs::path log = dir_.path() / "mount.log";
        if (RunCommand({"umount", sync_root_.string()}, log, {}, 30s) != 0) {
            RunCommand({"umount", "-l", sync_root_.string()}, log, {}, 30s);
        }
    }

    // Runs a download of `prefix` into `folder` and checks how it failed: "disk_full", said in
    // words, no retry queued, no temporary file, and every file that is there is whole.
    void ExpectDiskFull(std::int64_t connection, const std::string& prefix,
                        const std::string& folder,
                        const std::map<std::string, std::string>& blobs) {
        const std::int64_t job = CreateJob(connection, {{"direction", "download"},
                                                        {"container", container_},
                                                        {"prefix", prefix},
                                                        {"local_path", folder}});
        const auto run = WaitForFirstRun(connection, job, 60s);
        ASSERT_FALSE(run.empty());
        EXPECT_EQ(run.at("status"), "failed") << boost::json::serialize(run);
        EXPECT_EQ(run.at("error_code"), "disk_full") << boost::json::serialize(run);
        const std::string error =
            run.at("error").is_string() ? std::string(run.at("error").as_string()) : "";
        EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
        const Answer runs =
            Api("GET", ConnectionPath(connection, "/sync_jobs/" + std::to_string(job) + "/runs"));
        EXPECT_EQ(runs.Field("total"), "1") << "a full disk is not worth a retry: " << runs.Show();

        std::vector<std::string> temporaries;
        const auto files = HashedTree(sync_root_ / folder, &temporaries);
        EXPECT_EQ(temporaries, std::vector<std::string>{});
        for (const auto& [name, fingerprint] : files) {
            const auto it = blobs.find(prefix + name);
            ASSERT_NE(it, blobs.end()) << "extra file " << name;
            EXPECT_EQ(fingerprint, Fingerprint(it->second)) << name;
        }
        EXPECT_LT(files.size(), blobs.size());
    }

    // Bytes of the regular files below the sync root.
    std::uint64_t UsedByFiles() const {
        std::uint64_t used = 0;
        for (const auto& entry : fs::recursive_directory_iterator(sync_root_)) {
            if (entry.is_regular_file()) used += entry.file_size();
        }
        return used;
    }

    bool mounted_ = false;
};

TEST_F(DiskFullTest, ADownloadLargerThanTheDiskFailsAsDiskFullAndLeavesNoPartialFile) {
    // Small files (each downloaded whole, then renamed) that add up to more than the 8 MiB, and
    // a file above the 32 MiB single-shot threshold (ranges and a resume record).
    std::map<std::string, std::string> blobs;
    for (int i = 0; i < 6; ++i) {
        std::string name = "small/f";
        name += std::to_string(i);
        blobs[name] = PatternBytes(1536 * kKiB + static_cast<std::size_t>(i), 500 + i);
    }
    blobs["small/g.bin"] = PatternBytes(3 * kMiB, 600);
    blobs["large/big.bin"] = PatternBytes(40 * kMiB, 601);
    PutBlobs(container_, blobs);
    const std::uint64_t capacity = FreeBytes(sync_root_);
    ASSERT_GT(capacity, 7 * kMiB);
    ASSERT_LT(capacity, 9 * kMiB) << "not the 8 MiB tmpfs";

    StartServer();
    const std::int64_t connection = Connect(SharedAzurite().blob_endpoint());
    ExpectDiskFull(connection, "small/", "small", blobs);
    // Nothing but the whole files holds space: no partial file hides anywhere.
    EXPECT_GE(FreeBytes(sync_root_) + UsedByFiles() + 256 * kKiB, capacity)
        << FreeBytes(sync_root_) << " free, " << UsedByFiles() << " in files";

    ExpectDiskFull(connection, "large/", "large", blobs);
    EXPECT_EQ(fs::exists(sync_root_ / "large" / "big.bin"), false);
    EXPECT_GE(FreeBytes(sync_root_) + UsedByFiles() + 256 * kKiB, capacity)
        << "the large download's partial file was kept";

    // The server is fine, and says it in the log as well.
    EXPECT_EQ(Exchange(port_, "GET", "/healthz").status, 200);
    EXPECT_NE(LogWith("disk_full").find("disk_full"), std::string::npos);
}

// --- e. The SQLite database locked by someone else -----------------------------------------------

// A connection of another program to the server's SQLite file that holds its write lock
// (BEGIN EXCLUSIVE) from Lock() until Release() (or its destructor).
class SqliteLockHolder {
 public:
    explicit SqliteLockHolder(const fs::path& database) {
        if (sqlite3_open(database.c_str(), &db_) != SQLITE_OK) {
            throw std::runtime_error("cannot open " + database.string());
        }
        sqlite3_busy_timeout(db_, 10'000);  // waits for a write of the server's to end
    }
    ~SqliteLockHolder() {
        Release();
        sqlite3_close(db_);
    }
    SqliteLockHolder(const SqliteLockHolder&) = delete;
    SqliteLockHolder& operator=(const SqliteLockHolder&) = delete;

    void Lock() {
        char* error = nullptr;
        if (sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, &error) != SQLITE_OK) {
            const std::string message = error != nullptr ? error : "?";
            sqlite3_free(error);
            throw std::runtime_error("BEGIN EXCLUSIVE: " + message);
        }
        locked_ = true;
    }
    void Release() {
        if (!locked_) return;
        sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
        locked_ = false;
    }

 private:
    sqlite3* db_ = nullptr;
    bool locked_ = false;
};

class SqliteBusyTest : public FaultServeTest {};

TEST_F(SqliteBusyTest, WritesFailWithA503WhileTheDatabaseIsLockedAndWorkOnceItIsNot) {
    StartServer({{"CERULEAN_WORKERS", "0"}});
    const std::int64_t connection = Connect(SharedAzurite().blob_endpoint(), "first");
    const boost::json::object second{
        {"name", "second"},
        {"auth_type", "account_key"},
        {"account_name", "devstoreaccount1"},
        {"endpoint", SharedAzurite().blob_endpoint()},
        {"credentials", {{"account_key", AzuriteServer::kAccountKey}}}};

    SqliteLockHolder holder(dir_.path() / "data" / "cerulean.db");
    holder.Lock();
    // Writes: refused while the lock lasts (the lock is released only after they answered, so
    // an answer that waited for the lock would be a success, not a 503).
    const auto asked = std::chrono::steady_clock::now();
    const Answer refused = Api("POST", "/api/v1/azure_blob/connections", second);
    const double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
    std::cerr << "a write under the lock answered " << refused.status << " after " << waited
              << " s\n";
    EXPECT_EQ(refused.status, 503) << refused.Show();
    EXPECT_TRUE(refused.IsProblem()) << refused.Show();
    EXPECT_EQ(refused.Field("code"), "database_busy") << refused.Show();
    EXPECT_FALSE(refused.Header("Retry-After").empty()) << refused.Show();
    const Answer job =
        Api("POST", ConnectionPath(connection, "/sync_jobs"),
            boost::json::object{
                {"direction", "download"}, {"container", container_}, {"local_path", "x"}});
    EXPECT_EQ(job.status, 503) << job.Show();
    EXPECT_TRUE(job.IsProblem()) << job.Show();

    // Reads go on meanwhile (SQLite's write-ahead log lets readers past a writer), and so do
    // the probes: the database is there, only busy.
    const Answer listed = Api("GET", "/api/v1/azure_blob/connections");
    EXPECT_EQ(listed.status, 200) << listed.Show();
    EXPECT_EQ(listed.Field("total"), "1") << listed.Show();
    EXPECT_EQ(Api("GET", "/api/v1/users/me").status, 200);
    EXPECT_EQ(Exchange(port_, "GET", "/readyz").status, 200);
    // A sign-in counts its attempt (a write): it may be refused too, but cleanly.
    const Answer signed_in = Exchange(port_, "POST", "/api/v1/auth/token", {},
                                      boost::json::serialize(boost::json::object{
                                          {"username", email_}, {"password", "password123"}}),
                                      "Content-Type: application/json\r\n");
    EXPECT_TRUE(signed_in.status == 200 || (signed_in.status == 503 && signed_in.IsProblem()))
        << signed_in.Show();

    // Released: the same server writes again.
    holder.Release();
    const Answer created = Api("POST", "/api/v1/azure_blob/connections", second);
    EXPECT_EQ(created.status, 201) << created.Show();
    const Answer after = Api("GET", "/api/v1/azure_blob/connections");
    EXPECT_EQ(after.Field("total"), "2") << after.Show();
}

}  // namespace
}  // namespace cerulean::testing
