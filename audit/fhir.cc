#include "audit/fhir.h"

#include "common/codec.h"

namespace silta::audit {

namespace {

using nlohmann::json;

constexpr const char* kDicom = "http://dicom.nema.org/resources/ontology/DCM";

json coding(const char* system, std::string_view code, std::string_view display = {}) {
  json c = {{"system", system}, {"code", code}};
  if (!display.empty()) c["display"] = display;
  return c;
}

// The DICOM audit event id (AuditEvent.type) that fits each event type best; the exact Silta
// type goes to AuditEvent.subtype.
json event_type(EventType t) {
  switch (t) {
    case EventType::kDisclosure:
    case EventType::kReferralSent:
    case EventType::kReferralDelivered:
      return coding(kDicom, "110106", "Export");
    case EventType::kDecision:
    case EventType::kBreakGlass:
      return coding(kDicom, "110112", "Query");
    case EventType::kAuditRead:
      return coding(kDicom, "110101", "Audit Log Used");
    case EventType::kAuthFailure:
      return coding(kDicom, "110114", "User Authentication");
    case EventType::kLogRecovered:
      return coding(kDicom, "110100", "Application Activity");
    case EventType::kReferralAcknowledged:
    case EventType::kReferralDecided:
    case EventType::kConsentRecorded:
    case EventType::kConsentRevoked:
    case EventType::kBreakGlassReview:
      return coding(kDicom, "110110", "Patient Record");
  }
  return coding(kDicom, "110110", "Patient Record");
}

// FHIR AuditEventAction: C create, R read, U update, E execute.
const char* action(EventType t) {
  switch (t) {
    case EventType::kDisclosure:
    case EventType::kAuditRead:
      return "R";
    case EventType::kReferralSent:
    case EventType::kConsentRecorded:
      return "C";
    case EventType::kReferralAcknowledged:
    case EventType::kReferralDecided:
    case EventType::kConsentRevoked:
    case EventType::kBreakGlassReview:
    case EventType::kReferralDelivered:
      return "U";
    case EventType::kDecision:
    case EventType::kBreakGlass:
    case EventType::kAuthFailure:
    case EventType::kLogRecovered:
      return "E";
  }
  return "E";
}

constexpr const char* kActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

// AuditEvent.outcome (FHIR R4 audit-event-outcome): 0 success, 4 minor failure, 8 serious
// failure, 12 major failure. Every outcome that means the event did what it was for is 0.
const char* outcome_code(const AuditEvent& e) {
  // A referral decision's outcome is the recipient's decision, a review's its verdict: both
  // events succeeded whatever they decided.
  if (e.type == EventType::kReferralDecided || e.type == EventType::kBreakGlassReview) return "0";
  struct Row {
    std::string_view outcome;
    const char* code;
  };
  static constexpr Row kOutcomes[] = {
      {"ok", "0"},
      {"decided", "0"},         // a decision that granted something (before a fetch)
      {"accepted", "0"},        // a referral taken in
      {"delivered", "0"},       // a referral or a push delivered
      {"recovered", "0"},       // the log recovered a crash's records
      {"denied", "4"},          // refused by law or consent: nothing released
      {"adapter_failed", "8"},  // the holder's system failed: nothing released
      {"adapter_timeout", "8"},
      {"delivery_adapter_failed", "8"},  // a push not delivered
      {"delivery_adapter_timeout", "8"},
      {"delivery_failed", "8"},  // a referral delivery to be retried
      {"dead_letter", "12"},     // a referral given up on
      {"quarantined", "12"},     // an unsigned tail moved out of the log
  };
  for (const auto& row : kOutcomes) {
    if (row.outcome == e.outcome) return row.code;
  }
  // Authentication failures (unregistered, certificate_expired, forbidden_role, ...) and any
  // outcome this table does not know: a refusal.
  return "4";
}

// The catalog's purposes with a standard purpose of use (v3-ActReason) that fits; the others
// keep only their own code.
const char* purpose_of_use(std::string_view purpose) {
  struct Row {
    std::string_view purpose;
    const char* code;
  };
  static constexpr Row kPurposes[] = {
      {"health_care", "TREAT"},           {"cw_assessment", "COC"},
      {"cw_custody_prep", "COC"},         {"cw_report", "COC"},
      {"social_service", "COC"},          {"student_welfare_individual", "COC"},
      {"ankkuri_early_support", "COC"},   {"threat_prevention", "THREAT"},
      {"crime_investigation", "HLEGAL"},  {"police_notification", "HLEGAL"},
      {"minor_suspect_notice", "HLEGAL"},
  };
  for (const auto& row : kPurposes) {
    if (row.purpose == purpose) return row.code;
  }
  return nullptr;
}

const char* purpose_display(std::string_view code) {
  if (code == "TREAT") return "treatment";
  if (code == "COC") return "coordination of care";
  if (code == "THREAT") return "threat";
  if (code == "HLEGAL") return "legal";
  if (code == "BTG") return "break the glass";
  return "";
}

json agency_reference(std::string_view agency) {
  return {{"identifier", {{"system", "urn:silta:agency"}, {"value", agency}}}};
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

std::string count(std::uint64_t n) { return n == 0 ? "" : std::to_string(n); }

}  // namespace

std::string fhir_audit_event_id(std::string_view origin, std::uint64_t seq) {
  // FHIR ids are [A-Za-z0-9-.]{1,64}: the origin (which has '/') as a hash, then the number.
  return "silta-" + sha256_hex(origin).substr(0, 16) + "-" + std::to_string(seq);
}

namespace {

// purposeOfEvent: Silta's purpose, its HL7 purpose of use, break-glass.
json purposes_of(const AuditEvent& e) {
  json purposes = json::array();
  if (!e.purpose.empty()) {
    json codings = json::array({coding("urn:silta:purpose", e.purpose)});
    if (const char* code = purpose_of_use(e.purpose)) {
      codings.push_back(coding(kActReason, code, purpose_display(code)));
    }
    purposes.push_back({{"coding", codings}});
  }
  if (e.break_glass) {
    purposes.push_back({{"coding", json::array({coding(kActReason, "BTG", "break the glass")})}});
  }
  return purposes;
}

// agent: the requesting agency (and actor), and the target agency.
json agents_of(const AuditEvent& e) {
  json requestor = {{"requestor", true}};
  if (e.agency.empty()) {
    requestor["who"] = {{"display", "unidentified client"}};
  } else {
    requestor["who"] = agency_reference(e.agency);
  }
  if (!e.actor.empty()) requestor["altId"] = e.actor;
  // The acting official's role: AuditEvent.agent.role, coded in Silta's catalog role vocabulary.
  if (!e.actor_role.empty()) {
    requestor["role"] = json::array(
        {{{"coding", json::array({{{"system", "urn:silta:role"}, {"code", e.actor_role}}})}}});
  }
  json agents = json::array({requestor});
  if (!e.target.empty())
    agents.push_back({{"requestor", false}, {"who", agency_reference(e.target)}});
  return agents;
}

// The record entity's details: every other field of the event, as strings.
json details_of(const AuditEvent& e) {
  json details = json::array();
  auto detail = [&](const char* type, const std::string& value) {
    if (!value.empty()) details.push_back({{"type", type}, {"valueString", value}});
  };
  detail("categories_requested", joined(e.categories_requested));
  detail("categories_granted", joined(e.categories_granted));
  detail("categories_denied", joined(e.categories_denied));
  detail("decision", std::string(decision_name(e.decision)));
  detail("citations", joined(e.citations));
  detail("consents", joined(e.consents));
  if (e.break_glass) detail("break_glass", "true");
  detail("justification", e.justification);
  detail("catalog_version", e.catalog_version);
  detail("catalog_hash", e.catalog_hash);
  detail("request_digest", e.request_digest);
  detail("response_digest", e.response_digest);
  if (e.embargo_until) detail("embargo_until", format_rfc3339(*e.embargo_until));
  const LogRecovery& x = e.recovery;
  detail("recovered_records", count(x.recovered_records));
  if (x.recovered_from) detail("recovered_from", format_rfc3339(*x.recovered_from));
  if (x.recovered_until) detail("recovered_until", format_rfc3339(*x.recovered_until));
  detail("torn_bytes", count(x.torn_bytes));
  detail("quarantine_file", x.quarantine_file);
  detail("quarantine_segment", x.quarantine_segment);
  detail("quarantine_offset", count(x.quarantine_offset));
  detail("quarantine_bytes", count(x.quarantine_bytes));
  detail("quarantined_records", count(x.quarantined_records));
  detail("problem", x.problem);
  return details;
}

// entity: the subject (by pseudonym) and the audit record itself.
json entities_of(const AuditRecord& r, std::string_view origin) {
  const AuditEvent& e = r.event;
  json entities = json::array();
  if (!e.subject.empty()) {
    entities.push_back(
        {{"what",
          {{"identifier",
            {{"system", "urn:silta:pseudonym:" + e.subject_key}, {"value", e.subject}}}}},
         {"type", coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person")},
         {"role", coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient")}});
  }
  json details = details_of(e);
  json record = {{"what",
                  {{"identifier",
                    {{"system", "urn:silta:audit-log:" + std::string(origin)},
                     {"value", std::to_string(r.seq)}}}}},
                 {"description", "Silta audit record"}};
  if (!e.reference.empty()) record["name"] = e.reference;
  if (!details.empty()) record["detail"] = details;
  entities.push_back(record);
  return entities;
}

}  // namespace

json to_fhir_audit_event(const AuditRecord& r, std::string_view origin) {
  const AuditEvent& e = r.event;
  json ev = {
      {"resourceType", "AuditEvent"},
      {"id", fhir_audit_event_id(origin, r.seq)},
      {"type", event_type(e.type)},
      {"subtype", json::array({coding("urn:silta:audit-event-type", event_type_name(e.type))})},
      {"action", action(e.type)},
      {"recorded", format_rfc3339(r.time)},
      {"outcome", outcome_code(e)},
      {"outcomeDesc", e.outcome},
  };
  json purposes = purposes_of(e);
  if (!purposes.empty()) ev["purposeOfEvent"] = purposes;
  ev["agent"] = agents_of(e);
  ev["source"] = {
      {"observer", {{"display", origin}}},
      {"type", json::array({coding("http://terminology.hl7.org/CodeSystem/security-source-type",
                                   "4", "Application Server")})}};
  ev["entity"] = entities_of(r, origin);
  return ev;
}

}  // namespace silta::audit
