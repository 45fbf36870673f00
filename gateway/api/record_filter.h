// The filters of GET /v1/audit/records that the audit index has no column for (outcome,
// case_reference, acted_by): they read the records themselves, page by page, within a scan
// budget.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/store.h"

namespace silta::gateway {

// The values of ?outcome (docs/openapi.yaml).
inline constexpr std::array<std::string_view, 4> kOutcomeFilters = {"granted", "denied",
                                                                    "break_glass", "failed"};

// Members default to {} so that designated initializers may leave any out
// (-Wmissing-field-initializers).
struct RecordFilter {
  // granted / denied: the decision granted / refused some category (a partial decision is
  // both); break_glass: an emergency access; failed: the step failed (an outcome ending in
  // _failed, _timeout or _unavailable: the target's system did not answer, nothing moved).
  std::optional<std::string> outcome{};
  std::optional<std::string> case_reference{};  // exactly as the request stated it
  std::optional<std::string> acted_by{};        // the record's actor (a user id), exactly

  bool any() const { return outcome || case_reference || acted_by; }
  // False for an entry indexed without its record: there is nothing to read.
  bool matches(const store::AuditIndexEntry& entry) const;
};

// One page of the index entries of `query` that `filter` matches too, at most `query.limit` of
// them. At most `max_scan` entries are read: a page may then hold fewer, and its next_cursor goes
// on from the last entry read.
Result<store::Page<store::AuditIndexEntry>> filtered_page(store::Store& store,
                                                          store::AuditIndexQuery query,
                                                          const RecordFilter& filter,
                                                          std::size_t max_scan);

}  // namespace silta::gateway
