#include "adapters/categories.h"

#include <algorithm>

namespace silta::adapters {

const std::vector<std::string_view>& catalog_categories() {
  static const std::vector<std::string_view> ids = {
      "identity_contact",         "cw_client_status",
      "cw_report_exists",         "cw_report_content",
      "cw_assessment_outcome",    "cw_placement",
      "school_attendance",        "grades",
      "learning_support",         "student_welfare_record",
      "school_health_record",     "mh_diagnosis",
      "mh_treatment_contacts",    "mh_therapy_notes",
      "substance_treatment",      "police_incident",
      "domestic_violence_notice", "suspected_offence",
      "interrogation_record",     "threat_info"};
  return ids;
}

bool is_catalog_category(std::string_view id) {
  const auto& ids = catalog_categories();
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace silta::adapters
