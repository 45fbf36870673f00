#include "gateway/registry.h"

#include "common/codec.h"
#include "common/files.h"
#include "policy/catalog.h"

namespace silta::gateway {

using json_check::Need;

const char* role_name(Role role) {
  switch (role) {
    case Role::kAgency:
      return "agency";
    case Role::kPrivacyOfficer:
      return "privacy_officer";
    case Role::kOperator:
      return "operator";
  }
  return "agency";
}

const std::vector<std::string>& known_agency_kinds() {
  static const std::vector<std::string> kinds = {
      "child_welfare", "mental_health", "substance_services", "school", "student_welfare",
      "school_health", "police",        "youth_services"};
  return kinds;
}

bool valid_business_id(std::string_view id) {
  if (id.size() != 9 || id[7] != '-') return false;
  static constexpr int kWeights[7] = {7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 7; ++i) {
    if (id[i] < '0' || id[i] > '9') return false;
    sum += (id[i] - '0') * kWeights[i];
  }
  if (id[8] < '0' || id[8] > '9') return false;
  int r = sum % 11;
  if (r == 1) return false;  // such numbers are never issued
  int check = r == 0 ? 0 : 11 - r;
  return id[8] - '0' == check;
}

Registry::Registry() : Registry(std::vector<Agency>{}) {}

Registry::Registry(std::vector<Agency> agencies, std::vector<Person> persons)
    : shared_(std::make_shared<Shared>()) {
  auto v = std::make_shared<Version>();
  v->agencies = std::move(agencies);
  v->persons = std::move(persons);
  for (std::size_t i = 0; i < v->agencies.size(); ++i) {
    v->by_id.emplace(v->agencies[i].id, i);
    for (const auto& pin : v->agencies[i].spki_sha256) v->by_pin.emplace(pin, &v->agencies[i]);
  }
  v->as_persons.reserve(v->persons.size());  // by_pin points into it
  for (const auto& p : v->persons) {
    auto it = v->by_id.find(p.agency);
    if (it == v->by_id.end()) continue;  // parse_registry reports it
    Agency a = v->agencies[it->second];
    a.person = p.id;
    a.person_name = p.name;
    a.enabled = a.enabled && p.enabled;
    a.spki_sha256 = p.spki_sha256;
    v->as_persons.push_back(std::move(a));
    for (const auto& pin : p.spki_sha256) v->by_pin.emplace(pin, &v->as_persons.back());
  }
  shared_->current.store(v.get(), std::memory_order_release);
  shared_->kept.push_back(std::move(v));
}

void Registry::replace(const Registry& other) {
  if (other.shared_ == shared_) return;
  std::shared_ptr<const Version> v;
  {
    std::lock_guard lock(other.shared_->mu);
    v = other.shared_->kept.back();
  }
  std::lock_guard lock(shared_->mu);
  shared_->kept.push_back(v);
  shared_->current.store(v.get(), std::memory_order_release);
}

const Agency* Registry::find_by_pin(std::string_view pin) const {
  const Version& v = current();
  auto it = v.by_pin.find(std::string(pin));
  return it == v.by_pin.end() ? nullptr : it->second;
}

const Agency* Registry::find(std::string_view id) const {
  const Version& v = current();
  auto it = v.by_id.find(std::string(id));
  return it == v.by_id.end() ? nullptr : &v.agencies[it->second];
}

namespace {

bool valid_agency_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

namespace {

void parse_roles(json_check::Object& o, Agency& a) {
  auto roles = o.strings("roles", Need::kRequired);
  if (!roles) return;
  if (roles->empty()) o.issues().add(o.path_of("roles"), "expected at least one role");
  for (std::size_t r = 0; r < roles->size(); ++r) {
    const auto& name = (*roles)[r];
    if (name == "agency") {
      a.roles.insert(Role::kAgency);
    } else if (name == "privacy_officer") {
      a.roles.insert(Role::kPrivacyOfficer);
    } else if (name == "operator") {
      a.roles.insert(Role::kOperator);
    } else {
      o.issues().add(json_check::child_pointer(o.path_of("roles"), r),
                     "expected one of agency, privacy_officer, operator");
    }
  }
}

void parse_kind(json_check::Object& o, Agency& a) {
  auto kind = o.string("kind");
  if (!kind) {
    if (a.has_role(Role::kAgency)) {
      o.issues().add(o.path_of("kind"), "required for an agency: an agency kind");
    }
    return;
  }
  const auto& kinds = known_agency_kinds();
  if (std::find(kinds.begin(), kinds.end(), *kind) == kinds.end()) {
    std::string list;
    for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
    o.issues().add(o.path_of("kind"), "expected an agency kind: one of " + list);
  }
  a.kind = *kind;
}

// `pins` holds the pins of the entries before this one: a pin belongs to one entry only.
std::vector<std::string> parse_pins(json_check::Object& o, std::set<std::string>& pins) {
  auto list = o.strings("spki_sha256", Need::kRequired);
  if (!list) return {};
  if (list->empty()) o.issues().add(o.path_of("spki_sha256"), "expected at least one pin");
  for (std::size_t p = 0; p < list->size(); ++p) {
    const auto& pin = (*list)[p];
    auto path = json_check::child_pointer(o.path_of("spki_sha256"), p);
    auto raw = from_base64(pin);
    if (!raw || raw->size() != 32) {
      o.issues().add(path, "expected the base64 SHA-256 of a SubjectPublicKeyInfo (44 chars)");
    } else if (!pins.insert(pin).second) {
      o.issues().add(path, "this pin is already used by another agency or person");
    }
  }
  return *list;
}

// Catalog role ids; whether the catalog knows them is checked where both are loaded.
void parse_actor_roles(json_check::Object& o, Agency& a) {
  auto roles = o.strings("actor_roles");
  if (!roles) return;
  for (std::size_t r = 0; r < roles->size(); ++r) {
    const auto& id = (*roles)[r];
    auto path = json_check::child_pointer(o.path_of("actor_roles"), r);
    if (!valid_agency_id(id) || id.find('-') != std::string::npos) {
      o.issues().add(path, "expected a catalog role id: 1-64 characters of a-z, 0-9, '_', '.'");
    } else if (std::find(roles->begin(), roles->begin() + long(r), id) !=
               roles->begin() + long(r)) {
      o.issues().add(path, "listed twice");
    }
  }
  a.actor_roles = *roles;
}

// An entry's "id", unique among `ids` (those before it); `what` names the entry in a problem.
std::string parse_id(json_check::Object& o, std::set<std::string>& ids, const char* what) {
  auto id = o.string("id", Need::kRequired).value_or("");
  if (o.has("id") && !valid_agency_id(id)) {
    o.issues().add(o.path_of("id"), "expected 1-64 characters of a-z, 0-9, '-', '_', '.'");
  } else if (!id.empty() && !ids.insert(id).second) {
    o.issues().add(o.path_of("id"), std::string("duplicate ") + what + " id \"" + id + "\"");
  }
  return id;
}

Agency parse_agency(json_check::Object& o, std::set<std::string>& ids,
                    std::set<std::string>& pins) {
  Agency a;
  a.id = parse_id(o, ids, "agency");
  a.name = o.string("name", Need::kRequired).value_or("");
  a.authority = o.boolean("authority", Need::kRequired).value_or(false);
  a.enabled = o.boolean_or("enabled", true);
  a.receives_referrals = o.boolean_or("receives_referrals", true);
  a.business_id = o.string("business_id", Need::kRequired).value_or("");
  if (o.has("business_id") && !valid_business_id(a.business_id)) {
    o.issues().add(o.path_of("business_id"),
                   "expected a Finnish business id (Y-tunnus) like 1234567-1 with a valid check "
                   "digit");
  }
  parse_roles(o, a);
  parse_kind(o, a);
  a.spki_sha256 = parse_pins(o, pins);
  parse_actor_roles(o, a);
  o.no_other_keys();
  return a;
}

Person parse_person(json_check::Object& o, const std::vector<Agency>& agencies,
                    std::set<std::string>& ids, std::set<std::string>& pins) {
  Person p;
  p.id = parse_id(o, ids, "person");
  p.name = o.string("name", Need::kRequired).value_or("");
  p.agency = o.string("agency", Need::kRequired).value_or("");
  auto a = std::find_if(agencies.begin(), agencies.end(),
                        [&](const Agency& x) { return x.id == p.agency; });
  if (o.has("agency") && a == agencies.end()) {
    o.issues().add(o.path_of("agency"), "expected the id of an entry under /agencies");
  } else if (a != agencies.end() &&
             (!a->has_role(Role::kPrivacyOfficer) || a->has_role(Role::kAgency))) {
    // Systems exchange data; people only review what was exchanged.
    o.issues().add(o.path_of("agency"),
                   "expected an entry with the privacy_officer role and not the agency role");
  }
  p.enabled = o.boolean_or("enabled", true);
  p.spki_sha256 = parse_pins(o, pins);
  o.no_other_keys();
  return p;
}

}  // namespace

std::vector<std::string> catalog_problems(const Registry& registry,
                                          const policy::Catalog& catalog) {
  std::vector<std::string> out;
  for (const auto& a : registry.agencies()) {
    if (!a.kind.empty() && catalog.find_kind(a.kind) == nullptr) {
      out.push_back("agency " + a.id + " has kind " + a.kind + ", which the catalog does not know");
    }
    for (const auto& r : a.actor_roles) {
      if (catalog.find_role(r) == nullptr) {
        out.push_back("agency " + a.id + " has actor role " + r +
                      ", which the catalog does not know");
      }
    }
  }
  return out;
}

Registry parse_registry(const nlohmann::json& doc, json_check::Issues& issues) {
  json_check::Object root(issues, doc, "");
  std::vector<Agency> agencies;
  std::vector<Person> persons;
  std::set<std::string> ids, person_ids, pins;
  if (const auto* list = root.array("agencies", Need::kRequired)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      json_check::Object o(issues, (*list)[i], json_check::child_pointer("/agencies", i));
      if (!o.valid()) continue;
      agencies.push_back(parse_agency(o, ids, pins));
    }
  }
  if (const auto* list = root.array("persons")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      json_check::Object o(issues, (*list)[i], json_check::child_pointer("/persons", i));
      if (!o.valid()) continue;
      persons.push_back(parse_person(o, agencies, person_ids, pins));
    }
  }
  root.no_other_keys();
  return Registry(std::move(agencies), std::move(persons));
}

Registry read_registry(const std::filesystem::path& file, json_check::Issues& issues) {
  auto text = read_file(file);
  if (!text) {
    issues.add("", text.error().message);
    return {};
  }
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded()) {
    issues.add("", file.string() + " is not valid JSON");
    return {};
  }
  return parse_registry(doc, issues);
}

nlohmann::json registry_to_json(const Registry& registry) {
  auto agencies = nlohmann::json::array();
  for (const auto& a : registry.agencies()) {
    nlohmann::json roles = nlohmann::json::array();
    for (Role r : a.roles) roles.push_back(role_name(r));
    nlohmann::json j = {{"id", a.id},
                        {"name", a.name},
                        {"authority", a.authority},
                        {"business_id", a.business_id},
                        {"roles", roles},
                        {"spki_sha256", a.spki_sha256}};
    if (!a.kind.empty()) j["kind"] = a.kind;
    if (!a.enabled) j["enabled"] = false;
    if (!a.receives_referrals) j["receives_referrals"] = false;
    if (!a.actor_roles.empty()) j["actor_roles"] = a.actor_roles;
    agencies.push_back(std::move(j));
  }
  nlohmann::json out = {{"agencies", agencies}};
  for (const auto& p : registry.persons()) {
    nlohmann::json j = {
        {"id", p.id}, {"name", p.name}, {"agency", p.agency}, {"spki_sha256", p.spki_sha256}};
    if (!p.enabled) j["enabled"] = false;
    out["persons"].push_back(std::move(j));
  }
  return out;
}

}  // namespace silta::gateway
