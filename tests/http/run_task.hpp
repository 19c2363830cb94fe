#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <utility>

#include "http/task.hpp"

namespace cerulean::testing {

/// Runs a coroutine to completion on a private io_context and returns its result (rethrowing
/// its exception): handlers are tested as plain functions, without sockets.
template <class T>
T RunTask(http::Task<T> task) {
    boost::asio::io_context io;
    // Work elsewhere (a BlockingPool) does not count as this io_context's work: keep it
    // running until the coroutine has finished.
    auto work = boost::asio::make_work_guard(io);
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        io.run_one_for(std::chrono::milliseconds(10));
    }
    return future.get();
}

}  // namespace cerulean::testing
