#include "support/azurite_server.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/net.hpp"

namespace cerulean::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kStopGrace = std::chrono::seconds(5);
constexpr int kPortAttempts = 3;
constexpr std::string_view kListeningMessage = "successfully listens on";
// Read the whole startup log: warnings could push the line out of a short tail.
constexpr std::size_t kLogScan = 1 << 20;

std::filesystem::path AzuriteProgram() {
    return std::filesystem::path(CERULEAN_SOURCE_DIR) / "node_modules" / ".bin" / "azurite-blob";
}

}  // namespace

AzuriteServer::AzuriteServer(AzuriteOptions options)
    : options_(std::move(options)), dir_("cerulean-azurite-") {
    // The free port may be taken by someone else before Azurite binds it: try another one.
    for (int attempt = 1;; ++attempt) {
        port_ = FreeLoopbackPort();
        try {
            Start();
            return;
        } catch (const std::runtime_error&) {
            if (attempt == kPortAttempts ||
                FileTail(log_path_).find("EADDRINUSE") == std::string::npos) {
                throw;
            }
        }
    }
}

AzuriteServer::~AzuriteServer() {
    Stop();
}

std::string AzuriteServer::blob_endpoint() const {
    return std::string(options_.https ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(port_) + "/" + std::string(kAccountName);
}

std::string AzuriteServer::connection_string() const {
    return std::string("DefaultEndpointsProtocol=") + (options_.https ? "https" : "http") +
           ";AccountName=" + std::string(kAccountName) + ";AccountKey=" + std::string(kAccountKey) +
           ";BlobEndpoint=" + blob_endpoint() + ";";
}

pid_t AzuriteServer::pid() const {
    return process_ ? process_->pid() : -1;
}

bool AzuriteServer::Running() {
    return process_ && process_->Running();
}

void AzuriteServer::Start() {
    if (Running()) return;
    process_.reset();
    const std::filesystem::path program = AzuriteProgram();
    if (!std::filesystem::exists(program)) {
        throw std::runtime_error(program.string() + " is missing: run `npm install` in " +
                                 CERULEAN_SOURCE_DIR);
    }
    std::vector<std::string> argv = {program.string(),
                                     "--blobHost",
                                     "127.0.0.1",
                                     "--blobPort",
                                     std::to_string(port_),
                                     "--disableTelemetry",
                                     "--skipApiVersionCheck",
                                     "--loose",
                                     "--silent"};
    // Azurite refuses --location together with --inMemoryPersistence; it runs in the temp dir
    // either way.
    if (options_.in_memory) {
        argv.emplace_back("--inMemoryPersistence");
    } else {
        argv.insert(argv.end(), {"--location", dir_.path().string()});
    }
    if (options_.https) {
        argv.insert(argv.end(), {"--cert", options_.cert_path, "--key", options_.key_path});
    }
    if (options_.oauth_basic) argv.insert(argv.end(), {"--oauth", "basic"});

    log_path_ = dir_.path() / ("azurite." + std::to_string(++runs_) + ".log");
    ChildProcessOptions child_options;
    child_options.working_directory = dir_.path();
    process_ = std::make_unique<ChildProcess>(std::move(argv), log_path_, std::move(child_options));

    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    for (;;) {
        if (!process_->Running()) {
            const std::string message = "Azurite exited with status " +
                                        std::to_string(process_->ExitStatus().value_or(-1)) +
                                        " before listening on port " + std::to_string(port_) +
                                        "; log " + log_path_.string() + ":\n" + process_->LogTail();
            process_.reset();
            throw std::runtime_error(message);
        }
        // The log line proves that our process bound the port, not one that took it meanwhile.
        if (process_->LogTail(kLogScan).find(kListeningMessage) != std::string::npos &&
            WaitForTcp(port_, std::chrono::milliseconds(100))) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (std::chrono::steady_clock::now() >= deadline) {
            process_->Stop(SIGTERM, kStopGrace);
            const std::string message = "Azurite did not listen on port " + std::to_string(port_) +
                                        " within 30 s; log " + log_path_.string() + ":\n" +
                                        process_->LogTail();
            process_.reset();
            throw std::runtime_error(message);
        }
    }
}

void AzuriteServer::Stop() {
    if (!process_) return;
    process_->Stop(SIGTERM, kStopGrace);
    process_.reset();
}

void AzuriteServer::Kill() {
    if (!process_) return;
    process_->Stop(SIGKILL, kStopGrace);
    process_.reset();
}

void AzuriteServer::Restart() {
    Stop();
    Start();
}

}  // namespace cerulean::testing
