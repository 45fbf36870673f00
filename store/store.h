// Persistence behind one interface: consents, referrals and their outbox, idempotency records
// for POST requests, break-glass review items and the audit index. Two backends: SQLite (the
// embedded default, zero set-up) and PostgreSQL (several gateway instances), chosen by the
// store URL (store/config.h). See docs/operations.md.
//
// Every call blocks on the database: run them on a StoreExecutor (store/executor.h), never on
// an I/O thread. A Store is safe to use from many threads at once. Times are passed in by the
// caller (the store never reads the clock), so leases, expiry and deadlines are testable.
// Identity codes, referral payloads, decision details, stored responses and break-glass
// justifications are encrypted at rest (XChaCha20-Poly1305) under the store key file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "policy/consent.h"
#include "store/config.h"
#include "store/referral.h"

namespace silta::store {

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;  // empty = this was the last page
};

// ---- consents ----------------------------------------------------------------------------

enum class ConsentStatus { kActive, kRevoked, kExpired };
const char* consent_status_name(ConsentStatus status);

// A consent as the store keeps it: the engine's record plus what the engine never sees.
struct StoredConsent {
  policy::ConsentRecord record;
  std::string subject_identity_code;  // HETU; encrypted at rest, never in a log line
  // One per record.granted_by, in the same order; encrypted at rest.
  std::vector<std::string> grantor_identity_codes;
  std::string receipt;             // the signed consent receipt (opaque to the store)
  std::string revocation_receipt;  // set when revoked
  ConsentStatus status = ConsentStatus::kActive;
};

struct ConsentQuery {
  std::string subject_pseudonym;
  // Set: only consents in force at that time (active, valid_from ≤ t < valid_until).
  std::optional<SysTime> active_at;
  // False: the identity codes (subject_identity_code, grantor_identity_codes) stay empty and are
  // not decrypted; a decision needs only the records.
  bool identities = true;
};

// ---- idempotency records for POST requests --------------------------------------------------

struct IdempotencyRecord {
  std::string agency;        // the caller; keys are per agency
  std::string key;           // the Idempotency-Key header
  std::string request_hash;  // SHA-256 hex of method, path and body
  int status = 0;            // the stored response; 0: a reservation, the request still runs
  std::string body;          // may carry released data: encrypted at rest
  std::string location;      // the Location header of the stored response, if any
  SysTime created_at, expires_at;
};

// ---- break-glass review items ---------------------------------------------------------------

enum class ReviewVerdict { kJustified, kUnjustified };
const char* review_verdict_name(ReviewVerdict verdict);
std::optional<ReviewVerdict> parse_review_verdict(std::string_view name);

struct BreakGlassVerdict {
  ReviewVerdict verdict = ReviewVerdict::kJustified;
  std::string reviewer;  // the privacy officer
  std::string note;      // encrypted at rest
  SysTime at;
};

struct BreakGlassReview {
  std::string id;
  std::string audit_origin;  // the audit log (gateway instance) holding the access record
  std::uint64_t audit_sequence = 0;
  std::string agency, actor;  // who used the emergency access
  std::string target_agency;
  std::string subject_pseudonym;
  std::string basis;  // catalog legal basis id
  std::vector<std::string> categories;
  std::string justification;  // written by the actor; encrypted at rest
  SysTime opened_at, due_at;
  std::optional<BreakGlassVerdict> review;  // absent = open
};

struct BreakGlassQuery {
  enum class Which { kOpen, kReviewed, kAll } which = Which::kOpen;
  std::optional<std::string> agency;
  std::optional<SysTime> overdue_at;  // open items due before this
  std::string cursor;
  std::size_t limit = 100;
};

// ---- audit index ----------------------------------------------------------------------------

// One audit record as the privacy officer searches it. The audit segment files are the source
// of truth; the index can be cleared and rebuilt from them.
struct AuditIndexEntry {
  std::string origin;  // the log that holds the record (each gateway instance has its own)
  std::uint64_t sequence = 0;
  SysTime time;
  std::string event_type;
  std::string agency;  // the requesting agency
  std::string subject_pseudonym;
  std::string target_agency;
  std::string purpose;
  // The record's leaf bytes (canonical JSON; a pseudonym, never an identity code), so that any
  // instance can show another instance's record in full. Empty for entries indexed before schema
  // version 3.
  std::string record;
};

// Filters combine with AND; pages are ordered by time, then origin and sequence.
struct AuditIndexQuery {
  // Any of these (one per pseudonym key, current and retired); empty = every subject.
  std::vector<std::string> subject_pseudonyms;
  std::optional<std::string> agency;  // matches the requesting or the target agency
  std::optional<std::string> event_type;
  std::optional<std::string> purpose;
  std::optional<SysTime> from;   // inclusive
  std::optional<SysTime> until;  // exclusive
  std::string cursor;
  std::size_t limit = 100;
};

// The cursor that continues a query after `entry` (a page's next_cursor names its last entry).
std::string audit_index_cursor(const AuditIndexEntry& entry);

// ---- schema ---------------------------------------------------------------------------------

struct SchemaStatus {
  std::string backend;  // "sqlite" or "postgresql"
  int current_version = 0;
  int latest_version = 0;
  std::vector<std::string> pending;  // "N name" of each migration not yet applied
};

class Store {
 public:
  virtual ~Store() = default;

  // True when a read is a call into this process on local files (SQLite), which costs less than
  // handing it to another thread; false when it is a network round trip (PostgreSQL).
  virtual bool reads_in_process() const = 0;

  // Schema: migrate() applies the pending migrations (PostgreSQL: under an advisory lock, so
  // instances may start together) and checks that the key opens this database's data.
  virtual Result<SchemaStatus> schema_status() = 0;
  virtual Status migrate() = 0;

  // Consents. create: kAlreadyExists on a duplicate id; revoke: kNotFound, or
  // kFailedPrecondition when already revoked; expire: marks active consents whose valid_until
  // is ≤ now as expired and returns their ids (so that each expiry can be audited).
  virtual Status create_consent(const StoredConsent& consent) = 0;
  virtual Result<StoredConsent> get_consent(const std::string& id) = 0;
  virtual Result<std::vector<StoredConsent>> list_consents(const ConsentQuery& query) = 0;
  virtual Result<StoredConsent> revoke_consent(const std::string& id,
                                               const policy::ConsentRevocation& revocation,
                                               const std::string& revocation_receipt) = 0;
  virtual Result<std::vector<std::string>> expire_consents(SysTime now) = 0;

  // Referrals and the outbox. enqueue: the same sender and idempotency key with the same
  // request hash returns the first referral (created = false); a different hash is kConflict.
  virtual Result<EnqueueResult> enqueue_referral(const NewReferral& referral) = 0;
  virtual Result<Referral> get_referral(const std::string& id) = 0;
  virtual Result<Page<Referral>> list_referrals(const ReferralQuery& query) = 0;
  // Claims up to `max` received referrals due at `now` whose lease is absent or expired, for
  // `worker` until now + lease; each claim counts as an attempt. Empty when nothing is due.
  virtual Result<std::vector<Referral>> claim_deliveries(const std::string& worker, SysTime now,
                                                         std::chrono::microseconds lease,
                                                         std::size_t max) = 0;
  // Both need the worker's lease (kFailedPrecondition when another worker holds it or the
  // referral is no longer awaiting delivery). retry_at absent = give up: the referral is dead.
  virtual Status mark_delivered(const std::string& id, const std::string& worker, SysTime at) = 0;
  virtual Status mark_failed(const std::string& id, const std::string& worker,
                             const std::string& error, SysTime at,
                             std::optional<SysTime> retry_at) = 0;
  // Puts a dead referral back into delivery once the agency system is repaired (an operator's
  // `silta db requeue`): received, due at `at`, attempts counted from 0 again. kNotFound, or
  // kFailedPrecondition when the referral is not dead.
  virtual Result<Referral> requeue_referral(const std::string& id, SysTime at) = 0;
  // Recipient's records; each only once, forward only (kFailedPrecondition otherwise).
  // Deadlines named in `deadlines_met` are met at the record's time (kInvalidArgument if the
  // referral has no such deadline); a decision may start new clocks.
  virtual Result<Referral> acknowledge_referral(const std::string& id,
                                                const ReferralAcknowledgement& ack,
                                                const std::vector<std::string>& deadlines_met) = 0;
  virtual Result<Referral> record_referral_decision(
      const std::string& id, const ReferralDecision& decision,
      const std::vector<std::string>& deadlines_met,
      const std::vector<ReferralDeadline>& new_deadlines) = 0;
  virtual Result<Referral> mark_deadlines_met(const std::string& id,
                                              const std::vector<std::string>& names,
                                              SysTime at) = 0;
  // For /metrics: how many referrals are in each state (dead letters among them).
  virtual Result<std::vector<std::pair<ReferralState, std::int64_t>>>
  count_referrals_by_state() = 0;
  // For /metrics: referrals with an unmet deadline due before `at`, per recipient agency.
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> count_overdue_by_recipient(
      SysTime at) = 0;

  // Idempotency records. save: stores the record unless a live one exists for the agency and
  // key; returns the record now stored (the earlier one when the hash matches), kConflict when
  // the hash differs. A reservation (status 0) is replaced by a record with the same request
  // hash and created_at: its owner's answer, or its release (expires_at ≤ created_at). find:
  // absent when none or expired.
  virtual Result<IdempotencyRecord> save_idempotency(const IdempotencyRecord& record) = 0;
  virtual Result<std::optional<IdempotencyRecord>> find_idempotency(const std::string& agency,
                                                                    const std::string& key,
                                                                    SysTime now) = 0;
  virtual Result<std::int64_t> purge_idempotency(SysTime now) = 0;

  // Break-glass review items. review: kNotFound, or kFailedPrecondition when already reviewed.
  virtual Status open_break_glass_review(const BreakGlassReview& item) = 0;
  virtual Result<BreakGlassReview> get_break_glass_review(const std::string& id) = 0;
  virtual Result<Page<BreakGlassReview>> list_break_glass_reviews(const BreakGlassQuery& query) = 0;
  virtual Result<BreakGlassReview> review_break_glass(const std::string& id,
                                                      const BreakGlassVerdict& verdict) = 0;

  // Audit index. index: inserts the entries in one transaction. An entry already indexed (same
  // origin and sequence) with the same record is left as it is, so a rebuild may overlap; one
  // without a record (before schema version 3) gets it; one with a different record fails the
  // whole batch with kFailedPrecondition (two logs under one origin).
  virtual Status index_audit_records(const std::vector<AuditIndexEntry>& entries) = 0;
  virtual Result<Page<AuditIndexEntry>> query_audit_index(const AuditIndexQuery& query) = 0;
  // Where indexing `origin`'s log goes on: after its last indexed record, or at the first entry
  // indexed without its record (before schema version 3), so that those are filled in.
  virtual Result<std::uint64_t> next_audit_index_sequence(const std::string& origin) = 0;
  // Removes `origin`'s entries from `from_sequence` on (0: all of them): a log restored from an
  // older backup, or a tail the log quarantined when it opened.
  virtual Status clear_audit_index(const std::string& origin, std::uint64_t from_sequence) = 0;
  // Index retention (audit.index_retention_days): removes `origin`'s entries older than `before`,
  // except its newest entry, which tells indexing where it stands (else it would index the whole
  // log again). The records stay in the log and its archive. Returns how many were removed.
  virtual Result<std::uint64_t> prune_audit_index(const std::string& origin, SysTime before) = 0;
};

// Opens the store the config names (connects; creates a fresh SQLite file and its directory).
// Does not migrate: call migrate() at start. Without a key file, operations that encrypt or
// decrypt fail with kFailedPrecondition (enough for `silta db status`).
Result<std::unique_ptr<Store>> open_store(const StoreConfig& config);

}  // namespace silta::store
