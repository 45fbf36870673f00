#include "gateway/api/record_filter.h"

#include <algorithm>

#include "audit/event.h"

namespace silta::gateway {

bool RecordFilter::matches(const store::AuditIndexEntry& entry) const {
  if (entry.record.empty()) return false;
  auto record = audit::parse_record(entry.record);
  if (!record) return false;
  const audit::AuditEvent& e = record->event;
  if (case_reference && e.case_reference != *case_reference) return false;
  if (acted_by && e.actor != *acted_by) return false;
  if (!outcome) return true;
  using D = audit::DecisionSummary;
  if (*outcome == "granted") return e.decision == D::kGranted || e.decision == D::kPartial;
  if (*outcome == "denied") return e.decision == D::kDenied || e.decision == D::kPartial;
  if (*outcome == "break_glass") return e.break_glass;
  auto ends = [&](std::string_view tail) { return e.outcome.ends_with(tail); };
  return ends("_failed") || ends("_timeout") || ends("_unavailable");
}

Result<store::Page<store::AuditIndexEntry>> filtered_page(store::Store& store,
                                                          store::AuditIndexQuery query,
                                                          const RecordFilter& filter,
                                                          std::size_t max_scan) {
  if (!filter.any()) return store.query_audit_index(query);
  const std::size_t limit = query.limit;
  query.limit = std::min<std::size_t>(max_scan, 1000);
  store::Page<store::AuditIndexEntry> out;
  std::size_t scanned = 0;
  for (;;) {
    auto page = store.query_audit_index(query);
    if (!page) return page.error();
    for (std::size_t i = 0; i < page->items.size(); ++i) {
      auto& e = page->items[i];
      const bool last_scan = ++scanned == max_scan;
      // Where a page cut short by the scan budget goes on (taken before `e` is moved).
      std::string resume = last_scan ? store::audit_index_cursor(e) : "";
      if (filter.matches(e)) {
        if (out.items.size() == limit) {
          out.next_cursor = store::audit_index_cursor(out.items.back());
          return out;
        }
        out.items.push_back(std::move(e));
      }
      if (last_scan) {
        bool more = i + 1 < page->items.size() || !page->next_cursor.empty();
        if (more) out.next_cursor = std::move(resume);
        return out;
      }
    }
    if (page->next_cursor.empty()) return out;
    query.cursor = page->next_cursor;
  }
}

}  // namespace silta::gateway
