#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace cerulean::cli {

/// "0 B", "512 B", "4.0 KiB", "1.5 GiB": binary units, one decimal from KiB up.
std::string FormatBytes(std::uint64_t bytes);
/// "1:05", "1:02:03", "--:--" when unknown.
std::string FormatDuration(std::optional<std::chrono::seconds> duration);
/// One progress line: bytes done (of total when known, with a percentage), items done, the
/// rate and the ETA, e.g. "  1.5 GiB / 3.0 GiB  50%  12.3 MiB/s  ETA 2:05".
std::string FormatProgressLine(std::uint64_t done, std::optional<std::uint64_t> total,
                               std::uint64_t items, std::chrono::duration<double> elapsed);
/// The final line: "uploaded 3 files, 1.5 GiB in 2.1 s (730.2 MiB/s)".
std::string FormatSummary(std::string_view verb, std::uint64_t items, std::string_view noun,
                          std::uint64_t bytes, std::chrono::duration<double> elapsed);

/// Counts bytes and items of a command and, on a terminal, redraws one progress line on
/// stderr five times a second from its own thread. Thread-safe counters.
class ProgressBar {
 public:
    /// A bar that draws when `enabled` (stderr is a TTY), for `total` bytes when known.
    explicit ProgressBar(bool enabled, std::optional<std::uint64_t> total = std::nullopt);
    /// Stops drawing and clears the line.
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    /// Adds to the total (when files are discovered as they are walked).
    void AddTotal(std::uint64_t bytes);
    /// Adds moved bytes.
    void AddBytes(std::uint64_t bytes) { bytes_.fetch_add(bytes, std::memory_order_relaxed); }
    /// Adds a finished item.
    void AddItem() { items_.fetch_add(1, std::memory_order_relaxed); }
    /// Bytes moved so far.
    [[nodiscard]] std::uint64_t bytes() const { return bytes_.load(); }
    /// Items done so far.
    [[nodiscard]] std::uint64_t items() const { return items_.load(); }
    /// Time since construction.
    [[nodiscard]] std::chrono::duration<double> elapsed() const;
    /// Stops drawing and clears the line (idempotent).
    void Stop();

 private:
    void Draw();

    bool enabled_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::uint64_t> items_{0};
    std::atomic<std::uint64_t> total_{0};
    std::atomic<bool> total_known_;
    std::mutex mutex_;
    std::condition_variable stop_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace cerulean::cli
