#include "cli/fault_fixture.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "support/files.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool IsTemporary(const std::string& name) {
    return name.starts_with('.') && name.find(".cerulean-partial") != std::string::npos;
}

}  // namespace

std::string Answer::Header(std::string_view name) const {
    const std::string lower = Lower(head);
    const std::string key = "\r\n" + Lower(name) + ":";
    const auto at = lower.find(key);
    if (at == std::string::npos) return {};
    std::size_t from = at + key.size();
    while (from < head.size() && head[from] == ' ') ++from;
    return head.substr(from, head.find("\r\n", from) - from);
}

std::string Answer::Field(std::string_view key) const {
    if (!json.is_object()) return {};
    const auto* value = json.as_object().if_contains(key);
    if (value == nullptr || value->is_null()) return {};
    return value->is_string() ? std::string(value->as_string()) : boost::json::serialize(*value);
}

bool Answer::IsProblem() const {
    return complete && Header("Content-Type").starts_with("application/problem+json") &&
           !Field("code").empty() && Field("status") == std::to_string(status);
}

std::string Answer::Show() const {
    return head + "\n" + body.substr(0, 2048) + (body.size() > 2048 ? "…" : "") +
           (complete ? "" : "\n[incomplete: " + std::to_string(body.size()) + " body bytes]");
}

int Dial(int port, int receive_buffer) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (receive_buffer > 0) {
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::pair<std::string, bool> ReadFrom(int fd, std::size_t limit,
                                      std::chrono::milliseconds patience) {
    std::string got;
    std::string chunk(64 * kKiB, '\0');
    while (got.size() < limit) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(patience.count())) <= 0) return {got, false};
        const ssize_t n = ::recv(fd, chunk.data(), std::min(chunk.size(), limit - got.size()), 0);
        if (n <= 0) return {got, true};
        got.append(chunk.data(), static_cast<std::size_t>(n));
    }
    return {got, false};
}

Answer Exchange(int port, const std::string& method, const std::string& path,
                const std::string& token, std::string_view body, const std::string& headers,
                std::chrono::seconds patience) {
    Answer answer;
    const int fd = Dial(port);
    if (fd < 0) return answer;
    std::string raw;
    {
        std::string request = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n";
        request += "Connection: close\r\n";
        if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
        request += headers;
        request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
        // The server may answer (and close) before the body is all sent: read what it said.
        if (SendAll(fd, request)) SendAll(fd, body);
        raw = ReadFrom(fd, SIZE_MAX, patience).first;
    }
    ::close(fd);
    const auto split = raw.find("\r\n\r\n");
    if (split == std::string::npos || !raw.starts_with("HTTP/1.1 ") || raw.size() < 12) {
        return answer;
    }
    answer.status = std::stoi(raw.substr(9, 3));
    answer.head = raw.substr(0, split + 2);
    answer.body = raw.substr(split + 4);
    if (const std::string length = answer.Header("Content-Length"); !length.empty()) {
        answer.content_length = std::stoull(length);
    }
    const bool no_body = method == "HEAD" || answer.status == 204 || answer.status == 304;
    answer.complete =
        no_body || !answer.content_length || answer.body.size() == *answer.content_length;
    if (answer.complete && !no_body) {
        boost::system::error_code ec;
        answer.json = boost::json::parse(answer.body, ec);
        if (ec) answer.json = nullptr;
    }
    return answer;
}

std::string Md5Hex(std::string_view bytes) {
    crypto::Md5Hasher md5;
    md5.Update(bytes);
    return crypto::HexEncode(md5.Finish());
}

std::string Fingerprint(std::string_view bytes) {
    return std::to_string(bytes.size()) + ":" + Md5Hex(bytes);
}

std::map<std::string, std::string> HashedTree(const fs::path& root,
                                              std::vector<std::string>* temporaries) {
    std::map<std::string, std::string> files;
    std::error_code ec;
    if (!fs::exists(root, ec)) return files;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        const std::string relative = it->path().lexically_relative(root).generic_string();
        if (IsTemporary(it->path().filename().string())) {
            temporaries->push_back(relative);
        } else if (it->is_regular_file() && !it->is_symlink()) {
            files[relative] = Fingerprint(ReadFile(it->path()));
        }
    }
    return files;
}

void FaultServeTest::SetUp() {
    azure_.emplace(azure::BlobClient::FromConnectionString(SharedAzurite().connection_string()));
    container_ = NewContainer("faults");
}

void FaultServeTest::TearDown() {
    server_.reset();
    for (const auto& container : containers_) {
        try {
            azure_->DeleteContainer(container);
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): best effort
        }
    }
}

Env FaultServeTest::ServerEnv(const Env& extra) const {
    Env env{{"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"},
            {"CERULEAN_SYNC_ROOT", sync_root_.string()},
            {"CERULEAN_WORKERS", "1"}};
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

void FaultServeTest::StartServer(const Env& extra) {
    port_ = Serve(ServerEnv(extra));
    if (!token_.empty()) return;
    const boost::json::object account{{"email", email_}, {"password", "password123"}};
    const Answer registered =
        Exchange(port_, "POST", "/api/v1/auth/register", {}, boost::json::serialize(account),
                 "Content-Type: application/json\r\n");
    ASSERT_EQ(registered.status, 201) << registered.Show();
    const boost::json::object login{{"username", email_}, {"password", "password123"}};
    const Answer token =
        Exchange(port_, "POST", "/api/v1/auth/token", {}, boost::json::serialize(login),
                 "Content-Type: application/json\r\n");
    ASSERT_EQ(token.status, 200) << token.Show();
    token_ = token.Field("access_token");
}

std::int64_t FaultServeTest::Connect(const std::string& endpoint, const std::string& name) {
    const Answer created =
        Api("POST", "/api/v1/azure_blob/connections",
            boost::json::object{{"name", name},
                                {"auth_type", "account_key"},
                                {"account_name", "devstoreaccount1"},
                                {"endpoint", endpoint},
                                {"container_name", container_},
                                {"credentials", {{"account_key", AzuriteServer::kAccountKey}}}});
    EXPECT_EQ(created.status, 201) << created.Show();
    const std::string id = created.Field("id");
    return id.empty() ? 0 : std::stoll(id);
}

Answer FaultServeTest::Api(const std::string& method, const std::string& path,
                           const boost::json::value& json) const {
    if (json.is_null()) return Exchange(port_, method, path, token_);
    return Exchange(port_, method, path, token_, boost::json::serialize(json),
                    "Content-Type: application/json\r\n");
}

std::string FaultServeTest::ConnectionPath(std::int64_t connection, const std::string& suffix) {
    std::string path = "/api/v1/azure_blob/connections/";
    path += std::to_string(connection);
    path += suffix;
    return path;
}

std::int64_t FaultServeTest::CreateJob(std::int64_t connection,
                                       const boost::json::object& body) const {
    const Answer created = Api("POST", ConnectionPath(connection, "/sync_jobs"), body);
    EXPECT_EQ(created.status, 202) << created.Show();
    const std::string id = created.Field("id");
    return id.empty() ? 0 : std::stoll(id);
}

boost::json::object FaultServeTest::WaitForFirstRun(std::int64_t connection, std::int64_t job,
                                                    std::chrono::seconds timeout) const {
    const std::string runs =
        ConnectionPath(connection, "/sync_jobs/" + std::to_string(job) + "/runs?limit=100");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
        const Answer listed = Api("GET", runs);
        last = listed.Show();
        if (listed.status == 200 && listed.json.is_object()) {
            const auto& items = listed.json.as_object().at("items").as_array();
            if (!items.empty()) {
                const auto& first = items.back().as_object();  // newest first
                const auto& status = first.at("status");
                if (status == "succeeded" || status == "failed" || status == "cancelled") {
                    return first;
                }
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "the run of job " << job << " did not end: " << last << "\n" << Log();
    return {};
}

std::optional<std::string> FaultServeTest::Stored(const std::string& container,
                                                  const std::string& name) const {
    try {
        return azure_->DownloadToString(container, name);
    } catch (const core::Error& e) {
        if (e.code() == core::ErrorCode::kNotFound) return std::nullopt;
        throw;
    }
}

std::string FaultServeTest::NewContainer(std::string_view prefix) {
    std::string name = UniqueName(prefix);
    azure_->CreateContainer(name);
    containers_.push_back(name);
    return name;
}

void FaultServeTest::PutBlobs(const std::string& container,
                              const std::map<std::string, std::string>& blobs) {
    for (const auto& [name, bytes] : blobs) {
        azure::PutBlobOptions options;
        crypto::Md5Hasher md5;
        md5.Update(bytes);
        options.headers.content_md5 = crypto::Base64Encode(md5.Finish());
        azure_->PutBlob(container, name, azure::RequestBody::FromBytes(bytes), options);
    }
}

}  // namespace cerulean::testing
