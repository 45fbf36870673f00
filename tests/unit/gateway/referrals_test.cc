// The statutory clocks of referrals in Finnish working days, what a decision stops, and the
// delivery backoff.
#include <catch2/catch.hpp>

#include "gateway/referral_rules.h"
#include "gateway/referral_worker.h"
#include "policy/calendar.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::gateway;
using std::chrono::milliseconds;

namespace {

std::shared_ptr<const policy::Catalog> catalog() {
  static auto load = policy::load_catalog(test::source_dir() / "policy" / "catalogs" / "fi");
  REQUIRE(load.catalog);
  return load.catalog;
}

SysTime at(const char* t) { return *parse_rfc3339(t); }

// The due day in Finland of each deadline, by name.
std::map<std::string, std::string> due_days(const std::vector<store::ReferralDeadline>& ds) {
  std::map<std::string, std::string> out;
  for (const auto& d : ds) {
    out[d.name] =
        policy::format_date(policy::helsinki_date(d.due_at - std::chrono::microseconds(1)));
  }
  return out;
}

std::vector<store::ReferralDeadline> report_deadlines(const char* received) {
  auto c = catalog();
  return referral_deadlines(*c, *c->find_referral_kind("lsl25_report"), at(received), "always");
}

}  // namespace

TEST_CASE("a child welfare report's clocks skip Easter", "[referrals][calendar]") {
  // Received on Maundy Thursday 2.4.2026: Good Friday and Easter Monday do not count.
  auto due = due_days(report_deadlines("2026-04-02T08:00:00Z"));
  CHECK(due["dl.lsl.26.2"] == "2026-04-02");
  CHECK(due["dl.lsl.26.5.start"] == "2026-04-15");
  CHECK(due["dl.lsl.26.5.complete"] == "2026-07-02");
}

TEST_CASE("a child welfare report's clocks skip Midsummer", "[referrals][calendar]") {
  // docs/law.md §8.1: Wed 17.6.2026 → Mon 29.6.2026 (juhannusaatto is not a working day).
  auto due = due_days(report_deadlines("2026-06-17T09:00:00Z"));
  CHECK(due["dl.lsl.26.5.start"] == "2026-06-29");
  CHECK(due["dl.lsl.26.5.complete"] == "2026-09-17");
}

TEST_CASE("a child welfare report's clocks skip Christmas and New Year", "[referrals][calendar]") {
  // docs/law.md §8.1: Thu 18.12.2025 → Fri 2.1.2026.
  auto due = due_days(report_deadlines("2025-12-18T12:00:00Z"));
  CHECK(due["dl.lsl.26.5.start"] == "2026-01-02");
  CHECK(due["dl.lsl.26.5.complete"] == "2026-03-18");
}

TEST_CASE("the receipt day is the day in Finland, and a deadline ends at midnight there",
          "[referrals][calendar]") {
  // 23:30 UTC on Monday 2.3.2026 is already Tuesday 01:30 in Helsinki.
  auto ds = report_deadlines("2026-03-02T23:30:00Z");
  auto due = due_days(ds);
  CHECK(due["dl.lsl.26.2"] == "2026-03-03");
  CHECK(due["dl.lsl.26.5.start"] == "2026-03-12");
  CHECK(ds[1].due_at == at("2026-03-12T22:00:00Z"));  // 00:00 on Friday in Helsinki
  CHECK_FALSE(ds[1].overdue_at(at("2026-03-12T21:59:59Z")));
  CHECK(ds[1].overdue_at(at("2026-03-12T22:00:01Z")));
}

TEST_CASE("an SHL 35 § contact starts its clocks only when an assessment opens",
          "[referrals][calendar]") {
  auto c = catalog();
  const auto* kind = c->find_referral_kind("shl35_contact");
  REQUIRE(kind != nullptr);
  CHECK(referral_deadlines(*c, *kind, at("2026-04-02T08:00:00Z"), "always").empty());
  auto due =
      due_days(referral_deadlines(*c, *kind, at("2026-04-02T08:00:00Z"), "assessment_opened"));
  CHECK(due == std::map<std::string, std::string>{{"dl.shl.36.3.start", "2026-04-15"},
                                                  {"dl.shl.36.3.complete", "2026-07-02"}});
}

TEST_CASE("what each decision outcome stops", "[referrals]") {
  auto c = catalog();
  store::Referral r;
  r.deadlines = report_deadlines("2026-04-02T08:00:00Z");
  auto met = [&](const char* outcome) {
    const DecisionOutcome* o = outcome ? find_decision_outcome(outcome) : nullptr;
    if (outcome) REQUIRE(o != nullptr);
    return deadlines_met_by(r, *c, o);
  };
  using List = std::vector<std::string>;
  CHECK(met(nullptr) == List{"dl.lsl.26.2"});  // an acknowledgement: urgency assessed
  CHECK(met("assessment_started") == List{"dl.lsl.26.2", "dl.lsl.26.5.start"});
  CHECK(met("urgent_action") == List{"dl.lsl.26.2", "dl.lsl.26.5.start"});
  CHECK(met("no_action") == List{"dl.lsl.26.2", "dl.lsl.26.5.start", "dl.lsl.26.5.complete"});
  CHECK(met("assessment_completed") ==
        List{"dl.lsl.26.2", "dl.lsl.26.5.start", "dl.lsl.26.5.complete"});
  r.deadlines[0].met_at = at("2026-04-02T09:00:00Z");  // met already: not met again
  CHECK(met("assessment_started") == List{"dl.lsl.26.5.start"});
  CHECK(find_decision_outcome("maybe") == nullptr);
}

TEST_CASE("delivery retries back off exponentially with jitter, up to the maximum", "[referrals]") {
  for (int i = 0; i < 200; ++i) {
    auto first = ReferralWorker::backoff(1, milliseconds(1000), milliseconds(60000));
    CHECK(first >= milliseconds(500));
    CHECK(first <= milliseconds(1000));
    auto fourth = ReferralWorker::backoff(4, milliseconds(1000), milliseconds(60000));
    CHECK(fourth >= milliseconds(4000));
    CHECK(fourth <= milliseconds(8000));
    auto late = ReferralWorker::backoff(40, milliseconds(1000), milliseconds(60000));
    CHECK(late >= milliseconds(30000));
    CHECK(late <= milliseconds(60000));
  }
}

TEST_CASE("a referral's payload reads back, and damage is a clear error", "[referrals]") {
  ReferralPayload p;
  p.identity_code = "110213A913H";
  p.subject_key = "0123abcd";
  p.actor = "teacher-anna";
  p.basis = "fi.lsl.25.1";
  p.urgent = true;
  p.fields = {{"concern", "x"}};
  p.decision = {{"outcome", "granted"}};
  p.audit_origin = "silta-test";
  p.audit_seq = 42;
  auto back = ReferralPayload::parse(p.to_json());
  REQUIRE(back);
  CHECK(back->to_json() == p.to_json());
  auto damaged = ReferralPayload::parse(R"({"identity_code": "110213A913H"})");
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().code == ErrorCode::kDataLoss);
  CHECK(damaged.error().message.find("110213A913H") == std::string::npos);
}
