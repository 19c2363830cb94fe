// Uploads (shared/API.md "Containers and blobs", POST …/blobs), raw and multipart, against
// Azurite through the whole App.

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "api/blob_fixture.hpp"
#include "azure/storage_error.hpp"
#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "http/server.hpp"

namespace cerulean::testing {
namespace {

// A request body handed out in pieces of `piece` bytes, with or without a Content-Length, that
// can fail like a client going away after `fail_at` bytes, and tells whether anyone read it.
class ScriptedBody final : public http::BodySource {
 public:
    explicit ScriptedBody(std::string bytes, std::size_t piece = 64U * 1024U,
                          bool declare_length = true)
        : bytes_(std::move(bytes)), piece_(piece), declare_length_(declare_length) {}

    http::Task<std::size_t> ReadSome(std::span<char> out) override {
        touched_ = true;
        if (fail_at_ && offset_ >= *fail_at_) {
            throw core::Error(core::ErrorCode::kUnavailable,
                              "the client connection failed while the request body was read",
                              "client_disconnected");
        }
        std::size_t n = std::min({out.size(), piece_, bytes_.size() - offset_});
        if (fail_at_) n = std::min(n, *fail_at_ - offset_);
        std::copy_n(bytes_.data() + offset_, n, out.data());
        offset_ += n;
        co_return n;
    }
    [[nodiscard]] std::optional<std::uint64_t> content_length() const override {
        if (!declare_length_) return std::nullopt;
        return bytes_.size();
    }
    [[nodiscard]] bool done() const override { return offset_ == bytes_.size(); }

    std::optional<std::size_t> fail_at_;
    std::atomic<bool> touched_{false};

 private:
    std::string bytes_;
    std::size_t piece_;
    bool declare_length_;
    std::size_t offset_ = 0;
};

// Bytes that differ at every offset a block boundary could fall on.
std::string Pattern(std::size_t size, unsigned seed = 1) {
    std::string bytes(size, '\0');
    std::uint32_t x = seed * 2654435761U + 1U;
    for (char& c : bytes) {
        x = x * 1103515245U + 12345U;
        c = static_cast<char>(x >> 24U);
    }
    return bytes;
}

struct FilePart {
    std::string disposition;  // what follows `form-data; name="file"; `
    std::string content_type;
    std::string bytes;
};

std::string Multipart(const std::string& boundary, const std::vector<FilePart>& files,
                      bool with_other_field = true) {
    std::string body = "--" + boundary + "\r\n";
    if (with_other_field) {
        body += "Content-Disposition: form-data; name=\"comment\"\r\n\r\nnot a file\r\n--" +
                boundary + "\r\n";
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
        body += "Content-Disposition: form-data; name=\"file\"; " + files[i].disposition + "\r\n";
        if (!files[i].content_type.empty()) {
            body += "Content-Type: " + files[i].content_type + "\r\n";
        }
        body += "\r\n" + files[i].bytes + "\r\n--" + boundary;
        body += i + 1 == files.size() ? "--\r\n" : "\r\n";
    }
    return body;
}

// A JSON string's text ("<not a string>" otherwise), to compare with std::string.
std::string Text(const boost::json::value& value) {
    return value.is_string() ? std::string(value.as_string()) : "<not a string>";
}

long StatusKiB(std::string_view field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with(field)) return std::stol(line.substr(field.size()));
    }
    return 0;
}

class BlobUploadTest : public BlobApiTest {
 protected:
    // POST …/blobs with `body` as the request body.
    ApiResponse Upload(std::int64_t connection, const std::string& query, const std::string& token,
                       std::shared_ptr<http::BodySource> body, const std::string& content_type) {
        http::Request request("POST", Path(connection, "/blobs") + query);
        if (!content_type.empty()) request.headers().Set("Content-Type", content_type);
        if (!token.empty()) request.headers().Set("Authorization", "Bearer " + token);
        request.set_body(std::move(body));
        return ToApiResponse(Dispatch(request));
    }

    ApiResponse UploadRaw(const std::string& name, const std::string& bytes,
                          const std::string& content_type = "application/x-test",
                          std::size_t piece = 64U * 1024U, bool declare_length = true) {
        return Upload(conn_, "?name=" + Encode(name), alice_,
                      std::make_shared<ScriptedBody>(bytes, piece, declare_length), content_type);
    }

    bool Exists(const std::string& name) {
        try {
            azure_->GetBlobProperties(container_, name);
            return true;
        } catch (const azure::StorageError& e) {
            EXPECT_EQ(e.status(), 404) << e.what();
            return false;
        }
    }

    std::size_t BlobCount() { return azure_->ListBlobs(container_, {}).blobs.size(); }
};

TEST_P(BlobUploadTest, StoresARawBodyOfAnySizeWithItsContentType) {
    struct Case {
        std::string name;
        std::size_t size;
        bool declare_length;
    };
    // Empty; one Put Blob; staged blocks (the service's blocks are 4 MiB), with the size known
    // from Content-Length and unknown (a chunked body).
    const std::vector<Case> cases = {{"empty.bin", 0, true},
                                     {"small.txt", 13, true},
                                     {"blocks.bin", (9U << 20U) + 123U, true},
                                     {"chunked.bin", (9U << 20U) + 7U, false},
                                     {"chunked-small.bin", 1000, false}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string bytes = Pattern(c.size, static_cast<unsigned>(c.size));
        const auto uploaded =
            UploadRaw(c.name, bytes, "application/x-test; v=1", 100'000, c.declare_length);
        ASSERT_EQ(uploaded.status, 201) << uploaded.body;
        const auto& items = uploaded["items"].as_array();
        ASSERT_EQ(items.size(), 1U);
        const auto& item = items[0].as_object();
        EXPECT_EQ(Text(item.at("name")), c.name);
        EXPECT_EQ(item.at("size").to_number<std::uint64_t>(), c.size);
        EXPECT_EQ(item.at("content_type"), "application/x-test; v=1");
        EXPECT_EQ(item.at("blob_type"), "BlockBlob");
        EXPECT_FALSE(item.at("etag").as_string().empty());
        EXPECT_EQ(Text(item.at("content_md5")), crypto::Base64Encode(crypto::Md5(bytes)));
        EXPECT_TRUE(azure_->DownloadToString(container_, c.name) == bytes);
        EXPECT_EQ(azure_->GetBlobProperties(container_, c.name).content_type,
                  "application/x-test; v=1");
    }
    // No Content-Type: stored as the generic binary type.
    const auto plain = UploadRaw("untyped", "x", "");
    ASSERT_EQ(plain.status, 201) << plain.body;
    EXPECT_EQ(azure_->GetBlobProperties(container_, "untyped").content_type,
              "application/octet-stream");
    // Overwrites, as Azure does.
    ASSERT_EQ(UploadRaw("small.txt", "new").status, 201);
    EXPECT_EQ(azure_->DownloadToString(container_, "small.txt"), "new");
}

TEST_P(BlobUploadTest, TrickyNamesArriveAsGiven) {
    const std::vector<std::string> names = {
        "h\xC3\xA9llo w\xC3\xB6rld.txt",
        "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E/\xF0\x9F\x93\x81 file.txt",
        "100%.txt",
        "%41%2F",
        "a#b",
        "what?.txt",
        "q?r=s&t=u",
        "a+b c",
        "a/b/c/d/e/f/g/h/i/j/k/l/deep.txt",
        " leading and trailing ",
    };
    for (const auto& name : names) {
        SCOPED_TRACE(name);
        const auto uploaded = UploadRaw(name, "bytes of " + name, "text/plain");
        ASSERT_EQ(uploaded.status, 201) << uploaded.body;
        EXPECT_EQ(Text(uploaded["items"].as_array()[0].at("name")), name);
        EXPECT_EQ(azure_->DownloadToString(container_, name), "bytes of " + name);
    }
    EXPECT_EQ(BlobCount(), names.size());
}

TEST_P(BlobUploadTest, StoresEveryFilePartOfAMultipartBody) {
    const std::string boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    const std::string big = Pattern((9U << 20U) + 5U, 7);  // staged blocks, size unknown
    const std::vector<FilePart> files = {
        {"filename=\"r\xC3\xA9sum\xC3\xA9 %22final%22.txt\"", "text/plain", "first file\r\n"},
        {"filename*=UTF-8''%E2%82%AC%20rates%3F.csv; filename=\"fallback.csv\"", "text/csv",
         "a,b\r\n1,2\r\n"},
        {"filename=\"dir/big.bin\"", "", big},
        {"filename=\"empty\"", "application/x-empty", ""},
    };
    const std::string body = Multipart(boundary, files);
    // Read in pieces that split boundaries and headers at every kind of place.
    for (const std::size_t piece : {std::size_t{7}, std::size_t{64U * 1024U + 3U}}) {
        SCOPED_TRACE(piece);
        if (piece == 7) {
            // Small pieces: the big file would take too long; the other three suffice.
            const std::vector<FilePart> small(files.begin(), files.begin() + 2);
            const auto uploaded =
                Upload(conn_, "?prefix=" + Encode("in/7/"), alice_,
                       std::make_shared<ScriptedBody>(Multipart(boundary, small), piece, false),
                       "multipart/form-data; boundary=" + boundary);
            ASSERT_EQ(uploaded.status, 201) << uploaded.body;
            EXPECT_EQ(uploaded["items"].as_array().size(), 2U);
            EXPECT_EQ(azure_->DownloadToString(container_, "in/7/\xE2\x82\xAC rates?.csv"),
                      "a,b\r\n1,2\r\n");
            continue;
        }
        const auto uploaded = Upload(conn_, "?prefix=" + Encode("up load/"), alice_,
                                     std::make_shared<ScriptedBody>(body, piece),
                                     "multipart/form-data; boundary=\"" + boundary + "\"");
        ASSERT_EQ(uploaded.status, 201) << uploaded.body;
        const auto& items = uploaded["items"].as_array();
        ASSERT_EQ(items.size(), 4U);
        const std::vector<std::string> names = {"up load/r\xC3\xA9sum\xC3\xA9 \"final\".txt",
                                                "up load/\xE2\x82\xAC rates?.csv",
                                                "up load/dir/big.bin", "up load/empty"};
        const std::vector<std::string> types = {"text/plain", "text/csv",
                                                "application/octet-stream", "application/x-empty"};
        for (std::size_t i = 0; i < names.size(); ++i) {
            SCOPED_TRACE(names[i]);
            EXPECT_EQ(Text(items[i].at("name")), names[i]);
            EXPECT_EQ(items[i].at("size").to_number<std::uint64_t>(), files[i].bytes.size());
            EXPECT_EQ(Text(items[i].at("content_type")), types[i]);
            EXPECT_TRUE(azure_->DownloadToString(container_, names[i]) == files[i].bytes);
            EXPECT_EQ(azure_->GetBlobProperties(container_, names[i]).content_type, types[i]);
        }
    }
}

TEST_P(BlobUploadTest, RefusesWhatItCannotStore) {
    const std::string type = "multipart/form-data; boundary=b";
    auto multipart = [&](const std::string& body) {
        return Upload(conn_, "", alice_, std::make_shared<ScriptedBody>(body), type);
    };
    auto expect_422 = [](const ApiResponse& response, std::string_view code) {
        EXPECT_EQ(response.status, 422) << response.body;
        if (response.json.is_object()) {
            EXPECT_EQ(Text(response["code"]), code) << response.body;
        }
    };
    // Raw: a name is required.
    expect_422(Upload(conn_, "", alice_, std::make_shared<ScriptedBody>("x"), "text/plain"),
               "validation_error");
    expect_422(Upload(conn_, "?name=" + std::string(1025, 'n'), alice_,
                      std::make_shared<ScriptedBody>("x"), "text/plain"),
               "validation_error");
    // Multipart: no boundary, nothing but other fields, a file without a name, malformed.
    expect_422(
        Upload(conn_, "", alice_, std::make_shared<ScriptedBody>("x"), "multipart/form-data"),
        "malformed_multipart");
    expect_422(multipart("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--"),
               "validation_error");
    expect_422(multipart(Multipart("b", {{"filename=\"\"", "", "data"}})), "validation_error");
    expect_422(multipart(Multipart("b", {{"", "", "data"}})), "validation_error");
    expect_422(multipart("--b\r\nContent-Disposition: form-data; name=\"file\"; "
                         "filename=\"cut.txt\"\r\n\r\nthe body stops here"),
               "malformed_multipart");
    expect_422(multipart("no boundary in sight"), "malformed_multipart");
    EXPECT_FALSE(Exists("cut.txt"));
    EXPECT_EQ(BlobCount(), 0U);
}

TEST_P(BlobUploadTest, ABodyThatEndsEarlyLeavesNoBlob) {
    // A single Put Blob, staged blocks with a known size, and with an unknown one: the client
    // leaves half way through each; the server must stay able to serve (no upload thread left
    // waiting), so more of them fail than the pool has threads.
    struct Case {
        std::size_t size;
        bool declare_length;
    };
    const std::vector<Case> cases = {
        {1U << 20U, true}, {10U << 20U, true}, {10U << 20U, false}, {1U << 20U, false}};
    for (int round = 0; round < 2; ++round) {
        for (const auto& c : cases) {
            SCOPED_TRACE(std::to_string(c.size) + (c.declare_length ? " known" : " unknown"));
            auto body =
                std::make_shared<ScriptedBody>(Pattern(c.size), 256U * 1024U, c.declare_length);
            body->fail_at_ = c.size * 2 / 3;
            const auto failed = Upload(conn_, "?name=gone.bin", alice_, body, "text/plain");
            EXPECT_GE(failed.status, 400) << failed.body;
            EXPECT_FALSE(Exists("gone.bin"));
        }
    }
    // In a multipart body: the parts before stay, the part cut short does not appear.
    const std::string body = Multipart("b", {{"filename=\"whole.txt\"", "", "complete"},
                                             {"filename=\"cut.bin\"", "", Pattern(6U << 20U)}});
    auto cut = std::make_shared<ScriptedBody>(body, 64U * 1024U, false);
    cut->fail_at_ = body.size() - (1U << 20U);
    const auto failed = Upload(conn_, "", alice_, cut, "multipart/form-data; boundary=b");
    EXPECT_GE(failed.status, 400) << failed.body;
    EXPECT_EQ(azure_->DownloadToString(container_, "whole.txt"), "complete");
    EXPECT_FALSE(Exists("cut.bin"));
    // The problem names what was stored, so that a client retries only the rest.
    ASSERT_TRUE(failed.json.as_object().contains("uploaded")) << failed.body;
    ASSERT_EQ(failed["uploaded"].as_array().size(), 1U) << failed.body;
    EXPECT_EQ(failed["uploaded"].as_array()[0].at("name"), "whole.txt");
    EXPECT_EQ(failed["uploaded"].as_array()[0].at("size"), 8);

    // A part the server refuses after one it stored: 422, naming the stored one.
    const auto refused =
        Upload(conn_, "?prefix=p/", alice_,
               std::make_shared<ScriptedBody>(Multipart(
                   "b", {{"filename=\"first.txt\"", "", "one"}, {"filename=\"\"", "", "two"}})),
               "multipart/form-data; boundary=b");
    EXPECT_EQ(refused.status, 422) << refused.body;
    EXPECT_EQ(refused["code"], "validation_error");
    ASSERT_EQ(refused["uploaded"].as_array().size(), 1U) << refused.body;
    EXPECT_EQ(refused["uploaded"].as_array()[0].at("name"), "p/first.txt");
    EXPECT_EQ(azure_->DownloadToString(container_, "p/first.txt"), "one");

    // An Azure failure part way (the container is missing): the error, and the body's reader
    // released.
    const auto missing = Upload(conn_, "?container=nosuchcontainer&name=x", alice_,
                                std::make_shared<ScriptedBody>(Pattern(10U << 20U)), "text/plain");
    EXPECT_EQ(missing.status, 404) << missing.body;
    EXPECT_EQ(missing["code"], "container_not_found");

    const auto after = UploadRaw("after.txt", "still serving");
    EXPECT_EQ(after.status, 201) << after.body;
    EXPECT_EQ(BlobCount(), 3U);
}

TEST_P(BlobUploadTest, ChecksTheTokenAndTheOwnerBeforeReadingTheBody) {
    auto body = std::make_shared<ScriptedBody>("secret bytes");
    const auto anonymous = Upload(conn_, "?name=a.txt", "", body, "text/plain");
    EXPECT_EQ(anonymous.status, 401) << anonymous.body;
    EXPECT_TRUE(anonymous.headers.Get("WWW-Authenticate").has_value());
    EXPECT_FALSE(body->touched_);

    const auto bad_token = Upload(conn_, "?name=a.txt", "not-a-token", body, "text/plain");
    EXPECT_EQ(bad_token.status, 401) << bad_token.body;
    EXPECT_FALSE(body->touched_);

    // Bob's request for Alice's connection: as if it did not exist.
    const auto bobs = Upload(conn_, "?name=a.txt", bob_, body, "text/plain");
    EXPECT_EQ(bobs.status, 404) << bobs.body;
    EXPECT_EQ(bobs["code"], "connection_not_found");
    EXPECT_FALSE(body->touched_);
    const auto bobs_multipart = Upload(conn_, "", bob_, body, "multipart/form-data; boundary=b");
    EXPECT_EQ(bobs_multipart.status, 404) << bobs_multipart.body;
    EXPECT_FALSE(body->touched_);
    EXPECT_EQ(BlobCount(), 0U);

    // Bob's own connection to the same account works for him.
    auto conn = KeyConnection("bobs");
    conn["container_name"] = container_;
    const auto bob_conn = Create(conn, bob_);
    const auto own = Upload(bob_conn, "?name=bob.txt", bob_, std::make_shared<ScriptedBody>("mine"),
                            "text/plain");
    EXPECT_EQ(own.status, 201) << own.body;
}

namespace asio = boost::asio;
using asio::ip::tcp;

TEST_P(BlobUploadTest, Streams256MiBOverARealSocketInBoundedMemory) {
    LiveServer server(*app_);
    constexpr std::size_t kSize = 256U << 20U;
    constexpr std::size_t kPiece = 1U << 20U;
    const std::string piece = Pattern(kPiece, 3);
    crypto::Md5Hasher sent_md5;

    // The peak resident memory from here on (Linux resets VmHWM on "5" > clear_refs), with the
    // heap that earlier tests freed given back first, so that reusing it does not hide growth.
    malloc_trim(0);
    std::ofstream("/proc/self/clear_refs") << "5";
    const long baseline = StatusKiB("VmHWM:");

    asio::io_context io;
    const auto started = std::chrono::steady_clock::now();
    tcp::socket socket =
        server.Post(io, Path(conn_, "/blobs?name=" + Encode("huge/256 MiB.bin")), alice_, kSize);
    for (std::size_t sent = 0; sent < kSize; sent += kPiece) {
        // Each MiB differs (its first 8 bytes are its offset), so a lost or repeated MiB shows.
        std::string bytes = piece;
        std::memcpy(bytes.data(), &sent, sizeof(sent));
        sent_md5.Update(bytes);
        asio::write(socket, asio::buffer(bytes));
    }
    const std::string answer = LiveServer::ReadAll(socket);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const long peak = StatusKiB("VmHWM:");
    RecordProperty("peak_growth_kib", std::to_string(peak - baseline));
    RecordProperty("upload_seconds", std::to_string(seconds));
    std::cout << "256 MiB upload: " << seconds << " s, peak resident growth "
              << (peak - baseline) / 1024 << " MiB\n";
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 201")) << answer.substr(0, 400);
    EXPECT_LT(peak - baseline, 64L * 1024L) << "KiB at start " << baseline << ", peak " << peak;

    const std::string md5 = crypto::Base64Encode(sent_md5.Finish());
    EXPECT_NE(answer.find("\"content_md5\":\"" + md5 + "\""), std::string::npos) << answer;
    // Read back, hashed as it streams: the stored MD5 is the one the server computed, this
    // checks what Azure holds.
    const Stored stored = StoredDigest(container_, "huge/256 MiB.bin");
    EXPECT_EQ(stored.size, kSize);
    EXPECT_EQ(stored.md5, md5);
}

TEST_P(BlobUploadTest, AClientThatLeavesOverARealSocketLeavesNoBlob) {
    LiveServer server(*app_);
    asio::io_context io;
    const std::string piece = Pattern(1U << 20U, 5);
    // More clients leave than the pool has threads: each upload thread must be released.
    for (int i = 0; i < 6; ++i) {
        const std::size_t length = i % 2 == 0 ? (64U << 20U) : (3U << 20U);  // blocks, one Put
        tcp::socket leaving = server.Post(io, Path(conn_, "/blobs?name=left.bin"), alice_, length);
        for (std::size_t sent = 0; sent + (1U << 20U) < length && sent < (12U << 20U);
             sent += 1U << 20U) {
            asio::write(leaving, asio::buffer(piece));
        }
        leaving.close();
    }
    tcp::socket next = server.Post(io, Path(conn_, "/blobs?name=next.bin"), alice_, piece.size());
    asio::write(next, asio::buffer(piece));
    const std::string answer = LiveServer::ReadAll(next);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 201")) << answer.substr(0, 400);
    EXPECT_TRUE(azure_->DownloadToString(container_, "next.bin") == piece);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(Exists("left.bin"));
    EXPECT_EQ(BlobCount(), 1U);
}

// The dialect does not matter to uploads: SQLite only.
INSTANTIATE_TEST_SUITE_P(Dialects, BlobUploadTest, ::testing::Values(store::Dialect::kSqlite),
                         DialectName);

}  // namespace
}  // namespace cerulean::testing
