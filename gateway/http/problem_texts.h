// Every text of a problem (RFC 9457) that the people behind a caller read, in Finnish, Swedish
// and English: the title of each problem type and each detail. One table (problem_texts.cc), so
// that a translation is written and reviewed in one place; the problem is rendered in the
// request's language when the response is written (docs/api.md, "Languages").
#pragma once

#include <initializer_list>
#include <string_view>

#include "common/lang.h"

namespace silta::gateway {

// The details, by what happened. {0}, {1} in a text are filled with the arguments.
enum class ProblemText {
  // The transport.
  kHostMissing,
  kHostRepeated,
  kTrailers,
  kTransferEncoding,
  kTransferEncodingAndLength,
  kTransferEncodingHttp10,
  kChunkExtensions,
  kChunkLineTooLong,     // {0} bytes
  kTooManyHeaderFields,  // {0} fields
  kHeaderFieldTooLarge,  // {0} bytes
  kHeaderTooLarge,       // {0} bytes
  kBodyTooLarge,         // {0} bytes
  kMalformedRequest,
  kMalformedQuery,
  kMalformedJson,
  kNotJson,
  kUnregisteredClient,
  kAgencyDisabled,
  kNeedsRole,  // {0}: the roles
  kNoRoute,
  kMethodNotAllowed,
  kCrossSiteRead,
  kCrossSiteWrite,
  kCrossOriginWrite,
  kAdminGetOnly,
  kAdminNoRoute,
  kShuttingDown,
  kNotReady,  // {0}: the reason
  // Errors by their kind (problem_from_error).
  kInvalid,
  kInvalidFields,
  kNotFoundGeneric,
  kConflictGeneric,
  kForbiddenGeneric,
  kActorRoleNotAllowed,
  kUnavailable,
  kDeadline,
  kInternal,
  // Agency systems.
  kAdapterTimeout,
  kAdapterFailed,
  kReferralIdConflict,
  // Exchanges, consents, referrals.
  kAllDenied,
  kReferralDenied,
  kNothingReleased,
  kNothingRecorded,
  kNothingSent,
  kConsentNotFound,
  kNotAPartyToConsent,  // {0}: the agency's kind
  kConsentRevokedBefore,
  kReferralNotFound,
  kOnlyRecipient,
  kReferralNotDelivered,
  kReferralHandledAlready,  // {0}: the state
  kDecisionRecordedAlready,
  kReferralStateChanged,
  kIdempotencyKeyReused,
  kIdempotencyInProgress,
  // The audit API.
  kReadNotRecorded,
  kNoSuchProof,
  kFork,           // {0}: the tree size
  kOtherInstance,  // {0}: this instance's origin
  kNoRecordOfYours,
  kNotYetSigned,
  kReviewNotFound,
  kReviewedBefore,
};

// The detail in the three languages.
Texts problem_text(ProblemText id, std::initializer_list<std::string_view> args = {});
// The title of a problem type ("not-found"): the same for every occurrence of the type.
Texts problem_title(std::string_view type);
// Whether the table has a title of its own for `type` (a unit test keeps every type used in it).
bool has_problem_title(std::string_view type);

// Field messages of a problem's "errors" that the gateway's API itself writes.
Texts unknown_lang_message();

}  // namespace silta::gateway
