#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <utility>

namespace cerulean::http {

/// The completion handler of a suspended coroutine, type-erased, so that a thread off the
/// coroutine's executor (a curl transfer on a blocking pool) can resume it: Resume posts the
/// handler to the executor it belongs to. Used by the queues that connect streamed request and
/// response bodies to blocking transfers.
class ParkedCoroutine {
 public:
    virtual ~ParkedCoroutine() = default;
    /// Resumes the coroutine on its own executor; call at most once.
    virtual void Resume() = 0;
};

/// Parks `handler` (from `boost::asio::async_initiate`).
template <class Handler>
std::unique_ptr<ParkedCoroutine> Park(Handler handler) {
    struct Parked final : ParkedCoroutine {
        explicit Parked(Handler h) : handler(std::move(h)) {}
        void Resume() override {
            auto executor = boost::asio::get_associated_executor(handler);
            boost::asio::post(executor, std::move(handler));
        }
        Handler handler;
    };
    return std::make_unique<Parked>(std::move(handler));
}

}  // namespace cerulean::http
