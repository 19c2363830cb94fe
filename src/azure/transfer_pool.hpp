#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cerulean::azure {

/// A fixed set of worker threads running queued tasks in FIFO order: the one bounded pool that
/// every transfer (blocks of a big blob, many small blobs) shares. Thread-safe.
class TransferPool {
 public:
    /// Starts `threads` workers (at least one).
    explicit TransferPool(std::size_t threads);
    /// Runs what is queued, then joins the workers.
    ~TransferPool();
    TransferPool(const TransferPool&) = delete;
    TransferPool& operator=(const TransferPool&) = delete;

    /// The number of worker threads.
    [[nodiscard]] std::size_t size() const noexcept { return workers_.size(); }
    /// Queues `task`; it must not throw (TaskGroup wraps tasks so that they do not).
    void Post(std::function<void()> task);
    /// Runs one queued task on the calling thread when no idle worker is there to take it (the
    /// queue holds more tasks than workers waiting for one); true when it did. Lets a thread
    /// that waits for its own tasks help instead of blocking when every worker is busy (no
    /// deadlock when tasks nest), without taking on a task an idle worker is about to start
    /// (the caller has its own work between waits: submitting, hashing).
    bool RunOne();

 private:
    void Work();

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> queue_;
    std::size_t idle_ = 0;  // workers waiting for a task
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

/// Tasks submitted to a pool and waited for together, with at most `limit` of them queued or
/// running at once (so that their buffers stay bounded). The first exception is kept and
/// rethrown by Wait; once a task failed, tasks that have not started are skipped.
class TaskGroup {
 public:
    /// A group on `pool` with at most `limit` tasks in flight (0: no limit).
    TaskGroup(TransferPool& pool, std::size_t limit);
    /// Waits for the tasks (errors are dropped: call Wait to see them).
    ~TaskGroup();
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;

    /// Blocks (helping the pool meanwhile) until fewer than `limit` tasks are in flight, then
    /// queues `task`. Returns false without queuing when an earlier task failed.
    bool Submit(std::function<void()> task);
    /// Queues `task` only if fewer than `limit` tasks are in flight (never blocks). Returns
    /// false without queuing when the group is full or an earlier task failed.
    bool TrySubmit(std::function<void()> task);
    /// The number of tasks of the group that have finished so far (with or without an error).
    [[nodiscard]] std::uint64_t finished() const;
    /// Returns once more than `seen` tasks have finished, or after `timeout`; runs a task queued
    /// in the pool instead of waiting when there is one (so that a caller doing its own work
    /// between submissions, like hashing, never starves the pool).
    void WaitPast(std::uint64_t seen, std::chrono::milliseconds timeout);
    /// Waits for every submitted task, then rethrows the first exception, if any.
    void Wait();
    /// Whether a task has failed.
    [[nodiscard]] bool failed() const;

 private:
    void WaitUntil(const std::function<bool()>& done);
    void Queue(std::function<void()> task);

    TransferPool& pool_;
    std::size_t limit_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t in_flight_ = 0;
    std::uint64_t finished_ = 0;
    std::exception_ptr error_;
};

}  // namespace cerulean::azure
