#include "azure/connection_string.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"

namespace cerulean::azure {
namespace {

// A fabricated key whose text ends in "==", as real account keys do.
constexpr std::string_view kKey =
    "CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJg==";

struct ValidCase {
    std::string name;
    std::string text;
    std::string account_name;
    std::string account_key;
    std::string blob_endpoint;
    std::string sas_token;
    CredentialKind kind;
};

std::vector<ValidCase> ValidCases() {
    const std::string key(kKey);
    return {
        {"account name and key",
         "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + key +
             ";EndpointSuffix=core.windows.net",
         "acct", key, "https://acct.blob.core.windows.net", "", CredentialKind::kSharedKey},
        {"defaults to https and core.windows.net", "AccountName=acct;AccountKey=" + key, "acct",
         key, "https://acct.blob.core.windows.net", "", CredentialKind::kSharedKey},
        {"sovereign cloud suffix and http",
         "DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=" + key +
             ";EndpointSuffix=core.chinacloudapi.cn",
         "acct", key, "http://acct.blob.core.chinacloudapi.cn", "", CredentialKind::kSharedKey},
        {"keys are case-insensitive, spaces and empty segments ignored",
         " accountname = acct ;;ACCOUNTKEY=" + key + "; ;endpointSUFFIX=example.net;", "acct", key,
         "https://acct.blob.example.net", "", CredentialKind::kSharedKey},
        {"unknown keys ignored",
         "AccountName=acct;AccountKey=" + key +
             ";QueueEndpoint=https://q.example;FileEndpoint=https://f.example;Foo=bar=baz",
         "acct", key, "https://acct.blob.core.windows.net", "", CredentialKind::kSharedKey},
        {"explicit BlobEndpoint wins over the suffix",
         "AccountName=acct;AccountKey=" + key +
             ";BlobEndpoint=https://custom.example.com/;EndpointSuffix=ignored.net",
         "acct", key, "https://custom.example.com", "", CredentialKind::kSharedKey},
        {"SAS only, account name from the host",
         "BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=sv=2025-01-05&ss=b&"
         "srt=sco&sp=rl&se=2026-01-01T00%3A00%3A00Z&sig=abc%2Bdef%3D",
         "acct", "", "https://acct.blob.core.windows.net",
         "sv=2025-01-05&ss=b&srt=sco&sp=rl&se=2026-01-01T00%3A00%3A00Z&sig=abc%2Bdef%3D",
         CredentialKind::kSas},
        {"SAS with a leading question mark",
         "BlobEndpoint=https://"
         "acct.blob.core.windows.net;SharedAccessSignature=?sv=2025-01-05&sig=x",
         "acct", "", "https://acct.blob.core.windows.net", "sv=2025-01-05&sig=x",
         CredentialKind::kSas},
        {"anonymous endpoint", "BlobEndpoint=https://acct.blob.core.windows.net", "acct", "",
         "https://acct.blob.core.windows.net", "", CredentialKind::kAnonymous},
        {"emulator", "UseDevelopmentStorage=true", "devstoreaccount1",
         std::string(kDevelopmentAccountKey), "http://127.0.0.1:10000/devstoreaccount1", "",
         CredentialKind::kSharedKey},
        {"emulator flag is case-insensitive", "usedevelopmentstorage=TRUE;", "devstoreaccount1",
         std::string(kDevelopmentAccountKey), "http://127.0.0.1:10000/devstoreaccount1", "",
         CredentialKind::kSharedKey},
        {"emulator behind a proxy",
         "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://ipv4.fiddler",
         "devstoreaccount1", std::string(kDevelopmentAccountKey),
         "http://ipv4.fiddler:10000/devstoreaccount1", "", CredentialKind::kSharedKey},
        {"explicit emulator endpoint, account in the path",
         "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
             std::string(kDevelopmentAccountKey) +
             ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/",
         "devstoreaccount1", std::string(kDevelopmentAccountKey),
         "http://127.0.0.1:10000/devstoreaccount1", "", CredentialKind::kSharedKey},
        {"UseDevelopmentStorage=false is a normal string",
         "UseDevelopmentStorage=false;AccountName=acct;AccountKey=" + key, "acct", key,
         "https://acct.blob.core.windows.net", "", CredentialKind::kSharedKey},
    };
}

TEST(ConnectionString, ParsesTheTableOfValidStrings) {
    for (const auto& c : ValidCases()) {
        SCOPED_TRACE(c.name);
        const ConnectionString parsed = ParseConnectionString(c.text);
        EXPECT_EQ(parsed.account_name, c.account_name);
        EXPECT_EQ(parsed.account_key, c.account_key);
        EXPECT_EQ(parsed.blob_endpoint, c.blob_endpoint);
        EXPECT_EQ(parsed.sas_token, c.sas_token);
        EXPECT_EQ(parsed.Kind(), c.kind);
    }
}

TEST(ConnectionString, SplitsEachPairAtTheFirstEqualsSign) {
    // The key ends in "==" and the SAS holds many '=': neither may be cut.
    const ConnectionString parsed =
        ParseConnectionString("AccountName=acct;AccountKey=" + std::string(kKey) +
                              ";SharedAccessSignature=sv=2025-01-05&sp=r&sig=a%3D%3D");
    EXPECT_EQ(parsed.account_key, kKey);
    EXPECT_EQ(parsed.sas_token, "sv=2025-01-05&sp=r&sig=a%3D%3D");
    EXPECT_EQ(parsed.Kind(), CredentialKind::kSharedKey);
}

TEST(ConnectionString, MarksDevelopmentStorage) {
    EXPECT_TRUE(ParseConnectionString("UseDevelopmentStorage=true").development_storage);
    EXPECT_FALSE(
        ParseConnectionString("AccountName=a;AccountKey=" + std::string(kKey)).development_storage);
}

struct InvalidCase {
    std::string name;
    std::string text;
    std::string expected_message_part;
};

TEST(ConnectionString, RejectsMalformedStringsNamingTheProblem) {
    const std::string key(kKey);
    const std::vector<InvalidCase> cases = {
        {"empty", "", "is empty"},
        {"only separators", " ; ;; ", "no AccountName"},
        {"segment without '='", "AccountName=acct;AccountKey", "segment 2 has no '='"},
        {"key pasted without its name", "AccountName=acct;" + key, "segment 2 has a malformed key"},
        {"empty key", "AccountName=acct;=" + key, "segment 2 has an empty key"},
        {"no account name", "AccountKey=" + key, "AccountKey but no AccountName"},
        {"nothing to build an endpoint from", "DefaultEndpointsProtocol=https", "no AccountName"},
        {"key not base64", "AccountName=acct;AccountKey=not*base64!" + key.substr(0, 20),
         "AccountKey is not valid base64"},
        {"key with broken padding", "AccountName=acct;AccountKey=" + key.substr(0, key.size() - 1),
         "AccountKey is not valid base64"},
        {"bad protocol", "DefaultEndpointsProtocol=ftp;AccountName=acct;AccountKey=" + key,
         "DefaultEndpointsProtocol must be http or https"},
        {"bad account name", "AccountName=ac/ct;AccountKey=" + key, "AccountName is not a valid"},
        {"bad endpoint", "AccountName=acct;AccountKey=" + key + ";BlobEndpoint=not a url",
         "BlobEndpoint"},
        {"endpoint with a query", "BlobEndpoint=https://a.example/?sig=" + key,
         "must not have a query"},
        {"ftp endpoint", "BlobEndpoint=ftp://a.example", "http or https"},
        {"bad suffix", "AccountName=acct;AccountKey=" + key + ";EndpointSuffix=a/b",
         "EndpointSuffix is not a valid"},
        {"bad development flag", "UseDevelopmentStorage=yes", "must be true or false"},
        {"development storage mixed with an account",
         "UseDevelopmentStorage=true;AccountName=acct;AccountKey=" + key, "cannot be combined"},
        {"SAS without a signature",
         "BlobEndpoint=https://a.example;SharedAccessSignature=sv=" + key, "no signature"},
        {"SAS with a broken escape",
         "BlobEndpoint=https://a.example;SharedAccessSignature=sv=1&sig=%zz" + key,
         "malformed percent-encoding"},
        {"empty SAS",
         "BlobEndpoint=https://a.example;SharedAccessSignature=", "SAS token is empty"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        try {
            (void)ParseConnectionString(c.text);
            ADD_FAILURE() << "no error";
        } catch (const core::Error& e) {
            EXPECT_EQ(e.code(), core::ErrorCode::kInvalidArgument);
            const std::string message = e.what();
            EXPECT_NE(message.find(c.expected_message_part), std::string::npos) << message;
            // Never the secret, nor any part of it long enough to matter.
            EXPECT_EQ(message.find(key.substr(0, 12)), std::string::npos) << message;
            EXPECT_EQ(message.find(key.substr(20, 12)), std::string::npos) << message;
        }
    }
}

TEST(ConnectionString, ErrorsNeverEchoTheWholeString) {
    const std::string text = "AccountName=acct;AccountKey=" + std::string(kKey) + ";garbage";
    try {
        (void)ParseConnectionString(text);
        FAIL() << "no error";
    } catch (const core::Error& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.find("garbage"), std::string::npos) << message;
        EXPECT_EQ(message.find(kKey), std::string::npos) << message;
        EXPECT_EQ(message.find("acct"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace cerulean::azure
