// libFuzzer target: POST /v1/exchanges and /v1/decisions as the gateway reads them (body parser,
// then parse_exchange, then the engine). Nothing may crash; issues are pointers without identity
// codes; a request read without issues is decided (or refused by the engine as a value), and its
// free text is what the audit log accepts.
#include <cstdlib>

#include "tests/fuzz/request_fuzz_support.h"

using namespace silta;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::read_body(data, size);
  if (!in) return 0;
  const auto& world = fuzz::RequestWorld::get();
  const auto& caller = world.caller(in->pick >> 1);
  const bool with_data = (in->pick & 1) != 0;  // /v1/exchanges; /v1/decisions without
  json_check::Issues issues;
  auto x = gateway::parse_exchange(in->body, caller, world.registry, *world.catalog, world.exchange,
                                   world.now, with_data, issues);
  fuzz::check_issues(issues);
  if (!issues.empty()) return 0;
  if (!x.subject.identity_code || x.target_agency == nullptr) std::abort();
  auto request = gateway::decision_request(x, caller, std::string(64, 'a'));
  auto decision = world.engine->decide(request, {}, world.now);
  if (decision) (void)policy::decision_to_json(*decision).dump();

  audit::AuditEvent e;
  e.type = audit::EventType::kDecision;
  e.agency = caller.id;
  e.actor = x.actor.id;
  e.actor_role = x.actor.role;
  e.target = x.target;
  e.purpose = x.purpose;
  e.categories_requested = x.categories;
  e.justification = x.justification;
  e.reference = x.case_reference;
  e.outcome = "decided";
  fuzz::check_auditable(e);
  return 0;
}
