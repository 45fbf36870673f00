// Witnesses over real TLS (real `silta witness serve` processes, the test PKI) and the gateway
// that submits to them; a rolled-back log refused by the witnesses and by `verify --quorum`; a
// crash mid-write recovered with a log-recovered record; an agency's receipts and their proofs.
#include <catch2/catch.hpp>
#include <fstream>

#include "audit/config.h"
#include "audit/merkle.h"
#include "audit/offline.h"
#include "common/codec.h"
#include "common/files.h"
#include "tests/support/demo_people.h"
#include "tests/support/gateway_process.h"
#include "tests/support/witness_process.h"

using namespace silta;
using namespace silta::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json checkpoint(GatewayProcess& gw) {
  auto r = gw.client("soite-tietosuoja").get("/v1/audit/checkpoint?actor=po-1");
  REQUIRE(r.status == 200);
  return r.json();
}

// A decision: a few audit records, so that the log signs a new checkpoint.
void some_traffic(GatewayProcess& gw) {
  json req = {{"target", "kokkola-perusopetus"},
              {"actor", "sw-maija"},
              {"subject", {{"identity_code", people::kVeeti}}},
              {"purpose", "cw_assessment"},
              {"categories", {"school_attendance"}},
              {"justification", "Service-need assessment (LSL 26 §): school attendance"}};
  REQUIRE(gw.client("soite-lastensuojelu").post_json("/v1/decisions", req).status == 200);
}

RunResult verify(const fs::path& log, const std::string& vkey, std::vector<std::string> more) {
  std::vector<std::string> argv = {
      silta_binary().string(), "audit", "verify", "--dir", log.string(), "--vkey", vkey};
  argv.insert(argv.end(), more.begin(), more.end());
  return run_command(argv);
}

std::string saved(const TempDir& dir, const std::string& name, const std::string& note) {
  auto path = dir / name;
  REQUIRE(write_file_atomic(path, note, 0600));
  return path.string();
}

}  // namespace

TEST_CASE(
    "witnesses cosign the gateway's checkpoints, and refuse a rolled-back log, as verify does",
    "[witness][integration]") {
  TempDir tmp("silta-witnessed");
  auto keys = audit::generate_key_files(tmp / "gw-keys", "silta.test/gw-1");
  REQUIRE(keys);
  WitnessProcess w1("witness.test/w1", {{"silta.test/gw-1", keys->vkey}});
  WitnessProcess w2("witness.test/w2", {{"silta.test/gw-1", keys->vkey}});
  json patch = witnessed_gateway_config(*keys, {&w1, &w2}, 2);
  GatewayProcess gw(patch);
  fs::path log = gw.dir() / "data" / "audit";
  auto witness_flags = std::vector<std::string>{"--witness-key", w1.vkey(),  "--witness-key",
                                                w2.vkey(),       "--quorum", "2"};

  // Both witnesses follow the log; the served note carries both cosignatures.
  some_traffic(gw);
  json cp;
  REQUIRE(eventually([&] {
    cp = checkpoint(gw);
    return cp["witnessed"] == true && cp["size"].get<std::uint64_t>() > 0;
  }));
  CHECK(cp["cosignatures"] == 2);
  CHECK(cp["quorum"] == 2);
  REQUIRE(cp["witnesses"].size() == 2);
  for (const auto& w : cp["witnesses"]) {
    CHECK(w["state"] == "ok");
    CHECK(w["cosigned_size"].get<std::uint64_t>() >= cp["size"].get<std::uint64_t>());
  }
  auto first = saved(tmp, "first.note", cp["note"]);
  auto ok = verify(log, keys->vkey, {"--trusted-checkpoint", first});
  INFO(ok.output);
  CHECK(ok.status == 0);
  auto quorum_ok = verify(log, keys->vkey, [&] {
    std::vector<std::string> a{"--trusted-checkpoint", first};
    a.insert(a.end(), witness_flags.begin(), witness_flags.end());
    return a;
  }());
  INFO(quorum_ok.output);
  CHECK(quorum_ok.status == 0);

  // A backup of the log as it is now, then the log grows and is witnessed further.
  REQUIRE(gw.stop() == 0);
  fs::copy(log, tmp / "backup", fs::copy_options::recursive);
  auto backup_head = audit::latest_checkpoint(tmp / "backup");
  REQUIRE(backup_head);
  const std::uint64_t backup_size = backup_head->checkpoint.size;
  gw.start();
  for (int i = 0; i < 10; ++i) some_traffic(gw);
  REQUIRE(eventually([&] {
    cp = checkpoint(gw);
    return cp["witnessed"] == true && cp["size"].get<std::uint64_t>() > backup_size + 10;
  }));
  auto later = saved(tmp, "later.note", cp["note"]);
  REQUIRE(gw.stop() == 0);

  // The rollback: the older copy put back (and its index entries cleared, as the operator must
  // for the gateway to start at all).
  fs::remove_all(log);
  fs::copy(tmp / "backup", log, fs::copy_options::recursive);
  auto cleared = run_command({silta_binary().string(), "db", "clear-audit-index", "--store",
                              "sqlite:" + (gw.dir() / "data" / "silta.db").string(), "--origin",
                              "silta.test/gw-1"});
  INFO(cleared.output);
  REQUIRE(cleared.status == 0);
  gw.start();
  some_traffic(gw);
  // The witnesses refuse the shorter history: an alarm, and the gateway keeps serving. (Watched
  // on /metrics, which writes no audit record: the log must stay shorter than `later`.)
  REQUIRE(eventually([&] {
    auto metrics = gw.admin_get("/metrics").second;
    return metrics.find("silta_witness_alarm{witness=\"witness.test/w1\"} 1") !=
               std::string::npos &&
           metrics.find("silta_witness_alarm{witness=\"witness.test/w2\"} 1") != std::string::npos;
  }));
  CHECK(gw.process().log().find("witness_refused") != std::string::npos);
  cp = checkpoint(gw);
  CHECK(cp["witnessed"] == false);
  CHECK(cp["cosignatures"] == 0);
  for (const auto& w : cp["witnesses"]) {
    CHECK(w["state"] == "refusing");
    CHECK(w["last_error"].get<std::string>().find("roll") != std::string::npos);
  }

  // verify --quorum: the note the rolled-back gateway serves now has no cosignature...
  auto now_served = saved(tmp, "now.note", cp["note"]);
  std::vector<std::string> args{"--trusted-checkpoint", now_served};
  args.insert(args.end(), witness_flags.begin(), witness_flags.end());
  auto unwitnessed = verify(log, keys->vkey, args);
  INFO(unwitnessed.output);
  CHECK(unwitnessed.status == 1);
  CHECK(unwitnessed.output.find("cosigned by 0 of the 2 witnesses") != std::string::npos);
  // ...and the note kept before shows the rollback.
  args = {"--trusted-checkpoint", later};
  args.insert(args.end(), witness_flags.begin(), witness_flags.end());
  auto rolled_back = verify(log, keys->vkey, args);
  INFO(rolled_back.output);
  CHECK(rolled_back.status == 1);
  CHECK(rolled_back.output.find("rollback: the log has ") != std::string::npos);
}

TEST_CASE("a crash mid-write: the next start checks and signs what was left, with a record of it",
          "[witness][integration]") {
  // Checkpoints only at close: every record written before the crash is unsigned.
  GatewayProcess gw(
      json{{"audit", {{"checkpoint_every_ms", 3600000}, {"checkpoint_every_records", 1000000}}}});
  for (int i = 0; i < 3; ++i) some_traffic(gw);
  gw.kill();
  fs::path log = gw.dir() / "data" / "audit";
  std::string vkey = *read_file(gw.dir() / "keys" / "audit.vkey");
  vkey.pop_back();
  auto before = verify(log, vkey, {});
  INFO(before.output);
  CHECK(before.status == 0);
  CHECK(before.output.find("unsigned") != std::string::npos);
  CHECK(verify(log, vkey, {"--require-signed"}).status == 1);

  gw.start();
  CHECK(gw.process().log().find("audit_log_recovered") != std::string::npos);
  auto r =
      gw.client("soite-tietosuoja").get("/v1/audit/records?actor=po-1&event_type=log-recovered");
  REQUIRE(r.status == 200);
  auto records = r.json()["records"];
  REQUIRE(records.size() == 1);
  CHECK(records[0]["outcome"] == "recovered");
  CHECK(records[0]["recovered_records"].get<int>() >= 3);
  REQUIRE(gw.stop() == 0);
  auto after = verify(log, vkey, {"--require-signed"});
  INFO(after.output);
  CHECK(after.status == 0);
  CHECK(after.output.find("records left unsigned by a crash were checked and signed") !=
        std::string::npos);
}

namespace {

audit::Hash hash_of(const json& b64) {
  auto bytes = from_base64(b64.get<std::string>());
  REQUIRE(bytes);
  REQUIRE(bytes->size() == 32);
  audit::Hash h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

}  // namespace

TEST_CASE("receipts: what an agency's request wrote, and its inclusion proof for that agency only",
          "[witness][integration]") {
  GatewayProcess gw;
  json req = {{"target", "kokkola-perusopetus"},
              {"actor", "sw-maija"},
              {"subject", {{"identity_code", people::kVeeti}}},
              {"purpose", "cw_assessment"},
              {"categories", {"school_attendance"}},
              {"justification", "Service-need assessment (LSL 26 §): school attendance"}};
  auto answer = gw.client("soite-lastensuojelu").post_json("/v1/decisions", req);
  REQUIRE(answer.status == 200);
  auto audit_ref = answer.json()["audit"];
  REQUIRE(audit_ref["receipts"].size() == 1);
  auto receipt = audit_ref["receipts"][0];
  CHECK(receipt["origin"] == audit_ref["origin"]);
  CHECK(receipt["seq"] == audit_ref["decision_seq"]);
  const std::string seq = std::to_string(receipt["seq"].get<std::uint64_t>());

  HttpResult proof;
  REQUIRE(eventually([&] {
    proof = gw.client("soite-lastensuojelu").get("/v1/receipts/" + seq + "?actor=sw-maija");
    return proof.status != 409;  // not signed yet: within a checkpoint interval
  }));
  INFO(proof.body);
  REQUIRE(proof.status == 200);
  json p = proof.json();
  CHECK(p["leaf_hash"] == receipt["leaf_hash"]);
  // The note is the gateway's, its root is the proof's, and the path proves the receipt's leaf.
  auto vkey = audit::VerifierKey::load(gw.dir() / "keys" / "audit.vkey");
  REQUIRE(vkey);
  auto cp = vkey->open_checkpoint(p["checkpoint"]["note"].get<std::string>());
  REQUIRE(cp);
  CHECK(to_base64(cp->root) == p["proof"]["root"]);
  CHECK(cp->size == p["proof"]["size"].get<std::uint64_t>());
  std::vector<audit::Hash> path;
  for (const auto& h : p["proof"]["path"]) path.push_back(hash_of(h));
  CHECK(audit::verify_inclusion(hash_of(receipt["leaf_hash"]), std::stoull(seq), cp->size, path,
                                cp->root));
  // Nobody else's: another agency sees no such record; the privacy officer's role cannot ask.
  CHECK(gw.client("kokkola-perusopetus").get("/v1/receipts/" + seq + "?actor=x").status == 404);
  CHECK(gw.client("soite-lastensuojelu").get("/v1/receipts/99999?actor=sw-maija").status == 404);
  CHECK(gw.client("soite-lastensuojelu")
            .get("/v1/receipts/" + seq + "?actor=sw-maija&origin=another/gw")
            .status == 421);
  CHECK(gw.client("soite-tietosuoja").get("/v1/receipts/" + seq + "?actor=po-1").status == 403);
}
