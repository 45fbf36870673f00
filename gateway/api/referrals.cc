// Referrals: a child welfare report (lastensuojeluilmoitus, LSL 25 §), an SHL 35 § contact, a
// pre-birth report, a report to the police. In order: validate → decide on the kind's own bases
// (all or nothing) → audit the referral, durable → store it, encrypted, durable → 202. The
// worker (gateway/referral_worker.cc) delivers it; the recipient acknowledges and decides, and
// the statutory clocks run in Finnish working days (docs/referrals.md).
#include <fmt/format.h>

#include "common/codec.h"
#include "gateway/api/idempotency.h"
#include "gateway/api/requests.h"
#include "gateway/api/routes.h"
#include "gateway/referral_rules.h"
#include "gateway/referral_worker.h"

namespace silta::gateway {

namespace asio = boost::asio;
using json_check::Need;
using json_check::Object;
using nlohmann::json;

namespace {

constexpr std::uint64_t kMaxPage = 500;

Response audit_unavailable() {
  return Response::from_problem(problem(503, "audit-unavailable", "The audit log is unavailable",
                                        "Nothing was recorded or sent. Retry later."));
}

Response not_found() {
  return Response::from_problem(problem(404, "not-found", "Not found",
                                        "No referral with this id was sent by or to your agency."));
}

Response conflict(std::string detail) {
  return Response::from_problem(
      problem(409, "referral-state", "Not possible in the referral's state", std::move(detail)));
}

Response key_reused() {
  return Response::from_problem(problem(409, "idempotency-key-reused", "Idempotency-Key reused",
                                        "This Idempotency-Key was used for a different request."));
}

// With an Idempotency-Key the referral id is derived from the sender and the key, so that a
// retry after a crash (the referral stored, the answer lost) finds the referral again.
std::string referral_id(const RequestContext& ctx) {
  auto header = ctx.request.find("Idempotency-Key");
  if (header == ctx.request.end()) return new_id("r-");
  std::string key(header->value());
  return "r-" + sha256_hex(ctx.agency.id + "\n" + key).substr(0, 24);
}

std::string idempotency_key(const RequestContext& ctx) {
  auto header = ctx.request.find("Idempotency-Key");
  return header == ctx.request.end() ? "" : std::string(header->value());
}

Response accepted(const Services& s, const store::Referral& r, const ReferralPayload& p) {
  auto response = Response::json(
      202, {{"referral", referral_json(r, s.catalog(), false, now_utc())},
            {"decision", p.decision},
            {"audit", {{"origin", p.audit_origin}, {"referral_sent_seq", p.audit_seq}}}});
  response.headers.emplace_back("Location", "/v1/referrals/" + r.id);
  return response;
}

// The answer to a retried request whose referral is stored already.
Response replay(const Services& s, const store::Referral& r, const std::string& request_hash) {
  if (r.request_hash != request_hash) return key_reused();
  auto p = ReferralPayload::parse(r.payload);
  if (!p) return Response::from_problem(problem_from_error(p.error()));
  return accepted(s, r, *p);
}

audit::AuditEvent referral_event(const store::Referral& r, const ReferralPayload& p,
                                 audit::EventType type, const std::string& agency,
                                 const std::string& actor, const std::string& target,
                                 std::string outcome) {
  audit::AuditEvent e;
  e.type = type;
  e.agency = agency;
  e.actor = actor;
  e.subject = r.subject_pseudonym;
  e.subject_key = p.subject_key;
  e.target = target;
  e.reference = r.id;
  e.outcome = std::move(outcome);
  return e;
}

asio::awaitable<Response> submit(const Services& s, RequestContext& ctx) {
  const SysTime now = now_utc();
  const auto& catalog = s.catalog();
  json_check::Issues issues;
  auto in = parse_referral(ctx.body, ctx.agency, s.config->registry, catalog, issues);
  if (in.recipient_agency != nullptr && !in.recipient_agency->receives_referrals) {
    issues.add("/recipient", "\"" + in.recipient +
                                 "\" receives no referrals (the registry says so); send it to "
                                 "the agency that handles them");
  } else if (in.recipient_agency != nullptr && s.adapters->find(in.recipient) == nullptr) {
    issues.add("/recipient", "no agency system of \"" + in.recipient +
                                 "\" is connected to this gateway; referrals to it cannot be "
                                 "delivered");
  }
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));

  const std::string id = referral_id(ctx);
  const std::string key = idempotency_key(ctx);
  const std::string request_hash = sha256_hex(ctx.request.body());
  if (!key.empty()) {
    auto find = [id](store::Store& st) { return st.get_referral(id); };
    auto existing = co_await read_store(s, std::move(find));
    if (existing) co_return replay(s, *existing, request_hash);
    if (existing.error().code != ErrorCode::kNotFound) {
      co_return Response::from_problem(problem_from_error(existing.error()));
    }
  }

  const std::string code = in.subject.identity_code->normalised();
  auto subject = s.pseudonyms->pseudonymise(code);
  auto consents = co_await active_consents(s, code, subject, now);
  if (!consents) co_return Response::from_problem(problem_from_error(consents.error()));
  auto decision = s.engine->decide(decision_request(in, ctx.agency, subject.value), *consents, now);
  if (!decision) {
    co_return Response::from_problem(
        problem(400, "validation", "The request is not valid", decision.error().message));
  }

  ReferralPayload p;
  p.identity_code = code;
  p.subject_key = subject.key_id;
  p.actor = in.actor;
  p.urgent = in.fields.value("urgent", false);
  p.fields = in.fields;
  p.decision = policy::decision_to_json(*decision);
  p.audit_origin = s.audit->origin();
  for (const auto& c : decision->categories) {
    if (c.outcome != policy::Outcome::kGranted) continue;
    if (p.basis.empty() && c.basis != nullptr) p.basis = c.basis->id;
    if (auto it = in.data.find(c.category->id); it != in.data.end()) p.data[it.key()] = *it;
  }

  // A referral moves whole or not at all: the reporter must know that part of it did not go.
  const bool all = decision->all_granted();
  audit::AuditEvent sent;
  sent.type = audit::EventType::kReferralSent;
  sent.agency = ctx.agency.id;
  sent.actor = in.actor;
  sent.subject = subject.value;
  sent.subject_key = subject.key_id;
  sent.target = in.recipient;
  sent.purpose = in.kind->purpose;
  sent.categories_requested = in.categories;
  describe_decision(*decision, sent);
  sent.direction = "push";
  sent.catalog_version = catalog.version;
  sent.catalog_hash = catalog.sha256;
  sent.request_digest = request_hash;
  sent.reference = id;
  if (all) {
    sent.response_digest = sha256_hex(canonical_json(json{{"fields", p.fields}, {"data", p.data}}));
  } else {
    sent.categories_granted.clear();  // nothing moves
  }
  sent.outcome = all ? "accepted" : "denied";
  auto seq = co_await audit_durably(s, std::move(sent));
  if (!seq) co_return audit_unavailable();
  s.metrics->add("silta_referrals_total",
                 {{"kind", in.kind->id}, {"outcome", all ? "accepted" : "denied"}});
  if (!all) {
    auto problem_doc =
        problem(403, "denied", "The referral may not be sent",
                "Not every category of the referral may move to this recipient; the decision says "
                "why and what would make it lawful. Nothing was sent.");
    problem_doc.extensions = {{"decision", p.decision},
                              {"audit", {{"origin", p.audit_origin}, {"referral_sent_seq", *seq}}}};
    co_return Response::from_problem(problem_doc);
  }
  p.audit_seq = *seq;

  store::NewReferral n;
  n.id = id;
  n.kind = in.kind->id;
  n.sender_agency = ctx.agency.id;
  n.recipient_agency = in.recipient;
  n.subject_pseudonym = subject.value;
  n.payload = p.to_json();
  n.idempotency_key = key;
  n.request_hash = request_hash;
  n.deadlines = referral_deadlines(catalog, *in.kind, now, "always");
  n.received_at = now;
  auto enqueue = [n](store::Store& st) { return st.enqueue_referral(n); };
  auto stored = co_await on_store(s, std::move(enqueue));
  if (!stored) {
    if (stored.error().code == ErrorCode::kConflict) co_return key_reused();
    co_return Response::from_problem(problem_from_error(stored.error()));
  }
  if (!stored->created) co_return replay(s, stored->referral, request_hash);
  if (s.referral_worker != nullptr) s.referral_worker->wake();
  co_return accepted(s, stored->referral, p);
}

// The referral `id` if the caller sent or received it; or the response to answer instead.
asio::awaitable<std::variant<store::Referral, Response>> load_visible(const Services& s,
                                                                      const RequestContext& ctx,
                                                                      const std::string& id) {
  auto get = [id](store::Store& st) { return st.get_referral(id); };
  auto r = co_await read_store(s, std::move(get));
  if (!r) {
    if (r.error().code == ErrorCode::kNotFound) co_return not_found();
    co_return Response::from_problem(problem_from_error(r.error()));
  }
  if (r->sender_agency != ctx.agency.id && r->recipient_agency != ctx.agency.id) {
    co_return not_found();
  }
  co_return std::move(*r);
}

asio::awaitable<Response> get_one(const Services& s, RequestContext& ctx) {
  auto loaded = co_await load_visible(s, ctx, ctx.params["id"]);
  if (auto* resp = std::get_if<Response>(&loaded)) co_return std::move(*resp);
  const auto& r = std::get<store::Referral>(loaded);
  bool recipient = r.recipient_agency == ctx.agency.id;
  co_return Response::json(200, referral_json(r, s.catalog(), recipient, now_utc()));
}

asio::awaitable<Response> list(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  store::ReferralQuery q;
  std::string role = ctx.query.count("role") ? ctx.query.at("role") : "recipient";
  if (role == "recipient") {
    q.recipient_agency = ctx.agency.id;
  } else if (role == "sender") {
    q.sender_agency = ctx.agency.id;
  } else {
    issues.add("?role", "expected \"recipient\" (referrals to your agency) or \"sender\"");
  }
  if (auto it = ctx.query.find("state"); it != ctx.query.end() && !it->second.empty()) {
    q.state = store::parse_referral_state(it->second);
    if (!q.state) {
      issues.add("?state", "expected one of received, delivered, acknowledged, decided, dead");
    }
  }
  const SysTime now = now_utc();
  if (auto it = ctx.query.find("overdue"); it != ctx.query.end()) {
    if (it->second == "true") {
      q.overdue_at = now;
    } else if (it->second != "false") {
      issues.add("?overdue", "expected true or false");
    }
  }
  q.cursor = ctx.query.count("cursor") ? ctx.query.at("cursor") : "";
  q.limit = number_param(ctx.query, "limit", false, kMaxPage, issues).value_or(100);
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto query = [q](store::Store& st) { return st.list_referrals(q); };
  auto page = co_await read_store(s, std::move(query));
  if (!page) co_return Response::from_problem(problem_from_error(page.error()));
  json items = json::array();
  for (const auto& r : page->items) {
    items.push_back(referral_json(r, s.catalog(), role == "recipient", now));
  }
  json body = {{"items", std::move(items)}};
  if (!page->next_cursor.empty()) body["next_cursor"] = page->next_cursor;
  co_return Response::json(200, body);
}

// A referral addressed to the caller and delivered to its system, with its payload.
struct Addressed {
  store::Referral referral;
  ReferralPayload payload;
};

// The referral of the path's {id} as an Addressed; or the answer to give instead.
asio::awaitable<std::variant<Addressed, Response>> load_for_recipient(const Services& s,
                                                                      RequestContext& ctx) {
  auto loaded = co_await load_visible(s, ctx, ctx.params["id"]);
  if (auto* resp = std::get_if<Response>(&loaded)) co_return std::move(*resp);
  auto& r = std::get<store::Referral>(loaded);
  if (r.recipient_agency != ctx.agency.id) {
    co_return Response::from_problem(problem(403, "forbidden", "Only the recipient may do this",
                                             "Your agency sent this referral; its recipient "
                                             "acknowledges it and decides on it."));
  }
  if (r.state == store::ReferralState::kReceived || r.state == store::ReferralState::kDead) {
    co_return conflict("The referral has not been delivered to your agency's system yet.");
  }
  auto p = ReferralPayload::parse(r.payload);
  if (!p) co_return Response::from_problem(problem_from_error(p.error()));
  co_return Addressed{std::move(r), std::move(*p)};
}

asio::awaitable<Response> acknowledge(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  Object o(issues, ctx.body, "");
  std::string actor;
  bool urgency_assessed = false;
  if (o.valid()) {
    actor = actor_field(o);
    urgency_assessed = o.boolean_or("urgency_assessed", false);
    o.no_other_keys();
  }
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto loaded = co_await load_for_recipient(s, ctx);
  if (auto* resp = std::get_if<Response>(&loaded)) co_return std::move(*resp);
  auto& addressed = std::get<Addressed>(loaded);
  const store::Referral& r = addressed.referral;
  const ReferralPayload& p = addressed.payload;
  const std::string id = r.id;
  if (r.state != store::ReferralState::kDelivered) {
    co_return conflict(
        fmt::format("The referral is {} already.", store::referral_state_name(r.state)));
  }

  auto event = referral_event(r, p, audit::EventType::kReferralAcknowledged, ctx.agency.id, actor,
                              r.sender_agency, "ok");
  if (!co_await audit_durably(s, std::move(event))) co_return audit_unavailable();
  const SysTime now = now_utc();
  auto met =
      urgency_assessed ? deadlines_met_by(r, s.catalog(), nullptr) : std::vector<std::string>{};
  store::ReferralAcknowledgement ack{now, actor};
  auto save = [id, ack, met](store::Store& st) { return st.acknowledge_referral(id, ack, met); };
  auto saved = co_await on_store(s, std::move(save));
  if (!saved) {
    if (saved.error().code == ErrorCode::kFailedPrecondition)
      co_return conflict(saved.error().message);
    co_return Response::from_problem(problem_from_error(saved.error()));
  }
  co_return Response::json(200, referral_json(*saved, s.catalog(), true, now));
}

asio::awaitable<Response> decide(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  Object o(issues, ctx.body, "");
  std::string actor;
  const DecisionOutcome* outcome = nullptr;
  std::string detail;
  if (o.valid()) {
    actor = actor_field(o);
    if (auto id = o.string("outcome", Need::kRequired)) {
      outcome = find_decision_outcome(*id);
      if (outcome == nullptr) issues.add("/outcome", "expected one of " + decision_outcome_ids());
    }
    if (const auto* d = o.any("detail")) {
      if (!d->is_object()) {
        issues.add("/detail", "expected an object (your agency's own record of the decision)");
      } else {
        detail = d->dump();
      }
    }
    o.no_other_keys();
  }
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto loaded = co_await load_for_recipient(s, ctx);
  if (auto* resp = std::get_if<Response>(&loaded)) co_return std::move(*resp);
  auto& addressed = std::get<Addressed>(loaded);
  const store::Referral& r = addressed.referral;
  const ReferralPayload& p = addressed.payload;
  const std::string id = r.id;
  const auto& catalog = s.catalog();
  const auto* kind = catalog.find_referral_kind(r.kind);

  // After assessment_started or urgent_action, the one later step is the completed assessment.
  const DecisionOutcome* earlier =
      r.decision ? find_decision_outcome(r.decision->outcome) : nullptr;
  const bool completing = r.state == store::ReferralState::kDecided &&
                          outcome->id == "assessment_completed" && earlier != nullptr &&
                          earlier->opens_assessment && !earlier->meets_completion;
  if (r.state == store::ReferralState::kDecided && !completing) {
    co_return conflict(
        "A decision was recorded already; after assessment_started or "
        "urgent_action only assessment_completed may follow.");
  }
  auto event = referral_event(r, p, audit::EventType::kReferralDecided, ctx.agency.id, actor,
                              r.sender_agency, std::string(outcome->id));
  if (!co_await audit_durably(s, std::move(event))) co_return audit_unavailable();

  const SysTime now = now_utc();
  auto met = deadlines_met_by(r, catalog, outcome);
  Result<store::Referral> saved = make_error(ErrorCode::kInternal, "");
  if (completing) {
    auto mark = [id, met, now](store::Store& st) { return st.mark_deadlines_met(id, met, now); };
    saved = co_await on_store(s, std::move(mark));
  } else {
    // Clocks that start when an assessment opens (SHL 35 § contacts) run from the receipt.
    std::vector<store::ReferralDeadline> opened;
    if (outcome->opens_assessment && kind != nullptr) {
      store::Referral opened_view;
      opened_view.deadlines = referral_deadlines(catalog, *kind, r.created_at, "assessment_opened");
      auto met_now = deadlines_met_by(opened_view, catalog, outcome);
      for (auto& d : opened_view.deadlines) {
        if (std::find(met_now.begin(), met_now.end(), d.name) != met_now.end()) d.met_at = now;
      }
      opened = std::move(opened_view.deadlines);
    }
    store::ReferralDecision d{now, actor, std::string(outcome->id), detail};
    auto record = [id, d, met, opened](store::Store& st) {
      return st.record_referral_decision(id, d, met, opened);
    };
    saved = co_await on_store(s, std::move(record));
  }
  if (!saved) {
    if (saved.error().code == ErrorCode::kFailedPrecondition)
      co_return conflict(saved.error().message);
    co_return Response::from_problem(problem_from_error(saved.error()));
  }
  co_return Response::json(200, referral_json(*saved, catalog, true, now));
}

}  // namespace

void add_referral_routes(Router& router, const Services& services) {
  const Services* s = &services;
  router.add(http::verb::post, "/v1/referrals", {Role::kAgency},
             idempotent(services, [s](RequestContext& ctx) { return submit(*s, ctx); }));
  router.add(http::verb::get, "/v1/referrals", {Role::kAgency},
             [s](RequestContext& ctx) { return list(*s, ctx); });
  router.add(http::verb::get, "/v1/referrals/{id}", {Role::kAgency},
             [s](RequestContext& ctx) { return get_one(*s, ctx); });
  router.add(http::verb::post, "/v1/referrals/{id}/acknowledge", {Role::kAgency},
             idempotent(services, [s](RequestContext& ctx) { return acknowledge(*s, ctx); }));
  router.add(http::verb::post, "/v1/referrals/{id}/decision", {Role::kAgency},
             idempotent(services, [s](RequestContext& ctx) { return decide(*s, ctx); }));
}

}  // namespace silta::gateway
