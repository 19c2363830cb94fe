// Download and preview links, content headers, overwrite=false, what the server offers, and the
// headers every response carries: the routes the web console needs beyond the contract.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "api/blob_fixture.hpp"
#include "service/blob_link_service.hpp"
#include "support/files.hpp"

namespace cerulean::testing {
namespace {

class BlobLinkTest : public BlobApiTest {
 protected:
    // Makes a link; returns its JSON answer.
    ApiResponse MakeLink(const std::string& name, const std::string& disposition,
                         const std::string& token = {}, std::int64_t conn = 0) {
        boost::json::object body{{"name", name}};
        if (!disposition.empty()) body["disposition"] = disposition;
        return BlobJson("POST", Path(conn == 0 ? conn_ : conn, "/blobs/link"),
                        token.empty() ? alice_ : token, body);
    }

    // Follows a link without any Authorization.
    ApiResponse Follow(const std::string& url,
                       const std::map<std::string, std::string>& headers = {}) {
        return Blob("GET", url, "", "", headers);
    }

    void PutTyped(const std::string& name, const std::string& bytes, const std::string& type) {
        azure::PutBlobOptions options;
        options.headers.content_type = type;
        options.headers.content_md5 = crypto::Base64Encode(crypto::Md5(bytes));
        azure_->PutBlob(container_, name, azure::RequestBody::FromBytes(bytes), options);
    }
};

TEST_P(BlobLinkTest, ADownloadLinkWorksOnceWithoutAToken) {
    Put("dir/report one.txt", "hello, link");
    const auto link = MakeLink("dir/report one.txt", "");
    ASSERT_EQ(link.status, 201) << link.body;
    EXPECT_EQ(Header(link, "Cache-Control"), "no-store");
    EXPECT_TRUE(link["single_use"].as_bool());
    const std::string url(link["url"].as_string());
    ASSERT_TRUE(url.starts_with("/api/v1/blob_links/")) << url;
    EXPECT_EQ(url.size(), std::string("/api/v1/blob_links/").size() + 43);
    const auto expires = core::ParseRfc3339(link["expires_at"].as_string());
    ASSERT_TRUE(expires.has_value());
    EXPECT_NEAR(static_cast<double>(*expires - core::NowMillis()), 60'000.0, 5'000.0);

    const auto first = Follow(url);
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.body, "hello, link");
    EXPECT_TRUE(Header(first, "Content-Disposition").starts_with("attachment;"));
    EXPECT_NE(Header(first, "Content-Security-Policy").find("sandbox"), std::string::npos);
    EXPECT_EQ(Header(first, "Cache-Control"), "no-store");

    const auto again = Follow(url);
    EXPECT_EQ(again.status, 404);
    EXPECT_EQ(again["code"], "link_not_found");
}

TEST_P(BlobLinkTest, APreviewLinkServesRangesInPlaceOnlyForSafeTypes) {
    PutTyped("pic.png", std::string(1000, 'p'), "image/png");
    PutTyped("page.html", "<script>alert(1)</script>", "text/html");
    const auto picture = MakeLink("pic.png", "inline");
    ASSERT_EQ(picture.status, 201) << picture.body;
    EXPECT_FALSE(picture["single_use"].as_bool());
    const std::string url(picture["url"].as_string());
    for (int i = 0; i < 3; ++i) {  // a media element asks several times
        const auto part = Follow(url, {{"Range", "bytes=10-19"}});
        ASSERT_EQ(part.status, 206) << part.body;
        EXPECT_EQ(part.body, std::string(10, 'p'));
        EXPECT_TRUE(Header(part, "Content-Disposition").starts_with("inline;"));
        EXPECT_NE(Header(part, "Content-Security-Policy").find("frame-ancestors 'self'"),
                  std::string::npos);
        EXPECT_NE(Header(part, "Content-Security-Policy").find("sandbox"), std::string::npos);
    }
    // HTML would run in our origin if shown: it is sent as an attachment, sandboxed.
    const auto page = Follow(std::string(MakeLink("page.html", "inline")["url"].as_string()));
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(Header(page, "Content-Disposition").starts_with("attachment;"));
    EXPECT_NE(Header(page, "Content-Security-Policy").find("sandbox"), std::string::npos);
    EXPECT_NE(Header(page, "Content-Security-Policy").find("frame-ancestors 'none'"),
              std::string::npos);
}

TEST_P(BlobLinkTest, LinksAreRefusedForWhatTheCallerCannotRead) {
    Put("mine.txt", "alice's");
    EXPECT_EQ(MakeLink("missing.txt", "")["code"], "blob_not_found");
    const auto others = MakeLink("mine.txt", "", bob_);
    EXPECT_EQ(others.status, 404);
    EXPECT_EQ(others["code"], "connection_not_found");
    const auto anonymous =
        BlobJson("POST", Path(conn_, "/blobs/link"), "x", {{"name", "mine.txt"}});
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_EQ(MakeLink("mine.txt", "download").status, 422);
    EXPECT_EQ(BlobJson("POST", Path(conn_, "/blobs/link"), alice_,
                       {{"name", "mine.txt"}, {"expires_in", 5}})
                  .status,
              422);
    const std::string base = "/api/v1/blob_links/";
    for (const std::string& bad : std::vector<std::string>{
             base + "short", base + std::string(43, 'A'), base + std::string(42, 'A') + "%2F"}) {
        const auto followed = Follow(bad);
        EXPECT_EQ(followed.status, 404) << bad;
        EXPECT_EQ(followed["code"], "link_not_found") << bad;
    }
}

TEST_P(BlobLinkTest, ALinkDiesWithItsConnection) {
    Put("a.txt", "a");
    const std::string url(MakeLink("a.txt", "inline")["url"].as_string());
    EXPECT_EQ(Follow(url).status, 200);
    ASSERT_EQ(Json("PATCH", Path(conn_, ""), {{"is_active", false}}, alice_).status, 200);
    EXPECT_EQ(Follow(url)["code"], "link_not_found");
    ASSERT_EQ(Json("PATCH", Path(conn_, ""), {{"is_active", true}}, alice_).status, 200);
    EXPECT_EQ(Follow(url).status, 200);
    ASSERT_EQ(Call("DELETE", Path(conn_, ""), "", alice_).status, 204);
    EXPECT_EQ(Follow(url)["code"], "link_not_found");
}

TEST_P(BlobLinkTest, ExpiredLinksStopAndTwoRacersGetASingleUseLinkOnce) {
    Put("race.txt", "r");
    service::BlobLinkService quick(db_, {std::chrono::seconds(60), std::chrono::seconds(0)});
    const auto expired = quick.Issue(1, conn_, container_, "race.txt", true);
    EXPECT_FALSE(quick.Redeem(expired.token).has_value());

    service::BlobLinkService links(db_);
    const auto once = links.Issue(1, conn_, container_, "race.txt", false);
    std::atomic<int> winners{0};
    std::vector<std::thread> racers;
    for (int i = 0; i < 4; ++i) {
        racers.emplace_back([&] {
            service::BlobLinkService mine(db_);
            if (mine.Redeem(once.token)) ++winners;
        });
    }
    for (auto& t : racers) t.join();
    EXPECT_EQ(winners.load(), 1);
    // Only a hash of the token is stored: the token itself is no key to the table.
    const auto preview = links.Issue(1, conn_, container_, "race.txt", true);
    store::BlobLinkRepository table(db_);
    EXPECT_FALSE(table.Redeem(preview.token, core::NowMillis()).has_value());
    EXPECT_TRUE(links.Redeem(preview.token).has_value());
}

TEST_P(BlobLinkTest, ChangingTheContentTypeKeepsTheOtherHeadersAndTheMd5) {
    PutTyped("data.csv", "a,b\n1,2\n", "text/plain");
    const auto first = BlobJson("PATCH", Path(conn_, "/blobs/properties?name=data.csv"), alice_,
                                {{"content_type", "text/csv"}, {"cache_control", "max-age=60"}});
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first["content_type"], "text/csv");
    const auto second = BlobJson("PATCH", Path(conn_, "/blobs/properties?name=data.csv"), alice_,
                                 {{"content_language", "en-GB"}});
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(second["content_type"], "text/csv");
    EXPECT_EQ(second["cache_control"], "max-age=60");
    EXPECT_EQ(second["content_language"], "en-GB");
    EXPECT_EQ(second["content_md5"].as_string(), crypto::Base64Encode(crypto::Md5("a,b\n1,2\n")));
    EXPECT_EQ(second["lease_state"], "available");
    EXPECT_EQ(second["lease_status"], "unlocked");

    EXPECT_EQ(BlobJson("PATCH", Path(conn_, "/blobs/properties?name=data.csv"), alice_,
                       boost::json::object{})
                  .status,
              422);
    EXPECT_EQ(BlobJson("PATCH", Path(conn_, "/blobs/properties?name=data.csv"), alice_,
                       {{"content_typo", "x"}})
                  .status,
              422);
    EXPECT_EQ(BlobJson("PATCH", Path(conn_, "/blobs/properties?name=gone.csv"), alice_,
                       {{"content_type", "x/y"}})["code"],
              "blob_not_found");
}

TEST_P(BlobLinkTest, OverwriteFalseNeverReplacesABlob) {
    Put("kept.txt", "original");
    const auto refused = Blob("POST", Path(conn_, "/blobs?name=kept.txt&overwrite=false"), alice_,
                              "replacement", {{"Content-Type", "text/plain"}});
    EXPECT_EQ(refused.status, 409) << refused.body;
    EXPECT_EQ(refused["code"], "blob_exists");
    EXPECT_EQ(azure_->DownloadToString(container_, "kept.txt"), "original");

    const auto fresh = Blob("POST", Path(conn_, "/blobs?name=fresh.txt&overwrite=false"), alice_,
                            "new", {{"Content-Type", "text/plain"}});
    EXPECT_EQ(fresh.status, 201) << fresh.body;
    EXPECT_EQ(Blob("POST", Path(conn_, "/blobs?name=x.txt&overwrite=maybe"), alice_, "x",
                   {{"Content-Type", "text/plain"}})
                  .status,
              422);

    // Multipart: the commit's condition refuses it (no early check per part).
    const std::string boundary = "b0undary";
    const std::string multipart =
        "--" + boundary +
        "\r\nContent-Disposition: form-data; name=\"file\"; "
        "filename=\"kept.txt\"\r\nContent-Type: text/plain\r\n\r\nmulti\r\n--" +
        boundary + "--\r\n";
    const auto parts = Blob("POST", Path(conn_, "/blobs?overwrite=false"), alice_, multipart,
                            {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
    EXPECT_EQ(parts.status, 409) << parts.body;
    EXPECT_EQ(parts["code"], "blob_exists");
    EXPECT_EQ(azure_->DownloadToString(container_, "kept.txt"), "original");
}

TEST_P(BlobLinkTest, TheServerSaysWhatItOffersAndSendsSecurityHeaders) {
    const auto meta = Call("GET", "/api/v1/meta");
    ASSERT_EQ(meta.status, 200) << meta.body;
    EXPECT_TRUE(meta["signup_open"].as_bool());
    EXPECT_TRUE(meta["local_emulator"].is_null());
    EXPECT_FALSE(meta["version"].as_string().empty());

    for (const auto* target : {"/api/v1/meta", "/api/v1/users/me", "/no/such/page"}) {
        const auto response = Call("GET", target);
        SCOPED_TRACE(target);
        const std::string csp = Header(response, "Content-Security-Policy");
        EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
        EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
        const auto script = csp.substr(csp.find("script-src"));
        EXPECT_EQ(script.substr(0, script.find(';')).find("unsafe-inline"), std::string::npos);
        EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
        EXPECT_EQ(Header(response, "X-Content-Type-Options"), "nosniff");
        EXPECT_EQ(Header(response, "Referrer-Policy"), "no-referrer");
        EXPECT_EQ(Header(response, "X-Frame-Options"), "DENY");
    }
}

TEST_P(BlobLinkTest, ADownloadWhoseBytesDoNotMatchTheStoredMd5EndsShort) {
    // 600 KiB: more than two of the response's chunks, so a held-back last chunk is exercised.
    const std::string bytes = PatternBytes(600 * 1024, 7);
    PutTyped("corrupt.bin", bytes, "application/octet-stream");
    PutTyped("sound.bin", bytes, "application/octet-stream");
    // Azure keeps whatever MD5 it is told: make the stored one wrong, as a corrupting network
    // or store would make the bytes wrong.
    azure::BlobHttpHeaders wrong;
    wrong.content_type = "application/octet-stream";
    wrong.content_md5 = crypto::Base64Encode(crypto::Md5("something else"));
    azure_->SetBlobHttpHeaders(container_, "corrupt.bin", wrong);

    auto stream = [&](const std::string& name, const std::map<std::string, std::string>& headers,
                      CollectingSink& sink) {
        http::Request request("GET", Path(conn_, "/blobs/content?name=" + name));
        request.headers().Set("Authorization", "Bearer " + alice_);
        for (const auto& [key, value] : headers) request.headers().Set(key, value);
        http::Response response = Dispatch(request);
        EXPECT_TRUE(response.producer);
        RunTask(response.producer(sink));
        return response;
    };
    CollectingSink corrupt;
    EXPECT_THROW(stream("corrupt.bin", {}, corrupt), core::Error);
    EXPECT_LT(corrupt.data_.size(), bytes.size());  // never a complete-looking body
    EXPECT_EQ(corrupt.data_, bytes.substr(0, corrupt.data_.size()));

    CollectingSink sound;
    const auto whole = stream("sound.bin", {}, sound);
    EXPECT_EQ(whole.status, 200);
    EXPECT_EQ(sound.data_, bytes);
    // A range cannot be checked against the whole blob's MD5: it is sent as it comes.
    CollectingSink part;
    const auto ranged = stream("corrupt.bin", {{"Range", "bytes=0-99"}}, part);
    EXPECT_EQ(ranged.status, 206);
    EXPECT_EQ(part.data_, bytes.substr(0, 100));
}

class EmulatorMetaTest : public ApiTest {
 protected:
    void Configure(api::AppOptions& options) override {
        options.local_emulator_endpoint = "http://127.0.0.1:10000/devstoreaccount1";
        options.users.allow_signup = false;
    }
};

TEST_P(EmulatorMetaTest, NamesTheLocalEmulatorAndClosedSignUp) {
    const auto meta = Call("GET", "/api/v1/meta");
    ASSERT_EQ(meta.status, 200);
    EXPECT_FALSE(meta["signup_open"].as_bool());
    EXPECT_EQ(meta["local_emulator"].at("endpoint"), "http://127.0.0.1:10000/devstoreaccount1");
    EXPECT_EQ(meta["local_emulator"].at("account_name"), "devstoreaccount1");
    // Nothing secret: no key of any kind.
    EXPECT_EQ(meta.body.find("Key"), std::string::npos);
}

CERULEAN_ON_BOTH_DATABASES(BlobLinkTest);
CERULEAN_ON_BOTH_DATABASES(EmulatorMetaTest);

}  // namespace
}  // namespace cerulean::testing
