// The agency registry: who may connect, identified by the SPKI pin of their client certificate.
#pragma once

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_check.h"

namespace silta::policy {
class Catalog;
}

namespace silta::gateway {

enum class Role { kAgency, kPrivacyOfficer, kOperator };
const char* role_name(Role role);

struct Agency {
  std::string id;           // stable id, e.g. "soite-lastensuojelu"
  std::string name;         // display name
  std::string kind;         // agency kind id of the catalog, e.g. "child_welfare"
  bool authority = false;   // a public authority (viranomainen)
  std::string business_id;  // Y-tunnus, e.g. "0000000-0"
  std::set<Role> roles;
  std::vector<std::string> spki_sha256;  // base64 SHA-256 of the DER SubjectPublicKeyInfo
  bool enabled = true;
  // false: the agency's system takes no referrals (e.g. a school): referrals to it are refused
  // at intake, and its adapter need not serve the referral endpoint (docs/adapter-protocol.md).
  bool receives_referrals = true;
  // The catalog roles (policy/catalogs/fi/roles.json) its users may assert as "actor": {"role"}:
  // a school's teachers and rector, not a police officer. Empty = none (deny by default).
  std::vector<std::string> actor_roles;
  // Set only on the entry a person's own certificate resolves to (Registry::find_by_pin): the
  // person's organisation as seen through that certificate, with `person` the acting person's
  // registry id. The audit log records them as the actor; they cannot act as anyone else.
  std::string person;
  std::string person_name;

  bool has_role(Role r) const { return roles.count(r) != 0; }
  bool may_assert(std::string_view actor_role) const {
    return std::find(actor_roles.begin(), actor_roles.end(), actor_role) != actor_roles.end();
  }
};

// A person with a personal certificate (a privacy officer's certificate card;
// docs/configuration.md, "The agency registry"): they act for the registry entry `agency` with its
// roles, and every request they make is theirs.
struct Person {
  std::string id;      // e.g. "liisa.virtanen"; what the audit log records as the actor
  std::string name;    // display name
  std::string agency;  // the entry they act for; it has the privacy_officer role only
  std::vector<std::string> spki_sha256;
  bool enabled = true;
};

// The agency kinds of docs/law.md §2.1. The policy catalog is the authority on kinds; the registry
// checks against this list so that a typo in the registry is caught at start.
const std::vector<std::string>& known_agency_kinds();

// Finnish business id (Y-tunnus): 7 digits, '-', check digit (weights 7,9,10,5,8,4,2; mod 11).
bool valid_business_id(std::string_view id);

// Copies of a Registry share their agencies: replace() through any copy (a reload) is seen by
// all of them (the server's and the API's). Lookups are lock-free. An Agency returned before a
// replace stays valid: every version is kept, as a registry changes a few times a year.
class Registry {
 public:
  Registry();
  explicit Registry(std::vector<Agency> agencies, std::vector<Person> persons = {});

  // The entry this pin authenticates: an agency's own, or for a person's pin their agency with
  // `person` set (disabled when either is). nullptr when no entry carries it (callers answer 403).
  const Agency* find_by_pin(std::string_view spki_sha256_base64) const;
  const Agency* find(std::string_view id) const;
  const std::vector<Agency>& agencies() const { return current().agencies; }
  const std::vector<Person>& persons() const { return current().persons; }

  // Makes `other`'s agencies this registry's (and every copy's).
  void replace(const Registry& other);

 private:
  struct Version {
    std::vector<Agency> agencies;
    std::vector<Person> persons;
    // persons[i] as their agency's entry (Agency::person set), for find_by_pin.
    std::vector<Agency> as_persons;
    std::unordered_map<std::string, const Agency*> by_pin;
    std::unordered_map<std::string, std::size_t> by_id;
  };
  struct Shared {
    std::mutex mu;
    std::vector<std::shared_ptr<const Version>> kept;  // every version, the current last
    std::atomic<const Version*> current{nullptr};
  };
  const Version& current() const { return *shared_->current.load(std::memory_order_acquire); }

  std::shared_ptr<Shared> shared_;
};

// What the registry names that the catalog does not know: an agency's kind or an actor role, one
// line per problem ("agency x has kind y, which the catalog does not know").
std::vector<std::string> catalog_problems(const Registry& registry, const policy::Catalog& catalog);

// Parses {"agencies": [...], "persons": [...]}; reports every problem into `issues` (paths relative
// to the registry document).
Registry parse_registry(const nlohmann::json& doc, json_check::Issues& issues);

// Reads a registry file and parses it: a file that cannot be read or is not JSON is one issue at
// "", otherwise as parse_registry. The result is meaningful only when no issue was added.
Registry read_registry(const std::filesystem::path& file, json_check::Issues& issues);

// The registry document of `registry` (the inverse of parse_registry), for writing it back.
nlohmann::json registry_to_json(const Registry& registry);

}  // namespace silta::gateway
