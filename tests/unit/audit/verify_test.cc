// What `verify` proves: every record in full, the unsigned tail reported (and refused with
// require_signed), and against kept checkpoints a rollback, a truncation or a fork named as such,
// with witness cosignatures counted. Each tamper case of issue 16, on a log re-signed with the
// log's own key where the tamperer would need it.
#include <catch2/catch.hpp>
#include <fstream>

#include "audit/log.h"
#include "audit/offline.h"
#include "audit/segment.h"
#include "common/files.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/audit/audit_test_util.h"

using namespace silta;
using namespace silta::audit;
namespace fs = std::filesystem;

namespace {

// A log's segment written from leaves: a checkpoint of size 0, then one every `every` records and
// one at the end, each signed by `key` (what someone holding the key, or a gateway that signed
// without checking, would leave).
void write_segment(const fs::path& dir, const SigningKey& key,
                   const std::vector<std::string>& leaves, std::size_t every) {
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(dir)) fs::remove(e.path());
  Bytes out = encode_segment_header({0, key.name()});
  CompactRange tree;
  auto checkpoint = [&] {
    append_frame(out, FrameType::kCheckpoint,
                 as_bytes(key.sign({key.name(), tree.size(), tree.root()}).note));
  };
  checkpoint();
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    append_frame(out, FrameType::kRecord, as_bytes(leaves[i]));
    tree.append(leaf_hash(leaves[i]));
    if ((i + 1) % every == 0 || i + 1 == leaves.size()) checkpoint();
  }
  std::ofstream f(dir / segment_file_name(0), std::ios::binary);
  f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
}

std::string leaf(std::uint64_t seq, SysTime time, std::uint64_t n) {
  return *encode_record({seq, time, test_util::small_event(n)});
}

SysTime t0() { return *parse_rfc3339("2026-11-23T10:00:00Z"); }

struct History {
  silta::test::TempDir tmp{"silta-verify"};
  fs::path dir = tmp / "log";
  SigningKey key = test_util::test_key("silta.test/verify");
  std::vector<std::string> leaves;  // 50 records, a minute apart
  History() {
    for (std::uint64_t i = 0; i < 50; ++i)
      leaves.push_back(leaf(i, t0() + std::chrono::minutes(i), i));
  }
  // The checkpoint of the first n records, as a privacy officer kept it.
  std::string kept(std::uint64_t n) const {
    CompactRange tree;
    for (std::uint64_t i = 0; i < n; ++i) tree.append(leaf_hash(leaves[i]));
    return key.sign({key.name(), n, tree.root()}).note;
  }
  Result<VerifyReport> verify(const VerifyOptions& o = {}) {
    return verify_log(dir, key.verifier(), o);
  }
};

void expect_failure(const Result<VerifyReport>& r, const std::string& what) {
  REQUIRE_FALSE(r);
  INFO(r.error().message);
  CHECK(r.error().code == ErrorCode::kDataLoss);
  CHECK(r.error().message.find(what) != std::string::npos);
}

}  // namespace

TEST_CASE("verify: the log extends every kept checkpoint", "[verify]") {
  History h;
  write_segment(h.dir, h.key, h.leaves, 16);
  VerifyOptions o;
  o.trusted = {{"kept-16", h.kept(16)}, {"kept-50", h.kept(50)}};
  auto r = h.verify(o);
  INFO((r ? "" : r.error().message));
  REQUIRE(r);
  REQUIRE(r->trusted.size() == 2);
  CHECK(r->trusted[1].checkpoint.size == 50);
  CHECK(r->unsigned_records == 0);
}

TEST_CASE("verify: truncation in the middle, dropping the later checkpoints", "[verify]") {
  History h;
  auto head = std::vector<std::string>(h.leaves.begin(), h.leaves.begin() + 21);
  // As a crash would leave it: checkpoints at 0 and 16, records 16 to 20 unsigned.
  write_segment(h.dir, h.key, std::vector<std::string>(head.begin(), head.begin() + 16), 16);
  {
    std::ofstream f(h.dir / segment_file_name(0), std::ios::binary | std::ios::app);
    Bytes more;
    for (std::size_t i = 16; i < 21; ++i) append_frame(more, FrameType::kRecord, as_bytes(head[i]));
    f.write(reinterpret_cast<const char*>(more.data()), static_cast<std::streamsize>(more.size()));
  }
  auto plain = h.verify();
  REQUIRE(plain);
  CHECK(plain->unsigned_records == 5);
  CHECK(plain->unsigned_from == format_rfc3339(t0() + std::chrono::minutes(16)));
  CHECK(plain->unsigned_until == format_rfc3339(t0() + std::chrono::minutes(20)));
  VerifyOptions require;
  require.require_signed = true;
  expect_failure(h.verify(require), "5 records after the latest checkpoint are not signed");
  VerifyOptions trusted;
  trusted.trusted = {{"kept-50", h.kept(50)}};
  expect_failure(h.verify(trusted),
                 "truncation: the log has 21 records, fewer than the 50 of trusted checkpoint "
                 "kept-50");
}

TEST_CASE("verify: a record deleted and the rest renumbered and signed again is a fork",
          "[verify]") {
  History h;
  std::vector<std::string> edited(h.leaves.begin(), h.leaves.begin() + 20);
  for (std::uint64_t i = 21; i < 50; ++i) {
    edited.push_back(leaf(i - 1, t0() + std::chrono::minutes(i), i));
  }
  write_segment(h.dir, h.key, edited, 16);
  REQUIRE(h.verify());  // consistent in itself: only a kept checkpoint shows it
  VerifyOptions o;
  o.trusted = {{"kept-32", h.kept(32)}};
  expect_failure(h.verify(o),
                 "fork: trusted checkpoint kept-32 (32 records) is not in this log's "
                 "history");
}

TEST_CASE("verify: a rollback to an earlier checkpoint, continued, is named by the cosignature",
          "[verify]") {
  History h;
  SigningKey witness = SigningKey::generate("witness.test/w1", KeyType::kCosignatureV1);
  // The checkpoint of 50 records, cosigned an hour after record 49.
  auto cosigned_at =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     (t0() + std::chrono::minutes(50)).time_since_epoch())
                                     .count());
  std::string kept = h.kept(50);
  std::string text = kept.substr(0, kept.rfind("\n\n") + 1);
  kept += witness.signature_line(text, cosigned_at);
  VerifyOptions o;
  o.trusted = {{"kept-50", kept}};
  o.witnesses = {witness.verifier()};
  o.quorum = 1;
  SECTION("cut back to 32 records: a truncation") {
    write_segment(h.dir, h.key, std::vector<std::string>(h.leaves.begin(), h.leaves.begin() + 32),
                  16);
    expect_failure(h.verify(o), "truncation: the log has 32 records, fewer than the 50");
  }
  SECTION("cut back to 32 records and written since: a rollback") {
    std::vector<std::string> rolled(h.leaves.begin(), h.leaves.begin() + 32);
    for (std::uint64_t i = 32; i < 40; ++i)
      rolled.push_back(leaf(i, t0() + std::chrono::hours(2), 100 + i));
    write_segment(h.dir, h.key, rolled, 16);
    expect_failure(h.verify(o), "rollback: the log has 40 records, fewer than the 50");
  }
  SECTION("cut back and grown past the kept size: a fork") {
    std::vector<std::string> forked(h.leaves.begin(), h.leaves.begin() + 32);
    for (std::uint64_t i = 32; i < 60; ++i)
      forked.push_back(leaf(i, t0() + std::chrono::hours(2), 100 + i));
    write_segment(h.dir, h.key, forked, 16);
    expect_failure(h.verify(o), "fork: trusted checkpoint kept-50 (50 records)");
  }
  SECTION("the true log, and the quorum counted") {
    write_segment(h.dir, h.key, h.leaves, 16);
    auto r = h.verify(o);
    REQUIRE(r);
    CHECK(r->trusted[0].cosigned_by == std::vector<std::string>{witness.verifier().label()});
    SigningKey second = SigningKey::generate("witness.test/w2", KeyType::kCosignatureV1);
    o.witnesses.push_back(second.verifier());
    o.quorum = 2;
    expect_failure(h.verify(o),
                   "cosigned by 1 of the 2 witnesses given, fewer than the quorum of 2");
  }
}

TEST_CASE("verify: every record in full, signed or not", "[verify]") {
  History h;
  std::string no_type = h.leaves[40];
  no_type.erase(no_type.find(",\"type\":\"disclosure\""), 20);
  std::string with_code = h.leaves[40];
  with_code.replace(with_code.find("\"reference\":\"x-40\""), 18, "\"reference\":\"150317A901J\"");
  for (const auto& [bad, message] : std::vector<std::pair<std::string, std::string>>{
           {no_type, "record 40: audit record: no \"type\""},
           {with_code,
            "record 40: audit record: audit event: reference: contains what looks "
            "like a personal identity code"}}) {
    auto leaves = h.leaves;
    leaves[40] = bad;
    write_segment(h.dir, h.key, leaves, 16);  // signed over, as a gateway that never checked did
    expect_failure(h.verify(), message);
  }
}

TEST_CASE("verify: a kept checkpoint of another log, or not the log's, is bad input", "[verify]") {
  History h;
  write_segment(h.dir, h.key, h.leaves, 16);
  SigningKey other = test_util::test_key("silta.test/other");
  VerifyOptions o;
  o.trusted = {{"foreign", other.sign({"silta.test/other", 3, empty_root()}).note}};
  auto r = h.verify(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  o.trusted = {{"forged", SigningKey::generate("silta.test/verify")
                              .sign({"silta.test/verify", 3, empty_root()})
                              .note}};
  r = h.verify(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
}
