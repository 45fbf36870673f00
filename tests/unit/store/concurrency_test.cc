// Several workers (each with a store of its own, as gateway instances have) share one outbox:
// no delivery is claimed twice while its lease holds, and none is lost.
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "store/sql.h"
#include "tests/unit/store/store_fixture.h"

using namespace silta;
using namespace silta::test;
using namespace std::chrono;

TEMPLATE_TEST_CASE("outbox: two instances' workers share the outbox without double claims",
                   "[store][outbox][concurrency]", Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  auto setup = f.open();
  constexpr int kReferrals = 300;
  SysTime base = now_utc();
  for (int i = 0; i < kReferrals; ++i) {
    auto r = make_referral("r-" + std::to_string(i));
    r.received_at = base;
    REQUIRE(setup->enqueue_referral(r));
  }
  // Times are fixed, so no lease can expire while the workers run, however slow the machine.
  SysTime now = base + seconds(1);
  constexpr auto kLease = seconds(30);

  // A worker that claims ten and dies before reporting.
  auto crashed = setup->claim_deliveries("crashed", now, kLease, 10);
  REQUIRE(crashed);
  REQUIRE(crashed->size() == 10);

  std::mutex mu;
  std::map<std::string, std::vector<std::string>> claims;  // id → workers that claimed it
  std::vector<std::string> errors;
  auto worker = [&](const std::string& name) {
    auto s = store::open_store(f.config);
    if (!s) {
      std::lock_guard lock(mu);
      errors.push_back(s.error().message);
      return;
    }
    for (;;) {
      auto batch = (*s)->claim_deliveries(name, now, kLease, 5);
      if (!batch) {
        std::lock_guard lock(mu);
        errors.push_back(batch.error().message);
        return;
      }
      if (batch->empty()) return;
      for (const auto& r : *batch) {
        {
          std::lock_guard lock(mu);
          claims[r.id].push_back(name);
        }
        if (auto d = (*s)->mark_delivered(r.id, name, now); !d) {
          std::lock_guard lock(mu);
          errors.push_back(d.error().message);
        }
      }
    }
  };
  std::thread a(worker, "instance-a");
  std::thread b(worker, "instance-b");
  a.join();
  b.join();
  INFO((errors.empty() ? std::string() : errors.front()));
  CHECK(errors.empty());
  CHECK(claims.size() == kReferrals - 10);
  for (const auto& [id, workers] : claims) {
    INFO(id);
    CHECK(workers.size() == 1);
  }
  for (const auto& r : *crashed) CHECK(claims.count(r.id) == 0);

  // The dead worker's lease runs out: its ten are claimed again, not lost.
  auto recovered = setup->claim_deliveries("instance-a", now + kLease + seconds(1), kLease, 100);
  REQUIRE(recovered);
  REQUIRE(recovered->size() == 10);
  for (const auto& r : *recovered) {
    CHECK(r.attempts == 2);
    REQUIRE(setup->mark_delivered(r.id, "instance-a", now + kLease + seconds(2)));
  }
  store::ReferralQuery delivered;
  delivered.state = store::ReferralState::kDelivered;
  delivered.limit = 1000;
  CHECK(setup->list_referrals(delivered)->items.size() == kReferrals);
}

TEMPLATE_TEST_CASE("instances that start together migrate the schema once", "[store][concurrency]",
                   Sqlite, Postgres) {
  StoreFixture f(TestType::kBackend);
  SILTA_NEED_BACKEND(f);
  if (TestType::kBackend == store::Backend::kSqlite) {
    // Both instances would make the key: make it first, as a deployment does.
    REQUIRE(store::open_store(f.config));
  }
  std::vector<Status> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto s = store::open_store(f.config);
      results[i] = s ? (*s)->migrate() : Status(s.error());
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    INFO((r.ok() ? std::string() : r.error().message));
    CHECK(r.ok());
  }
  auto s = f.open();
  auto status = s->schema_status();
  REQUIRE(status);
  CHECK(status->current_version == status->latest_version);
}

// The gateway runs SQLite reads on its I/O threads (gateway/services.h, read_store): a read must
// never wait for a reader connection held by another read, so the SQLite reader pool grows.
TEST_CASE("sqlite: reads run in process and never wait for a free reader connection",
          "[store][sqlite][concurrency]") {
  StoreFixture f(store::Backend::kSqlite);
  f.config.pool_size = 1;
  auto s = f.open();
  REQUIRE(s->reads_in_process());
  REQUIRE(s->create_consent(make_consent("c-1", "p-1")));

  auto readers = store::sql::Pool::open(
      [path = f.config.url.substr(7)] {
        return store::sql::connect_sqlite(path, false, std::chrono::milliseconds(100));
      },
      1, true);
  REQUIRE(readers);
  auto first = (*readers)->acquire();
  REQUIRE(first);
  auto second = (*readers)->acquire();  // a fixed pool of one would wait here for ever
  REQUIRE(second);
  auto count = (*second)->run("SELECT count(*) FROM consents");
  REQUIRE(count);
  CHECK(count->front().i64(0) == 1);
}

TEST_CASE("postgresql: reads go to the store executor (a network round trip)",
          "[store][postgres]") {
  StoreFixture f(store::Backend::kPostgres);
  SILTA_NEED_BACKEND(f);
  CHECK_FALSE(f.open()->reads_in_process());
}
