#include "cli/config.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/error.hpp"
#include "crypto/encoding.hpp"
#include "support/temp_dir.hpp"

namespace cerulean::cli {
namespace {

// Builds an environment from pairs (a braced single pair would be ambiguous with copying).
Environment Env(std::map<std::string, std::string, std::less<>> values) {
    return Environment(std::move(values));
}

std::string ErrorOf(const Environment& env) {
    try {
        LoadConfig(env);
    } catch (const core::Error& e) {
        EXPECT_EQ(e.code(), core::ErrorCode::kConfiguration);
        return e.what();
    }
    return "";
}

const std::string kKey = crypto::Base64Encode(std::string(32, '\x07'));

TEST(Config, DefaultsMatchTheContract) {
    const Config config = LoadConfig(Environment{});
    EXPECT_EQ(config.listen_host, "127.0.0.1");
    EXPECT_EQ(config.listen_port, 8080);
    EXPECT_EQ(config.database_url, "sqlite://./data/cerulean.db");
    EXPECT_EQ(config.token_ttl_seconds, 3600);
    EXPECT_TRUE(config.allow_signup);
    EXPECT_EQ(config.sync_root, "./data/sync");
    EXPECT_EQ(config.workers, 2);
    EXPECT_FALSE(config.allow_loopback_endpoints);
    EXPECT_EQ(config.allowed_endpoint_suffixes.size(), 3U);
    EXPECT_EQ(config.azure_authority_host, "https://login.microsoftonline.com");
    EXPECT_TRUE(config.master_keys.empty());
    EXPECT_EQ(config.max_transfers, 64U);
    EXPECT_TRUE(config.auto_migrate);
}

TEST(Config, ReadsEveryVariable) {
    const Config config = LoadConfig(Env({
        {"CERULEAN_LISTEN", "0.0.0.0:9090"},
        {"CERULEAN_DATABASE_URL", "postgresql://u:p@db:5432/c"},
        {"CERULEAN_MASTER_KEYS", "new:" + kKey + ",old:" + kKey},
        {"CERULEAN_JWT_SECRET", std::string(40, 's')},
        {"CERULEAN_TOKEN_TTL_SECONDS", "600"},
        {"CERULEAN_ALLOW_SIGNUP", "false"},
        {"CERULEAN_SYNC_ROOT", "/srv/sync"},
        {"CERULEAN_WORKERS", "0"},
        {"CERULEAN_WORKER_GRACE_SECONDS", "45"},
        {"CERULEAN_ALLOWED_ENDPOINT_SUFFIXES", ".example.net, .other.org"},
        {"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "true"},
        {"CERULEAN_AZURE_AUTHORITY_HOST", "http://127.0.0.1:5000/"},
        {"CERULEAN_MAX_TRANSFERS", "8"},
        {"CERULEAN_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"},
        {"CERULEAN_LOCAL_EMULATOR", "http://127.0.0.1:10000/devstoreaccount1/"},
        {"CERULEAN_AUTO_MIGRATE", "false"},
    }));
    EXPECT_EQ(config.listen_host, "0.0.0.0");
    EXPECT_EQ(config.listen_port, 9090);
    ASSERT_EQ(config.master_keys.size(), 2U);
    EXPECT_EQ(config.master_keys[0].id, "new");
    EXPECT_EQ(config.master_keys[0].key, std::string(32, '\x07'));
    EXPECT_EQ(config.token_ttl_seconds, 600);
    EXPECT_FALSE(config.allow_signup);
    EXPECT_EQ(config.workers, 0);
    EXPECT_EQ(config.worker_grace_seconds, 45);
    EXPECT_EQ(config.allowed_endpoint_suffixes,
              (std::vector<std::string>{".example.net", ".other.org"}));
    EXPECT_TRUE(config.allow_loopback_endpoints);
    EXPECT_EQ(config.azure_authority_host, "http://127.0.0.1:5000");
    EXPECT_EQ(config.max_transfers, 8U);
    EXPECT_TRUE(config.trusted_proxies.Contains("10.20.30.40"));
    EXPECT_FALSE(config.trusted_proxies.Contains("127.0.0.2"));
    EXPECT_EQ(config.local_emulator_endpoint, "http://127.0.0.1:10000/devstoreaccount1");
    EXPECT_FALSE(config.auto_migrate);
}

TEST(Config, MalformedSettingsFailWithOneLineNamingTheVariable) {
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_LISTEN", "8080"}})).rfind("CERULEAN_LISTEN:", 0), 0U);
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_LISTEN", "h:99999"}})).rfind("CERULEAN_LISTEN:", 0), 0U);
    EXPECT_EQ(
        ErrorOf(Env({{"CERULEAN_DATABASE_URL", "mysql://x"}})).rfind("CERULEAN_DATABASE_URL:", 0),
        0U);
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_WORKERS", "two"}})).rfind("CERULEAN_WORKERS:", 0), 0U);
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_WORKER_GRACE_SECONDS", "-1"}}))
                  .rfind("CERULEAN_WORKER_GRACE_SECONDS:", 0),
              0U);
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_MAX_TRANSFERS", "0"}})).rfind("CERULEAN_MAX_TRANSFERS:", 0),
              0U);
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_ALLOW_SIGNUP", "maybe"}})).rfind("CERULEAN_ALLOW_SIGNUP:", 0),
              0U);
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_AUTO_MIGRATE", "later"}})).rfind("CERULEAN_AUTO_MIGRATE:", 0),
              0U);
    EXPECT_EQ(
        ErrorOf(Env({{"CERULEAN_TOKEN_TTL_SECONDS", "5"}})).rfind("CERULEAN_TOKEN_TTL_SECONDS:", 0),
        0U);
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_TRUSTED_PROXIES", "nginx.local"}}))
                  .rfind("CERULEAN_TRUSTED_PROXIES:", 0),
              0U);
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_LOCAL_EMULATOR", "127.0.0.1:10000"}}))
                  .rfind("CERULEAN_LOCAL_EMULATOR:", 0),
              0U);
    for (const auto& error : {ErrorOf(Env({{"CERULEAN_ALLOW_LOOPBACK_ENDPOINTS", "x"}})),
                              ErrorOf(Env({{"CERULEAN_LOG_LEVEL", "x"}}))}) {
        EXPECT_EQ(error.find('\n'), std::string::npos);
        EXPECT_FALSE(error.empty());
    }
}

TEST(Config, SecretErrorsNeverEchoTheSecret) {
    const std::string short_secret = "tooshortsecret";
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_JWT_SECRET", short_secret}})).find(short_secret),
              std::string::npos);
    const std::string bad_keys = "k1:c2VjcmV0LWtleS1tYXRlcmlhbA==";
    const std::string error = ErrorOf(Env({{"CERULEAN_MASTER_KEYS", bad_keys}}));
    EXPECT_EQ(error.rfind("CERULEAN_MASTER_KEYS:", 0), 0U);
    EXPECT_EQ(error.find("c2VjcmV0"), std::string::npos);
    EXPECT_NE(ErrorOf(Env({{"CERULEAN_MASTER_KEYS", "a:" + kKey + ",a:" + kKey}})).find("twice"),
              std::string::npos);
}

TEST(Config, ReadsTheLogFormatAndTheMetricsToken) {
    const Config defaults = LoadConfig(Environment{});
    EXPECT_EQ(defaults.log_format, core::log::LogFormat::kText);
    EXPECT_TRUE(defaults.metrics_token.empty());
    const Config set = LoadConfig(Env(
        {{"CERULEAN_LOG_FORMAT", "json"}, {"CERULEAN_METRICS_TOKEN", "scrape-token-0123456789"}}));
    EXPECT_EQ(set.log_format, core::log::LogFormat::kJson);
    EXPECT_EQ(set.metrics_token, "scrape-token-0123456789");
    EXPECT_EQ(ErrorOf(Env({{"CERULEAN_LOG_FORMAT", "yaml"}})).rfind("CERULEAN_LOG_FORMAT:", 0), 0U);
    const std::string error = ErrorOf(Env({{"CERULEAN_METRICS_TOKEN", "short-tok"}}));
    EXPECT_EQ(error.rfind("CERULEAN_METRICS_TOKEN:", 0), 0U);
    EXPECT_EQ(error.find("short-tok"), std::string::npos);
}

TEST(Config, FirstRunCreatesPrivateKeyFilesAndLaterRunsReuseThem) {
    testing::TempDir dir("cerulean-config");
    Config config = LoadConfig(Env({{"CERULEAN_DATA_DIR", dir.path().string()}}));
    EnsureSecrets(config);
    ASSERT_EQ(config.master_keys.size(), 1U);
    EXPECT_EQ(config.master_keys[0].key.size(), 32U);
    EXPECT_GE(config.jwt_secret.size(), 32U);
    for (const char* name : {"master.key", "jwt.secret"}) {
        struct stat st {};
        ASSERT_EQ(::stat((dir.path() / name).c_str(), &st), 0) << name;
        EXPECT_EQ(st.st_mode & 0777, 0600U) << name;
    }
    Config again = LoadConfig(Env({{"CERULEAN_DATA_DIR", dir.path().string()}}));
    EnsureSecrets(again);
    EXPECT_EQ(again.master_keys[0].key, config.master_keys[0].key);
    EXPECT_EQ(again.jwt_secret, config.jwt_secret);
}

TEST(Config, EnvironmentVariablesWinOverKeyFiles) {
    testing::TempDir dir("cerulean-config");
    Config config = LoadConfig(Env({{"CERULEAN_DATA_DIR", dir.path().string()},
                                    {"CERULEAN_MASTER_KEYS", "env:" + kKey},
                                    {"CERULEAN_JWT_SECRET", std::string(32, 'j')}}));
    EnsureSecrets(config);
    EXPECT_EQ(config.master_keys[0].id, "env");
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "master.key"));
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "jwt.secret"));
}

}  // namespace
}  // namespace cerulean::cli
