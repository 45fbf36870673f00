// libFuzzer target: POST /v1/referrals as the gateway reads it (body parser, parse_referral, the
// engine on the kind's own bases). Nothing may crash; issues are pointers without identity codes;
// a referral read without issues is decided and its actor is what the audit log accepts.
#include <cstdlib>

#include "tests/fuzz/request_fuzz_support.h"

using namespace silta;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::read_body(data, size);
  if (!in) return 0;
  const auto& world = fuzz::RequestWorld::get();
  const auto& caller = world.caller(in->pick);
  json_check::Issues issues;
  auto r = gateway::parse_referral(in->body, caller, world.registry, *world.catalog, issues);
  fuzz::check_issues(issues);
  if (!issues.empty()) return 0;
  if (!r.subject.identity_code || r.kind == nullptr || r.recipient_agency == nullptr) std::abort();
  auto decision = world.engine->decide(gateway::decision_request(r, caller, std::string(64, 'b')),
                                       {}, world.now);
  if (decision) (void)policy::decision_to_json(*decision).dump();
  (void)r.fields.dump();
  (void)r.data.dump();

  audit::AuditEvent e;
  e.type = audit::EventType::kReferralSent;
  e.agency = caller.id;
  e.actor = r.actor.id;
  e.actor_role = r.actor.role;
  e.target = r.recipient;
  e.purpose = r.kind->purpose;
  e.categories_requested = r.categories;
  e.outcome = "accepted";
  fuzz::check_auditable(e);
  return 0;
}
