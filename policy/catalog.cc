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

json text_json(const Text& t) { return {{"fi", t.fi}, {"en", t.en}}; }

const char* count_name(DeadlineSpec::Count c) {
  switch (c) {
    case DeadlineSpec::Count::kImmediately:
      return "immediately";
    case DeadlineSpec::Count::kWorkingDays:
      return "working_days";
    case DeadlineSpec::Count::kMonths:
      return "months";
    case DeadlineSpec::Count::kCalendarDaysInclusive:
      return "calendar_days_inclusive";
  }
  return "immediately";
}

const char* field_type_name(ReferralField::Type t) {
  switch (t) {
    case ReferralField::Type::kText:
      return "text";
    case ReferralField::Type::kBoolean:
      return "boolean";
    case ReferralField::Type::kDate:
      return "date";
    case ReferralField::Type::kEnum:
      return "enum";
  }
  return "text";
}

const char* initiative_name(Initiative i) {
  switch (i) {
    case Initiative::kPull:
      return "pull";
    case Initiative::kPush:
      return "push";
    case Initiative::kBoth:
      return "both";
  }
  return "pull";
}

const char* gdpr_name(Gdpr g) {
  switch (g) {
    case Gdpr::kOrdinary:
      return "ordinary";
    case Gdpr::kArt9:
      return "art9";
    case Gdpr::kArt10:
      return "art10";
  }
  return "ordinary";
}

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

const char* consent_regime_name(ConsentRegime regime) {
  switch (regime) {
    case ConsentRegime::kHealth:
      return "health";
    case ConsentRegime::kSocial:
      return "social";
    case ConsentRegime::kStudentWelfare:
      return "student_welfare";
    case ConsentRegime::kGeneral:
      return "general";
  }
  return "general";
}

const char* direction_name(Direction d) { return d == Direction::kPull ? "pull" : "push"; }

const char* parties_name(Parties p) {
  switch (p) {
    case Parties::kSelf:
      return "self";
    case Parties::kGuardians:
      return "guardians";
    case Parties::kSelfAndGuardians:
      return "self_and_guardians";
    case Parties::kLegalRepresentative:
      return "legal_representative";
  }
  return "self";
}

const char* referral_consent_name(ReferralConsent c) {
  switch (c) {
    case ReferralConsent::kNotRequired:
      return "not_required";
    case ReferralConsent::kRequired:
      return "required";
    case ReferralConsent::kRequiredUnlessConditions:
      return "required_unless_conditions";
  }
  return "required";
}

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

json Catalog::to_json() const {
  json out = {{"id", id},
              {"version", version},
              {"sha256", sha256},
              {"title", text_json(title)},
              {"justification_min_length", justification_min_length}};
  auto& jl = out["laws"] = json::array();
  for (const auto& l : laws) {
    jl.push_back({{"id", l.id}, {"name", text_json(l.name)}, {"number", l.number}, {"url", l.url}});
  }
  auto& jk = out["kinds"] = json::array();
  for (const auto& k : kinds) {
    jk.push_back({{"id", k.id},
                  {"name", text_json(k.name)},
                  {"authority", k.authority},
                  {"notes", text_json(k.notes)}});
  }
  auto& jc = out["categories"] = json::array();
  for (const auto& c : categories) {
    json never = json::array();
    for (const auto& w : c.never_forward) {
      never.push_back({{"field", w.field}, {"when", w.when}, {"citation", w.citation}});
    }
    jc.push_back({{"id", c.id},
                  {"name", text_json(c.name)},
                  {"description", text_json(c.description)},
                  {"secret", c.secret},
                  {"secrecy_citation", c.secrecy_citation},
                  {"gdpr", gdpr_name(c.gdpr)},
                  {"specially_protected", c.specially_protected},
                  {"consent_regime", consent_regime_name(c.consent_regime)},
                  {"held_by", c.held_by},
                  {"never_forward", never}});
  }
  auto& jp = out["purposes"] = json::array();
  for (const auto& p : purposes) {
    jp.push_back(
        {{"id", p.id}, {"name", text_json(p.name)}, {"description", text_json(p.description)}});
  }
  auto& ja = out["attestations"] = json::array();
  for (const auto& a : attestations) ja.push_back({{"id", a.id}, {"text", text_json(a.text)}});
  auto& jo = out["offence_classes"] = json::array();
  for (const auto& o : offence_classes) jo.push_back({{"id", o.id}, {"name", text_json(o.name)}});
  auto& jb = out["bases"] = json::array();
  for (const auto& b : bases) {
    const auto& q = b.requirements;
    json req = {{"justification", q.justification},
                {"case_reference", q.case_reference},
                {"emergency", q.emergency}};
    if (!q.consent_kinds.empty()) {
      json kinds_json = json::array();
      for (auto k : q.consent_kinds) kinds_json.push_back(consent_kind_name(k));
      req["consent"] = {{"kinds", kinds_json}};
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
    if (q.subject_min_age || q.subject_max_age) {
      json age = json::object();
      if (q.subject_min_age) age["min"] = *q.subject_min_age;
      if (q.subject_max_age) age["max"] = *q.subject_max_age;
      req["subject_age"] = age;
    }
    json jb1 = {{"id", b.id},
                {"citation", citation_json(b.citation)},
                {"title", text_json(b.title)},
                {"initiative", initiative_name(b.initiative)},
                {"from_kinds", b.from_kinds},
                {"to_kinds", b.to_kinds},
                {"recipient_must_be_authority", b.recipient_must_be_authority},
                {"categories", b.categories},
                {"purposes", b.any_purpose ? json::array({"*"}) : json(b.purposes)},
                {"requires", req},
                {"notes", text_json(b.notes)}};
    if (b.valid_from) jb1["valid_from"] = format_date(*b.valid_from);
    if (b.valid_until) jb1["valid_until"] = format_date(*b.valid_until);
    jb.push_back(std::move(jb1));
  }
  auto& jr = out["consent_rules"] = json::array();
  for (const auto& r : consent_rules) {
    json cites = json::array(), forms = json::array();
    for (const auto& c : r.citations) cites.push_back(citation_json(c));
    for (auto f : r.forms) forms.push_back(consent_form_name(f));
    jr.push_back({{"regime", consent_regime_name(r.regime)},
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
                  {"notes", text_json(r.notes)}});
  }
  json rules = json::array();
  for (const auto& r : break_glass.rules) {
    rules.push_back({{"id", r.id},
                     {"basis", r.basis},
                     {"from_kinds", r.from_kinds},
                     {"to_kinds", r.to_kinds},
                     {"categories", r.categories},
                     {"purposes", r.purposes},
                     {"notes", text_json(r.notes)}});
  }
  out["break_glass"] = {{"justification_min_length", break_glass.justification_min_length},
                        {"review_due_working_days", break_glass.review_due_working_days},
                        {"rules", rules}};
  auto& jd = out["deadlines"] = json::array();
  for (const auto& d : deadlines) {
    json jd1 = {{"id", d.id},
                {"citation", citation_json(d.citation)},
                {"title", text_json(d.title)},
                {"count", count_name(d.spec.count)},
                {"moves_to_working_day", d.spec.moves_to_working_day},
                {"notes", text_json(d.notes)}};
    if (d.spec.count != DeadlineSpec::Count::kImmediately) jd1["amount"] = d.spec.amount;
    jd.push_back(std::move(jd1));
  }
  auto& jrk = out["referral_kinds"] = json::array();
  for (const auto& k : referral_kinds) {
    json fields = json::array(), dls = json::array();
    for (const auto& f : k.fields) {
      json jf = {{"name", f.name},
                 {"type", field_type_name(f.type)},
                 {"required", f.required},
                 {"description", text_json(f.description)}};
      if (f.max_length != 0) jf["max_length"] = f.max_length;
      if (!f.values.empty()) jf["values"] = f.values;
      fields.push_back(std::move(jf));
    }
    for (const auto& d : k.deadlines)
      dls.push_back({{"deadline", d.deadline}, {"applies", d.applies}});
    json jk1 = {{"id", k.id},
                {"name", text_json(k.name)},
                {"description", text_json(k.description)},
                {"bases", k.bases},
                {"purpose", k.purpose},
                {"from_kinds", k.from_kinds},
                {"to_kinds", k.to_kinds},
                {"categories", k.categories},
                {"consent", referral_consent_name(k.consent)},
                {"fields", fields},
                {"deadlines", dls},
                {"notes", text_json(k.notes)}};
    if (!k.companion.empty()) jk1["companion"] = k.companion;
    jrk.push_back(std::move(jk1));
  }
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
          issues.add(o.path_of(f.name), "must not be empty");
        } else if (f.max_length != 0 && text_length(*v) > std::size_t(f.max_length)) {
          issues.add(o.path_of(f.name),
                     "expected at most " + std::to_string(f.max_length) + " characters");
        }
        break;
      }
      case ReferralField::Type::kBoolean:
        o.boolean(f.name, need);
        break;
      case ReferralField::Type::kDate: {
        auto v = o.string(f.name, need);
        if (v && !parse_date(*v)) issues.add(o.path_of(f.name), "expected a date YYYY-MM-DD");
        break;
      }
      case ReferralField::Type::kEnum: {
        auto v = o.string(f.name, need);
        if (v && std::find(f.values.begin(), f.values.end(), *v) == f.values.end()) {
          std::string list;
          for (const auto& value : f.values) list += (list.empty() ? "" : ", ") + value;
          issues.add(o.path_of(f.name), "expected one of " + list);
        }
        break;
      }
    }
  }
  o.no_other_keys();
}

}  // namespace silta::policy
