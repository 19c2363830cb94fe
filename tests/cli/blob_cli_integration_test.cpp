// `cerulean blob` end to end against Azurite, run as a child process: sizes around a block,
// paging, tricky names, recursive round trips, rb's refusal, copies within and across
// accounts, usage errors, and transfers through a proxy that resets connections and answers 503.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "azure/blob_client.hpp"
#include "cli/blob_cli_fixture.hpp"
#include "cli/blob_cli_runner.hpp"
#include "cli/fault_proxy.hpp"
#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "support/azurite_server.hpp"
#include "support/files.hpp"
#include "support/shared_servers.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20U;

using Outcome = BlobCliOutcome;

TEST_F(BlobCli, SizesAroundABlockRoundTripWithTheirMd5) {
    for (const std::uint64_t size :
         {std::uint64_t{0}, std::uint64_t{1}, kMiB - 1, kMiB, kMiB + 1, 2 * kMiB + 7}) {
        SCOPED_TRACE(size);
        const std::string data = PatternBytes(size, static_cast<unsigned>(size));
        const std::string name = "size-" + std::to_string(size);
        WriteFile(dir_.path() / name, data);
        // By default a blob that goes up in one request gets its MD5 (the request's); a staged
        // one only sends a transactional MD5 per block, unless asked for the whole MD5 too.
        const std::string md5 = crypto::Base64Encode(crypto::Md5(data));
        const Outcome plain = Run({"put", name, Remote(name), "--block-size", "1MiB", "--json"});
        ASSERT_EQ(plain.status, 0) << plain.err;
        if (size <= kMiB) {
            EXPECT_THAT(plain.out, HasSubstr("\"content_md5\":\"" + md5 + "\""));
        } else {
            EXPECT_THAT(plain.out, Not(HasSubstr("content_md5")));
        }
        const Outcome put = Run(
            {"put", name, Remote(name), "--block-size", "1MiB", "--json", "--checksum", "both"});
        ASSERT_EQ(put.status, 0) << put.err;
        EXPECT_THAT(put.out, HasSubstr("\"content_md5\":\"" + md5 + "\""));
        EXPECT_THAT(put.out, HasSubstr("\"size\":" + std::to_string(size)));
        EXPECT_THAT(put.err, HasSubstr("uploaded 1 file"));
        const Outcome get = Run({"get", Remote(name), name + ".back", "--block-size", "1M"});
        ASSERT_EQ(get.status, 0) << get.err;
        EXPECT_EQ(ReadFile(dir_.path() / (name + ".back")), data);
        const Outcome cat = Run({"get", Remote(name), "-", "--block-size", "1048576"});
        ASSERT_EQ(cat.status, 0) << cat.err;
        EXPECT_EQ(cat.out.size(), data.size());
        EXPECT_TRUE(cat.out == data);
    }
}

TEST_F(BlobCli, ListsThousandsOfBlobsAcrossPages) {
    constexpr int kCount = 5'100;  // the service pages at 5,000
    const fs::path folder = dir_.path() / "many";
    for (int i = 0; i < kCount; ++i) WriteFile(folder / ("f" + std::to_string(i)), "x");
    const Outcome put = Run({"put", "--recursive", "many", Remote("many/")});
    ASSERT_EQ(put.status, 0) << put.err;
    EXPECT_THAT(put.err, HasSubstr("uploaded 5100 files"));
    const Outcome ls = Run({"ls", "--recursive", "--json", Remote("")});
    ASSERT_EQ(ls.status, 0) << ls.err;
    const std::vector<std::string> names = Names(ls.out);
    EXPECT_EQ(names.size(), static_cast<std::size_t>(kCount));
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(),
              static_cast<std::size_t>(kCount));
    const Outcome level = Run({"ls", "--json", Remote("")});
    EXPECT_EQ(Names(level.out), std::vector<std::string>{"many/"});
    // A plain string prefix: f10, f100..f109 and f1000..f1099.
    const Outcome rm = Run({"rm", "--recursive", Remote("many/f10"), "--json"});
    ASSERT_EQ(rm.status, 0) << rm.err;
    EXPECT_EQ(Names(rm.out).size(), 111U);
    EXPECT_THAT(rm.err, HasSubstr("removed 111 blobs"));
    EXPECT_EQ(Names(Run({"ls", "--recursive", "--json", Remote("many/")}).out).size(),
              static_cast<std::size_t>(kCount - 111));
}

TEST_F(BlobCli, TrickyNamesSurvivePutGetCpAndRm) {
    const std::vector<std::string> names{"a%2Fb #1?.txt",
                                         "sp ace/+plus+&amp;=;,@$!.bin",
                                         "ünïcødé/日本語 ファイル.txt",
                                         "deep/a/b/c/d/e/f/g.txt",
                                         "100%",
                                         "hash#frag?query=1&x=%20"};
    int i = 0;
    for (const std::string& name : names) {
        SCOPED_TRACE(name);
        const std::string data = PatternBytes(100 + i, i);
        const std::string local = "local" + std::to_string(i++);
        WriteFile(dir_.path() / local, data);
        ASSERT_EQ(Run({"put", local, Remote(name)}).status, 0);
        const Outcome get = Run({"get", Remote(name), local + ".back"});
        ASSERT_EQ(get.status, 0) << get.err;
        EXPECT_EQ(ReadFile(dir_.path() / (local + ".back")), data);
        const Outcome cp = Run({"cp", Remote(name), Remote("copy/" + name), "--json"});
        ASSERT_EQ(cp.status, 0) << cp.err;
        EXPECT_THAT(cp.out, HasSubstr("\"method\":\"copy_blob\""));
        EXPECT_EQ(Run({"get", Remote("copy/" + name), "-"}).out, data);
    }
    const Outcome ls = Run({"ls", "--recursive", "--json", Remote("")});
    const std::vector<std::string> listed = Names(ls.out);
    for (const std::string& name : names) {
        EXPECT_EQ(std::count(listed.begin(), listed.end(), name), 1) << name;
        EXPECT_EQ(Run({"rm", Remote(name)}).status, 0) << name;
        EXPECT_EQ(Run({"get", Remote(name), "-"}).status, 1) << name;
    }
    EXPECT_EQ(Names(Run({"ls", "--recursive", "--json", Remote("")}).out).size(), names.size());
}

TEST_F(BlobCli, PutAndGetRecursiveRoundTrip) {
    const fs::path tree = dir_.path() / "tree";
    std::map<std::string, std::string> files{{"empty", ""},
                                             {"one.txt", "1"},
                                             {"sub/dir/two.bin", PatternBytes(3 * kMiB + 3, 2)},
                                             {"sub/three space.txt", PatternBytes(1000, 3)}};
    for (const auto& [path, data] : files) WriteFile(tree / path, data);
    const Outcome put =
        Run({"put", "tree", Remote("up"), "--recursive", "--block-size", "1MiB", "--json"});
    ASSERT_EQ(put.status, 0) << put.err;
    std::vector<std::string> uploaded = Names(put.out);
    std::sort(uploaded.begin(), uploaded.end());
    EXPECT_EQ(uploaded, (std::vector<std::string>{"up/empty", "up/one.txt", "up/sub/dir/two.bin",
                                                  "up/sub/three space.txt"}));
    const Outcome get = Run({"get", "--recursive", Remote("up/"), "back", "--concurrency", "3"});
    ASSERT_EQ(get.status, 0) << get.err;
    for (const auto& [path, data] : files) {
        EXPECT_EQ(ReadFile(dir_.path() / "back" / path), data) << path;
    }
    std::size_t count = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir_.path() / "back")) {
        count += entry.is_regular_file() ? 1 : 0;
    }
    EXPECT_EQ(count, files.size());  // no partial files left behind
}

TEST_F(BlobCli, RbRefusesANonEmptyContainerUnlessForced) {
    WriteFile(dir_.path() / "f", "x");
    ASSERT_EQ(Run({"put", "f", Remote("f")}).status, 0);
    const Outcome refused = Run({"rb", "az://" + container_});
    EXPECT_EQ(refused.status, 1);
    EXPECT_THAT(refused.err, HasSubstr("not empty"));
    EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1);
    EXPECT_EQ(Run({"rb", "az://" + container_, "--force"}).status, 0);
    const Outcome ls = Run({"ls", "--json"});
    EXPECT_THAT(ls.out, ::testing::Not(HasSubstr("\"" + container_ + "\"")));
}

TEST_F(BlobCli, CopiesWithinAnAccountAndAcrossTwoKeepingTypeAndMetadata) {
    const std::string data = PatternBytes(2 * kMiB + 5, 9);
    WriteFile(dir_.path() / "page.html", data);
    ASSERT_EQ(Run({"put", "page.html", Remote("src/page.html"), "--block-size", "1MiB",
                   "--checksum", "both"})
                  .status,
              0);
    const azure::BlobClient source = azure::BlobClient::FromConnectionString(connection_string_);
    source.SetBlobMetadata(container_, "src/page.html", {{"owner", "me"}, {"foo_bar", "x"}});

    const Outcome within = Run({"cp", Remote("src/page.html"), Remote("dst/"), "--json"});
    ASSERT_EQ(within.status, 0) << within.err;
    EXPECT_THAT(within.out, HasSubstr("\"name\":\"dst/page.html\""));
    EXPECT_THAT(within.out, HasSubstr("\"method\":\"copy_blob\""));

    AzuriteServer other;
    const azure::BlobClient destination =
        azure::BlobClient::FromConnectionString(other.connection_string());
    destination.CreateContainer("there");
    const Outcome across =
        Run({"cp", Remote("src/page.html"), "az://there/x/page.html", "--dest-connection-string",
             other.connection_string(), "--block-size", "1MiB", "--json"});
    ASSERT_EQ(across.status, 0) << across.err;
    EXPECT_THAT(across.out, HasSubstr("\"method\":\"streamed\""));

    for (const auto* client : {&source, &destination}) {
        const bool here = client == &source;
        const std::string c = here ? container_ : "there";
        const std::string n = here ? "dst/page.html" : "x/page.html";
        const azure::BlobProperties p = client->GetBlobProperties(c, n);
        EXPECT_EQ(p.content_type, "text/html");
        EXPECT_EQ(p.metadata.at("owner"), "me");
        EXPECT_EQ(p.metadata.at("foo_bar"), "x");
        EXPECT_EQ(p.content_md5, crypto::Base64Encode(crypto::Md5(data)));
        EXPECT_TRUE(client->DownloadToString(c, n) == data);
    }
}

TEST_F(BlobCli, UsageAndFailuresExitWithOneLineAndNoSecret) {
    const Outcome none = Run({"ls"}, std::string());
    EXPECT_EQ(none.status, 2);
    EXPECT_THAT(none.err, HasSubstr("AZURE_STORAGE_CONNECTION_STRING"));
    EXPECT_EQ(std::count(none.err.begin(), none.err.end(), '\n'), 1);

    EXPECT_EQ(Run({"put", "nothing-here", Remote("x")}).status, 1);
    EXPECT_EQ(Run({"get", "az://BAD/x", "y"}).status, 2);
    EXPECT_EQ(Run({"ls", "--block-size", "lots"}).status, 2);
    EXPECT_EQ(Run({"frobnicate"}).status, 2);
    fs::create_directories(dir_.path() / "folder");
    EXPECT_EQ(Run({"put", "folder", Remote("x")}).status, 2);

    // A failure is one line on stderr: the error, not a success-style "downloaded 0 files".
    const Outcome missing = Run({"get", Remote("missing"), "out"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_THAT(missing.err, HasSubstr("BlobNotFound"));
    EXPECT_THAT(missing.err, ::testing::Not(HasSubstr("downloaded")));
    EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
    EXPECT_FALSE(fs::exists(dir_.path() / "out"));

    // A wrong key: refused, and neither key appears in the message.
    const std::string wrong_key = "AAAAbWFkZS11cC1rZXktZm9yLWEtdGVzdC1vbmx5LW5vdC1hLXNlY3JldA==";
    const std::string wrong =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + wrong_key +
        ";BlobEndpoint=" + SharedAzurite().blob_endpoint();
    const Outcome denied_get = Run({"get", "--connection-string", wrong, Remote("missing"), "out"});
    EXPECT_EQ(denied_get.status, 1);
    EXPECT_EQ(std::count(denied_get.err.begin(), denied_get.err.end(), '\n'), 1) << denied_get.err;
    EXPECT_THAT(denied_get.err, ::testing::Not(HasSubstr("downloaded")));
    const Outcome denied = Run({"ls", "--connection-string", wrong, "az://" + container_});
    EXPECT_EQ(denied.status, 1);
    EXPECT_EQ(std::count(denied.err.begin(), denied.err.end(), '\n'), 1);
    EXPECT_THAT(denied.err, ::testing::Not(HasSubstr(wrong_key.substr(0, 20))));
    EXPECT_THAT(denied.err, ::testing::Not(HasSubstr("Eby8vdM02xNO")));
}

TEST_F(BlobCli, TransfersCompleteThroughResetsAnd503s) {
    FaultProxyOptions faults;
    faults.error_probability = 0.2;
    faults.reset_probability = 0.3;
    faults.max_bytes_before_reset = 2 * kMiB;
    FaultProxy proxy(SharedAzurite().port(), faults);
    const std::string through_proxy =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
        std::string(AzuriteServer::kAccountKey) +
        ";BlobEndpoint=http://127.0.0.1:" + std::to_string(proxy.port()) + "/devstoreaccount1";

    const std::string big = PatternBytes(12 * kMiB + 11, 77);
    WriteFile(dir_.path() / "big.bin", big);
    std::map<std::string, std::string> small;
    for (int i = 0; i < 40; ++i) {
        small["s/" + std::to_string(i)] = PatternBytes(1000 + i * 97, i);
        WriteFile(dir_.path() / "small" / std::to_string(i), small["s/" + std::to_string(i)]);
    }
    const std::vector<std::string> block{"--block-size", "1MiB", "--concurrency", "4"};
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.end(), block.begin(), block.end());
        const Outcome o = Run(args, through_proxy, 170s);
        EXPECT_EQ(o.status, 0) << o.err;
        return o;
    };
    run({"put", "big.bin", Remote("big.bin")});
    run({"get", Remote("big.bin"), "big.back"});
    EXPECT_TRUE(ReadFile(dir_.path() / "big.back") == big);
    run({"put", "--recursive", "small", Remote("s/")});
    run({"get", "--recursive", Remote("s"), "small.back"});
    for (int i = 0; i < 40; ++i) {
        EXPECT_EQ(ReadFile(dir_.path() / "small.back" / std::to_string(i)),
                  small["s/" + std::to_string(i)]);
    }
    run({"cp", Remote("big.bin"), Remote("big.copy")});
    EXPECT_TRUE(Run({"get", Remote("big.copy"), "-"}).out == big);
    EXPECT_GT(proxy.errors() + proxy.resets(), 0) << proxy.connections() << " connections";
    std::cerr << "fault proxy: " << proxy.connections() << " connections, " << proxy.errors()
              << " answered 503, " << proxy.resets() << " reset\n";
}

}  // namespace
}  // namespace cerulean::testing
