// Consents, permits and prohibitions recorded by an agency, with signed receipts. An agency
// sees and revokes only what it recorded; the decision engine weighs every consent of the
// subject, whoever recorded it.
#include "gateway/api/consent_receipt.h"
#include "gateway/api/idempotency.h"
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
                                const std::string& actor, const audit::Pseudonym& subject,
                                const std::string& agency) {
  audit::AuditEvent e;
  e.type = type;
  e.agency = agency;
  e.actor = actor;
  e.subject = subject.value;
  e.subject_key = subject.key_id;
  e.categories_requested = c.record.categories;
  if (c.record.purposes.size() == 1) e.purpose = c.record.purposes.front();
  e.consents = {c.record.id};
  e.reference = c.record.id;
  e.outcome = "ok";
  return e;
}

Response not_found() {
  return Response::from_problem(
      problem(404, "not-found", "Not found", "Your agency has recorded no consent with this id."));
}

Response audit_unavailable() {
  return Response::from_problem(problem(503, "audit-unavailable", "The audit log is unavailable",
                                        "Nothing was recorded. Retry later."));
}

asio::awaitable<Response> record(const Services& s, RequestContext& ctx) {
  const SysTime now = now_utc();
  json_check::Issues issues;
  auto in = parse_consent_input(ctx.body, s.catalog(), now, issues);
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
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
  auto seq =
      co_await audit_durably(s, consent_event(c, audit::EventType::kConsentRecorded,
                                              c.record.recorded_by_actor, subject, ctx.agency.id));
  if (!seq) co_return audit_unavailable();
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
  auto code = identity_code_param(ctx.query, "subject", true, issues);
  bool all = ctx.query.count("all") && ctx.query.at("all") == "true";
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  auto pseudonyms = s.pseudonyms->all_pseudonyms(code->normalised());
  const SysTime now = now_utc();
  const std::string agency = ctx.agency.id;
  auto list_recorded = [pseudonyms, all, now,
                        agency](store::Store& st) -> Result<std::vector<store::StoredConsent>> {
    std::vector<store::StoredConsent> out;
    for (const auto& p : pseudonyms) {
      store::ConsentQuery q{p.value, std::nullopt};
      if (!all) q.active_at = now;
      auto list = st.list_consents(q);
      if (!list) return list.error();
      for (auto& c : *list) {
        if (c.record.recorded_by_agency == agency) out.push_back(std::move(c));
      }
    }
    return out;
  };
  auto found = co_await read_store(s, std::move(list_recorded));
  if (!found) co_return Response::from_problem(problem_from_error(found.error()));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& c : *found) items.push_back(consent_json(c));
  co_return Response::json(200, {{"consents", std::move(items)}});
}

asio::awaitable<Response> get(const Services& s, RequestContext& ctx) {
  std::string id = ctx.params["id"];
  auto get_consent = [id](store::Store& st) { return st.get_consent(id); };
  auto found = co_await read_store(s, std::move(get_consent));
  if (!found) {
    if (found.error().code == ErrorCode::kNotFound) co_return not_found();
    co_return Response::from_problem(problem_from_error(found.error()));
  }
  if (found->record.recorded_by_agency != ctx.agency.id) co_return not_found();
  co_return Response::json(200, {{"consent", consent_json(*found)}});
}

asio::awaitable<Response> revoke(const Services& s, RequestContext& ctx) {
  const SysTime now = now_utc();
  json_check::Issues issues;
  auto revocation = parse_revocation(ctx.body, ctx.agency, now, issues);
  if (!issues.empty()) co_return Response::from_problem(validation_problem(issues));
  std::string id = ctx.params["id"];
  auto get_consent = [id](store::Store& st) { return st.get_consent(id); };
  auto found = co_await read_store(s, std::move(get_consent));
  if (!found) {
    if (found.error().code == ErrorCode::kNotFound) co_return not_found();
    co_return Response::from_problem(problem_from_error(found.error()));
  }
  if (found->record.recorded_by_agency != ctx.agency.id) co_return not_found();
  if (found->record.revoked) {
    co_return Response::from_problem(
        problem(409, "already-revoked", "Already revoked", "This consent was revoked before."));
  }
  store::StoredConsent revoked = *found;
  revoked.record.revoked = revocation;
  auto body = receipt_body(revoked, "consent-revoked", s.audit->origin(), now);
  std::string receipt = sign_receipt(*s.signer, body);
  auto seq = co_await audit_durably(
      s, consent_event(revoked, audit::EventType::kConsentRevoked, revocation.by_actor,
                       s.pseudonyms->pseudonymise(found->subject_identity_code), ctx.agency.id));
  if (!seq) co_return audit_unavailable();
  auto revoke_it = [id, revocation, receipt](store::Store& st) {
    return st.revoke_consent(id, revocation, receipt);
  };
  auto done = co_await on_store(s, std::move(revoke_it));
  if (!done) {
    if (done.error().code == ErrorCode::kFailedPrecondition) {
      co_return Response::from_problem(
          problem(409, "already-revoked", "Already revoked", "This consent was revoked before."));
    }
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
