// Checks Shared Key and SAS signing against vectors that Azure's official Python SDK produced
// (scripts/gen_azure_vectors.py wrote tests/azure/vectors/signing_vectors.json).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "azure/sas.hpp"
#include "azure/service_version.hpp"
#include "azure/shared_key.hpp"
#include "azure/url.hpp"
#include "core/clock.hpp"

namespace cerulean::azure {
namespace {

namespace json = boost::json;

const json::object& Vectors() {
    static const json::value document = [] {
        std::ifstream in(CERULEAN_SOURCE_DIR "/tests/azure/vectors/signing_vectors.json");
        std::stringstream text;
        text << in.rdbuf();
        return json::parse(text.str());
    }();
    return document.as_object();
}

std::string Str(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr ? std::string(v->as_string()) : std::string();
}

std::optional<core::UnixMillis> Time(const json::object& o, std::string_view key) {
    const std::string text = Str(o, key);
    if (text.empty()) return std::nullopt;
    auto t = core::ParseRfc3339(text);
    EXPECT_TRUE(t) << text;
    return t;
}

std::map<std::string, std::string> DecodedQuery(const std::string& query) {
    std::map<std::string, std::string> params;
    for (auto& p : ParseQuery(query)) params[p.name] = p.value;
    return params;
}

TEST(SigningVectors, WereMadeForThePinnedServiceVersion) {
    ASSERT_FALSE(Vectors().at("shared_key").as_array().empty());
    ASSERT_FALSE(Vectors().at("sas").as_array().empty());
    EXPECT_EQ(Str(Vectors(), "pinned_service_version"), kServiceVersion);
}

TEST(SigningVectors, SharedKeyMatchesThePythonSdk) {
    for (const auto& entry : Vectors().at("shared_key").as_array()) {
        const auto& v = entry.as_object();
        SCOPED_TRACE(Str(v, "name"));
        HttpHeaders headers;
        for (const auto& pair : v.at("headers").as_array()) {
            const auto& p = pair.as_array();
            headers.push_back({std::string(p.at(0).as_string()), std::string(p.at(1).as_string())});
        }
        const SharedKeyCredential credential(Str(v, "account_name"), Str(v, "account_key"));
        const SharedKeySignature signature =
            SignSharedKey(credential, Str(v, "method"), Str(v, "url"), headers);
        EXPECT_EQ(signature.string_to_sign, Str(v, "string_to_sign"));
        EXPECT_EQ(signature.authorization, Str(v, "authorization"));
    }
}

BlobSasOptions BlobOptions(const json::object& in, const std::string& version) {
    BlobSasOptions options;
    options.container = Str(in, "container");
    options.blob = Str(in, "blob");
    options.permissions = Str(in, "permissions");
    options.starts_on = Time(in, "start");
    options.expires_on = Time(in, "expiry");
    options.identifier = Str(in, "identifier");
    options.ip_range = Str(in, "ip");
    options.protocol = Str(in, "protocol");
    options.encryption_scope = Str(in, "encryption_scope");
    options.cache_control = Str(in, "cache_control");
    options.content_disposition = Str(in, "content_disposition");
    options.content_encoding = Str(in, "content_encoding");
    options.content_language = Str(in, "content_language");
    options.content_type = Str(in, "content_type");
    options.authorized_object_id = Str(in, "authorized_object_id");
    options.unauthorized_object_id = Str(in, "unauthorized_object_id");
    options.correlation_id = Str(in, "correlation_id");
    options.version = version;
    return options;
}

TEST(SigningVectors, SasMatchesThePythonSdk) {
    int checked = 0;
    for (const auto& entry : Vectors().at("sas").as_array()) {
        const auto& v = entry.as_object();
        SCOPED_TRACE(Str(v, "name"));
        const std::string kind = Str(v, "kind");
        const std::string version = Str(v, "version");
        const auto& in = v.at("inputs").as_object();
        const SharedKeyCredential credential(Str(v, "account_name"), Str(v, "account_key"));

        SasToken token;
        if (kind == "blob" || kind == "container") {
            token = GenerateBlobSas(credential, BlobOptions(in, version));
        } else if (kind == "user_delegation_blob" || kind == "user_delegation_container") {
            const auto& k = in.at("delegation_key").as_object();
            const UserDelegationKey key{Str(k, "signed_oid"),     Str(k, "signed_tid"),
                                        Str(k, "signed_start"),   Str(k, "signed_expiry"),
                                        Str(k, "signed_service"), Str(k, "signed_version"),
                                        Str(k, "value")};
            token =
                GenerateUserDelegationSas(Str(v, "account_name"), key, BlobOptions(in, version));
        } else if (kind == "account") {
            AccountSasOptions options;
            options.services = Str(in, "services");
            options.resource_types = Str(in, "resource_types");
            options.permissions = Str(in, "permissions");
            options.starts_on = Time(in, "start");
            options.expires_on = Time(in, "expiry").value_or(0);
            options.ip_range = Str(in, "ip");
            options.protocol = Str(in, "protocol");
            options.encryption_scope = Str(in, "encryption_scope");
            options.version = version;
            token = GenerateAccountSas(credential, options);
        } else {
            ADD_FAILURE() << "unknown kind " << kind;
            continue;
        }
        EXPECT_EQ(token.string_to_sign, Str(v, "string_to_sign"));
        // The same parameters and values; their order in the query does not matter.
        EXPECT_EQ(DecodedQuery(token.query), DecodedQuery(Str(v, "token")));
        ++checked;
    }
    EXPECT_GE(checked, 10);
}

}  // namespace
}  // namespace cerulean::azure
