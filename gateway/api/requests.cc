#include "gateway/api/requests.h"

#include <sodium.h>

#include <algorithm>
#include <set>

#include "common/codec.h"
#include "policy/consent_json.h"

namespace silta::gateway {

using json_check::child_pointer;
using json_check::expected_one_of;
using json_check::Need;
using json_check::Object;
using json_check::quoting;

namespace {

Texts unknown_agency(const std::string& id) {
  return quoting({"tuntematon organisaatio", "okänd organisation", "unknown agency"}, id);
}

const Texts kUnknownAttestation{"tuntematon vakuutus", "okänd försäkran", "unknown attestation"};
const Texts kUnknownCategory{"tuntematon tietoryhmä", "okänd uppgiftskategori",
                             "unknown data category"};
const Texts kUnknownPurpose{"tuntematon käyttötarkoitus", "okänt ändamål", "unknown purpose"};
const Texts kExpectedData{"odotettiin JSON-objektia: tietoryhmän tunniste → tietuetaulukko",
                          "förväntade ett JSON-objekt: uppgiftskategorins id → array av poster",
                          "expected an object: category id → array of records"};
const Texts kExpectedRecords{"odotettiin tietuetaulukkoa", "förväntade en array av poster",
                             "expected an array of records"};
constexpr const char* kCapacities = "self, guardian, legal_rep, edunvalvoja";

std::optional<policy::IdentityCode> identity_code_field(Object& o, std::string_view key,
                                                        Need need) {
  auto text = o.string(key, need);
  if (!text) return std::nullopt;
  policy::IdentityCodeProblem problem{};
  auto code = policy::parse_identity_code(*text, &problem);
  if (!code) {
    // The message says what is wrong with the code and never repeats it.
    o.issues().add(o.path_of(key), policy::identity_code_problem_text(problem));
    return std::nullopt;
  }
  return std::move(*code);
}

SubjectInput subject_field(Object& parent, std::string_view key) {
  SubjectInput s;
  auto o = parent.object(key, Need::kRequired);
  if (!o) return s;
  s.identity_code = identity_code_field(*o, "identity_code", Need::kRequired);
  s.capable = o->boolean("capable");
  if (auto g = o->integer("guardians", Need::kOptional, 0, 2)) s.guardians = static_cast<int>(*g);
  s.turvakielto = o->boolean_or("turvakielto", false);
  o->no_other_keys();
  return s;
}

// The subject as the engine weighs it.
policy::Subject subject_of(const SubjectInput& in, const std::string& pseudonym) {
  policy::Subject s;
  s.pseudonym = pseudonym;
  if (in.identity_code) s.birth_date = in.identity_code->birth_date();
  s.capable = in.capable;
  s.guardians = in.guardians;
  s.turvakielto = in.turvakielto;
  return s;
}

// The text that justifies the disclosure: the kind's first required text field (the concern,
// the need for support, the suspicion). It is weighed by the engine, never written to the log.
std::string justification_of(const policy::ReferralKind& kind, const nlohmann::json& fields) {
  for (const auto& f : kind.fields) {
    if (f.type != policy::ReferralField::Type::kText || !f.required) continue;
    auto it = fields.find(f.name);
    if (it != fields.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

// A list of strings, each following `rule`.
std::vector<std::string> texts(Object& o, std::string_view key, const json_check::TextRule& rule) {
  auto list = o.strings(key);
  if (!list) return {};
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (auto problem = json_check::text_problem((*list)[i], rule)) {
      o.issues().add(child_pointer(o.path_of(key), i), std::move(*problem));
    }
  }
  return *list;
}

// A list of registered agencies' ids (with the agency role).
std::vector<std::string> agency_ids(Object& o, std::string_view key, const Registry& registry) {
  auto list = o.strings(key);
  if (!list) return {};
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Agency* a = registry.find((*list)[i]);
    if (a == nullptr || !a->has_role(Role::kAgency)) {
      o.issues().add(child_pointer(o.path_of(key), i), unknown_agency((*list)[i]));
    }
  }
  return *list;
}

// A list of catalog ids, each checked with `find`.
template <typename Find>
std::vector<std::string> catalog_ids(Object& o, std::string_view key, Need need, Find find,
                                     const Texts& unknown) {
  auto list = o.strings(key, need);
  if (!list) return {};
  std::set<std::string_view> seen;  // known ids only, so at most the catalog's table
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& id = (*list)[i];
    if (!find(id)) {
      o.issues().add(child_pointer(o.path_of(key), i), quoting(unknown, id));
    } else if (!seen.insert(id).second) {
      o.issues().add(child_pointer(o.path_of(key), i), json_check::kListedTwice);
    }
  }
  return *list;
}

std::optional<policy::Offence> offence_field(Object& o, const policy::Catalog& catalog) {
  auto off = o.object("offence");
  if (!off) return std::nullopt;
  policy::Offence offence;
  offence.offence_class = off->string("class", Need::kRequired).value_or("");
  if (off->has("class") && !catalog.find_offence_class(offence.offence_class)) {
    o.issues().add(off->path_of("class"),
                   quoting({"tuntematon rikosluokka", "okänd brottsklass", "unknown offence class"},
                           offence.offence_class));
  }
  offence.max_penalty_months =
      static_cast<int>(off->integer("max_penalty_months", Need::kRequired, 0, 12 * 20).value_or(0));
  off->no_other_keys();
  return offence;
}

// The registered agency `id` read from `key`: another agency than the caller, with the agency role.
const Agency* other_agency(Object& o, std::string_view key, const std::string& id,
                           const Agency& caller, const Registry& registry) {
  if (!o.has(key)) return nullptr;
  if (id.empty()) {
    // Present but empty (absent or not a string is reported already): without this, a
    // request with no agency to decide for would reach the engine.
    if (o.any(key)->is_string()) {
      o.issues().add(o.path_of(key),
                     Texts{"odotettiin organisaation tunnistetta", "förväntade en organisations id",
                           "expected an agency id"});
    }
    return nullptr;
  }
  const Agency* a = registry.find(id);
  if (a == nullptr || !a->enabled || !a->has_role(Role::kAgency)) {
    o.issues().add(o.path_of(key), unknown_agency(id));
    return nullptr;
  }
  if (id == caller.id) {
    o.issues().add(o.path_of(key),
                   Texts{"odotettiin muuta organisaatiota kuin pyynnön lähettäjää",
                         "förväntade en annan organisation än den som skickar begäran",
                         "expected another agency than the caller"});
    return nullptr;
  }
  return a;
}

// The grounds a request may give beyond the parties: the suspected offence, attestations and
// the consents it cites.
void grounds_fields(Object& o, const policy::Catalog& catalog, DisclosureInput& in) {
  in.offence = offence_field(o, catalog);
  in.attestations = catalog_ids(
      o, "attestations", Need::kOptional,
      [&](const std::string& id) { return catalog.find_attestation(id) != nullptr; },
      kUnknownAttestation);
  in.consents = texts(o, "consents", kReferenceRule);
}

// The engine's request for a disclosure of `in` from `holder` to `recipient`.
policy::DecisionRequest disclosure_request(const DisclosureInput& in, policy::Direction direction,
                                           const Agency& holder, const Agency& recipient,
                                           const std::string& subject_pseudonym) {
  policy::DecisionRequest r;
  r.direction = direction;
  r.from_kind = holder.kind;
  r.from_agency = holder.id;
  r.to_kind = recipient.kind;
  r.to_agency = recipient.id;
  r.recipient_is_authority = recipient.authority;
  r.categories = in.categories;
  r.subject = subject_of(in.subject, subject_pseudonym);
  r.offence = in.offence;
  r.attestations = in.attestations;
  r.cited_consents = in.consents;
  r.actor_role = in.actor.role;
  return r;
}

}  // namespace

Actor actor_field(Object& o, const policy::Catalog& catalog) {
  Actor actor;
  const auto* value = o.any("actor");
  if (value == nullptr) {
    o.issues().add(o.path_of("actor"),
                   Texts{"pakollinen: toimiva henkilö {\"id\", \"role\"}",
                         "obligatoriskt: den handlande personen {\"id\", \"role\"}",
                         "required: the acting person {\"id\", \"role\"}"});
    return actor;
  }
  if (value->is_string()) {  // the older form: the id alone, no role stated
    actor.id = o.text("actor", Need::kRequired, kActorRule).value_or("");
    return actor;
  }
  if (!value->is_object()) {
    o.issues().add(o.path_of("actor"), Texts{"odotettiin JSON-objektia {\"id\", \"role\"}",
                                             "förväntade ett JSON-objekt {\"id\", \"role\"}",
                                             "expected an object {\"id\", \"role\"}"});
    return actor;
  }
  auto a = o.object("actor", Need::kRequired);
  actor.id = a->text("id", Need::kRequired, kActorRule).value_or("");
  if (auto role = a->text("role", Need::kOptional, kActorRoleRule)) {
    if (catalog.find_role(*role) == nullptr) {
      a->issues().add(a->path_of("role"),
                      Texts{"tuntematon tehtävä: odotettiin oikeusperusteluettelon tehtävää",
                            "okänd roll: förväntade en roll i katalogen",
                            "unknown role: expected a role of the catalog"});
    } else {
      actor.role = *role;
    }
  }
  a->no_other_keys();
  return actor;
}

Actor actor_of(Object& o, const policy::Catalog& catalog, const Agency& caller) {
  if (caller.person.empty()) return actor_field(o, catalog);
  Actor actor;
  if (o.has("actor")) {
    actor = actor_field(o, catalog);
    if (actor.id != caller.person) o.issues().add(o.path_of("actor"), not_the_person(caller));
  }
  actor.id = caller.person;
  return actor;
}

Texts not_the_person(const Agency& caller) {
  const auto& p = caller.person;
  return {"henkilökohtainen varmenteesi yksilöi sinut (" + p +
              "): jätä actor pois tai anna tämä tunniste",
          "ditt personliga certifikat identifierar dig (" + p +
              "): utelämna actor eller ange denna identifierare",
          "your personal certificate names you (" + p + "): leave actor out or give this id"};
}

ExchangeInput parse_exchange(const nlohmann::json& body, const Agency& caller,
                             const Registry& registry, const policy::Catalog& catalog,
                             const ExchangeConfig& config, SysTime now, bool with_data,
                             json_check::Issues& issues) {
  ExchangeInput in;
  Object o(issues, body, "");
  if (!o.valid()) return in;
  if (auto d = o.string("direction")) {
    if (*d == "pull") {
      in.direction = policy::Direction::kPull;
    } else if (*d == "push") {
      in.direction = policy::Direction::kPush;
    } else {
      issues.add("/direction",
                 Texts{"odotettiin arvoa \"pull\" (tietopyyntö toiselle osapuolelle) tai \"push\" "
                       "(luovutus toiselle osapuolelle omasta aloitteesta)",
                       "förväntade \"pull\" (begäran till motparten) eller \"push\" (utlämnande "
                       "till motparten på eget initiativ)",
                       "expected \"pull\" (ask the target) or \"push\" (disclose to it)"});
    }
  }
  in.target = o.string("target", Need::kRequired).value_or("");
  in.target_agency = other_agency(o, "target", in.target, caller, registry);
  in.actor = actor_field(o, catalog);
  in.subject = subject_field(o, "subject");
  in.purpose = o.string("purpose", Need::kRequired).value_or("");
  if (o.has("purpose") && !in.purpose.empty() && !catalog.find_purpose(in.purpose)) {
    issues.add("/purpose", quoting(kUnknownPurpose, in.purpose));
  }
  in.categories = catalog_ids(
      o, "categories", Need::kRequired,
      [&](const std::string& id) { return catalog.find_category(id) != nullptr; },
      kUnknownCategory);
  if (o.has("categories") && in.categories.empty()) {
    issues.add("/categories", Texts{"odotettiin vähintään yhtä tietoryhmää",
                                    "förväntade minst en uppgiftskategori",
                                    "expected at least one data category"});
  }
  in.justification = o.text("justification", Need::kOptional, kJustificationRule).value_or("");
  in.case_reference = o.text("case_reference", Need::kOptional, kReferenceRule).value_or("");
  grounds_fields(o, catalog, in);
  in.break_glass = o.boolean_or("break_glass", false);
  in.embargo_until = o.time("embargo_until");
  if (in.embargo_until) {
    const Agency* recipient = in.direction == policy::Direction::kPull ? &caller : in.target_agency;
    bool to_police = recipient != nullptr && recipient->kind == "police";
    if (!to_police || in.purpose != "crime_investigation") {
      issues.add(
          "/embargo_until",
          Texts{"embargo_until (merkinnän salaaminen henkilön omasta raportista) on sallittu vain "
                "luovutuksessa poliisille rikoksen selvittämiseksi",
                "embargo_until (undanhållande från personens egen rapport) är tillåtet endast vid "
                "utlämnande till polisen för brottsutredning",
                "an embargo is only for a disclosure to the police for a crime "
                "investigation"});
    } else if (*in.embargo_until <= now || *in.embargo_until > now + config.max_embargo) {
      auto days = std::to_string(config.max_embargo.count());
      issues.add("/embargo_until",
                 Texts{"odotettiin tulevaa aikaa, enintään " + days + " päivän päähän",
                       "förväntade en tidpunkt i framtiden, högst " + days + " dagar framåt",
                       "expected a time in the future, at most " + days + " days ahead"});
    }
  }
  if (with_data && in.direction == policy::Direction::kPush) {
    const auto* data = o.any("data", Need::kRequired);
    if (data != nullptr && !data->is_object()) {
      issues.add("/data", kExpectedData);
    } else if (data != nullptr) {
      const std::set<std::string_view> requested(in.categories.begin(), in.categories.end());
      for (auto it = data->begin(); it != data->end(); ++it) {
        auto path = child_pointer("/data", it.key());
        if (requested.count(it.key()) == 0) {
          issues.add(path, Texts{"ei mikään pyydetyistä tietoryhmistä",
                                 "ingen av de begärda uppgiftskategorierna",
                                 "not one of the requested categories"});
        } else if (!it->is_array()) {
          issues.add(path, kExpectedRecords);
        }
      }
      in.data = *data;
    }
  } else if (o.any("data") != nullptr) {
    issues.add("/data", Texts{"vain omasta aloitteesta tehty luovutus (push) sisältää tietoja",
                              "endast ett utlämnande på eget initiativ (push) innehåller uppgifter",
                              "only a push exchange carries data"});
  }
  o.no_other_keys();
  return in;
}

ReferralInput parse_referral(const nlohmann::json& body, const Agency& caller,
                             const Registry& registry, const policy::Catalog& catalog,
                             json_check::Issues& issues) {
  ReferralInput in;
  Object o(issues, body, "");
  if (!o.valid()) return in;
  if (auto kind = o.string("kind", Need::kRequired)) {
    in.kind = catalog.find_referral_kind(*kind);
    if (in.kind == nullptr) {
      issues.add("/kind", quoting({"tuntematon ilmoituslaji", "okänd typ av anmälan",
                                   "unknown referral kind"},
                                  *kind));
    }
  }
  in.recipient = o.string("recipient", Need::kRequired).value_or("");
  in.recipient_agency = other_agency(o, "recipient", in.recipient, caller, registry);
  in.actor = actor_field(o, catalog);
  in.subject = subject_field(o, "subject");
  if (const auto* fields = o.any("fields", Need::kRequired)) {
    if (in.kind != nullptr) policy::check_referral_fields(*in.kind, *fields, issues, "/fields");
    if (fields->is_object()) in.fields = *fields;
  }
  // What a referral always carries: who it is about and the report itself.
  in.categories = {"identity_contact", "cw_report_content"};
  if (const auto* data = o.any("data")) {
    if (!data->is_object()) {
      issues.add("/data", kExpectedData);
    } else {
      for (auto it = data->begin(); it != data->end(); ++it) {
        auto path = child_pointer("/data", it.key());
        if (catalog.find_category(it.key()) == nullptr) {
          issues.add(path, quoting(kUnknownCategory, it.key()));
        } else if (!it->is_array()) {
          issues.add(path, kExpectedRecords);
        } else if (std::find(in.categories.begin(), in.categories.end(), it.key()) ==
                   in.categories.end()) {
          in.categories.push_back(it.key());
        }
      }
      in.data = *data;
    }
  }
  grounds_fields(o, catalog, in);
  o.no_other_keys();
  return in;
}

policy::DecisionRequest decision_request(const ExchangeInput& in, const Agency& caller,
                                         const std::string& subject_pseudonym) {
  const bool pull = in.direction == policy::Direction::kPull;
  const Agency& holder = pull ? *in.target_agency : caller;
  const Agency& recipient = pull ? caller : *in.target_agency;
  auto r = disclosure_request(in, in.direction, holder, recipient, subject_pseudonym);
  r.purpose = in.purpose;
  r.justification = in.justification;
  r.case_reference = in.case_reference;
  r.break_glass = in.break_glass;
  return r;
}

policy::DecisionRequest decision_request(const ReferralInput& in, const Agency& caller,
                                         const std::string& subject_pseudonym) {
  auto r = disclosure_request(in, policy::Direction::kPush, caller, *in.recipient_agency,
                              subject_pseudonym);
  r.referral_kind = in.kind->id;
  r.justification = justification_of(*in.kind, in.fields);
  return r;
}

AcknowledgementInput parse_acknowledgement(const nlohmann::json& body,
                                           const policy::Catalog& catalog,
                                           json_check::Issues& issues) {
  AcknowledgementInput in;
  Object o(issues, body, "");
  if (!o.valid()) return in;
  in.actor = actor_field(o, catalog);
  in.urgency_assessed = o.boolean_or("urgency_assessed", false);
  o.no_other_keys();
  return in;
}

ReferralDecisionInput parse_referral_decision(const nlohmann::json& body,
                                              const policy::Catalog& catalog,
                                              json_check::Issues& issues) {
  ReferralDecisionInput in;
  Object o(issues, body, "");
  if (!o.valid()) return in;
  in.actor = actor_field(o, catalog);
  if (auto id = o.string("outcome", Need::kRequired)) {
    in.outcome = find_decision_outcome(*id);
    if (in.outcome == nullptr) issues.add("/outcome", expected_one_of(decision_outcome_ids()));
  }
  if (const auto* d = o.any("detail")) {
    if (!d->is_object()) {
      issues.add("/detail",
                 Texts{"odotettiin JSON-objektia (organisaatiosi oma kirjaus päätöksestä)",
                       "förväntade ett JSON-objekt (din organisations egen anteckning om beslutet)",
                       "expected an object (your agency's own record of the decision)"});
    } else {
      in.detail = d->dump();
    }
  }
  o.no_other_keys();
  return in;
}

ConsentInput parse_consent_input(const nlohmann::json& body, const policy::Catalog& catalog,
                                 const Registry& registry, SysTime now,
                                 json_check::Issues& issues) {
  ConsentInput in;
  Object o(issues, body, "");
  if (!o.valid()) return in;
  auto& c = in.record;
  in.subject = subject_field(o, "subject");
  if (auto kind = o.string("kind", Need::kRequired)) {
    if (auto k = policy::consent_kind_from(*kind)) {
      c.kind = *k;
    } else {
      issues.add("/kind",
                 expected_one_of("suostumus, luovutuslupa, kielto, minor_prohibition, refusal"));
    }
  }
  if (const auto* list = o.array("granted_by", Need::kRequired)) {
    if (list->empty() || list->size() > kMaxGrantors) {
      const auto n = std::to_string(kMaxGrantors);
      issues.add("/granted_by",
                 Texts{"odotettiin 1–" + n + " henkilöä", "förväntade 1–" + n + " personer",
                       "expected 1 to " + n + " persons"});
    }
    for (std::size_t i = 0; i < list->size() && i < kMaxGrantors; ++i) {
      Object g(issues, (*list)[i], child_pointer("/granted_by", i));
      if (!g.valid()) continue;
      policy::ConsentGrantor grantor;
      if (auto cap = g.string("capacity", Need::kRequired)) {
        if (auto v = policy::capacity_from(*cap)) {
          grantor.capacity = *v;
        } else {
          issues.add(g.path_of("capacity"), expected_one_of(kCapacities));
        }
      }
      auto code = identity_code_field(g, "identity_code", Need::kRequired);
      grantor.minor_capable = g.boolean_or("minor_capable", false);
      grantor.assessed_by = g.text("assessed_by", Need::kOptional, kReferenceRule).value_or("");
      grantor.assessed_at = g.time("assessed_at");
      if (grantor.minor_capable && grantor.assessed_by.empty()) {
        issues.add(g.path_of("assessed_by"),
                   Texts{"pakollinen, kun minor_capable: kuka arvioi alaikäisen kykeneväksi "
                         "(ATL 34 §)",
                         "obligatoriskt när minor_capable: vem som bedömde den minderåriga "
                         "som kapabel (ATL 34 §)",
                         "required when minor_capable: who assessed the minor capable (ATL 34 §)"});
      }
      g.no_other_keys();
      if (code) in.grantors.push_back(std::move(*code));
      c.granted_by.push_back(std::move(grantor));
    }
  }
  auto kind_ok = [&](const std::string& id) { return catalog.find_kind(id) != nullptr; };
  const Texts unknown_kind{"tuntematon organisaatiotyyppi", "okänd organisationstyp",
                           "unknown agency kind"};
  c.from_kinds = catalog_ids(o, "from_kinds", Need::kOptional, kind_ok, unknown_kind);
  c.to_kinds = catalog_ids(o, "to_kinds", Need::kOptional, kind_ok, unknown_kind);
  c.from_agencies = agency_ids(o, "from_agencies", registry);
  c.to_agencies = agency_ids(o, "to_agencies", registry);
  c.categories = catalog_ids(
      o, "categories", Need::kOptional,
      [&](const std::string& id) { return catalog.find_category(id) != nullptr; },
      kUnknownCategory);
  c.purposes = catalog_ids(
      o, "purposes", Need::kOptional,
      [&](const std::string& id) { return catalog.find_purpose(id) != nullptr; }, kUnknownPurpose);
  c.data_recorded_from = o.time("data_recorded_from");
  c.data_recorded_until = o.time("data_recorded_until");
  c.valid_from = o.time("valid_from").value_or(now);
  c.valid_until = o.time("valid_until");
  if (c.valid_until && *c.valid_until <= c.valid_from) {
    issues.add("/valid_until", Texts{"odotettiin valid_from-ajan jälkeistä aikaa",
                                     "förväntade en tidpunkt efter valid_from",
                                     "expected a time after valid_from"});
  }
  if (auto form = o.string("form", Need::kRequired)) {
    if (auto f = policy::consent_form_from(*form)) {
      c.form = *f;
    } else {
      issues.add("/form", expected_one_of("written, electronic, oral_recorded"));
    }
  }
  c.informed_text_hash = o.string_or("informed_text_hash", "");
  if (!c.informed_text_hash.empty() &&
      (c.informed_text_hash.size() != 64 || !from_hex(c.informed_text_hash))) {
    issues.add("/informed_text_hash",
               Texts{"odotettiin annetun tiedon SHA-256-tiivistettä (64 heksamerkkiä)",
                     "förväntade SHA-256-summan (64 hex-tecken) av den information som gavs",
                     "expected the SHA-256 (64 hex) of the information given"});
  }
  in.actor = actor_field(o, catalog);
  c.recorded_by_actor = in.actor.id;
  o.no_other_keys();
  return in;
}

RevocationInput parse_revocation(const nlohmann::json& body, const Agency& caller,
                                 const policy::Catalog& catalog, SysTime now,
                                 json_check::Issues& issues) {
  RevocationInput in;
  policy::ConsentRevocation& r = in.revocation;
  r.at = now;
  r.by_agency = caller.id;
  Object o(issues, body, "");
  if (!o.valid()) return in;
  in.actor = actor_field(o, catalog);
  r.by_actor = in.actor.id;
  if (auto cap = o.string("capacity", Need::kRequired)) {
    if (auto v = policy::capacity_from(*cap)) {
      r.capacity = *v;
    } else {
      issues.add("/capacity", expected_one_of(kCapacities));
    }
  }
  r.channel = o.text("channel", Need::kRequired, kReferenceRule).value_or("");
  r.reason = o.text("reason", Need::kOptional, kNoteRule).value_or("");
  o.no_other_keys();
  return in;
}

std::string new_id(std::string_view prefix) {
  std::uint8_t bytes[12];
  randombytes_buf(bytes, sizeof bytes);
  return std::string(prefix) + to_hex(bytes);
}

}  // namespace silta::gateway
