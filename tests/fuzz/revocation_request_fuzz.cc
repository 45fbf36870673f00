// libFuzzer target: POST /v1/consents/{id}/revoke as the gateway reads it. Nothing may crash;
// issues are pointers without identity codes; a revocation read without issues has free text
// the audit log and the receipt accept.
#include <cstdlib>

#include "common/identity_scan.h"
#include "tests/fuzz/request_fuzz_support.h"

using namespace silta;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::read_body(data, size);
  if (!in) return 0;
  const auto& world = fuzz::RequestWorld::get();
  const auto& caller = world.caller(in->pick);
  json_check::Issues issues;
  auto in_r = gateway::parse_revocation(in->body, caller, *world.catalog, world.now, issues);
  const auto& r = in_r.revocation;
  fuzz::check_issues(issues);
  if (!issues.empty()) return 0;
  if (r.by_agency != caller.id || contains_identity_code(r.reason) ||
      contains_identity_code(r.channel)) {
    std::abort();
  }
  audit::AuditEvent e;
  e.type = audit::EventType::kConsentRevoked;
  e.agency = caller.id;
  e.actor = r.by_actor;
  e.actor_role = in_r.actor.role;
  e.outcome = "ok";
  fuzz::check_auditable(e);
  return 0;
}
