// The audit index's retention (audit.index_retention_days) over a real audit log and a real
// SQLite store: old index entries go, the log keeps every record and still verifies.
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

  IndexerFixture() {
    audit::AuditLogOptions o;
    o.dir = tmp / "audit";
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

  std::vector<std::uint64_t> indexed() {
    store::AuditIndexQuery all;
    all.limit = 1000;
    auto page = store->query_audit_index(all);
    REQUIRE(page);
    std::vector<std::uint64_t> seqs;
    for (const auto& e : page->items) seqs.push_back(e.sequence);
    std::sort(seqs.begin(), seqs.end());
    return seqs;
  }
};

}  // namespace

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
