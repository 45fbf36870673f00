// The `silta keygen` and `silta audit ...` commands, run as the real binary.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "audit/config.h"
#include "audit/log.h"
#include "common/files.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/audit/audit_test_util.h"

using namespace silta;
using namespace silta::audit;
using nlohmann::json;
namespace fs = std::filesystem;
using silta::test::run_command;

namespace {

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

Hash hash_from_base64(const std::string& b64) {
  auto b = from_base64(b64);
  REQUIRE(b);
  REQUIRE(b->size() == 32);
  Hash h;
  std::copy(b->begin(), b->end(), h.begin());
  return h;
}

struct CliFixture {
  silta::test::TempDir tmp{"silta-cli"};
  std::string silta = silta::test::silta_binary().string();
  fs::path keys = tmp / "keys";
  fs::path log_dir = tmp / "log";
  std::string vkey;
  std::vector<AuditEvent> events;

  CliFixture() {
    auto r = run_command({silta, "keygen", "--dir", keys.string(), "--name", "silta.test/cli"});
    INFO(r.output);
    REQUIRE(r.status == 0);
    vkey = *read_file(keys / "audit.vkey");
    vkey.pop_back();
    CHECK(r.output.find(vkey) != std::string::npos);
    AuditLogOptions o;
    o.dir = log_dir;
    o.checkpoint_every_records = 16;
    auto log = AuditLog::open(o, *SigningKey::load(keys / "audit-signing.key"));
    REQUIRE(log);
    for (int i = 0; i < 50; ++i) {
      events.push_back(test_util::sample_event(i));
      REQUIRE((*log)->append_and_wait(events.back()));
    }
    REQUIRE((*log)->close());
  }
  silta::test::RunResult audit(std::vector<std::string> args) {
    args.insert(args.begin(), {silta, "audit"});
    return run_command(args);
  }
};

}  // namespace

TEST_CASE("silta keygen refuses to overwrite keys", "[cli]") {
  CliFixture f;
  std::string before = *read_file(f.keys / "audit-signing.key");
  auto r = run_command({f.silta, "keygen", "--dir", f.keys.string()});
  CHECK(r.status == 2);
  CHECK(r.output.find("never overwritten") != std::string::npos);
  CHECK(*read_file(f.keys / "audit-signing.key") == before);
  CHECK(
      run_command({f.silta, "keygen", "--dir", (f.tmp / "k2").string(), "--name", "a b"}).status ==
      2);
}

TEST_CASE("silta audit verify: ok, failed (1) and bad input (2)", "[cli]") {
  CliFixture f;
  auto ok =
      f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", (f.keys / "audit.vkey").string()});
  INFO(ok.output);
  CHECK(ok.status == 0);
  CHECK(ok.output.find(": OK") != std::string::npos);
  CHECK(ok.output.find("records      50 in 1 segment") != std::string::npos);
  CHECK(ok.output.find("records/s") != std::string::npos);
  CHECK(f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", f.vkey}).status == 0);
  CHECK(f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", f.vkey, "--require-signed"})
            .status == 0);

  // A checkpoint kept earlier: the log extends it.
  auto kept = f.audit({"checkpoint", "--dir", f.log_dir.string()});
  REQUIRE(kept.status == 0);
  REQUIRE(write_file_atomic(f.tmp / "kept.note", kept.output, 0600));
  auto extends = f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", f.vkey,
                          "--trusted-checkpoint", (f.tmp / "kept.note").string()});
  INFO(extends.output);
  CHECK(extends.status == 0);
  CHECK(extends.output.find("kept.note: 50 records, the log extends it") != std::string::npos);
  // A quorum without witness keys, or a log's key given as a witness's, is bad input.
  CHECK(f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", f.vkey, "--trusted-checkpoint",
                 (f.tmp / "kept.note").string(), "--quorum", "1"})
            .status == 2);
  CHECK(f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", f.vkey, "--trusted-checkpoint",
                 (f.tmp / "kept.note").string(), "--witness-key", f.vkey})
            .status == 2);
  // Kept and not cosigned: a quorum of one witness fails the verification.
  auto witness = generate_witness_key_files(f.tmp / "witness", "witness.test/w1");
  REQUIRE(witness);
  auto unwitnessed =
      f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", f.vkey, "--trusted-checkpoint",
               (f.tmp / "kept.note").string(), "--witness-key", witness->vkey, "--quorum", "1"});
  CHECK(unwitnessed.status == 1);
  CHECK(unwitnessed.output.find("cosigned by 0 of the 1 witnesses") != std::string::npos);

  // Another key: the checkpoints do not verify.
  auto other = generate_key_files(f.tmp / "other", "silta.test/cli");
  REQUIRE(other);
  auto wrong = f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", other->vkey});
  CHECK(wrong.status == 1);
  CHECK(wrong.output.find("FAILED") != std::string::npos);

  CHECK(f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", "garbage"}).status == 2);
  CHECK(f.audit({"verify", "--dir", (f.tmp / "nowhere").string(), "--vkey", f.vkey}).status == 2);
  CHECK(f.audit({"verify", "--dir", (f.tmp / "keys").string(), "--vkey", f.vkey}).status == 2);

  // A flipped byte in record 20's leaf: named by segment, offset and record.
  auto segment = f.log_dir / "00000000000000000000.seg";
  std::string bytes = *read_file(segment);
  std::string needle = "\"reference\":\"x-20\"";
  auto at = bytes.find(needle);
  REQUIRE(at != std::string::npos);
  bytes[at + needle.size() - 2] = '9';
  REQUIRE(write_file_atomic(segment, bytes, 0600));
  auto bad = f.audit({"verify", "--dir", f.log_dir.string(), "--vkey", f.vkey});
  INFO(bad.output);
  CHECK(bad.status == 1);
  CHECK(bad.output.find("00000000000000000000.seg, offset ") != std::string::npos);
  CHECK(bad.output.find("record 20: frame checksum mismatch") != std::string::npos);
}

TEST_CASE("silta audit export: raw leaves rebuild the signed root: jsonl: FHIR", "[cli]") {
  CliFixture f;
  auto raw = f.audit({"export", "--dir", f.log_dir.string(), "--format", "raw"});
  REQUIRE(raw.status == 0);
  auto leaves = lines_of(raw.output);
  REQUIRE(leaves.size() == 50);
  CompactRange tree;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    auto record = parse_record(leaves[i]);
    REQUIRE(record);
    CHECK(record->seq == i);
    CHECK(record->event == f.events[i]);
    tree.append(leaf_hash(leaves[i]));
  }
  auto cp = f.audit({"checkpoint", "--dir", f.log_dir.string()});
  REQUIRE(cp.status == 0);
  auto opened = VerifierKey::parse(f.vkey)->open_checkpoint(cp.output);
  REQUIRE(opened);
  CHECK(opened->size == 50);
  CHECK(opened->root == tree.root());

  auto jsonl = f.audit({"export", "--dir", f.log_dir.string(), "--format", "jsonl"});
  REQUIRE(jsonl.status == 0);
  int records = 0, checkpoints = 0;
  for (const auto& line : lines_of(jsonl.output)) {
    json j = json::parse(line);
    if (j["entry"] == "record") {
      CHECK(j["seq"] == records);
      CHECK(canonical_json(j["record"]) == leaves[records]);
      CHECK(j["leaf_hash"] == to_base64(leaf_hash(leaves[records])));
      ++records;
    } else {
      CHECK(j["entry"] == "checkpoint");
      CHECK(VerifierKey::parse(f.vkey)->open_checkpoint(j["note"].get<std::string>()));
      ++checkpoints;
    }
  }
  CHECK(records == 50);
  CHECK(checkpoints == 5);  // at 0, 16, 32, 48 and at close

  auto fhir = f.audit({"export", "--dir", f.log_dir.string(), "--format", "fhir"});
  REQUIRE(fhir.status == 0);
  auto resources = lines_of(fhir.output);
  REQUIRE(resources.size() == 50);
  json first = json::parse(resources[0]);
  CHECK(first["resourceType"] == "AuditEvent");
  CHECK(first["source"]["observer"]["display"] == "silta.test/cli");
  CHECK(f.audit({"export", "--dir", f.log_dir.string(), "--format", "xml"}).status == 2);
}

TEST_CASE("silta audit prove: proofs that verify against the checkpoints", "[cli]") {
  CliFixture f;
  auto raw = lines_of(f.audit({"export", "--dir", f.log_dir.string(), "--format", "raw"}).output);
  auto r =
      f.audit({"prove", "inclusion", "--dir", f.log_dir.string(), "--index", "7", "--size", "48"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  json p = json::parse(r.output);
  CHECK(p["index"] == 7);
  CHECK(p["size"] == 48);
  CHECK(hash_from_base64(p["leaf_hash"]) == leaf_hash(raw[7]));
  std::vector<Hash> path;
  for (const auto& h : p["path"]) path.push_back(hash_from_base64(h));
  CHECK(verify_inclusion(leaf_hash(raw[7]), 7, 48, path, hash_from_base64(p["root"])));

  auto c =
      f.audit({"prove", "consistency", "--dir", f.log_dir.string(), "--from", "16", "--to", "50"});
  REQUIRE(c.status == 0);
  json q = json::parse(c.output);
  std::vector<Hash> cpath;
  for (const auto& h : q["path"]) cpath.push_back(hash_from_base64(h));
  CHECK(verify_consistency(16, 50, cpath, hash_from_base64(q["from_root"]),
                           hash_from_base64(q["to_root"])));

  CHECK(
      f.audit({"prove", "inclusion", "--dir", f.log_dir.string(), "--index", "50", "--size", "50"})
          .status == 2);
  CHECK(f.audit({"prove", "consistency", "--dir", f.log_dir.string(), "--from", "1", "--to", "51"})
            .status == 2);
  CHECK(f.audit({"prove", "inclusion", "--dir", f.log_dir.string(), "--index", "x", "--size", "5"})
            .status == 2);
}

TEST_CASE("silta audit export --format fhir: valid against the official FHIR R4 JSON schema",
          "[cli][fhir]") {
  CliFixture f;
  // A second log with an event of every type, outcomes of every kind, a break-glass access and a
  // log-recovered record (a crash before the final checkpoint, then an open).
  fs::path dir = f.tmp / "every-type";
  auto key = *SigningKey::load(f.keys / "audit-signing.key");
  {
    AuditLogOptions o;
    o.dir = dir;
    o.checkpoint_every_records = 1000;
    o.checkpoint_every = std::chrono::hours(1);
    auto opened = AuditLog::open(o, key);
    REQUIRE(opened);
    auto log = std::move(*opened);
    // By event type: decision, disclosure, referral sent, delivered, acknowledged, decided,
    // consent recorded, revoked, audit read, break-glass, its review, auth failure.
    const char* outcomes[] = {"decided",   "adapter_timeout",
                              "accepted",  "dead_letter",
                              "ok",        "assessment_completed",
                              "ok",        "ok",
                              "ok",        "ok",
                              "justified", "certificate_revoked"};
    for (int t = 0; t < 12; ++t) {
      AuditEvent e = test_util::sample_event(static_cast<std::uint64_t>(t));
      e.type = static_cast<EventType>(t);
      e.outcome = outcomes[t];
      e.break_glass = e.type == EventType::kBreakGlass;
      if (e.break_glass) e.justification = "uhka hengelle\nkiireellinen";
      REQUIRE(log->append_and_wait(e));
    }
    REQUIRE(log->close());
  }
  // Cut the checkpoint that close wrote: the next open recovers the records with a record of it.
  auto segment = dir / "00000000000000000000.seg";
  std::string bytes = *read_file(segment);
  auto frame_start = bytes.rfind("silta.test/cli\n12\n");
  REQUIRE(frame_start != std::string::npos);
  REQUIRE(write_file_atomic(segment, bytes.substr(0, frame_start - 16), 0600));
  OpenReport report;
  {
    AuditLogOptions o;
    o.dir = dir;
    auto log = AuditLog::open(o, key, &report);
    REQUIRE(log);
    REQUIRE(report.recovery);
  }
  for (const fs::path& log_dir : {f.log_dir, dir}) {
    auto fhir = f.audit({"export", "--dir", log_dir.string(), "--format", "fhir"});
    REQUIRE(fhir.status == 0);
    REQUIRE(write_file_atomic(f.tmp / "audit.ndjson", fhir.output, 0600));
    auto node = silta::test::find_program("node");
    REQUIRE(node);
    auto checked = run_command(
        {node->string(), (silta::test::source_dir() / "tests/support/fhir_validate.js").string(),
         (f.tmp / "audit.ndjson").string()});
    INFO(checked.output);
    CHECK(checked.status == 0);
    CHECK(checked.output.find(" 0 invalid") != std::string::npos);
  }
  auto lines = lines_of(f.audit({"export", "--dir", dir.string(), "--format", "fhir"}).output);
  REQUIRE(lines.size() == 13);
  CHECK(json::parse(lines[9])["purposeOfEvent"][1]["coding"][0]["code"] == "BTG");
  CHECK(json::parse(lines[12])["subtype"][0]["code"] == "log-recovered");
}
