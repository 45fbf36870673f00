// Adapter configuration: every type parsed, every problem reported with its JSON path.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include "adapters/config.h"
#include "common/files.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::adapters;
using nlohmann::json;

namespace {

const std::set<std::string> kAgencies = {"soite-lastensuojelu", "soite-mielenterveys",
                                         "kokkola-perusopetus", "pohjanmaa-poliisi"};

struct Files {
  test::TempDir dir{"silta-adapters-config"};
  Files() {
    std::ofstream(dir / "ca.pem") << "x";
    std::ofstream(dir / "client.pem") << "x";
    REQUIRE(write_secret_file(dir / "client.key", "x").ok());
    REQUIRE(write_file_atomic(dir / "open.key", "x", 0644).ok());
  }
};

std::map<std::string, std::string> by_path(const json_check::Issues& issues) {
  std::map<std::string, std::string> out;
  for (const auto& i : issues.list()) out[i.path] = i.message.en;
  return out;
}

}  // namespace

TEST_CASE("a config with demo, http and fhir adapters parses", "[adapters][config]") {
  Files f;
  json doc = {
      {"soite-lastensuojelu", {{"type", "demo"}}},
      {"kokkola-perusopetus",
       {{"type", "http"},
        {"url", "https://school-adapter.kokkola.example:8444/silta/"},
        {"tls", {{"ca", "ca.pem"}, {"certificate", "client.pem"}, {"private_key", "client.key"}}},
        {"timeout_ms", 3000},
        {"connect_timeout_ms", 500},
        {"pool", {{"max_idle", 4}, {"idle_timeout_ms", 20000}}},
        {"retry", {{"max_attempts", 2}, {"backoff_ms", 10}}},
        {"circuit_breaker", {{"failure_threshold", 3}, {"open_ms", 5000}}},
        {"max_response_bytes", 65536}}},
      {"soite-mielenterveys",
       {{"type", "fhir"},
        {"url", "https://[::1]:9443/fhir"},
        {"page_size", 20},
        {"mapping",
         {{"mh_diagnosis",
           {{{"resource", "Condition"}, {"params", {{"category", "encounter-diagnosis"}}}}}},
          {"mh_treatment_contacts", {{{"resource", "Encounter"}}, {{"resource", "EpisodeOfCare"}}}},
          {"identity_contact", {{{"resource", "Patient"}}}}}}}}};
  json_check::Issues issues;
  auto c = parse_adapters_config(doc, f.dir.path(), "/adapters", kAgencies, Millis(5000), issues);
  INFO(issues.format());
  REQUIRE(issues.empty());
  REQUIRE(c.by_agency.size() == 3);
  CHECK(c.by_agency.at("soite-lastensuojelu").type == AdapterType::kDemo);

  const auto& http = std::get<HttpSettings>(c.by_agency.at("kokkola-perusopetus").settings);
  CHECK(http.endpoint.url.host == "school-adapter.kokkola.example");
  CHECK(http.endpoint.url.port == 8444);
  CHECK(http.endpoint.url.path == "/silta");  // the trailing slash is dropped
  CHECK(*http.endpoint.tls.private_key == f.dir / "client.key");
  CHECK(http.endpoint.timeout == Millis(3000));
  CHECK(http.endpoint.max_idle_connections == 4);
  CHECK(http.endpoint.retry.max_attempts == 2);
  CHECK(http.endpoint.circuit.failure_threshold == 3);
  CHECK(http.endpoint.circuit.open_for == Millis(5000));

  const auto& fhir = std::get<FhirSettings>(c.by_agency.at("soite-mielenterveys").settings);
  CHECK(fhir.endpoint.url.host == "::1");
  CHECK(fhir.endpoint.url.authority() == "[::1]:9443");
  CHECK_FALSE(fhir.endpoint.tls.ca.has_value());  // defaults to the gateway's
  CHECK(fhir.page_size == 20);
  CHECK(fhir.mapping.at("mh_treatment_contacts").size() == 2);
  CHECK(fhir.mapping.at("mh_diagnosis")[0].params.at("category") == "encounter-diagnosis");
  CHECK(fhir.mapping.at("mh_diagnosis")[0].patient_param == "patient");
}

TEST_CASE("every problem in an adapter config is reported with its path", "[adapters][config]") {
  Files f;
  json doc = {{"unknown-agency", {{"type", "demo"}}},
              {"soite-lastensuojelu", {{"type", "carrier-pigeon"}, {"url", "whatever"}}},
              {"kokkola-perusopetus",
               {{"type", "http"},
                {"url", "http://school.example"},
                {"tls", {{"certificate", "client.pem"}, {"ca", "missing.pem"}}},
                {"timeout_ms", 0},
                {"retry", {{"max_attempts", 50}}},
                {"circuit_breaker", {{"open_sec", 5}}},
                {"typo", true}}},
              {"pohjanmaa-poliisi",
               {{"type", "http"},
                {"url", "https://police.example:8444"},
                {"tls", {{"certificate", "client.pem"}, {"private_key", "open.key"}}},
                {"timeout_ms", 1000},
                {"connect_timeout_ms", 2000}}},
              {"soite-mielenterveys",
               {{"type", "fhir"},
                {"url", "https://fhir.example/r4?x=1"},
                {"mapping",
                 {{"no_such_category", {{{"resource", "Condition"}}}},
                  {"mh_diagnosis",
                   {{{"resource", "Spaceship"}, {"params", {{"_count", "5"}, {"bad name", "x"}}}}}},
                  {"mh_therapy_notes", json::array()}}}}}};
  json_check::Issues issues;
  parse_adapters_config(doc, f.dir.path(), "/adapters", kAgencies, Millis(5000), issues);
  auto p = by_path(issues);
  INFO(issues.format());
  CHECK(p["/adapters/unknown-agency"] == "expected an agency id of the registry");
  CHECK(p["/adapters/soite-lastensuojelu/type"] == "expected one of demo, http, fhir");
  CHECK(p.count("/adapters/soite-lastensuojelu/url") == 0);  // not judged without a type
  CHECK(p["/adapters/kokkola-perusopetus/url"].find("https://") != std::string::npos);
  CHECK(p["/adapters/kokkola-perusopetus/tls"] == "expected certificate and private_key together");
  CHECK(p["/adapters/kokkola-perusopetus/tls/ca"].find("does not exist") != std::string::npos);
  CHECK(p.count("/adapters/kokkola-perusopetus/timeout_ms"));
  CHECK(p.count("/adapters/kokkola-perusopetus/retry/max_attempts"));
  CHECK(p["/adapters/kokkola-perusopetus/circuit_breaker/open_sec"] == "unknown key");
  CHECK(p["/adapters/kokkola-perusopetus/typo"] == "unknown key");
  CHECK(p["/adapters/pohjanmaa-poliisi/tls/private_key"].find("chmod 600") != std::string::npos);
  CHECK(p["/adapters/pohjanmaa-poliisi/connect_timeout_ms"] == "expected at most timeout_ms");
  CHECK(p.count("/adapters/soite-mielenterveys/url"));
  CHECK(p["/adapters/soite-mielenterveys/mapping/no_such_category"] ==
        "expected a catalog category id");
  CHECK(p["/adapters/soite-mielenterveys/mapping/mh_diagnosis/0/resource"].find("FHIR R4") !=
        std::string::npos);
  CHECK(p["/adapters/soite-mielenterveys/mapping/mh_diagnosis/0/params/_count"] ==
        "set by the adapter (page_size, the patient reference)");
  CHECK(p.count("/adapters/soite-mielenterveys/mapping/mh_diagnosis/0/params/bad name"));
  CHECK(p["/adapters/soite-mielenterveys/mapping/mh_therapy_notes"] ==
        "expected at least one search");
}

TEST_CASE("the adapters section must be an object of objects", "[adapters][config]") {
  json_check::Issues issues;
  parse_adapters_config(json::array(), ".", "/adapters", kAgencies, Millis(5000), issues);
  REQUIRE(issues.list().size() == 1);
  CHECK(issues.list()[0].path == "/adapters");

  json_check::Issues more;
  parse_adapters_config({{"soite-lastensuojelu", "demo"}, {"kokkola-perusopetus", json::object()}},
                        ".", "/adapters", kAgencies, Millis(5000), more);
  auto p = by_path(more);
  CHECK(p["/adapters/soite-lastensuojelu"] == "expected an object");
  CHECK(p["/adapters/kokkola-perusopetus/type"] == "required: a string");
}

TEST_CASE("one timeout rule: an adapter's timeout_ms, else the gateway's default",
          "[adapters][config]") {
  json doc = {{"soite-lastensuojelu", {{"type", "demo"}}},
              {"kokkola-perusopetus",
               {{"type", "http"}, {"url", "https://a.example:8444"}, {"timeout_ms", 3000}}},
              {"pohjanmaa-poliisi", {{"type", "http"}, {"url", "https://b.example:8444"}}}};
  json_check::Issues issues;
  auto c = parse_adapters_config(doc, ".", "/adapters", kAgencies, Millis(7000), issues);
  INFO(issues.format());
  REQUIRE(issues.empty());
  CHECK(c.timeout_of("kokkola-perusopetus") == Millis(3000));  // its own, shorter
  CHECK(c.timeout_of("pohjanmaa-poliisi") == Millis(7000));    // none set: the default
  CHECK(std::get<HttpSettings>(c.by_agency.at("pohjanmaa-poliisi").settings).endpoint.timeout ==
        Millis(7000));                                         // and its endpoint uses the same
  CHECK(c.timeout_of("soite-lastensuojelu") == Millis(7000));  // demo
  CHECK(c.timeout_of("no-such-agency") == Millis(7000));
  CHECK(c.longest_timeout() == Millis(7000));

  doc["kokkola-perusopetus"]["timeout_ms"] = 20000;  // longer than the default: it wins too
  json_check::Issues more;
  c = parse_adapters_config(doc, ".", "/adapters", kAgencies, Millis(7000), more);
  REQUIRE(more.empty());
  CHECK(c.timeout_of("kokkola-perusopetus") == Millis(20000));
  CHECK(c.longest_timeout() == Millis(20000));
}

TEST_CASE("https URLs are parsed strictly", "[adapters][url]") {
  auto u = parse_https_url("https://Adapter.Example:8444/a/b/", false);
  REQUIRE(u);
  CHECK(u->host == "Adapter.Example");
  CHECK(u->port == 8444);
  CHECK(u->path == "/a/b");
  CHECK_FALSE(u->host_is_ip());
  auto ip = parse_https_url("https://127.0.0.1", false);
  REQUIRE(ip);
  CHECK(ip->port == 443);
  CHECK(ip->host_is_ip());
  CHECK(ip->authority() == "127.0.0.1");
  auto link = parse_https_url("https://h:1/fhir/Condition?patient=Patient%2F1&_page=2", true);
  REQUIRE(link);
  CHECK(link->target() == "/fhir/Condition?patient=Patient%2F1&_page=2");
  for (const char* bad :
       {"http://h", "https://", "https://h:0", "https://h:65536", "https://h:x", "https://u@h",
        "https://h/#frag", "https://h/a b", "https://[::1", "https://h?q=1", "ftp://h"}) {
    INFO(bad);
    CHECK_FALSE(parse_https_url(bad, false));
  }
  CHECK(url_encode("urn:oid:1.2.246.21|010180+950R") == "urn%3Aoid%3A1.2.246.21%7C010180%2B950R");
}
