// The privacy officer's console end to end in a real browser: Debian's chromium driven by
// tests/e2e/console.mjs (playwright-core, pinned in package.json), presenting the privacy
// officer's client certificate to a real gateway that holds a child's exchanges. Needs node,
// chromium and node_modules (scripts/install-deps): without them the test fails, saying so.
// SILTA_CONSOLE_SCREENSHOTS=<dir> keeps screenshots of the screens (for the guide).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "tests/support/demo_people.h"
#include "tests/support/demo_requests.h"
#include "tests/support/gateway_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/witness_process.h"

using namespace silta;

TEST_CASE(
    "console in a real browser: search, filters, export, proof, report, charts, review, keyboard",
    "[console][e2e]") {
  auto node = test::find_program("node");
  auto chromium = test::find_program("chromium");
  INFO(
      "the browser test needs node and chromium (Debian packages) and the npm packages: run "
      "scripts/install-deps");
  REQUIRE(node.has_value());
  REQUIRE(chromium.has_value());
  REQUIRE(std::filesystem::exists(test::source_dir() / "node_modules" / "playwright-core"));

  // A gateway whose checkpoints a real witness cosigns (docs/witness.md).
  test::WitnessedGateway witnessed("silta-test");
  auto& gw = witnessed.gateway();
  // A child's case: the school's attendance asked and given (a decision and a disclosure), and
  // the same asked without the case reference the basis requires (a denied decision).
  auto cw = gw.client("soite-lastensuojelu");
  const auto asked = test::attendance_request(test::people::kVeeti);
  REQUIRE(cw.post_json("/v1/exchanges", asked).status == 200);
  auto without_case = asked;
  without_case.erase("case_reference");
  auto denied = cw.post_json("/v1/decisions", without_case);
  REQUIRE(denied.status == 200);
  REQUIRE(denied.json()["decision"]["outcome"] == "denied");
  // An emergency disclosure to the police (ATL 62 §): a break-glass access for the review queue.
  nlohmann::json threat = {
      {"direction", "push"},
      {"target", "pohjanmaa-poliisi"},
      {"actor", "sw-maija"},
      {"subject", {{"identity_code", test::people::kJuha}}},
      {"purpose", "threat_prevention"},
      {"categories", {"threat_info"}},
      {"break_glass", true},
      {"justification", "The father said he will hurt the class teacher tomorrow at the gate"},
      {"data", {{"threat_info", {{{"threat", "to hurt the class teacher"}}}}}}};
  auto urgent = cw.post_json("/v1/exchanges", threat);
  REQUIRE(urgent.status == 200);
  // The witness has cosigned a checkpoint that covers all of it, so that the browser checks a
  // record against a witnessed checkpoint at once.
  const auto last = urgent.json()["audit"]["disclosure_seq"].get<std::uint64_t>();
  auto officer = gw.client("soite-tietosuoja");
  REQUIRE(test::eventually([&] {
    auto cp = officer.get("/v1/audit/checkpoint?actor=check").json();
    return cp.value("witnessed", false) && cp.value("size", std::uint64_t{0}) > last;
  }));

  // The acting official's records, counted over the whole log (the API's acted_by filter must
  // find just these, and so must the console).
  const std::string official = "sw-maija";
  auto everything = officer.get("/v1/audit/records?actor=check&limit=1000").json()["records"];
  const auto by_official = std::ranges::count_if(
      everything, [&](const nlohmann::json& r) { return r.value("actor", "") == official; });
  // The exchange (its decision and disclosure), the denied decision, the emergency access (its
  // break-glass record and disclosure).
  REQUIRE(by_official >= 5);
  REQUIRE(static_cast<std::size_t>(by_official) < everything.size());
  auto filtered = officer.get("/v1/audit/records?actor=check&acted_by=" + official).json();
  CHECK(filtered["records"].size() == static_cast<std::size_t>(by_official));

  test::TempDir work("silta-console-e2e");
  const char* screenshots = std::getenv("SILTA_CONSOLE_SCREENSHOTS");
  nlohmann::json params = {
      {"origin", "https://127.0.0.1:" + std::to_string(gw.port())},
      {"certs", test::certs_dir().string()},
      {"chromium", chromium->string()},
      {"subject", test::people::kVeeti},
      {"other", test::people::kAada},
      {"case_reference", asked["case_reference"]},
      {"acted_by", official},
      {"acted_by_count", by_official},
  };
  if (screenshots != nullptr) params["screenshots"] = screenshots;
  std::ofstream(work / "params.json") << params.dump();
  // Playwright checks the gateway's certificate against the federation's root.
  ::setenv("NODE_EXTRA_CA_CERTS", (test::certs_dir() / "root-ca.pem").c_str(), 1);
  auto run =
      test::run_command({node->string(), (test::source_dir() / "tests/e2e/console.mjs").string(),
                         (work / "params.json").string()},
                        std::chrono::seconds(180));
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK(run.output.find("console e2e: all steps passed") != std::string::npos);

  // The review made in the browser, as the API sees it: under the person of the personal
  // certificate the browser presented. A new connection: the browser's run may outlast the
  // gateway's idle timeout for `officer`'s.
  auto reviewed =
      gw.client("soite-tietosuoja").get("/v1/audit/break-glass?actor=check&state=reviewed").json();
  REQUIRE(reviewed["reviews"].size() == 1);
  CHECK(reviewed["reviews"][0]["review"]["verdict"] == "justified");
  CHECK(reviewed["reviews"][0]["review"]["reviewer"] == "liisa.laine");
  // The referral deadlines screen read twice, each read audited.
  auto reads = gw.client("soite-tietosuoja")
                   .get("/v1/audit/records?actor=check&event_type=audit-read&limit=1000")
                   .json();
  CHECK(std::ranges::count_if(reads["records"], [](const nlohmann::json& r) {
          return r.value("reference", "") == "referrals" && r.value("actor", "") == "liisa.laine";
        }) == 2);
}
