// Internal to the catalog loader: the whole-catalog checks and where things were defined.
#pragma once

#include <string>
#include <vector>

#include "policy/catalog.h"

namespace silta::policy::detail {

inline constexpr const char* kConsentRulesFile = "consent_rules.json";

// Where an entry of a table was defined: its file and JSON Pointer.
struct Where {
  std::string file;
  std::string path;
};

// Where each basis and referral kind was defined (same order as the catalog's lists), for the
// problems the whole-catalog checks find.
struct CatalogSites {
  std::vector<Where> basis, referral;
  std::vector<std::string> referral_companion_path;
};

// Checks what only the whole catalog shows (a basis no holder can use, a referral kind no basis
// carries, ...) and derives each referral kind's consent requirement. Appends problems; call only
// when every table parsed without problems.
void check_catalog(Catalog& catalog, const CatalogSites& sites,
                   std::vector<CatalogProblem>& problems);

}  // namespace silta::policy::detail
