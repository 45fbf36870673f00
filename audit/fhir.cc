#include "audit/fhir.h"

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
      return "E";
  }
  return "E";
}

json agency_reference(std::string_view agency) {
  return {{"identifier", {{"system", "urn:silta:agency"}, {"value", agency}}}};
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

}  // namespace

json to_fhir_audit_event(const AuditRecord& r, std::string_view origin) {
  const AuditEvent& e = r.event;
  json ev = {
      {"resourceType", "AuditEvent"},
      {"id", std::to_string(r.seq)},
      {"type", event_type(e.type)},
      {"subtype", json::array({coding("urn:silta:audit-event-type", event_type_name(e.type))})},
      {"action", action(e.type)},
      {"recorded", format_rfc3339(r.time)},
      {"outcome", e.outcome == "ok" ? "0" : "4"},
      {"outcomeDesc", e.outcome},
  };
  if (!e.purpose.empty()) {
    ev["purposeOfEvent"] =
        json::array({{{"coding", json::array({coding("urn:silta:purpose", e.purpose)})}}});
  }
  json requestor = {{"requestor", true}};
  if (e.agency.empty()) {
    requestor["who"] = {{"display", "unidentified client"}};
  } else {
    requestor["who"] = agency_reference(e.agency);
  }
  if (!e.actor.empty()) requestor["altId"] = e.actor;
  json agents = json::array({requestor});
  if (!e.target.empty())
    agents.push_back({{"requestor", false}, {"who", agency_reference(e.target)}});
  ev["agent"] = agents;
  ev["source"] = {
      {"observer", {{"display", origin}}},
      {"type", json::array({coding("http://terminology.hl7.org/CodeSystem/security-source-type",
                                   "4", "Application Server")})}};

  json entities = json::array();
  if (!e.subject.empty()) {
    entities.push_back(
        {{"what",
          {{"identifier",
            {{"system", "urn:silta:pseudonym:" + e.subject_key}, {"value", e.subject}}}}},
         {"type", coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person")},
         {"role", coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient")}});
  }
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
  json record = {{"what",
                  {{"identifier",
                    {{"system", "urn:silta:audit-log:" + std::string(origin)},
                     {"value", std::to_string(r.seq)}}}}},
                 {"description", "Silta audit record"}};
  if (!e.reference.empty()) record["name"] = e.reference;
  if (!details.empty()) record["detail"] = details;
  entities.push_back(record);
  ev["entity"] = entities;
  return ev;
}

}  // namespace silta::audit
