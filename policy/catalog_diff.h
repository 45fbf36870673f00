// What a catalog update changes: the ids added, removed or edited, and every decision of the
// decision space (directions × kinds × kinds × purposes × categories × subject and consent
// situations) that comes out differently. For `silta catalog diff`, so that an update can be
// reviewed before it is enforced.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/time.h"
#include "policy/engine.h"

namespace silta::policy {

struct DecisionChange {
  std::string request;  // "pull school -> child_welfare, purpose cw_assessment"
  std::string category;
  std::string situation;  // "adult, no consent, complete inputs"
  std::string before;     // summary() under the old catalog
  std::string after;
};

struct CatalogDiff {
  // "+ legal basis fi.x.1", "- data category y", "~ legal basis fi.atl.64.1" (edited)
  std::vector<std::string> ids;
  std::vector<DecisionChange> decisions;
  std::size_t compared = 0;  // category decisions compared

  bool empty() const { return ids.empty() && decisions.empty(); }
};

// Compares every decision over the kinds, purposes and categories both catalogs know, on the
// day of `now`.
CatalogDiff diff_catalogs(const Engine& before, const Engine& after, SysTime now);

// The situations the decision space is enumerated over, by name (for docs and tests).
std::vector<std::string> diff_situation_names(const Catalog& before, const Catalog& after);

}  // namespace silta::policy
