// The agency registry: who may connect, identified by the SPKI pin of their client certificate.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_check.h"

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

  bool has_role(Role r) const { return roles.count(r) != 0; }
};

// The agency kinds of docs/law.md §2.1. The policy catalog is the authority on kinds; the registry
// checks against this list so that a typo in the registry is caught at start.
const std::vector<std::string>& known_agency_kinds();

// Finnish business id (Y-tunnus): 7 digits, '-', check digit (weights 7,9,10,5,8,4,2; mod 11).
bool valid_business_id(std::string_view id);

class Registry {
 public:
  Registry() = default;
  explicit Registry(std::vector<Agency> agencies);

  // Returns nullptr when no agency carries this pin (callers answer 403).
  const Agency* find_by_pin(std::string_view spki_sha256_base64) const;
  const Agency* find(std::string_view id) const;
  const std::vector<Agency>& agencies() const { return agencies_; }

 private:
  std::vector<Agency> agencies_;
  std::unordered_map<std::string, std::size_t> by_pin_;
  std::unordered_map<std::string, std::size_t> by_id_;
};

// Parses {"agencies": [...]}; reports every problem into `issues` (paths relative to the
// registry document).
Registry parse_registry(const nlohmann::json& doc, json_check::Issues& issues);

}  // namespace silta::gateway
