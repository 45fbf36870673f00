#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "gateway/async.h"

using namespace silta::gateway;
namespace asio = boost::asio;

TEST_CASE("await_callback resumes the coroutine on its own thread with the value", "[async]") {
  asio::io_context ioc;
  std::thread::id io_thread;
  std::thread::id worker_thread;
  std::thread::id resumed_on;
  int result = 0;
  std::thread worker;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        io_thread = std::this_thread::get_id();
        auto start = [&](std::function<void(int)> done) {
          worker = std::thread([&, done] {
            worker_thread = std::this_thread::get_id();
            done(42);
          });
        };
        result = co_await await_callback<int>(std::move(start));
        resumed_on = std::this_thread::get_id();
      },
      asio::detached);
  ioc.run();
  worker.join();
  CHECK(result == 42);
  CHECK(resumed_on == io_thread);
  CHECK(worker_thread != io_thread);
}
