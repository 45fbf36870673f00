#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <set>

#include "store/executor.h"

using namespace silta;
using namespace silta::store;

TEST_CASE("the store executor runs work off the caller's thread and completes there",
          "[store][executor]") {
  StoreExecutor ex(2);
  auto caller = std::this_thread::get_id();
  std::promise<std::pair<std::thread::id, int>> done;
  std::thread::id worked_on;
  ex.run(
      [&]() -> Result<int> {
        worked_on = std::this_thread::get_id();
        return 42;
      },
      [&](Result<int> r) {
        done.set_value({std::this_thread::get_id(), r.ok() ? *r : -1});
      });
  auto [completed_on, value] = done.get_future().get();
  CHECK(value == 42);
  CHECK(worked_on != caller);
  CHECK(completed_on == worked_on);
}

TEST_CASE("the store executor refuses work beyond its queue at once and drains on exit",
          "[store][executor]") {
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> ran{0};
  std::vector<ErrorCode> refused;
  {
    StoreExecutor ex(1, 2);
    std::promise<void> started;
    // The one thread blocks on the gate; two more calls fill the queue.
    ex.run(
        [&]() -> Status {
          started.set_value();
          gate.wait();
          ++ran;
          return {};
        },
        [](Status) {});
    started.get_future().wait();
    for (int i = 0; i < 2; ++i) {
      ex.run(
          [&]() -> Status {
            ++ran;
            return {};
          },
          [](Status) {});
    }
    CHECK(ex.queued() == 2);
    bool work_ran = false;
    ex.run(
        [&]() -> Status {
          work_ran = true;
          return {};
        },
        [&](Status s) { refused.push_back(s.error().code); });
    CHECK_FALSE(work_ran);
    release.set_value();
  }  // the destructor finishes the queued calls
  CHECK(refused == std::vector<ErrorCode>{ErrorCode::kUnavailable});
  CHECK(ran == 3);
}

TEST_CASE("the store executor takes move-only work and completions", "[store][executor]") {
  StoreExecutor ex(1);
  std::promise<int> done;
  auto result = done.get_future();
  auto value = std::make_unique<int>(7);
  ex.run([v = std::move(value)]() -> Result<int> { return *v * 6; },
         [p = std::move(done)](Result<int> r) mutable { p.set_value(r.ok() ? *r : -1); });
  CHECK(result.get() == 42);
}
