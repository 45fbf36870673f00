#include "gateway/services.h"

#include "gateway/logging.h"

namespace silta::gateway {

AuditIndexer::AuditIndexer(audit::AuditLog& log, store::Store& store,
                           store::StoreExecutor& executor)
    : log_(log), store_(store), executor_(executor) {}

void AuditIndexer::schedule() {
  if (scheduled_.exchange(true)) return;  // a pass is already queued
  executor_.run(
      [this]() -> Status {
        scheduled_.store(false);  // appends from now on schedule another pass
        return catch_up();
      },
      [](const Status& s) {
        if (!s) logging::warn("audit_index_failed", {{"error", s.error().message}});
      });
}

Status AuditIndexer::catch_up() {
  std::lock_guard lock(mu_);
  const std::string& origin = log_.origin();
  auto last = store_.max_indexed_sequence(origin);
  if (!last) return last.error();
  std::uint64_t next = last->has_value() ? **last + 1 : 0;
  const std::uint64_t size = log_.tree_head().size;
  constexpr std::uint64_t kBatch = 1000;
  while (next < size) {
    auto records = log_.read(next, std::min(size, next + kBatch));
    if (!records) return records.error();
    std::vector<store::AuditIndexEntry> entries;
    entries.reserve(records->size());
    for (const auto& r : *records) {
      entries.push_back({origin, r.seq, r.time, std::string(audit::event_type_name(r.event.type)),
                         r.event.agency, r.event.subject, r.event.target, r.event.purpose});
    }
    if (auto s = store_.index_audit_records(entries); !s) return s;
    next += records->size();
    if (records->empty()) break;
  }
  return {};
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
