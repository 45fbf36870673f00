// The console's own check of the audit log (console/src/verify.js), run by Node.js on what a
// real gateway answers over mutual TLS: checkpoints, records, inclusion and consistency proofs.
// tests/console/verify_test.mjs checks that the genuine data verifies and that every tampered
// variant (a record, a proof, a root, a signature, a key, a rolled-back log, a witness's
// cosignature) does not. A real witness (`silta witness serve`) cosigns the checkpoints.
#include <catch2/catch.hpp>
#include <fstream>

#include "tests/support/gateway_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/witness_process.h"

using namespace silta;

namespace {

// The latest checkpoint the witness has cosigned, once it covers at least `size` records.
nlohmann::json checkpoint_covering(test::TlsClient& po, std::uint64_t size) {
  nlohmann::json cp;
  REQUIRE(test::eventually([&] {
    cp = po.get("/v1/audit/checkpoint?actor=t").json();
    return cp.value("witnessed", false) && cp.value("size", std::uint64_t{0}) >= size;
  }));
  return cp;
}

}  // namespace

TEST_CASE("the console's in-browser verification accepts the genuine log and refuses tampering",
          "[console][verify]") {
  auto node = test::find_program("node");
  REQUIRE(node.has_value());
  test::WitnessedGateway witnessed("silta.test/gw-1");
  auto& gw = witnessed.gateway();
  auto po = gw.client("soite-tietosuoja");
  // Every read of the audit log is itself a record: these make the log grow.
  auto first = checkpoint_covering(po, 3);
  for (int i = 0; i < 4; ++i) REQUIRE(po.get("/v1/audit/checkpoint?actor=t").status == 200);
  auto second = checkpoint_covering(po, first["size"].get<std::uint64_t>() + 4);
  const auto size = second["size"].get<std::uint64_t>();

  auto page = po.get("/v1/audit/records?actor=t&limit=100").json();
  nlohmann::json records = nlohmann::json::array();
  nlohmann::json inclusion = nlohmann::json::array();
  for (const auto& r : page["records"]) {
    if (r["seq"].get<std::uint64_t>() >= size) continue;
    records.push_back(r);
    auto proof =
        po.get("/v1/audit/proofs/inclusion?actor=t&index=" +
               std::to_string(r["seq"].get<std::uint64_t>()) + "&size=" + std::to_string(size));
    REQUIRE(proof.status == 200);
    inclusion.push_back(proof.json());
  }
  REQUIRE(records.size() >= 5);
  auto consistency =
      po.get("/v1/audit/proofs/consistency?actor=t&from=" +
             std::to_string(first["size"].get<std::uint64_t>()) + "&to=" + std::to_string(size));
  REQUIRE(consistency.status == 200);

  test::TempDir work("silta-verify");
  std::ofstream(work / "log.json") << nlohmann::json{
      {"first", first},
      {"second", second},
      {"records", records},
      {"inclusion", inclusion},
      {"consistency", consistency.json()}}.dump();
  auto run = test::run_command(
      {node->string(), (test::source_dir() / "tests/console/verify_test.mjs").string(),
       (test::source_dir() / "console/src").string(), (work / "log.json").string()});
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK(run.output.find("tampered variants refused") != std::string::npos);
}
