#include "support/child_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace cerulean::testing {
namespace {

using Clock = std::chrono::steady_clock;

/// Closes a file descriptor when it goes out of scope.
class UniqueFd {
 public:
    explicit UniqueFd(int fd = -1) : fd_(fd) {}
    ~UniqueFd() { Reset(); }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    void Reset() {
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
    }

 private:
    int fd_;
};

std::string ErrnoText(int error) {
    return std::strerror(error);
}

std::vector<std::string> BuildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& extra) {
    std::vector<std::string> result;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const std::string_view name = text.substr(0, text.find('='));
        const bool overridden = std::any_of(extra.begin(), extra.end(), [&](const auto& variable) {
            return variable.first == name;
        });
        if (!overridden) result.emplace_back(text);
    }
    for (const auto& [name, value] : extra) result.push_back(name + "=" + value);
    return result;
}

std::vector<char*> NullTerminatedPointers(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (auto& text : strings) pointers.push_back(text.data());
    pointers.push_back(nullptr);
    return pointers;
}

// PR_SET_PDEATHSIG fires when the *thread* that forked exits, not the process. Forking on one
// thread that lives as long as the process keeps a server started from a short-lived test
// thread alive, and still ends it with the process.
class ForkThread {
 public:
    static ForkThread& Instance() {
        // Leaked on purpose: the thread must outlive every static destructor that stops a child.
        static auto* instance = new ForkThread();
        return *instance;
    }

    ForkThread(const ForkThread&) = delete;
    ForkThread& operator=(const ForkThread&) = delete;

    /// Runs `fork_and_exec` on the fork thread and returns its result (the child's pid).
    pid_t Run(std::function<pid_t()> fork_and_exec) {
        std::packaged_task<pid_t()> task(std::move(fork_and_exec));
        std::future<pid_t> result = task.get_future();
        {
            const std::lock_guard lock(mutex_);
            tasks_.push_back(std::move(task));
        }
        wake_.notify_one();
        return result.get();
    }

 private:
    ForkThread() {
        std::thread([this] { Loop(); }).detach();
    }

    [[noreturn]] void Loop() {
        for (;;) {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return !tasks_.empty(); });
            std::packaged_task<pid_t()> task = std::move(tasks_.front());
            tasks_.pop_front();
            lock.unlock();
            task();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::packaged_task<pid_t()>> tasks_;
};

std::string FormatCommandLine(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& arg : argv) {
        if (!line.empty()) line += ' ';
        if (arg.empty() || arg.find_first_of(" \t'\"") != std::string::npos) {
            line += "'" + arg + "'";
        } else {
            line += arg;
        }
    }
    return line;
}

int DecodeWaitStatus(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// Only async-signal-safe calls between fork and exec: the test process may have other threads
// holding the allocator's or stdio's locks.
[[noreturn]] void FailInChild(int error_fd, int error) {
    ssize_t ignored = write(error_fd, &error, sizeof error);
    (void)ignored;
    _exit(127);
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::filesystem::path log_path,
                           ChildProcessOptions options)
    : argv_(std::move(argv)), log_path_(std::move(log_path)) {
    if (argv_.empty()) throw std::invalid_argument("ChildProcess: empty argv");

    const UniqueFd log_fd(open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (log_fd.get() < 0) {
        throw std::runtime_error("cannot open log " + log_path_.string() + ": " + ErrnoText(errno));
    }
    const UniqueFd null_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (null_fd.get() < 0) throw std::runtime_error("cannot open /dev/null: " + ErrnoText(errno));
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2: " + ErrnoText(errno));
    UniqueFd error_read(pipe_fds[0]);
    UniqueFd error_write(pipe_fds[1]);

    // Everything the child needs is prepared before fork: it may not allocate.
    std::vector<std::string> args = argv_;
    std::vector<std::string> environment = BuildEnvironment(options.environment);
    std::vector<char*> arg_pointers = NullTerminatedPointers(args);
    std::vector<char*> env_pointers = NullTerminatedPointers(environment);
    const std::string working_directory = options.working_directory.string();
    const pid_t parent = getpid();

    const pid_t pid = ForkThread::Instance().Run([&]() -> pid_t {
        const pid_t forked = fork();
        if (forked < 0) return -errno;  // errno is per thread: hand it back as the result
        if (forked > 0) return forked;
        const int error_fd = error_write.get();
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        struct sigaction default_action {};
        default_action.sa_handler = SIG_DFL;
        for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2}) {
            sigaction(sig, &default_action, nullptr);
        }
        if (setpgid(0, 0) != 0) FailInChild(error_fd, errno);
        // A credential change clears the parent-death signal, so it is set last: nothing here
        // changes credentials (runuser, when used, is exec'd as root and not set-user-ID).
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) FailInChild(error_fd, errno);
        // The parent may have died before prctl: then no signal would ever come.
        if (getppid() != parent) _exit(126);
        if (dup2(null_fd.get(), STDIN_FILENO) < 0 || dup2(log_fd.get(), STDOUT_FILENO) < 0 ||
            dup2(log_fd.get(), STDERR_FILENO) < 0) {
            FailInChild(error_fd, errno);
        }
        // Descriptors the test process opened without O_CLOEXEC (sockets, pipes) stay out of
        // the server: a leaked listening socket or pipe end would outlive the test's use of it.
        close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
        if (!working_directory.empty() && chdir(working_directory.c_str()) != 0) {
            FailInChild(error_fd, errno);
        }
        execvpe(arg_pointers[0], arg_pointers.data(), env_pointers.data());
        FailInChild(error_fd, errno);
    });
    if (pid < 0) throw std::runtime_error("fork: " + ErrnoText(-pid));

    pid_ = pid;
    // Also from the parent, so that the group exists before Stop() can signal it.
    setpgid(pid, pid);
    error_write.Reset();
    int child_error = 0;
    ssize_t n = 0;
    do {
        n = read(error_read.get(), &child_error, sizeof child_error);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        exit_status_ = DecodeWaitStatus(status);
        throw std::runtime_error("cannot start " + CommandLine() + ": " + ErrnoText(child_error));
    }
}

ChildProcess::~ChildProcess() {
    try {
        Stop();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
}

std::string ChildProcess::CommandLine() const {
    return FormatCommandLine(argv_);
}

bool ChildProcess::TryReap() {
    if (exit_status_) return true;
    int status = 0;
    for (;;) {
        const pid_t result = waitpid(pid_, &status, WNOHANG);
        if (result == pid_) {
            exit_status_ = DecodeWaitStatus(status);
            return true;
        }
        if (result == 0) return false;
        if (errno == EINTR) continue;
        // ECHILD: someone else reaped it (a SIGCHLD handler set to SIG_IGN, say).
        exit_status_ = -1;
        return true;
    }
}

bool ChildProcess::Running() {
    return pid_ > 0 && !TryReap();
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    auto pause = std::chrono::milliseconds(1);
    while (!TryReap()) {
        if (Clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
    return exit_status_;
}

int ChildProcess::Stop(int signal, std::chrono::milliseconds grace) {
    if (pid_ <= 0) return -1;
    if (stopped_) return exit_status_.value_or(-1);
    if (!TryReap()) {
        if (signal != 0) kill(pid_, signal);
        if (!Wait(grace)) {
            kill(-pid_, SIGKILL);
            kill(pid_, SIGKILL);
            int status = 0;
            pid_t result = 0;
            do {
                result = waitpid(pid_, &status, 0);
            } while (result < 0 && errno == EINTR);
            exit_status_ = result == pid_ ? DecodeWaitStatus(status) : -1;
        }
    }
    // Whatever the child left in its group (grandchildren) goes with it. Only once: the id is
    // not reused while the group has members, but may be after, so a later sweep could hit a
    // stranger.
    kill(-pid_, SIGKILL);
    stopped_ = true;
    return exit_status_.value_or(-1);
}

std::string ChildProcess::LogTail(std::size_t max_bytes) const {
    return FileTail(log_path_, max_bytes);
}

std::string FileTail(const std::filesystem::path& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return {};
    const std::streamoff size = in.tellg();
    const std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                                     ? size - static_cast<std::streamoff>(max_bytes)
                                     : 0;
    in.seekg(start);
    std::string tail(static_cast<std::size_t>(size - start), '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    tail.resize(static_cast<std::size_t>(in.gcount()));
    return start > 0 ? "..." + tail : tail;
}

std::optional<std::filesystem::path> FindOnPath(std::string_view program) {
    if (program.empty()) return std::nullopt;
    if (program.find('/') != std::string_view::npos) {
        if (access(std::string(program).c_str(), X_OK) == 0) return std::filesystem::path(program);
        return std::nullopt;
    }
    const char* path_env = std::getenv("PATH");
    const std::string_view search = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
    std::size_t begin = 0;
    while (begin <= search.size()) {
        const std::size_t end = std::min(search.find(':', begin), search.size());
        const std::string_view directory = search.substr(begin, end - begin);
        const std::filesystem::path candidate =
            std::filesystem::path(directory.empty() ? "." : std::string(directory)) / program;
        std::error_code error;
        if (access(candidate.c_str(), X_OK) == 0 &&
            !std::filesystem::is_directory(candidate, error)) {
            return std::filesystem::absolute(candidate);
        }
        begin = end + 1;
    }
    return std::nullopt;
}

int RunCommand(const std::vector<std::string>& argv, const std::filesystem::path& log_path,
               ChildProcessOptions options, std::chrono::milliseconds timeout) {
    ChildProcess child(argv, log_path, std::move(options));
    if (const auto status = child.Wait(timeout)) {
        child.Stop();
        return *status;
    }
    child.Stop(SIGTERM, std::chrono::milliseconds(5'000));
    throw std::runtime_error(child.CommandLine() + " did not finish within " +
                             std::to_string(timeout.count()) + " ms; log " + log_path.string() +
                             ":\n" + child.LogTail());
}

void RunCommandOrThrow(const std::vector<std::string>& argv, const std::filesystem::path& log_path,
                       ChildProcessOptions options, std::chrono::milliseconds timeout) {
    const int status = RunCommand(argv, log_path, std::move(options), timeout);
    if (status != 0) {
        throw std::runtime_error(FormatCommandLine(argv) + " exited with status " +
                                 std::to_string(status) + "; log " + log_path.string() + ":\n" +
                                 FileTail(log_path));
    }
}

}  // namespace cerulean::testing
