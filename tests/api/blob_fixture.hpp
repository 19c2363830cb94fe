#pragma once

// The blob routes' fixture: the whole App against Azurite, with a signed-in alice (and bob), a
// container of her own and a connection to it. Shared by blob_api_test and blob_upload_test.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/api_fixture.hpp"
#include "azure/blob_client.hpp"
#include "azure/sas.hpp"
#include "core/clock.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "http/response.hpp"
#include "http/server.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {

/// The connections collection; blob routes hang below `{id}`.
inline constexpr std::string_view kBase = "/api/v1/azure_blob/connections";
/// Azurite's well-known account key.
inline const std::string kKey(AzuriteServer::kAccountKey);

/// Collects a streamed body; optionally fails after `fail_after` writes (a client that leaves).
class CollectingSink final : public http::BodySink {
 public:
    explicit CollectingSink(int fail_after = -1) : fail_after_(fail_after) {}
    http::Task<void> Write(std::string_view bytes) override {
        if (fail_after_ >= 0 && writes_ >= fail_after_) throw std::runtime_error("client gone");
        ++writes_;
        data_.append(bytes);
        co_return;
    }
    std::string data_;
    int writes_ = 0;

 private:
    int fail_after_;
};

/// Percent-encodes everything but unreserved characters (a blob name in a query string).
inline std::string Encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4U];
            out += kHex[c & 0xFU];
        }
    }
    return out;
}

/// The resident memory of this process, in KiB (0 when unknown).
inline long ResidentKiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
    }
    return 0;
}

/// The blob routes through the whole App, against Azurite.
class BlobApiTest : public ApiTest {
 protected:
    void SetUp() override {
        ApiTest::SetUp();
        alice_ = SignUp("alice@x.io");
        bob_ = SignUp("bob@x.io");
        azure_ = std::make_unique<azure::BlobClient>(
            azure::BlobClient::FromConnectionString(SharedAzurite().connection_string()));
        container_ = UniqueName("blobs");
        azure_->CreateContainer(container_);
        auto body = KeyConnection("main");
        body["container_name"] = container_;
        conn_ = Create(body, alice_);
    }

    void TearDown() override {
        try {
            azure_->DeleteContainer(container_);
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): best effort
        }
    }

    boost::json::object KeyConnection(const std::string& name,
                                      const std::string& endpoint = SharedAzurite().blob_endpoint(),
                                      const std::string& key = kKey) {
        return {{"name", name},
                {"auth_type", "account_key"},
                {"account_name", "devstoreaccount1"},
                {"endpoint", endpoint},
                {"credentials", {{"account_key", key}}}};
    }

    // A read/list account-SAS connection of alice's to the shared Azurite, addressed as
    // localhost (not 127.0.0.1): a SAS cannot sign a source link and the endpoints differ, so
    // copies from it cannot happen inside Azure and are streamed through the server.
    std::int64_t CreateLocalhostSasConnection(const std::string& name) {
        azure::AccountSasOptions sas;
        sas.resource_types = "sco";
        sas.permissions = "rl";
        sas.expires_on = core::NowMillis() + 3'600'000;
        const std::string token =
            azure::GenerateAccountSas(
                azure::SharedKeyCredential(std::string(AzuriteServer::kAccountName), kKey), sas)
                .query;
        const std::string localhost =
            "http://localhost:" + std::to_string(SharedAzurite().port()) + "/devstoreaccount1";
        return Create({{"name", name},
                       {"auth_type", "sas_token"},
                       {"account_name", "devstoreaccount1"},
                       {"endpoint", localhost},
                       {"container_name", container_},
                       {"credentials", {{"sas_token", token}}}},
                      alice_);
    }

    std::int64_t Create(const boost::json::object& body, const std::string& token) {
        const auto created = Json("POST", std::string(kBase), body, token);
        EXPECT_EQ(created.status, 201) << created.body;
        return created.status == 201 ? created["id"].as_int64() : 0;
    }

    std::string Path(std::int64_t id, std::string_view suffix) {
        return std::string(kBase) + "/" + std::to_string(id) + std::string(suffix);
    }

    void Put(const std::string& name, const std::string& bytes, const std::string& container = {}) {
        azure::PutBlobOptions options;
        options.headers.content_type = "text/plain";
        azure_->PutBlob(container.empty() ? container_ : container, name,
                        azure::RequestBody::FromBytes(bytes), options);
    }

    http::Response Dispatch(http::Request& request) { return RunTask(app_->Handle(request)); }

    // A blob route: the same as Call, and a streamed body collected into `body`.
    ApiResponse Blob(const std::string& method, const std::string& target, const std::string& token,
                     const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {}) {
        http::Request request(method, target);
        if (!body.empty()) {
            request.headers().Set("Content-Type", "application/json");
            request.set_body(body);
        }
        if (!token.empty()) request.headers().Set("Authorization", "Bearer " + token);
        for (const auto& [name, value] : headers) request.headers().Set(name, value);
        http::Response response = Dispatch(request);
        if (!response.producer) return ToApiResponse(response);
        CollectingSink sink;
        RunTask(response.producer(sink));
        return ToApiResponse(response, std::move(sink.data_));
    }

    ApiResponse BlobJson(const std::string& method, const std::string& target,
                         const std::string& token, const boost::json::value& body) {
        return Blob(method, target, token, boost::json::serialize(body));
    }

    // What Azure holds for a blob, read as it streams: its size and base64 MD5.
    struct Stored {
        std::uint64_t size = 0;
        std::string md5;
    };
    Stored StoredDigest(const std::string& container, const std::string& name) {
        crypto::Md5Hasher md5;
        Stored stored;
        auto sink = [&](std::string_view bytes) {
            md5.Update(bytes);
            stored.size += bytes.size();
        };
        azure_->GetBlob(container, name, sink, {}, {});
        stored.md5 = crypto::Base64Encode(md5.Finish());
        return stored;
    }

    std::string Header(const ApiResponse& response, std::string_view name) {
        return std::string(response.headers.Get(name).value_or(""));
    }

    std::unique_ptr<azure::BlobClient> azure_;
    std::string container_;
    std::string alice_;
    std::string bob_;
    std::int64_t conn_ = 0;
};

/// The App behind a real listening socket, for the length of a test.
class LiveServer {
 public:
    /// Serves `app` on a free loopback port (with its access log when `access_log`).
    explicit LiveServer(api::App& app, bool access_log = false)
        : server_(Options(access_log),
                  [&app](http::Request& request) -> http::Task<http::Response> {
                      co_return co_await app.Handle(request);
                  }) {
        server_.Listen();
        runner_ = std::thread([this] { server_.Run(false); });
    }
    ~LiveServer() {
        server_.Stop();
        runner_.join();
    }
    LiveServer(const LiveServer&) = delete;
    LiveServer& operator=(const LiveServer&) = delete;

    /// The port it listens on.
    [[nodiscard]] int port() const { return server_.port(); }

    /// A connection that has sent `GET target`.
    boost::asio::ip::tcp::socket Get(boost::asio::io_context& io, const std::string& target,
                                     const std::string& token) const {
        return Send(io, "GET " + target + " HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " +
                            token + "\r\nConnection: close\r\n\r\n");
    }

    /// A connection that has sent the head of `POST target` with a body of `length` bytes.
    boost::asio::ip::tcp::socket Post(boost::asio::io_context& io, const std::string& target,
                                      const std::string& token, std::size_t length) const {
        return Send(io, "POST " + target + " HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " +
                            token + "\r\nContent-Type: application/x-huge\r\nContent-Length: " +
                            std::to_string(length) + "\r\nConnection: close\r\n\r\n");
    }

    /// Everything the server sends until it closes.
    static std::string ReadAll(boost::asio::ip::tcp::socket& socket) {
        std::string answer;
        boost::system::error_code ec;
        std::vector<char> buffer(1U << 16U);
        for (;;) {
            const std::size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
            answer.append(buffer.data(), n);
            if (ec) return answer;
        }
    }

 private:
    boost::asio::ip::tcp::socket Send(boost::asio::io_context& io, const std::string& head) const {
        boost::asio::ip::tcp::socket socket(io);
        socket.connect({boost::asio::ip::address_v4::loopback(), server_.port()});
        boost::asio::write(socket, boost::asio::buffer(head));
        return socket;
    }

    static http::ServerOptions Options(bool access_log) {
        http::ServerOptions options;
        options.port = 0;
        options.threads = 2;
        options.access_log = access_log;
        return options;
    }

    http::Server server_;
    std::thread runner_;
};

}  // namespace cerulean::testing
