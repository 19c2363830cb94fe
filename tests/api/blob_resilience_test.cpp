// Resilience of the blob routes (issue 5): a 256 MiB download over a real socket in bounded
// memory, Azurite stopped in the middle of a request, a storage endpoint that never answers,
// and the streamed copy fallback. Through the whole App, SQLite only (the dialect does not
// matter to any of this).

#include <malloc.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/blob_fixture.hpp"
#include "azure/blob_client.hpp"
#include "azure/sas.hpp"
#include "azure/shared_key.hpp"
#include "core/clock.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "http/server.hpp"
#include "support/azurite_server.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

long StatusKiB(std::string_view field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with(field)) return std::stol(line.substr(field.size()));
    }
    return 0;
}

// Bytes that differ at every offset; `offset` is stamped into the first 8 bytes of each MiB so
// that a lost or repeated MiB changes the MD5.
void FillBlock(std::string& block, std::uint64_t offset, unsigned seed) {
    std::uint32_t x = seed * 2654435761U + 1U;
    for (char& c : block) {
        x = x * 1103515245U + 12345U;
        c = static_cast<char>(x >> 24U);
    }
    for (std::size_t at = 0; at + sizeof(offset) <= block.size(); at += 1U << 20U) {
        const std::uint64_t stamp = offset + at;
        std::memcpy(block.data() + at, &stamp, sizeof(stamp));
    }
}

// Writes a block blob of `size` bytes (blocks of `block` bytes generated one at a time: the
// blob is never held whole) and returns its MD5, base64.
std::string PutGenerated(const azure::BlobClient& client, const std::string& container,
                         const std::string& name, std::uint64_t size, std::size_t block,
                         unsigned seed) {
    crypto::Md5Hasher md5;
    std::vector<std::string> ids;
    std::string bytes;
    for (std::uint64_t offset = 0; offset < size; offset += block) {
        bytes.resize(static_cast<std::size_t>(std::min<std::uint64_t>(block, size - offset)));
        FillBlock(bytes, offset, seed);
        md5.Update(bytes);
        ids.push_back(azure::MakeBlockId("resilience", ids.size()));
        client.PutBlock(container, name, ids.back(), azure::RequestBody::FromBytes(bytes));
    }
    azure::PutBlockListOptions options;
    options.headers.content_type = "application/x-generated";
    client.PutBlockList(container, name, ids, options);
    return crypto::Base64Encode(md5.Finish());
}

// A response read from a socket: the head kept, the body hashed as it streams (never held).
struct StreamedResponse {
    std::string head;                             // status line and header fields
    std::optional<std::uint64_t> content_length;  // as announced
    std::uint64_t body_bytes = 0;                 // as received before the server closed
    std::string md5;                              // base64 MD5 of those bytes
    bool closed_with_error = false;               // the connection ended other than by a clean EOF
    bool ok() const { return head.starts_with("HTTP/1.1 200"); }
};

// Reads until the server closes, hashing the body; stops reading at `pause_after` body bytes
// once to call `at_pause` (e.g. to stop Azurite in the middle).
template <typename AtPause>
StreamedResponse ReadStreamed(tcp::socket& socket, std::uint64_t pause_after, AtPause at_pause) {
    StreamedResponse out;
    crypto::Md5Hasher md5;
    std::vector<char> buffer(1U << 16U);
    std::string pending;
    bool in_body = false;
    bool paused = false;
    boost::system::error_code ec;
    for (;;) {
        const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
        std::string_view chunk(buffer.data(), n);
        if (!in_body) {
            pending.append(chunk);
            const auto end = pending.find("\r\n\r\n");
            if (end != std::string::npos) {
                in_body = true;
                out.head = pending.substr(0, end + 2);
                const auto at = out.head.find("\r\nContent-Length: ");
                if (at != std::string::npos) {
                    out.content_length = std::stoull(out.head.substr(at + 18));
                }
                chunk = std::string_view(pending).substr(end + 4);
                md5.Update(chunk);
                out.body_bytes += chunk.size();
                pending.clear();
            }
        } else {
            md5.Update(chunk);
            out.body_bytes += chunk.size();
        }
        if (!paused && in_body && out.body_bytes >= pause_after) {
            paused = true;
            at_pause();
        }
        if (ec) {
            out.closed_with_error = ec != asio::error::eof;
            break;
        }
    }
    out.md5 = crypto::Base64Encode(md5.Finish());
    return out;
}

StreamedResponse ReadStreamed(tcp::socket& socket) {
    return ReadStreamed(socket, ~std::uint64_t{0}, [] {});
}

class BlobResilienceTest : public BlobApiTest {
 protected:
    void Configure(api::AppOptions& options) override {
        // A connection test must give up well within a test's patience (the default, 25 s,
        // is the request deadline).
        options.connections.test_timeout = std::chrono::milliseconds(2'000);
        // And one storage call (listing, create, ...) likewise (the default is 25 s).
        options.blobs.call_timeout = std::chrono::milliseconds(2'000);
    }

    void SetUp() override {
        if (GetParam() != store::Dialect::kSqlite) GTEST_SKIP() << "the dialect does not matter";
        BlobApiTest::SetUp();
    }
    void TearDown() override {
        if (GetParam() != store::Dialect::kSqlite) return;
        BlobApiTest::TearDown();
    }

    std::string Code(const ApiResponse& response) {
        if (!response.json.is_object() || !response.json.as_object().contains("code")) return "";
        const auto& code = response["code"];
        return code.is_string() ? std::string(code.as_string()) : "";
    }
};

TEST_P(BlobResilienceTest, Downloads256MiBOverARealSocketInBoundedMemory) {
    constexpr std::uint64_t kSize = 256U << 20U;
    const std::string md5 =
        PutGenerated(*azure_, container_, "huge/256 MiB.bin", kSize, 8U << 20U, 11);
    LiveServer server(*app_);

    // The peak resident memory from here on (Linux resets VmHWM on "5" > clear_refs), with the
    // heap freed so far given back first, so that reusing it does not hide growth.
    malloc_trim(0);
    std::ofstream clear_refs("/proc/self/clear_refs");
    clear_refs << "5";
    clear_refs.close();
    ASSERT_TRUE(clear_refs) << "cannot reset VmHWM: the peak would include earlier work";
    const long baseline = StatusKiB("VmHWM:");

    asio::io_context io;
    const auto started = Clock::now();
    tcp::socket socket =
        server.Get(io, Path(conn_, "/blobs/content?name=" + Encode("huge/256 MiB.bin")), alice_);
    const StreamedResponse answer = ReadStreamed(socket);
    const double seconds = SecondsSince(started);
    const long peak = StatusKiB("VmHWM:");
    RecordProperty("peak_growth_kib", std::to_string(peak - baseline));
    RecordProperty("download_seconds", std::to_string(seconds));
    std::cout << "256 MiB download: " << seconds << " s, idle VmHWM " << baseline / 1024
              << " MiB, peak " << peak / 1024 << " MiB, growth " << (peak - baseline) / 1024
              << " MiB\n";

    EXPECT_TRUE(answer.ok()) << answer.head;
    EXPECT_EQ(answer.content_length, std::optional<std::uint64_t>(kSize)) << answer.head;
    EXPECT_NE(answer.head.find("Content-Type: application/x-generated"), std::string::npos)
        << answer.head;
    EXPECT_EQ(answer.body_bytes, kSize);
    EXPECT_EQ(answer.md5, md5);
    EXPECT_LT(peak - baseline, 64L * 1024L) << "KiB at idle " << baseline << ", peak " << peak;
}

TEST_P(BlobResilienceTest, AzuriteStoppedMidRequestFailsFastAndTheServerRecovers) {
    AzuriteOptions private_options;
    private_options.in_memory = false;  // the blob survives the restart
    AzuriteServer azurite(private_options);
    const auto client = azure::BlobClient::FromConnectionString(azurite.connection_string());
    const std::string container = UniqueName("private");
    client.CreateContainer(container);
    constexpr std::uint64_t kSize = 48U << 20U;  // far more than the socket buffers hold
    const std::string md5 = PutGenerated(client, container, "big.bin", kSize, 8U << 20U, 5);
    auto body = KeyConnection("private", azurite.blob_endpoint());
    body["container_name"] = container;
    const auto conn = Create(body, alice_);
    const std::string target = Path(conn, "/blobs/content?name=big.bin");

    LiveServer server(*app_);
    asio::io_context io;

    // A download already streaming: Azurite stops after 1 MiB has reached the client; the
    // body ends short of its Content-Length (the connection closes) instead of hanging.
    const auto started = Clock::now();
    double stopped_at = 0;
    tcp::socket socket = server.Get(io, target, alice_);
    const StreamedResponse cut = ReadStreamed(socket, 1U << 20U, [&] {
        azurite.Stop();
        stopped_at = SecondsSince(started);
    });
    const double cut_at = SecondsSince(started);
    std::cout << "download cut: Azurite stopped at " << stopped_at
              << " s, the client saw the end at " << cut_at << " s after " << cut.body_bytes
              << " of " << kSize << " bytes\n";
    EXPECT_TRUE(cut.ok()) << cut.head;  // the head was sent before Azurite went away
    EXPECT_EQ(cut.content_length, std::optional<std::uint64_t>(kSize));
    EXPECT_LT(cut.body_bytes, kSize);
    EXPECT_GE(cut.body_bytes, 1U << 20U);
    EXPECT_LT(cut_at - stopped_at, 30.0) << "the request deadline";

    // A request not answered yet, while Azurite is down: 502 azure_unreachable, in time.
    const auto asked = Clock::now();
    const auto down = Blob("GET", Path(conn, "/blobs"), alice_);
    const double down_seconds = SecondsSince(asked);
    std::cout << "listing with Azurite down: " << down.status << " after " << down_seconds
              << " s\n";
    EXPECT_EQ(down.status, 502) << down.body;
    EXPECT_EQ(Code(down), "azure_unreachable") << down.body;
    EXPECT_LT(down_seconds, 30.0);
    const auto download_down = Blob("GET", target, alice_);
    EXPECT_EQ(download_down.status, 502) << download_down.body;
    EXPECT_EQ(Code(download_down), "azure_unreachable") << download_down.body;

    // The server itself is fine: health, and another user request on the shared Azurite,
    // in process and over the socket.
    const auto health = Call("GET", "/healthz");
    EXPECT_EQ(health.status, 200) << health.body;
    Put("elsewhere.txt", "still here");
    const auto other = Blob("GET", Path(conn_, "/blobs"), alice_);
    ASSERT_EQ(other.status, 200) << other.body;
    ASSERT_EQ(other["items"].as_array().size(), 1U);
    EXPECT_EQ(other["items"].as_array()[0].at("name"), "elsewhere.txt");
    tcp::socket over_socket =
        server.Get(io, Path(conn_, "/blobs/content?name=elsewhere.txt"), alice_);
    const StreamedResponse elsewhere = ReadStreamed(over_socket);
    EXPECT_TRUE(elsewhere.ok()) << elsewhere.head;
    EXPECT_EQ(elsewhere.body_bytes, 10U);

    // Azurite back on the same port: the first connection works again, whole.
    azurite.Start();
    const auto back = Blob("GET", Path(conn, "/blobs"), alice_);
    ASSERT_EQ(back.status, 200) << back.body;
    ASSERT_EQ(back["items"].as_array().size(), 1U) << back.body;
    EXPECT_EQ(back["items"].as_array()[0].at("name"), "big.bin");
    tcp::socket again = server.Get(io, target, alice_);
    const StreamedResponse whole = ReadStreamed(again);
    EXPECT_TRUE(whole.ok()) << whole.head;
    EXPECT_EQ(whole.body_bytes, kSize);
    EXPECT_EQ(whole.md5, md5);
}

// A TCP listener on 127.0.0.1 that never accepts: connections complete in the kernel's backlog
// and no byte ever comes back.
class SilentListener {
 public:
    SilentListener() : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
        acceptor_.listen(16);
    }
    [[nodiscard]] int port() const { return acceptor_.local_endpoint().port(); }
    [[nodiscard]] std::string endpoint() const {
        return "http://127.0.0.1:" + std::to_string(port()) + "/devstoreaccount1";
    }

 private:
    asio::io_context io_;
    tcp::acceptor acceptor_;
};

TEST_P(BlobResilienceTest, AnEndpointThatNeverAnswersTimesOutTheConnectionTest) {
    SilentListener silent;
    auto body = KeyConnection("silent", silent.endpoint());
    body["container_name"] = container_;
    const auto conn = Create(body, alice_);

    // The connection test has its own limit (test_timeout, 2 s here): ok false, azure_timeout.
    const auto started = Clock::now();
    const auto tested = Call("POST", Path(conn, "/test"), "", alice_);
    const double seconds = SecondsSince(started);
    std::cout << "connection test on a silent endpoint: " << tested.body << " after " << seconds
              << " s\n";
    ASSERT_EQ(tested.status, 200) << tested.body;
    EXPECT_EQ(tested["ok"], false) << tested.body;
    EXPECT_EQ(Code(tested), "azure_timeout") << tested.body;
    EXPECT_LT(seconds, 10.0);
}

TEST_P(BlobResilienceTest, AListingOnAnEndpointThatNeverAnswersIs504) {
    SilentListener silent;
    auto body = KeyConnection("silent", silent.endpoint());
    body["container_name"] = container_;
    const auto conn = Create(body, alice_);
    const auto started = Clock::now();
    const auto listed = Blob("GET", Path(conn, "/blobs"), alice_);
    const double seconds = SecondsSince(started);
    std::cout << "listing on a silent endpoint: " << listed.status << " after " << seconds
              << " s\n";
    EXPECT_EQ(listed.status, 504) << listed.body;
    EXPECT_EQ(Code(listed), "azure_timeout") << listed.body;
    EXPECT_LT(seconds, 10.0);  // call_timeout is 2 s here
}

TEST_P(BlobResilienceTest, AStreamedCopyKeepsBytesContentTypeAndMetadata) {
    // The source: a SAS connection on another spelling of the endpoint (localhost instead of
    // 127.0.0.1). A SAS cannot sign a read SAS and the endpoints differ, so the destination
    // cannot copy inside Azure: the service streams the blob through itself.
    constexpr std::uint64_t kSize = (9U << 20U) + 3U;  // three 4 MiB copy blocks
    const std::string md5 = PutGenerated(*azure_, container_, "src/typed.bin", kSize, 4U << 20U, 9);
    azure_->SetBlobMetadata(container_, "src/typed.bin", {{"colour", "blue"}, {"owner", "alice"}});

    const auto source = CreateLocalhostSasConnection("sas source");
    const std::string other = UniqueName("dest");
    azure_->CreateContainer(other);
    const auto destination = Create(KeyConnection("destination"), alice_);

    const auto copied = BlobJson(
        "POST", Path(destination, "/blobs/copy"), alice_,
        boost::json::object{{"source", {{"connection_id", source}, {"name", "src/typed.bin"}}},
                            {"container", other},
                            {"name", "copied/typed.bin"}});
    ASSERT_EQ(copied.status, 201) << copied.body;
    EXPECT_EQ(copied["copy_mode"], "streamed") << copied.body;
    EXPECT_EQ(copied["size"], static_cast<std::int64_t>(kSize)) << copied.body;

    const auto properties = azure_->GetBlobProperties(other, "copied/typed.bin");
    EXPECT_EQ(properties.content_length, kSize);
    EXPECT_EQ(properties.content_type, "application/x-generated");
    EXPECT_EQ(properties.metadata, (azure::Metadata{{"colour", "blue"}, {"owner", "alice"}}));
    const Stored stored = StoredDigest(other, "copied/typed.bin");
    EXPECT_EQ(stored.size, kSize);
    EXPECT_EQ(stored.md5, md5);

    // Through the API as well: the properties route shows the same type and metadata.
    const auto shown = Blob("GET",
                            Path(destination, "/blobs/properties?container=" + other +
                                                  "&name=" + Encode("copied/typed.bin")),
                            alice_);
    ASSERT_EQ(shown.status, 200) << shown.body;
    EXPECT_EQ(shown["content_type"], "application/x-generated") << shown.body;
    EXPECT_EQ(shown["metadata"], (boost::json::object{{"colour", "blue"}, {"owner", "alice"}}))
        << shown.body;
    azure_->DeleteContainer(other);
}

INSTANTIATE_TEST_SUITE_P(Dialects, BlobResilienceTest, ::testing::Values(store::Dialect::kSqlite),
                         DialectName);

// A server allowed one blob stream at a time.
class BlobBusyTest : public BlobResilienceTest {
 protected:
    void Configure(api::AppOptions& options) override {
        BlobResilienceTest::Configure(options);
        options.max_transfers = 1;
    }
};

TEST_P(BlobBusyTest, StreamsPastTheLimitAre503AndListingsStillAnswer) {
    constexpr std::uint64_t kSize = 48U << 20U;  // far more than the socket buffers hold
    PutGenerated(*azure_, container_, "slow.bin", kSize, 8U << 20U, 3);
    Put("small.txt", "small");
    LiveServer server(*app_);
    asio::io_context io;

    // A client that reads the head of a download and then nothing: the download holds the
    // server's one transfer slot (and its thread) while it waits for the client.
    std::optional<tcp::socket> slow =
        server.Get(io, Path(conn_, "/blobs/content?name=slow.bin"), alice_);
    std::string head;
    std::vector<char> buffer(4096);
    while (head.find("\r\n\r\n") == std::string::npos) {
        const std::size_t n = slow->read_some(asio::buffer(buffer));
        head.append(buffer.data(), n);
    }
    ASSERT_TRUE(head.starts_with("HTTP/1.1 200")) << head;

    const std::string small = Path(conn_, "/blobs/content?name=small.txt");
    const auto busy = Blob("GET", small, alice_);
    EXPECT_EQ(busy.status, 503) << busy.body;
    EXPECT_EQ(Code(busy), "server_busy");
    EXPECT_EQ(Header(busy, "Retry-After"), "5");
    const auto upload = Blob("POST", Path(conn_, "/blobs?name=new.txt"), alice_, "{}");
    EXPECT_EQ(upload.status, 503) << upload.body;
    EXPECT_EQ(Blob("GET", Path(conn_, "/blobs/properties?name=new.txt"), alice_).status, 404);
    const auto copy =
        BlobJson("POST", Path(conn_, "/blobs/copy"), alice_,
                 boost::json::object{{"source", {{"container", container_}, {"name", "small.txt"}}},
                                     {"container", container_},
                                     {"name", "copy.txt"}});
    EXPECT_EQ(copy.status, 503) << copy.body;
    EXPECT_EQ(Code(copy), "server_busy");
    // Quick calls do not wait behind the stream.
    const auto listing = Blob("GET", Path(conn_, "/blobs"), alice_);
    EXPECT_EQ(listing.status, 200) << listing.body;
    const auto properties = Blob("GET", Path(conn_, "/blobs/properties?name=small.txt"), alice_);
    EXPECT_EQ(properties.status, 200) << properties.body;

    // The client leaves: the slot comes back once the download notices.
    slow.reset();
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    ApiResponse again;
    do {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        again = Blob("GET", small, alice_);
    } while (again.status == 503 && Clock::now() < deadline);
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.body, "small");
}

INSTANTIATE_TEST_SUITE_P(Dialects, BlobBusyTest, ::testing::Values(store::Dialect::kSqlite),
                         DialectName);

}  // namespace
}  // namespace cerulean::testing
