#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "http/task.hpp"

namespace cerulean::http {

/// A bounded pool of threads for blocking work (database calls, curl transfers), so that the
/// I/O threads never block.
class BlockingPool {
 public:
    /// A pool of `threads` threads.
    explicit BlockingPool(std::size_t threads) : pool_(threads) {}
    ~BlockingPool() { pool_.join(); }
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    /// Runs a copy of `fn` on the pool and resumes the calling coroutine on its own executor
    /// with the result; exceptions of `fn` are rethrown in the caller.
    ///
    /// `fn` must be a named object, never a lambda written inside the `co_await` expression:
    /// g++ 12 destroys a closure temporary of a co_await full-expression twice (a shared_ptr
    /// it captured loses a reference it never had). Taking an lvalue reference makes the
    /// compiler refuse that form. See docs/DEVELOPING.md.
    template <class F>
    auto Run(F& fn) -> Task<std::invoke_result_t<F&>> {
        using R = std::invoke_result_t<F&>;
        // A plain callback, not a coroutine lambda, for the same reason; and a named copy.
        F job = fn;
        if constexpr (std::is_void_v<R>) {
            co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                 void(std::exception_ptr)>(
                [this](auto handler, F work) {
                    boost::asio::post(pool_, [handler = std::move(handler),
                                              work = std::optional<F>(std::move(work))]() mutable {
                        std::exception_ptr error;
                        try {
                            (*work)();
                        } catch (...) {
                            error = std::current_exception();
                        }
                        // What the job captured is released before the caller resumes.
                        work.reset();
                        auto executor = boost::asio::get_associated_executor(handler);
                        boost::asio::dispatch(executor, [handler = std::move(handler),
                                                         error]() mutable { handler(error); });
                    });
                },
                boost::asio::use_awaitable, std::move(job));
        } else {
            co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                           void(std::exception_ptr, R)>(
                [this](auto handler, F work) {
                    boost::asio::post(pool_, [handler = std::move(handler),
                                              work = std::optional<F>(std::move(work))]() mutable {
                        std::exception_ptr error;
                        R result{};
                        try {
                            result = (*work)();
                        } catch (...) {
                            error = std::current_exception();
                        }
                        // What the job captured is released before the caller resumes.
                        work.reset();
                        auto executor = boost::asio::get_associated_executor(handler);
                        boost::asio::dispatch(executor, [handler = std::move(handler), error,
                                                         result = std::move(result)]() mutable {
                            handler(error, std::move(result));
                        });
                    });
                },
                boost::asio::use_awaitable, std::move(job));
        }
    }

    /// Waits for queued work to finish and stops the threads.
    void Join() { pool_.join(); }

 private:
    boost::asio::thread_pool pool_;
};

}  // namespace cerulean::http
