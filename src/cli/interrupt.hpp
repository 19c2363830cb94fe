#pragma once

#include <atomic>
#include <stop_token>
#include <thread>

namespace cerulean::cli {

/// Turns SIGINT and SIGTERM into a stop request, so that a command ends its transfers
/// promptly and tidily (partial downloads keep a record to resume from): the first signal
/// requests a stop of token(); a second one ends the process at once with status
/// 128 + signal. Installs its handlers for its lifetime (one at a time per process) and puts
/// the previous ones back when destroyed.
class InterruptHandler {
 public:
    /// Installs the handlers and starts the thread that requests the stop (a signal handler
    /// may do next to nothing itself). Throws std::system_error when it cannot.
    InterruptHandler();
    /// Restores the previous handlers and joins the thread.
    ~InterruptHandler();
    InterruptHandler(const InterruptHandler&) = delete;
    InterruptHandler& operator=(const InterruptHandler&) = delete;

    /// Stopped once a first signal arrived.
    [[nodiscard]] std::stop_token token() const { return stop_.get_token(); }
    /// The first signal that arrived (SIGINT or SIGTERM), or 0.
    [[nodiscard]] int signal() const { return signal_.load(); }
    /// The exit status of a command stopped by signal(): 128 + signal (130 for SIGINT, 143 for
    /// SIGTERM), as a shell reports a process killed by it.
    [[nodiscard]] int exit_status() const { return 128 + signal(); }

 private:
    std::stop_source stop_;
    std::atomic<int> signal_{0};
    std::thread waiter_;
};

}  // namespace cerulean::cli
