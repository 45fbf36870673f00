// Archiving sealed segments (audit/archive.h) on a real log on disk: the tree runs on across the
// log directory and the archive, a tampered archived segment is named, the segment being written
// and a running gateway's log are never touched, a crash's half-done move is completed, and a
// copy that cannot be made durable leaves the segment where it was.
#include <catch2/catch.hpp>

#include "audit/archive.h"
#include "audit/log.h"
#include "audit/offline.h"
#include "audit/segment.h"
#include "common/files.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/audit/audit_test_util.h"
#include "tests/unit/audit/faulty_file_system.h"

using namespace silta;
using namespace silta::audit;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> segments_in(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (parse_segment_file_name(name)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A closed log of 40 records in small segments (one per batch, a checkpoint every 4 records).
struct ArchiveFixture {
  silta::test::TempDir tmp{"silta-archive"};
  fs::path dir = tmp / "log";
  fs::path archive = tmp / "archive";
  SigningKey key = test_util::test_key("silta.test/archive");
  Hash root{};

  ArchiveFixture() {
    auto log = open();
    for (std::uint64_t i = 0; i < 40; ++i) {
      REQUIRE(log->append_and_wait(test_util::sample_event(i)));
    }
    REQUIRE(log->close());
    auto v = verify_log(dir, key.verifier());
    REQUIRE(v);
    root = v->root;
    REQUIRE(segments_in(dir).size() >= 6);
  }
  std::unique_ptr<AuditLog> open(bool with_archive = false) {
    AuditLogOptions o;
    o.dir = dir;
    if (with_archive) o.archive_dir = archive;
    o.checkpoint_every_records = 4;
    o.segment_bytes = 2048;
    auto log = AuditLog::open(o, key);
    INFO((log ? std::string() : log.error().message));
    REQUIRE(log);
    return std::move(*log);
  }
  ArchiveOptions options(std::size_t keep = 2) { return {dir, archive, keep, nullptr}; }
  Result<VerifyReport> verify() {
    VerifyOptions o;
    o.archive_dir = archive;
    return verify_log(dir, key.verifier(), o);
  }
};

}  // namespace

TEST_CASE("archive: sealed segments move with their checkpoints and the tree runs on",
          "[archive]") {
  ArchiveFixture f;
  const auto before = segments_in(f.dir);
  auto r = archive_segments(f.options(2), f.key.verifier());
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  CHECK(r->moved.size() == before.size() - 2);
  CHECK(r->live_segments == 2);
  CHECK(r->archived_segments == r->moved.size());
  CHECK(r->signed_size == 40);
  CHECK(segments_in(f.dir) == std::vector<std::string>(before.end() - 2, before.end()));
  CHECK(segments_in(f.archive) == r->moved);
  CHECK(fs::exists(f.dir / "tree.hashes"));

  // Live and archive together: the same 40 records and root, every checkpoint checked.
  auto v = f.verify();
  INFO((v ? std::string() : v.error().message));
  REQUIRE(v);
  CHECK(v->records == 40);
  CHECK(v->root == f.root);
  CHECK(v->segments == before.size());
  // The log directory alone is not the log, and says where the rest may be.
  auto alone = verify_log(f.dir, f.key.verifier());
  REQUIRE_FALSE(alone);
  CHECK(alone.error().message.find("name the archive") != std::string::npos);

  // The gateway opens it with its archive, reads archived records and appends on.
  {
    auto log = f.open(true);
    CHECK(log->tree_head().size == 40);
    CHECK(log->tree_head().root == f.root);
    auto first = log->read(0, 3);
    REQUIRE(first);
    REQUIRE(first->size() == 3);
    CHECK(first->at(2).event.reference == "x-2");
    auto proof = log->prove_inclusion(1, 40);
    REQUIRE(proof);
    for (std::uint64_t i = 40; i < 50; ++i) {
      REQUIRE(log->append_and_wait(test_util::sample_event(i)));
    }
    REQUIRE(log->close());
  }
  auto after = f.verify();
  REQUIRE(after);
  CHECK(after->records == 50);

  // A second run moves what became sealed since; the archive only grows.
  auto again = archive_segments(f.options(1), f.key.verifier());
  REQUIRE(again);
  CHECK(!again->moved.empty());
  CHECK(segments_in(f.dir).size() == 1);
  CHECK(segments_in(f.archive).size() == r->moved.size() + again->moved.size());
  auto last = f.verify();
  REQUIRE(last);
  CHECK(last->records == 50);
  CHECK(last->root == after->root);
}

TEST_CASE("archive: search reads archived records with the live ones", "[archive]") {
  ArchiveFixture f;
  REQUIRE(archive_segments(f.options(1), f.key.verifier()));
  std::vector<std::uint64_t> seen;
  LogReader reader;
  reader.on_record = [&](std::uint64_t seq, std::string_view leaf) -> Status {
    auto record = parse_record(leaf);
    if (!record) return record.error();
    if (record->event.reference == "x-3" || record->event.reference == "x-39") {
      seen.push_back(seq);
    }
    return {};
  };
  auto origin = read_log(f.dir, reader, nullptr, f.archive);
  REQUIRE(origin);
  CHECK(*origin == "silta.test/archive");
  CHECK(seen == std::vector<std::uint64_t>{3, 39});
}

TEST_CASE("archive: a tampered archived segment fails the verification naming it", "[archive]") {
  ArchiveFixture f;
  auto r = archive_segments(f.options(2), f.key.verifier());
  REQUIRE(r);
  REQUIRE(r->moved.size() >= 2);
  const fs::path victim = f.archive / r->moved[1];
  std::string bytes = *read_file(victim);
  auto at = bytes.find("\"reference\":\"x-");
  REQUIRE(at != std::string::npos);
  bytes[at + 15] = bytes[at + 15] == '9' ? '8' : '9';  // the reference's first digit
  REQUIRE(write_file_atomic(victim, bytes, 0600));

  auto v = f.verify();
  REQUIRE_FALSE(v);
  INFO(v.error().message);
  CHECK(v.error().code == ErrorCode::kDataLoss);
  CHECK(v.error().message.find(victim.string()) != std::string::npos);
  // Nothing more is archived from a log that does not verify, and the log is left as it was.
  const auto live = segments_in(f.dir);
  auto refused = archive_segments(f.options(1), f.key.verifier());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kDataLoss);
  CHECK(refused.error().message.find("nothing was archived") != std::string::npos);
  CHECK(segments_in(f.dir) == live);
}

TEST_CASE("archive: the segment being written and an open log are never archived", "[archive]") {
  ArchiveFixture f;
  auto none = archive_segments(f.options(0), f.key.verifier());
  REQUIRE_FALSE(none);
  CHECK(none.error().code == ErrorCode::kInvalidArgument);
  auto same = archive_segments({f.dir, f.dir, 1, nullptr}, f.key.verifier());
  REQUIRE_FALSE(same);
  CHECK(same.error().code == ErrorCode::kInvalidArgument);

  // A gateway holds the log open: refused, nothing moved.
  const auto live = segments_in(f.dir);
  {
    auto log = f.open();
    auto busy = archive_segments(f.options(1), f.key.verifier());
    REQUIRE_FALSE(busy);
    CHECK(busy.error().code == ErrorCode::kFailedPrecondition);
    CHECK(busy.error().message.find("stop the gateway") != std::string::npos);
    CHECK(segments_in(f.dir) == live);
    REQUIRE(log->close());
  }

  // Keeping one: the last segment (the one the log appends to) stays.
  auto r = archive_segments(f.options(1), f.key.verifier());
  REQUIRE(r);
  REQUIRE(segments_in(f.dir).size() == 1);
  CHECK(segments_in(f.dir).front() == live.back());
  // And once only that one is left, there is nothing to move.
  auto nothing = archive_segments(f.options(1), f.key.verifier());
  REQUIRE(nothing);
  CHECK(nothing->moved.empty());
  CHECK(segments_in(f.dir).size() == 1);
}

TEST_CASE("archive: a move a crash interrupted is completed, a differing copy refuses",
          "[archive]") {
  ArchiveFixture f;
  const auto live = segments_in(f.dir);
  fs::create_directories(f.archive);
  // Copied and renamed, not yet removed from the log directory; and an unrenamed copy.
  fs::copy_file(f.dir / live[0], f.archive / live[0]);
  REQUIRE(write_file_atomic(f.archive / (live[1] + ".tmp"), "half a copy", 0600));
  // Meanwhile the log reads the live copy of a segment in both places.
  REQUIRE(f.verify());

  auto r = archive_segments(f.options(live.size()), f.key.verifier());
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  CHECK(r->finished == std::vector<std::string>{live[0]});
  CHECK(r->moved.empty());
  CHECK(!fs::exists(f.dir / live[0]));
  CHECK(!fs::exists(f.archive / (live[1] + ".tmp")));
  REQUIRE(f.verify());

  // A copy in the archive that differs from the log's: nothing is removed or moved.
  std::string bytes = *read_file(f.dir / live[1]);
  bytes.back() ^= 1;
  REQUIRE(write_file_atomic(f.archive / live[1], bytes, 0600));
  auto refused = archive_segments(f.options(1), f.key.verifier());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kDataLoss);
  CHECK(refused.error().message.find("different bytes") != std::string::npos);
  CHECK(fs::exists(f.dir / live[1]));
}

TEST_CASE("archive: a copy that cannot be made durable leaves the segment in the log",
          "[archive]") {
  ArchiveFixture f;
  const auto live = segments_in(f.dir);
  test_util::FaultyFileSystem faulty;
  faulty.fail_next_sync(live[0] + ".tmp");
  ArchiveOptions o = f.options(1);
  o.file_system = &faulty;
  auto r = archive_segments(o, f.key.verifier());
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("fdatasync failed") != std::string::npos);
  CHECK(segments_in(f.dir) == live);
  CHECK(segments_in(f.archive).empty());
  // The next run cleans the unrenamed copy up and moves everything sealed.
  auto again = archive_segments(f.options(1), f.key.verifier());
  REQUIRE(again);
  CHECK(again->moved.size() == live.size() - 1);
  auto v = f.verify();
  REQUIRE(v);
  CHECK(v->root == f.root);
}
