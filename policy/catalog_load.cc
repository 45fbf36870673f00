// Reading a catalog directory. Every table is parsed with json_check so that every problem is
// reported with its file and JSON Pointer; references are checked against the tables parsed
// before them (the files are read in dependency order); then catalog_check.cc checks the whole
// catalog.
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "common/codec.h"
#include "policy/catalog.h"
#include "policy/catalog_check.h"
#include "policy/consent_json.h"

namespace silta::policy {

using json_check::child_pointer;
using json_check::Need;
using json_check::Object;
using nlohmann::json;

namespace {

// The fixed files, in the order they are parsed; bases/*.json come between consent_rules.json
// and break_glass.json.
constexpr const char* kManifest = "catalog.json";
constexpr const char* kLaws = "laws.json";
constexpr const char* kKinds = "kinds.json";
constexpr const char* kCategories = "categories.json";
constexpr const char* kPurposes = "purposes.json";
constexpr const char* kConditions = "conditions.json";
constexpr const char* kConsentRules = detail::kConsentRulesFile;
constexpr const char* kBreakGlass = "break_glass.json";
constexpr const char* kDeadlines = "deadlines.json";
constexpr const char* kReferrals = "referrals.json";
constexpr std::size_t kMaxFileBytes = std::size_t{4} << 20;
constexpr std::size_t kMaxKinds = 64;
constexpr std::size_t kMaxPurposes = 64;

bool is_basis_file(const std::string& name) {
  return name.size() > 11 && name.rfind("bases/", 0) == 0 &&
         name.find('/', 6) == std::string::npos && name.compare(name.size() - 5, 5, ".json") == 0;
}

bool valid_id(std::string_view id, bool upper_allowed = false) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              (upper_allowed && c >= 'A' && c <= 'Z');
    if (!ok) return false;
  }
  return true;
}

using IdSet = std::set<std::string, std::less<>>;

template <typename T>
IdSet id_set(const std::vector<T>& items) {
  IdSet out;
  for (const auto& i : items) out.insert(i.id);
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

// Builds a Catalog while collecting problems; a friend of Catalog to fill its indices.
struct CatalogBuilder {
  std::unique_ptr<Catalog> catalog = std::make_unique<Catalog>();
  std::vector<CatalogProblem> problems;
  std::map<std::string, json> docs;  // parsed files, for the hash

  detail::CatalogSites sites;  // where bases and referral kinds were defined

  void problem(std::string file, std::string path, std::string message) {
    problems.push_back({std::move(file), std::move(path), std::move(message)});
  }
  void take(const std::string& file, const json_check::Issues& issues) {
    for (const auto& i : issues.list()) problem(file, i.path, i.message);
  }

  // --- small readers ----------------------------------------------------------------------

  static std::string id_of(Object& o, const IdSet& seen, const char* what, bool upper = false) {
    auto id = o.string("id", Need::kRequired).value_or("");
    if (o.has("id") && !valid_id(id, upper)) {
      o.issues().add(o.path_of("id"), upper ? "expected 1-64 characters of A-Z, a-z, 0-9, '_', '.'"
                                            : "expected 1-64 characters of a-z, 0-9, '_', '.'");
    } else if (!id.empty() && seen.count(id) != 0) {
      o.issues().add(o.path_of("id"), std::string("duplicate ") + what + " id \"" + id + "\"");
    }
    return id;
  }

  static Text text(Object& o, std::string_view key, Need need = Need::kRequired) {
    Text t;
    auto obj = o.object(key, need);
    if (!obj) return t;
    t.fi = obj->string("fi", Need::kRequired).value_or("");
    t.en = obj->string("en", Need::kRequired).value_or("");
    if (obj->has("fi") && t.fi.empty()) obj->issues().add(obj->path_of("fi"), "must not be empty");
    if (obj->has("en") && t.en.empty()) obj->issues().add(obj->path_of("en"), "must not be empty");
    obj->no_other_keys();
    return t;
  }

  // A list of ids that must each be in `known` (or "*" alone for all, when `star` is given).
  static std::vector<std::string> refs(Object& o, std::string_view key, const IdSet& known,
                                       const char* what, Need need = Need::kRequired,
                                       bool* star = nullptr) {
    auto list = o.strings(key, need);
    if (!list) return {};
    auto path = o.path_of(key);
    if (star != nullptr && list->size() == 1 && (*list)[0] == "*") {
      *star = true;
      return {known.begin(), known.end()};
    }
    if (need == Need::kRequired && list->empty()) o.issues().add(path, "expected at least one id");
    IdSet seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& id = (*list)[i];
      if (known.count(id) == 0) {
        o.issues().add(child_pointer(path, i), std::string("unknown ") + what + " \"" + id + "\"");
      } else if (!seen.insert(id).second) {
        o.issues().add(child_pointer(path, i),
                       std::string("duplicate ") + what + " \"" + id + "\"");
      }
    }
    return *list;
  }

  Citation citation(Object& parent, std::string_view key) {
    auto o = parent.object(key, Need::kRequired);
    return o ? citation_of(*o) : Citation{};
  }

  Citation citation_of(Object& o) {
    Citation c;
    auto law = o.string("law", Need::kRequired);
    if (law) {
      c.law = catalog->find_law(*law);
      if (c.law == nullptr) o.issues().add(o.path_of("law"), "unknown law \"" + *law + "\"");
    }
    c.chapter = o.string_or("chapter", "");
    c.section = o.string("section", Need::kRequired).value_or("");
    if (o.has("section") && c.section.empty()) {
      o.issues().add(o.path_of("section"), "must not be empty");
    }
    c.subsection = static_cast<int>(o.integer_or("subsection", 0, 1, 20));
    c.sentence = static_cast<int>(o.integer_or("sentence", 0, 1, 20));
    c.item = static_cast<int>(o.integer_or("item", 0, 1, 50));
    if (c.sentence != 0 && c.subsection == 0) {
      o.issues().add(o.path_of("sentence"), "a sentence needs its subsection");
    }
    o.no_other_keys();
    return c;
  }

  std::optional<Date> date(Object& o, std::string_view key, Need need) {
    auto s = o.string(key, need);
    if (!s) return std::nullopt;
    auto d = parse_date(*s);
    if (!d) o.issues().add(o.path_of(key), "expected a date YYYY-MM-DD");
    return d;
  }

  // --- the tables --------------------------------------------------------------------------

  void manifest(const json& doc, json_check::Issues& issues) {
    Object o(issues, doc, "");
    catalog->id = o.string("id", Need::kRequired).value_or("");
    if (o.has("id") && !valid_id(catalog->id)) {
      issues.add("/id", "expected 1-64 characters of a-z, 0-9, '_', '.'");
    }
    catalog->version = o.string("version", Need::kRequired).value_or("");
    bool version_ok = !catalog->version.empty() && catalog->version.size() <= 32;
    for (char c : catalog->version) {
      version_ok = version_ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                                  (c >= 'A' && c <= 'Z') || c == '.' || c == '-');
    }
    if (o.has("version") && !version_ok) {
      issues.add("/version", "expected 1-32 characters of A-Z, a-z, 0-9, '.', '-'");
    }
    catalog->title = text(o, "title");
    o.string("sources", Need::kRequired);
    catalog->justification_min_length = static_cast<int>(
        o.integer("justification_min_length", Need::kRequired, 1, 1000).value_or(20));
    o.no_other_keys();
  }

  void laws(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    if (const auto* list = root.array("laws", Need::kRequired)) {
      IdSet seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/laws", i));
        if (!o.valid()) continue;
        Law law;
        law.id = id_of(o, seen, "law", true);
        law.name = text(o, "name");
        law.number = o.string("number", Need::kRequired).value_or("");
        law.articles = o.boolean_or("articles", false);
        law.url = o.string("url", Need::kRequired).value_or("");
        if (o.has("url") && law.url.rfind("https://", 0) != 0) {
          issues.add(o.path_of("url"), "expected an https:// link to the statute");
        }
        o.no_other_keys();
        seen.insert(law.id);
        catalog->laws.push_back(std::move(law));
      }
    }
    root.no_other_keys();
    for (const auto& l : catalog->laws) catalog->law_index_.emplace(l.id, &l);
  }

  void kinds(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    if (const auto* list = root.array("kinds", Need::kRequired)) {
      IdSet seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/kinds", i));
        if (!o.valid()) continue;
        AgencyKind k;
        k.id = id_of(o, seen, "agency kind");
        k.name = text(o, "name");
        k.authority = o.boolean("authority", Need::kRequired).value_or(false);
        k.notes = text(o, "notes");
        o.no_other_keys();
        seen.insert(k.id);
        catalog->kinds.push_back(std::move(k));
      }
    }
    root.no_other_keys();
    for (const auto& k : catalog->kinds) catalog->kind_index_.emplace(k.id, &k);
  }

  void categories(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    IdSet kind_ids = id_set(catalog->kinds);
    if (const auto* list = root.array("categories", Need::kRequired)) {
      IdSet seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/categories", i));
        if (!o.valid()) continue;
        DataCategory c;
        c.id = id_of(o, seen, "data category");
        c.name = text(o, "name");
        c.description = text(o, "description");
        c.secret = o.boolean("secret", Need::kRequired).value_or(true);
        c.secrecy_citation = o.string_or("secrecy_citation", "");
        if (c.secret && c.secrecy_citation.empty()) {
          issues.add(o.path_of("secrecy_citation"),
                     "required for a secret category: the provision that makes it secret");
        }
        auto gdpr = o.string("gdpr", Need::kRequired);
        if (gdpr) {
          if (*gdpr == "ordinary") {
            c.gdpr = Gdpr::kOrdinary;
          } else if (*gdpr == "art9") {
            c.gdpr = Gdpr::kArt9;
          } else if (*gdpr == "art10") {
            c.gdpr = Gdpr::kArt10;
          } else {
            issues.add(o.path_of("gdpr"), "expected one of ordinary, art9, art10");
          }
        }
        c.specially_protected = o.boolean("specially_protected", Need::kRequired).value_or(false);
        auto regime = o.string("consent_regime", Need::kRequired);
        if (regime) {
          if (auto r = regime_from(*regime)) {
            c.consent_regime = *r;
          } else {
            issues.add(o.path_of("consent_regime"),
                       "expected one of health, social, student_welfare, general");
          }
        }
        c.held_by = refs(o, "held_by", kind_ids, "agency kind");
        if (const auto* never = o.array("never_forward")) {
          for (std::size_t j = 0; j < never->size(); ++j) {
            Object w(issues, (*never)[j], child_pointer(o.path_of("never_forward"), j));
            if (!w.valid()) continue;
            WithheldField f;
            f.field = w.string("field", Need::kRequired).value_or("");
            f.when = w.string("when", Need::kRequired).value_or("");
            if (w.has("when") && f.when != "turvakielto") {
              issues.add(w.path_of("when"), "expected turvakielto (the only situation known)");
            }
            f.citation = w.string("citation", Need::kRequired).value_or("");
            w.no_other_keys();
            c.never_forward.push_back(std::move(f));
          }
        }
        o.no_other_keys();
        seen.insert(c.id);
        catalog->categories.push_back(std::move(c));
      }
    }
    root.no_other_keys();
    for (const auto& c : catalog->categories) catalog->category_index_.emplace(c.id, &c);
  }

  void purposes(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    if (const auto* list = root.array("purposes", Need::kRequired)) {
      IdSet seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/purposes", i));
        if (!o.valid()) continue;
        Purpose p;
        p.id = id_of(o, seen, "purpose");
        p.name = text(o, "name");
        p.description = text(o, "description");
        o.no_other_keys();
        seen.insert(p.id);
        catalog->purposes.push_back(std::move(p));
      }
    }
    root.no_other_keys();
    for (const auto& p : catalog->purposes) catalog->purpose_index_.emplace(p.id, &p);
  }

  void conditions(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    if (const auto* list = root.array("attestations", Need::kRequired)) {
      IdSet seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/attestations", i));
        if (!o.valid()) continue;
        Attestation a;
        a.id = id_of(o, seen, "attestation");
        a.text = text(o, "text");
        o.no_other_keys();
        seen.insert(a.id);
        catalog->attestations.push_back(std::move(a));
      }
    }
    if (const auto* list = root.array("offence_classes", Need::kRequired)) {
      IdSet seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/offence_classes", i));
        if (!o.valid()) continue;
        OffenceClass c;
        c.id = id_of(o, seen, "offence class");
        c.name = text(o, "name");
        o.no_other_keys();
        seen.insert(c.id);
        catalog->offence_classes.push_back(std::move(c));
      }
    }
    root.no_other_keys();
    for (const auto& a : catalog->attestations) catalog->attestation_index_.emplace(a.id, &a);
    for (const auto& c : catalog->offence_classes) catalog->offence_index_.emplace(c.id, &c);
  }

  static std::optional<ConsentRegime> regime_from(std::string_view s) {
    if (s == "health") return ConsentRegime::kHealth;
    if (s == "social") return ConsentRegime::kSocial;
    if (s == "student_welfare") return ConsentRegime::kStudentWelfare;
    if (s == "general") return ConsentRegime::kGeneral;
    return std::nullopt;
  }

  static std::optional<Parties> parties_from(std::string_view s) {
    if (s == "self") return Parties::kSelf;
    if (s == "guardians") return Parties::kGuardians;
    if (s == "self_and_guardians") return Parties::kSelfAndGuardians;
    if (s == "legal_representative") return Parties::kLegalRepresentative;
    return std::nullopt;
  }

  void consent_rules(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    if (const auto* list = root.array("rules", Need::kRequired)) {
      std::set<ConsentRegime> seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/rules", i));
        if (!o.valid()) continue;
        ConsentRule r;
        auto regime = o.string("regime", Need::kRequired);
        if (regime) {
          if (auto v = regime_from(*regime)) {
            r.regime = *v;
            if (!seen.insert(*v).second) {
              issues.add(o.path_of("regime"), "duplicate rule for the regime \"" + *regime + "\"");
            }
          } else {
            issues.add(o.path_of("regime"),
                       "expected one of health, social, student_welfare, general");
          }
        }
        if (const auto* cites = o.array("citations", Need::kRequired)) {
          if (cites->empty()) issues.add(o.path_of("citations"), "expected at least one citation");
          for (std::size_t j = 0; j < cites->size(); ++j) {
            Object c(issues, (*cites)[j], child_pointer(o.path_of("citations"), j));
            if (c.valid()) r.citations.push_back(citation_of(c));
          }
        }
        r.adult_age =
            static_cast<int>(o.integer("adult_age", Need::kRequired, 15, 21).value_or(18));
        r.presumed_incapable_below = static_cast<int>(
            o.integer("presumed_incapable_below", Need::kRequired, 0, 21).value_or(12));
        if (r.presumed_incapable_below > r.adult_age) {
          issues.add(o.path_of("presumed_incapable_below"), "must not exceed adult_age");
        }
        auto party = [&](std::string_view key, Parties& out) {
          auto s = o.string(key, Need::kRequired);
          if (!s) return;
          if (auto p = parties_from(*s)) {
            out = *p;
          } else {
            issues.add(o.path_of(key),
                       "expected one of self, guardians, self_and_guardians, legal_representative");
          }
        };
        party("capable_minor", r.capable_minor);
        party("incapable_minor", r.incapable_minor);
        party("unassessed_minor", r.unassessed_minor);
        party("incapable_adult", r.incapable_adult);
        if (auto forms = o.strings("forms", Need::kRequired)) {
          if (forms->empty()) issues.add(o.path_of("forms"), "expected at least one form");
          for (std::size_t j = 0; j < forms->size(); ++j) {
            const auto& f = (*forms)[j];
            if (f == "written") {
              r.forms.push_back(ConsentForm::kWritten);
            } else if (f == "electronic") {
              r.forms.push_back(ConsentForm::kElectronic);
            } else if (f == "oral_recorded") {
              r.forms.push_back(ConsentForm::kOralRecorded);
            } else {
              issues.add(child_pointer(o.path_of("forms"), j),
                         "expected one of written, electronic, oral_recorded");
            }
          }
        }
        r.specific = o.boolean("specific", Need::kRequired).value_or(true);
        r.guardians_when_unknown = static_cast<int>(
            o.integer("guardians_when_unknown", Need::kRequired, 1, 2).value_or(2));
        r.notes = text(o, "notes");
        o.no_other_keys();
        catalog->consent_rules.push_back(std::move(r));
      }
    }
    root.no_other_keys();
  }

  // The consents a basis may rest on: permits only (a prohibition is never a basis).
  static std::optional<ConsentKind> permit_kind_from(std::string_view s) {
    auto k = consent_kind_from(s);
    if (k == ConsentKind::kSuostumus || k == ConsentKind::kLuovutuslupa) return k;
    return std::nullopt;
  }

  void bases(const std::string& file, const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    IdSet kind_ids = id_set(catalog->kinds), category_ids = id_set(catalog->categories),
          purpose_ids = id_set(catalog->purposes), attestation_ids = id_set(catalog->attestations),
          offence_ids = id_set(catalog->offence_classes);
    IdSet seen = id_set(catalog->bases);
    if (const auto* list = root.array("bases", Need::kRequired)) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/bases", i));
        if (!o.valid()) continue;
        LegalBasis b;
        b.file = file;
        b.id = id_of(o, seen, "legal basis");
        b.citation = citation(o, "citation");
        b.title = text(o, "title");
        auto initiative = o.string("initiative", Need::kRequired);
        if (initiative) {
          if (*initiative == "pull") {
            b.initiative = Initiative::kPull;
          } else if (*initiative == "push") {
            b.initiative = Initiative::kPush;
          } else if (*initiative == "both") {
            b.initiative = Initiative::kBoth;
          } else {
            issues.add(o.path_of("initiative"), "expected one of pull, push, both");
          }
        }
        b.from_kinds = refs(o, "from_kinds", kind_ids, "agency kind");
        b.to_kinds = refs(o, "to_kinds", kind_ids, "agency kind");
        b.recipient_must_be_authority =
            o.boolean("recipient_must_be_authority", Need::kRequired).value_or(false);
        b.categories = refs(o, "categories", category_ids, "data category");
        b.purposes = refs(o, "purposes", purpose_ids, "purpose", Need::kRequired, &b.any_purpose);
        if (auto r = o.object("requires", Need::kRequired))
          requirements(*r, b, attestation_ids, offence_ids);
        b.valid_from = date(o, "valid_from", Need::kRequired);
        b.valid_until = date(o, "valid_until", Need::kOptional);
        if (b.valid_from && b.valid_until && *b.valid_until < *b.valid_from) {
          issues.add(o.path_of("valid_until"), "is before valid_from: the basis can never apply");
        }
        b.notes = text(o, "notes");
        o.no_other_keys();
        seen.insert(b.id);
        sites.basis.push_back({file, o.path()});
        catalog->bases.push_back(std::move(b));
      }
    }
    root.no_other_keys();
  }

  void requirements(Object& r, LegalBasis& b, const IdSet& attestation_ids,
                    const IdSet& offence_ids) {
    auto& q = b.requirements;
    q.justification = r.boolean_or("justification", false);
    q.case_reference = r.boolean_or("case_reference", false);
    q.emergency = r.boolean_or("emergency", false);
    if (auto c = r.object("consent")) {
      if (auto kinds = c->strings("kinds", Need::kRequired)) {
        if (kinds->empty()) c->issues().add(c->path_of("kinds"), "expected at least one kind");
        for (std::size_t j = 0; j < kinds->size(); ++j) {
          if (auto k = permit_kind_from((*kinds)[j])) {
            q.consent_kinds.push_back(*k);
          } else {
            c->issues().add(child_pointer(c->path_of("kinds"), j),
                            "expected suostumus or luovutuslupa (a prohibition is never required)");
          }
        }
      }
      c->no_other_keys();
    }
    if (const auto* list = r.array("offence")) {
      if (list->empty()) r.issues().add(r.path_of("offence"), "expected at least one alternative");
      for (std::size_t j = 0; j < list->size(); ++j) {
        Object a(r.issues(), (*list)[j], child_pointer(r.path_of("offence"), j));
        if (!a.valid()) continue;
        OffenceAlternative alt;
        alt.classes = refs(a, "classes", offence_ids, "offence class", Need::kOptional);
        if (auto m = a.integer("min_max_penalty_months", Need::kOptional, 1, 240)) {
          alt.min_max_penalty_months = static_cast<int>(*m);
        }
        if (alt.classes.empty() && !alt.min_max_penalty_months) {
          a.issues().add(a.path(),
                         "expected classes or min_max_penalty_months: an alternative "
                         "that names neither would accept any offence");
        }
        a.no_other_keys();
        q.offence.push_back(std::move(alt));
      }
    }
    q.attestations = refs(r, "attestations", attestation_ids, "attestation", Need::kOptional);
    if (auto age = r.object("subject_age")) {
      if (auto v = age->integer("min", Need::kOptional, 0, 150)) q.subject_min_age = int(*v);
      if (auto v = age->integer("max", Need::kOptional, 0, 150)) q.subject_max_age = int(*v);
      if (!q.subject_min_age && !q.subject_max_age) {
        age->issues().add(age->path(), "expected min or max");
      } else if (q.subject_min_age && q.subject_max_age &&
                 *q.subject_min_age > *q.subject_max_age) {
        age->issues().add(age->path(), "min is above max: the basis can never apply");
      }
      age->no_other_keys();
    }
    if (q.emergency && !q.consent_kinds.empty()) {
      r.issues().add(r.path_of("emergency"), "an emergency basis cannot also need a consent");
    }
    r.no_other_keys();
  }

  void break_glass(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    auto& bg = catalog->break_glass;
    bg.justification_min_length = static_cast<int>(
        root.integer("justification_min_length", Need::kRequired, 1, 2000).value_or(40));
    bg.review_due_working_days = static_cast<int>(
        root.integer("review_due_working_days", Need::kRequired, 0, 60).value_or(3));
    IdSet basis_ids = id_set(catalog->bases), kind_ids = id_set(catalog->kinds),
          category_ids = id_set(catalog->categories), purpose_ids = id_set(catalog->purposes);
    if (const auto* list = root.array("rules", Need::kRequired)) {
      IdSet seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/rules", i));
        if (!o.valid()) continue;
        BreakGlassRule r;
        r.id = id_of(o, seen, "break-glass rule");
        r.basis = o.string("basis", Need::kRequired).value_or("");
        const LegalBasis* basis = nullptr;
        for (const auto& b : catalog->bases) {
          if (b.id == r.basis) basis = &b;
        }
        if (o.has("basis") && basis == nullptr) {
          issues.add(o.path_of("basis"), "unknown legal basis \"" + r.basis + "\"");
        } else if (basis != nullptr && !basis->requirements.emergency) {
          issues.add(o.path_of("basis"),
                     "the basis does not require an emergency: break-glass adds nothing to it");
        }
        // A narrowing must stay inside the basis.
        auto narrow = [&](std::string_view key, const IdSet& known, const char* what,
                          const std::vector<std::string>* of_basis) {
          auto list = refs(o, key, known, what, Need::kOptional);
          if (basis == nullptr || of_basis == nullptr) return list;
          for (std::size_t j = 0; j < list.size(); ++j) {
            if (!contains(*of_basis, list[j])) {
              issues.add(child_pointer(o.path_of(key), j),
                         "\"" + list[j] + "\" is not in the basis's " + std::string(key));
            }
          }
          return list;
        };
        r.from_kinds =
            narrow("from_kinds", kind_ids, "agency kind", basis ? &basis->from_kinds : nullptr);
        r.to_kinds =
            narrow("to_kinds", kind_ids, "agency kind", basis ? &basis->to_kinds : nullptr);
        r.categories = narrow("categories", category_ids, "data category",
                              basis ? &basis->categories : nullptr);
        r.purposes = narrow("purposes", purpose_ids, "purpose", basis ? &basis->purposes : nullptr);
        r.notes = text(o, "notes");
        o.no_other_keys();
        seen.insert(r.id);
        bg.rules.push_back(std::move(r));
      }
    }
    root.no_other_keys();
  }

  void deadlines(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    if (const auto* list = root.array("deadlines", Need::kRequired)) {
      IdSet seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/deadlines", i));
        if (!o.valid()) continue;
        DeadlineRule d;
        d.id = id_of(o, seen, "deadline");
        d.citation = citation(o, "citation");
        d.title = text(o, "title");
        auto count = o.string("count", Need::kRequired);
        bool needs_amount = true;
        if (count) {
          if (*count == "immediately") {
            d.spec.count = DeadlineSpec::Count::kImmediately;
            needs_amount = false;
          } else if (*count == "working_days") {
            d.spec.count = DeadlineSpec::Count::kWorkingDays;
          } else if (*count == "months") {
            d.spec.count = DeadlineSpec::Count::kMonths;
          } else if (*count == "calendar_days_inclusive") {
            d.spec.count = DeadlineSpec::Count::kCalendarDaysInclusive;
          } else {
            issues.add(o.path_of("count"),
                       "expected one of immediately, working_days, months, "
                       "calendar_days_inclusive");
          }
        }
        if (needs_amount) {
          d.spec.amount =
              static_cast<int>(o.integer("amount", Need::kRequired, 1, 3660).value_or(1));
        } else if (o.has("amount")) {
          o.any("amount");
          issues.add(o.path_of("amount"), "an immediate deadline has no amount");
        }
        d.spec.moves_to_working_day = o.boolean_or("moves_to_working_day", false);
        d.notes = text(o, "notes");
        o.no_other_keys();
        seen.insert(d.id);
        catalog->deadlines.push_back(std::move(d));
      }
    }
    root.no_other_keys();
    for (const auto& d : catalog->deadlines) catalog->deadline_index_.emplace(d.id, &d);
  }

  void referrals(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    IdSet basis_ids = id_set(catalog->bases), kind_ids = id_set(catalog->kinds),
          category_ids = id_set(catalog->categories), purpose_ids = id_set(catalog->purposes),
          deadline_ids = id_set(catalog->deadlines);
    if (const auto* list = root.array("referral_kinds", Need::kRequired)) {
      IdSet seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/referral_kinds", i));
        if (!o.valid()) continue;
        ReferralKind k;
        k.id = id_of(o, seen, "referral kind");
        k.name = text(o, "name");
        k.description = text(o, "description");
        k.bases = refs(o, "bases", basis_ids, "legal basis");
        auto purpose = o.string("purpose", Need::kRequired);
        if (purpose) {
          k.purpose = *purpose;
          if (purpose_ids.count(k.purpose) == 0) {
            issues.add(o.path_of("purpose"), "unknown purpose \"" + k.purpose + "\"");
          }
        }
        k.from_kinds = refs(o, "from_kinds", kind_ids, "agency kind");
        k.to_kinds = refs(o, "to_kinds", kind_ids, "agency kind");
        k.categories = refs(o, "categories", category_ids, "data category");
        if (const auto* fields = o.array("fields", Need::kRequired)) {
          std::set<std::string> names;
          for (std::size_t j = 0; j < fields->size(); ++j) {
            Object f(issues, (*fields)[j], child_pointer(o.path_of("fields"), j));
            if (!f.valid()) continue;
            ReferralField field;
            field.name = f.string("name", Need::kRequired).value_or("");
            if (f.has("name") && !valid_id(field.name)) {
              issues.add(f.path_of("name"), "expected 1-64 characters of a-z, 0-9, '_', '.'");
            } else if (!field.name.empty() && !names.insert(field.name).second) {
              issues.add(f.path_of("name"), "duplicate field \"" + field.name + "\"");
            }
            auto type = f.string("type", Need::kRequired);
            if (type) {
              if (*type == "text") {
                field.type = ReferralField::Type::kText;
              } else if (*type == "boolean") {
                field.type = ReferralField::Type::kBoolean;
              } else if (*type == "date") {
                field.type = ReferralField::Type::kDate;
              } else if (*type == "enum") {
                field.type = ReferralField::Type::kEnum;
              } else {
                issues.add(f.path_of("type"), "expected one of text, boolean, date, enum");
              }
            }
            field.required = f.boolean("required", Need::kRequired).value_or(false);
            if (field.type == ReferralField::Type::kText) {
              field.max_length = static_cast<int>(f.integer_or("max_length", 0, 1, 1000000));
            }
            if (field.type == ReferralField::Type::kEnum) {
              field.values =
                  f.strings("values", Need::kRequired).value_or(std::vector<std::string>{});
              if (f.has("values") && field.values.empty()) {
                issues.add(f.path_of("values"), "expected at least one value");
              }
            }
            field.description = text(f, "description");
            f.no_other_keys();
            k.fields.push_back(std::move(field));
          }
        }
        if (const auto* dls = o.array("deadlines", Need::kRequired)) {
          for (std::size_t j = 0; j < dls->size(); ++j) {
            Object d(issues, (*dls)[j], child_pointer(o.path_of("deadlines"), j));
            if (!d.valid()) continue;
            ReferralDeadline rd;
            rd.deadline = d.string("deadline", Need::kRequired).value_or("");
            if (d.has("deadline") && deadline_ids.count(rd.deadline) == 0) {
              issues.add(d.path_of("deadline"), "unknown deadline \"" + rd.deadline + "\"");
            }
            rd.applies = d.string("applies", Need::kRequired).value_or("always");
            if (rd.applies != "always" && rd.applies != "assessment_opened") {
              issues.add(d.path_of("applies"), "expected always or assessment_opened");
            }
            d.no_other_keys();
            k.deadlines.push_back(std::move(rd));
          }
        }
        k.companion = o.string_or("companion", "");
        sites.referral_companion_path.push_back(o.path_of("companion"));
        k.notes = text(o, "notes");
        o.no_other_keys();
        seen.insert(k.id);
        sites.referral.push_back({kReferrals, o.path()});
        catalog->referral_kinds.push_back(std::move(k));
      }
    }
    root.no_other_keys();
  }

  void index() {
    for (const auto& b : catalog->bases) catalog->basis_index_.emplace(b.id, &b);
    for (const auto& k : catalog->referral_kinds) catalog->referral_index_.emplace(k.id, &k);
  }
};

std::string format_problems(const std::vector<CatalogProblem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    out += p.file.empty() ? "(catalog)" : p.file;
    out += ": ";
    out += p.path.empty() ? "/" : p.path;
    out += ": ";
    out += p.message;
    out += '\n';
  }
  return out;
}

Result<CatalogFiles> read_catalog_files(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return make_error(ErrorCode::kNotFound, "not a catalog directory: " + dir.string());
  }
  CatalogFiles files;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec)
    return make_error(ErrorCode::kUnavailable, "cannot read " + dir.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec)
      return make_error(ErrorCode::kUnavailable,
                        "cannot read " + dir.string() + ": " + ec.message());
    if (!it->is_regular_file(ec) || it->path().extension() != ".json") continue;
    auto rel = it->path().lexically_relative(dir).generic_string();
    if (it->file_size(ec) > kMaxFileBytes) {
      return make_error(ErrorCode::kInvalidArgument, rel + " is larger than 4 MiB");
    }
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in) return make_error(ErrorCode::kUnavailable, "cannot read " + it->path().string());
    files.emplace(std::move(rel), content.str());
  }
  return files;
}

CatalogLoad parse_catalog(const CatalogFiles& files) {
  CatalogBuilder b;
  const std::vector<const char*> fixed = {kManifest,  kLaws,       kKinds,        kCategories,
                                          kPurposes,  kConditions, kConsentRules, kBreakGlass,
                                          kDeadlines, kReferrals};
  std::vector<std::string> basis_files;
  for (const auto& entry : files) {
    const std::string& name = entry.first;
    bool known = std::any_of(fixed.begin(), fixed.end(), [&](const char* f) { return name == f; });
    if (is_basis_file(name)) {
      basis_files.push_back(name);
    } else if (!known) {
      b.problem(name, "",
                "unexpected file: a catalog has catalog.json, laws.json, kinds.json, "
                "categories.json, purposes.json, conditions.json, consent_rules.json, "
                "bases/*.json, break_glass.json, deadlines.json and referrals.json");
      continue;
    }
    try {
      b.docs.emplace(name, json::parse(entry.second));
    } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
      b.problem(name, "", std::string("not valid JSON: ") + e.what());
    }
  }
  for (const char* f : fixed) {
    if (files.count(f) == 0) b.problem(f, "", "missing file");
  }
  if (basis_files.empty()) b.problem("bases/", "", "missing: at least one bases/*.json file");

  auto parse = [&](const std::string& name, auto&& fn) {
    auto it = b.docs.find(name);
    if (it == b.docs.end()) return;
    json_check::Issues issues;
    fn(it->second, issues);
    b.take(name, issues);
  };
  using I = json_check::Issues;
  parse(kManifest, [&](const json& d, I& i) { b.manifest(d, i); });
  parse(kLaws, [&](const json& d, I& i) { b.laws(d, i); });
  parse(kKinds, [&](const json& d, I& i) { b.kinds(d, i); });
  parse(kCategories, [&](const json& d, I& i) { b.categories(d, i); });
  parse(kPurposes, [&](const json& d, I& i) { b.purposes(d, i); });
  parse(kConditions, [&](const json& d, I& i) { b.conditions(d, i); });
  parse(kConsentRules, [&](const json& d, I& i) { b.consent_rules(d, i); });
  for (const auto& f : basis_files) parse(f, [&](const json& d, I& i) { b.bases(f, d, i); });
  parse(kBreakGlass, [&](const json& d, I& i) { b.break_glass(d, i); });
  parse(kDeadlines, [&](const json& d, I& i) { b.deadlines(d, i); });
  b.index();
  parse(kReferrals, [&](const json& d, I& i) { b.referrals(d, i); });
  b.index();
  // The engine keeps kinds and purposes as 64-bit sets.
  if (b.catalog->kinds.size() > kMaxKinds) {
    b.problem(kKinds, "/kinds", "at most " + std::to_string(kMaxKinds) + " agency kinds");
  }
  if (b.catalog->purposes.size() > kMaxPurposes) {
    b.problem(kPurposes, "/purposes", "at most " + std::to_string(kMaxPurposes) + " purposes");
  }

  CatalogLoad out;
  // The whole-catalog checks look ids up: only meaningful once every reference resolved.
  if (b.problems.empty()) {
    detail::check_catalog(*b.catalog, b.sites, b.problems);
  }
  if (b.problems.empty()) {
    try {
      json all = json::object();
      for (const auto& [name, doc] : b.docs) all[name] = doc;
      b.catalog->sha256 = sha256_hex(canonical_json(all));
    } catch (const std::exception& e) {
      b.problem("", "", std::string("cannot hash the catalog: ") + e.what());
    }
  }
  out.problems = std::move(b.problems);
  if (out.problems.empty()) out.catalog = std::move(b.catalog);
  return out;
}

CatalogLoad load_catalog(const std::filesystem::path& dir) {
  auto files = read_catalog_files(dir);
  if (!files) {
    CatalogLoad out;
    out.problems.push_back({"", "", files.error().message});
    return out;
  }
  return parse_catalog(*files);
}

}  // namespace silta::policy
