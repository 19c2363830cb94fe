#include "cli/interrupt.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <system_error>

namespace cerulean::cli {
namespace {

// The handler's whole state: async-signal-safe to touch from it.
std::array<int, 2> wake_pipe{-1, -1};
volatile std::sig_atomic_t signals_seen = 0;
struct sigaction previous_int {};
struct sigaction previous_term {};

// Only async-signal-safe calls: a first signal is passed to the waiting thread through the
// pipe; a second one (the user insisting) ends the process at once.
extern "C" void OnSignal(int number) {
    if (signals_seen > 0) ::_exit(128 + number);
    signals_seen = 1;
    const int saved = errno;
    const auto byte = static_cast<unsigned char>(number);
    [[maybe_unused]] const ssize_t n = ::write(wake_pipe[1], &byte, 1);
    errno = saved;
}

}  // namespace

InterruptHandler::InterruptHandler() {
    if (::pipe2(wake_pipe.data(), O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe");
    }
    signals_seen = 0;
    struct sigaction action {};
    action.sa_handler = OnSignal;
    ::sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // other threads' system calls carry on
    ::sigaction(SIGINT, &action, &previous_int);
    ::sigaction(SIGTERM, &action, &previous_term);
    waiter_ = std::thread([this] {
        unsigned char byte = 0;
        for (;;) {
            const ssize_t n = ::read(wake_pipe[0], &byte, 1);
            if (n < 0 && errno == EINTR) continue;
            break;
        }
        if (byte == 0) return;  // the destructor's wake-up: no signal came
        signal_.store(byte);
        stop_.request_stop();
    });
}

InterruptHandler::~InterruptHandler() {
    ::sigaction(SIGINT, &previous_int, nullptr);
    ::sigaction(SIGTERM, &previous_term, nullptr);
    const unsigned char zero = 0;  // wakes the thread if no signal did (else left unread)
    [[maybe_unused]] const ssize_t n = ::write(wake_pipe[1], &zero, 1);
    waiter_.join();
    ::close(wake_pipe[0]);
    ::close(wake_pipe[1]);
    wake_pipe[0] = wake_pipe[1] = -1;
}

}  // namespace cerulean::cli
