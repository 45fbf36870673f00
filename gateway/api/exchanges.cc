// POST /v1/exchanges and POST /v1/decisions: the exchange, in order (architecture.md):
// validate → decide per category (deny by default) → audit the decision, durable → call the
// holder's adapter for the granted categories only → filter → audit the disclosure, durable →
// answer with the data, the decision and the audit sequence numbers.
#include <chrono>
#include <variant>

#include "common/codec.h"
#include "gateway/api/idempotency.h"
#include "gateway/api/query.h"
#include "gateway/api/receipts.h"
#include "gateway/api/requests.h"
#include "gateway/api/routes.h"
#include "gateway/logging.h"

namespace silta::gateway {

namespace asio = boost::asio;
using policy::Decision;
using policy::Outcome;

namespace {

// A request decided and its decision made durable in the audit log.
struct Decided {
  ExchangeInput in;
  Decision decision;
  nlohmann::json decision_json;
  audit::Pseudonym subject;
  std::string id;  // the exchange id (the audit records' reference)
  std::uint64_t decision_seq = 0;
};

// The audit event shared by the decision and the disclosure of one exchange.
audit::AuditEvent exchange_event(const Services& s, const RequestContext& ctx, const Decided& x,
                                 audit::EventType type, std::string outcome) {
  const auto& catalog = s.catalog();
  audit::AuditEvent e;
  e.type = type;
  e.agency = ctx.agency.id;
  e.actor = x.in.actor.id;
  e.actor_role = x.in.actor.role;
  e.subject = x.subject.value;
  e.subject_key = x.subject.key_id;
  e.target = x.in.target;
  e.purpose = x.in.purpose;
  e.categories_requested = x.in.categories;
  describe_decision(x.decision, e);
  e.direction = policy::direction_name(x.in.direction);
  e.justification = x.in.justification;
  e.case_reference = x.in.case_reference;
  e.catalog_version = catalog.version;
  e.catalog_hash = catalog.sha256;
  e.request_digest = sha256_hex(ctx.request.body());
  e.reference = x.id;
  e.embargo_until = x.in.embargo_until;
  e.outcome = std::move(outcome);
  return e;
}

constexpr ProblemText kNothingReleased = ProblemText::kNothingReleased;

// Validates, decides and makes the decision durable; or the response to answer instead.
asio::awaitable<std::variant<Decided, Response>> decide(const Services& s, RequestContext& ctx,
                                                        bool exchange) {
  const SysTime now = now_utc();
  json_check::Issues issues;
  no_query_params(ctx, issues);
  Decided x;
  x.in = parse_exchange(ctx.body, ctx.agency, s.config->registry, s.catalog(), s.config->exchange,
                        now, exchange, issues);
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  if (auto refused = refuse_actor_role(s, ctx, x.in.actor)) co_return std::move(*refused);
  x.subject = s.pseudonyms->pseudonymise(x.in.subject.identity_code->normalised());
  auto consents =
      co_await active_consents(s, x.in.subject.identity_code->normalised(), x.subject, now);
  if (!consents) co_return Response::from_problem(problem_from_error(consents.error()));

  auto decision =
      s.engine->decide(decision_request(x.in, ctx.agency, x.subject.value), *consents, now);
  if (!decision) co_return engine_refused(decision.error());
  x.decision = std::move(*decision);
  x.decision_json = policy::decision_to_json(x.decision, ctx.lang);
  x.id = new_id(exchange ? "x-" : "d-");

  const bool break_glass = exchange && x.decision.break_glass;
  auto event = exchange_event(
      s, ctx, x, break_glass ? audit::EventType::kBreakGlass : audit::EventType::kDecision,
      x.decision.any_granted() ? "decided" : "denied");
  auto seq = co_await audit_durably(s, std::move(event));
  if (!seq) co_return audit_failed(seq.error(), kNothingReleased);
  x.decision_seq = *seq;
  s.metrics->add("silta_decisions_total",
                 {{"outcome", std::string(audit::decision_name(summary_of(x.decision)))}});

  if (break_glass) {
    s.metrics->add("silta_break_glass_total", {{"agency", ctx.agency.id}});
    store::BreakGlassReview review;
    review.id = new_id("b-");
    review.audit_origin = s.audit->origin();
    review.audit_sequence = x.decision_seq;
    review.agency = ctx.agency.id;
    review.actor = x.in.actor.id;
    review.target_agency = x.in.target;
    review.subject_pseudonym = x.subject.value;
    for (const auto& c : x.decision.categories) {
      if (c.outcome == Outcome::kGranted && c.break_glass) {
        review.categories.push_back(c.category->id);
        if (review.basis.empty() && c.basis != nullptr) review.basis = c.basis->id;
      }
    }
    review.justification = x.in.justification;
    review.opened_at = now;
    review.due_at = x.decision.review_due ? SysTime(std::chrono::sys_days(*x.decision.review_due))
                                          : now + std::chrono::days(3);
    // The review item must exist before anything is released: an emergency access that the
    // privacy officer cannot see would defeat the point.
    auto open_review = [review](store::Store& st) { return st.open_break_glass_review(review); };
    auto opened = co_await on_store(s, std::move(open_review));
    if (!opened) co_return Response::from_problem(problem_from_error(opened.error()));
    x.decision_json["review_id"] = review.id;
  }
  co_return std::move(x);
}

// Removes what must never be forwarded (e.g. an address under turvakielto) from the records.
void withhold_fields(const Decision& d, nlohmann::json& data) {
  for (const auto& c : d.categories) {
    if (c.outcome != Outcome::kGranted || c.withheld.empty()) continue;
    auto it = data.find(c.category->id);
    if (it == data.end() || !it->is_array()) continue;
    for (auto& record : *it) {
      if (!record.is_object()) continue;
      for (const auto* w : c.withheld) record.erase(w->field);
    }
  }
}

std::vector<std::string> granted(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& c : d.categories) {
    if (c.outcome == Outcome::kGranted) out.push_back(c.category->id);
  }
  return out;
}

std::map<std::string, std::string> bases_of(const Decision& d) {
  std::map<std::string, std::string> out;
  for (const auto& c : d.categories) {
    if (c.outcome != Outcome::kGranted) continue;
    out[c.category->id] =
        !c.consent_ids.empty() ? c.consent_ids.front() : (c.basis != nullptr ? c.basis->id : "");
  }
  return out;
}

nlohmann::json audit_refs(const Services& s, const Decided& x,
                          std::optional<std::uint64_t> disclosure_seq) {
  nlohmann::json a = {{"origin", s.audit->origin()}, {"decision_seq", x.decision_seq}};
  if (disclosure_seq) a["disclosure_seq"] = *disclosure_seq;
  a["receipts"] = disclosure_seq ? audit_receipts(s, {x.decision_seq, *disclosure_seq})
                                 : audit_receipts(s, {x.decision_seq});
  return a;
}

Response denied(const Services& s, const Decided& x) {
  auto p = problem(403, "denied", ProblemText::kAllDenied);
  p.extensions = {{"exchange_id", x.id},
                  {"decision", x.decision_json},
                  {"audit", audit_refs(s, x, std::nullopt)}};
  return Response::from_problem(p);
}

std::string adapter_outcome(const Error& e) {
  return e.code == ErrorCode::kDeadlineExceeded ? "adapter_timeout" : "adapter_failed";
}

// The target's system failed or did not answer: the failure is audited (nothing was released),
// logged with the adapter's own message, and answered without it.
asio::awaitable<Response> adapter_failed(const Services& s, const RequestContext& ctx,
                                         const Decided& x, const Error& error, std::string outcome,
                                         std::string_view log_event) {
  s.metrics->add("silta_adapter_failures_total", {{"agency", x.in.target}});
  auto failure = exchange_event(s, ctx, x, audit::EventType::kDisclosure, std::move(outcome));
  failure.categories_granted.clear();  // nothing was released
  auto seq = co_await audit_durably(s, std::move(failure));
  if (!seq) co_return audit_failed(seq.error(), kNothingReleased);
  logging::warn(log_event, {{"agency", x.in.target}, {"error", error.message}});
  auto p = adapter_problem(error);
  p.extensions = {{"exchange_id", x.id}, {"decision", x.decision_json}};
  co_return Response::from_problem(p);
}

asio::awaitable<Response> pull(const Services& s, RequestContext& ctx, Decided x) {
  adapters::FetchRequest req;
  req.request_id = ctx.request_id;
  req.holder_agency = x.in.target;
  req.requester_agency = ctx.agency.id;
  req.requester_kind = ctx.agency.kind;
  req.subject = x.in.subject.identity_code->normalised();
  req.purpose = x.in.purpose;
  req.categories = granted(x.decision);
  req.bases = bases_of(x.decision);
  req.audit_seq = x.decision_seq;
  auto deadline = adapters::Clock::now() + s.config->adapters.timeout_of(x.in.target);
  auto fetched = co_await s.adapters->fetch(req, deadline);
  if (!fetched) {
    co_return co_await adapter_failed(s, ctx, x, fetched.error(), adapter_outcome(fetched.error()),
                                      "adapter_fetch_failed");
  }
  nlohmann::json data = nlohmann::json::object();
  for (auto& [category, records] : fetched->categories) data[category] = std::move(records);
  withhold_fields(x.decision, data);
  auto disclosure = exchange_event(s, ctx, x, audit::EventType::kDisclosure, "ok");
  disclosure.response_digest = sha256_hex(canonical_json(data));
  auto seq = co_await audit_durably(s, std::move(disclosure));
  if (!seq) co_return audit_failed(seq.error(), kNothingReleased);
  co_return Response::json(200, {{"exchange_id", x.id},
                                 {"decision", x.decision_json},
                                 {"subject_known", fetched->subject_known},
                                 {"data", std::move(data)},
                                 {"audit", audit_refs(s, x, *seq)}});
}

// A push: the caller holds the data and discloses it; it reaches the recipient's system through
// its adapter. The disclosure is durable in the log before the data leaves.
asio::awaitable<Response> push(const Services& s, RequestContext& ctx, Decided x) {
  nlohmann::json data = nlohmann::json::object();
  for (const auto& id : granted(x.decision)) {
    auto it = x.in.data.find(id);
    data[id] = it != x.in.data.end() ? *it : nlohmann::json::array();
  }
  withhold_fields(x.decision, data);
  auto disclosure = exchange_event(s, ctx, x, audit::EventType::kDisclosure, "ok");
  disclosure.response_digest = sha256_hex(canonical_json(data));
  auto seq = co_await audit_durably(s, std::move(disclosure));
  if (!seq) co_return audit_failed(seq.error(), kNothingReleased);

  adapters::Referral delivery;
  delivery.id = x.id;
  delivery.kind = "disclosure";
  delivery.recipient_agency = x.in.target;
  delivery.sender_agency = ctx.agency.id;
  delivery.sender_kind = ctx.agency.kind;
  delivery.subject = x.in.subject.identity_code->normalised();
  auto bases = bases_of(x.decision);
  delivery.basis = bases.empty() ? "" : bases.begin()->second;
  delivery.urgent = x.decision.break_glass;
  delivery.sent_at = now_utc();
  delivery.content = {{"purpose", x.in.purpose}, {"bases", bases}, {"data", data}};
  auto deadline = adapters::Clock::now() + s.config->adapters.timeout_of(x.in.target);
  auto receipt = co_await s.adapters->deliver(delivery, deadline);
  if (!receipt) {
    co_return co_await adapter_failed(s, ctx, x, receipt.error(),
                                      "delivery_" + adapter_outcome(receipt.error()),
                                      "adapter_delivery_failed");
  }
  co_return Response::json(
      200,
      {{"exchange_id", x.id},
       {"decision", x.decision_json},
       {"delivered",
        {{"reference", receipt->reference}, {"received_at", format_rfc3339(receipt->received_at)}}},
       {"audit", audit_refs(s, x, *seq)}});
}

}  // namespace

void add_exchange_routes(Router& router, const Services& services) {
  const Services* s = &services;
  router.add(http::verb::post, "/v1/exchanges", {Role::kAgency},
             idempotent(services, [s](RequestContext& ctx) -> asio::awaitable<Response> {
               auto decided = co_await decide(*s, ctx, true);
               if (auto* r = std::get_if<Response>(&decided)) co_return std::move(*r);
               auto& x = std::get<Decided>(decided);
               if (!x.decision.any_granted()) co_return denied(*s, x);
               if (x.in.direction == policy::Direction::kPull) {
                 co_return co_await pull(*s, ctx, std::move(x));
               }
               co_return co_await push(*s, ctx, std::move(x));
             }));
  router.add(http::verb::post, "/v1/decisions", {Role::kAgency},
             idempotent(services, [s](RequestContext& ctx) -> asio::awaitable<Response> {
               auto decided = co_await decide(*s, ctx, false);
               if (auto* r = std::get_if<Response>(&decided)) co_return std::move(*r);
               auto& x = std::get<Decided>(decided);
               co_return Response::json(200, {{"decision_id", x.id},
                                              {"decision", x.decision_json},
                                              {"audit", audit_refs(*s, x, std::nullopt)}});
             }));
}

}  // namespace silta::gateway
