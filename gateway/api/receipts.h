// Audit receipts: what a 2xx answer tells the caller about the audit records its request wrote,
// each record's origin, sequence number and leaf hash, so that the agency can hold the gateway
// to them. GET /v1/receipts/{seq} then proves a record's inclusion in a signed (and witnessed)
// checkpoint, for the agency whose request wrote it and no one else (gateway/api/audit.cc).
#pragma once

#include <cstdint>
#include <initializer_list>

#include <nlohmann/json.hpp>

#include "gateway/services.h"

namespace silta::gateway {

// [{"origin", "seq", "leaf_hash"}] for durable records of this instance's log.
nlohmann::json audit_receipts(const Services& s, std::initializer_list<std::uint64_t> seqs);

}  // namespace silta::gateway
