// Request bodies that several tests send to the gateway.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "common/time.h"
#include "tests/support/demo_people.h"

namespace silta::test {

// Child welfare asks the school for Veeti's attendance (a service-need assessment, LSL 26 §).
inline nlohmann::json attendance_request(const std::string& identity_code = people::kVeeti) {
  return {{"target", "kokkola-perusopetus"},
          {"actor", "sw-maija"},
          {"subject", {{"identity_code", identity_code}}},
          {"purpose", "cw_assessment"},
          {"categories", {"school_attendance"}},
          {"case_reference", "SOITE-LS-2026-0412"},
          {"justification", "Service-need assessment (LSL 26 §): school attendance is needed"}};
}

// Ella, a capable minor, consents herself to mental health telling the school her diagnosis
// for a wellbeing concern; `actor` records it.
inline nlohmann::json ella_self_consent(const std::string& actor) {
  return {{"subject", {{"identity_code", people::kEllaHetu}}},
          {"kind", "suostumus"},
          {"granted_by",
           {{{"capacity", "self"},
             {"identity_code", people::kEllaHetu},
             {"minor_capable", true},
             {"assessed_by", "nurse-7"}}}},
          {"from_kinds", {"mental_health"}},
          {"to_kinds", {"school"}},
          {"categories", {"mh_diagnosis"}},
          {"purposes", {"wellbeing_concern"}},
          {"form", "written"},
          {"actor", actor}};
}

// The police obtain a child's school attendance for a crime investigation, embargoed from the
// child's log-data report for 30 days (ATL 11 §).
inline nlohmann::json police_investigation(const std::string& identity_code) {
  return {{"target", "kokkola-perusopetus"},
          {"actor", {{"id", "rikoskomisario-kari"}, {"role", "senior_police_officer"}}},
          {"subject", {{"identity_code", identity_code}}},
          {"purpose", "crime_investigation"},
          {"categories", {"school_attendance"}},
          {"case_reference", "5500/R/1234/26"},
          {"justification", "Necessary for the investigation described here"},
          {"embargo_until", format_rfc3339(now_utc() + std::chrono::days(30))}};
}

}  // namespace silta::test
