// Containers and blobs (shared/API.md "Containers and blobs"), tested against Azurite.

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "api/blob_fixture.hpp"
#include "api/blob_routes.hpp"
#include "api/error_mapping.hpp"
#include "api/openapi.hpp"
#include "azure/blob_client.hpp"
#include "azure/sas.hpp"
#include "crypto/token_signer.hpp"
#include "http/server.hpp"
#include "support/net.hpp"
#include "support/shared_servers.hpp"

namespace cerulean::testing {
namespace {

TEST_P(BlobApiTest, CreatesListsAndDeletesContainers) {
    const std::string name = UniqueName("made");
    const auto created = BlobJson("POST", Path(conn_, "/containers"), alice_,
                                  boost::json::object{{"name", name}, {"public_access", "blob"}});
    ASSERT_EQ(created.status, 201) << created.body;
    const auto again =
        BlobJson("POST", Path(conn_, "/containers"), alice_, boost::json::object{{"name", name}});
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(again["code"], "container_exists");
    EXPECT_EQ(again["azure_code"], "ContainerAlreadyExists");

    const auto listed = Blob("GET", Path(conn_, "/containers?prefix=" + name), alice_);
    ASSERT_EQ(listed.status, 200) << listed.body;
    ASSERT_EQ(listed["items"].as_array().size(), 1U);
    const auto& item = listed["items"].as_array()[0].as_object();
    EXPECT_EQ(item.at("name").as_string(), name);
    EXPECT_EQ(item.at("public_access"), "blob");
    EXPECT_TRUE(item.at("last_modified").is_string());
    EXPECT_FALSE(item.at("etag").as_string().empty());
    EXPECT_TRUE(listed["next_marker"].is_null());

    const auto bad = BlobJson("POST", Path(conn_, "/containers"), alice_,
                              boost::json::object{{"name", "Bad_Name"}});
    EXPECT_EQ(bad.status, 422);
    const auto typo = BlobJson("POST", Path(conn_, "/containers"), alice_,
                               boost::json::object{{"name", name}, {"publc", "blob"}});
    EXPECT_EQ(typo.status, 422);
    EXPECT_EQ(Blob("GET", Path(conn_, "/containers?limit=0"), alice_).status, 422);
    EXPECT_EQ(Blob("GET", Path(conn_, "/containers?limit=5001"), alice_).status, 422);

    EXPECT_EQ(Blob("DELETE", Path(conn_, "/containers/" + name), alice_).status, 204);
    const auto gone = Blob("DELETE", Path(conn_, "/containers/" + name), alice_);
    EXPECT_EQ(gone.status, 404) << gone.body;
    EXPECT_EQ(gone["code"], "container_not_found");
}

TEST_P(BlobApiTest, PagesThroughBlobsAndShowsVirtualFolders) {
    for (int i = 0; i < 12; ++i)
        Put("flat/" + std::string(i < 10 ? "0" : "") + std::to_string(i), "x");
    Put("dir/a.txt", "a");
    Put("dir/sub/b.txt", "b");
    Put("top.txt", "t");

    std::vector<std::string> names;
    std::string marker;
    int pages = 0;
    do {
        const auto page = Blob("GET",
                               Path(conn_, "/blobs?prefix=flat/&limit=5" +
                                               (marker.empty() ? "" : "&marker=" + Encode(marker))),
                               alice_);
        ASSERT_EQ(page.status, 200) << page.body;
        for (const auto& item : page["items"].as_array()) {
            names.emplace_back(item.as_object().at("name").as_string());
        }
        EXPECT_LE(page["items"].as_array().size(), 5U);
        marker = page["next_marker"].is_null() ? "" : std::string(page["next_marker"].as_string());
        ++pages;
    } while (!marker.empty() && pages < 10);
    EXPECT_EQ(pages, 3);
    ASSERT_EQ(names.size(), 12U);
    EXPECT_EQ(names.front(), "flat/00");
    EXPECT_EQ(names.back(), "flat/11");

    const auto folders =
        Blob("GET", Path(conn_, "/blobs?delimiter=/&container=" + container_), alice_);
    ASSERT_EQ(folders.status, 200) << folders.body;
    ASSERT_EQ(folders["items"].as_array().size(), 1U);
    const auto& top = folders["items"].as_array()[0].as_object();
    EXPECT_EQ(top.at("name"), "top.txt");
    EXPECT_EQ(top.at("size"), 1);
    EXPECT_EQ(top.at("content_type"), "text/plain");
    EXPECT_EQ(top.at("blob_type"), "BlockBlob");
    for (const char* field : {"last_modified", "etag", "content_md5", "access_tier"}) {
        EXPECT_TRUE(top.contains(field)) << field;
    }
    const auto& prefixes = folders["prefixes"].as_array();
    ASSERT_EQ(prefixes.size(), 2U);
    EXPECT_EQ(prefixes[0], "dir/");
    EXPECT_EQ(prefixes[1], "flat/");
    const auto sub = Blob("GET", Path(conn_, "/blobs?delimiter=/&prefix=dir/"), alice_);
    EXPECT_EQ(sub["items"].as_array().size(), 1U);
    EXPECT_EQ(sub["prefixes"].as_array()[0], "dir/sub/");

    // Without a container and without the connection's default: 422.
    const auto bare = Create(KeyConnection("no default"), alice_);
    const auto refused = Blob("GET", Path(bare, "/blobs"), alice_);
    EXPECT_EQ(refused.status, 422) << refused.body;
    EXPECT_EQ(Blob("GET", Path(bare, "/blobs?container=" + container_), alice_).status, 200);
}

TEST_P(BlobApiTest, TrickyNamesWorkOnEveryRoute) {
    const std::vector<std::string> names{"with space.txt",
                                         "percent%20literal",
                                         "hash#tag",
                                         "question?mark",
                                         "plus+sign",
                                         "Ünïcødé/日本語/файл.txt",
                                         "deep/a/b/c/d/e/f/g/h.bin",
                                         "amp&eq=.txt"};
    for (const auto& name : names) {
        Put(name, "content of " + name);
        const std::string q = "?name=" + Encode(name);
        const auto props = Blob("GET", Path(conn_, "/blobs/properties" + q), alice_);
        ASSERT_EQ(props.status, 200) << name << ": " << props.body;
        EXPECT_EQ(props["name"].as_string(), name);
        EXPECT_EQ(props["size"], static_cast<std::int64_t>(("content of " + name).size()));
        const auto content = Blob("GET", Path(conn_, "/blobs/content" + q), alice_);
        ASSERT_EQ(content.status, 200) << name;
        EXPECT_EQ(content.body, "content of " + name);
        const auto meta = BlobJson("PUT", Path(conn_, "/blobs/metadata" + q), alice_,
                                   boost::json::object{{"metadata", {{"origin", "test"}}}});
        EXPECT_EQ(meta.status, 200) << name << ": " << meta.body;
    }
    const auto listed = Blob("GET", Path(conn_, "/blobs"), alice_);
    std::set<std::string> seen;
    for (const auto& item : listed["items"].as_array()) {
        seen.emplace(item.as_object().at("name").as_string());
    }
    for (const auto& name : names) EXPECT_TRUE(seen.contains(name)) << name;
    for (const auto& name : names) {
        const std::string q = "?name=" + Encode(name);
        EXPECT_EQ(Blob("DELETE", Path(conn_, "/blobs" + q), alice_).status, 204) << name;
        const auto again = Blob("DELETE", Path(conn_, "/blobs" + q), alice_);
        EXPECT_EQ(again.status, 404) << name;
        EXPECT_EQ(again["code"], "blob_not_found");
        EXPECT_EQ(again["azure_code"], "BlobNotFound");
    }
    EXPECT_EQ(Blob("DELETE", Path(conn_, "/blobs"), alice_).status, 422);  // no name
}

TEST_P(BlobApiTest, PropertiesAndMetadata) {
    Put("doc.txt", "hello");
    const auto props = Blob("GET", Path(conn_, "/blobs/properties?name=doc.txt"), alice_);
    ASSERT_EQ(props.status, 200) << props.body;
    EXPECT_EQ(props["content_type"], "text/plain");
    EXPECT_EQ(props["content_md5"], "XUFAKrxLKna5cZ2REBfFkg==");  // MD5("hello")
    EXPECT_TRUE(props["metadata"].as_object().empty());
    const auto set = BlobJson("PUT", Path(conn_, "/blobs/metadata?name=doc.txt"), alice_,
                              boost::json::object{{"metadata", {{"owner", "alice"}, {"n", "1"}}}});
    ASSERT_EQ(set.status, 200) << set.body;
    const auto after = Blob("GET", Path(conn_, "/blobs/properties?name=doc.txt"), alice_);
    EXPECT_EQ(after["metadata"].as_object().at("owner"), "alice");
    EXPECT_EQ(after["metadata"].as_object().at("n"), "1");
    EXPECT_NE(after["etag"], props["etag"]);
    const auto bad = BlobJson("PUT", Path(conn_, "/blobs/metadata?name=doc.txt"), alice_,
                              boost::json::object{{"metadata", {{"n", 1}}}});
    EXPECT_EQ(bad.status, 422);
    const auto missing = Blob("GET", Path(conn_, "/blobs/properties?name=nope"), alice_);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing["code"], "blob_not_found");
}

TEST_P(BlobApiTest, DownloadHonoursRangesConditionsAndNamesTheFile) {
    const std::string bytes = "0123456789abcdefghij";
    Put("résumé 2026.txt", bytes);
    const std::string path = Path(conn_, "/blobs/content?name=" + Encode("résumé 2026.txt"));
    const auto whole = Blob("GET", path, alice_);
    ASSERT_EQ(whole.status, 200);
    EXPECT_EQ(whole.body, bytes);
    EXPECT_EQ(Header(whole, "Content-Length"), "20");
    EXPECT_EQ(Header(whole, "Content-Type"), "text/plain");
    EXPECT_EQ(Header(whole, "Accept-Ranges"), "bytes");
    EXPECT_FALSE(Header(whole, "ETag").empty());
    EXPECT_TRUE(core::ParseHttpDate(Header(whole, "Last-Modified")).has_value());
    EXPECT_EQ(Header(whole, "Content-Disposition"),
              "attachment; filename=\"r_sum_ 2026.txt\"; "
              "filename*=UTF-8''r%C3%A9sum%C3%A9%202026.txt");

    const auto middle = Blob("GET", path, alice_, {}, {{"Range", "bytes=2-5"}});
    EXPECT_EQ(middle.status, 206);
    EXPECT_EQ(middle.body, "2345");
    EXPECT_EQ(Header(middle, "Content-Range"), "bytes 2-5/20");
    EXPECT_EQ(Header(middle, "Content-Length"), "4");
    const auto tail = Blob("GET", path, alice_, {}, {{"Range", "bytes=15-"}});
    EXPECT_EQ(tail.status, 206);
    EXPECT_EQ(tail.body, "fghij");
    const auto suffix = Blob("GET", path, alice_, {}, {{"Range", "bytes=-3"}});
    EXPECT_EQ(suffix.status, 206);
    EXPECT_EQ(suffix.body, "hij");
    EXPECT_EQ(Header(suffix, "Content-Range"), "bytes 17-19/20");
    const auto clipped = Blob("GET", path, alice_, {}, {{"Range", "bytes=18-100"}});
    EXPECT_EQ(clipped.body, "ij");
    const auto outside = Blob("GET", path, alice_, {}, {{"Range", "bytes=20-"}});
    EXPECT_EQ(outside.status, 416);
    EXPECT_EQ(Header(outside, "Content-Range"), "bytes */20");
    const auto ignored = Blob("GET", path, alice_, {}, {{"Range", "bytes=0-1,4-5"}});
    EXPECT_EQ(ignored.status, 200);
    EXPECT_EQ(ignored.body, bytes);

    const auto cached = Blob("GET", path, alice_, {}, {{"If-None-Match", Header(whole, "ETag")}});
    EXPECT_EQ(cached.status, 304);
    EXPECT_TRUE(cached.body.empty());
    EXPECT_EQ(Header(cached, "ETag"), Header(whole, "ETag"));
    const auto stale = Blob("GET", path, alice_, {}, {{"If-None-Match", "\"other\""}});
    EXPECT_EQ(stale.status, 200);

    Put("empty", "");
    const auto empty = Blob("GET", Path(conn_, "/blobs/content?name=empty"), alice_);
    EXPECT_EQ(empty.status, 200);
    EXPECT_TRUE(empty.body.empty());
    EXPECT_EQ(Header(empty, "Content-Disposition"),
              "attachment; filename=\"empty\"; filename*=UTF-8''empty");
    const auto empty_range =
        Blob("GET", Path(conn_, "/blobs/content?name=empty"), alice_, {}, {{"Range", "bytes=0-"}});
    EXPECT_EQ(empty_range.status, 416);
    EXPECT_EQ(Header(empty_range, "Content-Range"), "bytes */0");
    const auto missing = Blob("GET", Path(conn_, "/blobs/content?name=nope"), alice_);
    EXPECT_EQ(missing.status, 404);
}

TEST_P(BlobApiTest, StreamsLargeBlobsInChunksAndStopsWhenTheClientLeaves) {
    std::string big(3U * 1024U * 1024U + 123U, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 31U) % 251U);
    Put("big.bin", big);
    const std::string path = Path(conn_, "/blobs/content?name=big.bin");
    const auto whole = Blob("GET", path, alice_);
    ASSERT_EQ(whole.status, 200);
    EXPECT_EQ(whole.body.size(), big.size());
    EXPECT_TRUE(whole.body == big);

    // The client leaves after the first chunk: the producer fails promptly and the download
    // stops (it would otherwise block forever on the full queue).
    http::Request request("GET", path);
    request.headers().Set("Authorization", "Bearer " + alice_);
    http::Response response = Dispatch(request);
    ASSERT_TRUE(response.producer);
    CollectingSink leaving(1);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(RunTask(response.producer(leaving)), std::runtime_error);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
    EXPECT_EQ(leaving.data_.size(), 256U * 1024U);
    // And the pool is free again for the next request.
    EXPECT_EQ(Blob("GET", path, alice_, {}, {{"Range", "bytes=-4"}}).body,
              big.substr(big.size() - 4));
}

TEST_P(BlobApiTest, ASlowClientHoldsTheDownloadBackOverARealSocket) {
    if (GetParam() != store::Dialect::kSqlite) GTEST_SKIP() << "the dialect does not matter here";
    std::string big(32U << 20U, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7U) % 253U);
    Put("huge.bin", big);

    http::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.access_log = false;
    http::Server server(options, [this](http::Request& request) -> http::Task<http::Response> {
        co_return co_await app_->Handle(request);
    });
    server.Listen();
    std::thread runner([&server] { server.Run(false); });

    namespace asio = boost::asio;
    using asio::ip::tcp;
    asio::io_context io;
    auto open = [&](const std::string& target, const std::string& extra = {}) {
        tcp::socket socket(io);
        socket.connect({asio::ip::address_v4::loopback(), server.port()});
        const std::string request = "GET " + target +
                                    " HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + alice_ +
                                    "\r\n" + extra + "Connection: close\r\n\r\n";
        asio::write(socket, asio::buffer(request));
        return socket;
    };
    auto read_all = [](tcp::socket& socket, std::string& into) {
        std::vector<char> buffer(1U << 16U);
        boost::system::error_code ec;
        for (;;) {
            const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
            into.append(buffer.data(), n);
            if (ec) break;
        }
    };
    const std::string target = Path(conn_, "/blobs/content?name=huge.bin");

    const long before = ResidentKiB();
    tcp::socket slow = open(target);
    std::string received(1U << 16U, '\0');
    received.resize(slow.read_some(asio::buffer(received)));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the client reads nothing
    const long stalled = ResidentKiB();
    RecordProperty("resident_growth_kib", std::to_string(stalled - before));
    // 32 MiB would be buffered without backpressure; the queue holds about 1.5 MiB.
    EXPECT_LT(stalled - before, 12L * 1024L) << "KiB before " << before << ", stalled " << stalled;
    read_all(slow, received);
    const auto head_end = received.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos);
    EXPECT_TRUE(received.starts_with("HTTP/1.1 200")) << received.substr(0, head_end);
    EXPECT_EQ(received.size() - head_end - 4, big.size());
    EXPECT_TRUE(received.compare(head_end + 4, std::string::npos, big) == 0);

    // A client that leaves part way: the download stops and the server keeps serving.
    for (int i = 0; i < 6; ++i) {  // more than the storage pool's threads
        tcp::socket leaving = open(target);
        std::string some(1U << 20U, '\0');
        asio::read(leaving, asio::buffer(some));
        leaving.close();
    }
    tcp::socket next = open(target, "Range: bytes=-5\r\n");
    std::string answer;
    read_all(next, answer);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 206")) << answer.substr(0, 200);
    EXPECT_TRUE(answer.ends_with(big.substr(big.size() - 5)));

    server.Stop();
    runner.join();
}

TEST_P(BlobApiTest, CopiesInsideAzureAndBetweenConnections) {
    Put("src.txt", "copy me");
    azure_->SetBlobMetadata(container_, "src.txt", {{"k", "v"}});
    const auto same = BlobJson(
        "POST", Path(conn_, "/blobs/copy"), alice_,
        boost::json::object{{"source", {{"name", "src.txt"}}}, {"name", "copies/dst.txt"}});
    ASSERT_EQ(same.status, 201) << same.body;
    EXPECT_EQ(same["copy_mode"], "server_side");
    EXPECT_EQ(azure_->DownloadToString(container_, "copies/dst.txt"), "copy me");

    const std::string other = UniqueName("other");
    azure_->CreateContainer(other);
    const auto second = Create(KeyConnection("second"), alice_);
    const auto across = BlobJson(
        "POST", Path(second, "/blobs/copy"), alice_,
        boost::json::object{
            {"source", {{"connection_id", conn_}, {"container", container_}, {"name", "src.txt"}}},
            {"container", other},
            {"name", "from main.txt"}});
    ASSERT_EQ(across.status, 201) << across.body;
    EXPECT_EQ(azure_->DownloadToString(other, "from main.txt"), "copy me");

    // Streamed: a source that cannot sign, on another endpoint (localhost vs 127.0.0.1).
    std::string big(5U * 1024U * 1024U + 7U, 'z');
    big[0] = 'a';
    big[big.size() - 1] = 'b';
    Put("big.bin", big);
    const auto sas_conn = CreateLocalhostSasConnection("sas");
    const auto streamed =
        BlobJson("POST", Path(second, "/blobs/copy"), alice_,
                 boost::json::object{{"source", {{"connection_id", sas_conn}, {"name", "big.bin"}}},
                                     {"container", other},
                                     {"name", "streamed.bin"}});
    ASSERT_EQ(streamed.status, 201) << streamed.body;
    EXPECT_EQ(streamed["copy_mode"], "streamed");
    EXPECT_EQ(streamed["size"], static_cast<std::int64_t>(big.size()));
    EXPECT_TRUE(azure_->DownloadToString(other, "streamed.bin") == big);

    // Someone else's connection as the source: as if it did not exist.
    const auto bobs = Create(KeyConnection("bob's"), bob_);
    const auto stolen =
        BlobJson("POST", Path(conn_, "/blobs/copy"), alice_,
                 boost::json::object{{"source", {{"connection_id", bobs}, {"name", "src.txt"}}},
                                     {"name", "stolen.txt"}});
    EXPECT_EQ(stolen.status, 404);
    EXPECT_EQ(stolen["code"], "connection_not_found");
    const auto missing =
        BlobJson("POST", Path(conn_, "/blobs/copy"), alice_,
                 boost::json::object{{"source", {{"name", "nope"}}}, {"name", "x"}});
    EXPECT_EQ(missing.status, 404) << missing.body;
    const auto invalid =
        BlobJson("POST", Path(conn_, "/blobs/copy"), alice_, boost::json::object{{"name", "x"}});
    EXPECT_EQ(invalid.status, 422);
    azure_->DeleteContainer(other);
}

TEST_P(BlobApiTest, SignsSasLinksOnlyWithAKey) {
    Put("shared.txt", "shared");
    const auto link = BlobJson("POST", Path(conn_, "/blobs/sas"), alice_,
                               boost::json::object{{"container", container_},
                                                   {"name", "shared.txt"},
                                                   {"permissions", "r"},
                                                   {"expires_in", 600}});
    ASSERT_EQ(link.status, 200) << link.body;
    const std::string url(link["url"].as_string());
    const auto expires = core::ParseRfc3339(link["expires_at"].as_string());
    ASSERT_TRUE(expires.has_value());
    EXPECT_NEAR(static_cast<double>(*expires - core::NowMillis()), 600'000.0, 5'000.0);
    const auto query = url.find('?');
    ASSERT_NE(query, std::string::npos);
    azure::BlobClient anonymous(SharedAzurite().blob_endpoint(),
                                std::make_shared<azure::SasCredential>(url.substr(query + 1)));
    EXPECT_EQ(anonymous.DownloadToString(container_, "shared.txt"), "shared");

    const auto too_long =
        BlobJson("POST", Path(conn_, "/blobs/sas"), alice_,
                 boost::json::object{
                     {"name", "shared.txt"}, {"permissions", "r"}, {"expires_in", 8 * 24 * 3600}});
    EXPECT_EQ(too_long.status, 422);
    const auto bad_perm = BlobJson(
        "POST", Path(conn_, "/blobs/sas"), alice_,
        boost::json::object{{"name", "shared.txt"}, {"permissions", "q"}, {"expires_in", 60}});
    EXPECT_EQ(bad_perm.status, 422);

    azure::AccountSasOptions sas;
    sas.resource_types = "sco";
    sas.permissions = "rl";
    sas.expires_on = core::NowMillis() + 3'600'000;
    const std::string token =
        azure::GenerateAccountSas(
            azure::SharedKeyCredential(std::string(AzuriteServer::kAccountName), kKey), sas)
            .query;
    const auto sas_conn = Create({{"name", "sas"},
                                  {"auth_type", "sas_token"},
                                  {"account_name", "devstoreaccount1"},
                                  {"endpoint", SharedAzurite().blob_endpoint()},
                                  {"container_name", container_},
                                  {"credentials", {{"sas_token", token}}}},
                                 alice_);
    const auto refused = BlobJson(
        "POST", Path(sas_conn, "/blobs/sas"), alice_,
        boost::json::object{{"name", "shared.txt"}, {"permissions", "r"}, {"expires_in", 60}});
    EXPECT_EQ(refused.status, 422);
    EXPECT_EQ(refused["code"], "cannot_sign");
}

TEST_P(BlobApiTest, AnotherUsersConnectionIsNotFoundAndInactiveIsRefusedOnEveryRoute) {
    Put("mine.txt", "mine");
    const auto inactive = Create(KeyConnection("off"), alice_);
    Json("PATCH", Path(inactive, ""), {{"is_active", false}}, alice_);
    const std::string copy_body = boost::json::serialize(
        boost::json::object{{"source", {{"container", container_}, {"name", "mine.txt"}}},
                            {"container", container_},
                            {"name", "x"}});
    const std::string sas_body = boost::json::serialize(
        boost::json::object{{"container", container_}, {"permissions", "r"}, {"expires_in", 60}});
    const std::string q = "?container=" + container_ + "&name=mine.txt";
    struct RouteCase {
        std::string method;
        std::string suffix;
        std::string body;
    };
    const std::vector<RouteCase> routes{
        {"GET", "/containers", ""},
        {"POST", "/containers", R"({"name":"stolen"})"},
        {"DELETE", "/containers/" + container_, ""},
        {"GET", "/blobs?container=" + container_, ""},
        {"GET", "/blobs/content" + q, ""},
        {"GET", "/blobs/properties" + q, ""},
        {"PUT", "/blobs/metadata" + q, R"({"metadata":{"a":"b"}})"},
        {"DELETE", "/blobs" + q, ""},
        {"POST", "/blobs/copy", copy_body},
        {"POST", "/blobs/sas", sas_body},
    };
    for (const auto& route : routes) {
        const auto stolen = Blob(route.method, Path(conn_, route.suffix), bob_, route.body);
        EXPECT_EQ(stolen.status, 404) << route.method << " " << route.suffix << stolen.body;
        EXPECT_EQ(stolen["code"], "connection_not_found") << route.suffix;
        const auto off = Blob(route.method, Path(inactive, route.suffix), alice_, route.body);
        EXPECT_EQ(off.status, 409) << route.method << " " << route.suffix << off.body;
        EXPECT_EQ(off["code"], "connection_inactive") << route.suffix;
        EXPECT_EQ(Blob(route.method, Path(conn_, route.suffix), {}, route.body).status, 401)
            << route.suffix;
    }
    EXPECT_EQ(azure_->DownloadToString(container_, "mine.txt"), "mine");
}

TEST_P(BlobApiTest, MapsAzureFailuresToGatewayErrors) {
    const auto missing = Blob("GET", Path(conn_, "/blobs?container=nosuchcontainer"), alice_);
    EXPECT_EQ(missing.status, 404) << missing.body;
    EXPECT_EQ(missing["code"], "container_not_found");
    EXPECT_EQ(missing["azure_code"], "ContainerNotFound");
    EXPECT_EQ(Header(missing, "Content-Type"), "application/problem+json");

    std::string wrong_key = kKey;
    wrong_key[0] = wrong_key[0] == 'A' ? 'B' : 'A';
    const auto wrong =
        Create(KeyConnection("wrong key", SharedAzurite().blob_endpoint(), wrong_key), alice_);
    const auto refused = Blob("GET", Path(wrong, "/containers"), alice_);
    EXPECT_EQ(refused.status, 502) << refused.body;
    EXPECT_EQ(refused["code"], "azure_auth_failed");
    EXPECT_EQ(refused.body.find(wrong_key), std::string::npos);

    const auto closed =
        Create(KeyConnection("closed", "http://127.0.0.1:" + std::to_string(FreeLoopbackPort()) +
                                           "/devstoreaccount1"),
               alice_);
    const auto unreachable = Blob("GET", Path(closed, "/containers"), alice_);
    EXPECT_EQ(unreachable.status, 502) << unreachable.body;
    EXPECT_EQ(unreachable["code"], "azure_unreachable");
}

TEST(ChunkQueue, HoldsAtMostItsCapacityAndDeliversInOrder) {
    api::ChunkQueue queue(2);
    std::atomic<int> pushed{0};
    std::thread producer([&] {
        for (int i = 0; i < 10; ++i) {
            queue.Push(std::to_string(i));
            ++pushed;
        }
        queue.Finish(nullptr);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(pushed.load(), 2);  // the third Push waits for room: the curl thread is held back
    EXPECT_EQ(queue.size(), 2U);
    auto drain = [&queue]() -> http::Task<std::string> {
        std::string all;
        while (auto chunk = co_await queue.Pop()) all += *chunk;
        co_return all;
    };
    EXPECT_EQ(RunTask(drain()), "0123456789");
    producer.join();
}

TEST(ChunkQueue, AWaitingPopIsWokenByALaterPush) {
    api::ChunkQueue queue(4);
    std::thread producer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        queue.Push("late");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        queue.Finish(std::make_exception_ptr(std::runtime_error("azure went away")));
    });
    auto read = [&queue]() -> http::Task<std::string> {
        auto first = co_await queue.Pop();
        try {
            co_await queue.Pop();
        } catch (const std::runtime_error& e) {
            co_return *first + "/" + e.what();
        }
        co_return "no error";
    };
    EXPECT_EQ(RunTask(read()), "late/azure went away");
    producer.join();
}

TEST(ChunkQueue, AbortUnblocksAFullQueueAndRequestsStop) {
    api::ChunkQueue queue(1);
    std::atomic<bool> refused{false};
    std::thread producer([&] {
        queue.Push("a");
        try {
            queue.Push("b");  // blocks: full
        } catch (const core::Error& e) {
            refused = e.reason() == "cancelled";
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(queue.stop_token().stop_requested());
    queue.Abort();
    producer.join();
    EXPECT_TRUE(refused.load());
    EXPECT_TRUE(queue.stop_token().stop_requested());
}

TEST(BlobRange, ParsesTheThreeFormsAndRefusesWhatCannotBeServed) {
    using api::ParseRange;
    EXPECT_EQ(ParseRange("bytes=0-0", 10).range->last, 0U);
    EXPECT_EQ(ParseRange("bytes=-20", 10).range->first, 0U);
    EXPECT_TRUE(ParseRange("bytes=10-", 10).unsatisfiable);
    EXPECT_TRUE(ParseRange("bytes=-0", 10).unsatisfiable);
    EXPECT_FALSE(ParseRange("bytes=5-2", 10).range.has_value());
    EXPECT_FALSE(ParseRange("items=0-1", 10).range.has_value());
    EXPECT_FALSE(ParseRange("bytes=a-b", 10).range.has_value());
    EXPECT_TRUE(api::IfNoneMatchMatches("\"a\", W/\"b\"", "\"b\""));
    EXPECT_TRUE(api::IfNoneMatchMatches("*", "\"b\""));
    EXPECT_FALSE(api::IfNoneMatchMatches("\"a\"", "\"b\""));
    EXPECT_EQ(api::AttachmentDisposition("a/b/say \"hi\"\\.txt"),
              "attachment; filename=\"say _hi__.txt\"; filename*=UTF-8''say%20%22hi%22%5C.txt");
    EXPECT_EQ(api::AttachmentDisposition("dir/"),
              "attachment; filename=\"dir\"; filename*=UTF-8''dir");
}

TEST(BlobRoutes, AreTheDocumentedBlobOperations) {
    // The App's own check (openapi_test) sees these routes once App registers them; this one
    // holds for AddBlobRoutes on its own.
    http::BlockingPool pool(1);
    api::ApiContext context{pool, pool, nullptr, nullptr};
    http::Router router;
    api::AddBlobRoutes(router, context);
    const auto document = boost::json::parse(api::OpenApiDocument());
    const auto& paths = document.at("paths").as_object();
    std::set<std::pair<std::string, std::string>> routed;
    for (const auto& route : router.routes()) {
        std::string path = route.pattern;
        if (const auto id = path.find("{id:int}"); id != std::string::npos) {
            path.replace(id, 8, "{id}");
        }
        std::string method = route.method;
        for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        routed.emplace(path, method);
        ASSERT_TRUE(paths.contains(path)) << path;
        EXPECT_TRUE(paths.at(path).as_object().contains(method)) << method << " " << path;
    }
    EXPECT_EQ(routed.size(), 14U);
    for (const auto& [path, item] : paths) {
        const std::string_view p = path;
        if (!p.starts_with("/api/v1/azure_blob/connections/{id}/containers") &&
            !p.starts_with("/api/v1/azure_blob/connections/{id}/blobs") &&
            !p.starts_with("/api/v1/blob_links/")) {
            continue;
        }
        for (const auto& [method, operation] : item.as_object()) {
            if (method == "parameters") continue;
            EXPECT_TRUE(routed.contains({std::string(path), std::string(method)}))
                << method << " " << path << " is documented but not routed";
        }
    }
}

CERULEAN_ON_BOTH_DATABASES(BlobApiTest);

}  // namespace
}  // namespace cerulean::testing
