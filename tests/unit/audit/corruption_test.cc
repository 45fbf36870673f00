// The corruption matrix (LevelDB's log tests, for a signed log): every flipped byte is found and
// named, every truncation recovers exactly the complete records, and reordered, deleted,
// repeated or forged records and swapped or foreign checkpoints are detected.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "audit/log.h"
#include "audit/offline.h"
#include "audit/scan.h"
#include "audit/segment.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/audit/audit_test_util.h"
#include "tests/unit/audit/faulty_file_system.h"

using namespace silta;
using namespace silta::audit;
namespace fs = std::filesystem;
using test_util::sample_event;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Rewrites in place and then cuts: truncating to zero first would make ext4 flush the file on
// close (auto_da_alloc), a disk round trip per case.
void spit(const fs::path& p, std::string_view bytes) {
  {
    std::fstream out(p, std::ios::binary | std::ios::in | std::ios::out);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  fs::resize_file(p, bytes.size());
}

struct Frame {
  std::uint64_t offset = 0;
  std::uint64_t end = 0;
  bool checkpoint = false;
  std::uint64_t seq = 0;  // record: its number; checkpoint: records before it
  std::string payload;
};

class FrameCollector final : public ScanVisitor {
 public:
  std::vector<Frame> frames;
  Status on_record(std::uint64_t seq, std::string_view leaf, const LogLocation& at,
                   std::span<const Hash>) override {
    frames.push_back({at.offset, 0, false, seq, std::string(leaf)});
    return {};
  }
  Status on_checkpoint(const SignedCheckpoint& cp, const LogLocation& at) override {
    frames.push_back({at.offset, 0, true, at.seq, cp.note});
    return {};
  }
};

// A one-segment log of 7 small records with a checkpoint every 3:
// header, cp0, r0, r1, r2, cp3, r3, r4, r5, cp6, r6, cp7.
struct SmallLog {
  silta::test::TempDir tmp{"silta-corrupt"};
  fs::path dir = tmp / "log";
  SigningKey key = test_util::test_key();
  test_util::FaultyFileSystem files;
  fs::path segment;
  std::string original;
  std::uint64_t header_size = 0;
  std::vector<Frame> frames;
  std::vector<AuditEvent> events;

  std::uint64_t checkpoint_every = 3;

  explicit SmallLog(std::uint64_t segment_bytes = 64 << 20, int records = 7,
                    std::uint64_t checkpoint_every_records = 3)
      : checkpoint_every(checkpoint_every_records) {
    files.skip_syncs(true);  // recovery logic, not durability, is under test here
    auto log = open_log(segment_bytes);
    for (int i = 0; i < records; ++i) {
      events.push_back(test_util::small_event(i));
      REQUIRE(log->append_and_wait(events.back()));
    }
    REQUIRE(log->close());
    segment = dir / segment_file_name(0);
    original = slurp(segment);
    FrameCollector collector;
    auto scan = scan_log({&files, dir, nullptr, ""}, &collector);
    REQUIRE(scan);
    frames = collector.frames;
    header_size = encode_segment_header({0, key.name()}).size();
    auto first_segment_end = scan->segments.front().valid_bytes;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      bool last_in_segment = i + 1 == frames.size() || frames[i + 1].offset < frames[i].offset;
      frames[i].end = last_in_segment ? first_segment_end : frames[i + 1].offset;
      if (last_in_segment) break;  // only the first segment's frames matter here
    }
  }

  std::unique_ptr<AuditLog> open_log(std::uint64_t segment_bytes = 64 << 20,
                                     OpenReport* report = nullptr) {
    AuditLogOptions o;
    o.dir = dir;
    o.file_system = &files;
    o.checkpoint_every_records = checkpoint_every;
    o.checkpoint_every = std::chrono::hours(1);
    o.segment_bytes = segment_bytes;
    auto log = AuditLog::open(o, key, report);
    INFO((log ? "" : log.error().message));
    REQUIRE(log);
    return std::move(*log);
  }

  Result<VerifyReport> verify() { return verify_log(dir, key.verifier()); }

  std::string frame_bytes(std::size_t i) const {
    return original.substr(frames[i].offset, frames[i].end - frames[i].offset);
  }
  std::size_t find(bool checkpoint, std::uint64_t seq) const {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      if (frames[i].checkpoint == checkpoint && frames[i].seq == seq) return i;
    }
    FAIL("no such frame");
    return 0;
  }
  // Replaces frames [first, last] with `replacement`.
  void rewrite(std::size_t first, std::size_t last, const std::string& replacement) {
    std::string bytes =
        original.substr(0, frames[first].offset) + replacement + original.substr(frames[last].end);
    spit(segment, bytes);
  }
};

std::string framed(FrameType type, std::string_view payload) {
  Bytes out;
  append_frame(out, type, as_bytes(payload));
  return std::string(out.begin(), out.end());
}

void expect_failure(Result<VerifyReport> r, const std::string& must_contain) {
  REQUIRE_FALSE(r);
  INFO(r.error().message);
  CHECK(r.error().code == ErrorCode::kDataLoss);
  CHECK(r.error().message.find(must_contain) != std::string::npos);
}

}  // namespace

TEST_CASE("every flipped byte fails verify and open, naming the damaged frame", "[corruption]") {
  SmallLog log;
  REQUIRE(log.frames.size() == 11);
  REQUIRE(log.verify());
  std::string bytes = log.original;
  for (std::size_t pos = 0; pos < bytes.size(); ++pos) {
    // The frame holding the byte; its kind is named unless its header is what was damaged.
    std::string where;
    if (pos < log.header_size) {
      where = "offset 0";
    } else {
      for (const auto& fr : log.frames) {
        if (pos < fr.offset || pos >= fr.end) continue;
        std::string records_before = std::to_string(fr.seq);
        if (pos < fr.offset + kFrameHeaderSize) {
          where = "offset " + std::to_string(fr.offset) + ", frame before record " + records_before;
        } else {
          where = "offset " + std::to_string(fr.offset) + ", " +
                  (fr.checkpoint ? "checkpoint after " + records_before + " records"
                                 : "record " + records_before);
        }
      }
    }
    REQUIRE_FALSE(where.empty());
    bytes[pos] = static_cast<char>(bytes[pos] ^ 0x20);
    spit(log.segment, bytes);
    INFO("flipped byte " << pos);
    expect_failure(log.verify(), log.segment.filename().string() + ", " + where);
    AuditLogOptions o;
    o.dir = log.dir;
    o.file_system = &log.files;
    auto opened = AuditLog::open(o, log.key);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().message.find(where) != std::string::npos);
    bytes[pos] = log.original[pos];
  }
  spit(log.segment, log.original);
  CHECK(log.verify());
}

TEST_CASE("truncation at every offset recovers exactly the complete records", "[corruption]") {
  SmallLog log;
  for (std::size_t cut = 0; cut < log.original.size(); ++cut) {
    INFO("truncated to " << cut << " bytes");
    spit(log.segment, std::string_view(log.original).substr(0, cut));
    std::uint64_t complete = 0;
    bool boundary = cut == log.header_size;
    for (const auto& fr : log.frames) {
      if (!fr.checkpoint && fr.end <= cut) complete = fr.seq + 1;
      boundary = boundary || fr.end == cut;
    }
    // What was signed before the cut, and where the complete frames end: a recovery is due when
    // records follow the latest checkpoint or bytes are torn off.
    std::uint64_t signed_records = 0, valid_end = cut < log.header_size ? 0 : log.header_size;
    for (const auto& fr : log.frames) {
      if (fr.end > cut) continue;
      valid_end = std::max(valid_end, fr.end);
      if (fr.checkpoint) signed_records = fr.seq;
    }
    const std::uint64_t torn = cut - valid_end;
    const bool recovered = complete > signed_records || torn > 0;
    OpenReport report;
    auto opened = log.open_log(64 << 20, &report);
    CHECK(report.records == complete + (recovered ? 1 : 0));
    CHECK(report.torn_tail.empty() == boundary);
    CHECK(report.recovery.has_value() == recovered);
    if (cut < log.header_size) CHECK(report.created);
    auto records = opened->read(0, 100);
    REQUIRE(records);
    REQUIRE(records->size() == report.records);
    for (std::uint64_t i = 0; i < complete; ++i) CHECK((*records)[i].event == log.events[i]);
    if (recovered) {
      // Signed together with what it recovered, and saying what that was.
      const auto& r = records->back().event;
      CHECK(r.type == EventType::kLogRecovered);
      CHECK(r.outcome == "recovered");
      CHECK(r.recovery.recovered_records == complete - signed_records);
      CHECK(r.recovery.torn_bytes == torn);
      if (complete > signed_records) {
        CHECK(r.recovery.recovered_from == (*records)[signed_records].time);
        CHECK(r.recovery.recovered_until == (*records)[complete - 1].time);
      }
    }
    CHECK(opened->latest_checkpoint().checkpoint.size == report.records);
    // The recovered log takes appends where it ends and verifies.
    CHECK(opened->append_and_wait(sample_event(100)).value() == report.records);
    REQUIRE(opened->close());
    opened.reset();
    auto verified = log.verify();
    INFO((verified ? "" : verified.error().message));
    REQUIRE(verified);
    CHECK(verified->records == report.records + 1);
    CHECK(verified->recoveries.size() == (recovered ? 1u : 0u));
    fs::remove(log.dir / "tree.hashes");
  }
}

TEST_CASE("a truncated segment that is not the last one is damage, not a torn tail",
          "[corruption]") {
  SmallLog log(/*segment_bytes=*/2048, /*records=*/12);
  auto second = log.dir / segment_file_name(log.frames.back().seq + 1);
  std::uint64_t records_in_first = 0;
  for (const auto& fr : log.frames) records_in_first += !fr.checkpoint;
  (void)second;
  std::string first = log.original;
  spit(log.segment, std::string_view(first).substr(0, first.size() - 10));
  expect_failure(log.verify(), "not the last");
  AuditLogOptions o;
  o.dir = log.dir;
  o.file_system = &log.files;
  CHECK_FALSE(AuditLog::open(o, log.key));
  spit(log.segment, first);
  CHECK(log.verify());
  // A missing segment in the middle is a gap.
  std::vector<fs::path> segments;
  for (const auto& e : fs::directory_iterator(log.dir)) {
    if (e.path().extension() == ".seg") segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  REQUIRE(segments.size() >= 3);
  fs::remove(segments[1]);
  expect_failure(log.verify(), "a missing or extra segment");
}

TEST_CASE("reordered, deleted and repeated records are detected", "[corruption]") {
  SmallLog log;
  std::size_t r1 = log.find(false, 1), r2 = log.find(false, 2), r4 = log.find(false, 4);
  SECTION("two records swapped") {
    log.rewrite(r1, r2, log.frame_bytes(r2) + log.frame_bytes(r1));
    expect_failure(log.verify(), "record 1: sequence number 2 where 1 was expected");
  }
  SECTION("a record deleted") {
    log.rewrite(r4, r4, "");
    expect_failure(log.verify(), "record 4: sequence number 5 where 4 was expected");
  }
  SECTION("a record repeated") {
    log.rewrite(r2, r2, log.frame_bytes(r2) + log.frame_bytes(r2));
    expect_failure(log.verify(), "record 3: sequence number 2 where 3 was expected");
  }
}

TEST_CASE("records altered with recomputed checksums fail the signed root", "[corruption]") {
  SmallLog log;
  std::size_t r4 = log.find(false, 4);
  auto record = *parse_record(log.frames[r4].payload);
  SECTION("content changed") {
    record.event.actor = "someone-else";
    log.rewrite(r4, r4, framed(FrameType::kRecord, *encode_record(record)));
    expect_failure(log.verify(), "checkpoint after 6 records: the signed root does not match");
  }
  SECTION("time moved back") {
    record.time -= std::chrono::hours(1);
    log.rewrite(r4, r4, framed(FrameType::kRecord, *encode_record(record)));
    expect_failure(log.verify(), "record 4: time");
  }
}

TEST_CASE("swapped, replaced or foreign checkpoints are detected", "[corruption]") {
  SmallLog log;
  std::size_t cp3 = log.find(true, 3), cp6 = log.find(true, 6);
  SECTION("a later checkpoint in an earlier place") {
    log.rewrite(cp3, cp3, log.frame_bytes(cp6));
    expect_failure(log.verify(), "checkpoint after 3 records: checkpoint for 6 records");
  }
  SECTION("a checkpoint signed by another key") {
    SigningKey other = SigningKey::generate(log.key.name());
    auto cp = *Checkpoint::parse_body(*note_text(log.frames[cp3].payload));
    log.rewrite(cp3, cp3, framed(FrameType::kCheckpoint, other.sign(cp).note));
    expect_failure(log.verify(), "checkpoint after 3 records: signed note: no signature by");
  }
  SECTION("a checkpoint with a wrong root, signed by the log's own key") {
    auto cp = *Checkpoint::parse_body(*note_text(log.frames[cp3].payload));
    cp.root[0] ^= 1;
    log.rewrite(cp3, cp3, framed(FrameType::kCheckpoint, log.key.sign(cp).note));
    expect_failure(log.verify(), "the signed root does not match");
  }
  SECTION("every checkpoint removed") {
    std::string bytes = log.original.substr(0, log.header_size);
    for (std::size_t i = 0; i < log.frames.size(); ++i) {
      if (!log.frames[i].checkpoint) bytes += log.frame_bytes(i);
    }
    spit(log.segment, bytes);
    expect_failure(log.verify(), "no checkpoint signed by");
  }
}

namespace {

// Checks the hashes a scan hands its visitor (the leaf, then the subtrees it completes) against a
// tree built one leaf at a time.
class TreeChecker final : public ScanVisitor {
 public:
  std::uint64_t records = 0;
  Status on_record(std::uint64_t seq, std::string_view leaf, const LogLocation& at,
                   std::span<const Hash> completed) override {
    REQUIRE(seq == records);
    REQUIRE(at.seq == seq);
    expected_.clear();
    tree_.append(leaf_hash(leaf), &expected_);
    REQUIRE(std::vector<Hash>(completed.begin(), completed.end()) == expected_);
    ++records;
    return {};
  }
  Status on_checkpoint(const SignedCheckpoint& cp, const LogLocation&) override {
    REQUIRE(cp.checkpoint.size == tree_.size());
    REQUIRE(cp.checkpoint.root == tree_.root());
    return {};
  }

 private:
  CompactRange tree_;
  std::vector<Hash> expected_;
};

}  // namespace

TEST_CASE("past one scan chunk: every record visited, damage named as in a small log",
          "[corruption]") {
  // The scan hands chunks of 4096 records to worker threads and checks the chunk boundaries
  // itself: records before, at and after them, in one segment and across segments.
  constexpr std::uint64_t kRecords = 10000, kCheckpointEvery = 1000;
  SECTION("several segments") {
    SmallLog log(1 << 20, kRecords, kCheckpointEvery);
    TreeChecker checker;
    auto scan = scan_log({&log.files, log.dir, nullptr, ""}, &checker);
    REQUIRE(scan);
    CHECK(scan->segments.size() > 2);
    CHECK(checker.records == kRecords);
    auto report = log.verify();
    REQUIRE(report);
    CHECK(report->records == kRecords);
  }
  SECTION("damage at the chunk boundaries") {
    SmallLog log(64 << 20, kRecords, kCheckpointEvery);
    TreeChecker checker;
    REQUIRE(scan_log({&log.files, log.dir, nullptr, ""}, &checker));
    CHECK(checker.records == kRecords);
    REQUIRE(log.verify());
    for (std::uint64_t r : {1, 999, 4095, 4096, 4097, 6000, 8191, 8192, 9999}) {
      INFO("record " << r);
      std::size_t i = log.find(false, r);
      const AuditRecord original = *parse_record(log.frames[i].payload);
      auto expect = [&](const std::string& payload, const std::string& must_contain) {
        log.rewrite(i, i, framed(FrameType::kRecord, payload));
        expect_failure(log.verify(), must_contain);
        spit(log.segment, log.original);
      };
      AuditRecord changed = original;
      changed.time -= std::chrono::hours(1);
      expect(*encode_record(changed), "record " + std::to_string(r) + ": time");
      // A later time makes the next record's the one out of order, unless a checkpoint comes
      // first (and finds the altered record).
      std::uint64_t next_checkpoint =
          std::min<std::uint64_t>((r / kCheckpointEvery + 1) * kCheckpointEvery, kRecords);
      std::string root_mismatch = "checkpoint after " + std::to_string(next_checkpoint) +
                                  " records: the signed root does not match";
      changed = original;
      changed.time += std::chrono::hours(1);
      expect(*encode_record(changed), next_checkpoint == r + 1
                                          ? root_mismatch
                                          : "record " + std::to_string(r + 1) + ": time");
      changed = original;
      changed.seq = r + 1;
      expect(*encode_record(changed), "record " + std::to_string(r) + ": sequence number " +
                                          std::to_string(r + 1) + " where " + std::to_string(r) +
                                          " was expected");
      expect(log.frames[i].payload + " ",
             "record " + std::to_string(r) + ": record is not canonical JSON");
      changed = original;
      changed.event.actor = "someone-else";
      expect(*encode_record(changed), root_mismatch);
      REQUIRE(log.verify());
    }
  }
}

namespace {

// A leaf edited as text, as someone with write access to the files would: `from` → `to`.
std::string edited(std::string leaf, const std::string& from, const std::string& to) {
  auto at = leaf.find(from);
  REQUIRE(at != std::string::npos);
  return leaf.replace(at, from.size(), to);
}

// The time string of a leaf.
std::string json_time_of(const std::string& leaf) {
  auto at = leaf.find("\"time\":\"");
  REQUIRE(at != std::string::npos);
  return leaf.substr(at + 8, 27);
}

std::string quarantined_bytes(const SmallLog& log, const OpenReport& report) {
  REQUIRE(report.recovery);
  REQUIRE_FALSE(report.recovery->quarantine_file.empty());
  return slurp(log.dir / report.recovery->quarantine_file);
}

}  // namespace

TEST_CASE("a crash's unsigned records are checked, then signed with a log-recovered record",
          "[corruption][recovery]") {
  SmallLog log;
  REQUIRE(log.frames.size() == 11);
  // A crash before the final checkpoint: record 6 is durable but signed by nothing.
  log.rewrite(log.find(true, 7), log.find(true, 7), "");
  auto before = log.verify();
  REQUIRE(before);
  CHECK(before->unsigned_records == 1);
  CHECK(before->unsigned_from == before->unsigned_until);
  OpenReport report;
  auto opened = log.open_log(64 << 20, &report);
  REQUIRE(report.recovery);
  CHECK(report.recovery->recovered_records == 1);
  CHECK(report.recovery->quarantine_file.empty());
  CHECK(report.recovery_seq == 7);
  CHECK(report.records == 8);
  CHECK(opened->latest_checkpoint().checkpoint.size == 8);
  auto records = *opened->read(6, 8);
  CHECK(records[0].event == log.events[6]);
  CHECK(records[1].event.type == EventType::kLogRecovered);
  CHECK(records[1].event.recovery.recovered_from == records[0].time);
  REQUIRE(opened->close());
  opened.reset();
  auto after = log.verify();
  REQUIRE(after);
  CHECK(after->unsigned_records == 0);
  REQUIRE(after->recoveries.size() == 1);
  CHECK(after->recoveries[0].seq == 7);
  // A clean close leaves nothing to recover.
  OpenReport clean;
  log.open_log(64 << 20, &clean);
  CHECK_FALSE(clean.recovery);
}

TEST_CASE("an unsigned tail that fails a check is quarantined, never signed",
          "[corruption][recovery]") {
  SmallLog log;
  const std::size_t r6 = log.find(false, 6), cp7 = log.find(true, 7);
  const std::string leaf6 = log.frames[r6].payload;
  std::string expected_problem, expected_quarantine;
  std::uint64_t expected_seq = 0, expected_records = 0;
  // After the final checkpoint (7 records): a forged record appended to the file.
  auto append_forged = [&](const std::string& leaf) {
    std::string forged = framed(FrameType::kRecord, leaf);
    log.rewrite(cp7, cp7, log.frame_bytes(cp7) + forged);
    expected_quarantine = forged;
    expected_seq = 7;
    expected_records = 1;
  };
  const std::string as7 = edited(leaf6, "\"seq\":6", "\"seq\":7");
  SECTION("a record holding an identity code") {
    append_forged(edited(as7, "\"reference\":\"x-6\"", "\"reference\":\"150317A901J\""));
    expected_problem =
        "record 7: audit record: audit event: reference: contains what looks like a "
        "personal identity code";
  }
  SECTION("a record without a type") {
    append_forged(edited(as7, ",\"type\":\"disclosure\"", ""));
    expected_problem = "record 7: audit record: no \"type\"";
  }
  SECTION("a record without an outcome") {
    append_forged(edited(as7, "\"outcome\":\"ok\",", ""));
    expected_problem = "record 7: audit record: no \"outcome\"";
  }
  SECTION("a record from the future") {
    auto time = json_time_of(as7);
    append_forged(edited(as7, time, "2099-01-01T00:00:00.000000Z"));
    expected_problem = "record 7: time 2099-01-01T00:00:00.000000Z is later than the clock allows";
  }
  SECTION("a renumbered tail: the whole unsigned tail goes, valid records too") {
    // A crash before checkpoint 7, then record 6 replaced by one numbered 9.
    std::string renumbered = framed(FrameType::kRecord, edited(leaf6, "\"seq\":6", "\"seq\":9"));
    log.rewrite(r6, cp7, renumbered);
    expected_quarantine = renumbered;
    expected_seq = 6;
    expected_records = 1;
    expected_problem = "record 6: sequence number 9 where 6 was expected";
  }
  SECTION("a valid unsigned record followed by a forged one") {
    std::string forged = framed(
        FrameType::kRecord, edited(as7, "\"reference\":\"x-6\"", "\"reference\":\"150317A901J\""));
    log.rewrite(r6, cp7, log.frame_bytes(r6) + forged);
    expected_quarantine = log.frame_bytes(r6) + forged;
    expected_seq = 6;
    expected_records = 2;
    expected_problem = "record 7: audit record: audit event: reference: contains what looks like";
  }
  SECTION("a damaged frame in the unsigned tail") {
    std::string damaged = log.frame_bytes(r6);
    damaged[damaged.size() - 3] ^= 0x20;
    log.rewrite(r6, cp7, damaged);
    expected_quarantine = damaged;
    expected_seq = 6;
    expected_records = 0;  // its frame cannot be read
    expected_problem = "record 6: frame checksum mismatch";
  }
  OpenReport report;
  auto opened = log.open_log(64 << 20, &report);
  REQUIRE(report.recovery);
  INFO(report.recovery->problem);
  CHECK(report.recovery->problem.find(expected_problem) != std::string::npos);
  CHECK(report.recovery->problem.find("150317A901J") == std::string::npos);
  CHECK(report.recovery->quarantine_segment == log.segment.filename().string());
  CHECK(report.recovery->quarantine_bytes == expected_quarantine.size());
  CHECK(report.recovery->quarantined_records == expected_records);
  // The bytes are kept as they were, in a file of their own (0600), and left the log.
  CHECK(quarantined_bytes(log, report) == expected_quarantine);
  CHECK((fs::status(log.dir / report.recovery->quarantine_file).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(report.recovery_seq == expected_seq);
  auto records = *opened->read(0, 100);
  REQUIRE(records.size() == expected_seq + 1);
  const auto& recovered = records.back().event;
  CHECK(recovered.type == EventType::kLogRecovered);
  CHECK(recovered.outcome == "quarantined");
  CHECK(recovered.recovery == *report.recovery);
  for (const auto& r : records) CHECK(r.event.reference.find("1503") == std::string::npos);
  CHECK(opened->latest_checkpoint().checkpoint.size == expected_seq + 1);
  REQUIRE(opened->close());
  opened.reset();
  auto verified = log.verify();
  INFO((verified ? "" : verified.error().message));
  REQUIRE(verified);
  CHECK(verified->unsigned_records == 0);
  CHECK(verified->recoveries.size() == 1);
}

TEST_CASE("damage under a signed checkpoint is refused, not quarantined",
          "[corruption][recovery]") {
  SmallLog log;
  std::size_t r4 = log.find(false, 4);
  auto record = *parse_record(log.frames[r4].payload);
  record.event.actor = "someone-else";
  log.rewrite(r4, r4, framed(FrameType::kRecord, *encode_record(record)));
  AuditLogOptions o;
  o.dir = log.dir;
  o.file_system = &log.files;
  auto opened = AuditLog::open(o, log.key);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == ErrorCode::kDataLoss);
  CHECK(opened.error().message.find("Nothing was changed") != std::string::npos);
  for (const auto& e : fs::directory_iterator(log.dir)) {
    CHECK(e.path().filename().string().rfind("quarantine-", 0) != 0);
  }
  // A forged record before the last checkpoint, even one that fails the field checks, is the
  // signed region's: refused too.
  log.rewrite(
      r4, r4,
      framed(FrameType::kRecord, edited(log.frames[r4].payload, ",\"type\":\"disclosure\"", "")));
  CHECK_FALSE(AuditLog::open(o, log.key));
}
