#include "gateway/referral_rules.h"

#include <algorithm>
#include <array>

#include "policy/calendar.h"

namespace silta::gateway {

using nlohmann::json;
using policy::DeadlineSpec;

namespace {

constexpr std::array<DecisionOutcome, 5> kOutcomes = {{
    // Urgent measures taken (e.g. an urgent placement); the assessment starts with them.
    {"urgent_action", true, true, false, true},
    {"assessment_started", true, true, false, true},
    // Started and completed; also as a later step after assessment_started.
    {"assessment_completed", true, true, true, true},
    // LSL 26 §(3): the matter clearly needs no measures; every clock stops.
    {"no_action", true, true, true, false},
    // A report to the police: the police start an investigation (no statutory clock here).
    {"investigation_started", true, false, false, false},
}};

const policy::DeadlineRule* rule_of(const policy::Catalog& catalog, const std::string& name) {
  return catalog.find_deadline(name);
}

const char* deadline_status(const store::ReferralDeadline& d, SysTime now) {
  if (d.met_at) return d.met() ? "met" : "met_late";
  return d.overdue_at(now) ? "overdue" : "open";
}

}  // namespace

std::vector<store::ReferralDeadline> referral_deadlines(const policy::Catalog& catalog,
                                                        const policy::ReferralKind& kind,
                                                        SysTime received_at,
                                                        std::string_view applies) {
  std::vector<store::ReferralDeadline> out;
  const policy::Date received_on = policy::helsinki_date(received_at);
  for (const auto& d : kind.deadlines) {
    if (d.applies != applies) continue;
    const auto* rule = catalog.find_deadline(d.deadline);
    if (rule == nullptr) continue;  // the catalog loader refuses dangling ids
    policy::Date due = policy::deadline_due(rule->spec, received_on);
    out.push_back({rule->id, policy::helsinki_day_end(due), std::nullopt});
  }
  return out;
}

const DecisionOutcome* find_decision_outcome(std::string_view id) {
  for (const auto& o : kOutcomes) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

std::string decision_outcome_ids() {
  std::string out;
  for (const auto& o : kOutcomes) {
    if (!out.empty()) out += ", ";
    out += o.id;
  }
  return out;
}

std::vector<std::string> deadlines_met_by(const store::Referral& r, const policy::Catalog& catalog,
                                          const DecisionOutcome* outcome) {
  std::vector<std::string> out;
  for (const auto& d : r.deadlines) {
    if (d.met_at) continue;
    const auto* rule = rule_of(catalog, d.name);
    if (rule == nullptr) continue;
    bool met = false;
    switch (rule->spec.count) {
      case DeadlineSpec::Count::kImmediately:
        met = outcome == nullptr || outcome->meets_urgency;
        break;
      case DeadlineSpec::Count::kWorkingDays:
        met = outcome != nullptr && outcome->meets_start;
        break;
      case DeadlineSpec::Count::kMonths:
      case DeadlineSpec::Count::kCalendarDaysInclusive:
        met = outcome != nullptr && outcome->meets_completion;
        break;
    }
    if (met) out.push_back(d.name);
  }
  return out;
}

std::string ReferralPayload::to_json() const {
  return json{{"identity_code", identity_code},
              {"subject_key", subject_key},
              {"actor", actor},
              {"basis", basis},
              {"urgent", urgent},
              {"fields", fields},
              {"data", data},
              {"decision", decision},
              {"audit_origin", audit_origin},
              {"audit_seq", audit_seq}}
      .dump();
}

Result<ReferralPayload> ReferralPayload::parse(const std::string& text) {
  try {
    auto j = json::parse(text);
    ReferralPayload p;
    p.identity_code = j.at("identity_code").get<std::string>();
    p.subject_key = j.at("subject_key").get<std::string>();
    p.actor = j.at("actor").get<std::string>();
    p.basis = j.at("basis").get<std::string>();
    p.urgent = j.at("urgent").get<bool>();
    p.fields = j.at("fields");
    p.data = j.at("data");
    p.decision = j.at("decision");
    p.audit_origin = j.at("audit_origin").get<std::string>();
    p.audit_seq = j.at("audit_seq").get<std::uint64_t>();
    return p;
  } catch (const std::exception& e) {
    // The message names the field, never the content.
    return make_error(ErrorCode::kDataLoss,
                      std::string("unreadable referral payload: ") + e.what());
  }
}

json referral_json(const store::Referral& r, const policy::Catalog& catalog, ReferralView view,
                   SysTime now, Lang lang) {
  json j = {{"id", r.id},
            {"kind", r.kind},
            {"sender", r.sender_agency},
            {"recipient", r.recipient_agency},
            {"state", store::referral_state_name(r.state)},
            {"received_at", format_rfc3339(r.created_at)},
            {"delivery_attempts", r.attempts}};
  if (r.delivered_at) j["delivered_at"] = format_rfc3339(*r.delivered_at);
  if (r.acknowledgement) j["acknowledged_at"] = format_rfc3339(r.acknowledgement->at);
  if (r.decision) j["decided_at"] = format_rfc3339(r.decision->at);
  if (view == ReferralView::kSender) return j;

  const bool recipient = view == ReferralView::kRecipient;
  if (recipient &&
      (r.state == store::ReferralState::kReceived || r.state == store::ReferralState::kDead)) {
    if (r.next_attempt_at && r.state == store::ReferralState::kReceived) {
      j["next_attempt_at"] = format_rfc3339(*r.next_attempt_at);
    }
    if (!r.last_error.empty()) j["last_error"] = r.last_error;
  }
  if (r.acknowledgement) j["acknowledged_by"] = r.acknowledgement->by_actor;
  if (r.decision) {
    json d = {{"outcome", r.decision->outcome},
              {"by", r.decision->by_actor},
              {"at", format_rfc3339(r.decision->at)}};
    if (recipient && !r.decision->detail.empty()) {
      d["detail"] = json::parse(r.decision->detail, nullptr, false);
    }
    j["decision"] = std::move(d);
  }
  json deadlines = json::array();
  for (const auto& d : r.deadlines) {
    json x = {
        {"id", d.name}, {"due_at", format_rfc3339(d.due_at)}, {"status", deadline_status(d, now)}};
    // The due day in Finland: the last day on which the deadline is still met.
    x["due_on"] =
        policy::format_date(policy::helsinki_date(d.due_at - std::chrono::microseconds(1)));
    if (d.met_at) x["met_at"] = format_rfc3339(*d.met_at);
    if (const auto* rule = rule_of(catalog, d.name)) {
      x["title"] = rule->title.in(lang);
      x["citation"] = rule->citation.short_text();
    }
    deadlines.push_back(std::move(x));
  }
  j["deadlines"] = std::move(deadlines);
  j["overdue"] = r.overdue_at(now);
  return j;
}

}  // namespace silta::gateway
