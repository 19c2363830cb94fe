#include "cli/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "core/error.hpp"
#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace cerulean::cli {
namespace {

namespace fs = std::filesystem;

core::Error Bad(std::string_view variable, std::string_view why) {
    return core::Error(core::ErrorCode::kConfiguration,
                       std::string(variable) + ": " + std::string(why));
}

std::string_view Trim(std::string_view s) {
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

bool ParseBool(const std::string& text, std::string_view variable) {
    if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "0" || text == "no" || text == "off") return false;
    throw Bad(variable, "expected true or false, got '" + text + "'");
}

long long ParseInt(const std::string& text, std::string_view variable, long long min,
                   long long max) {
    long long value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) {
        throw Bad(variable, "expected an integer, got '" + text + "'");
    }
    if (value < min || value > max) {
        throw Bad(variable, "must be between " + std::to_string(min) + " and " +
                                std::to_string(max) + ", got " + text);
    }
    return value;
}

// HOST:PORT (an IPv6 host in brackets, [::1]:8080) of `variable`; throws naming it.
std::pair<std::string, std::uint16_t> ParseListen(const std::string& text,
                                                  std::string_view variable) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        throw Bad(variable, "expected HOST:PORT such as 127.0.0.1:8080, got '" + text + "'");
    }
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);  // [::1]:8080
    }
    return {host, static_cast<std::uint16_t>(ParseInt(text.substr(colon + 1), variable, 0, 65535))};
}

bool IsKeyId(std::string_view id) {
    if (id.empty() || id.size() > 32) return false;
    for (const char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

// Reads a secret file, or creates it with `fresh` content and mode 0600 when it is missing.
// O_EXCL makes two first runs at once agree on one file.
std::string ReadOrCreateSecret(const fs::path& path, const std::string& fresh) {
    fs::create_directories(path.parent_path().empty() ? fs::path(".") : path.parent_path());
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        const std::string content = fresh + "\n";
        const bool ok =
            ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
        ::close(fd);
        if (!ok) {
            throw core::Error(core::ErrorCode::kConfiguration, "cannot write " + path.string());
        }
        return fresh;
    }
    if (errno != EEXIST) {
        throw core::Error(core::ErrorCode::kConfiguration,
                          "cannot create " + path.string() + ": " + std::strerror(errno));
    }
    std::ifstream in(path);
    if (!in) throw core::Error(core::ErrorCode::kConfiguration, "cannot read " + path.string());
    std::stringstream buffer;
    buffer << in.rdbuf();
    return std::string(Trim(buffer.str()));
}

}  // namespace

std::vector<MasterKey> ParseMasterKeys(std::string_view text, std::string_view variable) {
    std::vector<MasterKey> keys;
    std::set<std::string, std::less<>> ids;
    while (true) {
        const auto comma = text.find(',');
        const std::string_view item = Trim(text.substr(0, comma));
        const auto colon = item.find(':');
        if (colon == std::string_view::npos) {
            throw Bad(variable, "expected kid:base64key[,kid:base64key...]");
        }
        const std::string_view id = item.substr(0, colon);
        if (!IsKeyId(id)) {
            throw Bad(variable, "key id must be 1..32 letters, digits, '-' or '_'");
        }
        const auto key = crypto::Base64Decode(item.substr(colon + 1));
        if (!key || key->size() != 32) {
            throw Bad(variable, "key '" + std::string(id) + "' must be 32 bytes in base64");
        }
        if (!ids.insert(std::string(id)).second) {
            throw Bad(variable, "key id '" + std::string(id) + "' appears twice");
        }
        keys.push_back({std::string(id), *key});
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return keys;
}

Config LoadConfig(const Environment& env) {
    Config config;
    if (auto v = env.Get("CERULEAN_LISTEN")) {
        std::tie(config.listen_host, config.listen_port) = ParseListen(*v, "CERULEAN_LISTEN");
    }
    if (auto v = env.Get("CERULEAN_WORKER_LISTEN"); v && !v->empty()) {
        std::tie(config.worker_listen_host, config.worker_listen_port) =
            ParseListen(*v, "CERULEAN_WORKER_LISTEN");
    }
    if (auto v = env.Get("CERULEAN_DATABASE_URL")) {
        if (!v->starts_with("sqlite://") && !v->starts_with("postgresql://") &&
            !v->starts_with("postgres://")) {
            throw Bad("CERULEAN_DATABASE_URL", "must start with sqlite:// or postgresql://");
        }
        config.database_url = *v;
    }
    if (auto v = env.Get("CERULEAN_MASTER_KEYS")) {
        config.master_keys = ParseMasterKeys(*v, "CERULEAN_MASTER_KEYS");
    }
    if (auto v = env.Get("CERULEAN_JWT_SECRET")) {
        if (v->size() < 32) throw Bad("CERULEAN_JWT_SECRET", "must be at least 32 characters");
        config.jwt_secret = *v;
    }
    if (auto v = env.Get("CERULEAN_TOKEN_TTL_SECONDS")) {
        config.token_ttl_seconds =
            static_cast<int>(ParseInt(*v, "CERULEAN_TOKEN_TTL_SECONDS", 60, 30L * 24 * 3600));
    }
    if (auto v = env.Get("CERULEAN_ALLOW_SIGNUP")) {
        config.allow_signup = ParseBool(*v, "CERULEAN_ALLOW_SIGNUP");
    }
    if (auto v = env.Get("CERULEAN_SYNC_ROOT")) config.sync_root = *v;
    if (auto v = env.Get("CERULEAN_WORKERS")) {
        config.workers = static_cast<int>(ParseInt(*v, "CERULEAN_WORKERS", 0, 256));
    }
    if (auto v = env.Get("CERULEAN_WORKER_GRACE_SECONDS")) {
        config.worker_grace_seconds =
            static_cast<int>(ParseInt(*v, "CERULEAN_WORKER_GRACE_SECONDS", 0, 3600));
    }
    if (auto v = env.Get("CERULEAN_ALLOWED_ENDPOINT_SUFFIXES")) {
        config.allowed_endpoint_suffixes.clear();
        std::string_view rest = *v;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const std::string_view suffix = Trim(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            if (suffix.empty()) continue;
            if (suffix.front() != '.') {
                throw Bad("CERULEAN_ALLOWED_ENDPOINT_SUFFIXES",
                          "each suffix must start with '.', got '" + std::string(suffix) + "'");
            }
            config.allowed_endpoint_suffixes.emplace_back(suffix);
        }
    }
    if (auto v = env.Get("CERULEAN_ALLOW_LOOPBACK_ENDPOINTS")) {
        config.allow_loopback_endpoints = ParseBool(*v, "CERULEAN_ALLOW_LOOPBACK_ENDPOINTS");
    }
    if (auto v = env.Get("CERULEAN_AZURE_AUTHORITY_HOST")) {
        if (!v->starts_with("https://") && !v->starts_with("http://")) {
            throw Bad("CERULEAN_AZURE_AUTHORITY_HOST", "must be an http(s) URL");
        }
        while (v->ends_with('/')) v->pop_back();
        config.azure_authority_host = *v;
    }
    if (auto v = env.Get("CERULEAN_DATA_DIR")) config.data_dir = *v;
    if (auto v = env.Get("CERULEAN_WEB_ROOT")) config.web_root = *v;
    if (auto v = env.Get("CERULEAN_LOCAL_EMULATOR"); v && !v->empty()) {
        if (!v->starts_with("https://") && !v->starts_with("http://")) {
            throw Bad("CERULEAN_LOCAL_EMULATOR", "must be the emulator's http(s) blob endpoint");
        }
        while (v->ends_with('/')) v->pop_back();
        config.local_emulator_endpoint = *v;
    }
    if (auto v = env.Get("CERULEAN_LOG_LEVEL")) {
        const auto level = core::log::ParseLevel(*v);
        if (!level) throw Bad("CERULEAN_LOG_LEVEL", "expected debug, info, warn or error");
        config.log_level = *level;
    }
    if (auto v = env.Get("CERULEAN_LOG_FORMAT")) {
        const auto format = core::log::ParseFormat(*v);
        if (!format) throw Bad("CERULEAN_LOG_FORMAT", "expected text or json");
        config.log_format = *format;
    }
    if (auto v = env.Get("CERULEAN_METRICS_TOKEN"); v && !v->empty()) {
        if (v->size() < 16) throw Bad("CERULEAN_METRICS_TOKEN", "must be at least 16 characters");
        config.metrics_token = *v;
    }
    if (auto v = env.Get("CERULEAN_TRUSTED_PROXIES")) {
        config.trusted_proxies = http::TrustedProxies::Parse(*v);
    }
    if (auto v = env.Get("CERULEAN_HTTP_THREADS")) {
        config.http_threads = static_cast<int>(ParseInt(*v, "CERULEAN_HTTP_THREADS", 0, 256));
    }
    if (auto v = env.Get("CERULEAN_MAX_TRANSFERS")) {
        config.max_transfers =
            static_cast<std::size_t>(ParseInt(*v, "CERULEAN_MAX_TRANSFERS", 1, 4096));
    }
    if (auto v = env.Get("CERULEAN_AUTO_MIGRATE")) {
        config.auto_migrate = ParseBool(*v, "CERULEAN_AUTO_MIGRATE");
    }
    return config;
}

void EnsureSecrets(Config& config) {
    if (config.master_keys.empty()) {
        const fs::path path = config.data_dir / "master.key";
        const std::string fresh = "k1:" + crypto::Base64Encode(crypto::RandomBytes(32));
        config.master_keys = ParseMasterKeys(ReadOrCreateSecret(path, fresh), path.string());
    }
    if (config.jwt_secret.empty()) {
        const fs::path path = config.data_dir / "jwt.secret";
        config.jwt_secret = ReadOrCreateSecret(path, crypto::Base64Encode(crypto::RandomBytes(48)));
        if (config.jwt_secret.size() < 32) {
            throw Bad(path.string(), "must hold at least 32 characters");
        }
    }
}

}  // namespace cerulean::cli
