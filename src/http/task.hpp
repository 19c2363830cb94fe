#pragma once

#include <boost/asio/awaitable.hpp>

namespace cerulean::http {

/// A coroutine of the HTTP layer: every handler is one, so that a request that streams for
/// minutes holds a suspended coroutine, not a thread.
template <class T>
using Task = boost::asio::awaitable<T>;

}  // namespace cerulean::http
