#include "api/body_pipe.hpp"

#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <span>

namespace cerulean::api {
namespace {

// Read chunks a pipe keeps for reuse: enough to cover what waits in a pipe of a few chunks.
constexpr std::size_t kSpareChunks = 4;

}  // namespace

void BodyPipe::WakeWriter(std::unique_lock<std::mutex>& lock) {
    std::unique_ptr<http::ParkedCoroutine> waiter = std::move(waiter_);
    lock.unlock();
    if (waiter) waiter->Resume();
}

http::Task<bool> BodyPipe::Push(std::string bytes) {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (closed_) co_return false;
            // One chunk always fits, so a chunk larger than the capacity cannot block forever.
            if (buffered_ < capacity_) {
                buffered_ += bytes.size();
                chunks_.push_back(std::move(bytes));
                readable_.notify_one();
                co_return true;
            }
        }
        auto park = [this](auto handler) { Park(std::move(handler)); };
        co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
            park, boost::asio::use_awaitable);
    }
}

std::string BodyPipe::TakeSpare() {
    std::lock_guard lock(mutex_);
    if (spares_.empty()) return {};
    std::string spare = std::move(spares_.back());
    spares_.pop_back();
    spare.clear();
    return spare;
}

void BodyPipe::Finish() {
    std::lock_guard lock(mutex_);
    finished_ = true;
    readable_.notify_all();
}

void BodyPipe::Fail(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    finished_ = true;
    error_ = std::move(error);
    readable_.notify_all();
}

std::size_t BodyPipe::Read(char* buffer, std::size_t size) {
    std::unique_lock lock(mutex_);
    readable_.wait(lock, [this] { return error_ || !chunks_.empty() || finished_ || closed_; });
    if (error_) std::rethrow_exception(error_);
    if (chunks_.empty() || size == 0) return 0;
    std::size_t copied = 0;
    while (copied < size && !chunks_.empty()) {
        const std::string& front = chunks_.front();
        const std::size_t n = std::min(size - copied, front.size() - front_offset_);
        std::memcpy(buffer + copied, front.data() + front_offset_, n);
        copied += n;
        front_offset_ += n;
        buffered_ -= n;
        if (front_offset_ == front.size()) {
            if (spares_.size() < kSpareChunks) spares_.push_back(std::move(chunks_.front()));
            chunks_.pop_front();
            front_offset_ = 0;
        }
    }
    if (buffered_ < capacity_) WakeWriter(lock);
    return copied;
}

void BodyPipe::Close() {
    std::unique_lock lock(mutex_);
    closed_ = true;
    chunks_.clear();
    spares_.clear();
    buffered_ = 0;
    WakeWriter(lock);
}

std::size_t BodyPipe::buffered() {
    std::lock_guard lock(mutex_);
    return buffered_;
}

http::Task<void> FeedBody(http::BodySource& body, std::shared_ptr<BodyPipe> pipe,
                          std::size_t chunk_size) {
    try {
        // A socket read returns 64 KiB or less: reads fill a whole chunk before it is pushed,
        // so the upload thread wakes once per chunk, not once per read (a profile of a 512 MiB
        // upload showed more time in context switches than in copying).
        std::string chunk;
        for (;;) {
            chunk.resize(chunk_size);
            std::size_t filled = 0;
            std::size_t n = 0;
            do {
                n = co_await body.ReadSome(
                    std::span<char>(chunk.data() + filled, chunk_size - filled));
                filled += n;
            } while (n > 0 && filled < chunk_size);
            chunk.resize(filled);
            if (filled > 0 && !co_await pipe->Push(std::move(chunk))) co_return;
            if (n == 0) {
                pipe->Finish();
                co_return;
            }
            chunk = pipe->TakeSpare();
        }
    } catch (...) {
        pipe->Fail(std::current_exception());
    }
}

}  // namespace cerulean::api
