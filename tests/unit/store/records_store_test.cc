// Idempotency records, break-glass review items and the audit index, on both backends.
#include <catch2/catch.hpp>

#include "tests/unit/store/store_fixture.h"

using namespace silta;
using namespace silta::test;
using namespace std::chrono;

namespace {

store::IdempotencyRecord idem(const std::string& key, const std::string& hash, int status,
                              const std::string& body, SysTime created) {
  return {"soite-lastensuojelu", key, hash, status, body, "/v1/consents/c-1", created,
          created + hours(24)};
}

store::BreakGlassReview review_item(const std::string& id, const std::string& agency,
                                    SysTime opened) {
  store::BreakGlassReview r;
  r.id = id;
  r.audit_origin = "gw-1";
  r.audit_sequence = 42;
  r.agency = agency;
  r.actor = "sw-3";
  r.target_agency = "oulu-poliisi";
  r.subject_pseudonym = "p-child";
  r.basis = "fi.atl.62";
  r.categories = {"threat_info"};
  r.justification = "A parent threatened the class teacher with violence today.";
  r.opened_at = opened;
  r.due_at = opened + days(14);
  return r;
}

}  // namespace

TEMPLATE_TEST_CASE(
    "idempotency records: a reservation is kept from others, answered or released "
    "by its owner",
    "[store][idempotency]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  auto mine = idem("k1", "hash-a", 0, "token-1", t0());
  auto reserved = s->save_idempotency(mine);
  REQUIRE(reserved);
  CHECK(reserved->body == "token-1");
  // Another request with the same key a moment later finds the first one's reservation.
  auto other = s->save_idempotency(idem("k1", "hash-a", 0, "token-2", t0() + seconds(1)));
  REQUIRE(other);
  CHECK(other->status == 0);
  CHECK(other->body == "token-1");
  CHECK(s->save_idempotency(idem("k1", "hash-b", 0, "token-3", t0() + seconds(1))).error().code ==
        ErrorCode::kConflict);
  // The owner's answer replaces its reservation.
  auto answer = mine;
  answer.status = 200;
  answer.body = R"({"exchange_id":"x-1"})";
  REQUIRE(s->save_idempotency(answer)->body == answer.body);
  CHECK((*s->find_idempotency("soite-lastensuojelu", "k1", t0() + hours(1)))->status == 200);

  // Released (a 5xx answer): gone at once, and the next request may reserve the key.
  auto second = idem("k2", "hash-a", 0, "token-4", t0());
  REQUIRE(s->save_idempotency(second));
  auto released = second;
  released.expires_at = second.created_at;
  REQUIRE(s->save_idempotency(released));
  CHECK_FALSE(*s->find_idempotency("soite-lastensuojelu", "k2", t0()));
  auto again = s->save_idempotency(idem("k2", "hash-a", 0, "token-5", t0() + seconds(2)));
  REQUIRE(again);
  CHECK(again->body == "token-5");
}

TEMPLATE_TEST_CASE("idempotency records: replay and conflict and expiry and purge",
                   "[store][idempotency]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  auto none = s->find_idempotency("soite-lastensuojelu", "k1", t0());
  REQUIRE(none);
  CHECK_FALSE(*none);

  auto saved = s->save_idempotency(idem("k1", "hash-a", 201, R"({"id":"c-1"})", t0()));
  REQUIRE(saved);
  CHECK(saved->status == 201);
  auto found = s->find_idempotency("soite-lastensuojelu", "k1", t0() + hours(1));
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->body == R"({"id":"c-1"})");
  CHECK((*found)->request_hash == "hash-a");
  CHECK((*found)->location == "/v1/consents/c-1");
  CHECK((*found)->expires_at == t0() + hours(24));

  // A racing second request with the same body gets the first response.
  auto racer = s->save_idempotency(idem("k1", "hash-a", 201, R"({"id":"c-2"})", t0()));
  REQUIRE(racer);
  CHECK(racer->body == R"({"id":"c-1"})");
  auto conflict = s->save_idempotency(idem("k1", "hash-b", 201, "{}", t0() + hours(1)));
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == ErrorCode::kConflict);

  // Keys are per agency.
  auto other = idem("k1", "hash-b", 200, "{}", t0());
  other.agency = "kokkola-koulu";
  REQUIRE(s->save_idempotency(other));

  // Expired: not found, and the key may be used again for anything.
  CHECK_FALSE(*s->find_idempotency("soite-lastensuojelu", "k1", t0() + hours(24)));
  auto reused = s->save_idempotency(idem("k1", "hash-c", 200, "{}", t0() + hours(25)));
  REQUIRE(reused);
  CHECK((*s->find_idempotency("soite-lastensuojelu", "k1", t0() + hours(26)))->request_hash ==
        "hash-c");

  auto purged = s->purge_idempotency(t0() + hours(24));
  REQUIRE(purged);
  CHECK(*purged == 1);  // kokkola-koulu's; the reused one lives on
  CHECK(*s->purge_idempotency(t0() + hours(24)) == 0);
  CHECK(*s->find_idempotency("soite-lastensuojelu", "k1", t0() + hours(26)));

  CHECK(s->save_idempotency(idem("", "h", 200, "{}", t0())).error().code ==
        ErrorCode::kInvalidArgument);
}

TEMPLATE_TEST_CASE("break-glass review items: open and list and review once",
                   "[store][break_glass]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  REQUIRE(s->open_break_glass_review(review_item("bg-1", "soite-lastensuojelu", t0())));
  REQUIRE(s->open_break_glass_review(review_item("bg-2", "kokkola-koulu", at_minutes(5))));
  REQUIRE(s->open_break_glass_review(review_item("bg-3", "soite-lastensuojelu", t0() + days(7))));
  auto dup = s->open_break_glass_review(review_item("bg-1", "x", t0()));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == ErrorCode::kAlreadyExists);

  auto got = s->get_break_glass_review("bg-1");
  REQUIRE(got);
  CHECK(got->justification == review_item("bg-1", "", t0()).justification);
  CHECK(got->categories == std::vector<std::string>{"threat_info"});
  CHECK(got->audit_sequence == 42);
  CHECK(got->due_at == t0() + days(14));
  CHECK_FALSE(got->review);
  CHECK(s->get_break_glass_review("nope").error().code == ErrorCode::kNotFound);

  auto ids = [](const store::Page<store::BreakGlassReview>& p) {
    std::vector<std::string> out;
    for (const auto& r : p.items) out.push_back(r.id);
    return out;
  };
  store::BreakGlassQuery open;
  CHECK(ids(*s->list_break_glass_reviews(open)) ==
        std::vector<std::string>{"bg-1", "bg-2", "bg-3"});
  store::BreakGlassQuery by_agency;
  by_agency.agency = "soite-lastensuojelu";
  CHECK(ids(*s->list_break_glass_reviews(by_agency)) == std::vector<std::string>{"bg-1", "bg-3"});
  store::BreakGlassQuery overdue;
  overdue.overdue_at = t0() + days(15);
  CHECK(ids(*s->list_break_glass_reviews(overdue)) == std::vector<std::string>{"bg-1", "bg-2"});

  store::BreakGlassVerdict v{store::ReviewVerdict::kJustified, "po-1", "threat was real",
                             t0() + days(2)};
  auto reviewed = s->review_break_glass("bg-1", v);
  REQUIRE(reviewed);
  REQUIRE(reviewed->review);
  CHECK(reviewed->review->reviewer == "po-1");
  auto again = s->review_break_glass("bg-1", v);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kFailedPrecondition);
  CHECK(s->review_break_glass("nope", v).error().code == ErrorCode::kNotFound);
  CHECK(s->review_break_glass("bg-2", {store::ReviewVerdict::kUnjustified, "", "", t0()})
            .error()
            .code == ErrorCode::kInvalidArgument);

  auto reread = s->get_break_glass_review("bg-1");
  REQUIRE(reread->review);
  CHECK(reread->review->verdict == store::ReviewVerdict::kJustified);
  CHECK(reread->review->note == "threat was real");
  CHECK(reread->review->at == t0() + days(2));
  CHECK(ids(*s->list_break_glass_reviews(open)) == std::vector<std::string>{"bg-2", "bg-3"});
  CHECK(ids(*s->list_break_glass_reviews(overdue)) == std::vector<std::string>{"bg-2"});
  store::BreakGlassQuery done;
  done.which = store::BreakGlassQuery::Which::kReviewed;
  CHECK(ids(*s->list_break_glass_reviews(done)) == std::vector<std::string>{"bg-1"});
  store::BreakGlassQuery all;
  all.which = store::BreakGlassQuery::Which::kAll;
  all.limit = 2;
  auto p1 = s->list_break_glass_reviews(all);
  REQUIRE(p1);
  CHECK(ids(*p1) == std::vector<std::string>{"bg-1", "bg-2"});
  REQUIRE_FALSE(p1->next_cursor.empty());
  all.cursor = p1->next_cursor;
  auto p2 = s->list_break_glass_reviews(all);
  CHECK(ids(*p2) == std::vector<std::string>{"bg-3"});
  CHECK(p2->next_cursor.empty());
}

TEMPLATE_TEST_CASE(
    "audit index: queries and cursor pages and overlap and resume point and clear per origin",
    "[store][audit_index]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  CHECK(*s->next_audit_index_sequence("gw-1") == 0);
  std::vector<store::AuditIndexEntry> entries;
  for (std::uint64_t i = 1; i <= 10; ++i) {
    entries.push_back({"gw-1", i, at_minutes(static_cast<int>(i)),
                       i % 2 ? "exchange.decision" : "exchange.disclosure",
                       i <= 5 ? "soite-lastensuojelu" : "kokkola-koulu",
                       i % 3 == 0 ? "p-other" : "p-child",
                       i <= 5 ? "kokkola-koulu" : "oulu-poliisi", "cw_assessment",
                       "{\"seq\":" + std::to_string(i) + "}"});
  }
  // A second instance's log, interleaved in time, with the same sequence numbers.
  for (std::uint64_t i = 1; i <= 3; ++i) {
    entries.push_back({"gw-2", i, at_minutes(static_cast<int>(i)), "exchange.decision",
                       "oulu-poliisi", "p-child", "soite-lastensuojelu", "crime_investigation",
                       "{\"gw\":2,\"seq\":" + std::to_string(i) + "}"});
  }
  REQUIRE(s->index_audit_records(entries));
  // A rebuild that overlaps what is indexed adds nothing twice.
  REQUIRE(s->index_audit_records({entries.begin(), entries.begin() + 4}));
  // Another log under the same origin (a copied configuration): refused, and nothing of that
  // batch is stored.
  auto impostor = entries[1];
  impostor.record = "{\"impostor\":true}";
  auto fresh = entries[0];
  fresh.sequence = 11;
  auto refused = s->index_audit_records({fresh, impostor});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kFailedPrecondition);
  CHECK(refused.error().message.find("audit.origin") != std::string::npos);
  CHECK(*s->next_audit_index_sequence("gw-1") == 11);
  CHECK(*s->next_audit_index_sequence("gw-2") == 4);

  auto keys = [](const store::Page<store::AuditIndexEntry>& p) {
    std::vector<std::string> out;
    for (const auto& e : p.items) out.push_back(e.origin + "/" + std::to_string(e.sequence));
    return out;
  };
  store::AuditIndexQuery all;
  auto everything = s->query_audit_index(all);
  REQUIRE(everything);
  CHECK(everything->items.size() == 13);
  CHECK(everything->next_cursor.empty());
  for (const auto& e : everything->items) {  // each with its own record, as indexed
    std::string n = std::to_string(e.sequence);
    CHECK(e.record ==
          (e.origin == "gw-1" ? "{\"seq\":" + n + "}" : "{\"gw\":2,\"seq\":" + n + "}"));
  }

  store::AuditIndexQuery by_subject;
  by_subject.subject_pseudonyms = {"p-other"};
  CHECK(keys(*s->query_audit_index(by_subject)) ==
        std::vector<std::string>{"gw-1/3", "gw-1/6", "gw-1/9"});

  // Several pseudonyms (a subject under the current and retired pseudonym keys): any of them.
  store::AuditIndexQuery by_child;
  by_child.subject_pseudonyms = {"p-child"};
  store::AuditIndexQuery by_either;
  by_either.subject_pseudonyms = {"p-other", "p-child"};
  CHECK(s->query_audit_index(by_either)->items.size() ==
        s->query_audit_index(by_subject)->items.size() +
            s->query_audit_index(by_child)->items.size());

  // An agency matches as requester or as target.
  store::AuditIndexQuery by_agency;
  by_agency.agency = "oulu-poliisi";
  CHECK(keys(*s->query_audit_index(by_agency)) ==
        std::vector<std::string>{"gw-2/1", "gw-2/2", "gw-2/3", "gw-1/6", "gw-1/7", "gw-1/8",
                                 "gw-1/9", "gw-1/10"});

  store::AuditIndexQuery combined;
  combined.event_type = "exchange.disclosure";
  combined.subject_pseudonyms = {"p-child"};
  combined.from = at_minutes(2);
  combined.until = at_minutes(8);
  CHECK(keys(*s->query_audit_index(combined)) == std::vector<std::string>{"gw-1/2", "gw-1/4"});

  // Pages of 3 over everything: each entry once, in (time, origin, sequence) order.
  store::AuditIndexQuery paged;
  paged.limit = 3;
  std::vector<std::string> seen;
  int pages = 0;
  for (; pages < 20; ++pages) {
    auto p = s->query_audit_index(paged);
    REQUIRE(p);
    for (auto& k : keys(*p)) seen.push_back(k);
    if (p->next_cursor.empty()) break;
    paged.cursor = p->next_cursor;
  }
  CHECK(pages == 4);
  CHECK(seen == keys(*everything));

  store::AuditIndexQuery bad;
  bad.cursor = "12.x.gw-1";
  CHECK(s->query_audit_index(bad).error().code == ErrorCode::kInvalidArgument);

  // A quarantined tail: the origin's entries from a sequence number on go, the others stay.
  REQUIRE(s->clear_audit_index("gw-1", 7));
  CHECK(*s->next_audit_index_sequence("gw-1") == 7);
  CHECK(*s->next_audit_index_sequence("gw-2") == 4);
  REQUIRE(s->clear_audit_index("gw-1", 0));
  CHECK(*s->next_audit_index_sequence("gw-1") == 0);
  CHECK(s->query_audit_index(all)->items.size() == 3);
}

TEMPLATE_TEST_CASE(
    "audit index retention: old entries go except each log's newest and indexing resumes after "
    "them",
    "[store][audit_index]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto s = f.open();
  std::vector<store::AuditIndexEntry> entries;
  for (std::uint64_t i = 0; i < 6; ++i) {
    entries.push_back({"gw-1", i, at_minutes(static_cast<int>(i)), "exchange.decision",
                       "soite-lastensuojelu", "p-child", "kokkola-koulu", "cw_assessment",
                       "{\"seq\":" + std::to_string(i) + "}"});
  }
  entries.push_back({"gw-2", 0, at_minutes(0), "exchange.decision", "oulu-poliisi", "p-child",
                     "soite-lastensuojelu", "crime_investigation", "{\"gw\":2}"});
  REQUIRE(s->index_audit_records(entries));

  // Before minute 4: records 0 to 3 of gw-1 go; gw-2's only entry is its newest and stays.
  auto pruned = s->prune_audit_index("gw-1", at_minutes(4));
  REQUIRE(pruned);
  CHECK(*pruned == 4);
  auto kept = s->prune_audit_index("gw-2", at_minutes(60));
  REQUIRE(kept);
  CHECK(*kept == 0);
  store::AuditIndexQuery all;
  all.agency = "soite-lastensuojelu";
  auto left = s->query_audit_index(all);
  REQUIRE(left);
  std::vector<std::uint64_t> seqs;
  for (const auto& e : left->items) {
    if (e.origin == "gw-1") seqs.push_back(e.sequence);
  }
  CHECK(seqs == std::vector<std::uint64_t>{4, 5});
  CHECK(*s->next_audit_index_sequence("gw-1") == 6);

  // Everything older than the newest: one entry is left, and indexing still resumes at 6.
  REQUIRE(*s->prune_audit_index("gw-1", at_minutes(600)) == 1);
  CHECK(*s->next_audit_index_sequence("gw-1") == 6);
  CHECK(*s->next_audit_index_sequence("gw-2") == 1);
}
