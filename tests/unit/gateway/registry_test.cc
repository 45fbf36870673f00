#include <catch2/catch.hpp>

#include "gateway/registry.h"
#include "policy/catalog.h"
#include "tests/support/temp_dir.h"

using namespace silta::gateway;
using nlohmann::json;

namespace {
const std::string kPin1 = "nA2cy6x/ZHqZ3e6aGzNsHnmZBHPxfNb0NDFVADzEEBo=";
const std::string kPin2 = "RDJXQ99UnkCQGHMn+SjeGliG1+EmzuOsn+/93D3XRyU=";
const std::string kPin3 = "xSKJ3Qfj42Jab3G6FgjqflT3MTPcMzoyP6otbzmEWgU=";

json agency(std::string id, std::vector<std::string> pins) {
  return {{"id", id},           {"name", "Test " + id},       {"kind", "child_welfare"},
          {"authority", true},  {"business_id", "3221308-6"}, {"roles", {"agency"}},
          {"spki_sha256", pins}};
}
}  // namespace

TEST_CASE("Y-tunnus check digits", "[registry]") {
  CHECK(valid_business_id("3221308-6"));
  CHECK(valid_business_id("0179377-8"));
  CHECK(valid_business_id("1234567-1"));
  CHECK_FALSE(valid_business_id("1234567-2"));  // wrong check digit
  CHECK_FALSE(valid_business_id("0245978-0"));  // remainder 1: never issued
  CHECK_FALSE(valid_business_id("1234567"));
  CHECK_FALSE(valid_business_id("123456a-1"));
  CHECK_FALSE(valid_business_id("1234567+1"));
}

TEST_CASE("registry finds agencies by any of their pins and by id", "[registry]") {
  json doc = {{"agencies", {agency("a", {kPin1, kPin2}), agency("b", {kPin3})}}};
  silta::json_check::Issues issues;
  Registry r = parse_registry(doc, issues);
  REQUIRE(issues.empty());
  REQUIRE(r.find_by_pin(kPin1) != nullptr);
  CHECK(r.find_by_pin(kPin1)->id == "a");
  CHECK(r.find_by_pin(kPin2)->id == "a");  // key rollover: both pins are the same agency
  CHECK(r.find_by_pin(kPin3)->id == "b");
  CHECK(r.find_by_pin("AAAA") == nullptr);
  CHECK(r.find("b") != nullptr);
  CHECK(r.find("c") == nullptr);
}

TEST_CASE("registry reports every bad entry with its path", "[registry]") {
  json bad = agency("Bad Id!", {"not-base64", kPin1});
  bad["business_id"] = "1234567-2";
  bad["kind"] = "hospital";
  bad["roles"] = {"agency", "admin"};
  bad["colour"] = "blue";
  json dup = agency("dup", {kPin1});
  json dup2 = agency("dup", {kPin2});
  dup2.erase("authority");
  json doc = {{"agencies", {bad, dup, dup2}}};
  silta::json_check::Issues issues;
  parse_registry(doc, issues);
  std::map<std::string, std::string> by_path;
  for (const auto& i : issues.list()) by_path[i.path] = i.message.en;
  CHECK(by_path.count("/agencies/0/id"));
  CHECK(by_path.count("/agencies/0/business_id"));
  CHECK(by_path.count("/agencies/0/kind"));
  CHECK(by_path.count("/agencies/0/roles/1"));
  CHECK(by_path.count("/agencies/0/spki_sha256/0"));
  CHECK(by_path["/agencies/0/colour"] == "unknown key");
  CHECK(by_path["/agencies/1/spki_sha256/0"] ==
        "this pin is already used by another agency or person");
  CHECK(by_path["/agencies/2/id"] == "duplicate agency id \"dup\"");
  CHECK(by_path["/agencies/2/authority"] == "required: true or false");
}

TEST_CASE("an agency needs a kind, a privacy officer does not", "[registry]") {
  json officer = agency("po", {kPin1});
  officer.erase("kind");
  officer["roles"] = {"privacy_officer"};
  json nokind = agency("x", {kPin2});
  nokind.erase("kind");
  silta::json_check::Issues issues;
  parse_registry({{"agencies", {officer, nokind}}}, issues);
  REQUIRE(issues.list().size() == 1);
  CHECK(issues.list()[0].path == "/agencies/1/kind");
}

TEST_CASE("actor roles: listed per agency, checked against the catalog, written back",
          "[registry][actor_role]") {
  json a = agency("a", {kPin1});
  a["actor_roles"] = {"social_worker", "oncall_social_worker"};
  json b = agency("b", {kPin2});
  b["actor_roles"] = {"teacher", "Teacher!", "teacher"};
  silta::json_check::Issues issues;
  parse_registry(json{{"agencies", {a, b}}}, issues);
  std::map<std::string, std::string> by_path;
  for (const auto& i : issues.list()) by_path[i.path] = i.message.en;
  CHECK(by_path.size() == 2);
  CHECK(by_path["/agencies/1/actor_roles/1"].find("catalog role id") != std::string::npos);
  CHECK(by_path["/agencies/1/actor_roles/2"] == "listed twice");

  json c = agency("c", {kPin3});
  c["actor_roles"] = {"social_worker", "janitor"};
  silta::json_check::Issues ok;
  Registry r = parse_registry(json{{"agencies", {a, c, agency("d", {kPin2})}}}, ok);
  REQUIRE(ok.empty());
  CHECK(r.find("a")->may_assert("oncall_social_worker"));
  CHECK_FALSE(r.find("a")->may_assert("teacher"));
  CHECK_FALSE(r.find("d")->may_assert("social_worker"));  // none listed: none allowed
  CHECK(registry_to_json(r)["agencies"][0]["actor_roles"] == a["actor_roles"]);
  CHECK_FALSE(registry_to_json(r)["agencies"][2].contains("actor_roles"));

  auto catalog = silta::policy::load_catalog(silta::test::source_dir() / "policy/catalogs/fi");
  REQUIRE(catalog.catalog != nullptr);
  CHECK(
      catalog_problems(r, *catalog.catalog) ==
      std::vector<std::string>{"agency c has actor role janitor, which the catalog does not know"});
}

TEST_CASE("persons: a personal certificate acts for its privacy-officer entry as that person",
          "[registry][persons]") {
  json officer = agency("soite-tietosuoja", {kPin1});
  officer["roles"] = {"privacy_officer"};
  officer.erase("kind");
  json doc = {{"agencies", {officer, agency("school", {kPin2})}},
              {"persons",
               {{{"id", "liisa.laine"},
                 {"name", "Liisa Laine"},
                 {"agency", "soite-tietosuoja"},
                 {"spki_sha256", {kPin3}}}}}};
  silta::json_check::Issues issues;
  Registry r = parse_registry(doc, issues);
  INFO(issues.format());
  REQUIRE(issues.empty());
  const Agency* liisa = r.find_by_pin(kPin3);
  REQUIRE(liisa != nullptr);
  CHECK(liisa->id == "soite-tietosuoja");
  CHECK(liisa->person == "liisa.laine");
  CHECK(liisa->person_name == "Liisa Laine");
  CHECK(liisa->has_role(Role::kPrivacyOfficer));
  CHECK(liisa->enabled);
  // The entry's own certificate is no person; find(id) is the entry itself.
  CHECK(r.find_by_pin(kPin1)->person.empty());
  CHECK(r.find("soite-tietosuoja")->person.empty());
  CHECK(r.find("liisa.laine") == nullptr);
  // Written back as read.
  CHECK(registry_to_json(r) == doc);

  // Disabled: the person, or the entry they act for.
  doc["persons"][0]["enabled"] = false;
  CHECK_FALSE(parse_registry(doc, issues).find_by_pin(kPin3)->enabled);
  doc["persons"][0].erase("enabled");
  doc["agencies"][0]["enabled"] = false;
  CHECK_FALSE(parse_registry(doc, issues).find_by_pin(kPin3)->enabled);
  CHECK(issues.empty());
}

TEST_CASE("persons: every mistake at its path", "[registry][persons]") {
  json officer = agency("soite-tietosuoja", {kPin1});
  officer["roles"] = {"privacy_officer"};
  officer.erase("kind");
  auto person = [](std::string id, std::string agency, std::string pin) {
    return json{{"id", id}, {"name", "P"}, {"agency", agency}, {"spki_sha256", {pin}}};
  };
  json doc = {{"agencies", {officer, agency("school", {kPin2})}},
              {"persons",
               {person("Bad Id!", "soite-tietosuoja", kPin3), person("p1", "nobody", kPin3),
                person("p2", "school", "AAAA"), person("p3", "soite-tietosuoja", kPin1),
                person("p3", "soite-tietosuoja", "xSKJ3Qfj42Jab3G6FgjqflT3MTPcMzoyP6otbzmEWgU=")}}};
  doc["persons"][4]["rank"] = 1;
  silta::json_check::Issues issues;
  parse_registry(doc, issues);
  std::map<std::string, std::string> by_path;
  for (const auto& i : issues.list()) by_path[i.path] = i.message.en;
  CHECK(by_path["/persons/0/id"] == "expected 1-64 characters of a-z, 0-9, '-', '_', '.'");
  CHECK(by_path["/persons/1/agency"] == "expected the id of an entry under /agencies");
  // People review what was exchanged; only systems exchange.
  CHECK(by_path["/persons/2/agency"] ==
        "expected an entry with the privacy_officer role and not the agency role");
  CHECK(by_path.count("/persons/2/spki_sha256/0") == 1);
  CHECK(by_path["/persons/3/spki_sha256/0"] ==
        "this pin is already used by another agency or person");
  CHECK(by_path["/persons/4/id"] == "duplicate person id \"p3\"");
  CHECK(by_path["/persons/4/spki_sha256/0"] ==
        "this pin is already used by another agency or person");
  CHECK(by_path["/persons/4/rank"] == "unknown key");
}
