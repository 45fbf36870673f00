// The log-data report a person is entitled to (ATL 11 §): who used or received data about them,
// when, for what purpose and on which basis. It has two views: the privacy officer's (every
// entry with its ids, and the entries under a police embargo with their embargo date) and the
// person's copy (in the person's language, in plain words, naming the controller, its privacy
// officer and the right to complain to the Data Protection Ombudsman). Entries under an embargo
// are left out of the person's copy without a trace: a notice of withheld entries would itself
// tell of the investigation (docs/law.md, "The person's copy").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/lang.h"
#include "gateway/services.h"

namespace silta::gateway {

struct ReportEntry {
  std::string origin;
  std::uint64_t seq = 0;
  SysTime time;
  std::string event_type;
  std::string direction;  // pull, push or empty
  std::string agency;     // the acting agency (asked, disclosed, recorded)
  std::string target;     // the other agency
  std::string purpose;
  std::vector<std::string> categories;  // granted (or requested when nothing was granted)
  std::vector<std::string> bases;       // catalog basis ids relied on
  std::vector<std::string> consents;    // consent ids relied on
  std::string decision;                 // granted, partial, denied, or empty
  bool break_glass = false;
  std::string outcome;
  std::optional<SysTime> embargo_until;
  bool full_record = true;  // false: another gateway instance's record, as indexed
};

struct SubjectReport {
  SysTime generated_at;
  std::vector<ReportEntry> entries;   // what the person sees
  std::vector<ReportEntry> withheld;  // under an embargo (ATL 11 §): privacy officer only
};

// The full record behind an audit index entry: this gateway's own records from its log (the
// source of truth), other instances' from the copy the index holds. Absent only for another
// instance's entry indexed before the store kept records (schema version 3).
std::optional<audit::AuditRecord> full_record(const Services& s, const store::AuditIndexEntry& e);

// From the subject's audit index entries (any order), each in full where full_record() has it.
SubjectReport build_subject_report(const Services& s,
                                   const std::vector<store::AuditIndexEntry>& entries, SysTime now);
// The privacy officer's view with the person's copy in `lang` as its "person_copy" member.
nlohmann::json subject_report_json(const Services& s, const SubjectReport& report, Lang lang);
// The person's copy as a printable page in `lang`: no ids, no pseudonyms, no withheld entries.
std::string render_subject_report_html(const Services& s, const SubjectReport& report, Lang lang);

}  // namespace silta::gateway
