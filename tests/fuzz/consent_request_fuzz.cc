// libFuzzer target: POST /v1/consents as the gateway reads it (body parser, parse_consent_input),
// and the same document through the consent reader of decision test files (policy
// parse_consent) and the store's form. Nothing may crash; issues are pointers without identity
// codes; a consent read without issues has free text the audit log accepts, and its JSON forms
// read back to the same record.
#include <cstdlib>

#include "policy/consent_json.h"
#include "store/consent_json.h"
#include "tests/fuzz/request_fuzz_support.h"

using namespace silta;

namespace {

// The API's JSON form and the store's form read back to the record.
void round_trip(const policy::ConsentRecord& c) {
  json_check::Issues issues;
  auto again =
      policy::parse_consent(policy::consent_to_json(c), issues, "", c.subject_pseudonym, nullptr);
  fuzz::check_issues(issues);
  if (!issues.empty() || policy::consent_to_json(again) != policy::consent_to_json(c)) {
    std::abort();
  }
  auto stored = store::consent_from_document(store::consent_document(c));
  if (!stored || store::consent_document(*stored) != store::consent_document(c)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::read_body(data, size);
  if (!in) return 0;
  const auto& world = fuzz::RequestWorld::get();

  json_check::Issues test_file_issues;
  auto as_test_file = policy::parse_consent(in->body, test_file_issues, "", std::string(64, 'c'),
                                            world.catalog.get());
  fuzz::check_issues(test_file_issues, false);
  if (test_file_issues.empty()) round_trip(as_test_file);

  json_check::Issues issues;
  auto c =
      gateway::parse_consent_input(in->body, *world.catalog, world.registry, world.now, issues);
  fuzz::check_issues(issues);
  if (!issues.empty()) return 0;
  if (!c.subject.identity_code || c.grantors.size() != c.record.granted_by.size()) std::abort();
  c.record.id = "c-fuzz";
  c.record.subject_pseudonym = std::string(64, 'c');
  c.record.recorded_by_agency = "a-school";
  c.record.recorded_at = world.now;
  round_trip(c.record);

  audit::AuditEvent e;
  e.type = audit::EventType::kConsentRecorded;
  e.agency = "a-school";
  e.actor = c.record.recorded_by_actor;
  e.actor_role = c.actor.role;
  e.categories_requested = c.record.categories;
  e.consents = {c.record.id};
  e.outcome = "ok";
  fuzz::check_auditable(e);
  return 0;
}
