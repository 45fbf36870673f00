// What an operator watches, on a real `silta serve`: /ready stays 200 but says "degraded" while an
// agency system's circuit is open (every other agency is still served), and /metrics has the
// gauges the shipped alert rules (packaging/prometheus/silta.rules.yml) use.
#include <catch2/catch.hpp>

#include <regex>

#include "audit/segment.h"
#include "common/time.h"
#include "tests/support/demo_requests.h"
#include "tests/support/gateway_process.h"
#include "tests/support/https_test_server.h"
#include "tests/support/process.h"

using namespace silta;
using namespace silta::test;
using nlohmann::json;

namespace {

// The value of the first sample `name{labels}` in a Prometheus text exposition, or nullopt.
std::optional<double> sample(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE(
    "/ready is degraded, not unready, while an agency system's circuit is open, and the "
    "alerting gauges are exported",
    "[operations][ready][metrics]") {
  HttpsTestServer school([](const TestRequest&) { return TestResponse::json(200, "{}"); });
  school.set_dead(true);  // accepts TCP connections and closes them: a crashed system
  json patch = {{"adapters",
                 {{"kokkola-perusopetus",
                   {{"type", "http"},
                    {"url", school.url()},
                    {"timeout_ms", 2000},
                    {"retry", {{"max_attempts", 1}}},
                    {"circuit_breaker", {{"failure_threshold", 1}, {"open_ms", 600000}}}}}}},
                {"referrals", {{"metrics_interval_ms", 100}}}};
  GatewayProcess gw(patch);

  auto [status, body] = gw.admin_get("/ready");
  REQUIRE(status == 200);
  auto ready = json::parse(body);
  CHECK(ready["status"] == "ready");
  CHECK(ready["checks"]["audit_log"] == "ok");
  CHECK(ready["checks"]["store"] == "ok");
  CHECK(ready["checks"]["adapters"]["kokkola-perusopetus"] == "ok");

  auto r = gw.client("pohjanmaa-poliisi")
               .post_json("/v1/exchanges", police_investigation("050912A931L"));
  INFO(r.body);
  REQUIRE(r.status == 502);

  std::tie(status, body) = gw.admin_get("/ready");
  CHECK(status == 200);
  ready = json::parse(body);
  CHECK(ready["status"] == "degraded");
  CHECK(ready["checks"]["adapters"]["kokkola-perusopetus"] == "circuit_open");
  // Other agencies are still served: a demo agency answers.
  auto ok = gw.client("soite-lastensuojelu").get("/v1/whoami");
  CHECK(ok.status == 200);

  auto [mstatus, metrics] = gw.admin_get("/metrics");
  REQUIRE(mstatus == 200);
  INFO(metrics);
  CHECK(sample(metrics, "silta_adapter_circuit_open{agency=\"kokkola-perusopetus\"}") == 1.0);
  CHECK(sample(metrics, "silta_ready") == 1.0);
  CHECK(sample(metrics, "silta_store_available") == 1.0);
  CHECK(sample(metrics, "silta_audit_failed") == 0.0);
  const double now = std::chrono::duration<double>(now_utc().time_since_epoch()).count();
  auto gateway_expiry =
      sample(metrics, "silta_certificate_expiry_timestamp_seconds{certificate=\"gateway\"}");
  REQUIRE(gateway_expiry.has_value());
  CHECK(*gateway_expiry > now);
  CHECK(sample(metrics, "silta_certificate_expiry_timestamp_seconds{certificate=\"client_ca\"}")
            .value_or(0) > now);
  for (const char* agency : {"pohjanmaa-poliisi", "soite-lastensuojelu"}) {
    INFO(agency);
    CHECK(
        sample(metrics, std::string("silta_agency_certificate_expiry_timestamp_seconds{agency=\"") +
                            agency + "\"}")
            .value_or(0) > now);
  }
  // What SiltaReloadFailed reads: from 0, so that the first failure is an increase.
  for (const char* what : {"tls", "registry", "catalog"}) {
    INFO(what);
    CHECK(sample(metrics, std::string("silta_reload_failures_total{what=\"") + what + "\"}") ==
          0.0);
  }
  // What SiltaWitnessBehind compares the witnesses with: the exchange's records get signed.
  CHECK(eventually([&] {
    return sample(gw.admin_get("/metrics").second, "silta_audit_checkpoint_size").value_or(0) >=
           1.0;
  }));
  // The store's gauges come with the first refresh.
  REQUIRE(eventually([&] {
    return sample(gw.admin_get("/metrics").second, "silta_break_glass_reviews_overdue").has_value();
  }));
  CHECK(sample(gw.admin_get("/metrics").second, "silta_break_glass_reviews_overdue") == 0.0);
}

TEST_CASE(
    "the gateway starts with audit.archive_dir, reads the archived segments as the start of its "
    "log and writes on",
    "[operations][archive]") {
  TempDir tmp("silta-archive-gw");
  const auto archive = tmp / "archive";  // made by the first `silta audit archive`
  GatewayProcess gw(json{{"audit",
                          {{"archive_dir", archive.string()},
                           {"segment_bytes", 4096},
                           {"checkpoint_every_records", 4}}}});
  auto client = gw.client("soite-lastensuojelu");
  for (int i = 0; i < 12; ++i) {
    auto r = client.post_json("/v1/exchanges", attendance_request());
    INFO(r.body);
    REQUIRE(r.status == 200);
  }
  REQUIRE(gw.stop() == 0);

  const auto log = gw.dir() / "data" / "audit";
  const std::string vkey = (gw.dir() / "keys" / "audit.vkey").string();
  const std::string silta = silta_binary().string();
  auto moved = run_command({silta, "audit", "archive", "--dir", log.string(), "--archive",
                            archive.string(), "--vkey", vkey, "--keep-segments", "1"});
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  // The first record still in the log directory: every one before it is in the archive only.
  std::uint64_t first_live = UINT64_MAX;
  for (const auto& entry : std::filesystem::directory_iterator(log)) {
    if (auto first = audit::parse_segment_file_name(entry.path().filename().string())) {
      first_live = std::min(first_live, *first);
    }
  }
  REQUIRE(first_live > 0);
  REQUIRE(first_live != UINT64_MAX);
  // The index is derived data: cleared, the gateway indexes its log again from the archive on.
  auto cleared = run_command({silta, "db", "clear-audit-index", "--store",
                              "sqlite:" + (gw.dir() / "data" / "silta.db").string(), "--origin",
                              "silta-test"});
  INFO(cleared.output);
  REQUIRE(cleared.status == 0);

  gw.start();
  CHECK(gw.admin_get("/ready").first == 200);
  auto officer = gw.client("soite-tietosuoja");
  auto found = officer.get("/v1/audit/records?actor=po-1&agency=soite-lastensuojelu&limit=1000");
  INFO(found.body);
  REQUIRE(found.status == 200);
  const json body = found.json();
  const json& records = body["records"];
  CHECK(records.size() == 24);  // 12 exchanges: a decision and a disclosure each
  std::uint64_t archived = 0;
  for (const auto& r : records) archived += r["seq"].get<std::uint64_t>() < first_live;
  CHECK(archived > 0);
  // It writes on after the archived records.
  CHECK(gw.client("soite-lastensuojelu").post_json("/v1/exchanges", attendance_request()).status ==
        200);
  REQUIRE(gw.stop() == 0);

  auto verified = run_command({silta, "audit", "verify", "--dir", log.string(), "--archive",
                               archive.string(), "--vkey", vkey, "--require-signed"});
  INFO(verified.output);
  CHECK(verified.status == 0);
  auto alone = run_command({silta, "audit", "verify", "--dir", log.string(), "--vkey", vkey});
  CHECK(alone.status == 1);
}
