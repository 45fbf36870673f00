// Bridges callback-style completions from other threads (the store's executor, the audit log's
// writer thread) into the calling coroutine: the coroutine suspends, the work runs elsewhere,
// and the result is posted back to the coroutine's executor. The I/O thread never blocks.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace silta::gateway {

// `start` receives a std::function<void(T)> to call exactly once, from any thread.
template <typename T, typename Start>
boost::asio::awaitable<T> await_callback(Start start) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      [start = std::move(start)](auto handler) mutable {
        // std::function needs a copyable callable; the coroutine's handler is move-only.
        using Handler = decltype(handler);
        auto shared = std::make_shared<Handler>(std::move(handler));
        start(std::function<void(T)>([shared](T value) {
          auto executor = boost::asio::get_associated_executor(*shared);
          boost::asio::post(executor, [shared, value = std::move(value)]() mutable {
            std::move (*shared)(std::move(value));
          });
        }));
      },
      boost::asio::use_awaitable);
}

}  // namespace silta::gateway
