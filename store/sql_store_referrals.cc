// SqlStore: referrals and their outbox.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "store/sql_store_internal.h"

namespace silta::store {

using nlohmann::json;
using sql::Connection;
using sql::Dialect;
using sql::Row;

namespace {

constexpr const char* kReferralCols =
    "id, kind, sender_agency, recipient_agency, subject_pseudonym, payload_sealed, "
    "idempotency_key, request_hash, state, attempts, next_attempt_at, last_error, lease_worker, "
    "lease_expires_at, deadlines, acknowledgement, decision_sealed, created_at, updated_at, "
    "delivered_at, seq";
constexpr std::size_t kSeqCol = 20;

std::string payload_context(const std::string& id) { return "referral\n" + id; }
std::string decision_context(const std::string& id) { return "referral_decision\n" + id; }

std::int64_t micros(SysTime t) { return t.time_since_epoch().count(); }
SysTime from_micros(const json& j) {
  return SysTime(std::chrono::microseconds(j.get<std::int64_t>()));
}

std::string deadlines_json(const std::vector<ReferralDeadline>& deadlines) {
  json out = json::array();
  for (const auto& d : deadlines) {
    out.push_back({{"name", d.name},
                   {"due_at", micros(d.due_at)},
                   {"met_at", d.met_at ? json(micros(*d.met_at)) : json(nullptr)}});
  }
  return out.dump();
}

std::vector<ReferralDeadline> deadlines_from_json(const std::string& text) {
  std::vector<ReferralDeadline> out;
  for (const auto& d : json::parse(text)) {
    ReferralDeadline r;
    r.name = d.at("name").get<std::string>();
    r.due_at = from_micros(d.at("due_at"));
    if (!d.at("met_at").is_null()) r.met_at = from_micros(d.at("met_at"));
    out.push_back(std::move(r));
  }
  return out;
}

// The earliest due time among unmet deadlines: indexed, so "overdue at t" is a range scan.
std::optional<SysTime> overdue_from(const std::vector<ReferralDeadline>& deadlines) {
  std::optional<SysTime> out;
  for (const auto& d : deadlines) {
    if (!d.met_at && (!out || d.due_at < *out)) out = d.due_at;
  }
  return out;
}

Status meet_deadlines(Referral& r, const std::vector<std::string>& names, SysTime at) {
  for (const auto& name : names) {
    auto it = std::find_if(r.deadlines.begin(), r.deadlines.end(),
                           [&](const ReferralDeadline& d) { return d.name == name; });
    if (it == r.deadlines.end()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "referral " + r.id + " has no deadline \"" + name + "\"");
    }
    if (!it->met_at) it->met_at = at;  // the first time it was met counts
  }
  return {};
}

}  // namespace

bool Referral::overdue_at(SysTime t) const {
  return std::any_of(deadlines.begin(), deadlines.end(),
                     [t](const ReferralDeadline& d) { return d.overdue_at(t); });
}

Result<Referral> SqlStore::referral_from_row(const Row& row) const {
  Referral r;
  r.id = row.text(0);
  r.kind = row.text(1);
  r.sender_agency = row.text(2);
  r.recipient_agency = row.text(3);
  r.subject_pseudonym = row.text(4);
  auto payload = open(row.blob(5), payload_context(r.id));
  if (!payload) return payload.error();
  r.payload = std::move(*payload);
  r.idempotency_key = row.text(6);
  r.request_hash = row.text(7);
  auto state = parse_referral_state(row.text(8));
  if (!state) return make_error(ErrorCode::kDataLoss, "referral " + r.id + ": unknown state");
  r.state = *state;
  r.attempts = static_cast<int>(row.i64(9));
  r.next_attempt_at = row.opt_time(10);
  r.last_error = row.text(11);
  if (!row.is_null(12)) r.lease = ReferralLease{row.text(12), row.time(13)};
  try {
    r.deadlines = deadlines_from_json(row.text(14));
    if (!row.is_null(15)) {
      auto ack = json::parse(row.text(15));
      r.acknowledgement =
          ReferralAcknowledgement{from_micros(ack.at("at")), ack.at("by_actor").get<std::string>()};
    }
    if (!row.is_null(16)) {
      auto text = open(row.blob(16), decision_context(r.id));
      if (!text) return text.error();
      auto d = json::parse(*text);
      r.decision =
          ReferralDecision{from_micros(d.at("at")), d.at("by_actor").get<std::string>(),
                           d.at("outcome").get<std::string>(), d.at("detail").get<std::string>()};
    }
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kDataLoss, "referral " + r.id + " is unreadable: " + e.what());
  }
  r.created_at = row.time(17);
  r.updated_at = row.time(18);
  r.delivered_at = row.opt_time(19);
  return r;
}

Result<Referral> SqlStore::load_referral(Connection& c, const std::string& id, bool lock) {
  auto rows = c.run(std::string("SELECT ") + kReferralCols + " FROM referrals WHERE id = $1" +
                        (lock ? for_update() : ""),
                    id);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(ErrorCode::kNotFound, "no referral " + id);
  return referral_from_row(rows->front());
}

Result<EnqueueResult> SqlStore::enqueue_referral(const NewReferral& n) {
  if (n.id.empty() || n.sender_agency.empty() || n.recipient_agency.empty() || n.kind.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a referral needs an id, a kind, a sender and a recipient");
  }
  auto payload = seal(n.payload, payload_context(n.id));
  if (!payload) return payload.error();
  std::optional<std::string> key;
  if (!n.idempotency_key.empty()) key = n.idempotency_key;
  return write([&](Connection& c) -> Result<EnqueueResult> {
    // ON CONFLICT on the idempotency key only: a concurrent retry on another instance waits for
    // the first insert and then finds its row; a duplicate id is still an error.
    auto inserted = c.run(
        "INSERT INTO referrals (id, kind, sender_agency, recipient_agency, subject_pseudonym, "
        "payload_sealed, idempotency_key, request_hash, state, attempts, next_attempt_at, "
        "deadlines, overdue_from, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
        "$8, 'received', 0, $9, $10, $11, $9, $9) ON CONFLICT (sender_agency, idempotency_key) "
        "DO NOTHING RETURNING seq",
        n.id, n.kind, n.sender_agency, n.recipient_agency, n.subject_pseudonym, *payload, key,
        n.request_hash, n.received_at, deadlines_json(n.deadlines), overdue_from(n.deadlines));
    if (!inserted) {
      if (inserted.error().code == ErrorCode::kAlreadyExists) {
        return make_error(ErrorCode::kAlreadyExists, "referral " + n.id + " exists");
      }
      return inserted.error();
    }
    if (!inserted->empty()) {
      auto r = load_referral(c, n.id, false);
      if (!r) return r.error();
      return EnqueueResult{std::move(*r), true};
    }
    auto rows = c.run(std::string("SELECT ") + kReferralCols +
                          " FROM referrals WHERE sender_agency = $1 AND idempotency_key = $2",
                      n.sender_agency, n.idempotency_key);
    if (!rows) return rows.error();
    if (rows->empty()) return make_error(ErrorCode::kInternal, "idempotent referral vanished");
    auto existing = referral_from_row(rows->front());
    if (!existing) return existing.error();
    if (existing->request_hash != n.request_hash) {
      return make_error(ErrorCode::kConflict,
                        "the Idempotency-Key was used for a different referral");
    }
    return EnqueueResult{std::move(*existing), false};
  });
}

Result<Referral> SqlStore::get_referral(const std::string& id) {
  return read([&](Connection& c) { return load_referral(c, id, false); });
}

Result<Page<Referral>> SqlStore::list_referrals(const ReferralQuery& q) {
  auto after = parse_seq_cursor(q.cursor);
  if (!after) return after.error();
  Filter f;
  if (q.sender_agency) f.add("sender_agency = $", *q.sender_agency);
  if (q.recipient_agency) f.add("recipient_agency = $", *q.recipient_agency);
  if (q.state) f.add("state = $", std::string(referral_state_name(*q.state)));
  if (q.overdue_at) f.add("overdue_from < $", *q.overdue_at);
  f.add("seq > $", *after);
  std::size_t limit = page_limit(q.limit);
  std::string sql = std::string("SELECT ") + kReferralCols + " FROM referrals WHERE " + f.where() +
                    " ORDER BY seq LIMIT " + std::to_string(limit + 1);
  return read([&](Connection& c) -> Result<Page<Referral>> {
    auto rows = c.query(sql, f.params);
    if (!rows) return rows.error();
    Page<Referral> page;
    for (std::size_t i = 0; i < rows->size() && i < limit; ++i) {
      auto r = referral_from_row((*rows)[i]);
      if (!r) return r.error();
      page.items.push_back(std::move(*r));
    }
    if (rows->size() > limit) page.next_cursor = std::to_string((*rows)[limit - 1].i64(kSeqCol));
    return page;
  });
}

Result<std::vector<Referral>> SqlStore::claim_deliveries(const std::string& worker, SysTime now,
                                                         std::chrono::microseconds lease,
                                                         std::size_t max) {
  if (worker.empty() || max == 0 || lease.count() <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "a claim needs a worker, a lease and a count");
  }
  // SKIP LOCKED: rows another instance is claiming right now are passed over, not waited for,
  // so workers on several instances share the outbox without blocking each other.
  std::string sql = std::string(
                        "UPDATE referrals SET lease_worker = $1, lease_expires_at = $2, "
                        "attempts = attempts + 1, updated_at = $3 WHERE seq IN (SELECT seq FROM "
                        "referrals WHERE state = 'received' AND next_attempt_at <= $3 AND "
                        "(lease_expires_at IS NULL OR lease_expires_at <= $3) ORDER BY "
                        "next_attempt_at, seq LIMIT $4") +
                    (dialect_ == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "") +
                    ") RETURNING " + kReferralCols;
  return write([&](Connection& c) -> Result<std::vector<Referral>> {
    auto rows = c.run(sql, worker, now + lease, now, std::min<std::size_t>(max, 1000));
    if (!rows) return rows.error();
    std::vector<Referral> out;
    for (const auto& row : *rows) {
      auto r = referral_from_row(row);
      if (!r) return r.error();
      out.push_back(std::move(*r));
    }
    std::sort(out.begin(), out.end(), [](const Referral& a, const Referral& b) {
      return a.next_attempt_at < b.next_attempt_at;
    });
    return out;
  });
}

Status SqlStore::outbox_refusal(Connection& c, const std::string& id, const std::string& worker) {
  auto r = load_referral(c, id, false);
  if (!r) return r.error();
  if (r->state != ReferralState::kReceived) {
    return make_error(
        ErrorCode::kFailedPrecondition,
        "referral " + id + " is " + referral_state_name(r->state) + ", not awaiting delivery");
  }
  return make_error(ErrorCode::kFailedPrecondition,
                    "referral " + id + " is not leased to " + worker +
                        (r->lease ? " (another worker holds it)" : ""));
}

Status SqlStore::mark_delivered(const std::string& id, const std::string& worker, SysTime at) {
  return write([&](Connection& c) -> Status {
    auto rows = c.run(
        "UPDATE referrals SET state = 'delivered', delivered_at = $3, updated_at = $3, "
        "next_attempt_at = NULL, lease_worker = NULL, lease_expires_at = NULL, last_error = '' "
        "WHERE id = $1 AND state = 'received' AND lease_worker = $2 RETURNING seq",
        id, worker, at);
    if (!rows) return rows.error();
    if (rows->empty()) return outbox_refusal(c, id, worker);
    return {};
  });
}

Status SqlStore::mark_failed(const std::string& id, const std::string& worker,
                             const std::string& error, SysTime at,
                             std::optional<SysTime> retry_at) {
  return write([&](Connection& c) -> Status {
    auto rows = c.run(
        "UPDATE referrals SET state = $4, next_attempt_at = $5, last_error = $6, updated_at = "
        "$3, lease_worker = NULL, lease_expires_at = NULL WHERE id = $1 AND state = 'received' "
        "AND lease_worker = $2 RETURNING seq",
        id, worker, at, retry_at ? "received" : "dead", retry_at, error);
    if (!rows) return rows.error();
    if (rows->empty()) return outbox_refusal(c, id, worker);
    return {};
  });
}

Result<Referral> SqlStore::requeue_referral(const std::string& id, SysTime at) {
  return write([&](Connection& c) -> Result<Referral> {
    auto rows = c.run(
        "UPDATE referrals SET state = 'received', next_attempt_at = $2, attempts = 0, "
        "last_error = '', updated_at = $2, lease_worker = NULL, lease_expires_at = NULL "
        "WHERE id = $1 AND state = 'dead' RETURNING seq",
        id, at);
    if (!rows) return rows.error();
    auto r = load_referral(c, id, false);
    if (!r) return r.error();
    if (rows->empty()) {
      return make_error(ErrorCode::kFailedPrecondition,
                        "referral " + id + " is " + referral_state_name(r->state) + ", not dead");
    }
    return r;
  });
}

Status SqlStore::save_referral_progress(Connection& c, const Referral& r) {
  std::optional<Bytes> decision;
  if (r.decision) {
    json d = {{"at", micros(r.decision->at)},
              {"by_actor", r.decision->by_actor},
              {"outcome", r.decision->outcome},
              {"detail", r.decision->detail}};
    auto sealed = seal(d.dump(), decision_context(r.id));
    if (!sealed) return sealed.error();
    decision = std::move(*sealed);
  }
  std::optional<std::string> ack;
  if (r.acknowledgement) {
    ack = json{{"at", micros(r.acknowledgement->at)}, {"by_actor", r.acknowledgement->by_actor}}
              .dump();
  }
  auto rows = c.run(
      "UPDATE referrals SET state = $2, next_attempt_at = $3, lease_worker = $4, "
      "lease_expires_at = $5, deadlines = $6, overdue_from = $7, acknowledgement = $8, "
      "decision_sealed = $9, delivered_at = $10, updated_at = $11 WHERE id = $1",
      r.id, referral_state_name(r.state), r.next_attempt_at,
      r.lease ? std::optional(r.lease->worker) : std::nullopt,
      r.lease ? std::optional(r.lease->expires_at) : std::nullopt, deadlines_json(r.deadlines),
      overdue_from(r.deadlines), ack, decision, r.delivered_at, r.updated_at);
  if (!rows) return rows.error();
  return {};
}

namespace {

// The recipient has it: delivery is over, whatever the outbox still thought.
void stop_delivery(Referral& r, SysTime at) {
  r.next_attempt_at.reset();
  r.lease.reset();
  if (!r.delivered_at) r.delivered_at = at;
}

}  // namespace

Result<Referral> SqlStore::acknowledge_referral(const std::string& id,
                                                const ReferralAcknowledgement& ack,
                                                const std::vector<std::string>& deadlines_met) {
  return write([&](Connection& c) -> Result<Referral> {
    auto r = load_referral(c, id, true);
    if (!r) return r.error();
    if (r->state != ReferralState::kReceived && r->state != ReferralState::kDelivered) {
      return make_error(ErrorCode::kFailedPrecondition, "referral " + id + " is " +
                                                            referral_state_name(r->state) +
                                                            "; it cannot be acknowledged");
    }
    if (auto s = meet_deadlines(*r, deadlines_met, ack.at); !s) return s.error();
    r->state = ReferralState::kAcknowledged;
    r->acknowledgement = ack;
    stop_delivery(*r, ack.at);
    r->updated_at = ack.at;
    if (auto s = save_referral_progress(c, *r); !s) return s.error();
    return std::move(*r);
  });
}

Result<Referral> SqlStore::record_referral_decision(
    const std::string& id, const ReferralDecision& decision,
    const std::vector<std::string>& deadlines_met,
    const std::vector<ReferralDeadline>& new_deadlines) {
  return write([&](Connection& c) -> Result<Referral> {
    auto r = load_referral(c, id, true);
    if (!r) return r.error();
    if (r->state == ReferralState::kDecided || r->state == ReferralState::kDead) {
      return make_error(ErrorCode::kFailedPrecondition, "referral " + id + " is " +
                                                            referral_state_name(r->state) +
                                                            "; no decision can be recorded");
    }
    if (auto s = meet_deadlines(*r, deadlines_met, decision.at); !s) return s.error();
    for (const auto& d : new_deadlines) {
      bool exists = std::any_of(r->deadlines.begin(), r->deadlines.end(),
                                [&](const ReferralDeadline& x) { return x.name == d.name; });
      if (exists) {
        return make_error(ErrorCode::kInvalidArgument,
                          "referral " + id + " already has a deadline \"" + d.name + "\"");
      }
      r->deadlines.push_back(d);
    }
    r->state = ReferralState::kDecided;
    r->decision = decision;
    stop_delivery(*r, decision.at);
    r->updated_at = decision.at;
    if (auto s = save_referral_progress(c, *r); !s) return s.error();
    return std::move(*r);
  });
}

Result<Referral> SqlStore::mark_deadlines_met(const std::string& id,
                                              const std::vector<std::string>& names, SysTime at) {
  return write([&](Connection& c) -> Result<Referral> {
    auto r = load_referral(c, id, true);
    if (!r) return r.error();
    if (auto s = meet_deadlines(*r, names, at); !s) return s.error();
    r->updated_at = at;
    if (auto s = save_referral_progress(c, *r); !s) return s.error();
    return std::move(*r);
  });
}

Result<std::vector<std::pair<std::string, std::int64_t>>> SqlStore::count_overdue_by_recipient(
    SysTime at) {
  return read([&](Connection& c) -> Result<std::vector<std::pair<std::string, std::int64_t>>> {
    auto rows = c.run(
        "SELECT recipient_agency, COUNT(*) FROM referrals WHERE overdue_from < $1 GROUP BY "
        "recipient_agency ORDER BY recipient_agency",
        at);
    if (!rows) return rows.error();
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const auto& r : *rows) out.emplace_back(r.text(0), r.i64(1));
    return out;
  });
}

Result<std::vector<std::pair<ReferralState, std::int64_t>>> SqlStore::count_referrals_by_state() {
  using Counts = std::vector<std::pair<ReferralState, std::int64_t>>;
  return read([&](Connection& c) -> Result<Counts> {
    auto rows = c.run("SELECT state, COUNT(*) FROM referrals GROUP BY state ORDER BY state");
    if (!rows) return rows.error();
    Counts out;
    for (const auto& r : *rows) {
      auto state = parse_referral_state(r.text(0));
      if (!state) return make_error(ErrorCode::kDataLoss, "unknown referral state " + r.text(0));
      out.emplace_back(*state, r.i64(1));
    }
    return out;
  });
}

}  // namespace silta::store
