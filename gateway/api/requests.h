// Reading the API's request bodies into the domain's terms, reporting every problem with its
// JSON Pointer (answered as one problem+json with an `errors` list). The fields that reach the
// audit log or a receipt are checked here by the rules the audit record applies (so that a
// caller's mistake is a 400 at its pointer, never a record the log refuses and a 503).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_check.h"
#include "common/time.h"
#include "gateway/config.h"
#include "gateway/referral_rules.h"
#include "gateway/registry.h"
#include "policy/catalog.h"
#include "policy/consent.h"
#include "policy/engine.h"
#include "policy/identity_code.h"

namespace silta::gateway {

// The text rules of fields that reach the audit log (whose records take at most 256 bytes in a
// field and 4 000 in a justification, docs/formats/audit-log.md) or a consent receipt.
// "actor" (and ?actor=): the acting person's user id at the calling agency (ATL 10 §).
inline constexpr json_check::TextRule kActorRule{.min_bytes = 1, .max_bytes = 200};
// "actor": {"role"}: a catalog role id (at most 64 characters, as every catalog id).
inline constexpr json_check::TextRule kActorRoleRule{.min_bytes = 1, .max_bytes = 64};
// The necessity or break-glass justification.
inline constexpr json_check::TextRule kJustificationRule{.max_bytes = 4000, .line_breaks = true};
// Short references and ids: case_reference, assessed_by, a revocation's channel, cited ids.
inline constexpr json_check::TextRule kReferenceRule{.max_bytes = 200};
// Longer notes: a revocation's reason, a review note.
inline constexpr json_check::TextRule kNoteRule{.max_bytes = 4000, .line_breaks = true};
// The persons who gave one consent (the person, guardians, a legal representative): the engine
// compares them pairwise.
inline constexpr std::size_t kMaxGrantors = 8;

// The person the request is about.
struct SubjectInput {
  std::optional<policy::IdentityCode> identity_code;
  std::optional<bool> capable;   // a recorded assessment of the minor's capability
  std::optional<int> guardians;  // number of guardians, when known
  bool turvakielto = false;      // the address is protected (661/2009 36 §)
};

// The acting person at the calling agency: "actor": {"id": "sw-maija", "role": "social_worker"}.
// The older form, the user id as a bare string ("actor": "sw-maija"), is still read, as an actor
// who states no role: a basis that requires a role then denies (docs/api.md, "The actor").
struct Actor {
  std::string id;    // their unique user id at the agency (ATL 10 §), for the use log
  std::string role;  // a catalog role id the registry lets the agency assert; empty = none
};

// What every request that may move data about a subject carries: exchanges, decisions and
// referrals.
struct DisclosureInput {
  Actor actor;
  SubjectInput subject;
  std::vector<std::string> categories;
  std::optional<policy::Offence> offence;
  std::vector<std::string> attestations;
  std::vector<std::string> consents;  // consent ids the request cites
};

// POST /v1/exchanges and POST /v1/decisions.
struct ExchangeInput : DisclosureInput {
  policy::Direction direction = policy::Direction::kPull;
  std::string target;  // pull: the holder asked; push: the recipient
  const Agency* target_agency = nullptr;
  std::string purpose;
  std::string justification;
  std::string case_reference;
  bool break_glass = false;
  std::optional<SysTime> embargo_until;  // police crime investigation: hide from the subject
  nlohmann::json data;                   // push: the records to disclose, by category
};

// Reads an exchange or decision request. `caller` is the authenticated agency; the target must be
// another registered agency. Ids are checked against the catalog so that each unknown one is
// reported at its own path.
ExchangeInput parse_exchange(const nlohmann::json& body, const Agency& caller,
                             const Registry& registry, const policy::Catalog& catalog,
                             const ExchangeConfig& config, SysTime now, bool with_data,
                             json_check::Issues& issues);

// The engine's request for an exchange input (pull: the target holds; push: the caller holds).
policy::DecisionRequest decision_request(const ExchangeInput& in, const Agency& caller,
                                         const std::string& subject_pseudonym);

// POST /v1/referrals: a referral of a catalog kind to another agency. Its categories are
// identity_contact, cw_report_content, then data's keys.
struct ReferralInput : DisclosureInput {
  const policy::ReferralKind* kind = nullptr;
  std::string recipient;
  const Agency* recipient_agency = nullptr;
  nlohmann::json fields = nlohmann::json::object();  // checked against the kind's fields
  nlohmann::json data = nlohmann::json::object();    // attachments: category id → records
};
ReferralInput parse_referral(const nlohmann::json& body, const Agency& caller,
                             const Registry& registry, const policy::Catalog& catalog,
                             json_check::Issues& issues);

// The engine's request for a referral: a push from the caller on the kind's own bases. The
// engine's justification of necessity is the kind's first required text field (the concern);
// it is weighed, never written to the audit log.
policy::DecisionRequest decision_request(const ReferralInput& in, const Agency& caller,
                                         const std::string& subject_pseudonym);

// POST /v1/referrals/{id}/acknowledge: the recipient has the referral.
struct AcknowledgementInput {
  Actor actor;
  bool urgency_assessed = false;  // the urgency assessment (LSL 26 §(2)) was made with it
};
AcknowledgementInput parse_acknowledgement(const nlohmann::json& body,
                                           const policy::Catalog& catalog,
                                           json_check::Issues& issues);

// POST /v1/referrals/{id}/decision: the recipient's decision on it.
struct ReferralDecisionInput {
  Actor actor;
  const DecisionOutcome* outcome = nullptr;
  std::string detail;  // the recipient's own record of it: a JSON object's text, or empty
};
ReferralDecisionInput parse_referral_decision(const nlohmann::json& body,
                                              const policy::Catalog& catalog,
                                              json_check::Issues& issues);

// POST /v1/consents: a consent, permit or prohibition and the identity codes behind it.
struct ConsentInput {
  policy::ConsentRecord record;  // id, pseudonyms and recorded_* are filled by the route
  Actor actor;                   // record.recorded_by_actor is its id
  SubjectInput subject;
  std::vector<policy::IdentityCode> grantors;  // one per record.granted_by
};
// Agencies named in from_agencies and to_agencies must be registered agencies.
ConsentInput parse_consent_input(const nlohmann::json& body, const policy::Catalog& catalog,
                                 const Registry& registry, SysTime now, json_check::Issues& issues);

// POST /v1/consents/{id}/revoke
struct RevocationInput {
  policy::ConsentRevocation revocation;
  Actor actor;  // revocation.by_actor is its id
};
RevocationInput parse_revocation(const nlohmann::json& body, const Agency& caller,
                                 const policy::Catalog& catalog, SysTime now,
                                 json_check::Issues& issues);

// The required "actor" of a request body (Actor): the id by kActorRule, the role by
// kActorRoleRule and a role of the catalog, no other key; each problem at its own pointer
// (/actor, /actor/id, /actor/role). Whether the caller may assert the role is the registry's
// (Agency::may_assert), answered with a 403 by the route.
Actor actor_field(json_check::Object& o, const policy::Catalog& catalog);
// actor_field for a caller that may hold a personal certificate (Agency::person): that person
// is the actor; "actor" may be left out, and one naming anyone else is reported.
Actor actor_of(json_check::Object& o, const policy::Catalog& catalog, const Agency& caller);
// What a caller with a personal certificate is told when it names another actor than itself.
Texts not_the_person(const Agency& caller);

// A new random id with a prefix: "x-" exchange, "c-" consent, "r-" referral, "b-" review.
std::string new_id(std::string_view prefix);

}  // namespace silta::gateway
