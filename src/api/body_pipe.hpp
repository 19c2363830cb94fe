#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "azure/transfer.hpp"
#include "http/parked_coroutine.hpp"
#include "http/request.hpp"
#include "http/task.hpp"

namespace cerulean::api {

/// The body of an upload on its way from the request coroutine to a blocking upload thread (the
/// storage pool): the reverse of ChunkQueue. At most about `capacity` bytes wait. Push suspends
/// the coroutine, holding no thread, while the pipe is full (so a slow Azure slows the client
/// down instead of growing a buffer); Read blocks the upload thread while it is empty.
///
/// Either side ends it: the coroutine with Finish (the whole body) or Fail (the client went
/// away: Read throws that error, so the upload fails and commits nothing); the upload thread
/// with Close (done or failed: a waiting Push resumes and returns false).
class BodyPipe {
 public:
    /// A pipe holding at most about `capacity` (>= 1) bytes.
    explicit BodyPipe(std::size_t capacity) : capacity_(capacity) {}

    /// Coroutine side: adds bytes, suspending while the pipe is full. False (the bytes dropped)
    /// once the reader closed the pipe: stop feeding it.
    http::Task<bool> Push(std::string bytes);
    /// Coroutine side: a string whose storage the reader is done with (empty when none is), to
    /// fill and Push next: reusing chunks spares an allocation and its page faults per chunk.
    std::string TakeSpare();
    /// Coroutine side: the body is complete; Read returns 0 once it has handed out every byte.
    void Finish();
    /// Coroutine side: the body failed; Read throws `error` (after nothing: bytes still waiting
    /// are dropped, since the upload must fail anyway).
    void Fail(std::exception_ptr error);

    /// Upload thread: copies up to `size` next bytes, blocking while none wait; 0 at the end.
    /// Rethrows the error given to Fail.
    std::size_t Read(char* buffer, std::size_t size);
    /// Upload thread: reads no more (wakes a suspended Push, which returns false).
    void Close();

    /// Bytes waiting now.
    [[nodiscard]] std::size_t buffered();

 private:
    // Parks the suspended Push until there is room or the reader closed (or resumes it at once).
    template <class Handler>
    void Park(Handler handler) {
        std::unique_lock lock(mutex_);
        if (closed_ || buffered_ < capacity_) {
            lock.unlock();
            http::Park(std::move(handler))->Resume();
            return;
        }
        waiter_ = http::Park(std::move(handler));
    }
    void WakeWriter(std::unique_lock<std::mutex>& lock);

    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable readable_;
    std::deque<std::string> chunks_;
    std::vector<std::string> spares_;  // read chunks kept for reuse (a few)
    std::size_t front_offset_ = 0;     // bytes of chunks_.front() already read
    std::size_t buffered_ = 0;         // bytes waiting
    bool finished_ = false;
    bool closed_ = false;
    std::exception_ptr error_;
    std::unique_ptr<http::ParkedCoroutine> waiter_;
};

/// An azure::UploadSource reading a BodyPipe; closes the pipe when destroyed, so an upload that
/// ends, or fails, always releases the coroutine feeding it.
class PipeSource final : public azure::UploadSource {
 public:
    /// Reads `pipe`, whose total is `size` bytes when known.
    PipeSource(std::shared_ptr<BodyPipe> pipe, std::optional<std::uint64_t> size)
        : pipe_(std::move(pipe)), size_(size) {}
    /// Closes the pipe.
    ~PipeSource() override { pipe_->Close(); }
    PipeSource(const PipeSource&) = delete;
    PipeSource& operator=(const PipeSource&) = delete;
    /// The next bytes of the pipe.
    std::size_t Read(char* buffer, std::size_t size) override { return pipe_->Read(buffer, size); }
    /// The size given.
    [[nodiscard]] std::optional<std::uint64_t> size() const override { return size_; }

 private:
    std::shared_ptr<BodyPipe> pipe_;
    std::optional<std::uint64_t> size_;
};

/// Reads the whole request body into `pipe` in reads of up to `chunk_size` bytes, then
/// finishes it. Never throws: a failure of the body (the client went away) is given to
/// pipe->Fail. Stops early, leaving the rest unread, when the reader closes the pipe.
http::Task<void> FeedBody(http::BodySource& body, std::shared_ptr<BodyPipe> pipe,
                          std::size_t chunk_size);

}  // namespace cerulean::api
