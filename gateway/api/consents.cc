// Consents, permits and prohibitions, with signed receipts. Only a party to a consent records
// it: an agency named, by its kind or its id, on the holder side (from_kinds, from_agencies) or
// the recipient side (to_kinds, to_agencies). Every party, and the agency that recorded it, sees
// and revokes it; the decision engine weighs every consent of the subject in force.
#include <algorithm>
#include <variant>

#include "gateway/api/consent_receipt.h"
#include "gateway/api/idempotency.h"
#include "gateway/api/query.h"
#include "gateway/api/receipts.h"
#include "gateway/api/requests.h"
#include "gateway/api/routes.h"
#include "policy/consent_json.h"

namespace silta::gateway {

namespace asio = boost::asio;

namespace {

nlohmann::json consent_json(const store::StoredConsent& c) {
  auto j = policy::consent_to_json(c.record);
  j["status"] = store::consent_status_name(c.status);
  j["receipt"] = c.receipt;
  if (!c.revocation_receipt.empty()) j["revocation_receipt"] = c.revocation_receipt;
  return j;
}

audit::AuditEvent consent_event(const store::StoredConsent& c, audit::EventType type,
                                const Actor& actor, const audit::Pseudonym& subject,
                                const std::string& agency) {
  audit::AuditEvent e;
  e.type = type;
  e.agency = agency;
  e.actor = actor.id;
  e.actor_role = actor.role;
  e.subject = subject.value;
  e.subject_key = subject.key_id;
  e.categories_requested = c.record.categories;
  if (c.record.purposes.size() == 1) e.purpose = c.record.purposes.front();
  e.consents = {c.record.id};
  e.reference = c.record.id;
  e.outcome = "ok";
  return e;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Whether `agency` is named on either side of `c`, by kind or id. An empty side stands for any
// agency and names no one: otherwise anyone could record a consent "from anyone to anyone".
bool is_party(const policy::ConsentRecord& c, const Agency& agency) {
  return contains(c.from_kinds, agency.kind) || contains(c.from_agencies, agency.id) ||
         contains(c.to_kinds, agency.kind) || contains(c.to_agencies, agency.id);
}

bool may_see(const store::StoredConsent& c, const Agency& agency) {
  return c.record.recorded_by_agency == agency.id || is_party(c.record, agency);
}

Response not_found() {
  return Response::from_problem(problem(404, "not-found", ProblemText::kConsentNotFound));
}

Response not_a_party(const Agency& agency) {
  return Response::from_problem(
      problem(403, "forbidden", problem_text(ProblemText::kNotAPartyToConsent, {agency.kind})));
}

Response already_revoked() {
  return Response::from_problem(
      problem(409, "already-revoked", ProblemText::kConsentRevokedBefore));
}

constexpr ProblemText kNothingRecorded = ProblemText::kNothingRecorded;

asio::awaitable<Response> record(const Services& s, RequestContext& ctx) {
  const SysTime now = now_utc();
  json_check::Issues issues;
  no_query_params(ctx, issues);
  auto in = parse_consent_input(ctx.body, s.catalog(), s.config->registry, now, issues);
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  if (auto refused = refuse_actor_role(s, ctx, in.actor)) co_return std::move(*refused);
  if (!is_party(in.record, ctx.agency)) co_return not_a_party(ctx.agency);
  store::StoredConsent c;
  c.record = std::move(in.record);
  c.record.id = new_id("c-");
  auto subject = s.pseudonyms->pseudonymise(in.subject.identity_code->normalised());
  c.record.subject_pseudonym = subject.value;
  for (std::size_t i = 0; i < in.grantors.size(); ++i) {
    c.record.granted_by[i].person_pseudonym =
        s.pseudonyms->pseudonymise(in.grantors[i].normalised()).value;
    c.grantor_identity_codes.push_back(in.grantors[i].normalised());
  }
  c.subject_identity_code = in.subject.identity_code->normalised();
  c.record.recorded_by_agency = ctx.agency.id;
  c.record.recorded_at = now;
  auto body = receipt_body(c, "consent-recorded", s.audit->origin(), now);
  c.receipt = sign_receipt(*s.signer, body);

  // Durable in the audit log first: a consent that exists without its audit record would be
  // invisible to the privacy officer.
  auto seq = co_await audit_durably(
      s, consent_event(c, audit::EventType::kConsentRecorded, in.actor, subject, ctx.agency.id));
  if (!seq) co_return audit_failed(seq.error(), kNothingRecorded);
  auto create = [c](store::Store& st) { return st.create_consent(c); };
  auto created = co_await on_store(s, std::move(create));
  if (!created) co_return Response::from_problem(problem_from_error(created.error()));
  auto j = consent_json(c);
  co_return Response::json(
      201,
      {{"consent", std::move(j)},
       {"receipt", {{"note", c.receipt}, {"body", body}}},
       {"audit",
        {{"origin", s.audit->origin()}, {"seq", *seq}, {"receipts", audit_receipts(s, {*seq})}}}});
}

asio::awaitable<Response> list(const Services& s, RequestContext& ctx) {
  json_check::Issues issues;
  QueryParams query(ctx.query, issues);
  auto code = query.identity_code("subject", json_check::Need::kRequired);
  bool all = query.boolean("all").value_or(false);
  query.no_other_params();
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto pseudonyms = s.pseudonyms->all_pseudonyms(code->normalised());
  const SysTime now = now_utc();
  auto list_all = [pseudonyms, all,
                   now](store::Store& st) -> Result<std::vector<store::StoredConsent>> {
    std::vector<store::StoredConsent> out;
    for (const auto& p : pseudonyms) {
      store::ConsentQuery q{p.value, std::nullopt};
      if (!all) q.active_at = now;
      auto list = st.list_consents(q);
      if (!list) return list.error();
      for (auto& c : *list) out.push_back(std::move(c));
    }
    return out;
  };
  // A subject has a handful of consents: the store reads them all, the parties are told apart
  // here.
  auto found = co_await read_store(s, std::move(list_all));
  if (!found) co_return Response::from_problem(problem_from_error(found.error()));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& c : *found) {
    if (may_see(c, ctx.agency)) items.push_back(consent_json(c));
  }
  co_return Response::json(200, {{"consents", std::move(items)}});
}

// The consent of the path's {id} if the caller may see it; or the answer to give instead.
asio::awaitable<std::variant<store::StoredConsent, Response>> load_visible(const Services& s,
                                                                           RequestContext& ctx) {
  std::string id = ctx.params["id"];
  auto get_consent = [id](store::Store& st) { return st.get_consent(id); };
  auto found = co_await read_store(s, std::move(get_consent));
  if (!found) {
    if (found.error().code == ErrorCode::kNotFound) co_return not_found();
    co_return Response::from_problem(problem_from_error(found.error()));
  }
  if (!may_see(*found, ctx.agency)) co_return not_found();
  co_return std::move(*found);
}

asio::awaitable<Response> get(const Services& s, RequestContext& ctx) {
  if (auto refused = refuse_query_params(ctx)) co_return std::move(*refused);
  auto loaded = co_await load_visible(s, ctx);
  if (auto* resp = std::get_if<Response>(&loaded)) co_return std::move(*resp);
  co_return Response::json(200,
                           {{"consent", consent_json(std::get<store::StoredConsent>(loaded))}});
}

asio::awaitable<Response> revoke(const Services& s, RequestContext& ctx) {
  const SysTime now = now_utc();
  json_check::Issues issues;
  no_query_params(ctx, issues);
  auto in = parse_revocation(ctx.body, ctx.agency, s.catalog(), now, issues);
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  if (auto refused = refuse_actor_role(s, ctx, in.actor)) co_return std::move(*refused);
  const policy::ConsentRevocation& revocation = in.revocation;
  auto loaded = co_await load_visible(s, ctx);
  if (auto* resp = std::get_if<Response>(&loaded)) co_return std::move(*resp);
  const auto& found = std::get<store::StoredConsent>(loaded);
  const std::string id = found.record.id;
  if (found.record.revoked) co_return already_revoked();
  store::StoredConsent revoked = found;
  revoked.record.revoked = revocation;
  auto body = receipt_body(revoked, "consent-revoked", s.audit->origin(), now);
  std::string receipt = sign_receipt(*s.signer, body);
  auto seq = co_await audit_durably(
      s, consent_event(revoked, audit::EventType::kConsentRevoked, in.actor,
                       s.pseudonyms->pseudonymise(found.subject_identity_code), ctx.agency.id));
  if (!seq) co_return audit_failed(seq.error(), kNothingRecorded);
  auto revoke_it = [id, revocation, receipt](store::Store& st) {
    return st.revoke_consent(id, revocation, receipt);
  };
  auto done = co_await on_store(s, std::move(revoke_it));
  if (!done) {
    if (done.error().code == ErrorCode::kFailedPrecondition) co_return already_revoked();
    co_return Response::from_problem(problem_from_error(done.error()));
  }
  co_return Response::json(
      200,
      {{"consent", consent_json(*done)},
       {"receipt", {{"note", receipt}, {"body", body}}},
       {"audit",
        {{"origin", s.audit->origin()}, {"seq", *seq}, {"receipts", audit_receipts(s, {*seq})}}}});
}

}  // namespace

void add_consent_routes(Router& router, const Services& services) {
  const Services* s = &services;
  router.add(http::verb::post, "/v1/consents", {Role::kAgency},
             idempotent(services, [s](RequestContext& ctx) { return record(*s, ctx); }));
  router.add(http::verb::get, "/v1/consents", {Role::kAgency},
             [s](RequestContext& ctx) { return list(*s, ctx); });
  router.add(http::verb::get, "/v1/consents/{id}", {Role::kAgency},
             [s](RequestContext& ctx) { return get(*s, ctx); });
  router.add(http::verb::post, "/v1/consents/{id}/revoke", {Role::kAgency},
             idempotent(services, [s](RequestContext& ctx) { return revoke(*s, ctx); }));
}

}  // namespace silta::gateway
