#include "gateway/services.h"

#include <algorithm>

#include "gateway/logging.h"

namespace silta::gateway {

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

void PolicyInForce::replace(std::shared_ptr<const policy::Engine> engine) {
  auto v = std::make_unique<Version>();
  v->catalog_json = engine->catalog()->to_json().dump();
  v->engine = std::move(engine);
  std::lock_guard lock(shared_->mu);
  shared_->current.store(v.get(), std::memory_order_release);
  shared_->kept.push_back(std::move(v));
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
