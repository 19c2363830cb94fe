#pragma once

#include <chrono>
#include <cstddef>

#include "jobs/worker.hpp"

namespace cerulean::jobs {

/// A worker for tests: every period shortened (polls, heartbeats, schedules, retries) so that
/// runs, cancels and retries happen within a test's patience; 3 attempts at most.
inline WorkerOptions FastWorkerOptions(const SyncJobOptions& jobs, std::size_t runs = 1) {
    using std::chrono::milliseconds;
    WorkerOptions options;
    options.runs = runs;
    options.name = "test";
    options.jobs = jobs;
    options.transfer_threads = 4;
    options.poll = milliseconds(50);
    options.heartbeat = milliseconds(100);
    options.schedule = milliseconds(100);
    options.retry_base = milliseconds(50);
    options.retry_cap = milliseconds(200);
    options.max_attempts = 3;
    return options;
}

}  // namespace cerulean::jobs
