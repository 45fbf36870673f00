// libFuzzer target: the recipient's steps on a referral, POST /v1/referrals/{id}/acknowledge and
// /decision, as the gateway reads them. Nothing may crash; issues are pointers without identity
// codes; a step read without issues has an actor the audit log accepts, and a decision's detail
// reads back as the object it was.
#include <cstdlib>

#include "tests/fuzz/request_fuzz_support.h"

using namespace silta;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::read_body(data, size);
  if (!in) return 0;
  json_check::Issues issues;
  audit::AuditEvent e;
  e.agency = "a-child_welfare";
  e.type = audit::EventType::kReferralAcknowledged;
  e.outcome = "ok";
  if (in->pick & 1) {
    auto d = gateway::parse_referral_decision(in->body, *fuzz::RequestWorld::get().catalog, issues);
    fuzz::check_issues(issues);
    if (!issues.empty()) return 0;
    if (d.outcome == nullptr) std::abort();
    if (!d.detail.empty()) {
      auto back = nlohmann::json::parse(d.detail, nullptr, false);
      if (!back.is_object() || back != in->body.at("detail")) std::abort();
    }
    e.type = audit::EventType::kReferralDecided;
    e.actor = d.actor.id;
    e.actor_role = d.actor.role;
    e.outcome = std::string(d.outcome->id);
  } else {
    auto a = gateway::parse_acknowledgement(in->body, *fuzz::RequestWorld::get().catalog, issues);
    fuzz::check_issues(issues);
    if (!issues.empty()) return 0;
    e.actor = a.actor.id;
    e.actor_role = a.actor.role;
  }
  fuzz::check_auditable(e);
  return 0;
}
