// The audit search's filters that read the records (gateway/api/record_filter.h) over a real
// SQLite store: what each outcome matches, and paging through a result within a scan budget
// (short pages, next_cursor after the last entry read) finds every match once.
#include <catch2/catch.hpp>

#include <set>

#include "audit/event.h"
#include "gateway/api/record_filter.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace std::chrono;

namespace {

const SysTime kT0 = sys_days{year{2026} / December / 1} + hours{9};

// Record n: every third a denied decision, the others granted; every fifth an adapter failure;
// every fourth under the case "LS-1"; the even ones by sw-maija, the odd ones by sw-liisa.
audit::AuditEvent event(std::uint64_t n) {
  audit::AuditEvent e;
  e.type = audit::EventType::kDecision;
  e.agency = "soite-lastensuojelu";
  e.actor = n % 2 == 0 ? "sw-maija" : "sw-liisa";
  e.target = "kokkola-perusopetus";
  e.purpose = "cw_assessment";
  e.decision = n % 3 == 0 ? audit::DecisionSummary::kDenied : audit::DecisionSummary::kGranted;
  e.case_reference = n % 4 == 0 ? "LS-1" : "LS-2";
  e.break_glass = n == 7;
  e.outcome = n % 5 == 0 ? "adapter_timeout" : "ok";
  return e;
}

struct StoreFixture {
  test::TempDir tmp{"silta-record-filter"};
  std::unique_ptr<store::Store> store;

  explicit StoreFixture(std::uint64_t records) {
    store::StoreConfig config;
    config.url = "sqlite:" + (tmp / "silta.db").string();
    config.key_file = tmp / "store.key";
    config.pool_size = 1;
    auto s = store::open_store(config);
    REQUIRE(s);
    store = std::move(*s);
    REQUIRE(store->migrate());
    std::vector<store::AuditIndexEntry> entries;
    for (std::uint64_t n = 0; n < records; ++n) {
      auto e = event(n);
      auto prepared = audit::PreparedEvent::prepare(e);
      REQUIRE(prepared);
      const SysTime t = kT0 + seconds(n);
      entries.push_back(
          {"gw-1", n, t, "decision", e.agency, "", e.target, e.purpose, prepared->assemble(n, t)});
    }
    REQUIRE(store->index_audit_records(entries));
  }

  // Every page of the search; each page's size is checked against `limit`.
  std::vector<std::uint64_t> all_pages(const gateway::RecordFilter& filter, std::size_t limit,
                                       std::size_t max_scan, int& pages) {
    store::AuditIndexQuery q;
    q.limit = limit;
    std::vector<std::uint64_t> seqs;
    pages = 0;
    for (;;) {
      auto page = gateway::filtered_page(*store, q, filter, max_scan);
      REQUIRE(page);
      ++pages;
      REQUIRE(page->items.size() <= limit);
      for (const auto& e : page->items) seqs.push_back(e.sequence);
      if (page->next_cursor.empty()) return seqs;
      q.cursor = page->next_cursor;
      REQUIRE(pages < 100);
    }
  }
};

std::vector<std::uint64_t> expected(std::uint64_t records, bool (*keep)(std::uint64_t)) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t n = 0; n < records; ++n) {
    if (keep(n)) out.push_back(n);
  }
  return out;
}

}  // namespace

TEST_CASE("record filter: each outcome, the case reference and the actor match what they name",
          "[record_filter]") {
  StoreFixture f(30);
  int pages = 0;
  auto search = [&](gateway::RecordFilter filter) {
    return f.all_pages(filter, 1000, 20000, pages);
  };
  CHECK(search({.outcome = "denied"}) == expected(30, [](std::uint64_t n) { return n % 3 == 0; }));
  CHECK(search({.outcome = "granted"}) == expected(30, [](std::uint64_t n) { return n % 3 != 0; }));
  CHECK(search({.outcome = "break_glass"}) == std::vector<std::uint64_t>{7});
  CHECK(search({.outcome = "failed"}) == expected(30, [](std::uint64_t n) { return n % 5 == 0; }));
  CHECK(search({.case_reference = "LS-1"}) ==
        expected(30, [](std::uint64_t n) { return n % 4 == 0; }));
  CHECK(search({.outcome = "denied", .case_reference = "LS-1"}) ==
        expected(30, [](std::uint64_t n) { return n % 12 == 0; }));
  CHECK(search({.case_reference = "LS-3"}).empty());
  CHECK(search({.acted_by = "sw-liisa"}) ==
        expected(30, [](std::uint64_t n) { return n % 2 == 1; }));
  CHECK(search({.outcome = "denied", .acted_by = "sw-maija"}) ==
        expected(30, [](std::uint64_t n) { return n % 6 == 0; }));
  // Exactly: neither a prefix nor another case matches.
  CHECK(search({.acted_by = "sw-"}).empty());
  CHECK(search({.acted_by = "SW-MAIJA"}).empty());
  CHECK(pages == 1);
}

TEST_CASE("record filter: pages within a scan budget find every match once, in order",
          "[record_filter]") {
  StoreFixture f(30);
  const auto denied = expected(30, [](std::uint64_t n) { return n % 3 == 0; });  // 10 of them
  int pages = 0;
  SECTION("full pages when the budget is large") {
    CHECK(f.all_pages({.outcome = "denied"}, 4, 20000, pages) == denied);
    CHECK(pages == 3);  // 4 + 4 + 2
  }
  SECTION("short pages when the budget runs out first") {
    // 7 entries a page: 0, 3, 6 | 9, 12 | 15, 18 | 21, 24, 27 | (28, 29: none)
    CHECK(f.all_pages({.outcome = "denied"}, 4, 7, pages) == denied);
    CHECK(pages == 5);
  }
  SECTION("a budget of one entry a page") {
    CHECK(f.all_pages({.outcome = "denied"}, 4, 1, pages) == denied);
    CHECK(pages == 30);
  }
  SECTION("no record filter: the index's own page") {
    CHECK(f.all_pages({}, 10, 1, pages).size() == 30);
    CHECK(pages == 3);
  }
}
