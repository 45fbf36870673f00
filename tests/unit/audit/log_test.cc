// The audit log on real files: durability contract, group commit, fail-closed, checkpoints,
// rotation, reopening, reads and proofs.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "audit/log.h"
#include "audit/offline.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/audit/audit_test_util.h"
#include "tests/unit/audit/faulty_file_system.h"

using namespace silta;
using namespace silta::audit;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test_util::FaultyFileSystem;
using test_util::sample_event;

namespace {

struct LogFixture {
  silta::test::TempDir tmp{"silta-audit"};
  fs::path dir = tmp / "log";
  SigningKey key = test_util::test_key();
  FaultyFileSystem files;

  AuditLogOptions options() {
    AuditLogOptions o;
    o.dir = dir;
    o.file_system = &files;
    return o;
  }
  std::unique_ptr<AuditLog> open(AuditLogOptions o, OpenReport* report = nullptr) {
    auto log = AuditLog::open(std::move(o), key, report);
    INFO((log ? "" : log.error().message));
    REQUIRE(log);
    return std::move(*log);
  }
  std::unique_ptr<AuditLog> open() { return open(options()); }
  std::vector<Checkpoint> checkpoints_on_disk() {
    std::vector<Checkpoint> out;
    LogReader reader;
    reader.on_checkpoint = [&](const SignedCheckpoint& cp) {
      out.push_back(cp.checkpoint);
      return Status();
    };
    REQUIRE(read_log(dir, reader));
    return out;
  }
};

void require_verifies(const fs::path& dir, const VerifierKey& key, std::uint64_t records) {
  auto report = verify_log(dir, key);
  INFO((report ? "" : report.error().message));
  REQUIRE(report);
  CHECK(report->records == records);
}

}  // namespace

TEST_CASE("appends get consecutive sequence numbers and read back exactly", "[log]") {
  LogFixture f;
  OpenReport report;
  auto log = f.open(f.options(), &report);
  CHECK(report.created);
  CHECK(log->tree_head().size == 0);
  CHECK(log->latest_checkpoint().checkpoint.size == 0);  // even the empty log is signed
  std::vector<AuditEvent> events;
  for (std::uint64_t i = 0; i < 100; ++i) {
    events.push_back(sample_event(i));
    auto seq = log->append_and_wait(events.back());
    REQUIRE(seq);
    CHECK(*seq == i);
  }
  CHECK(log->tree_head().size == 100);
  auto records = log->read(0, 100);
  REQUIRE(records);
  REQUIRE(records->size() == 100);
  SysTime previous{};
  for (std::uint64_t i = 0; i < 100; ++i) {
    CHECK((*records)[i].seq == i);
    CHECK((*records)[i].event == events[i]);
    CHECK((*records)[i].time >= previous);
    previous = (*records)[i].time;
  }
  auto middle = log->read(37, 70);
  REQUIRE(middle);
  REQUIRE(middle->size() == 33);
  CHECK(middle->front().seq == 37);
  CHECK(log->read(95, 1000)->size() == 5);
  CHECK(log->read(100, 200)->empty());
  REQUIRE(log->close());
  CHECK(f.checkpoints_on_disk().back().size == 100);
  require_verifies(f.dir, f.key.verifier(), 100);
}

TEST_CASE("concurrent appends share one write and one fdatasync (group commit)", "[log]") {
  LogFixture f;
  auto o = f.options();
  o.max_syncs_in_flight = 1;
  auto log = f.open(o);
  // Hold the writer inside the fdatasync of a first record, queue 999 more meanwhile.
  f.files.hold_syncs();
  // Catch's assertions are not thread-safe: count in the threads, check here.
  std::atomic<int> done{0}, errors{0};
  std::mutex seen_mu;
  std::set<std::uint64_t> seen;
  auto on_done = [&](Result<std::uint64_t> seq) {
    if (!seq) ++errors;
    std::lock_guard lk(seen_mu);
    if (seq) seen.insert(*seq);
    ++done;
  };
  REQUIRE(log->append(sample_event(0), on_done));
  REQUIRE(silta::test::eventually([&] { return f.files.syncs_waiting() == 1; }));
  int syncs_before = f.files.syncs();
  std::vector<std::thread> threads;
  for (int t = 0; t < 9; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 111; ++i) {
        if (!log->append(sample_event(t * 1000 + i), on_done)) ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  // Nothing is acknowledged while its fdatasync has not returned.
  CHECK(done == 0);
  f.files.release_syncs();
  REQUIRE(silta::test::eventually([&] { return done == 1000; }));
  // The held sync of the first batch, then one for all 999 queued meanwhile.
  CHECK(f.files.syncs() - syncs_before == 2);
  CHECK(errors == 0);
  CHECK(seen.size() == 1000);
  CHECK(*seen.rbegin() == 999);
  REQUIRE(log->close());
  require_verifies(f.dir, f.key.verifier(), 1000);
}

TEST_CASE("a batch starts its fdatasync while an earlier one is still running", "[log]") {
  LogFixture f;
  auto log = f.open();  // two syncs in flight by default
  f.files.hold_syncs();
  std::mutex mu;
  std::vector<std::uint64_t> order;
  auto on_done = [&](Result<std::uint64_t> seq) {
    std::lock_guard lk(mu);
    order.push_back(seq ? *seq : ~0ull);
  };
  REQUIRE(log->append(sample_event(0), on_done));
  REQUIRE(silta::test::eventually([&] { return f.files.syncs_waiting() == 1; }));
  REQUIRE(log->append(sample_event(1), on_done));
  // The second batch is written and in its own fdatasync while the first has not returned.
  REQUIRE(silta::test::eventually([&] { return f.files.syncs_waiting() == 2; }));
  REQUIRE(log->append(sample_event(2), on_done));  // waits for room: at most two in flight
  CHECK(order.empty());
  f.files.release_syncs();
  REQUIRE(silta::test::eventually([&] {
    std::lock_guard lk(mu);
    return order.size() == 3;
  }));
  CHECK(order == std::vector<std::uint64_t>{0, 1, 2});  // acknowledged in order
  REQUIRE(log->close());
  require_verifies(f.dir, f.key.verifier(), 3);
}

TEST_CASE("a failed fdatasync while another is in flight: nothing after it is acknowledged",
          "[log][faults]") {
  LogFixture f;
  auto log = f.open();
  REQUIRE(log->append_and_wait(sample_event(0)));
  f.files.hold_syncs();
  std::atomic<int> first{0}, second{0};  // 0 pending, 1 acknowledged, -1 failed
  f.files.fail_next_sync(".seg");        // whichever of the two fdatasyncs gets there first
  REQUIRE(log->append(sample_event(1), [&](Result<std::uint64_t> r) { first = r ? 1 : -1; }));
  REQUIRE(silta::test::eventually([&] { return f.files.syncs_waiting() == 1; }));
  REQUIRE(log->append(sample_event(2), [&](Result<std::uint64_t> r) { second = r ? 1 : -1; }));
  REQUIRE(silta::test::eventually([&] { return f.files.syncs_waiting() == 2; }));
  f.files.release_syncs();
  REQUIRE(silta::test::eventually([&] { return first != 0 && second != 0; }));
  // The second record is never acknowledged: if its own fdatasync succeeded, the first one's
  // failed, and a later success says nothing about earlier data. The first is acknowledged only
  // if its own fdatasync succeeded.
  CHECK(second == -1);
  CHECK(log->failure());
  log.reset();
  auto reopened = f.open();
  if (first == 1) CHECK(reopened->tree_head().size >= 2);
}

TEST_CASE("a failed fdatasync stops the log: nothing acknowledged is lost", "[log][faults]") {
  LogFixture f;
  std::atomic<int> failures{0};
  auto o = f.options();
  o.on_failure = [&](const Error&) { ++failures; };
  auto log = f.open(o);
  for (int i = 0; i < 20; ++i) REQUIRE(log->append_and_wait(sample_event(i)));
  f.files.fail_next_sync(".seg");
  auto failed = log->append_and_wait(sample_event(20));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == ErrorCode::kUnavailable);
  CHECK(failed.error().message.find("fail closed") != std::string::npos);
  CHECK(failed.error().message.find("fdatasync") != std::string::npos);
  CHECK(failures == 1);
  REQUIRE(log->failure());
  // Later appends are refused at once; the callback is never called.
  bool called = false;
  auto s = log->append(sample_event(21), [&](Result<std::uint64_t>) { called = true; });
  CHECK_FALSE(s);
  CHECK_FALSE(called);
  CHECK_FALSE(log->close());  // close reports the failure too
  CHECK(failures == 1);
  log.reset();

  // Reopened (the disk is fine again): the 20 acknowledged records are there and verify. The
  // unacknowledged one was written before the failed sync and may be there too.
  auto reopened = f.open();
  CHECK(reopened->tree_head().size >= 20);
  auto records = reopened->read(0, 20);
  REQUIRE(records);
  for (int i = 0; i < 20; ++i) CHECK((*records)[i].event == sample_event(i));
  REQUIRE(reopened->close());
  require_verifies(f.dir, f.key.verifier(), reopened->tree_head().size);
}

TEST_CASE("a failed write stops the log: the torn tail is cut on reopen", "[log][faults]") {
  LogFixture f;
  auto o = f.options();
  o.checkpoint_every = std::chrono::hours(1);  // the failing batch is exactly one record frame
  auto log = f.open(o);
  for (int i = 0; i < 10; ++i) REQUIRE(log->append_and_wait(sample_event(i)));
  f.files.fail_next_append(".seg", /*partial=*/true);  // half the frame reaches the file
  auto failed = log->append_and_wait(sample_event(10));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message.find("write failed") != std::string::npos);
  for (int i = 11; i < 15; ++i)
    CHECK_FALSE(log->append(sample_event(i), [](Result<std::uint64_t>) {}));
  log.reset();

  OpenReport report;
  auto reopened = f.open(o, &report);
  // The ten records, then the record of what was recovered: ten unsigned records checked and
  // signed, and the torn half frame cut.
  CHECK(report.records == 11);
  CHECK(report.torn_tail.find("incomplete final frame") != std::string::npos);
  REQUIRE(report.recovery);
  CHECK(report.recovery->recovered_records == 10);
  CHECK(report.recovery->torn_bytes > 0);
  CHECK(report.recovery_seq == 10);
  CHECK(reopened->append_and_wait(sample_event(10)).value() == 11);
  REQUIRE(reopened->close());
  require_verifies(f.dir, f.key.verifier(), 12);
}

TEST_CASE("failures of the hash file or of a new segment also stop the log", "[log][faults]") {
  SECTION("hash file write") {
    LogFixture f;
    auto log = f.open();
    REQUIRE(log->append_and_wait(sample_event(0)));
    f.files.fail_next_append("tree.hashes");
    CHECK_FALSE(log->append_and_wait(sample_event(1)));
    CHECK_FALSE(log->append(sample_event(2), [](Result<std::uint64_t>) {}));
  }
  SECTION("segment creation") {
    LogFixture f;
    auto o = f.options();
    o.segment_bytes = 4096;
    auto log = f.open(o);
    f.files.fail_next_create(".seg");
    bool failed = false;
    for (int i = 0; i < 50 && !failed; ++i) failed = !log->append_and_wait(sample_event(i));
    CHECK(failed);
    CHECK(log->failure());
    log.reset();
    auto reopened = f.open(o);
    REQUIRE(reopened->close());
    require_verifies(f.dir, f.key.verifier(), reopened->tree_head().size);
  }
}

TEST_CASE("checkpoints every N records, at open, and at close", "[log]") {
  LogFixture f;
  auto o = f.options();
  o.checkpoint_every_records = 10;
  o.checkpoint_every = std::chrono::hours(1);
  auto log = f.open(o);
  for (int i = 0; i < 35; ++i) REQUIRE(log->append_and_wait(sample_event(i)));
  CHECK(log->latest_checkpoint().checkpoint.size == 30);
  REQUIRE(log->close());
  std::vector<std::uint64_t> sizes;
  for (const auto& cp : f.checkpoints_on_disk()) sizes.push_back(cp.size);
  CHECK(sizes == std::vector<std::uint64_t>{0, 10, 20, 30, 35});
  // Each checkpoint's root is the root of the tree at its size.
  auto reopened = f.open(o);
  for (const auto& cp : f.checkpoints_on_disk()) {
    CHECK(*reopened->root_at(cp.size) == cp.root);
    CHECK(cp.origin == f.key.name());
  }
}

TEST_CASE("a checkpoint follows within the time interval when records are few", "[log]") {
  LogFixture f;
  auto o = f.options();
  o.checkpoint_every_records = 1'000'000;
  o.checkpoint_every = 20ms;
  auto log = f.open(o);
  REQUIRE(log->append_and_wait(sample_event(0)));
  REQUIRE(log->append_and_wait(sample_event(1)));
  CHECK(silta::test::eventually([&] { return log->latest_checkpoint().checkpoint.size == 2; }));
}

TEST_CASE("segments rotate by size: reads and proofs cross them: reopen continues", "[log]") {
  LogFixture f;
  f.files.skip_syncs(true);
  auto o = f.options();
  o.segment_bytes = 4096;
  o.checkpoint_every_records = 7;
  auto log = f.open(o);
  for (int i = 0; i < 120; ++i) REQUIRE(log->append_and_wait(sample_event(i)));
  std::size_t segments = 0;
  for (const auto& e : fs::directory_iterator(f.dir)) segments += e.path().extension() == ".seg";
  CHECK(segments > 10);
  auto all = log->read(0, 120);
  REQUIRE(all);
  REQUIRE(all->size() == 120);
  for (int i = 0; i < 120; ++i) CHECK((*all)[i].event == sample_event(i));
  REQUIRE(log->close());
  log.reset();
  auto reopened = f.open(o);
  CHECK(reopened->append_and_wait(sample_event(120)).value() == 120);
  auto tail = reopened->read(60, 121);
  REQUIRE(tail);
  CHECK(tail->size() == 61);
  CHECK(tail->back().event == sample_event(120));
  REQUIRE(reopened->close());
  require_verifies(f.dir, f.key.verifier(), 121);
}

TEST_CASE("inclusion and consistency proofs verify against the signed checkpoints", "[log]") {
  LogFixture f;
  f.files.skip_syncs(true);
  auto o = f.options();
  o.checkpoint_every_records = 50;
  auto log = f.open(o);
  for (int i = 0; i < 333; ++i) REQUIRE(log->append_and_wait(sample_event(i)));
  REQUIRE(log->close());
  log = f.open(o);
  auto checkpoints = f.checkpoints_on_disk();
  auto records = log->read(0, 333);
  REQUIRE(records);
  std::mt19937_64 rng(7);
  for (const auto& cp : checkpoints) {
    if (cp.size == 0) continue;
    for (int trial = 0; trial < 10; ++trial) {
      std::uint64_t index = rng() % cp.size;
      auto proof = log->prove_inclusion(index, cp.size);
      REQUIRE(proof);
      CHECK(proof->root == cp.root);
      CHECK(proof->leaf_hash == leaf_hash(*encode_record((*records)[index])));
      CHECK(verify_inclusion(proof->leaf_hash, index, cp.size, proof->path, cp.root));
    }
  }
  for (std::size_t a = 0; a < checkpoints.size(); ++a) {
    for (std::size_t b = a; b < checkpoints.size(); ++b) {
      auto proof = log->prove_consistency(checkpoints[a].size, checkpoints[b].size);
      REQUIRE(proof);
      CHECK(verify_consistency(checkpoints[a].size, checkpoints[b].size, proof->path,
                               checkpoints[a].root, checkpoints[b].root));
    }
  }
  // The offline (read-only, one pass) proofs are the same.
  auto offline = prove_inclusion(f.dir, 123, 300);
  REQUIRE(offline);
  auto online = log->prove_inclusion(123, 300);
  CHECK(offline->path == online->path);
  CHECK(offline->root == online->root);
  CHECK(offline->leaf_hash == online->leaf_hash);
  auto offline_c = prove_consistency(f.dir, 17, 300);
  REQUIRE(offline_c);
  CHECK(offline_c->path == log->prove_consistency(17, 300)->path);
  CHECK(offline_c->verify());
  // Out of range.
  CHECK_FALSE(log->prove_inclusion(333, 333));
  CHECK_FALSE(log->prove_inclusion(0, 334));
  CHECK_FALSE(log->prove_consistency(10, 334));
  CHECK_FALSE(log->prove_consistency(11, 10));
  CHECK_FALSE(prove_inclusion(f.dir, 0, 334));
}

TEST_CASE("readers see consistent durable state while appends go on", "[log]") {
  LogFixture f;
  f.files.skip_syncs(true);
  auto o = f.options();
  o.segment_bytes = 16 * 1024;  // rotations during the reads
  o.checkpoint_every_records = 100;
  auto log = f.open(o);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 3000; ++i) (void)log->append(sample_event(i), [](Result<std::uint64_t>) {});
    (void)log->append_and_wait(sample_event(3000));
    done = true;
  });
  int checks = 0, bad = 0;
  while (!done || checks < 20) {
    // The checkpoint first: the head read after it covers at least as much.
    auto cp = log->latest_checkpoint().checkpoint;
    auto head = log->tree_head();
    if (head.size == 0) continue;
    auto records = log->read(0, head.size);
    if (!records || records->size() != head.size) ++bad;
    std::uint64_t index = head.size / 2;
    auto proof = log->prove_inclusion(index, head.size);
    if (!proof || !proof->verify() || proof->root != head.root ||
        proof->leaf_hash != leaf_hash(*encode_record((*records)[index]))) {
      ++bad;
    }
    auto consistency = log->prove_consistency(cp.size, head.size);
    if (!consistency ||
        !verify_consistency(cp.size, head.size, consistency->path, cp.root, head.root)) {
      ++bad;
    }
    ++checks;
  }
  writer.join();
  CHECK(bad == 0);
  CHECK(checks >= 20);
}

TEST_CASE("the hash file is repaired when it is damaged or missing", "[log]") {
  LogFixture f;
  f.files.skip_syncs(true);
  {
    auto log = f.open();
    for (int i = 0; i < 100; ++i) REQUIRE(log->append_and_wait(sample_event(i)));
  }
  auto expect_good_proofs = [&] {
    auto log = f.open();
    auto cp = log->latest_checkpoint().checkpoint;
    for (std::uint64_t i = 0; i < cp.size; i += 7) {
      auto proof = log->prove_inclusion(i, cp.size);
      REQUIRE(proof);
      CHECK(proof->verify());
      CHECK(proof->root == cp.root);
    }
  };
  {
    std::fstream h(f.dir / "tree.hashes", std::ios::in | std::ios::out | std::ios::binary);
    h.seekp(32 * 50);
    h.write("garbage garbage garbage garbage!", 32);
  }
  expect_good_proofs();
  fs::resize_file(f.dir / "tree.hashes", 1000);  // short, with half a hash
  expect_good_proofs();
  fs::remove(f.dir / "tree.hashes");
  expect_good_proofs();
  {
    std::ofstream h(f.dir / "tree.hashes", std::ios::app | std::ios::binary);
    h << std::string(100, 'x');  // hashes of records that never became durable
  }
  expect_good_proofs();
}

TEST_CASE("one writer per directory: the origin must match", "[log]") {
  LogFixture f;
  auto log = f.open();
  auto second = AuditLog::open(f.options(), f.key);
  REQUIRE_FALSE(second);
  CHECK(second.error().message.find("in use") != std::string::npos);
  REQUIRE(log->append_and_wait(sample_event(0)));
  log.reset();
  auto o = f.options();
  o.origin = "silta.test/another-log";
  auto other = AuditLog::open(o, f.key);
  REQUIRE_FALSE(other);
  CHECK(other.error().code == ErrorCode::kDataLoss);
  CHECK(other.error().message.find("another-log") != std::string::npos);
  // A different signing key cannot take over the log: its checkpoints do not verify.
  auto usurper = AuditLog::open(f.options(), test_util::test_key());
  REQUIRE_FALSE(usurper);
  CHECK(usurper.error().message.find("signature") != std::string::npos);
}

TEST_CASE("time never goes backwards along the log", "[log]") {
  LogFixture f;
  auto o = f.options();
  SysTime start = *parse_rfc3339("2026-03-01T12:00:00Z");
  std::atomic<int> tick{0};
  // A clock that jumps back every other reading (NTP stepping the clock, say).
  o.clock = [&] {
    int t = tick++;
    return start + std::chrono::seconds(t % 2 ? t - 10 : t);
  };
  auto log = f.open(o);
  for (int i = 0; i < 20; ++i) REQUIRE(log->append_and_wait(sample_event(i)));
  auto records = log->read(0, 20);
  REQUIRE(records);
  for (std::size_t i = 1; i < records->size(); ++i) {
    CHECK((*records)[i].time >= (*records)[i - 1].time);
  }
  REQUIRE(log->close());
  require_verifies(f.dir, f.key.verifier(), 20);
}

TEST_CASE("invalid events are refused at append and never reach the log", "[log]") {
  LogFixture f;
  auto log = f.open();
  AuditEvent e = sample_event(0);
  e.justification = "lapsi 150317A901J";
  bool called = false;
  auto s = log->append(e, [&](Result<std::uint64_t>) { called = true; });
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::kInvalidArgument);
  CHECK_FALSE(called);
  CHECK(log->append_and_wait(sample_event(0)).value() == 0);
}

TEST_CASE("appending after close is refused", "[log]") {
  LogFixture f;
  auto log = f.open();
  REQUIRE(log->close());
  REQUIRE(log->close());  // idempotent
  auto s = log->append(sample_event(0), [](Result<std::uint64_t>) {});
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::kFailedPrecondition);
}
