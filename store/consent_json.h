// The one place where policy::ConsentRecord is mapped to what the store keeps: a JSON document
// in the `record` column (the indexed columns are copied from it). A field added to the record
// is a line in each function here; records stored before it read back with its default.
#pragma once

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "policy/consent.h"

namespace silta::store {

nlohmann::json consent_to_json(const policy::ConsentRecord& c);
Result<policy::ConsentRecord> consent_from_json(const nlohmann::json& j);

}  // namespace silta::store
