// The catalog's lookups, names, citations and its JSON form.
#include "policy/catalog.h"

#include <algorithm>

#include "policy/consent_json.h"

namespace silta::policy {

using nlohmann::json;

namespace {

std::string ordinal(int n) {
  const char* suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

template <typename Map>
auto find_in(const Map& index, std::string_view id) -> typename Map::mapped_type {
  auto it = index.find(id);
  return it == index.end() ? nullptr : it->second;
}

json text_json(const Text& t) { return {{"fi", t.fi}, {"sv", t.sv}, {"en", t.en}}; }

// Code points, so that a Finnish text is measured as a reader counts it.
std::size_t text_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::string Citation::text() const {
  if (law == nullptr) return section;
  std::string out = law->name.fi + " " + law->number + " ";
  if (law->articles) {
    out += section + " artikla";
    if (subsection != 0) out += " " + std::to_string(subsection) + " kohta";
    return out;
  }
  if (!chapter.empty()) out += chapter + " luku ";
  out += section + " §";
  if (subsection != 0) out += " " + std::to_string(subsection) + " mom.";
  if (sentence != 0) out += " " + std::to_string(sentence) + ". virke";
  if (item != 0) out += " " + std::to_string(item) + " kohta";
  return out;
}

std::string Citation::short_text() const {
  std::string out = law == nullptr ? std::string() : law->id + " ";
  if (law != nullptr && law->articles) {
    out += "Art. " + section;
    if (subsection != 0) out += "(" + std::to_string(subsection) + ")";
    return out;
  }
  out += chapter.empty() ? section + " §" : chapter + ":" + section;
  if (subsection != 0) out += "(" + std::to_string(subsection) + ")";
  if (item != 0) out += "(" + std::to_string(item) + ")";
  if (sentence != 0) out += ", " + ordinal(sentence) + " sentence";
  return out;
}

const char* consent_regime_name(ConsentRegime regime) { return kConsentRegimeNames.name(regime); }

const char* direction_name(Direction d) { return kDirectionNames.name(d); }

const char* parties_name(Parties p) { return kPartiesNames.name(p); }

const char* referral_consent_name(ReferralConsent c) { return kReferralConsentNames.name(c); }

bool LegalBasis::in_force_on(Date d) const {
  return (!valid_from || *valid_from <= d) && (!valid_until || d <= *valid_until);
}

const Law* Catalog::find_law(std::string_view id) const { return find_in(law_index_, id); }
const AgencyKind* Catalog::find_kind(std::string_view id) const { return find_in(kind_index_, id); }
const DataCategory* Catalog::find_category(std::string_view id) const {
  return find_in(category_index_, id);
}
const Purpose* Catalog::find_purpose(std::string_view id) const {
  return find_in(purpose_index_, id);
}
const ActorRole* Catalog::find_role(std::string_view id) const { return find_in(role_index_, id); }
const Attestation* Catalog::find_attestation(std::string_view id) const {
  return find_in(attestation_index_, id);
}
const OffenceClass* Catalog::find_offence_class(std::string_view id) const {
  return find_in(offence_index_, id);
}
const LegalBasis* Catalog::find_basis(std::string_view id) const {
  return find_in(basis_index_, id);
}
const DeadlineRule* Catalog::find_deadline(std::string_view id) const {
  return find_in(deadline_index_, id);
}
const ReferralKind* Catalog::find_referral_kind(std::string_view id) const {
  return find_in(referral_index_, id);
}
const ConsentRule* Catalog::find_consent_rule(ConsentRegime regime) const {
  for (const auto& r : consent_rules) {
    if (r.regime == regime) return &r;
  }
  return nullptr;
}

json citation_json(const Citation& c) {
  json out = {{"law", c.law ? c.law->id : ""},
              {"section", c.section},
              {"text", c.text()},
              {"short", c.short_text()},
              {"url", c.law ? c.law->url : ""}};
  if (!c.chapter.empty()) out["chapter"] = c.chapter;
  if (c.subsection != 0) out["subsection"] = c.subsection;
  if (c.sentence != 0) out["sentence"] = c.sentence;
  if (c.item != 0) out["item"] = c.item;
  return out;
}

namespace {

// A JSON array of `items`, each as `to_json` writes it.
template <typename T, typename Fn>
json array_of(const std::vector<T>& items, Fn&& to_json) {
  json out = json::array();
  for (const auto& i : items) out.push_back(to_json(i));
  return out;
}

json law_json(const Law& l) {
  return {{"id", l.id}, {"name", text_json(l.name)}, {"number", l.number}, {"url", l.url}};
}

json kind_json(const AgencyKind& k) {
  return {{"id", k.id},
          {"name", text_json(k.name)},
          {"authority", k.authority},
          {"notes", text_json(k.notes)}};
}

json category_json(const DataCategory& c) {
  json never = json::array();
  for (const auto& w : c.never_forward) {
    never.push_back({{"field", w.field}, {"when", w.when}, {"citation", w.citation}});
  }
  return {{"id", c.id},
          {"name", text_json(c.name)},
          {"description", text_json(c.description)},
          {"secret", c.secret},
          {"secrecy_citation", c.secrecy_citation},
          {"gdpr", kGdprNames.name(c.gdpr)},
          {"specially_protected", c.specially_protected},
          {"consent_regime", consent_regime_name(c.consent_regime)},
          {"held_by", c.held_by},
          {"never_forward", never}};
}

json purpose_json(const Purpose& p) {
  return {{"id", p.id}, {"name", text_json(p.name)}, {"description", text_json(p.description)}};
}

json role_json(const ActorRole& r) {
  return {{"id", r.id}, {"name", text_json(r.name)}, {"notes", text_json(r.notes)}};
}

json attestation_json(const Attestation& a) { return {{"id", a.id}, {"text", text_json(a.text)}}; }

json offence_class_json(const OffenceClass& o) {
  return {{"id", o.id}, {"name", text_json(o.name)}};
}

// A basis's "requires": only the requirements it has, beside the three flags.
json requirements_json(const Requirements& q) {
  json req = {{"justification", q.justification},
              {"case_reference", q.case_reference},
              {"emergency", q.emergency}};
  if (!q.consent_kinds.empty()) {
    json kinds = json::array();
    for (auto k : q.consent_kinds) kinds.push_back(consent_kind_name(k));
    req["consent"] = {{"kinds", kinds}};
  }
  if (!q.offence.empty()) {
    json alts = json::array();
    for (const auto& a : q.offence) {
      json alt = {{"classes", a.classes}};
      if (a.min_max_penalty_months) alt["min_max_penalty_months"] = *a.min_max_penalty_months;
      alts.push_back(alt);
    }
    req["offence"] = alts;
  }
  if (!q.attestations.empty()) req["attestations"] = q.attestations;
  if (!q.roles_push.empty() || !q.roles_pull.empty()) {
    json roles = json::object();
    if (!q.roles_push.empty()) roles["push"] = q.roles_push;
    if (!q.roles_pull.empty()) roles["pull"] = q.roles_pull;
    req["roles"] = roles;
  }
  if (q.subject_min_age || q.subject_max_age) {
    json age = json::object();
    if (q.subject_min_age) age["min"] = *q.subject_min_age;
    if (q.subject_max_age) age["max"] = *q.subject_max_age;
    req["subject_age"] = age;
  }
  return req;
}

json legal_basis_json(const LegalBasis& b) {
  json out = {{"id", b.id},
              {"citation", citation_json(b.citation)},
              {"title", text_json(b.title)},
              {"initiative", kInitiativeNames.name(b.initiative)},
              {"from_kinds", b.from_kinds},
              {"to_kinds", b.to_kinds},
              {"recipient_must_be_authority", b.recipient_must_be_authority},
              {"categories", b.categories},
              {"purposes", b.any_purpose ? json::array({"*"}) : json(b.purposes)},
              {"requires", requirements_json(b.requirements)},
              {"notes", text_json(b.notes)}};
  if (b.valid_from) out["valid_from"] = format_date(*b.valid_from);
  if (b.valid_until) out["valid_until"] = format_date(*b.valid_until);
  return out;
}

json consent_rule_json(const ConsentRule& r) {
  json cites = json::array(), forms = json::array();
  for (const auto& c : r.citations) cites.push_back(citation_json(c));
  for (auto f : r.forms) forms.push_back(consent_form_name(f));
  return {{"regime", consent_regime_name(r.regime)},
          {"citations", cites},
          {"adult_age", r.adult_age},
          {"presumed_incapable_below", r.presumed_incapable_below},
          {"capable_minor", parties_name(r.capable_minor)},
          {"incapable_minor", parties_name(r.incapable_minor)},
          {"unassessed_minor", parties_name(r.unassessed_minor)},
          {"incapable_adult", parties_name(r.incapable_adult)},
          {"forms", forms},
          {"specific", r.specific},
          {"guardians_when_unknown", r.guardians_when_unknown},
          {"notes", text_json(r.notes)}};
}

json break_glass_json(const BreakGlassPolicy& bg) {
  json rules = json::array();
  for (const auto& r : bg.rules) {
    rules.push_back({{"id", r.id},
                     {"basis", r.basis},
                     {"from_kinds", r.from_kinds},
                     {"to_kinds", r.to_kinds},
                     {"categories", r.categories},
                     {"purposes", r.purposes},
                     {"notes", text_json(r.notes)}});
  }
  return {{"justification_min_length", bg.justification_min_length},
          {"review_due_working_days", bg.review_due_working_days},
          {"rules", rules}};
}

json deadline_json(const DeadlineRule& d) {
  json out = {{"id", d.id},
              {"citation", citation_json(d.citation)},
              {"title", text_json(d.title)},
              {"count", kDeadlineCountNames.name(d.spec.count)},
              {"moves_to_working_day", d.spec.moves_to_working_day},
              {"notes", text_json(d.notes)}};
  if (d.spec.count != DeadlineSpec::Count::kImmediately) out["amount"] = d.spec.amount;
  return out;
}

json referral_field_json(const ReferralField& f) {
  json out = {{"name", f.name},
              {"type", kReferralFieldTypeNames.name(f.type)},
              {"required", f.required},
              {"description", text_json(f.description)}};
  if (f.max_length != 0) out["max_length"] = f.max_length;
  if (!f.values.empty()) out["values"] = f.values;
  return out;
}

json referral_kind_json(const ReferralKind& k) {
  json fields = json::array(), deadlines = json::array();
  for (const auto& f : k.fields) fields.push_back(referral_field_json(f));
  for (const auto& d : k.deadlines) {
    deadlines.push_back({{"deadline", d.deadline}, {"applies", d.applies}});
  }
  json out = {{"id", k.id},
              {"name", text_json(k.name)},
              {"description", text_json(k.description)},
              {"bases", k.bases},
              {"purpose", k.purpose},
              {"from_kinds", k.from_kinds},
              {"to_kinds", k.to_kinds},
              {"categories", k.categories},
              {"consent", referral_consent_name(k.consent)},
              {"fields", fields},
              {"deadlines", deadlines},
              {"notes", text_json(k.notes)}};
  if (!k.companion.empty()) out["companion"] = k.companion;
  return out;
}

}  // namespace

json Catalog::to_json() const {
  json out = {{"id", id},
              {"version", version},
              {"sha256", sha256},
              {"title", text_json(title)},
              {"justification_min_length", justification_min_length}};
  out["laws"] = array_of(laws, law_json);
  out["kinds"] = array_of(kinds, kind_json);
  out["categories"] = array_of(categories, category_json);
  out["purposes"] = array_of(purposes, purpose_json);
  out["roles"] = array_of(roles, role_json);
  out["attestations"] = array_of(attestations, attestation_json);
  out["offence_classes"] = array_of(offence_classes, offence_class_json);
  out["bases"] = array_of(bases, legal_basis_json);
  out["consent_rules"] = array_of(consent_rules, consent_rule_json);
  out["break_glass"] = break_glass_json(break_glass);
  out["deadlines"] = array_of(deadlines, deadline_json);
  out["referral_kinds"] = array_of(referral_kinds, referral_kind_json);
  return out;
}

void check_referral_fields(const ReferralKind& kind, const json& fields, json_check::Issues& issues,
                           const std::string& path) {
  json_check::Object o(issues, fields, path);
  if (!o.valid()) return;
  for (const auto& f : kind.fields) {
    auto need = f.required ? json_check::Need::kRequired : json_check::Need::kOptional;
    switch (f.type) {
      case ReferralField::Type::kText: {
        auto v = o.string(f.name, need);
        if (!v) break;
        while (!v->empty() && (v->back() == ' ' || v->back() == '\n')) v->pop_back();
        if (f.required && v->empty()) {
          issues.add(o.path_of(f.name),
                     Texts{"ei saa olla tyhjä", "får inte vara tomt", "must not be empty"});
        } else if (f.max_length != 0 && text_length(*v) > std::size_t(f.max_length)) {
          auto n = std::to_string(f.max_length);
          issues.add(o.path_of(f.name), Texts{"odotettiin enintään " + n + " merkkiä",
                                              "förväntade högst " + n + " tecken",
                                              "expected at most " + n + " characters"});
        }
        break;
      }
      case ReferralField::Type::kBoolean:
        o.boolean(f.name, need);
        break;
      case ReferralField::Type::kDate: {
        auto v = o.string(f.name, need);
        if (v && !parse_date(*v)) issues.add(o.path_of(f.name), json_check::kExpectedDate);
        break;
      }
      case ReferralField::Type::kEnum: {
        auto v = o.string(f.name, need);
        if (v && std::find(f.values.begin(), f.values.end(), *v) == f.values.end()) {
          std::string list;
          for (const auto& value : f.values) list += (list.empty() ? "" : ", ") + value;
          issues.add(o.path_of(f.name), json_check::expected_one_of(list));
        }
        break;
      }
    }
  }
  o.no_other_keys();
}

}  // namespace silta::policy
