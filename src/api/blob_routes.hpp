#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "api/api_context.hpp"
#include "http/parked_coroutine.hpp"
#include "http/router.hpp"
#include "http/task.hpp"

namespace cerulean::api {

/// Registers /api/v1/azure_blob/connections/{id}/containers* and …/blobs*.
void AddBlobRoutes(http::Router& router, ApiContext& context);

/// A satisfiable byte range of a blob: `first` to `last`, inclusive.
struct ByteRange {
    std::uint64_t first = 0;  ///< first byte
    std::uint64_t last = 0;   ///< last byte (inclusive)
};

/// What a `Range` header asks of a blob of `size` bytes.
struct RangeRequest {
    bool unsatisfiable = false;      ///< answer 416
    std::optional<ByteRange> range;  ///< answer 206 with it; none (and satisfiable): 200
};

/// Parses a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`) against a blob of `size`
/// bytes. Malformed headers and multiple ranges are ignored (the whole blob, as RFC 9110
/// allows); a first byte past the end, or an empty suffix, is unsatisfiable.
RangeRequest ParseRange(std::string_view header, std::uint64_t size);

/// Whether an `If-None-Match` header matches `etag` (weak comparison; `*` matches any).
bool IfNoneMatchMatches(std::string_view header, std::string_view etag);

/// An RFC 6266 `Content-Disposition: attachment` for a blob name: the last path segment, as an
/// ASCII `filename` fallback and a UTF-8 `filename*`.
std::string AttachmentDisposition(std::string_view blob_name);

/// The chunks of one download on their way from a blocking curl thread (the storage pool) to
/// the response coroutine: at most `capacity` chunks wait. Push blocks the curl thread while
/// the queue is full (backpressure from a slow client); Pop suspends the coroutine, holding no
/// thread, while it is empty. Abort (the client went away) unblocks Push, which then throws,
/// and requests stop on stop_token(), which the download's CallOptions carry.
class ChunkQueue {
 public:
    /// A queue of at most `capacity` (>= 1) chunks.
    explicit ChunkQueue(std::size_t capacity) : capacity_(capacity) {}

    /// Curl side: adds a chunk, blocking while the queue is full. Throws core::Error
    /// ("cancelled") once aborted.
    void Push(std::string chunk);
    /// Curl side: the end of the stream, with the download's failure, if any.
    void Finish(std::exception_ptr error);
    /// Coroutine side: the next chunk, or none at the end; rethrows the download's failure.
    http::Task<std::optional<std::string>> Pop();
    /// Coroutine side: stops the producer (the client is gone, or the response failed).
    void Abort();
    /// Requested by Abort.
    [[nodiscard]] std::stop_token stop_token() const { return stop_.get_token(); }
    /// Chunks waiting now.
    [[nodiscard]] std::size_t size();

 private:
    // Parks the suspended Pop until a chunk or the end arrives (or resumes it at once).
    template <class Handler>
    void Park(Handler handler) {
        std::unique_lock lock(mutex_);
        if (!chunks_.empty() || finished_) {
            lock.unlock();
            http::Park(std::move(handler))->Resume();
            return;
        }
        waiter_ = http::Park(std::move(handler));
    }

    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable room_;
    std::deque<std::string> chunks_;
    bool finished_ = false;
    bool aborted_ = false;
    std::exception_ptr error_;
    std::unique_ptr<http::ParkedCoroutine> waiter_;
    std::stop_source stop_;
};

}  // namespace cerulean::api
