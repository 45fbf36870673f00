// Referrals: a child welfare report (lastensuojeluilmoitus, LSL 25 §), an SHL 35 § contact, a
// pre-birth report, a report to the police. In order: validate → decide on the kind's own bases
// (all or nothing) → audit the referral, durable → store it, encrypted, durable → 202. The
// worker (gateway/referral_worker.cc) delivers it; the recipient acknowledges and decides, and
// the statutory clocks run in Finnish working days (docs/referrals.md).
#include <functional>
#include <optional>
#include <variant>

#include <fmt/format.h>

#include "common/codec.h"
#include "gateway/api/idempotency.h"
#include "gateway/api/query.h"
#include "gateway/api/receipts.h"
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

constexpr ProblemText kNothingSent = ProblemText::kNothingSent;

Response not_found() {
  return Response::from_problem(problem(404, "not-found", ProblemText::kReferralNotFound));
}

Response conflict(Texts detail) {
  return Response::from_problem(problem(409, "referral-state", std::move(detail)));
}

Response key_reused() {
  return Response::from_problem(
      problem(409, "idempotency-key-reused", ProblemText::kIdempotencyKeyReused));
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

// The `referral-sent` record, with its receipt.
nlohmann::json sent_refs(const Services& s, const ReferralPayload& p, std::uint64_t seq) {
  return {{"origin", p.audit_origin},
          {"referral_sent_seq", seq},
          {"receipts", audit_receipts(s, {seq})}};
}

// `decision` in `lang`, the language of the answer.
Response accepted(const Services& s, const store::Referral& r, const ReferralPayload& p,
                  nlohmann::json decision, Lang lang) {
  auto response = Response::json(
      202, {{"referral", referral_json(r, s.catalog(), ReferralView::kSender, now_utc(), lang)},
            {"decision", std::move(decision)},
            {"audit", sent_refs(s, p, p.audit_seq)}});
  response.headers.emplace_back("Location", "/v1/referrals/" + r.id);
  return response;
}

// The answer to a retried request whose referral is stored already.
Response replay(const Services& s, const store::Referral& r, const std::string& request_hash) {
  if (r.request_hash != request_hash) return key_reused();
  auto p = ReferralPayload::parse(r.payload);
  if (!p) return Response::from_problem(problem_from_error(p.error()));
  // The decision was stored in the deployment's language (payload_of): all of it in that one.
  Response answer = accepted(s, r, *p, p->decision, s.config->language);
  answer.in_request_language = false;
  return answer;
}

audit::AuditEvent referral_event(const store::Referral& r, const ReferralPayload& p,
                                 audit::EventType type, const std::string& agency,
                                 const Actor& actor, const std::string& target,
                                 std::string outcome) {
  audit::AuditEvent e;
  e.type = type;
  e.agency = agency;
  e.actor = actor.id;
  e.actor_role = actor.role;
  e.subject = r.subject_pseudonym;
  e.subject_key = p.subject_key;
  e.target = target;
  e.reference = r.id;
  e.outcome = std::move(outcome);
  return e;
}

// The request read and checked; a referral must also have a system to be delivered to.
ReferralInput parse_deliverable(const Services& s, const RequestContext& ctx,
                                json_check::Issues& issues) {
  auto in = parse_referral(ctx.body, ctx.agency, s.config->registry, s.catalog(), issues);
  if (in.recipient_agency != nullptr && !in.recipient_agency->receives_referrals) {
    auto q = "\"" + in.recipient + "\"";
    issues.add("/recipient",
               Texts{q + " ei vastaanota ilmoituksia (rekisterin mukaan); lähetä ilmoitus "
                         "organisaatiolle, joka käsittelee ne",
                     q + " tar inte emot anmälningar (enligt registret); skicka anmälan till den "
                         "organisation som handlägger dem",
                     q + " receives no referrals (the registry says so); send it to the agency "
                         "that handles them"});
  } else if (in.recipient_agency != nullptr && s.adapters->find(in.recipient) == nullptr) {
    auto q = "\"" + in.recipient + "\"";
    issues.add("/recipient", Texts{"organisaation " + q +
                                       " tietojärjestelmää ei ole liitetty tähän yhdyskäytävään, "
                                       "joten organisaatiolle ei voi toimittaa ilmoituksia",
                                   "inget informationssystem hos " + q +
                                       " är anslutet till gatewayn, så anmälningar "
                                       "till organisationen kan inte levereras",
                                   "no agency system of " + q +
                                       " is connected to this gateway; referrals to "
                                       "it cannot be delivered"});
  }
  return in;
}

// With an Idempotency-Key, the answer to a retry whose referral is stored already.
asio::awaitable<std::optional<Response>> stored_answer(const Services& s, const std::string& id,
                                                       const std::string& request_hash) {
  auto find = [id](store::Store& st) { return st.get_referral(id); };
  auto existing = co_await read_store(s, std::move(find));
  if (existing) co_return replay(s, *existing, request_hash);
  if (existing.error().code != ErrorCode::kNotFound) {
    co_return Response::from_problem(problem_from_error(existing.error()));
  }
  co_return std::nullopt;
}

// What the recipient's system will get: the granted categories' records and the fields.
ReferralPayload payload_of(const Services& s, const ReferralInput& in,
                           const policy::Decision& decision, const std::string& code,
                           const audit::Pseudonym& subject) {
  ReferralPayload p;
  p.identity_code = code;
  p.subject_key = subject.key_id;
  p.actor = in.actor.id;
  p.urgent = in.fields.value("urgent", false);
  p.fields = in.fields;
  // The recipient's staff read it: in the deployment's language.
  p.decision = policy::decision_to_json(decision, s.config->language);
  p.audit_origin = s.audit->origin();
  for (const auto& c : decision.categories) {
    if (c.outcome != policy::Outcome::kGranted) continue;
    if (p.basis.empty() && c.basis != nullptr) p.basis = c.basis->id;
    if (auto it = in.data.find(c.category->id); it != in.data.end()) p.data[it.key()] = *it;
  }
  return p;
}

// The referral-sent record: accepted when every category may move, otherwise denied and
// nothing moves.
audit::AuditEvent sent_event(const Services& s, const RequestContext& ctx, const ReferralInput& in,
                             const policy::Decision& decision, const audit::Pseudonym& subject,
                             const std::string& id, const std::string& request_hash,
                             const ReferralPayload& p) {
  const auto& catalog = s.catalog();
  const bool all = decision.all_granted();
  audit::AuditEvent sent;
  sent.type = audit::EventType::kReferralSent;
  sent.agency = ctx.agency.id;
  sent.actor = in.actor.id;
  sent.actor_role = in.actor.role;
  sent.subject = subject.value;
  sent.subject_key = subject.key_id;
  sent.target = in.recipient;
  sent.purpose = in.kind->purpose;
  sent.categories_requested = in.categories;
  describe_decision(decision, sent);
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
  return sent;
}

Response referral_denied(const Services& s, const ReferralPayload& p, nlohmann::json decision,
                         std::uint64_t seq) {
  auto problem_doc = problem(403, "denied", ProblemText::kReferralDenied);
  problem_doc.extensions = {{"decision", std::move(decision)}, {"audit", sent_refs(s, p, seq)}};
  return Response::from_problem(problem_doc);
}

// Stores the accepted referral in the outbox and wakes the worker; a concurrent retry with the
// same key finds the one stored first.
asio::awaitable<Response> enqueue(const Services& s, store::NewReferral n, const ReferralPayload& p,
                                  nlohmann::json decision, Lang lang) {
  const std::string request_hash = n.request_hash;
  auto put = [n = std::move(n)](store::Store& st) { return st.enqueue_referral(n); };
  auto stored = co_await on_store(s, std::move(put));
  if (!stored) {
    if (stored.error().code == ErrorCode::kConflict) co_return key_reused();
    co_return Response::from_problem(problem_from_error(stored.error()));
  }
  if (!stored->created) co_return replay(s, stored->referral, request_hash);
  if (s.referral_worker != nullptr) s.referral_worker->wake();
  co_return accepted(s, stored->referral, p, std::move(decision), lang);
}

asio::awaitable<Response> submit(const Services& s, RequestContext& ctx) {
  const SysTime now = now_utc();
  json_check::Issues issues;
  no_query_params(ctx, issues);
  auto in = parse_deliverable(s, ctx, issues);
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  if (auto refused = refuse_actor_role(s, ctx, in.actor)) co_return std::move(*refused);

  const std::string id = referral_id(ctx);
  const std::string key = idempotency_key(ctx);
  const std::string request_hash = sha256_hex(ctx.request.body());
  if (!key.empty()) {
    auto answer = co_await stored_answer(s, id, request_hash);
    if (answer) co_return std::move(*answer);
  }

  const std::string code = in.subject.identity_code->normalised();
  auto subject = s.pseudonyms->pseudonymise(code);
  auto consents = co_await active_consents(s, code, subject, now);
  if (!consents) co_return Response::from_problem(problem_from_error(consents.error()));
  auto decision = s.engine->decide(decision_request(in, ctx.agency, subject.value), *consents, now);
  if (!decision) co_return engine_refused(decision.error());

  // A referral moves whole or not at all: the reporter must know that part of it did not go.
  ReferralPayload p = payload_of(s, in, *decision, code, subject);
  const bool all = decision->all_granted();
  auto seq =
      co_await audit_durably(s, sent_event(s, ctx, in, *decision, subject, id, request_hash, p));
  if (!seq) co_return audit_failed(seq.error(), kNothingSent);
  s.metrics->add("silta_referrals_total",
                 {{"kind", in.kind->id}, {"outcome", all ? "accepted" : "denied"}});
  if (!all) co_return referral_denied(s, p, policy::decision_to_json(*decision, ctx.lang), *seq);
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
  n.deadlines = referral_deadlines(s.catalog(), *in.kind, now, "always");
  n.received_at = now;
  co_return co_await enqueue(s, std::move(n), p, policy::decision_to_json(*decision, ctx.lang),
                             ctx.lang);
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
  if (auto refused = refuse_query_params(ctx)) co_return std::move(*refused);
  auto loaded = co_await load_visible(s, ctx, ctx.params["id"]);
  if (auto* resp = std::get_if<Response>(&loaded)) co_return std::move(*resp);
  const auto& r = std::get<store::Referral>(loaded);
  bool recipient = r.recipient_agency == ctx.agency.id;
  co_return Response::json(
      200,
      referral_json(r, s.catalog(), recipient ? ReferralView::kRecipient : ReferralView::kSender,
                    now_utc(), ctx.lang));
}

asio::awaitable<Response> list(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  QueryParams query(ctx.query, issues);
  store::ReferralQuery q;
  std::string role = query.text("role").value_or("recipient");
  if (role == "recipient") {
    q.recipient_agency = ctx.agency.id;
  } else if (role == "sender") {
    q.sender_agency = ctx.agency.id;
  } else {
    issues.add(
        "?role",
        Texts{"odotettiin arvoa \"recipient\" (organisaatiollesi tulleet ilmoitukset) tai "
              "\"sender\"",
              "förväntade \"recipient\" (anmälningar till din organisation) eller \"sender\"",
              "expected \"recipient\" (referrals to your agency) or \"sender\""});
  }
  if (auto state = query.text("state")) {
    q.state = store::parse_referral_state(*state);
    if (!q.state) {
      issues.add("?state",
                 json_check::expected_one_of("received, delivered, acknowledged, decided, dead"));
    }
  }
  const SysTime now = now_utc();
  if (query.boolean("overdue").value_or(false)) q.overdue_at = now;
  q.cursor = query.text("cursor", json_check::Need::kOptional, {}, kReferenceRule).value_or("");
  q.limit = query.number("limit", json_check::Need::kOptional, kMaxPage).value_or(100);
  query.no_other_params();
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto list_page = [q](store::Store& st) { return st.list_referrals(q); };
  auto page = co_await read_store(s, std::move(list_page));
  if (!page) co_return list_failed(page.error());
  json items = json::array();
  for (const auto& r : page->items) {
    items.push_back(referral_json(
        r, s.catalog(), role == "recipient" ? ReferralView::kRecipient : ReferralView::kSender, now,
        ctx.lang));
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
    co_return Response::from_problem(problem(403, "forbidden", ProblemText::kOnlyRecipient));
  }
  if (r.state == store::ReferralState::kReceived || r.state == store::ReferralState::kDead) {
    co_return conflict(problem_text(ProblemText::kReferralNotDelivered));
  }
  auto p = ReferralPayload::parse(r.payload);
  if (!p) co_return Response::from_problem(problem_from_error(p.error()));
  co_return Addressed{std::move(r), std::move(*p)};
}

// Records a recipient's step on its referral: audited, durable, first; then `save` stores it.
template <typename Save>
asio::awaitable<Response> record_step(const Services& s, const RequestContext& ctx,
                                      const Addressed& addressed, const Actor& actor,
                                      audit::EventType type, std::string outcome, Save save,
                                      SysTime now) {
  const store::Referral& r = addressed.referral;
  auto event = referral_event(r, addressed.payload, type, ctx.agency.id, actor, r.sender_agency,
                              std::move(outcome));
  auto seq = co_await audit_durably(s, std::move(event));
  if (!seq) co_return audit_failed(seq.error(), kNothingSent);
  auto saved = co_await on_store(s, std::move(save));
  if (!saved) {
    if (saved.error().code == ErrorCode::kFailedPrecondition) {
      co_return conflict(problem_text(ProblemText::kReferralStateChanged));
    }
    co_return Response::from_problem(problem_from_error(saved.error()));
  }
  auto body = referral_json(*saved, s.catalog(), ReferralView::kRecipient, now, ctx.lang);
  body["audit"] = {
      {"origin", s.audit->origin()}, {"seq", *seq}, {"receipts", audit_receipts(s, {*seq})}};
  co_return Response::json(200, std::move(body));
}

asio::awaitable<Response> acknowledge(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  no_query_params(ctx, issues);
  auto in = parse_acknowledgement(ctx.body, s.catalog(), issues);
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  if (auto refused = refuse_actor_role(s, ctx, in.actor)) co_return std::move(*refused);
  auto loaded = co_await load_for_recipient(s, ctx);
  if (auto* resp = std::get_if<Response>(&loaded)) co_return std::move(*resp);
  const auto& addressed = std::get<Addressed>(loaded);
  const store::Referral& r = addressed.referral;
  if (r.state != store::ReferralState::kDelivered) {
    co_return conflict(
        problem_text(ProblemText::kReferralHandledAlready, {store::referral_state_name(r.state)}));
  }
  const SysTime now = now_utc();
  auto met =
      in.urgency_assessed ? deadlines_met_by(r, s.catalog(), nullptr) : std::vector<std::string>{};
  store::ReferralAcknowledgement ack{now, in.actor.id};
  auto save = [id = r.id, ack, met](store::Store& st) {
    return st.acknowledge_referral(id, ack, met);
  };
  co_return co_await record_step(s, ctx, addressed, in.actor,
                                 audit::EventType::kReferralAcknowledged, "ok", std::move(save),
                                 now);
}

// The deadlines that open with an assessment (SHL 35 § contacts), counted from the receipt,
// those that `outcome` meets marked met at `now`.
std::vector<store::ReferralDeadline> opened_deadlines(const policy::Catalog& catalog,
                                                      const policy::ReferralKind& kind,
                                                      const store::Referral& r,
                                                      const DecisionOutcome* outcome, SysTime now) {
  store::Referral opened;
  opened.deadlines = referral_deadlines(catalog, kind, r.created_at, "assessment_opened");
  auto met_now = deadlines_met_by(opened, catalog, outcome);
  for (auto& d : opened.deadlines) {
    if (std::find(met_now.begin(), met_now.end(), d.name) != met_now.end()) d.met_at = now;
  }
  return std::move(opened.deadlines);
}

asio::awaitable<Response> decide(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  no_query_params(ctx, issues);
  auto in = parse_referral_decision(ctx.body, s.catalog(), issues);
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  if (auto refused = refuse_actor_role(s, ctx, in.actor)) co_return std::move(*refused);
  auto loaded = co_await load_for_recipient(s, ctx);
  if (auto* resp = std::get_if<Response>(&loaded)) co_return std::move(*resp);
  const auto& addressed = std::get<Addressed>(loaded);
  const store::Referral& r = addressed.referral;
  const auto& catalog = s.catalog();
  const DecisionOutcome* outcome = in.outcome;

  // After assessment_started or urgent_action, the one later step is the completed assessment.
  const DecisionOutcome* earlier =
      r.decision ? find_decision_outcome(r.decision->outcome) : nullptr;
  const bool completing = r.state == store::ReferralState::kDecided &&
                          outcome->id == "assessment_completed" && earlier != nullptr &&
                          earlier->opens_assessment && !earlier->meets_completion;
  if (r.state == store::ReferralState::kDecided && !completing) {
    co_return conflict(problem_text(ProblemText::kDecisionRecordedAlready));
  }
  const SysTime now = now_utc();
  auto met = deadlines_met_by(r, catalog, outcome);
  std::function<Result<store::Referral>(store::Store&)> save;
  if (completing) {
    save = [id = r.id, met, now](store::Store& st) { return st.mark_deadlines_met(id, met, now); };
  } else {
    std::vector<store::ReferralDeadline> opened;
    const auto* kind = catalog.find_referral_kind(r.kind);
    if (outcome->opens_assessment && kind != nullptr) {
      opened = opened_deadlines(catalog, *kind, r, outcome, now);
    }
    store::ReferralDecision d{now, in.actor.id, std::string(outcome->id), in.detail};
    save = [id = r.id, d, met, opened](store::Store& st) {
      return st.record_referral_decision(id, d, met, opened);
    };
  }
  co_return co_await record_step(s, ctx, addressed, in.actor, audit::EventType::kReferralDecided,
                                 std::string(outcome->id), std::move(save), now);
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
