// Referrals and the outbox, on both backends.
#include <catch2/catch.hpp>

#include "tests/unit/store/store_fixture.h"

using namespace silta;
using namespace silta::test;
using namespace std::chrono;
using store::ReferralState;

namespace {
constexpr auto kLease = seconds(30);
}

TEMPLATE_TEST_CASE("referrals: enqueue is idempotent by key and body", "[store][referral]", Sqlite,
                   Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  auto first = s->enqueue_referral(make_referral("r-1", "key-1", "hash-a"));
  REQUIRE(first);
  CHECK(first->created);
  const auto& r = first->referral;
  CHECK(r.id == "r-1");
  CHECK(r.state == ReferralState::kReceived);
  CHECK(r.attempts == 0);
  CHECK(r.next_attempt_at == t0());
  CHECK(r.payload == make_referral("r-1").payload);
  CHECK(r.deadlines.size() == 2);
  CHECK(r.created_at == t0());

  // A retry with the same key and body: the first referral, not a second one.
  auto retry = s->enqueue_referral(make_referral("r-2", "key-1", "hash-a"));
  REQUIRE(retry);
  CHECK_FALSE(retry->created);
  CHECK(retry->referral.id == "r-1");
  CHECK(s->get_referral("r-2").error().code == ErrorCode::kNotFound);

  // The same key with another body is a conflict.
  auto changed = s->enqueue_referral(make_referral("r-3", "key-1", "hash-b"));
  REQUIRE_FALSE(changed);
  CHECK(changed.error().code == ErrorCode::kConflict);

  // The key is per sender: another agency may use it.
  auto other_sender = make_referral("r-4", "key-1", "hash-b");
  other_sender.sender_agency = "kokkola-koulu";
  auto o = s->enqueue_referral(other_sender);
  REQUIRE(o);
  CHECK(o->created);

  // Without keys, each request is a referral of its own.
  REQUIRE(s->enqueue_referral(make_referral("r-5"))->created);
  REQUIRE(s->enqueue_referral(make_referral("r-6"))->created);

  auto dup = s->enqueue_referral(make_referral("r-5"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == ErrorCode::kAlreadyExists);
  auto incomplete = make_referral("r-7");
  incomplete.recipient_agency.clear();
  CHECK(s->enqueue_referral(incomplete).error().code == ErrorCode::kInvalidArgument);
  CHECK(s->get_referral("nope").error().code == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("outbox: claims and leases and expiry and delivery and retries and dead letters",
                   "[store][referral][outbox]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();

  auto nothing = s->claim_deliveries("w1", t0(), kLease, 10);
  REQUIRE(nothing);
  CHECK(nothing->empty());

  auto later = make_referral("r-later");
  later.received_at = at_minutes(5);
  REQUIRE(s->enqueue_referral(make_referral("r-1")));
  REQUIRE(s->enqueue_referral(later));

  // Only what is due at `now`.
  auto c1 = s->claim_deliveries("w1", t0(), kLease, 10);
  REQUIRE(c1);
  REQUIRE(c1->size() == 1);
  CHECK((*c1)[0].id == "r-1");
  CHECK((*c1)[0].attempts == 1);
  REQUIRE((*c1)[0].lease);
  CHECK((*c1)[0].lease->worker == "w1");
  CHECK((*c1)[0].lease->expires_at == t0() + kLease);
  CHECK((*c1)[0].payload == make_referral("r-1").payload);

  // While the lease holds, nobody else gets it.
  CHECK(s->claim_deliveries("w2", t0() + seconds(29), kLease, 10)->empty());

  // The lease expired (w1 died): w2 takes it over; w1 can no longer report on it.
  auto c2 = s->claim_deliveries("w2", t0() + seconds(31), kLease, 10);
  REQUIRE(c2);
  REQUIRE(c2->size() == 1);
  CHECK((*c2)[0].id == "r-1");
  CHECK((*c2)[0].attempts == 2);
  auto stale = s->mark_delivered("r-1", "w1", t0() + seconds(32));
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == ErrorCode::kFailedPrecondition);
  REQUIRE(s->mark_delivered("r-1", "w2", t0() + seconds(33)));
  auto delivered = s->get_referral("r-1");
  REQUIRE(delivered);
  CHECK(delivered->state == ReferralState::kDelivered);
  CHECK(delivered->delivered_at == t0() + seconds(33));
  CHECK_FALSE(delivered->lease);
  CHECK_FALSE(delivered->next_attempt_at);
  auto twice = s->mark_delivered("r-1", "w2", t0() + seconds(34));
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == ErrorCode::kFailedPrecondition);
  CHECK(s->mark_delivered("nope", "w2", t0()).error().code == ErrorCode::kNotFound);

  // A failed attempt waits for its retry time, keeps the error, then is claimed again.
  auto c3 = s->claim_deliveries("w1", at_minutes(5), kLease, 10);
  REQUIRE(c3);
  REQUIRE(c3->size() == 1);
  REQUIRE(s->mark_failed("r-later", "w1", "adapter: 503", at_minutes(5), at_minutes(10)));
  auto failed = s->get_referral("r-later");
  CHECK(failed->state == ReferralState::kReceived);
  CHECK(failed->last_error == "adapter: 503");
  CHECK(failed->next_attempt_at == at_minutes(10));
  CHECK_FALSE(failed->lease);
  CHECK(s->claim_deliveries("w1", at_minutes(9), kLease, 10)->empty());
  auto c4 = s->claim_deliveries("w1", at_minutes(10), kLease, 10);
  REQUIRE(c4->size() == 1);
  CHECK((*c4)[0].attempts == 2);

  // Given up on: dead, never claimed again, visible by state.
  REQUIRE(s->mark_failed("r-later", "w1", "adapter: 503", at_minutes(10), std::nullopt));
  CHECK(s->get_referral("r-later")->state == ReferralState::kDead);
  CHECK(s->claim_deliveries("w1", at_minutes(1000), kLease, 10)->empty());
  store::ReferralQuery dead;
  dead.state = ReferralState::kDead;
  auto dead_list = s->list_referrals(dead);
  REQUIRE(dead_list);
  REQUIRE(dead_list->items.size() == 1);
  CHECK(dead_list->items[0].id == "r-later");
  CHECK(s->mark_failed("r-later", "w1", "x", at_minutes(11), at_minutes(12)).error().code ==
        ErrorCode::kFailedPrecondition);

  // An operator puts the dead letter back into delivery: due at once, attempts from 0.
  CHECK(s->requeue_referral("r-1", at_minutes(20)).error().code == ErrorCode::kFailedPrecondition);
  CHECK(s->requeue_referral("nope", at_minutes(20)).error().code == ErrorCode::kNotFound);
  auto requeued = s->requeue_referral("r-later", at_minutes(20));
  REQUIRE(requeued);
  CHECK(requeued->state == ReferralState::kReceived);
  CHECK(requeued->attempts == 0);
  CHECK(requeued->next_attempt_at == at_minutes(20));
  auto c5 = s->claim_deliveries("w1", at_minutes(20), kLease, 10);
  REQUIRE(c5->size() == 1);
  CHECK((*c5)[0].id == "r-later");

  CHECK(s->claim_deliveries("", t0(), kLease, 1).error().code == ErrorCode::kInvalidArgument);
  CHECK(s->claim_deliveries("w1", t0(), kLease, 0).error().code == ErrorCode::kInvalidArgument);
}

TEMPLATE_TEST_CASE("outbox: claims take the oldest due first and at most max", "[store][outbox]",
                   Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  for (int i = 0; i < 5; ++i) {
    auto r = make_referral("r-" + std::to_string(i));
    r.received_at = at_minutes(10 - i);  // r-4 is the oldest
    REQUIRE(s->enqueue_referral(r));
  }
  auto c = s->claim_deliveries("w1", at_minutes(20), kLease, 3);
  REQUIRE(c);
  REQUIRE(c->size() == 3);
  CHECK((*c)[0].id == "r-4");
  CHECK((*c)[1].id == "r-3");
  CHECK((*c)[2].id == "r-2");
  auto rest = s->claim_deliveries("w2", at_minutes(20), kLease, 3);
  REQUIRE(rest->size() == 2);
  CHECK((*rest)[0].id == "r-1");
  CHECK((*rest)[1].id == "r-0");
}

TEMPLATE_TEST_CASE("referrals: acknowledgement and decision and deadlines", "[store][referral]",
                   Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  REQUIRE(s->enqueue_referral(make_referral("r-1")));
  REQUIRE(s->enqueue_referral(make_referral("r-2")));
  auto c = s->claim_deliveries("w1", t0(), kLease, 1);
  REQUIRE(c->size() == 1);
  REQUIRE(s->mark_delivered("r-1", "w1", at_minutes(1)));

  // Overdue: the urgency assessment was due at receipt and is not met yet.
  store::ReferralQuery overdue;
  overdue.overdue_at = at_minutes(2);
  auto o = s->list_referrals(overdue);
  REQUIRE(o);
  CHECK(o->items.size() == 2);
  CHECK(o->items[0].overdue_at(at_minutes(2)));
  auto counts = s->count_overdue_by_recipient(at_minutes(2));
  REQUIRE(counts);
  REQUIRE(counts->size() == 1);
  CHECK((*counts)[0] == std::pair<std::string, std::int64_t>{"soite-lastensuojelu", 2});
  auto states = s->count_referrals_by_state();
  REQUIRE(states);
  using StateCount = std::pair<ReferralState, std::int64_t>;
  CHECK(*states ==
        std::vector<StateCount>{{ReferralState::kDelivered, 1}, {ReferralState::kReceived, 1}});
  store::ReferralQuery before_due;
  before_due.overdue_at = t0();
  CHECK(s->list_referrals(before_due)->items.empty());

  auto unknown = s->acknowledge_referral("r-1", {at_minutes(3), "sw-1"}, {"no_such_deadline"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::kInvalidArgument);
  CHECK(s->get_referral("r-1")->state == ReferralState::kDelivered);  // rolled back

  auto acked = s->acknowledge_referral("r-1", {at_minutes(3), "sw-1"}, {"urgency_assessment"});
  REQUIRE(acked);
  CHECK(acked->state == ReferralState::kAcknowledged);
  REQUIRE(acked->acknowledgement);
  CHECK(acked->acknowledgement->by_actor == "sw-1");
  CHECK(acked->deadlines[0].met_at == at_minutes(3));
  CHECK_FALSE(acked->deadlines[0].met());  // met, but late: it was due at receipt
  CHECK_FALSE(acked->overdue_at(at_minutes(4)));
  CHECK(acked->overdue_at(t0() + days(10)));  // assessment_started still open
  auto again = s->acknowledge_referral("r-1", {at_minutes(4), "sw-1"}, {});
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kFailedPrecondition);
  CHECK(s->list_referrals(overdue)->items.size() == 1);

  // The decision meets a clock and starts a new one; its detail stays with the recipient.
  store::ReferralDecision d{at_minutes(60), "sw-1", "assessment_started",
                            R"({"note":"home visit booked"})"};
  auto decided = s->record_referral_decision(
      "r-1", d, {"assessment_started"}, {{"assessment_completed", t0() + days(92), std::nullopt}});
  REQUIRE(decided);
  CHECK(decided->state == ReferralState::kDecided);
  REQUIRE(decided->decision);
  CHECK(decided->decision->detail == R"({"note":"home visit booked"})");
  CHECK(decided->deadlines.size() == 3);
  CHECK(decided->deadlines[1].met());
  auto reread = s->get_referral("r-1");
  CHECK(reread->decision->outcome == "assessment_started");
  CHECK(reread->deadlines[2].name == "assessment_completed");
  CHECK_FALSE(reread->overdue_at(t0() + days(91)));
  CHECK(reread->overdue_at(t0() + days(93)));
  auto twice = s->record_referral_decision("r-1", d, {}, {});
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == ErrorCode::kFailedPrecondition);
  auto dup_deadline =
      s->record_referral_decision("r-2", d, {}, {{"urgency_assessment", t0(), std::nullopt}});
  CHECK(dup_deadline.error().code == ErrorCode::kInvalidArgument);

  auto met = s->mark_deadlines_met("r-1", {"assessment_completed"}, t0() + days(30));
  REQUIRE(met);
  CHECK_FALSE(met->overdue_at(t0() + days(93)));

  // r-2 was never marked delivered: a decision still stops its delivery.
  auto decided2 = s->record_referral_decision("r-2", d, {"urgency_assessment"}, {});
  REQUIRE(decided2);
  CHECK_FALSE(decided2->lease);
  CHECK(s->claim_deliveries("w2", at_minutes(1000), kLease, 10)->empty());

  CHECK(s->acknowledge_referral("nope", {at_minutes(3), "x"}, {}).error().code ==
        ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("referrals: queries by sender and recipient and state in pages",
                   "[store][referral]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  for (int i = 0; i < 5; ++i) {
    auto r = make_referral("r-" + std::to_string(i));
    if (i % 2 == 1) r.sender_agency = "kokkola-koulu";
    if (i == 4) r.recipient_agency = "oulu-lastensuojelu";
    REQUIRE(s->enqueue_referral(r));
  }
  auto ids = [](const std::vector<store::Referral>& v) {
    std::vector<std::string> out;
    for (const auto& r : v) out.push_back(r.id);
    return out;
  };
  store::ReferralQuery by_sender;
  by_sender.sender_agency = "oulu-poliisi";
  CHECK(ids(s->list_referrals(by_sender)->items) == std::vector<std::string>{"r-0", "r-2", "r-4"});
  store::ReferralQuery by_recipient;
  by_recipient.recipient_agency = "soite-lastensuojelu";
  CHECK(ids(s->list_referrals(by_recipient)->items) ==
        std::vector<std::string>{"r-0", "r-1", "r-2", "r-3"});
  store::ReferralQuery both = by_sender;
  both.recipient_agency = "soite-lastensuojelu";
  CHECK(ids(s->list_referrals(both)->items) == std::vector<std::string>{"r-0", "r-2"});
  store::ReferralQuery delivered;
  delivered.state = ReferralState::kDelivered;
  CHECK(s->list_referrals(delivered)->items.empty());

  // Pages of two: every referral once, in order, then no cursor.
  store::ReferralQuery paged;
  paged.limit = 2;
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto p = s->list_referrals(paged);
    REQUIRE(p);
    for (const auto& r : p->items) seen.push_back(r.id);
    if (p->next_cursor.empty()) break;
    paged.cursor = p->next_cursor;
  }
  CHECK(seen == std::vector<std::string>{"r-0", "r-1", "r-2", "r-3", "r-4"});

  store::ReferralQuery bad;
  bad.cursor = "not-a-cursor";
  CHECK(s->list_referrals(bad).error().code == ErrorCode::kInvalidArgument);
}
