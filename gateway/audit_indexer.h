// The audit index in the store, kept up to date with the audit log off the request path.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "audit/log.h"
#include "common/result.h"
#include "store/store.h"

namespace silta::gateway {

// Keeps the store's audit index up to date with the log. Searches catch the index up before they
// run (catch_up), so indexing after appends only keeps that short: a background thread indexes
// what is pending at most once per `delay`, in batches, off the request path. The index can
// always be rebuilt from the segments, which stay the source of truth.
class AuditIndexer {
 public:
  // retention_days (audit.index_retention_days): entries older than that are pruned from the
  // store, at most hourly, after a pass; 0 keeps them.
  AuditIndexer(audit::AuditLog& log, store::Store& store,
               std::chrono::milliseconds delay = std::chrono::milliseconds(500),
               unsigned retention_days = 0);
  ~AuditIndexer();
  AuditIndexer(const AuditIndexer&) = delete;
  AuditIndexer& operator=(const AuditIndexer&) = delete;

  // Asks for a background pass within `delay`; returns at once.
  void schedule();
  // Takes records as the log made them durable (AuditLogOptions::on_durable), so that a pass
  // indexes them without reading their leaves back and parsing them. Returns at once; what does
  // not fit (kMaxOffered) is left to be read back from the log.
  void offer(std::vector<audit::DurableRecord>& records);
  // Indexes everything durable now, on the calling thread (start-up, searches, tests).
  Status catch_up();
  // Drops the index entries older than the retention period before `now` (nothing when the
  // retention is 0); the records stay in the log and its archive. Returns how many went.
  Result<std::uint64_t> apply_retention(SysTime now);

 private:
  void run();
  // Up to kBatch entries from `from` on, below `size`: what was offered when it continues the
  // index exactly, otherwise read back from the log.
  Result<std::vector<store::AuditIndexEntry>> next_entries(std::uint64_t from, std::uint64_t size);

  static constexpr std::uint64_t kBatch = 1000;
  static constexpr std::size_t kMaxOffered = 20000;  // about 20 MB of leaves at most

  audit::AuditLog& log_;
  store::Store& store_;
  const std::chrono::milliseconds delay_;
  const unsigned retention_days_;
  std::chrono::steady_clock::time_point next_retention_{};  // the indexing thread's
  std::mutex mu_;                                           // one pass at a time
  std::optional<std::uint64_t> next_;  // the next sequence to index, once known (under mu_)
  std::mutex offered_mu_;
  std::deque<store::AuditIndexEntry> offered_;  // in sequence order (under offered_mu_)
  std::mutex wait_mu_;
  std::condition_variable cv_;
  bool pending_ = false, stopping_ = false;  // under wait_mu_
  std::atomic<bool> pending_fast_{false};    // a pass is asked for already: schedule() is cheap
  std::thread thread_;
};

}  // namespace silta::gateway
