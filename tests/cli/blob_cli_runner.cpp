#include "cli/blob_cli_runner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <thread>

#include "support/files.hpp"

namespace cerulean::testing {

pid_t StartBlobCli(const std::string& binary, const std::filesystem::path& dir,
                   const std::vector<std::string>& args, const std::string& connection_string) {
    std::vector<std::string> argv{binary, "blob"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::filesystem::path out = dir / "stdout";
    const std::filesystem::path err = dir / "stderr";
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(o, STDOUT_FILENO);
        ::dup2(e, STDERR_FILENO);
        const int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, STDIN_FILENO);
        if (connection_string.empty()) {
            ::unsetenv("AZURE_STORAGE_CONNECTION_STRING");
        } else {
            ::setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string.c_str(), 1);
        }
        if (::chdir(dir.c_str()) != 0) ::_exit(126);
        std::vector<char*> raw;
        for (auto& a : argv) raw.push_back(a.data());
        raw.push_back(nullptr);
        ::execv(raw[0], raw.data());
        ::_exit(127);
    }
    return pid;
}

BlobCliOutcome FinishBlobCli(pid_t pid, const std::filesystem::path& dir,
                             std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            ADD_FAILURE() << "cerulean blob timed out";
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    BlobCliOutcome outcome;
    outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    outcome.out = ReadFile(dir / "stdout");
    outcome.err = ReadFile(dir / "stderr");
    return outcome;
}

}  // namespace cerulean::testing
