// Decision test cases ("scenarios"): a request, the consents on record, the time, and the
// expected outcome per category *and* the basis it must rest on (a grant on the wrong basis is
// a failure). Read by `silta catalog test`; the format is in docs/catalog.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_check.h"
#include "common/time.h"
#include "policy/engine.h"

namespace silta::policy {

// Reads a DecisionRequest: {"direction", "from", "to", "purpose", "categories", "subject": {...},
// ...}. The subject's age may be given as "birth_date", "age" (on `today`) or "identity_code"
// (only its birth date is kept). Ids are not checked here: the engine reports unknown ones.
DecisionRequest parse_decision_request(const nlohmann::json& doc, json_check::Issues& issues,
                                       const std::string& path, Date today);

struct CategoryExpectation {
  Outcome outcome = Outcome::kDenied;
  std::string basis;   // granted: required; denied: optional
  std::string reason;  // denied: required
  std::optional<std::vector<std::string>> consents;
  std::optional<bool> break_glass;
  std::optional<std::vector<std::string>> withheld_fields;
  std::vector<std::string> alternatives;      // basis ids that must be among the alternatives
  std::vector<std::string> not_alternatives;  // basis ids that must not be among them
  std::string explanation_contains;           // in the English explanation
  std::map<Lang, std::string> explanations;   // "explanations": {"fi": ..., "sv": ..., "en": ...}
};

struct Scenario {
  std::string name;
  SysTime now{};
  DecisionRequest request;
  std::vector<ConsentRecord> consents;
  std::string expect_error;  // a substring of the error; empty = a decision is expected
  std::optional<std::string> expect_outcome;  // granted, partial, denied
  std::optional<bool> expect_break_glass;
  std::optional<std::string> expect_review_due;
  std::map<std::string, CategoryExpectation> expect;  // by category id
};

struct ScenarioFile {
  std::string description;
  std::vector<Scenario> scenarios;
};

// Parses a scenario file; problems (with their JSON paths) go to `issues`.
ScenarioFile parse_scenario_file(const nlohmann::json& doc, json_check::Issues& issues,
                                 const Catalog& catalog);

// Runs one scenario; returns one line per way the decision differs from the expectation.
std::vector<std::string> run_scenario(const Engine& engine, const Scenario& scenario);

}  // namespace silta::policy
