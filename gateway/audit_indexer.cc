#include "gateway/audit_indexer.h"

#include <fmt/format.h>

#include "common/thread_name.h"
#include "gateway/logging.h"

namespace silta::gateway {

AuditIndexer::AuditIndexer(audit::AuditLog& log, store::Store& store,
                           std::chrono::milliseconds delay, unsigned retention_days)
    : log_(log), store_(store), delay_(delay), retention_days_(retention_days), thread_([this] {
        name_this_thread("audit-index");
        run();
      }) {}

AuditIndexer::~AuditIndexer() {
  {
    std::lock_guard lock(wait_mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void AuditIndexer::schedule() {
  if (pending_fast_.exchange(true)) return;  // a pass is asked for already
  {
    std::lock_guard lock(wait_mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

void AuditIndexer::offer(std::vector<audit::DurableRecord>& records) {
  const std::string& origin = log_.origin();
  std::lock_guard lock(offered_mu_);
  for (auto& r : records) {
    if (offered_.size() >= kMaxOffered) break;
    offered_.push_back({origin, r.seq, r.time, std::string(audit::event_type_name(r.type)),
                        std::move(r.agency), std::move(r.subject), std::move(r.target),
                        std::move(r.purpose), std::move(r.leaf)});
  }
}

void AuditIndexer::run() {
  std::unique_lock lock(wait_mu_);
  while (true) {
    cv_.wait(lock, [this] { return pending_ || stopping_; });
    if (stopping_) return;
    // Gather what the next `delay` appends, then index it in one pass.
    cv_.wait_for(lock, delay_, [this] { return stopping_; });
    if (stopping_) return;
    pending_ = false;
    pending_fast_ = false;  // appends from now on ask for another pass
    lock.unlock();
    if (auto s = catch_up(); !s)
      logging::warn("audit_index_failed", {{"error", s.error().message}});
    if (retention_days_ > 0 && std::chrono::steady_clock::now() >= next_retention_) {
      next_retention_ = std::chrono::steady_clock::now() + std::chrono::hours(1);
      if (auto pruned = apply_retention(now_utc()); !pruned) {
        logging::warn("audit_index_retention_failed", {{"error", pruned.error().message}});
      }
    }
    lock.lock();
  }
}

Result<std::uint64_t> AuditIndexer::apply_retention(SysTime now) {
  if (retention_days_ == 0) return std::uint64_t{0};
  return store_.prune_audit_index(log_.origin(), now - std::chrono::days(retention_days_));
}

Status AuditIndexer::catch_up() {
  std::lock_guard lock(mu_);
  const std::string& origin = log_.origin();
  const std::uint64_t size = log_.tree_head().size;
  if (!next_) {
    auto next = store_.next_audit_index_sequence(origin);
    if (!next) return next.error();
    // Only durable records are indexed, and a durable record is never lost: an index ahead of
    // the log is another log's (the same origin twice) or a log restored without its index.
    if (*next > size) {
      return make_error(ErrorCode::kFailedPrecondition,
                        fmt::format("the audit index holds {} records of origin \"{}\" but its log "
                                    "has {}: two audit logs use this origin (give every gateway "
                                    "instance its own audit.origin), or the log was restored "
                                    "without its index",
                                    *next, origin, size));
    }
    next_ = *next;
  }
  while (*next_ < size) {
    auto entries = next_entries(*next_, size);
    if (!entries) return entries.error();
    if (auto s = store_.index_audit_records(*entries); !s) {
      next_.reset();  // ask the store again next time
      return s;
    }
    if (entries->empty()) break;
    *next_ += entries->size();
  }
  return {};
}

Result<std::vector<store::AuditIndexEntry>> AuditIndexer::next_entries(std::uint64_t from,
                                                                       std::uint64_t size) {
  std::vector<store::AuditIndexEntry> entries;
  std::uint64_t until = std::min(size, from + kBatch);  // what to read back when nothing fits
  {
    std::lock_guard lock(offered_mu_);
    while (!offered_.empty() && offered_.front().sequence < from) offered_.pop_front();
    while (!offered_.empty() && entries.size() < kBatch &&
           offered_.front().sequence == from + entries.size() && offered_.front().sequence < size) {
      entries.push_back(std::move(offered_.front()));
      offered_.pop_front();
    }
    if (!offered_.empty()) until = std::min(until, offered_.front().sequence);
  }
  if (!entries.empty()) return entries;
  auto leaves = log_.read_leaves(from, until);
  if (!leaves) return leaves.error();
  entries.reserve(leaves->size());
  for (auto& leaf : *leaves) {
    auto r = audit::parse_record(leaf);
    if (!r) return r.error();
    entries.push_back({log_.origin(), r->seq, r->time,
                       std::string(audit::event_type_name(r->event.type)), r->event.agency,
                       r->event.subject, r->event.target, r->event.purpose, std::move(leaf)});
  }
  return entries;
}

}  // namespace silta::gateway
