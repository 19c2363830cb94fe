#include "cli/progress_bar.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace cerulean::cli {

std::string FormatBytes(std::uint64_t bytes) {
    static constexpr std::array<const char*, 6> kUnits{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 1024) return std::to_string(bytes) + " B";
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < kUnits.size()) {
        value /= 1024.0;
        ++unit;
    }
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.1f %s", value, kUnits[unit]);
    return text.data();
}

std::string FormatDuration(std::optional<std::chrono::seconds> duration) {
    if (!duration || duration->count() < 0) return "--:--";
    const long long total = duration->count();
    const long long hours = total / 3600;
    const long long minutes = (total / 60) % 60;
    const long long seconds = total % 60;
    std::array<char, 32> text{};
    if (hours > 0) {
        std::snprintf(text.data(), text.size(), "%lld:%02lld:%02lld", hours, minutes, seconds);
    } else {
        std::snprintf(text.data(), text.size(), "%lld:%02lld", minutes, seconds);
    }
    return text.data();
}

std::string FormatProgressLine(std::uint64_t done, std::optional<std::uint64_t> total,
                               std::uint64_t items, std::chrono::duration<double> elapsed) {
    const double seconds = elapsed.count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
    std::string line = FormatBytes(done);
    std::optional<std::chrono::seconds> eta;
    if (total) {
        line += " / " + FormatBytes(*total);
        const int percent =
            *total == 0 ? 100
                        : static_cast<int>(std::min<std::uint64_t>(done, *total) * 100 / *total);
        line += "  " + std::to_string(percent) + "%";
        if (rate > 0) {
            const double left = static_cast<double>(*total - std::min(done, *total)) / rate;
            eta = std::chrono::seconds(static_cast<long long>(std::ceil(left)));
        }
    }
    if (items > 0) line += "  " + std::to_string(items) + (items == 1 ? " item" : " items");
    line += "  " + FormatBytes(static_cast<std::uint64_t>(rate)) + "/s";
    line += "  ETA " + FormatDuration(eta);
    return line;
}

std::string FormatSummary(std::string_view verb, std::uint64_t items, std::string_view noun,
                          std::uint64_t bytes, std::chrono::duration<double> elapsed) {
    const double seconds = elapsed.count();
    std::array<char, 32> time{};
    std::snprintf(time.data(), time.size(), "%.2f s", seconds);
    std::string line = std::string(verb) + " " + std::to_string(items) + " " + std::string(noun);
    if (items != 1) line += "s";
    line += ", " + FormatBytes(bytes) + " in " + time.data();
    if (seconds > 0) {
        line += " (" +
                FormatBytes(static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds)) +
                "/s)";
    }
    return line;
}

ProgressBar::ProgressBar(bool enabled, std::optional<std::uint64_t> total)
    : enabled_(enabled), total_(total.value_or(0)), total_known_(total.has_value()) {
    if (!enabled_) return;
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!stop_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; })) {
            Draw();
        }
    });
}

ProgressBar::~ProgressBar() {
    Stop();
}

void ProgressBar::AddTotal(std::uint64_t bytes) {
    total_.fetch_add(bytes, std::memory_order_relaxed);
    total_known_ = true;
}

std::chrono::duration<double> ProgressBar::elapsed() const {
    return std::chrono::steady_clock::now() - start_;
}

void ProgressBar::Draw() {
    const std::optional<std::uint64_t> total =
        total_known_ ? std::optional<std::uint64_t>(total_.load()) : std::nullopt;
    const std::string line = FormatProgressLine(bytes_.load(), total, items_.load(), elapsed());
    std::fprintf(stderr, "\r\x1b[2K%s", line.c_str());
    std::fflush(stderr);
}

void ProgressBar::Stop() {
    if (!thread_.joinable()) return;
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stop_.notify_all();
    thread_.join();
    std::fprintf(stderr, "\r\x1b[2K");
    std::fflush(stderr);
}

}  // namespace cerulean::cli
