#include "support/postgres_server.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/net.hpp"

namespace cerulean::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kStopGrace = std::chrono::seconds(30);
constexpr int kPortAttempts = 3;

bool HasServerBinaries(const std::filesystem::path& dir) {
    std::error_code error;
    return std::filesystem::exists(dir / "postgres", error) &&
           std::filesystem::exists(dir / "initdb", error);
}

std::string Trim(std::string text) {
    const auto not_space = [](unsigned char c) { return std::isspace(c) == 0; };
    text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
    text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
    return text;
}

// Debian's pg_config comes with libpq-dev and may belong to another major version than the
// server packages, so its answer is used only when the server binaries are there.
std::filesystem::path FindBinDir(const std::filesystem::path& scratch) {
    if (FindOnPath("pg_config")) {
        const std::filesystem::path output = scratch / "pg_config.out";
        if (RunCommand({"pg_config", "--bindir"}, output) == 0) {
            std::ifstream in(output);
            std::string line;
            std::getline(in, line);
            const std::filesystem::path dir = Trim(line);
            if (!dir.empty() && HasServerBinaries(dir)) return dir;
        }
    }
    // Debian installs each major version side by side: take the highest.
    std::filesystem::path best;
    double best_version = -1;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error)) {
        const std::string name = entry.path().filename().string();
        double version = 0;
        const auto [end, parse_error] =
            std::from_chars(name.data(), name.data() + name.size(), version);
        if (parse_error != std::errc() || end != name.data() + name.size()) continue;
        if (version > best_version && HasServerBinaries(entry.path() / "bin")) {
            best_version = version;
            best = entry.path() / "bin";
        }
    }
    if (best.empty()) {
        throw std::runtime_error(
            "PostgreSQL server binaries not found (pg_config --bindir, /usr/lib/postgresql/*/bin)");
    }
    return best;
}

void ChownRecursively(const std::filesystem::path& root, const char* user) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (getpwnam_r(user, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
        throw std::runtime_error(std::string("running as root needs a '") + user +
                                 "' user to run PostgreSQL");
    }
    const auto change = [&](const std::filesystem::path& path) {
        if (lchown(path.c_str(), found->pw_uid, found->pw_gid) != 0) {
            throw std::runtime_error("chown " + path.string() + ": " + std::strerror(errno));
        }
    };
    change(root);
    for (const auto& item : std::filesystem::recursive_directory_iterator(root))
        change(item.path());
}

/// The lines of postmaster.pid: pid, data dir, start time, port, socket dir, listen address,
/// shared memory key, status ("starting", "ready", "stopping").
std::vector<std::string> ReadPostmasterPidFile(const std::filesystem::path& data_dir) {
    std::ifstream in(data_dir / "postmaster.pid");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(Trim(line));
    return lines;
}

pid_t ParsePid(const std::string& text) {
    pid_t pid = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), pid);
    return error == std::errc() && end == text.data() + text.size() && pid > 0 ? pid : -1;
}

std::string PercentEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string encoded;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            encoded += c;
        } else {
            encoded += '%';
            encoded += kHex[byte >> 4];
            encoded += kHex[byte & 0xF];
        }
    }
    return encoded;
}

}  // namespace

PostgresServer::PostgresServer()
    : dir_("cerulean-postgres-"), bin_dir_(FindBinDir(dir_.path())), as_root_(geteuid() == 0) {
    if (as_root_) ChownRecursively(dir_.path(), "postgres");

    // --no-locale: collation and messages must not depend on the machine's LANG.
    const std::filesystem::path initdb_log = dir_.path() / "initdb.log";
    ChildProcessOptions options;
    options.working_directory = dir_.path();
    RunCommandOrThrow(
        AsPostgresUser({(bin_dir_ / "initdb").string(), "-D", data_dir().string(), "-A", "trust",
                        "-U", std::string(kUser), "-E", "UTF8", "--no-locale", "--no-sync"}),
        initdb_log, options);

    // The free port may be taken by someone else before postgres binds it: try another one.
    for (int attempt = 1;; ++attempt) {
        port_ = FreeLoopbackPort();
        try {
            Start();
            return;
        } catch (const std::runtime_error&) {
            if (attempt == kPortAttempts ||
                FileTail(log_path_).find("Address already in use") == std::string::npos) {
                throw;
            }
        }
    }
}

PostgresServer::~PostgresServer() {
    Stop();
}

std::string PostgresServer::UrlFor(std::string_view database) const {
    return "postgresql://" + std::string(kUser) + "@127.0.0.1:" + std::to_string(port_) + "/" +
           PercentEncode(database);
}

pid_t PostgresServer::pid() const {
    return process_ ? process_->pid() : -1;
}

std::vector<std::string> PostgresServer::AsPostgresUser(std::vector<std::string> argv) const {
    if (!as_root_) return argv;
    // runuser is not set-user-ID, so the parent-death signal set before exec survives it; it
    // forwards SIGTERM (not SIGINT, which it blocks) to postgres.
    std::vector<std::string> wrapped = {"runuser", "-u", "postgres", "--"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
}

bool PostgresServer::Running() {
    return process_ && process_->Running();
}

bool PostgresServer::Ready() {
    // postmaster.pid says "ready" once our postmaster listens and has finished startup, which
    // also proves that the port is ours and not taken by another process meanwhile.
    const std::vector<std::string> lines = ReadPostmasterPidFile(data_dir());
    if (lines.size() < 8 || lines[7] != "ready" || lines[3] != std::to_string(port_)) return false;
    if (!WaitForTcp(port_, std::chrono::milliseconds(0))) return false;
    if (RunCommand({(bin_dir_ / "pg_isready").string(), "-q", "-h", "127.0.0.1", "-p",
                    std::to_string(port_), "-U", std::string(kUser), "-d", "postgres"},
                   dir_.path() / "pg_isready.log") != 0) {
        return false;
    }
    postmaster_pid_ = ParsePid(lines[0]);
    return true;
}

void PostgresServer::Start() {
    if (Running()) return;
    process_.reset();
    log_path_ = dir_.path() / ("postgres." + std::to_string(++runs_) + ".log");
    ChildProcessOptions options;
    options.working_directory = dir_.path();
    process_ = std::make_unique<ChildProcess>(
        AsPostgresUser({(bin_dir_ / "postgres").string(), "-D", data_dir().string(), "-p",
                        std::to_string(port_), "-k", dir_.path().string(), "-h", "127.0.0.1", "-F",
                        "-c", "fsync=off", "-c", "synchronous_commit=off", "-c",
                        "full_page_writes=off"}),
        log_path_, options);

    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    for (;;) {
        if (!process_->Running()) {
            const std::string message = "postgres exited with status " +
                                        std::to_string(process_->ExitStatus().value_or(-1)) +
                                        " while starting on port " + std::to_string(port_) +
                                        "; log " + log_path_.string() + ":\n" + process_->LogTail();
            process_.reset();
            throw std::runtime_error(message);
        }
        if (Ready()) return;
        if (std::chrono::steady_clock::now() >= deadline) {
            const std::string message = "postgres did not accept connections on port " +
                                        std::to_string(port_) + " within 60 s; log " +
                                        log_path_.string() + ":\n" + process_->LogTail();
            Stop();
            throw std::runtime_error(message);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

void PostgresServer::Stop() {
    if (!process_) return;
    if (process_->Running()) {
        // SIGINT is a fast shutdown. Under runuser it must go to the postmaster itself.
        const std::vector<std::string> lines = ReadPostmasterPidFile(data_dir());
        const pid_t postmaster = lines.empty() ? -1 : ParsePid(lines[0]);
        if (postmaster > 0 && postmaster != process_->pid()) {
            kill(postmaster, SIGINT);
        } else if (postmaster < 0) {
            kill(-process_->pid(), SIGINT);
        }
    }
    process_->Stop(SIGINT, kStopGrace);
    process_.reset();
    postmaster_pid_ = -1;
}

std::string PostgresServer::CreateDatabase(std::string_view name) {
    if (name.empty() || name.size() > 63 || name.find('"') != std::string_view::npos ||
        name.find('\0') != std::string_view::npos) {
        throw std::invalid_argument("invalid database name: " + std::string(name));
    }
    const std::filesystem::path log = dir_.path() / "create_database.log";
    const std::lock_guard lock(psql_mutex_);
    if (RunPsql(url(), "CREATE DATABASE \"" + std::string(name) + "\"", log) != 0) {
        throw std::runtime_error("CREATE DATABASE \"" + std::string(name) + "\" failed; log " +
                                 log.string() + ":\n" + FileTail(log));
    }
    return UrlFor(name);
}

int PostgresServer::RunPsql(const std::string& url, const std::string& sql,
                            const std::filesystem::path& log_path) const {
    return RunCommand(
        {(bin_dir_ / "psql").string(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql},
        log_path);
}

}  // namespace cerulean::testing
