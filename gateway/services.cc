#include "gateway/services.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/thread_name.h"
#include "gateway/logging.h"

namespace silta::gateway {

AuditIndexer::AuditIndexer(audit::AuditLog& log, store::Store& store,
                           std::chrono::milliseconds delay)
    : log_(log), store_(store), delay_(delay), thread_([this] {
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
    lock.lock();
  }
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
  constexpr std::uint64_t kBatch = 1000;
  while (*next_ < size) {
    auto leaves = log_.read_leaves(*next_, std::min(size, *next_ + kBatch));
    if (!leaves) return leaves.error();
    std::vector<store::AuditIndexEntry> entries;
    entries.reserve(leaves->size());
    for (auto& leaf : *leaves) {
      auto r = audit::parse_record(leaf);
      if (!r) return r.error();
      entries.push_back({origin, r->seq, r->time,
                         std::string(audit::event_type_name(r->event.type)), r->event.agency,
                         r->event.subject, r->event.target, r->event.purpose, std::move(leaf)});
    }
    if (auto s = store_.index_audit_records(entries); !s) {
      next_.reset();  // ask the store again next time
      return s;
    }
    if (entries.empty()) break;
    *next_ += entries.size();
  }
  return {};
}

audit::DecisionSummary summary_of(const policy::Decision& d) {
  if (d.all_granted()) return audit::DecisionSummary::kGranted;
  if (d.any_granted()) return audit::DecisionSummary::kPartial;
  return audit::DecisionSummary::kDenied;
}

void describe_decision(const policy::Decision& d, audit::AuditEvent& e) {
  auto add_once = [](std::vector<std::string>& list, const std::string& id) {
    if (std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
  };
  for (const auto& c : d.categories) {
    if (c.outcome == policy::Outcome::kGranted) {
      e.categories_granted.push_back(c.category->id);
      if (c.basis != nullptr) add_once(e.citations, c.basis->id);
      for (const auto& id : c.consent_ids) add_once(e.consents, id);
    } else {
      e.categories_denied.push_back(c.category->id);
    }
  }
  e.decision = summary_of(d);
  e.break_glass = d.break_glass;
}

boost::asio::awaitable<Result<std::vector<policy::ConsentRecord>>> active_consents(
    const Services& s, const std::string& normalised_code, const audit::Pseudonym& current,
    SysTime now) {
  auto pseudonyms = s.pseudonyms->all_pseudonyms(normalised_code);
  auto load = [pseudonyms, now](store::Store& st) -> Result<std::vector<policy::ConsentRecord>> {
    std::vector<policy::ConsentRecord> out;
    for (const auto& p : pseudonyms) {
      auto list =
          st.list_consents({.subject_pseudonym = p.value, .active_at = now, .identities = false});
      if (!list) return list.error();
      for (auto& c : *list) out.push_back(std::move(c.record));
    }
    return out;
  };
  auto consents = co_await read_store(s, std::move(load));
  if (consents) {
    for (auto& c : *consents) c.subject_pseudonym = current.value;
  }
  co_return consents;
}

boost::asio::awaitable<Result<std::uint64_t>> audit_durably(const Services& s,
                                                            audit::AuditEvent event) {
  audit::AuditLog* log = s.audit;
  // append() either refuses at once (and never calls back) or calls back exactly once.
  auto start = [log,
                event = std::move(event)](std::function<void(Result<std::uint64_t>)> done) mutable {
    if (auto refused = log->append(std::move(event), done); !refused) done(refused.error());
  };
  auto seq = co_await await_callback<Result<std::uint64_t>>(std::move(start));
  if (seq) {
    s.indexer->schedule();
  } else {
    logging::error("audit_append_failed", {{"error", seq.error().message}});
    if (seq.error().code != ErrorCode::kInvalidArgument) {
      co_return make_error(ErrorCode::kUnavailable,
                           "The audit log cannot make records durable; nothing was released.");
    }
  }
  co_return seq;
}

void audit_in_background(const Services& s, audit::AuditEvent event) {
  AuditIndexer* indexer = s.indexer;
  auto refused = s.audit->append(std::move(event), [indexer](Result<std::uint64_t> seq) {
    if (seq) {
      indexer->schedule();
    } else {
      logging::error("audit_append_failed", {{"error", seq.error().message}});
    }
  });
  if (!refused) logging::error("audit_append_failed", {{"error", refused.error().message}});
}

}  // namespace silta::gateway
