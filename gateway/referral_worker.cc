#include "gateway/referral_worker.h"

#include <sodium.h>

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/codec.h"
#include "gateway/logging.h"
#include "gateway/referral_rules.h"

namespace silta::gateway {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// The record of one delivery attempt: the referral-sent record cited the basis and made the
// disclosure durable before the referral was accepted; this one says whether it arrived.
audit::AuditEvent delivery_event(const store::Referral& r, const ReferralPayload& p,
                                 std::string outcome) {
  audit::AuditEvent e;
  e.type = audit::EventType::kReferralDelivered;
  e.agency = r.sender_agency;
  e.actor = p.actor;
  e.subject = r.subject_pseudonym;
  e.subject_key = p.subject_key;
  e.target = r.recipient_agency;
  e.direction = "push";
  if (!p.basis.empty()) e.citations = {p.basis};
  e.reference = r.id;
  e.outcome = std::move(outcome);
  return e;
}

}  // namespace

ReferralWorker::ReferralWorker(const Services& services, asio::io_context& io,
                               std::string worker_id)
    : s_(services), io_(io), worker_id_(std::move(worker_id)), timer_(io) {}

void ReferralWorker::start() { asio::co_spawn(io_, loop(), asio::detached); }

void ReferralWorker::wake() {
  asio::post(io_, [this] {
    wake_pending_ = true;
    timer_.cancel();
  });
}

void ReferralWorker::stop() {
  stopping_ = true;
  asio::post(io_, [this] { timer_.cancel(); });
}

milliseconds ReferralWorker::backoff(int attempt, milliseconds initial, milliseconds max) {
  milliseconds delay = initial;
  for (int i = 1; i < attempt && delay < max; ++i) delay *= 2;
  delay = std::min(delay, max);
  // Jitter: half fixed, half uniformly random.
  auto half = static_cast<std::uint32_t>(std::min<std::int64_t>(delay.count() / 2, UINT32_MAX - 1));
  return milliseconds(delay.count() - half + randombytes_uniform(half + 1));
}

asio::awaitable<void> ReferralWorker::loop() {
  const auto& config = s_.config->referrals;
  auto next_metrics = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (std::chrono::steady_clock::now() >= next_metrics) {
      co_await refresh_metrics();
      next_metrics = std::chrono::steady_clock::now() + config.metrics_interval;
    }
    std::size_t claimed = config.worker ? co_await deliver_due() : 0;
    if (stopping_) break;
    if (claimed == config.batch || wake_pending_) {
      wake_pending_ = false;
      continue;  // more may be due
    }
    auto until_metrics =
        std::chrono::duration_cast<milliseconds>(next_metrics - std::chrono::steady_clock::now());
    timer_.expires_after(std::clamp(until_metrics, milliseconds(0), config.poll_interval));
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  logging::info("referral_worker_stopped", {{"worker", worker_id_}});
}

asio::awaitable<std::size_t> ReferralWorker::deliver_due() {
  const auto& config = s_.config->referrals;
  const std::string worker = worker_id_;
  const auto lease = std::chrono::duration_cast<std::chrono::microseconds>(config.lease);
  const std::size_t batch = config.batch;
  auto claim = [worker, lease, batch](store::Store& st) {
    return st.claim_deliveries(worker, now_utc(), lease, batch);
  };
  auto claims = co_await on_store(s_, std::move(claim));
  if (!claims) {
    logging::warn("referral_claim_failed", {{"error", claims.error().message}});
    co_return 0;
  }
  const std::size_t n = claims->size();
  if (n == 0) co_return 0;
  // Every claimed referral is delivered concurrently; the loop goes on when all are done, so at
  // most `batch` deliveries are in flight.
  auto remaining = std::make_shared<std::size_t>(n);
  auto all_done = std::make_shared<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
  for (auto& r : *claims) {
    auto on_done = [remaining, all_done](std::exception_ptr e) {
      if (e) logging::error("referral_delivery_crashed", {});
      if (--*remaining == 0) all_done->cancel();
    };
    asio::co_spawn(io_, deliver(std::move(r)), std::move(on_done));
  }
  boost::system::error_code ec;
  co_await all_done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return n;
}

asio::awaitable<void> ReferralWorker::deliver(store::Referral r) {
  const auto& config = s_.config->referrals;
  const std::string worker = worker_id_;
  const std::string id = r.id;
  auto payload = ReferralPayload::parse(r.payload);
  Result<adapters::DeliveryReceipt> receipt = make_error(ErrorCode::kInternal, "");
  if (!payload) {
    receipt = payload.error();
  } else {
    adapters::Referral d;
    d.id = r.id;
    d.kind = r.kind;
    d.recipient_agency = r.recipient_agency;
    d.sender_agency = r.sender_agency;
    if (const auto* a = s_.config->registry.find(r.sender_agency)) d.sender_kind = a->kind;
    d.subject = payload->identity_code;
    d.basis = payload->basis;
    d.urgent = payload->urgent;
    d.sent_at = r.created_at;
    d.content = {{"fields", payload->fields}, {"data", payload->data}};
    auto deadline = adapters::Clock::now() + s_.config->adapters.timeout_of(r.recipient_agency);
    receipt = co_await s_.adapters->deliver(d, deadline);
  }
  const SysTime at = now_utc();

  if (receipt) {
    auto event = delivery_event(r, *payload, "delivered");
    // The recipient system's reference is its own; the digest ties it to the record.
    event.response_digest = sha256_hex(receipt->reference);
    if (!co_await audit_durably(s_, std::move(event))) {
      // Not marked delivered: the lease expires and the delivery is repeated, which the
      // adapter answers with the same receipt, until the log records it.
      co_return;
    }
    auto mark = [id, worker, at](store::Store& st) { return st.mark_delivered(id, worker, at); };
    auto marked = co_await on_store(s_, std::move(mark));
    if (!marked) {
      logging::warn("referral_mark_delivered_failed",
                    {{"referral", id}, {"error", marked.error().message}});
      co_return;
    }
    s_.metrics->add("silta_referral_deliveries_total", {{"outcome", "delivered"}});
    logging::info("referral_delivered", {{"referral", id},
                                         {"recipient", r.recipient_agency},
                                         {"attempt", r.attempts},
                                         {"duplicate", receipt->duplicate}});
    co_return;
  }

  const bool dead = r.attempts >= config.max_attempts || !payload;
  std::optional<SysTime> retry_at;
  if (!dead) {
    retry_at = at + backoff(r.attempts, config.backoff_initial, config.backoff_max);
  }
  const std::string error = receipt.error().message;
  auto fail = [id, worker, error, at, retry_at](store::Store& st) {
    return st.mark_failed(id, worker, error, at, retry_at);
  };
  auto marked = co_await on_store(s_, std::move(fail));
  if (!marked) {
    logging::warn("referral_mark_failed_failed",
                  {{"referral", id}, {"error", marked.error().message}});
    co_return;
  }
  s_.metrics->add("silta_referral_deliveries_total", {{"outcome", dead ? "dead" : "retry"}});
  if (payload) {
    // Recorded in the background: the outcome is already stored, and a retry will come.
    audit_in_background(s_, delivery_event(r, *payload, dead ? "dead_letter" : "delivery_failed"));
  }
  nlohmann::json fields = {{"referral", id},
                           {"recipient", r.recipient_agency},
                           {"attempt", r.attempts},
                           {"error", error}};
  if (dead) {
    logging::error("referral_dead_letter", fields);
  } else {
    fields["retry_at"] = format_rfc3339(*retry_at);
    logging::warn("referral_delivery_failed", fields);
  }
}

namespace {

// What the metrics refresh reads from the store in one call on the store executor.
struct StoreCounts {
  std::vector<std::pair<std::string, std::int64_t>> overdue, due_soon;
  std::vector<std::pair<store::ReferralState, std::int64_t>> states;
  std::int64_t break_glass_overdue = 0;
};

// Open break-glass review items past their due date; counting stops at `cap` (an alert needs
// "some", and a scrape must stay cheap).
Result<std::int64_t> count_overdue_reviews(store::Store& st, SysTime now, std::size_t cap) {
  store::BreakGlassQuery q;
  q.which = store::BreakGlassQuery::Which::kOpen;
  q.overdue_at = now;
  q.limit = 500;
  std::int64_t n = 0;
  do {
    auto page = st.list_break_glass_reviews(q);
    if (!page) return page.error();
    n += static_cast<std::int64_t>(page->items.size());
    q.cursor = page->next_cursor;
  } while (!q.cursor.empty() && static_cast<std::size_t>(n) < cap);
  return n;
}

Result<StoreCounts> read_counts(store::Store& st) {
  const SysTime now = now_utc();
  StoreCounts c;
  auto overdue = st.count_overdue_by_recipient(now);
  if (!overdue) return overdue.error();
  c.overdue = std::move(*overdue);
  auto due_soon = st.count_overdue_by_recipient(now + std::chrono::hours(24));
  if (!due_soon) return due_soon.error();
  c.due_soon = std::move(*due_soon);
  auto states = st.count_referrals_by_state();
  if (!states) return states.error();
  c.states = std::move(*states);
  auto reviews = count_overdue_reviews(st, now, 10'000);
  if (!reviews) return reviews.error();
  c.break_glass_overdue = *reviews;
  return c;
}

}  // namespace

// Sets `family`{recipient} from `counts`, and to 0 for recipients counted before and not now.
void ReferralWorker::set_by_recipient(
    const char* family, const std::vector<std::pair<std::string, std::int64_t>>& counts) {
  std::set<std::string> seen;
  for (const auto& [recipient, n] : counts) {
    s_.metrics->set(family, {{"recipient", recipient}}, double(n));
    seen.insert(recipient);
    recipients_seen_.insert(recipient);
  }
  for (const auto& recipient : recipients_seen_) {
    if (!seen.count(recipient)) s_.metrics->set(family, {{"recipient", recipient}}, 0);
  }
}

// The store's gauges, and the store probe of /ready: every referrals.metrics_interval.
asio::awaitable<void> ReferralWorker::refresh_metrics() {
  auto counts = co_await on_store(s_, &read_counts);
  if (s_.store_probed) s_.store_probed(counts.ok(), counts ? "" : counts.error().message);
  if (!counts) {
    logging::warn("referral_metrics_failed", {{"error", counts.error().message}});
    co_return;
  }
  set_by_recipient("silta_referrals_overdue", counts->overdue);
  set_by_recipient("silta_referrals_due_soon", counts->due_soon);
  for (auto state : {store::ReferralState::kReceived, store::ReferralState::kDelivered,
                     store::ReferralState::kAcknowledged, store::ReferralState::kDecided,
                     store::ReferralState::kDead}) {
    double n = 0;
    for (const auto& [st, c] : counts->states) {
      if (st == state) n = double(c);
    }
    s_.metrics->set("silta_referrals", {{"state", store::referral_state_name(state)}}, n);
  }
  s_.metrics->set("silta_break_glass_reviews_overdue", {}, double(counts->break_glass_overdue));
}

}  // namespace silta::gateway
