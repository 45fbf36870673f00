// Referrals as the API shows them, the statutory clocks they run (Finnish working days) and what
// a recipient's decision does to those clocks (docs/referrals.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/lang.h"
#include "common/result.h"
#include "common/time.h"
#include "policy/catalog.h"
#include "store/referral.h"

namespace silta::gateway {

// The clocks a referral of `kind` starts when it is received at `received_at`: those of the
// kind's deadlines that apply `applies` ("always" at intake, "assessment_opened" when the
// recipient opens a service-need assessment). Each is due at the end of its day in Finland;
// the day of receipt does not count (docs/law.md §8.1). Named by the catalog's deadline id.
std::vector<store::ReferralDeadline> referral_deadlines(const policy::Catalog& catalog,
                                                        const policy::ReferralKind& kind,
                                                        SysTime received_at,
                                                        std::string_view applies);

// What a recipient may decide on a referral and which clocks that stops. The clocks are told
// apart by how the catalog counts them: "immediately" is the urgency assessment (LSL 26 §(2)),
// working days the start of the service-need assessment (LSL 26 §(5), SHL 36 §(3)), months its
// completion.
struct DecisionOutcome {
  std::string_view id;
  bool meets_urgency = false;
  bool meets_start = false;
  bool meets_completion = false;
  bool opens_assessment = false;  // starts the clocks that apply "assessment_opened"
};
const DecisionOutcome* find_decision_outcome(std::string_view id);
// "urgent_action, assessment_started, ..." for error messages and docs.
std::string decision_outcome_ids();

// The names of `r`'s unmet deadlines that `outcome` meets; with no outcome, only the urgency
// assessment (an acknowledgement that says the urgency was assessed).
std::vector<std::string> deadlines_met_by(const store::Referral& r, const policy::Catalog& catalog,
                                          const DecisionOutcome* outcome);

// What is stored, encrypted, as the referral's payload: everything the recipient's system gets,
// and what the intake answered, so that a retried request gets the same answer.
struct ReferralPayload {
  std::string identity_code;  // normalised; never logged
  std::string subject_key;    // the pseudonym key that made the stored pseudonym
  std::string actor;          // the sender's person
  std::string basis;          // the legal basis the referral moves on
  bool urgent = false;        // the sender thinks the child needs urgent help
  nlohmann::json fields = nlohmann::json::object();
  nlohmann::json data = nlohmann::json::object();
  nlohmann::json decision;  // the decision as the intake answered it
  std::string audit_origin;
  std::uint64_t audit_seq = 0;  // the referral-sent record

  std::string to_json() const;
  static Result<ReferralPayload> parse(const std::string& text);
};

// Who a referral is shown to: the sender sees its progress (states and times); the recipient
// also its deadlines, who acknowledged it and the decision with its detail; a privacy officer
// overseeing every agency's referrals what the recipient sees except the decision's detail and
// delivery errors. Nobody sees the content: it travels to the recipient's system only.
enum class ReferralView { kSender, kRecipient, kOversight };

nlohmann::json referral_json(const store::Referral& r, const policy::Catalog& catalog,
                             ReferralView view, SysTime now, Lang lang);

}  // namespace silta::gateway
