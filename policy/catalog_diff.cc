#include "policy/catalog_diff.h"

#include <algorithm>
#include <map>
#include <set>

#include "policy/identity_code.h"

namespace silta::policy {

using nlohmann::json;

namespace {

template <typename T>
std::vector<std::string> common_ids(const std::vector<T>& a, const std::vector<T>& b) {
  std::set<std::string> in_b;
  for (const auto& x : b) in_b.insert(x.id);
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (in_b.count(x.id) != 0) out.push_back(x.id);
  }
  return out;
}

void diff_table(const json& before, const json& after, const char* key, const char* what,
                const char* id_key, std::vector<std::string>& out) {
  std::map<std::string, json> a, b;
  for (const auto& x : before[key]) a[x[id_key].get<std::string>()] = x;
  for (const auto& x : after[key]) b[x[id_key].get<std::string>()] = x;
  for (const auto& [id, x] : a) {
    auto it = b.find(id);
    if (it == b.end()) {
      out.push_back(std::string("- ") + what + " " + id);
    } else if (it->second != x) {
      out.push_back(std::string("~ ") + what + " " + id);
    }
  }
  for (const auto& [id, x] : b) {
    if (a.count(id) == 0) out.push_back(std::string("+ ") + what + " " + id);
  }
}

struct Situation {
  std::string name;
  Subject subject;
  int consents = 0;  // index into consent_sets
  bool complete = false;
  bool break_glass = false;
  std::optional<Offence> offence;
  std::string actor_role = {};  // a role both catalogs know that some basis requires
};

const char* const kConsentSets[] = {"no consent", "the subject's consent and permit",
                                    "the guardians' consent and permit",
                                    "the subject's and the guardians' consent and permit",
                                    "the subject's prohibition beside their consent"};

std::vector<ConsentRecord> consent_set(int which, const std::vector<std::string>& categories,
                                       const std::vector<std::string>& purposes, SysTime now) {
  std::vector<ConsentRecord> out;
  auto make = [&](std::string id, ConsentKind kind, std::vector<ConsentGrantor> by) {
    ConsentRecord c;
    c.id = std::move(id);
    c.subject_pseudonym = "subject";
    c.kind = kind;
    c.granted_by = std::move(by);
    c.categories = categories;
    c.purposes = purposes;
    c.valid_from = now - std::chrono::hours(24);
    c.recorded_at = c.valid_from;
    out.push_back(std::move(c));
  };
  ConsentGrantor self{Capacity::kSelf, "subject", false, "", std::nullopt};
  ConsentGrantor g1{Capacity::kGuardian, "guardian-1", false, "", std::nullopt};
  ConsentGrantor g2{Capacity::kGuardian, "guardian-2", false, "", std::nullopt};
  if (which == 1 || which == 3 || which == 4) {
    make("c-self", ConsentKind::kSuostumus, {self});
    make("p-self", ConsentKind::kLuovutuslupa, {self});
  }
  if (which == 2 || which == 3) {
    make("c-guardians", ConsentKind::kSuostumus, {g1, g2});
    make("p-guardians", ConsentKind::kLuovutuslupa, {g1, g2});
  }
  if (which == 4) make("k-self", ConsentKind::kKielto, {self});
  return out;
}

std::vector<Situation> situations(const Catalog& a, const Catalog& b, Date today) {
  struct Profile {
    const char* name;
    int age;
    std::optional<bool> capable;
  };
  const Profile profiles[] = {{"adult (30)", 30, std::nullopt},
                              {"minor (15) assessed capable", 15, true},
                              {"minor (15) not assessed", 15, std::nullopt},
                              {"child (9)", 9, std::nullopt}};
  // Offence probes: every class both catalogs know, at no penalty and at and just below every
  // penalty threshold either catalog names.
  std::set<int> penalties = {0};
  for (const Catalog* c : {&a, &b}) {
    for (const auto& basis : c->bases) {
      for (const auto& alt : basis.requirements.offence) {
        if (alt.min_max_penalty_months) {
          penalties.insert(*alt.min_max_penalty_months);
          penalties.insert(*alt.min_max_penalty_months - 1);
        }
      }
    }
  }
  auto classes = common_ids(a.offence_classes, b.offence_classes);
  // Role probes: every role a basis of either catalog requires that both catalogs know.
  std::set<std::string> roles;
  for (const Catalog* c : {&a, &b}) {
    for (const auto& basis : c->bases) {
      for (const auto* list : {&basis.requirements.roles_push, &basis.requirements.roles_pull}) {
        for (const auto& r : *list) {
          if (a.find_role(r) != nullptr && b.find_role(r) != nullptr) roles.insert(r);
        }
      }
    }
  }
  std::vector<Situation> out;
  for (const auto& p : profiles) {
    Subject s;
    s.pseudonym = "subject";
    s.birth_date = birth_date_for_age(p.age, today);
    s.capable = p.capable;
    s.guardians = 2;
    for (int set = 0; set < int(std::size(kConsentSets)); ++set) {
      for (bool complete : {false, true}) {
        out.push_back({std::string(p.name) + ", " + kConsentSets[set] +
                           (complete ? ", complete inputs" : ", bare request"),
                       s, set, complete, false, std::nullopt});
      }
    }
    out.push_back({std::string(p.name) + ", no consent, complete inputs, break-glass", s, 0, true,
                   true, std::nullopt});
    for (const auto& cls : classes) {
      for (int months : penalties) {
        out.push_back({std::string(p.name) + ", no consent, complete inputs, offence " + cls +
                           " max " + std::to_string(months) + " months",
                       s, 0, true, false, Offence{cls, months}});
      }
    }
    for (const auto& role : roles) {
      out.push_back({std::string(p.name) + ", no consent, complete inputs, acting as " + role, s, 0,
                     true, false, std::nullopt, role});
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> diff_situation_names(const Catalog& before, const Catalog& after) {
  std::vector<std::string> out;
  for (const auto& s : situations(before, after, Date{})) out.push_back(s.name);
  return out;
}

namespace {

// "~ catalog version", "+ legal basis fi.x.1", ...: the ids added, removed or edited.
std::vector<std::string> diff_ids(const Catalog& a, const Catalog& b) {
  std::vector<std::string> out;
  json ja = a.to_json(), jb = b.to_json();
  for (const char* key : {"id", "version", "justification_min_length"}) {
    if (ja[key] != jb[key]) out.push_back(std::string("~ catalog ") + key);
  }
  diff_table(ja, jb, "laws", "law", "id", out);
  diff_table(ja, jb, "kinds", "agency kind", "id", out);
  diff_table(ja, jb, "categories", "data category", "id", out);
  diff_table(ja, jb, "purposes", "purpose", "id", out);
  diff_table(ja, jb, "attestations", "attestation", "id", out);
  diff_table(ja, jb, "offence_classes", "offence class", "id", out);
  diff_table(ja, jb, "bases", "legal basis", "id", out);
  diff_table(ja, jb, "consent_rules", "consent rule", "regime", out);
  diff_table(ja["break_glass"], jb["break_glass"], "rules", "break-glass rule", "id", out);
  for (const char* key : {"justification_min_length", "review_due_working_days"}) {
    if (ja["break_glass"][key] != jb["break_glass"][key]) {
      out.push_back(std::string("~ break_glass ") + key);
    }
  }
  diff_table(ja, jb, "deadlines", "deadline", "id", out);
  diff_table(ja, jb, "referral_kinds", "referral kind", "id", out);
  return out;
}

// The decision space both catalogs know: their common ids, the situations and consent sets.
struct DecisionSpace {
  std::vector<std::string> kinds, purposes, categories, attestations;
  std::vector<Situation> situations;
  std::vector<std::vector<ConsentRecord>> consent_sets;  // by Situation::consents
};

// Decides `r` in every situation under both engines and records each category decided
// differently.
void compare_situations(const Engine& before, const Engine& after, DecisionRequest& r,
                        const DecisionSpace& space, SysTime now, CatalogDiff& out) {
  std::string request = std::string(direction_name(r.direction)) + " " + r.from_kind + " -> " +
                        r.to_kind + ", purpose " + r.purpose;
  for (const auto& s : space.situations) {
    r.subject = s.subject;
    r.justification = s.complete ? std::string(300, 'x') : "";
    r.case_reference = s.complete ? "case-1" : "";
    r.attestations = s.complete ? space.attestations : std::vector<std::string>{};
    r.break_glass = s.break_glass;
    r.offence = s.offence;
    r.actor_role = s.actor_role;
    const auto& consents = space.consent_sets[std::size_t(s.consents)];
    auto da = before.decide(r, consents, now);
    auto db = after.decide(r, consents, now);
    if (!da || !db) {
      // Only ids both know are asked, so this is a bug rather than a change.
      out.decisions.push_back({request, "*", s.name,
                               da ? "decided" : "error: " + da.error().message,
                               db ? "decided" : "error: " + db.error().message});
      continue;
    }
    for (std::size_t i = 0; i < da->categories.size(); ++i) {
      ++out.compared;
      auto sa = summary(da->categories[i]);
      auto sb = summary(db->categories[i]);
      if (sa != sb) out.decisions.push_back({request, space.categories[i], s.name, sa, sb});
    }
  }
}

}  // namespace

CatalogDiff diff_catalogs(const Engine& before, const Engine& after, SysTime now) {
  const Catalog& a = *before.catalog();
  const Catalog& b = *after.catalog();
  CatalogDiff out;
  out.ids = diff_ids(a, b);

  DecisionSpace space;
  space.kinds = common_ids(a.kinds, b.kinds);
  space.purposes = common_ids(a.purposes, b.purposes);
  space.categories = common_ids(a.categories, b.categories);
  space.attestations = common_ids(a.attestations, b.attestations);
  if (space.kinds.empty() || space.purposes.empty() || space.categories.empty()) return out;
  space.situations = situations(a, b, helsinki_date(now));
  for (int i = 0; i < int(std::size(kConsentSets)); ++i) {
    space.consent_sets.push_back(consent_set(i, space.categories, space.purposes, now));
  }

  DecisionRequest r;
  r.categories = space.categories;
  r.alternatives = false;
  for (Direction dir : {Direction::kPull, Direction::kPush}) {
    r.direction = dir;
    for (const auto& from : space.kinds) {
      r.from_kind = from;
      for (const auto& to : space.kinds) {
        r.to_kind = to;
        for (const auto& purpose : space.purposes) {
          r.purpose = purpose;
          compare_situations(before, after, r, space, now, out);
        }
      }
    }
  }
  return out;
}

}  // namespace silta::policy
