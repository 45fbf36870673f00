// The catalog of agency kinds, data categories, purposes and statutory legal bases that every
// decision is made against (docs/law.md; docs/catalog.md documents the files and every id).
//
// A catalog is data: a directory of JSON files, loaded and validated completely at start-up
// (every problem reported with its file and JSON path), then immutable and shared. Its version
// and SHA-256 go into every decision and so into every audit record.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_check.h"
#include "common/lang.h"
#include "common/result.h"
#include "policy/calendar.h"
#include "policy/consent.h"
#include "policy/vocabulary.h"

namespace silta::policy {

// Plain-language text in Finnish, Swedish and English, written for the reader (a social worker
// reads "lastensuojelun asiakkuus", never an id); the loader requires all three.
using Text = Texts;

// A statute as cited: "LSL" → Lastensuojelulaki 417/2007.
struct Law {
  std::string id;  // the abbreviation of docs/law.md §1.1: LSL, SHL, ATL, POL, OHL, PolL, ETL...
  Text name;
  std::string number;     // "417/2007"
  bool articles = false;  // cited by article (an EU regulation), not by section
  std::string url;        // the consolidated text on finlex.fi
};

// Law, number, chapter, section, subsection, sentence, item: "PolL 7:2(2)".
struct Citation {
  const Law* law = nullptr;
  std::string chapter;  // "7" for PolL 7 luku; empty when the act has no chapters
  std::string section;  // "25", "25 c"
  int subsection = 0;   // momentti; 0 = the whole section
  int sentence = 0;     // virke; 0 = the whole subsection
  int item = 0;         // kohta; 0 = none
  // "Lastensuojelulaki 417/2007 25 § 1 mom."
  std::string text() const;
  // "LSL 25 §(1)", "PolL 7:2(2)", "ATL 53 §(5), 2nd sentence"
  std::string short_text() const;
};

// {"law", "section", "text", "short", "url", ...} as the API and decisions show a citation.
nlohmann::json citation_json(const Citation& citation);

struct AgencyKind {
  std::string id;
  Text name;
  // Whether agencies of this kind are authorities (viranomainen) by default. Some bases require
  // the recipient to be one; the gateway's registry can say otherwise for a single agency (a
  // private service provider is not an authority).
  bool authority = false;
  Text notes;
};

// Whose consent counts for data of a category (docs/law.md §4.3).
enum class ConsentRegime {
  kHealth,          // PotL 7 §, ATL 51 §(1), 34 §
  kSocial,          // AL 10 §, ATL 51 §(2); LSL 20-22 §
  kStudentWelfare,  // OHL 18-19 §, 22 §
  kGeneral,         // JulkL 26 § and 29 §: school and police data
};
inline constexpr Vocabulary<ConsentRegime, 4> kConsentRegimeNames{{
    {ConsentRegime::kHealth, "health"},
    {ConsentRegime::kSocial, "social"},
    {ConsentRegime::kStudentWelfare, "student_welfare"},
    {ConsentRegime::kGeneral, "general"},
}};
const char* consent_regime_name(ConsentRegime regime);

enum class Gdpr { kOrdinary, kArt9, kArt10 };
inline constexpr Vocabulary<Gdpr, 3> kGdprNames{{
    {Gdpr::kOrdinary, "ordinary"},
    {Gdpr::kArt9, "art9"},
    {Gdpr::kArt10, "art10"},
}};

// A field of a category that must not be forwarded in a situation, e.g. the address under a
// turvakielto (661/2009 36-37 §).
struct WithheldField {
  std::string field;  // "address"
  std::string when;   // "turvakielto"
  std::string citation;
};

struct DataCategory {
  std::string id;
  Text name;
  Text description;
  bool secret = false;
  std::string secrecy_citation;      // e.g. "ATL 703/2023 4 §"
  Gdpr gdpr = Gdpr::kOrdinary;       // special categories (Art. 9) or offence data (Art. 10)
  bool specially_protected = false;  // erityissuojattava (STM decree 457/2024 26 §)
  ConsentRegime consent_regime = ConsentRegime::kGeneral;
  std::vector<std::string> held_by;  // agency kinds whose records hold it
  std::vector<WithheldField> never_forward;
};

// The acting official's role (virkatehtävä, ammattinimike): who at an agency acts. Some bases
// turn on it (POL 40 §(2): student welfare staff give, the teacher or rector receives; PolL 4:2:
// a senior police officer asks); the registry says which roles each agency's users may assert.
struct ActorRole {
  std::string id;  // "student_welfare_curator"
  Text name;       // "Koulukuraattori"
  Text notes;
};

struct Purpose {
  std::string id;
  Text name;
  Text description;
};

// A condition the requester attests (and the audit log records), e.g. that the child's interest
// necessarily requires a disclosure (SHL 35 §(2)).
struct Attestation {
  std::string id;
  Text text;
};

// A class of offence a request may name (e.g. RL ch. 20 sexual offences).
struct OffenceClass {
  std::string id;
  Text name;
};

enum class Initiative { kPull, kPush, kBoth };
inline constexpr Vocabulary<Initiative, 3> kInitiativeNames{{
    {Initiative::kPull, "pull"},
    {Initiative::kPush, "push"},
    {Initiative::kBoth, "both"},
}};

enum class Direction : std::uint8_t { kPull = 0, kPush = 1 };
inline constexpr Vocabulary<Direction, 2> kDirectionNames{{
    {Direction::kPull, "pull"},
    {Direction::kPush, "push"},
}};
const char* direction_name(Direction d);

// One way an offence requirement is met: the offence is of one of `classes` (any class when
// empty) and its maximum penalty is at least `min_max_penalty_months` (when given).
struct OffenceAlternative {
  std::vector<std::string> classes;
  std::optional<int> min_max_penalty_months;
};

struct Requirements {
  bool justification = false;   // a written statement of necessity (välttämättömyys)
  bool case_reference = false;  // the requester's case (e.g. the open LSL 26 § assessment)
  bool emergency = false;       // only by break-glass, where break_glass.json allows it
  // A consent, permit or other record of these kinds from the person(s) the consent rules
  // name; empty = no consent needed.
  std::vector<ConsentKind> consent_kinds;
  std::vector<OffenceAlternative> offence;  // any one; empty = no offence needed
  std::vector<std::string> attestations;    // all of them
  std::optional<int> subject_min_age, subject_max_age;
  // The roles the acting official must hold, by direction: in a push the holder's official who
  // discloses, in a pull the recipient's official who asks. Empty = any official (or none named).
  std::vector<std::string> roles_push, roles_pull;

  const std::vector<std::string>& roles(Direction d) const {
    return d == Direction::kPush ? roles_push : roles_pull;
  }
};

struct LegalBasis {
  std::string id;  // stable: "fi.atl.64.1"
  Citation citation;
  Text title;
  Initiative initiative = Initiative::kPull;
  std::vector<std::string> from_kinds;  // data holders
  std::vector<std::string> to_kinds;    // recipients
  bool recipient_must_be_authority = false;
  std::vector<std::string> categories;
  std::vector<std::string> purposes;
  bool any_purpose = false;  // "purposes": ["*"]: every purpose of the catalog
  Requirements requirements;
  std::optional<Date> valid_from, valid_until;  // valid_until is the last day in force
  Text notes;
  std::string file;  // where it was defined, e.g. "bases/atl.json"

  bool needs_consent() const { return !requirements.consent_kinds.empty(); }
  bool in_force_on(Date d) const;
};

// Who must consent for a minor or an incapable adult.
enum class Parties {
  kSelf,              // the subject themself
  kGuardians,         // every guardian (or one edunvalvoja / legal representative)
  kSelfAndGuardians,  // both
  kLegalRepresentative,
};
inline constexpr Vocabulary<Parties, 4> kPartiesNames{{
    {Parties::kSelf, "self"},
    {Parties::kGuardians, "guardians"},
    {Parties::kSelfAndGuardians, "self_and_guardians"},
    {Parties::kLegalRepresentative, "legal_representative"},
}};
const char* parties_name(Parties p);

struct ConsentRule {
  ConsentRegime regime = ConsentRegime::kGeneral;
  std::vector<Citation> citations;
  int adult_age = 18;
  // Without a recorded assessment a minor younger than this is taken as not capable (ATL 34 §
  // lets systems default to that under 12); from this age up an unassessed minor falls to
  // `unassessed_minor`.
  int presumed_incapable_below = 12;
  Parties capable_minor = Parties::kSelf;
  Parties incapable_minor = Parties::kGuardians;
  Parties unassessed_minor = Parties::kSelfAndGuardians;
  Parties incapable_adult = Parties::kLegalRepresentative;
  std::vector<ConsentForm> forms;  // forms that count
  bool specific = true;            // categories and purposes must be listed (not "any")
  int guardians_when_unknown = 2;  // guardians decide jointly (361/1983 5 §)
  Text notes;
};

struct BreakGlassRule {
  std::string id;
  std::string basis;
  // Narrowing of the basis; empty = as the basis.
  std::vector<std::string> from_kinds, to_kinds, categories, purposes;
  Text notes;
};

struct BreakGlassPolicy {
  int justification_min_length = 40;
  int review_due_working_days = 3;
  std::vector<BreakGlassRule> rules;
};

inline constexpr Vocabulary<DeadlineSpec::Count, 4> kDeadlineCountNames{{
    {DeadlineSpec::Count::kImmediately, "immediately"},
    {DeadlineSpec::Count::kWorkingDays, "working_days"},
    {DeadlineSpec::Count::kMonths, "months"},
    {DeadlineSpec::Count::kCalendarDaysInclusive, "calendar_days_inclusive"},
}};

struct DeadlineRule {
  std::string id;  // "dl.lsl.26.5.start"
  Citation citation;
  Text title;
  DeadlineSpec spec;
  Text notes;
};

struct ReferralField {
  enum class Type { kText, kBoolean, kDate, kEnum };
  std::string name;
  Type type = Type::kText;
  bool required = false;
  int max_length = 0;               // text: 0 = no limit
  std::vector<std::string> values;  // enum
  Text description;
};

inline constexpr Vocabulary<ReferralField::Type, 4> kReferralFieldTypeNames{{
    {ReferralField::Type::kText, "text"},
    {ReferralField::Type::kBoolean, "boolean"},
    {ReferralField::Type::kDate, "date"},
    {ReferralField::Type::kEnum, "enum"},
}};

struct ReferralDeadline {
  std::string deadline;  // a DeadlineRule id
  // "always", or "assessment_opened": only once the recipient opens a service-need assessment
  std::string applies = "always";
};

// Worked out from the bases by catalog_check.cc, not read from the files.
enum class ReferralConsent { kNotRequired, kRequired, kRequiredUnlessConditions };
inline constexpr Vocabulary<ReferralConsent, 3> kReferralConsentNames{{
    {ReferralConsent::kNotRequired, "not_required"},
    {ReferralConsent::kRequired, "required"},
    {ReferralConsent::kRequiredUnlessConditions, "required_unless_conditions"},
}};
const char* referral_consent_name(ReferralConsent c);

// A kind of referral an agency pushes to another: a child welfare report
// (lastensuojeluilmoitus), an SHL 35 § contact, a report to the police...
struct ReferralKind {
  std::string id;
  Text name;
  Text description;
  std::vector<std::string> bases;  // push bases it may be sent on, tried in order
  std::string purpose;
  std::vector<std::string> from_kinds, to_kinds;
  std::vector<std::string> categories;  // what it may carry
  std::vector<ReferralField> fields;
  std::vector<ReferralDeadline> deadlines;
  std::string companion;  // another referral kind the same duty requires (LSL 25 §(3))
  Text notes;
  // Derived from the bases: whether sending needs the subject's consent.
  ReferralConsent consent = ReferralConsent::kNotRequired;
};

class Catalog {
 public:
  std::string id;       // "fi"
  std::string version;  // "2026.1"
  Text title;
  std::string sha256;  // hex, of the content (docs/catalog.md, "Version and hash")
  int justification_min_length = 20;

  std::vector<Law> laws;
  std::vector<AgencyKind> kinds;
  std::vector<DataCategory> categories;
  std::vector<Purpose> purposes;
  std::vector<ActorRole> roles;
  std::vector<Attestation> attestations;
  std::vector<OffenceClass> offence_classes;
  std::vector<LegalBasis> bases;  // in file order: bases/*.json sorted by name
  std::vector<ConsentRule> consent_rules;
  BreakGlassPolicy break_glass;
  std::vector<DeadlineRule> deadlines;
  std::vector<ReferralKind> referral_kinds;

  const Law* find_law(std::string_view id) const;
  const AgencyKind* find_kind(std::string_view id) const;
  const DataCategory* find_category(std::string_view id) const;
  const Purpose* find_purpose(std::string_view id) const;
  const ActorRole* find_role(std::string_view id) const;
  const Attestation* find_attestation(std::string_view id) const;
  const OffenceClass* find_offence_class(std::string_view id) const;
  const LegalBasis* find_basis(std::string_view id) const;
  const ConsentRule* find_consent_rule(ConsentRegime regime) const;
  const DeadlineRule* find_deadline(std::string_view id) const;
  const ReferralKind* find_referral_kind(std::string_view id) const;

  // The catalog as GET /v1/catalog returns it: every table, the version and the hash.
  nlohmann::json to_json() const;

  Catalog() = default;
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

 private:
  friend struct CatalogBuilder;
  template <typename T>
  using Index = std::map<std::string, const T*, std::less<>>;
  Index<Law> law_index_;
  Index<AgencyKind> kind_index_;
  Index<DataCategory> category_index_;
  Index<Purpose> purpose_index_;
  Index<ActorRole> role_index_;
  Index<Attestation> attestation_index_;
  Index<OffenceClass> offence_index_;
  Index<LegalBasis> basis_index_;
  Index<DeadlineRule> deadline_index_;
  Index<ReferralKind> referral_index_;
};

struct CatalogProblem {
  std::string file;  // relative to the catalog directory, e.g. "bases/atl.json"
  std::string path;  // JSON Pointer in that file ("" = the whole file)
  std::string message;
};
// "bases/atl.json: /bases/3/categories/2: unknown data category \"mh_diagnosys\"\n" per problem
std::string format_problems(const std::vector<CatalogProblem>& problems);

struct CatalogLoad {
  std::shared_ptr<const Catalog> catalog;  // null when there is any problem
  std::vector<CatalogProblem> problems;
};

// The catalog's files as relative path → content.
using CatalogFiles = std::map<std::string, std::string>;

// Reads every *.json file of a catalog directory. A directory that cannot be read is an error
// (kNotFound or kUnavailable); what the files say is left to parse_catalog.
Result<CatalogFiles> read_catalog_files(const std::filesystem::path& dir);
// Parses and checks a catalog from its files: syntax, every field, every reference, duplicate
// ids, missing citations and bases that can never apply, all reported.
CatalogLoad parse_catalog(const CatalogFiles& files);
// read_catalog_files + parse_catalog; a directory that cannot be read is one problem.
CatalogLoad load_catalog(const std::filesystem::path& dir);

// The fields of a referral of `kind`: every required field present, types and enum values,
// no unknown field. Problems go to `issues` below `path`.
void check_referral_fields(const ReferralKind& kind, const nlohmann::json& fields,
                           json_check::Issues& issues, const std::string& path);

}  // namespace silta::policy
