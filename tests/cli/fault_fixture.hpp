#pragma once

// What the fault suites (issue 13, "Faults") share: `cerulean serve` driven over its API the
// way a client drives it, with the answers read as they came (complete or cut short), and the
// state a run leaves in storage (read from Azurite directly) and on disk (hashed).

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "azure/blob_client.hpp"
#include "cli/serve_fixture.hpp"

namespace cerulean::testing {

/// Variables of a child process's environment.
using Env = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::size_t kKiB = 1024;
inline constexpr std::size_t kMiB = 1024 * kKiB;

/// A TCP connection to 127.0.0.1:`port`, with a receive buffer of `receive_buffer` bytes when
/// not 0 (a slow reader is then felt by the server at once); -1 when it cannot connect.
int Dial(int port, int receive_buffer = 0);

/// Reads from socket `fd` until `limit` bytes came, the peer ended the connection, or
/// `patience` passed without a byte: what came, and whether the peer ended it.
std::pair<std::string, bool> ReadFrom(int fd, std::size_t limit,
                                      std::chrono::milliseconds patience);

/// An HTTP answer as a client saw it.
struct Answer {
    int status = 0;    ///< 0 when no status line came
    std::string head;  ///< the status line and header fields
    std::string body;  ///< what came of the body before the server closed
    std::optional<std::uint64_t> content_length;  ///< as announced
    bool complete = false;                        ///< the body is as long as announced
    boost::json::value json;                      ///< the body parsed, null when it is not JSON

    /// A header field's value (name case-insensitive), empty when absent.
    [[nodiscard]] std::string Header(std::string_view name) const;
    /// A JSON field of the body as text (strings unquoted), empty when absent.
    [[nodiscard]] std::string Field(std::string_view key) const;
    /// Whether the answer is an RFC 9457 problem (application/problem+json) with a code, whole.
    [[nodiscard]] bool IsProblem() const;
    /// The head and up to 2 KiB of the body, for messages.
    [[nodiscard]] std::string Show() const;
};

/// Sends one request (`Connection: close`) to 127.0.0.1:`port` and reads the answer until the
/// server closes, or `patience` passes without a byte. `token` adds a bearer token, `headers`
/// are extra "Name: value\r\n" lines.
Answer Exchange(int port, const std::string& method, const std::string& path,
                const std::string& token = {}, std::string_view body = {},
                const std::string& headers = {},
                std::chrono::seconds patience = std::chrono::seconds(90));

/// The MD5 of `bytes`, hex.
std::string Md5Hex(std::string_view bytes);

/// The files below `root`: relative path -> "size:md5hex". The names of temporary files
/// (a download's ".NAME.cerulean-partial*" and resume records) go to `temporaries` instead.
std::map<std::string, std::string> HashedTree(const std::filesystem::path& root,
                                              std::vector<std::string>* temporaries);

/// "size:md5hex" of `bytes`, as HashedTree gives it.
std::string Fingerprint(std::string_view bytes);

/// `cerulean serve` as a child process with a signed-in user, against the shared Azurite (a
/// container of the test's own), for suites that put faults in the way.
class FaultServeTest : public ServeTest {
 protected:
    void SetUp() override;
    void TearDown() override;

    /// The environment every server of the suite gets: loopback endpoints allowed, the sync
    /// root, one worker; `extra` goes last (and wins).
    Env ServerEnv(const Env& extra = {}) const;
    /// Starts `cerulean serve` with ServerEnv(`extra`), waits until it listens; the first call
    /// also registers the test's user. Sets port_ and token_.
    void StartServer(const Env& extra = {});
    /// An account-key connection to Azurite's account at `endpoint`; its id.
    std::int64_t Connect(const std::string& endpoint, const std::string& name = "storage");

    /// A request to the server with the user's token; a JSON body when `json` is not null.
    Answer Api(const std::string& method, const std::string& path,
               const boost::json::value& json = nullptr) const;
    /// "/api/v1/azure_blob/connections/ID" + `suffix`.
    static std::string ConnectionPath(std::int64_t connection, const std::string& suffix);
    /// Creates a sync job (`body` as the API takes it); its id, 0 when refused.
    std::int64_t CreateJob(std::int64_t connection, const boost::json::object& body) const;
    /// Waits until the first run of `job` has ended (a retry it queued is not waited for) and
    /// returns it as the API shows it; empty after `timeout`.
    boost::json::object WaitForFirstRun(std::int64_t connection, std::int64_t job,
                                        std::chrono::seconds timeout) const;

    /// A blob's bytes read from Azurite directly; nullopt when there is no such blob.
    std::optional<std::string> Stored(const std::string& container, const std::string& name) const;
    /// A fresh container of the shared Azurite, deleted with the test.
    std::string NewContainer(std::string_view prefix);
    /// Puts `blobs` (name -> bytes) in `container`, each with its MD5.
    void PutBlobs(const std::string& container, const std::map<std::string, std::string>& blobs);

    std::optional<azure::BlobClient> azure_;
    std::string container_;
    std::vector<std::string> containers_;
    std::filesystem::path sync_root_ = dir_.path() / "sync-root";
    int port_ = 0;
    std::string token_;
    std::string email_ = "faults@x.io";
};

}  // namespace cerulean::testing
