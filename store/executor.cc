#include "store/executor.h"

#include "common/thread_name.h"

namespace silta::store {

StoreExecutor::StoreExecutor(unsigned threads, std::size_t max_queued) : max_queued_(max_queued) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i] {
      name_this_thread("store-" + std::to_string(i));
      loop();
    });
  }
}

StoreExecutor::~StoreExecutor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

bool StoreExecutor::post(std::unique_ptr<Task>& task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

std::size_t StoreExecutor::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void StoreExecutor::loop() {
  for (;;) {
    std::unique_ptr<Task> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    (*task)();
  }
}

}  // namespace silta::store
