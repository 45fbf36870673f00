// Referrals and their outbox as the store keeps them: a child welfare report
// (lastensuojeluilmoitus, LSL 25 §), an SHL 35 § contact and the like, pushed from a sender
// agency to a recipient agency, delivered by workers that claim them with a lease, then
// acknowledged and decided on by the recipient against statutory deadlines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"

namespace silta::store {

// Forward only: received → delivered → acknowledged → decided. A delivery that fails stays
// `received` with its attempts, last error and next retry time; one given up on is `dead`.
enum class ReferralState { kReceived, kDelivered, kAcknowledged, kDecided, kDead };

const char* referral_state_name(ReferralState state);
std::optional<ReferralState> parse_referral_state(std::string_view name);

// One statutory clock, computed by the caller (Finnish working days) and stored as a time.
struct ReferralDeadline {
  std::string name;  // e.g. "urgency_assessment" (LSL 26 §(2)), "assessment_started" (26 §(5))
  SysTime due_at;
  std::optional<SysTime> met_at;

  bool met() const { return met_at && *met_at <= due_at; }
  bool overdue_at(SysTime t) const { return !met_at && due_at < t; }
};

struct ReferralLease {
  std::string worker;  // who holds the delivery
  SysTime expires_at;  // after this another worker may claim it again
};

struct ReferralAcknowledgement {
  SysTime at;
  std::string by_actor;  // the person at the recipient agency
};

struct ReferralDecision {
  SysTime at;
  std::string by_actor;
  std::string outcome;  // e.g. "urgent_need_assessed", "assessment_started", "no_action"
  std::string detail;   // opaque JSON of the recipient's case data; encrypted at rest and
                        // never shown to the sender
};

// What the caller hands to enqueue_referral().
struct NewReferral {
  std::string id;    // random, chosen by the caller (e.g. "r-…")
  std::string kind;  // catalog id of the referral kind
  std::string sender_agency, recipient_agency;
  std::string subject_pseudonym;
  std::string payload;          // opaque JSON; may name the child, so encrypted at rest
  std::string idempotency_key;  // empty = none; unique per sender agency
  std::string request_hash;     // SHA-256 hex of the request body, to detect a changed retry
  std::vector<ReferralDeadline> deadlines;
  SysTime received_at;  // when it was accepted; also when it is first due for delivery
};

struct Referral {
  std::string id;
  std::string kind;
  std::string sender_agency, recipient_agency;
  std::string subject_pseudonym;
  std::string payload;
  std::string idempotency_key;
  std::string request_hash;
  ReferralState state = ReferralState::kReceived;
  int attempts = 0;                        // delivery claims so far
  std::optional<SysTime> next_attempt_at;  // due for delivery from then (received only)
  std::string last_error;                  // of the last failed attempt
  std::optional<ReferralLease> lease;
  std::vector<ReferralDeadline> deadlines;
  std::optional<ReferralAcknowledgement> acknowledgement;
  std::optional<ReferralDecision> decision;
  SysTime created_at, updated_at;
  std::optional<SysTime> delivered_at;

  bool overdue_at(SysTime t) const;
};

struct EnqueueResult {
  Referral referral;
  bool created = false;  // false: an earlier request with the same key and body made it
};

// Filters combine with AND; a page is ordered by arrival.
struct ReferralQuery {
  std::optional<std::string> sender_agency;
  std::optional<std::string> recipient_agency;
  std::optional<ReferralState> state;
  std::optional<SysTime> overdue_at;  // only those with an unmet deadline due before this
  std::string cursor;                 // from the previous page's next_cursor; empty = first
  std::size_t limit = 100;
};

}  // namespace silta::store
