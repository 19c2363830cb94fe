#include "azure/transfer_pool.hpp"

#include <chrono>
#include <utility>

namespace cerulean::azure {

TransferPool::TransferPool(std::size_t threads) {
    if (threads == 0) threads = 1;
    workers_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

TransferPool::~TransferPool() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& worker : workers_) worker.join();
}

void TransferPool::Post(std::function<void()> task) {
    {
        const std::lock_guard lock(mutex_);
        queue_.push_back(std::move(task));
    }
    ready_.notify_one();
}

bool TransferPool::RunOne() {
    std::function<void()> task;
    {
        const std::lock_guard lock(mutex_);
        if (queue_.size() <= idle_) return false;
        task = std::move(queue_.front());
        queue_.pop_front();
    }
    task();
    return true;
}

void TransferPool::Work() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            ++idle_;
            ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            --idle_;
            if (queue_.empty()) return;
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        task();
    }
}

TaskGroup::TaskGroup(TransferPool& pool, std::size_t limit) : pool_(pool), limit_(limit) {}

TaskGroup::~TaskGroup() {
    try {
        Wait();
    } catch (...) {  // NOLINT(bugprone-empty-catch): the owner did not ask for the error
    }
}

bool TaskGroup::failed() const {
    const std::lock_guard lock(mutex_);
    return error_ != nullptr;
}

void TaskGroup::WaitUntil(const std::function<bool()>& done) {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (done()) return;
        }
        // Help the pool rather than sleep: a task of ours may be waiting in its queue behind
        // others, and the caller may itself be one of the pool's workers.
        if (pool_.RunOne()) continue;
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, std::chrono::milliseconds(20), [&] { return done(); });
    }
}

bool TaskGroup::Submit(std::function<void()> task) {
    if (limit_ > 0) WaitUntil([&] { return in_flight_ < limit_ || error_ != nullptr; });
    {
        const std::lock_guard lock(mutex_);
        if (error_) return false;
        ++in_flight_;
    }
    Queue(std::move(task));
    return true;
}

bool TaskGroup::TrySubmit(std::function<void()> task) {
    {
        const std::lock_guard lock(mutex_);
        if (error_ || (limit_ > 0 && in_flight_ >= limit_)) return false;
        ++in_flight_;
    }
    Queue(std::move(task));
    return true;
}

std::uint64_t TaskGroup::finished() const {
    const std::lock_guard lock(mutex_);
    return finished_;
}

void TaskGroup::WaitPast(std::uint64_t seen, std::chrono::milliseconds timeout) {
    {
        const std::lock_guard lock(mutex_);
        if (finished_ > seen) return;
    }
    if (pool_.RunOne()) return;
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return finished_ > seen; });
}

void TaskGroup::Queue(std::function<void()> task) {
    pool_.Post([this, task = std::move(task)] {
        std::exception_ptr error;
        bool skip = false;
        {
            const std::lock_guard lock(mutex_);
            skip = error_ != nullptr;
        }
        if (!skip) {
            try {
                task();
            } catch (...) {
                error = std::current_exception();
            }
        }
        {
            const std::lock_guard lock(mutex_);
            if (error && !error_) error_ = error;
            --in_flight_;
            ++finished_;
            // Notified under the lock: once it is released, Wait may return and the group die.
            changed_.notify_all();
        }
    });
}

void TaskGroup::Wait() {
    WaitUntil([&] { return in_flight_ == 0; });
    std::exception_ptr error;
    {
        const std::lock_guard lock(mutex_);
        error = std::exchange(error_, nullptr);
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace cerulean::azure
