// Reading a catalog directory. Every table is parsed with json_check so that every problem is
// reported with its file and JSON Pointer; references are checked against the tables parsed
// before them (the files are read in dependency order); then catalog_check.cc checks the whole
// catalog.
#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

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

// The fixed files.
constexpr const char* kManifest = "catalog.json";
constexpr const char* kLaws = "laws.json";
constexpr const char* kKinds = "kinds.json";
constexpr const char* kCategories = "categories.json";
constexpr const char* kPurposes = "purposes.json";
constexpr const char* kRoles = "roles.json";
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
    for (const auto& i : issues.list()) problem(file, i.path, i.message.en);
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
    // Every text a person reads exists in fi, sv and en: each missing one is a problem of its own.
    static constexpr std::array<std::pair<Lang, const char*>, 3> kNames = {
        {{Lang::kFi, "Finnish"}, {Lang::kSv, "Swedish"}, {Lang::kEn, "English"}}};
    for (const auto& [lang, name] : kNames) {
      std::string_view code = lang_code(lang);
      std::string& out = lang == Lang::kFi ? t.fi : lang == Lang::kSv ? t.sv : t.en;
      if (!obj->has(code)) {
        obj->issues().add(obj->path_of(code), std::string("the ") + name + " text (" +
                                                  std::string(code) + ") is missing");
        continue;
      }
      out = obj->string(code, Need::kRequired).value_or("");
      if (out.empty()) obj->issues().add(obj->path_of(code), "must not be empty");
    }
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

  // Reads the array `key` of a table file item by item: `read` fills an item from its object,
  // which then may have no other keys; ids must be unique among `seen` and the items before.
  template <typename T, typename Read>
  static void read_items(Object& root, const char* key, IdSet seen, std::vector<T>& into,
                         Read&& read) {
    const auto* list = root.array(key, Need::kRequired);
    if (list == nullptr) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
      Object o(root.issues(), (*list)[i], child_pointer(root.path_of(key), i));
      if (!o.valid()) continue;
      T item = read(o, seen);
      o.no_other_keys();
      seen.insert(item.id);
      into.push_back(std::move(item));
    }
  }

  template <typename T, typename Index>
  static void index_by_id(const std::vector<T>& items, Index& index) {
    for (const auto& i : items) index.emplace(i.id, &i);
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
    read_items(root, "laws", {}, catalog->laws, [&](Object& o, const IdSet& seen) {
      Law law;
      law.id = id_of(o, seen, "law", true);
      law.name = text(o, "name");
      law.number = o.string("number", Need::kRequired).value_or("");
      law.articles = o.boolean_or("articles", false);
      law.url = o.string("url", Need::kRequired).value_or("");
      if (o.has("url") && law.url.rfind("https://", 0) != 0) {
        issues.add(o.path_of("url"), "expected an https:// link to the statute");
      }
      return law;
    });
    root.no_other_keys();
    index_by_id(catalog->laws, catalog->law_index_);
  }

  void kinds(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    read_items(root, "kinds", {}, catalog->kinds, [&](Object& o, const IdSet& seen) {
      AgencyKind k;
      k.id = id_of(o, seen, "agency kind");
      k.name = text(o, "name");
      k.authority = o.boolean("authority", Need::kRequired).value_or(false);
      k.notes = text(o, "notes");
      return k;
    });
    root.no_other_keys();
    index_by_id(catalog->kinds, catalog->kind_index_);
  }

  void categories(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    IdSet kind_ids = id_set(catalog->kinds);
    read_items(root, "categories", {}, catalog->categories,
               [&](Object& o, const IdSet& seen) { return category(o, seen, kind_ids); });
    root.no_other_keys();
    index_by_id(catalog->categories, catalog->category_index_);
  }

  DataCategory category(Object& o, const IdSet& seen, const IdSet& kind_ids) {
    DataCategory c;
    c.id = id_of(o, seen, "data category");
    c.name = text(o, "name");
    c.description = text(o, "description");
    c.secret = o.boolean("secret", Need::kRequired).value_or(true);
    c.secrecy_citation = o.string_or("secrecy_citation", "");
    if (c.secret && c.secrecy_citation.empty()) {
      o.issues().add(o.path_of("secrecy_citation"),
                     "required for a secret category: the provision that makes it secret");
    }
    if (auto gdpr = read_term(o, "gdpr", kGdprNames)) c.gdpr = *gdpr;
    c.specially_protected = o.boolean("specially_protected", Need::kRequired).value_or(false);
    if (auto regime = read_term(o, "consent_regime", kConsentRegimeNames)) {
      c.consent_regime = *regime;
    }
    c.held_by = refs(o, "held_by", kind_ids, "agency kind");
    if (const auto* never = o.array("never_forward")) {
      for (std::size_t j = 0; j < never->size(); ++j) {
        Object w(o.issues(), (*never)[j], child_pointer(o.path_of("never_forward"), j));
        if (w.valid()) c.never_forward.push_back(withheld_field(w));
      }
    }
    return c;
  }

  static WithheldField withheld_field(Object& w) {
    WithheldField f;
    f.field = w.string("field", Need::kRequired).value_or("");
    f.when = w.string("when", Need::kRequired).value_or("");
    if (w.has("when") && f.when != "turvakielto") {
      w.issues().add(w.path_of("when"), "expected turvakielto (the only situation known)");
    }
    f.citation = w.string("citation", Need::kRequired).value_or("");
    w.no_other_keys();
    return f;
  }

  void purposes(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    read_items(root, "purposes", {}, catalog->purposes, [&](Object& o, const IdSet& seen) {
      Purpose p;
      p.id = id_of(o, seen, "purpose");
      p.name = text(o, "name");
      p.description = text(o, "description");
      return p;
    });
    root.no_other_keys();
    index_by_id(catalog->purposes, catalog->purpose_index_);
  }

  void roles(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    read_items(root, "roles", {}, catalog->roles, [&](Object& o, const IdSet& seen) {
      ActorRole r;
      r.id = id_of(o, seen, "role");
      r.name = text(o, "name");
      r.notes = text(o, "notes");
      return r;
    });
    root.no_other_keys();
    index_by_id(catalog->roles, catalog->role_index_);
  }

  void conditions(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    read_items(root, "attestations", {}, catalog->attestations, [&](Object& o, const IdSet& seen) {
      Attestation a;
      a.id = id_of(o, seen, "attestation");
      a.text = text(o, "text");
      return a;
    });
    read_items(root, "offence_classes", {}, catalog->offence_classes,
               [&](Object& o, const IdSet& seen) {
                 OffenceClass c;
                 c.id = id_of(o, seen, "offence class");
                 c.name = text(o, "name");
                 return c;
               });
    root.no_other_keys();
    index_by_id(catalog->attestations, catalog->attestation_index_);
    index_by_id(catalog->offence_classes, catalog->offence_index_);
  }

  void consent_rules(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    if (const auto* list = root.array("rules", Need::kRequired)) {
      std::set<ConsentRegime> seen;
      for (std::size_t i = 0; i < list->size(); ++i) {
        Object o(issues, (*list)[i], child_pointer("/rules", i));
        if (!o.valid()) continue;
        catalog->consent_rules.push_back(consent_rule(o, seen));
      }
    }
    root.no_other_keys();
  }

  ConsentRule consent_rule(Object& o, std::set<ConsentRegime>& seen) {
    ConsentRule r;
    if (auto regime = read_term(o, "regime", kConsentRegimeNames)) {
      r.regime = *regime;
      if (!seen.insert(*regime).second) {
        o.issues().add(o.path_of("regime"), std::string("duplicate rule for the regime \"") +
                                                kConsentRegimeNames.name(*regime) + "\"");
      }
    }
    if (const auto* cites = o.array("citations", Need::kRequired)) {
      if (cites->empty()) o.issues().add(o.path_of("citations"), "expected at least one citation");
      for (std::size_t j = 0; j < cites->size(); ++j) {
        Object c(o.issues(), (*cites)[j], child_pointer(o.path_of("citations"), j));
        if (c.valid()) r.citations.push_back(citation_of(c));
      }
    }
    r.adult_age = static_cast<int>(o.integer("adult_age", Need::kRequired, 15, 21).value_or(18));
    r.presumed_incapable_below = static_cast<int>(
        o.integer("presumed_incapable_below", Need::kRequired, 0, 21).value_or(12));
    if (r.presumed_incapable_below > r.adult_age) {
      o.issues().add(o.path_of("presumed_incapable_below"), "must not exceed adult_age");
    }
    for (auto [key, parties] : {std::pair{"capable_minor", &r.capable_minor},
                                {"incapable_minor", &r.incapable_minor},
                                {"unassessed_minor", &r.unassessed_minor},
                                {"incapable_adult", &r.incapable_adult}}) {
      if (auto p = read_term(o, key, kPartiesNames)) *parties = *p;
    }
    r.forms = consent_forms(o);
    r.specific = o.boolean("specific", Need::kRequired).value_or(true);
    r.guardians_when_unknown =
        static_cast<int>(o.integer("guardians_when_unknown", Need::kRequired, 1, 2).value_or(2));
    r.notes = text(o, "notes");
    o.no_other_keys();
    return r;
  }

  static std::vector<ConsentForm> consent_forms(Object& o) {
    std::vector<ConsentForm> out;
    auto forms = o.strings("forms", Need::kRequired);
    if (!forms) return out;
    if (forms->empty()) o.issues().add(o.path_of("forms"), "expected at least one form");
    for (std::size_t j = 0; j < forms->size(); ++j) {
      if (auto f = kConsentFormNames.find((*forms)[j])) {
        out.push_back(*f);
      } else {
        o.issues().add(child_pointer(o.path_of("forms"), j), kConsentFormNames.expected());
      }
    }
    return out;
  }

  // The consents a basis may rest on: permits only (a prohibition is never a basis).
  static std::optional<ConsentKind> permit_kind_from(std::string_view s) {
    auto k = consent_kind_from(s);
    if (k == ConsentKind::kSuostumus || k == ConsentKind::kLuovutuslupa) return k;
    return std::nullopt;
  }

  // The ids a basis may name: those of the tables read before the bases.
  struct BasisRefs {
    IdSet kinds, categories, purposes, attestations, offences, roles;
  };

  void bases(const std::string& file, const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    BasisRefs known{id_set(catalog->kinds),           id_set(catalog->categories),
                    id_set(catalog->purposes),        id_set(catalog->attestations),
                    id_set(catalog->offence_classes), id_set(catalog->roles)};
    read_items(root, "bases", id_set(catalog->bases), catalog->bases,
               [&](Object& o, const IdSet& seen) {
                 sites.basis.push_back({file, o.path()});
                 return basis(file, o, seen, known);
               });
    root.no_other_keys();
  }

  LegalBasis basis(const std::string& file, Object& o, const IdSet& seen, const BasisRefs& known) {
    LegalBasis b;
    b.file = file;
    b.id = id_of(o, seen, "legal basis");
    b.citation = citation(o, "citation");
    b.title = text(o, "title");
    if (auto initiative = read_term(o, "initiative", kInitiativeNames)) b.initiative = *initiative;
    b.from_kinds = refs(o, "from_kinds", known.kinds, "agency kind");
    b.to_kinds = refs(o, "to_kinds", known.kinds, "agency kind");
    b.recipient_must_be_authority =
        o.boolean("recipient_must_be_authority", Need::kRequired).value_or(false);
    b.categories = refs(o, "categories", known.categories, "data category");
    b.purposes = refs(o, "purposes", known.purposes, "purpose", Need::kRequired, &b.any_purpose);
    if (auto r = o.object("requires", Need::kRequired)) {
      requirements(*r, b, known);
    }
    b.valid_from = date(o, "valid_from", Need::kRequired);
    b.valid_until = date(o, "valid_until", Need::kOptional);
    if (b.valid_from && b.valid_until && *b.valid_until < *b.valid_from) {
      o.issues().add(o.path_of("valid_until"), "is before valid_from: the basis can never apply");
    }
    b.notes = text(o, "notes");
    return b;
  }

  void requirements(Object& r, LegalBasis& b, const BasisRefs& known) {
    auto& q = b.requirements;
    q.justification = r.boolean_or("justification", false);
    q.case_reference = r.boolean_or("case_reference", false);
    q.emergency = r.boolean_or("emergency", false);
    if (auto c = r.object("consent")) q.consent_kinds = consent_kinds(*c);
    if (const auto* list = r.array("offence")) {
      if (list->empty()) r.issues().add(r.path_of("offence"), "expected at least one alternative");
      for (std::size_t j = 0; j < list->size(); ++j) {
        Object a(r.issues(), (*list)[j], child_pointer(r.path_of("offence"), j));
        if (a.valid()) q.offence.push_back(offence_alternative(a, known.offences));
      }
    }
    q.attestations = refs(r, "attestations", known.attestations, "attestation", Need::kOptional);
    if (auto age = r.object("subject_age")) subject_age(*age, q);
    if (auto roles = r.object("roles")) required_roles(*roles, b, known.roles);
    if (q.emergency && !q.consent_kinds.empty()) {
      r.issues().add(r.path_of("emergency"), "an emergency basis cannot also need a consent");
    }
    r.no_other_keys();
  }

  // {"push": [...], "pull": [...]}: the acting official's roles, in a direction the basis allows.
  static void required_roles(Object& o, LegalBasis& b, const IdSet& role_ids) {
    auto& q = b.requirements;
    q.roles_push = refs(o, "push", role_ids, "role", Need::kOptional);
    q.roles_pull = refs(o, "pull", role_ids, "role", Need::kOptional);
    for (auto [key, list, allowed] :
         {std::tuple{"push", &q.roles_push, b.initiative != Initiative::kPull},
          std::tuple{"pull", &q.roles_pull, b.initiative != Initiative::kPush}}) {
      if (o.has(key) && list->empty()) {
        o.issues().add(o.path_of(key), "expected at least one role");
      } else if (!list->empty() && !allowed) {
        o.issues().add(o.path_of(key), std::string("the basis is never a ") + key +
                                           ": a role for it can never apply");
      }
    }
    if (!o.has("push") && !o.has("pull")) o.issues().add(o.path(), "expected push or pull");
    o.no_other_keys();
  }

  static std::vector<ConsentKind> consent_kinds(Object& c) {
    std::vector<ConsentKind> out;
    if (auto kinds = c.strings("kinds", Need::kRequired)) {
      if (kinds->empty()) c.issues().add(c.path_of("kinds"), "expected at least one kind");
      for (std::size_t j = 0; j < kinds->size(); ++j) {
        if (auto k = permit_kind_from((*kinds)[j])) {
          out.push_back(*k);
        } else {
          c.issues().add(child_pointer(c.path_of("kinds"), j),
                         "expected suostumus or luovutuslupa (a prohibition is never required)");
        }
      }
    }
    c.no_other_keys();
    return out;
  }

  static OffenceAlternative offence_alternative(Object& a, const IdSet& offence_ids) {
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
    return alt;
  }

  static void subject_age(Object& age, Requirements& q) {
    if (auto v = age.integer("min", Need::kOptional, 0, 150)) q.subject_min_age = int(*v);
    if (auto v = age.integer("max", Need::kOptional, 0, 150)) q.subject_max_age = int(*v);
    if (!q.subject_min_age && !q.subject_max_age) {
      age.issues().add(age.path(), "expected min or max");
    } else if (q.subject_min_age && q.subject_max_age && *q.subject_min_age > *q.subject_max_age) {
      age.issues().add(age.path(), "min is above max: the basis can never apply");
    }
    age.no_other_keys();
  }

  void break_glass(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    auto& bg = catalog->break_glass;
    bg.justification_min_length = static_cast<int>(
        root.integer("justification_min_length", Need::kRequired, 1, 2000).value_or(40));
    bg.review_due_working_days = static_cast<int>(
        root.integer("review_due_working_days", Need::kRequired, 0, 60).value_or(3));
    // What a rule may name: what the tables before it define.
    BreakGlassRefs known{id_set(catalog->kinds), id_set(catalog->categories),
                         id_set(catalog->purposes)};
    read_items(root, "rules", {}, bg.rules,
               [&](Object& o, const IdSet& seen) { return break_glass_rule(o, seen, known); });
    root.no_other_keys();
  }

  struct BreakGlassRefs {
    IdSet kinds, categories, purposes;
  };

  BreakGlassRule break_glass_rule(Object& o, const IdSet& seen, const BreakGlassRefs& known) {
    BreakGlassRule r;
    r.id = id_of(o, seen, "break-glass rule");
    r.basis = o.string("basis", Need::kRequired).value_or("");
    const LegalBasis* basis = nullptr;
    for (const auto& b : catalog->bases) {
      if (b.id == r.basis) basis = &b;
    }
    if (o.has("basis") && basis == nullptr) {
      o.issues().add(o.path_of("basis"), "unknown legal basis \"" + r.basis + "\"");
    } else if (basis != nullptr && !basis->requirements.emergency) {
      o.issues().add(o.path_of("basis"),
                     "the basis does not require an emergency: break-glass adds nothing to it");
    }
    // A narrowing must stay inside the basis.
    auto narrow = [&](std::string_view key, const IdSet& known, const char* what,
                      const std::vector<std::string>* of_basis) {
      auto list = refs(o, key, known, what, Need::kOptional);
      if (basis == nullptr || of_basis == nullptr) return list;
      for (std::size_t j = 0; j < list.size(); ++j) {
        if (!contains(*of_basis, list[j])) {
          o.issues().add(child_pointer(o.path_of(key), j),
                         "\"" + list[j] + "\" is not in the basis's " + std::string(key));
        }
      }
      return list;
    };
    r.from_kinds =
        narrow("from_kinds", known.kinds, "agency kind", basis ? &basis->from_kinds : nullptr);
    r.to_kinds = narrow("to_kinds", known.kinds, "agency kind", basis ? &basis->to_kinds : nullptr);
    r.categories = narrow("categories", known.categories, "data category",
                          basis ? &basis->categories : nullptr);
    r.purposes = narrow("purposes", known.purposes, "purpose", basis ? &basis->purposes : nullptr);
    r.notes = text(o, "notes");
    return r;
  }

  void deadlines(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    read_items(root, "deadlines", {}, catalog->deadlines, [&](Object& o, const IdSet& seen) {
      DeadlineRule d;
      d.id = id_of(o, seen, "deadline");
      d.citation = citation(o, "citation");
      d.title = text(o, "title");
      auto count = read_term(o, "count", kDeadlineCountNames);
      if (count) d.spec.count = *count;
      if (count != DeadlineSpec::Count::kImmediately) {
        d.spec.amount = static_cast<int>(o.integer("amount", Need::kRequired, 1, 3660).value_or(1));
      } else if (o.has("amount")) {
        o.any("amount");
        issues.add(o.path_of("amount"), "an immediate deadline has no amount");
      }
      d.spec.moves_to_working_day = o.boolean_or("moves_to_working_day", false);
      d.notes = text(o, "notes");
      return d;
    });
    root.no_other_keys();
    index_by_id(catalog->deadlines, catalog->deadline_index_);
  }

  // The ids a referral kind may name.
  struct ReferralRefs {
    IdSet bases, kinds, categories, purposes, deadlines;
  };

  void referrals(const json& doc, json_check::Issues& issues) {
    Object root(issues, doc, "");
    ReferralRefs known{id_set(catalog->bases), id_set(catalog->kinds), id_set(catalog->categories),
                       id_set(catalog->purposes), id_set(catalog->deadlines)};
    read_items(root, "referral_kinds", {}, catalog->referral_kinds,
               [&](Object& o, const IdSet& seen) {
                 sites.referral.push_back({kReferrals, o.path()});
                 return referral_kind(o, seen, known);
               });
    root.no_other_keys();
  }

  ReferralKind referral_kind(Object& o, const IdSet& seen, const ReferralRefs& known) {
    ReferralKind k;
    k.id = id_of(o, seen, "referral kind");
    k.name = text(o, "name");
    k.description = text(o, "description");
    k.bases = refs(o, "bases", known.bases, "legal basis");
    if (auto purpose = o.string("purpose", Need::kRequired)) {
      k.purpose = *purpose;
      if (known.purposes.count(k.purpose) == 0) {
        o.issues().add(o.path_of("purpose"), "unknown purpose \"" + k.purpose + "\"");
      }
    }
    k.from_kinds = refs(o, "from_kinds", known.kinds, "agency kind");
    k.to_kinds = refs(o, "to_kinds", known.kinds, "agency kind");
    k.categories = refs(o, "categories", known.categories, "data category");
    if (const auto* fields = o.array("fields", Need::kRequired)) {
      std::set<std::string> names;
      for (std::size_t j = 0; j < fields->size(); ++j) {
        Object f(o.issues(), (*fields)[j], child_pointer(o.path_of("fields"), j));
        if (f.valid()) k.fields.push_back(referral_field(f, names));
      }
    }
    if (const auto* dls = o.array("deadlines", Need::kRequired)) {
      for (std::size_t j = 0; j < dls->size(); ++j) {
        Object d(o.issues(), (*dls)[j], child_pointer(o.path_of("deadlines"), j));
        if (d.valid()) k.deadlines.push_back(referral_deadline(d, known.deadlines));
      }
    }
    k.companion = o.string_or("companion", "");
    sites.referral_companion_path.push_back(o.path_of("companion"));
    k.notes = text(o, "notes");
    return k;
  }

  // `names`: the field names of the referral kind so far (each must be unique).
  static ReferralField referral_field(Object& f, std::set<std::string>& names) {
    ReferralField field;
    field.name = f.string("name", Need::kRequired).value_or("");
    if (f.has("name") && !valid_id(field.name)) {
      f.issues().add(f.path_of("name"), "expected 1-64 characters of a-z, 0-9, '_', '.'");
    } else if (!field.name.empty() && !names.insert(field.name).second) {
      f.issues().add(f.path_of("name"), "duplicate field \"" + field.name + "\"");
    }
    if (auto type = read_term(f, "type", kReferralFieldTypeNames)) field.type = *type;
    field.required = f.boolean("required", Need::kRequired).value_or(false);
    if (field.type == ReferralField::Type::kText) {
      field.max_length = static_cast<int>(f.integer_or("max_length", 0, 1, 1000000));
    }
    if (field.type == ReferralField::Type::kEnum) {
      field.values = f.strings("values", Need::kRequired).value_or(std::vector<std::string>{});
      if (f.has("values") && field.values.empty()) {
        f.issues().add(f.path_of("values"), "expected at least one value");
      }
    }
    field.description = text(f, "description");
    f.no_other_keys();
    return field;
  }

  static ReferralDeadline referral_deadline(Object& d, const IdSet& deadline_ids) {
    ReferralDeadline rd;
    rd.deadline = d.string("deadline", Need::kRequired).value_or("");
    if (d.has("deadline") && deadline_ids.count(rd.deadline) == 0) {
      d.issues().add(d.path_of("deadline"), "unknown deadline \"" + rd.deadline + "\"");
    }
    rd.applies = d.string("applies", Need::kRequired).value_or("always");
    if (rd.applies != "always" && rd.applies != "assessment_opened") {
      d.issues().add(d.path_of("applies"), "expected always or assessment_opened");
    }
    d.no_other_keys();
    return rd;
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

namespace {

// The fixed files, in the order they are parsed (bases/*.json come after consent_rules.json).
constexpr const char* kFixedFiles[] = {kManifest,   kLaws,      kKinds,      kCategories,
                                       kPurposes,   kRoles,     kConditions, kConsentRules,
                                       kBreakGlass, kDeadlines, kReferrals};

// Parses every file as JSON into b.docs; returns the names of the basis files, in order.
std::vector<std::string> parse_json_files(const CatalogFiles& files, CatalogBuilder& b) {
  std::vector<std::string> basis_files;
  for (const auto& [name, content] : files) {
    bool fixed = std::any_of(std::begin(kFixedFiles), std::end(kFixedFiles),
                             [&name = name](const char* f) { return name == f; });
    if (is_basis_file(name)) {
      basis_files.push_back(name);
    } else if (!fixed) {
      b.problem(name, "",
                "unexpected file: a catalog has catalog.json, laws.json, kinds.json, "
                "categories.json, purposes.json, roles.json, conditions.json, consent_rules.json, "
                "bases/*.json, break_glass.json, deadlines.json and referrals.json");
      continue;
    }
    try {
      b.docs.emplace(name, json::parse(content));
    } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
      b.problem(name, "", std::string("not valid JSON: ") + e.what());
    }
  }
  for (const char* f : kFixedFiles) {
    if (files.count(f) == 0) b.problem(f, "", "missing file");
  }
  if (basis_files.empty()) b.problem("bases/", "", "missing: at least one bases/*.json file");
  return basis_files;
}

// Reads the tables in dependency order, each file's problems under its name.
void read_tables(CatalogBuilder& b, const std::vector<std::string>& basis_files) {
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
  parse(kRoles, [&](const json& d, I& i) { b.roles(d, i); });
  parse(kConditions, [&](const json& d, I& i) { b.conditions(d, i); });
  parse(kConsentRules, [&](const json& d, I& i) { b.consent_rules(d, i); });
  for (const auto& f : basis_files) parse(f, [&](const json& d, I& i) { b.bases(f, d, i); });
  parse(kBreakGlass, [&](const json& d, I& i) { b.break_glass(d, i); });
  parse(kDeadlines, [&](const json& d, I& i) { b.deadlines(d, i); });
  b.index();
  parse(kReferrals, [&](const json& d, I& i) { b.referrals(d, i); });
  b.index();
}

// The engine keeps kinds and purposes as 64-bit sets.
void check_engine_limits(CatalogBuilder& b) {
  if (b.catalog->kinds.size() > kMaxKinds) {
    b.problem(kKinds, "/kinds", "at most " + std::to_string(kMaxKinds) + " agency kinds");
  }
  if (b.catalog->purposes.size() > kMaxPurposes) {
    b.problem(kPurposes, "/purposes", "at most " + std::to_string(kMaxPurposes) + " purposes");
  }
}

// Over the canonical JSON of the parsed files, so that reformatting does not change it.
void hash_catalog(CatalogBuilder& b) {
  try {
    json all = json::object();
    for (const auto& [name, doc] : b.docs) all[name] = doc;
    b.catalog->sha256 = sha256_hex(canonical_json(all));
  } catch (const std::exception& e) {
    b.problem("", "", std::string("cannot hash the catalog: ") + e.what());
  }
}

}  // namespace

CatalogLoad parse_catalog(const CatalogFiles& files) {
  CatalogBuilder b;
  auto basis_files = parse_json_files(files, b);
  read_tables(b, basis_files);
  check_engine_limits(b);
  // The whole-catalog checks look ids up: only meaningful once every reference resolved.
  if (b.problems.empty()) detail::check_catalog(*b.catalog, b.sites, b.problems);
  if (b.problems.empty()) hash_catalog(b);
  CatalogLoad out;
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
