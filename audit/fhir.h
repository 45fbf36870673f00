// A record as a FHIR R4 AuditEvent resource (`silta audit export --format fhir`), for systems
// that collect audit trails in FHIR form. The mapping is documented in
// docs/formats/fhir-audit-event.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "audit/event.h"

namespace silta::audit {

nlohmann::json to_fhir_audit_event(const AuditRecord& record, std::string_view origin);
// The resource's id: unique across every log (origin) and record, within FHIR's id syntax.
std::string fhir_audit_event_id(std::string_view origin, std::uint64_t seq);

}  // namespace silta::audit
