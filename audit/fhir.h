// A record as a FHIR R4 AuditEvent resource (`silta audit export --format fhir`), for systems
// that collect audit trails in FHIR form. The mapping is documented in docs/formats/audit-log.md.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "audit/event.h"

namespace silta::audit {

nlohmann::json to_fhir_audit_event(const AuditRecord& record, std::string_view origin);

}  // namespace silta::audit
