// Request bodies that several tests send to the gateway.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "common/time.h"

namespace silta::test {

// The police obtain a child's school attendance for a crime investigation, embargoed from the
// child's log-data report for 30 days (ATL 11 §).
inline nlohmann::json police_investigation(const std::string& identity_code) {
  return {{"target", "kokkola-perusopetus"},
          {"actor", "rikoskomisario-kari"},
          {"subject", {{"identity_code", identity_code}}},
          {"purpose", "crime_investigation"},
          {"categories", {"school_attendance"}},
          {"attestations", {"senior_officer_request"}},
          {"case_reference", "5500/R/1234/26"},
          {"justification", "Necessary for the investigation described here"},
          {"embargo_until", format_rfc3339(now_utc() + std::chrono::days(30))}};
}

}  // namespace silta::test
