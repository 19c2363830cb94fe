#include "core/sync_job.hpp"

#include <array>
#include <utility>

namespace cerulean::core {
namespace {

constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kStatuses{{
    {RunStatus::kQueued, "queued"},
    {RunStatus::kRunning, "running"},
    {RunStatus::kSucceeded, "succeeded"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kCancelled, "cancelled"},
}};

constexpr std::array<std::pair<RunTrigger, std::string_view>, 4> kTriggers{{
    {RunTrigger::kCreate, "create"},
    {RunTrigger::kManual, "manual"},
    {RunTrigger::kSchedule, "schedule"},
    {RunTrigger::kRetry, "retry"},
}};

template <class E, std::size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
    for (const auto& [v, name] : table) {
        if (v == value) return name;
    }
    return "unknown";
}

template <class E, std::size_t N>
std::optional<E> ValueOf(const std::array<std::pair<E, std::string_view>, N>& table,
                         std::string_view name) {
    for (const auto& [v, n] : table) {
        if (n == name) return v;
    }
    return std::nullopt;
}

}  // namespace

std::string_view ToString(RunStatus status) noexcept {
    return NameOf(kStatuses, status);
}

std::optional<RunStatus> ParseRunStatus(std::string_view name) noexcept {
    return ValueOf(kStatuses, name);
}

bool IsFinal(RunStatus status) noexcept {
    return status == RunStatus::kSucceeded || status == RunStatus::kFailed ||
           status == RunStatus::kCancelled;
}

std::string_view ToString(RunTrigger trigger) noexcept {
    return NameOf(kTriggers, trigger);
}

std::optional<RunTrigger> ParseRunTrigger(std::string_view name) noexcept {
    return ValueOf(kTriggers, name);
}

}  // namespace cerulean::core
