#include "gateway/api/routes.h"

#include "common/identity_scan.h"
#include "gateway/logging.h"

namespace silta::gateway {

void add_api_routes(Router& router, const Services& services) {
  add_identity_routes(router);
  add_catalog_routes(router, services);
  add_exchange_routes(router, services);
  add_consent_routes(router, services);
  add_referral_routes(router, services);
  add_audit_routes(router, services);
}

Response audit_failed(const Error& error, ProblemText detail) {
  if (error.code == ErrorCode::kInvalidArgument) {
    // The log's words name the field and the rule, never the value (audit/event.cc).
    logging::error("audit_record_refused", {{"error", error.message}});
    return Response::from_problem(problem_from_error(make_error(ErrorCode::kInternal, "")));
  }
  return Response::from_problem(problem(503, "audit-unavailable", detail));
}

Response engine_refused(const Error& error) {
  // The engine's words name the field and the rule (in English); they go in the field list.
  json_check::Issues issues;
  issues.add("", redact_identity_codes(error.message));
  return Response::from_problem(validation_problem(issues, ProblemText::kInvalid));
}

std::optional<Response> refuse_actor_role(const Services& s, const RequestContext& ctx,
                                          const Actor& actor) {
  if (actor.role.empty() || ctx.agency.may_assert(actor.role)) return std::nullopt;
  audit::AuditEvent e;
  e.type = audit::EventType::kAuthFailure;
  e.agency = ctx.agency.id;
  e.actor = actor.id;
  e.actor_role = actor.role;
  e.reference = std::string(ctx.path);
  e.outcome = "forbidden_actor_role";
  audit_in_background(s, std::move(e));
  auto p = problem(403, "forbidden", ProblemText::kActorRoleNotAllowed);
  p.errors.push_back(
      {"/actor/role",
       {"ei tehtävä, jossa organisaatiosi henkilöt saavat toimia (rekisterin actor_roles)",
        "inte en roll som personer i din organisation får agera i (registrets actor_roles)",
        "not a role your agency may assert (the registry's actor_roles)"}});
  return Response::from_problem(std::move(p));
}

Response list_failed(const Error& error) {
  if (error.code == ErrorCode::kInvalidArgument) {
    json_check::Issues issues;
    issues.add("?cursor",
               Texts{"cursor-arvo ei kuulu tähän luetteloon: anna next_cursor-arvo sellaisenaan",
                     "cursor-värdet hör inte till den här listan: ange next_cursor oförändrat",
                     "not a cursor of this list: pass next_cursor as it was given"});
    return Response::from_problem(validation_problem(issues));
  }
  return Response::from_problem(problem_from_error(error));
}

}  // namespace silta::gateway
