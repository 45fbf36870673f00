#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "gateway/config.h"
#include "gateway/http/tls.h"
#include "tests/support/gateway_process.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::gateway;
using nlohmann::json;

namespace {
std::map<std::string, std::string> issues_by_path(const json& doc) {
  json_check::Issues issues;
  parse_config(doc, "/", issues);
  std::map<std::string, std::string> by_path;
  for (const auto& i : issues.list()) by_path[i.path] = i.message.en;
  return by_path;
}
}  // namespace

TEST_CASE("the test config is valid and gets the documented defaults", "[config]") {
  test::TempDir dir;
  json doc = test::gateway_test_config(dir.path());
  json_check::Issues issues;
  Config c = parse_config(doc, dir.path(), issues);
  INFO(issues.format());
  REQUIRE(issues.empty());
  CHECK(c.limits.max_header_bytes == 8192);
  CHECK(c.limits.max_body_bytes == 1048576);
  CHECK(c.limits.max_header_fields == 100);
  CHECK(c.limits.max_connections == 10000);
  CHECK(c.limits.reserved_connections == 1000);
  CHECK(c.limits.max_connections_per_address == 64);
  CHECK(c.auth_failures.summary_interval == Millis(60000));
  CHECK(c.timeouts.handshake == Millis(5000));
  CHECK(c.timeouts.read == Millis(30000));
  CHECK(c.timeouts.idle == Millis(60000));
  CHECK_FALSE(c.tls.allow_tls12);
  CHECK(c.registry.find("soite-lastensuojelu") != nullptr);
}

TEST_CASE("config check reports every kind of error with its path", "[config]") {
  test::TempDir dir;
  json doc = test::gateway_test_config(dir.path());
  doc["listen"]["port"] = 70000;
  doc["listen"]["address"] = "not-an-ip";
  doc["admin"]["address"] = "0.0.0.0";
  doc["tls"]["certificate"] = (dir / "missing.pem").string();
  doc["tls"].erase("client_ca");
  doc["limits"] = {{"max_body_bytes", "big"}};
  doc["timeouts"] = {{"idle_ms", 0}};
  doc["log"] = {{"format", "xml"}, {"level", "loud"}};
  doc["threads"] = -1;
  doc["unknown_section"] = {};
  auto by_path = issues_by_path(doc);
  CHECK(by_path["/listen/port"] == "expected an integer from 0 to 65535");
  CHECK(by_path["/listen/address"] == "expected an IPv4 or IPv6 address");
  CHECK(by_path["/admin/address"].find("loopback") != std::string::npos);
  CHECK(by_path["/tls/certificate"].find("missing.pem does not exist") != std::string::npos);
  CHECK(by_path["/tls/client_ca"] == "required: a string");
  CHECK(by_path["/limits/max_body_bytes"] == "expected an integer from 0 to 67108864");
  CHECK(by_path["/timeouts/idle_ms"] == "expected an integer from 1 to 86400000");
  CHECK(by_path["/log/format"] == "expected \"text\" or \"json\"");
  CHECK(by_path["/log/level"] == "expected one of trace, debug, info, warn, error");
  CHECK(by_path["/threads"] == "expected an integer from 0 to 256");
  CHECK(by_path["/unknown_section"] == "unknown key");
  CHECK(by_path.size() == 11);
}

TEST_CASE("language and controller: defaults, both forms of the name, and every mistake",
          "[config][language]") {
  test::TempDir dir;
  json doc = test::gateway_test_config(dir.path());
  json_check::Issues issues;
  Config c = parse_config(doc, dir.path(), issues);
  REQUIRE(issues.empty());
  CHECK(c.language == Lang::kFi);
  CHECK_FALSE(c.controller.has_value());
  bool warned = false;
  for (const auto& w : c.warnings) warned = warned || w.find("controller") != std::string::npos;
  CHECK(warned);

  doc["language"] = "sv";
  doc["controller"] = {{"name", "Soite"},
                       {"privacy_officer",
                        {{"email", "tietosuoja@soite.example"},
                         {"phone", "+358 6 828 7000"},
                         {"address", "Mariankatu 16-20, 67200 Kokkola"}}}};
  c = parse_config(doc, dir.path(), issues);
  REQUIRE(issues.empty());
  CHECK(c.language == Lang::kSv);
  REQUIRE(c.controller.has_value());
  CHECK(c.controller->name.sv == "Soite");
  CHECK(c.controller->name.en == "Soite");
  CHECK(c.controller->phone == "+358 6 828 7000");

  doc["controller"]["name"] = {
      {"fi", "Hyvinvointialue"}, {"sv", "Välfärdsområdet"}, {"en", "County"}};
  c = parse_config(doc, dir.path(), issues);
  REQUIRE(issues.empty());
  CHECK(c.controller->name.in(Lang::kSv) == "Välfärdsområdet");

  doc["language"] = "de";
  doc["controller"] = {{"name", {{"fi", "Hyvinvointialue"}, {"sv", ""}, {"xx", "y"}}},
                       {"privacy_officer", {{"email", "not an address"}, {"fax", "1"}}}};
  auto by_path = issues_by_path(doc);
  CHECK(by_path["/language"] == "expected \"fi\", \"sv\" or \"en\"");
  CHECK(by_path.count("/controller/name/sv") == 1);
  CHECK(by_path.count("/controller/name/en") == 1);
  CHECK(by_path["/controller/name/xx"] == "unknown key");
  CHECK(by_path["/controller/privacy_officer/email"].find("e-mail") != std::string::npos);
  CHECK(by_path["/controller/privacy_officer/fax"] == "unknown key");
  doc["controller"] = {{"name", "Soite"}};
  CHECK(issues_by_path(doc)["/controller/privacy_officer"] == "required: an object");
}

TEST_CASE("missing required sections are each reported", "[config]") {
  auto by_path = issues_by_path(json::object());
  CHECK(by_path["/tls"] == "required: an object");
  CHECK(by_path["/registry"] == "required: a string");
  CHECK(by_path["/data_dir"] == "required: a string");
  CHECK(by_path["/catalog"] == "required: a string");
  CHECK(by_path["/audit"] == "required: an object");
}

TEST_CASE("the module sections are checked with their paths", "[config]") {
  test::TempDir dir;
  json doc = test::gateway_test_config(dir.path());
  doc["catalog"] = (dir / "no-catalog").string();
  doc["audit"]["signing_key"] = (dir / "missing.key").string();
  doc["store"] = {{"url", "mysql://nope"}};
  doc["adapters"]["unknown-agency"] = {{"type", "demo"}};
  doc["exchange"] = {{"adapter_timeout_ms", 0}, {"surprise", 1}};
  auto by_path = issues_by_path(doc);
  CHECK(by_path["/catalog"].find("not one") != std::string::npos);
  CHECK(by_path.count("/audit/signing_key"));
  CHECK(by_path.count("/store/url"));
  CHECK(by_path.count("/adapters/unknown-agency"));
  CHECK(by_path["/exchange/adapter_timeout_ms"] == "expected an integer from 1 to 86400000");
  CHECK(by_path["/exchange/surprise"] == "unknown key");
}

TEST_CASE("the referrals section has defaults and is checked", "[config]") {
  test::TempDir dir;
  json doc = test::gateway_test_config(dir.path());
  json_check::Issues issues;
  Config c = parse_config(doc, dir.path(), issues);
  REQUIRE(issues.empty());
  CHECK(c.referrals.worker);
  CHECK(c.referrals.max_attempts == 24);
  CHECK(c.referrals.lease > c.exchange.adapter_timeout);

  doc["referrals"] = {{"max_attempts", 0},
                      {"backoff_initial_ms", 5000},
                      {"backoff_max_ms", 1000},
                      {"lease_ms", 5000},
                      {"retries", 3}};
  auto by_path = issues_by_path(doc);
  CHECK(by_path["/referrals/max_attempts"] == "expected an integer from 1 to 1000");
  CHECK(by_path["/referrals/backoff_max_ms"] == "expected at least backoff_initial_ms");
  CHECK(by_path["/referrals/lease_ms"].find("adapter_timeout_ms") != std::string::npos);
  CHECK(by_path["/referrals/retries"] == "unknown key");
}

TEST_CASE("a non-loopback admin address is allowed only deliberately", "[config]") {
  test::TempDir dir;
  json doc = test::gateway_test_config(dir.path());
  doc["admin"] = {{"address", "0.0.0.0"}, {"port", 0}, {"allow_remote", true}};
  CHECK(issues_by_path(doc).empty());
}

TEST_CASE("a private key readable by others is refused", "[config]") {
  test::TempDir dir;
  auto key = dir / "key.pem";
  std::filesystem::copy_file(test::certs_dir() / "gateway.key", key);
  ::chmod(key.c_str(), 0644);
  json doc = test::gateway_test_config(dir.path());
  doc["tls"]["private_key"] = key.string();
  auto by_path = issues_by_path(doc);
  CHECK(by_path["/tls/private_key"].find("mode 0644") != std::string::npos);
}

TEST_CASE("registry problems are reported with the registry file's name", "[config]") {
  test::TempDir dir;
  std::ofstream(dir / "registry.json") << R"({"agencies": [{"id": "x"}]})";
  json doc = test::gateway_test_config(dir.path());
  doc["registry"] = "registry.json";  // relative to the config's directory
  doc.erase("adapters");              // they name agencies this registry lacks
  json_check::Issues issues;
  parse_config(doc, dir.path(), issues);
  REQUIRE_FALSE(issues.empty());
  for (const auto& i : issues.list()) {
    CHECK(i.path == "/registry");
    CHECK(i.message.en.rfind("registry.json /agencies/0/", 0) == 0);
  }
}

TEST_CASE("load_config names the file and refuses invalid JSON", "[config]") {
  test::TempDir dir;
  std::ofstream(dir / "bad.json") << "{ not json";
  std::string report;
  CHECK_FALSE(load_config(dir / "bad.json", report).has_value());
  CHECK(report.find("bad.json: not valid JSON") != std::string::npos);
}

TEST_CASE("a number too large for a double is a clear error, not a crash", "[config]") {
  test::TempDir dir;
  std::ofstream(dir / "big.json") << R"({"threads": 1e999})";
  std::string report;
  CHECK_FALSE(load_config(dir / "big.json", report).has_value());
  CHECK(report.find("big.json: not valid JSON") != std::string::npos);
}

TEST_CASE("limits that cannot work are refused", "[config][limits]") {
  test::TempDir dir;
  json doc = test::gateway_test_config(dir.path());
  // Beast throws on a header field of 65534 bytes or more: the header limit stops below it.
  doc["limits"] = {{"max_header_bytes", 65536},
                   {"max_connections", 100},
                   {"reserved_connections", 100},
                   {"max_header_fields", 0}};
  auto by_path = issues_by_path(doc);
  CHECK(by_path["/limits/max_header_bytes"] == "expected an integer from 1024 to 65535");
  CHECK(by_path["/limits/reserved_connections"].find("fewer than max_connections") !=
        std::string::npos);
  CHECK(by_path["/limits/max_header_fields"] == "expected an integer from 1 to 1000");

  doc["limits"] = {{"max_header_bytes", 65535}, {"max_connections", 100}};
  json_check::Issues issues;
  Config c = parse_config(doc, dir.path(), issues);
  INFO(issues.format());
  CHECK(issues.empty());
  CHECK(c.limits.reserved_connections == 10);  // a tenth of max_connections by default
}

namespace {

// The issues of the test config with tls.client_intermediates set to `file` of the test PKI.
std::map<std::string, std::string> with_intermediates(const std::string& file) {
  test::TempDir dir;
  json doc = test::gateway_test_config(dir.path());
  doc["tls"]["client_intermediates"] = (test::certs_dir() / file).string();
  return issues_by_path(doc);
}

}  // namespace

TEST_CASE("config check validates each intermediate CA and names the bad one",
          "[config][intermediates]") {
  CHECK(with_intermediates("intermediates.pem").empty());
  auto expired = with_intermediates("expired-issuing-ca.pem")["/tls/client_intermediates"];
  CHECK(expired.find("expired-issuing-ca") != std::string::npos);
  CHECK(expired.find("expired") != std::string::npos);
  auto revoked = with_intermediates("revoked-issuing-ca.pem")["/tls/client_intermediates"];
  CHECK(revoked.find("revoked-issuing-ca") != std::string::npos);
  CHECK(revoked.find("revoked") != std::string::npos);
  auto other = with_intermediates("other-root-issuing-ca.pem")["/tls/client_intermediates"];
  CHECK(other.find("other-root-issuing-ca") != std::string::npos);
  CHECK(other.find("does not chain to a root CA of tls.client_ca") != std::string::npos);
  auto leaf = with_intermediates("soite-lastensuojelu.pem")["/tls/client_intermediates"];
  CHECK(leaf.find("is not a CA certificate") != std::string::npos);
  auto root = with_intermediates("root-ca.pem")["/tls/client_intermediates"];
  CHECK(root.find("self-signed") != std::string::npos);
  auto none = with_intermediates("registry.json")["/tls/client_intermediates"];
  CHECK(none.find("holds none") != std::string::npos);
}

TEST_CASE("an intermediate without its CRL is refused when CRLs are checked",
          "[config][intermediates]") {
  test::TempDir dir;
  json doc = test::gateway_test_config(dir.path());
  doc["tls"]["client_intermediates"] = (test::certs_dir() / "intermediates.pem").string();
  // Only the root's CRL (the second of crl.pem): the issuing CA's is missing.
  std::ifstream in(test::certs_dir() / "crl.pem");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string begin = "-----BEGIN X509 CRL-----";
  auto second = all.find(begin, 1);
  auto third = all.find(begin, second + 1);
  REQUIRE(third != std::string::npos);
  std::ofstream(dir / "root-crl.pem") << all.substr(second, third - second);
  doc["tls"]["crl"] = (dir / "root-crl.pem").string();
  auto by_path = issues_by_path(doc);
  CHECK(by_path["/tls/client_intermediates"].find("has no CRL in tls.crl") != std::string::npos);
}

TEST_CASE("a CRL near or past its nextUpdate is a warning", "[config][crl]") {
  TlsConfig tls;
  tls.client_ca = test::certs_dir() / "root-ca.pem";
  tls.crl = test::certs_dir() / "crl.pem";
  auto crls = read_crl_info(*tls.crl);
  REQUIRE(crls.size() == 4);
  REQUIRE(crls[0].next_update);
  const SysTime next = *crls[0].next_update;
  auto warnings_at = [&](SysTime now) {
    json_check::Issues issues;
    std::vector<std::string> warnings;
    check_tls_files(tls, now, issues, warnings);
    CHECK(issues.empty());
    return warnings;
  };
  CHECK(warnings_at(next - std::chrono::hours(24 * 30)).empty());
  auto near = warnings_at(next - std::chrono::hours(24));
  REQUIRE(near.size() == 4);  // every CRL of the demo PKI has the same nextUpdate
  CHECK(near[0].find("refresh it before then") != std::string::npos);
  auto past = warnings_at(next + std::chrono::hours(1));
  REQUIRE_FALSE(past.empty());
  CHECK(past[0].find("past its nextUpdate") != std::string::npos);
}
