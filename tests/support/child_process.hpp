#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cerulean::testing {

/// How a child process is started, beyond its argv and log file.
struct ChildProcessOptions {
    /// Variables added to (or overriding) the test process's environment.
    std::vector<std::pair<std::string, std::string>> environment;
    /// The child's working directory; empty keeps the test process's.
    std::filesystem::path working_directory;
};

/// A process started with fork + execvp, its stdout and stderr appended to a log file.
///
/// The child leads its own process group and gets SIGTERM when the test process dies
/// (PR_SET_PDEATHSIG), so no server outlives a crashed test. Any thread may start and stop
/// children; the destructor stops the child.
class ChildProcess {
 public:
    /// Starts `argv` (argv[0] is looked up on PATH). Throws std::runtime_error when it cannot
    /// be started, e.g. when the program does not exist.
    ChildProcess(std::vector<std::string> argv, std::filesystem::path log_path,
                 ChildProcessOptions options = {});
    /// Stops the child (SIGTERM, then SIGKILL of its process group) if it still runs.
    ~ChildProcess();

    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    /// The child's process id (also its process group id); stays valid after it exited.
    pid_t pid() const { return pid_; }
    /// The file that receives the child's stdout and stderr.
    const std::filesystem::path& log_path() const { return log_path_; }
    /// The command line, for messages.
    std::string CommandLine() const;

    /// Whether the child still runs; reaps it when it has exited.
    bool Running();
    /// Sends `signal` to the child, waits up to `grace` for it to exit, then SIGKILLs its
    /// process group; also SIGKILLs whatever is left in the group. Returns ExitStatus().
    int Stop(int signal = SIGTERM,
             std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));
    /// Waits up to `timeout` for the child to exit by itself; nullopt when it still runs.
    std::optional<int> Wait(std::chrono::milliseconds timeout);
    /// The exit code once the child has been reaped (128 + signal number when a signal killed
    /// it, as shells report it); nullopt while it runs.
    std::optional<int> ExitStatus() const { return exit_status_; }
    /// The last `max_bytes` of the log file, for error messages.
    std::string LogTail(std::size_t max_bytes = 4096) const;

 private:
    bool TryReap();

    std::vector<std::string> argv_;
    std::filesystem::path log_path_;
    pid_t pid_ = -1;
    std::optional<int> exit_status_;
    bool stopped_ = false;
};

/// The last `max_bytes` of a file (empty when it cannot be read), for error messages.
std::string FileTail(const std::filesystem::path& path, std::size_t max_bytes = 4096);

/// The absolute path of `program` found on PATH, or nullopt.
std::optional<std::filesystem::path> FindOnPath(std::string_view program);

/// Runs a one-shot command to completion, its output appended to `log_path`, and returns its
/// exit status (128 + signal when killed). After `timeout` the command is stopped and
/// std::runtime_error is thrown, as it is when the command cannot be started.
int RunCommand(const std::vector<std::string>& argv, const std::filesystem::path& log_path,
               ChildProcessOptions options = {},
               std::chrono::milliseconds timeout = std::chrono::milliseconds(120'000));

/// RunCommand that throws std::runtime_error with the log's tail unless the exit status is 0.
void RunCommandOrThrow(const std::vector<std::string>& argv, const std::filesystem::path& log_path,
                       ChildProcessOptions options = {},
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(120'000));

}  // namespace cerulean::testing
