// The acting official's role over real mutual TLS against a real `silta serve`: "actor":
// {"id", "role"} read strictly (400 at its pointer), a role the registry does not let the agency
// assert refused (403 at /actor/role, audited as an auth-failure), the role weighed by bases
// that require it and carried into the decision and the audit record; the older string form
// still accepted, as an actor who states no role (docs/api.md, "actor").
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "tests/support/demo_people.h"
#include "tests/support/demo_requests.h"
#include "tests/support/gateway_process.h"
#include "tests/support/process.h"

using namespace silta;
using namespace silta::test;
using nlohmann::json;

namespace {

std::map<std::string, std::string> error_pointers(const HttpResult& r) {
  std::map<std::string, std::string> out;
  const json body = r.json();
  for (const auto& e : body["errors"]) out[e["pointer"]] = e["detail"];
  return out;
}

// The police ask the school for attendance in a crime investigation (PolL 4:2).
json police_attendance(const json& actor) {
  return {{"target", "kokkola-perusopetus"},
          {"actor", actor},
          {"subject", {{"identity_code", people::kOnni}}},
          {"purpose", "crime_investigation"},
          {"categories", {"school_attendance"}},
          {"case_reference", "POL-2026-118"},
          {"justification", "Investigating a burglary: the pupil's attendance that morning"}};
}

}  // namespace

TEST_CASE("the actor's role: read strictly, allowed by the registry, weighed and audited",
          "[exchange][actor_role]") {
  GatewayProcess gw;
  auto child_welfare = gw.client("soite-lastensuojelu");
  auto police = gw.client("pohjanmaa-poliisi");

  // 400: each mistake at its own pointer, nothing decided.
  auto bad_type = attendance_request();
  bad_type["actor"] = {{"id", "sw-maija"}, {"role", 7}};
  auto r = child_welfare.post_json("/v1/decisions", bad_type);
  REQUIRE(r.status == 400);
  CHECK(r.json()["type"] == "urn:silta:problem:validation");
  CHECK(error_pointers(r).count("/actor/role") == 1);

  auto bad = attendance_request();
  bad["actor"] = {{"id", ""}, {"role", "janitor"}, {"rank", "x"}};
  auto e = error_pointers(child_welfare.post_json("/v1/decisions?lang=en", bad));
  CHECK(e.count("/actor/id") == 1);
  CHECK(e["/actor/role"] == "unknown role: expected a role of the catalog");
  CHECK(e["/actor/rank"] == "unknown key");
  bad["actor"] = {{"id", "sw-maija"}, {"role", std::string(65, 'a')}};
  CHECK(error_pointers(child_welfare.post_json("/v1/decisions", bad)).count("/actor/role") == 1);
  bad["actor"] = json::array({"sw-maija"});
  CHECK(error_pointers(child_welfare.post_json("/v1/decisions", bad)).count("/actor") == 1);

  // 403: a catalog role the registry does not let child welfare assert.
  auto teacher = attendance_request();
  teacher["actor"] = {{"id", "sw-maija"}, {"role", "teacher"}};
  auto refused = child_welfare.post_json("/v1/exchanges", teacher);
  REQUIRE(refused.status == 403);
  CHECK(refused.json()["type"] == "urn:silta:problem:forbidden");
  CHECK(error_pointers(refused).count("/actor/role") == 1);

  // Allowed: the role is in the decision and in the audit record.
  auto own = attendance_request();
  own["actor"] = {{"id", "sw-maija"}, {"role", "social_worker"}};
  auto granted = child_welfare.post_json("/v1/exchanges", own);
  REQUIRE(granted.status == 200);
  CHECK(granted.json()["decision"]["actor_role"]["id"] == "social_worker");
  CHECK(granted.json()["decision"]["actor_role"]["name"] == "Sosiaalityöntekijä");

  // A basis that requires a role: PolL 4:2 is asked by a senior police officer.
  auto senior = police.post_json(
      "/v1/decisions",
      police_attendance({{"id", "ylikonstaapeli-1"}, {"role", "senior_police_officer"}}));
  REQUIRE(senior.status == 200);
  CHECK(senior.json()["decision"]["categories"][0]["basis"]["id"] == "fi.poll.4.2");
  CHECK(senior.json()["decision"]["outcome"] == "granted");
  auto constable = police.post_json(
      "/v1/decisions", police_attendance({{"id", "konstaapeli-2"}, {"role", "police_officer"}}));
  REQUIRE(constable.status == 200);
  CHECK(constable.json()["decision"]["categories"][0]["reason"] == "actor_role_not_allowed");
  // The older form: accepted, no role stated, so the basis denies.
  auto old_form = police.post_json("/v1/decisions", police_attendance("konstaapeli-2"));
  REQUIRE(old_form.status == 200);
  CHECK(old_form.json()["decision"]["categories"][0]["reason"] == "actor_role_missing");
  CHECK_FALSE(old_form.json()["decision"].contains("actor_role"));

  auto officer = gw.client("soite-tietosuoja");
  // The audit index follows the log in the background.
  std::set<std::string> roles;
  std::multiset<std::string> onni_roles;
  const std::multiset<std::string> onni_expected{"", "police_officer", "senior_police_officer"};
  CHECK(eventually([&] {
    auto veeti = officer.get("/v1/audit/records?actor=po-1&subject=" + std::string(people::kVeeti));
    auto onni = officer.get("/v1/audit/records?actor=po-1&subject=" + std::string(people::kOnni));
    if (veeti.status != 200 || onni.status != 200) return false;
    roles.clear();
    onni_roles.clear();
    const json veeti_body = veeti.json(), onni_body = onni.json();
    for (const auto& rec : veeti_body["records"]) roles.insert(rec.value("actor_role", ""));
    for (const auto& rec : onni_body["records"]) onni_roles.insert(rec.value("actor_role", ""));
    return onni_roles.size() >= onni_expected.size() && !roles.empty();
  }));
  CHECK(roles == std::set<std::string>{"social_worker"});  // decision and disclosure
  CHECK(onni_roles == onni_expected);

  // The refusal is audited in the background, with the role asserted.
  CHECK(eventually([&] {
    auto failures = officer.get("/v1/audit/records?actor=po-1&event_type=auth-failure");
    const json body = failures.json();
    for (const auto& rec : body["records"]) {
      if (rec["outcome"] == "forbidden_actor_role" && rec["agency"] == "soite-lastensuojelu" &&
          rec["actor"] == "sw-maija" && rec["actor_role"] == "teacher" &&
          rec["reference"] == "/v1/exchanges") {
        return true;
      }
    }
    return false;
  }));
}
