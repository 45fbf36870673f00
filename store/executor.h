// Runs store calls off the gateway's I/O threads: a fixed pool of threads with a bounded queue.
// The gateway wraps run() into an awaitable that resumes its coroutine on its own executor.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/result.h"

namespace silta::store {

class StoreExecutor {
 public:
  // max_queued: calls waiting for a thread beyond this are refused (kUnavailable), so an
  // overloaded or stalled database turns into 503s instead of unbounded memory.
  explicit StoreExecutor(unsigned threads, std::size_t max_queued = 10000);
  // Finishes the calls already queued, then joins the threads.
  ~StoreExecutor();
  StoreExecutor(const StoreExecutor&) = delete;
  StoreExecutor& operator=(const StoreExecutor&) = delete;

  // Runs `work()` (returning a Result<T> or Status) on a pool thread, then `done(result)` on
  // that same thread. When the queue is full, `done` is called at once on the calling thread
  // with a kUnavailable error; `work` is not run. Both may be move-only (e.g. an Asio
  // completion handler).
  template <typename Work, typename Done>
  void run(Work work, Done done) {
    using R = std::invoke_result_t<Work&>;
    static_assert(std::is_constructible_v<R, Error>, "work must return a Result<T> or Status");
    auto call = std::make_unique<Call<Work, Done>>(std::move(work), std::move(done));
    std::unique_ptr<Task> task = std::move(call);
    if (!post(task)) {  // refused: the task is still ours
      static_cast<Call<Work, Done>&>(*task).done(
          R(make_error(ErrorCode::kUnavailable, "the store is overloaded (queue full)")));
    }
  }

  std::size_t queued() const;

 private:
  struct Task {
    virtual ~Task() = default;
    virtual void operator()() = 0;
  };
  template <typename Work, typename Done>
  struct Call final : Task {
    Call(Work w, Done d) : work(std::move(w)), done(std::move(d)) {}
    void operator()() override { done(work()); }
    Work work;
    Done done;
  };

  // Takes the task unless the queue is full or the executor is stopping.
  bool post(std::unique_ptr<Task>& task);
  void loop();

  const std::size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Task>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace silta::store
