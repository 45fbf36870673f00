// What the audit log records: one AuditEvent per decision, disclosure, referral step, consent
// change, audit read, break-glass access or authentication failure (ATL 10 §: the use and
// disclosure log). The caller supplies the event; the log adds the sequence number and the time.
//
// A record is encoded as canonical JSON on one line (docs/formats/audit-log.md); those exact
// bytes are the Merkle leaf. Never a payload, never a plain identity code: the subject appears
// only as a keyed pseudonym (audit/pseudonym.h), and an event with anything shaped like a
// Finnish identity code (henkilötunnus) in any field is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/time.h"

namespace silta::audit {

enum class EventType : std::uint8_t {
  kDecision,      // "decision": a decision was made (POST /v1/decisions, or before an exchange)
  kDisclosure,    // "disclosure": data was released (or the fetch failed: see outcome)
  kReferralSent,  // "referral-sent": a pushed referral accepted (e.g. lastensuojeluilmoitus)
  kReferralDelivered,     // "referral-delivered": delivered to the recipient's adapter
  kReferralAcknowledged,  // "referral-acknowledged": the recipient acknowledged it
  kReferralDecided,       // "referral-decided": the recipient recorded its decision on it
  kConsentRecorded,       // "consent-recorded": a consent, permit or prohibition recorded
  kConsentRevoked,        // "consent-revoked"
  kAuditRead,             // "audit-read": someone read the audit log through the API
  kBreakGlass,            // "break-glass": an emergency access under a statute that allows it
  kBreakGlassReview,      // "break-glass-review": the privacy officer reviewed one
  kAuthFailure,           // "auth-failure": a client was refused (certificate, registry, role)
  kLogRecovered,          // "log-recovered": opening the log found a crash's leftovers or damage
};

std::string_view event_type_name(EventType type);
std::optional<EventType> parse_event_type(std::string_view name);

// The decision as a whole; the per-category outcome is in the categories_* lists.
enum class DecisionSummary : std::uint8_t {
  kNone,     // no decision in this event (field omitted)
  kGranted,  // "granted": every requested category
  kPartial,  // "partial": some granted, some denied
  kDenied,   // "denied": none
};

std::string_view decision_name(DecisionSummary decision);

// What opening the log found after a crash or damage and what it did (AuditLog::open), in a
// `log-recovered` record only. Counts of zero and empty texts are omitted from the record.
struct LogRecovery {
  // Records after the latest checkpoint that passed every check and were signed at recovery,
  // and the time span they cover.
  std::uint64_t recovered_records = 0;
  std::optional<SysTime> recovered_from, recovered_until;
  std::uint64_t torn_bytes = 0;  // an incomplete final frame that was cut off
  // A tail after the latest checkpoint that failed the checks: moved aside, never signed.
  std::string quarantine_file;          // its file in the log directory
  std::string quarantine_segment;       // the segment the moved bytes began in...
  std::uint64_t quarantine_offset = 0;  // ...at this offset (to the end of the log)
  std::uint64_t quarantine_bytes = 0;
  std::uint64_t quarantined_records = 0;  // record frames among them, as far as readable
  std::string problem;                    // the first check that failed

  bool empty() const { return *this == LogRecovery{}; }
  bool operator==(const LogRecovery&) const = default;
};

struct AuditEvent {
  EventType type = EventType::kDecision;
  std::string agency;  // the acting agency's registry id; empty only for an unknown client
  std::string actor;   // the person at that agency: the agency's unique user id (ATL 10 §)
  // The acting person's role (a catalog role id, e.g. "teacher"), when the request stated one;
  // records before roles existed have none (docs/formats/audit-log.md).
  std::string actor_role;
  std::string subject;      // the subject's pseudonym (64 hex), empty when there is no subject
  std::string subject_key;  // id of the pseudonym key that made it (8 hex); set with subject
  std::string target;       // the other agency: the holder asked, or the recipient pushed to
  std::string purpose;      // catalog purpose id
  std::vector<std::string> categories_requested;
  std::vector<std::string> categories_granted;
  std::vector<std::string> categories_denied;
  DecisionSummary decision = DecisionSummary::kNone;
  // "pull" (the agency asked the target, which holds the data) or "push" (the agency, holding
  // the data, disclosed it to the target); empty when the event moves no data.
  std::string direction;
  std::vector<std::string> citations;  // ids of the legal bases relied on (catalog)
  std::vector<std::string> consents;   // ids of the consents or permits relied on
  bool break_glass = false;
  // The requester's own case the request belongs to (e.g. its LSL 26 § assessment), as the
  // request stated it, so that a privacy officer can find a case's requests.
  std::string case_reference;
  std::string justification;    // necessity or break-glass justification, as written
  std::string catalog_version;  // the catalog in force
  std::string catalog_hash;
  std::string request_digest;   // SHA-256 hex of the request body
  std::string response_digest;  // SHA-256 hex of what was released
  std::string reference;        // id of the exchange, referral, consent or review concerned
  // A disclosure to the police for a crime investigation may be withheld from the subject's
  // own log-data report until this time (ATL 11 §).
  std::optional<SysTime> embargo_until;
  std::string outcome;   // required: "ok", or why not ("denied", "adapter_unavailable", ...)
  LogRecovery recovery;  // log-recovered records only

  bool operator==(const AuditEvent&) const = default;
};

struct AuditRecord {
  std::uint64_t seq = 0;  // the leaf index: 0, 1, 2, ... without gaps
  SysTime time;           // UTC, microseconds, never decreasing along the log
  AuditEvent event;

  bool operator==(const AuditRecord&) const = default;
};

// Checks an event against the field rules of docs/formats/audit-log.md; the error lists every
// problem. AuditLog::append does this; callers may check earlier.
Status validate_event(const AuditEvent& event);

// The canonical encoding of an event without its sequence number and time, prepared so that the
// log can add those two cheaply when it assigns them.
class PreparedEvent {
 public:
  static Result<PreparedEvent> prepare(const AuditEvent& event);
  // The record's leaf bytes: canonical JSON, one line, no newline.
  std::string assemble(std::uint64_t seq, SysTime time) const;

 private:
  std::string before_seq_;   // members whose keys sort before "seq", each followed by ','
  std::string before_time_;  // members between "seq" and "time", each followed by ','
  std::string after_time_;   // members after "time" ("torn_bytes", then always "type" and "v")
};

// The leaf bytes of a record (the event must be valid).
Result<std::string> encode_record(const AuditRecord& record);
// Parses leaf bytes back; refuses anything that is not exactly the canonical encoding of a valid
// record (kDataLoss).
Result<AuditRecord> parse_record(std::string_view leaf);

// The record as a JSON object (what the API and `export --format jsonl` show); its canonical_json
// is the leaf.
nlohmann::json to_json(const AuditRecord& record);

// Whether `text` contains something shaped like a Finnish identity code (DDMMYY, a century
// sign, three digits and a matching check character). Exposed for tests.
bool contains_identity_code(std::string_view text);

}  // namespace silta::audit
