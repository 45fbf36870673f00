// What a decision is: the request (who asks whom, for what, about whom), and per category the
// outcome with the basis or consent that allows it, or the reason it is denied and what would make
// it lawful; its JSON form (the API's answer, the audit record's decision) and its plain-language
// explanations. The Engine (policy/engine.h) makes decisions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time.h"
#include "policy/catalog.h"
#include "policy/consent.h"
#include "policy/vocabulary.h"

namespace silta::policy {

struct Subject {
  std::string pseudonym;           // matched against ConsentRecord::subject_pseudonym
  std::optional<Date> birth_date;  // from the identity code; the age is taken on the decision day
  // A professional's recorded assessment of whether the subject can decide on their own data
  // (ATL 34 §); absent = none recorded for this decision.
  std::optional<bool> capable;
  std::optional<int> guardians;  // how many guardians (huoltajat) the subject has, when known
  bool turvakielto = false;      // the address is protected (661/2009 36 §)
};

struct Offence {
  std::string offence_class;   // a catalog offence class id
  int max_penalty_months = 0;  // the maximum penalty in law for the suspected offence
};

struct DecisionRequest {
  // Pull: the recipient asks the holder (an exchange). Push: the holder discloses on its own
  // initiative (a referral, a report). `from` is always the data holder, `to` the recipient.
  Direction direction = Direction::kPull;
  std::string from_kind, from_agency;
  std::string to_kind, to_agency;
  // Whether the recipient agency is an authority, from the gateway's registry; absent = the
  // default of its kind in the catalog.
  std::optional<bool> recipient_is_authority;
  std::string purpose;  // may be empty for a referral: the referral kind's purpose
  std::vector<std::string> categories;
  std::string referral_kind;  // set for a referral (push only): decided on its bases only
  Subject subject;
  // The requester's written statement of necessity; for break-glass, its written justification.
  std::string justification;
  std::string case_reference;
  std::optional<Offence> offence;
  std::vector<std::string> attestations;  // catalog attestation ids the requester attests
  // The acting official's catalog role (the requester's: the recipient's in a pull, the holder's
  // in a push); empty = none stated. A basis that requires a role then denies.
  std::string actor_role;
  bool break_glass = false;  // an emergency override (hätätilanne)
  // When not empty, only these consents count for a grant (the request cites them); every
  // prohibition counts all the same.
  std::vector<std::string> cited_consents;
  // Whether to work out, for a denied category, what would make it lawful (the API wants them;
  // enumerating the decision space does not).
  bool alternatives = true;
};

enum class Outcome { kGranted, kDenied };
inline constexpr Vocabulary<Outcome, 2> kOutcomeNames{{
    {Outcome::kGranted, "granted"},
    {Outcome::kDenied, "denied"},
}};

// Why a category was denied. Stable codes (docs/catalog.md) in the JSON form.
enum class DenyReason {
  kNone,
  kNoBasis,                // no basis covers direction, kinds, purpose and category
  kNotHeld,                // the holder's kind does not hold this category
  kReferralNotAllowed,     // the referral kind does not carry this category between these kinds
  kBasisNotInForce,        // the basis is not in force on the decision day
  kRecipientNotAuthority,  // the basis needs an authority as the recipient
  kActorRoleMissing,       // the basis needs the acting official's role and none was stated
  kActorRoleNotAllowed,    // the acting official's role is not one the basis allows
  kSubjectAge,             // the basis applies to subjects of another age
  kSubjectAgeUnknown,      // the basis or the consent rules need the subject's age
  kOffenceMissing,         // the basis needs the suspected offence
  kOffenceNotCovered,      // the offence is not one the basis covers
  kAttestationMissing,     // a condition of the basis was not attested
  kBreakGlassRequired,     // the basis applies only in an emergency (break-glass)
  kBreakGlassNotAllowed,   // break-glass was asked but is not allowed for this combination
  kBreakGlassJustificationShort,  // break-glass needs a longer written justification
  kRefused,                       // the subject (a capable minor or an adult) refused
  kProhibited,                    // a prohibition (kielto) forbids it
  kConsentExpired,                // the consent that covered it has expired
  kConsentRevoked,                // the consent that covered it was revoked
  kConsentMissing,                // the basis needs a consent or permit and there is none
  kConsentParty,                  // there are consents, but not from the person(s) who must give it
  kConsentForm,                   // the consent is not in a form the rules accept (e.g. oral)
  kConsentNotSpecific,            // the consent does not name categories and purposes
  kCaseReferenceMissing,          // the basis needs the requester's case reference
  kJustificationMissing,          // the basis needs a written justification of necessity
};
inline constexpr Vocabulary<DenyReason, 26> kDenyReasonNames{{
    {DenyReason::kNone, "none"},
    {DenyReason::kNoBasis, "no_basis"},
    {DenyReason::kNotHeld, "not_held"},
    {DenyReason::kReferralNotAllowed, "referral_not_allowed"},
    {DenyReason::kBasisNotInForce, "basis_not_in_force"},
    {DenyReason::kRecipientNotAuthority, "recipient_not_authority"},
    {DenyReason::kActorRoleMissing, "actor_role_missing"},
    {DenyReason::kActorRoleNotAllowed, "actor_role_not_allowed"},
    {DenyReason::kSubjectAge, "subject_age"},
    {DenyReason::kSubjectAgeUnknown, "subject_age_unknown"},
    {DenyReason::kOffenceMissing, "offence_missing"},
    {DenyReason::kOffenceNotCovered, "offence_not_covered"},
    {DenyReason::kAttestationMissing, "attestation_missing"},
    {DenyReason::kBreakGlassRequired, "break_glass_required"},
    {DenyReason::kBreakGlassNotAllowed, "break_glass_not_allowed"},
    {DenyReason::kBreakGlassJustificationShort, "break_glass_justification_short"},
    {DenyReason::kRefused, "refused"},
    {DenyReason::kProhibited, "prohibited"},
    {DenyReason::kConsentExpired, "consent_expired"},
    {DenyReason::kConsentRevoked, "consent_revoked"},
    {DenyReason::kConsentMissing, "consent_missing"},
    {DenyReason::kConsentParty, "consent_party"},
    {DenyReason::kConsentForm, "consent_form"},
    {DenyReason::kConsentNotSpecific, "consent_not_specific"},
    {DenyReason::kCaseReferenceMissing, "case_reference_missing"},
    {DenyReason::kJustificationMissing, "justification_missing"},
}};
const char* deny_reason_name(DenyReason reason);

// One thing a request lacks for a basis to apply.
struct Need {
  enum class Kind {
    kNone,
    kJustification,  // a written justification of at least N characters
    kCaseReference,
    kAttestation,              // `attestation`
    kOffence,                  // an offence the basis covers
    kBreakGlass,               // an emergency declaration with a written justification
    kBreakGlassJustification,  // a longer break-glass justification
    kConsent,                  // a consent of the basis's kinds from `parties`
    kBirthDate,                // the subject's birth date (from the identity code)
    kActorRole,                // the acting official's role, one of the basis's roles
  };
  Kind kind = Kind::kNone;
  const Attestation* attestation = nullptr;
  Parties parties = Parties::kSelf;
};
inline constexpr Vocabulary<Need::Kind, 10> kNeedKindNames{{
    {Need::Kind::kNone, "none"},
    {Need::Kind::kJustification, "justification"},
    {Need::Kind::kCaseReference, "case_reference"},
    {Need::Kind::kAttestation, "attestation"},
    {Need::Kind::kOffence, "offence"},
    {Need::Kind::kBreakGlass, "break_glass"},
    {Need::Kind::kBreakGlassJustification, "break_glass_justification"},
    {Need::Kind::kConsent, "consent"},
    {Need::Kind::kBirthDate, "birth_date"},
    {Need::Kind::kActorRole, "actor_role"},
}};

// A way the category could lawfully move for the request's own purpose: under `basis`, with
// `needs` met, and where set in the other direction (e.g. as a referral the holder pushes).
// Another purpose is never suggested (docs/catalog.md, "Alternatives").
struct Alternative {
  const LegalBasis* basis = nullptr;
  std::optional<Direction> direction;      // set when the basis needs the other direction
  const ReferralKind* referral = nullptr;  // a referral kind that carries it, for a push
  std::vector<Need> needs;
};

// The record a denial rests on when a refusal, a prohibition or a lapsed consent decides it: who
// gave it, when, its scope, and when it ended, so that the explanation can say so.
struct DecisiveRecord {
  std::string id;
  ConsentKind kind = ConsentKind::kKielto;
  Capacity capacity = Capacity::kSelf;  // of the first person who gave it
  SysTime given{};                      // valid_from
  std::optional<SysTime> ended;         // expired: valid_until; revoked: the revocation
  std::vector<std::string> to_kinds, categories, purposes;  // empty = any
};

struct CategoryDecision {
  const DataCategory* category = nullptr;
  Outcome outcome = Outcome::kDenied;
  DenyReason reason = DenyReason::kNoBasis;  // kNone when granted
  // Granted: the basis that allows it. Denied: the basis the reason comes from, if any.
  const LegalBasis* basis = nullptr;
  // Granted on a consent: the consents relied on. Denied on a record (refused, prohibited,
  // consent_expired, consent_revoked): that record's id.
  std::vector<std::string> consent_ids;
  // For consent reasons: who must consent (given the subject's age and capability).
  Parties parties = Parties::kSelf;
  Need unmet;                // denied: the first thing the basis lacks (kNone if nothing can help)
  bool break_glass = false;  // granted on an emergency basis under break-glass
  // A consent may cover only data recorded in a period (STM decree 457/2024 25 §): the holder
  // must release only such data.
  std::optional<SysTime> data_recorded_from, data_recorded_until;
  std::vector<const WithheldField*> withheld;  // fields that must not be released
  std::vector<Alternative> alternatives;       // denied: what would make it lawful
  // Denied refused, prohibited, consent_expired or consent_revoked: the record that decides.
  std::optional<DecisiveRecord> record;
};

struct Decision {
  std::shared_ptr<const Catalog> catalog;
  Direction direction = Direction::kPull;
  const AgencyKind* from = nullptr;
  const AgencyKind* to = nullptr;
  const Purpose* purpose = nullptr;
  const ReferralKind* referral = nullptr;
  const ActorRole* actor_role = nullptr;  // the acting official's role, when stated
  bool recipient_is_authority = false;
  SysTime decided_at{};
  Date decided_on{};  // in Finland; bases and ages are taken on this day
  std::optional<int> subject_age;
  std::optional<bool> subject_capable;       // the recorded assessment (request or consent), if any
  std::vector<CategoryDecision> categories;  // in the order requested
  bool break_glass = false;                  // any category granted under break-glass
  std::optional<Date> review_due;            // break-glass: the privacy officer's review is due

  bool all_granted() const;
  bool any_granted() const;
};
// "granted" (every category), "partial" or "denied" (every category).
const char* overall_outcome(const Decision& decision);

// The decision as the API returns it and the audit log records it: overall outcome, catalog id,
// version and hash, and per category the outcome, the basis (id, citation, link) or consent
// ids, or the reason code, an explanation and the alternatives. The texts (explanations,
// alternatives, basis titles) are in `lang`; the ids and codes are the same in every language.
nlohmann::json decision_to_json(const Decision& decision, Lang lang = Lang::kFi);
// Deterministic explanations for the reader, built from per-language sentence templates and the
// catalog's texts: names, never ids, inside sentences.
std::string explain_category(const Decision& decision, const CategoryDecision& category,
                             Lang lang = Lang::kFi);
std::string explain_alternative(const Decision& decision, const Alternative& alternative,
                                Lang lang = Lang::kFi);
// What a reader must never meet in an explanation: an empty text, an id (a word with '_' such as
// cw_client_status, a basis id such as fi.atl.56), doubled or misplaced punctuation (`..`, `.;`,
// ` .`, `()`). One line per problem; empty when the text is clean.
std::vector<std::string> text_problems(std::string_view text);
// The whole decision as readable text, one block per category (for `silta catalog explain`).
std::string explain(const Decision& decision, Lang lang = Lang::kFi);
// "granted fi.atl.64.1", "granted fi.atl.6 consent c-1", "denied consent_missing (fi.atl.6)"
std::string summary(const CategoryDecision& category);

// A change between two decisions of the same request, per category.
struct CategoryChange {
  std::string category;
  std::string before;  // summary() under the first engine, or "error: ..."
  std::string after;
};
std::vector<CategoryChange> compare(const Decision& before, const Decision& after);

}  // namespace silta::policy
