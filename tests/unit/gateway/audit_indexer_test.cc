// The audit index over a real audit log and a real SQLite store: records the log hands over as
// they become durable are indexed as they are, gaps are read back from the log; retention
// (audit.index_retention_days) drops old entries while the log keeps every record and verifies.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>

#include "audit/log.h"
#include "audit/offline.h"
#include "gateway/audit_indexer.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/audit/audit_test_util.h"

using namespace silta;
using namespace std::chrono;

namespace {

const SysTime kNow = sys_days{year{2026} / March / 2} + hours{9};

struct IndexerFixture {
  test::TempDir tmp{"silta-indexer"};
  audit::SigningKey key = audit::test_util::test_key();
  std::atomic<SysTime::rep> clock{kNow.time_since_epoch().count()};  // the log's
  std::unique_ptr<audit::AuditLog> log;
  std::unique_ptr<store::Store> store;
  std::atomic<gateway::AuditIndexer*> offer_to{nullptr};  // as the gateway wires it

  IndexerFixture() {
    audit::AuditLogOptions o;
    o.dir = tmp / "audit";
    o.on_durable = [this](std::vector<audit::DurableRecord>& records) {
      if (auto* i = offer_to.load()) i->offer(records);
    };
    o.clock = [this] { return SysTime(SysTime::duration(clock.load())); };
    auto opened = audit::AuditLog::open(o, key);
    REQUIRE(opened);
    log = std::move(*opened);
    store::StoreConfig config;
    config.url = "sqlite:" + (tmp / "silta.db").string();
    config.key_file = tmp / "store.key";
    config.pool_size = 1;
    auto s = store::open_store(config);
    REQUIRE(s);
    store = std::move(*s);
    REQUIRE(store->migrate());
  }

  // `n` records written at `t`.
  void append_at(SysTime t, int n) {
    clock = t.time_since_epoch().count();
    for (int i = 0; i < n; ++i) REQUIRE(log->append_and_wait(audit::test_util::sample_event(i)));
  }

  std::vector<store::AuditIndexEntry> entries() {
    store::AuditIndexQuery all;
    all.limit = 1000;
    auto page = store->query_audit_index(all);
    REQUIRE(page);
    auto items = page->items;
    std::sort(items.begin(), items.end(),
              [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
    return items;
  }

  std::vector<std::uint64_t> indexed() {
    std::vector<std::uint64_t> seqs;
    for (const auto& e : entries()) seqs.push_back(e.sequence);
    return seqs;
  }
};

}  // namespace

TEST_CASE("audit index: records handed over by the log are indexed as read back from it",
          "[audit_indexer]") {
  IndexerFixture f;
  f.append_at(kNow - hours(1), 2);  // before the indexer: read back from the log
  gateway::AuditIndexer indexer(*f.log, *f.store, milliseconds(500), 0);
  f.offer_to = &indexer;
  f.append_at(kNow, 3);  // handed over as they became durable
  REQUIRE(indexer.catch_up());
  auto handed = f.entries();
  REQUIRE(handed.size() == 5);

  // The same log indexed again from scratch, every record read back and parsed.
  f.offer_to = nullptr;
  REQUIRE(f.store->clear_audit_index(f.log->origin(), 0));
  gateway::AuditIndexer rebuilt(*f.log, *f.store, milliseconds(500), 0);
  REQUIRE(rebuilt.catch_up());
  auto read_back = f.entries();
  REQUIRE(read_back.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    INFO("record " << i);
    CHECK(handed[i].origin == read_back[i].origin);
    CHECK(handed[i].sequence == read_back[i].sequence);
    CHECK(handed[i].time == read_back[i].time);
    CHECK(handed[i].event_type == read_back[i].event_type);
    CHECK(handed[i].agency == read_back[i].agency);
    CHECK(handed[i].subject_pseudonym == read_back[i].subject_pseudonym);
    CHECK(handed[i].target_agency == read_back[i].target_agency);
    CHECK(handed[i].purpose == read_back[i].purpose);
    CHECK(handed[i].record == read_back[i].record);
  }
}

TEST_CASE("audit index: what was handed over is taken as it is, a gap before it is read back",
          "[audit_indexer]") {
  IndexerFixture f;
  f.append_at(kNow, 5);
  gateway::AuditIndexer indexer(*f.log, *f.store, milliseconds(500), 0);
  // Records 3 and 4 as handed over, marked so that the index shows which path it took (the
  // log's own say "soite-lastensuojelu"); 0 to 2 were never handed over.
  auto handed = [&](std::uint64_t seq) {
    audit::DurableRecord r;
    r.seq = seq;
    r.time = kNow;
    r.agency = "handed-over";
    r.leaf = "{}";
    return r;
  };
  std::vector<audit::DurableRecord> records{handed(3), handed(4)};
  indexer.offer(records);
  REQUIRE(indexer.catch_up());
  auto entries = f.entries();
  REQUIRE(entries.size() == 5);
  for (std::uint64_t i = 0; i < 5; ++i) {
    INFO("record " << i);
    CHECK(entries[i].sequence == i);
    CHECK(entries[i].agency == (i < 3 ? "soite-lastensuojelu" : "handed-over"));
  }
  // Handed over again once indexed: dropped, the index is not written twice.
  std::vector<audit::DurableRecord> again{handed(4)};
  indexer.offer(again);
  REQUIRE(indexer.catch_up());
  CHECK(f.indexed() == std::vector<std::uint64_t>{0, 1, 2, 3, 4});
}

TEST_CASE("audit index retention: entries older than the retention go, the log keeps them all",
          "[audit_indexer][retention]") {
  IndexerFixture f;
  f.append_at(kNow - days(40), 3);  // records 0 to 2
  f.append_at(kNow - days(29), 2);  // records 3 and 4
  gateway::AuditIndexer indexer(*f.log, *f.store, milliseconds(500), 30);
  REQUIRE(indexer.catch_up());
  REQUIRE(f.indexed() == std::vector<std::uint64_t>{0, 1, 2, 3, 4});

  auto pruned = indexer.apply_retention(kNow);
  REQUIRE(pruned);
  CHECK(*pruned == 3);
  CHECK(f.indexed() == std::vector<std::uint64_t>{3, 4});
  // Again: nothing more is old enough.
  CHECK(*indexer.apply_retention(kNow) == 0);
  // Indexing goes on after the newest entry; what was pruned is not indexed again.
  f.append_at(kNow, 1);
  REQUIRE(indexer.catch_up());
  CHECK(f.indexed() == std::vector<std::uint64_t>{3, 4, 5});

  // The log itself still has every record, and verifies.
  CHECK(f.log->tree_head().size == 6);
  auto records = f.log->read(0, 6);
  REQUIRE(records);
  CHECK(records->size() == 6);
  CHECK(records->front().time == kNow - days(40));
  REQUIRE(f.log->close());
  auto verified = audit::verify_log(f.tmp / "audit", f.key.verifier());
  INFO((verified ? "" : verified.error().message));
  REQUIRE(verified);
  CHECK(verified->records == 6);
}

TEST_CASE("audit index retention 0 keeps every entry", "[audit_indexer][retention]") {
  IndexerFixture f;
  f.append_at(kNow - days(3650), 2);
  f.append_at(kNow, 1);
  gateway::AuditIndexer indexer(*f.log, *f.store, milliseconds(500), 0);
  REQUIRE(indexer.catch_up());
  auto pruned = indexer.apply_retention(kNow);
  REQUIRE(pruned);
  CHECK(*pruned == 0);
  CHECK(f.indexed() == std::vector<std::uint64_t>{0, 1, 2});
}
