// Reading "actor" in request bodies (gateway/api/requests.h): the object form {"id", "role"},
// the older bare string, and every mistake at its own JSON pointer.
#include <catch2/catch.hpp>

#include "gateway/api/requests.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::gateway;
using nlohmann::json;

namespace {

const policy::Catalog& catalog() {
  static auto load = policy::load_catalog(test::source_dir() / "policy/catalogs/fi");
  REQUIRE(load.catalog != nullptr);
  return *load.catalog;
}

// The actor read from {"actor": value}, and the issues by pointer.
std::pair<Actor, std::map<std::string, std::string>> read_actor(const json& value) {
  json body = {{"actor", value}};
  json_check::Issues issues;
  json_check::Object o(issues, body, "");
  Actor a = actor_field(o, catalog());
  std::map<std::string, std::string> by_path;
  for (const auto& i : issues.list()) by_path[i.path] = i.message.en;
  return {a, by_path};
}

}  // namespace

TEST_CASE("actor: the object form carries the id and a catalog role", "[requests][actor_role]") {
  auto [a, issues] = read_actor({{"id", "sw-maija"}, {"role", "oncall_social_worker"}});
  CHECK(issues.empty());
  CHECK(a.id == "sw-maija");
  CHECK(a.role == "oncall_social_worker");
  auto [no_role, none] = read_actor({{"id", "sw-maija"}});
  CHECK(none.empty());
  CHECK(no_role.role.empty());
}

TEST_CASE("actor: the older string form is an actor who states no role", "[requests][actor_role]") {
  auto [a, issues] = read_actor("sw-maija");
  CHECK(issues.empty());
  CHECK(a.id == "sw-maija");
  CHECK(a.role.empty());
  CHECK(read_actor("").second.count("/actor") == 1);
  CHECK(read_actor(std::string(201, 'x')).second.count("/actor") == 1);
}

TEST_CASE("actor: every mistake at its pointer", "[requests][actor_role]") {
  CHECK(read_actor({{"id", "x"}, {"role", 7}}).second.count("/actor/role") == 1);
  CHECK(read_actor({{"id", "x"}, {"role", ""}}).second.count("/actor/role") == 1);
  CHECK(read_actor({{"id", "x"}, {"role", std::string(65, 'a')}}).second.count("/actor/role") == 1);
  CHECK(read_actor({{"id", "x"}, {"role", "janitor"}}).second.at("/actor/role") ==
        "unknown role: expected a role of the catalog");
  auto [a, issues] = read_actor({{"role", "teacher"}, {"rank", 3}});
  CHECK(issues.count("/actor/id") == 1);
  CHECK(issues.at("/actor/rank") == "unknown key");
  CHECK(read_actor({{"id", 5}}).second.count("/actor/id") == 1);
  CHECK(read_actor({{"id", "x"}, {"role", "te\u0007acher"}}).second.count("/actor/role") == 1);
  CHECK(read_actor(json::array({"x"})).second.count("/actor") == 1);
  CHECK(read_actor(42).second.count("/actor") == 1);
  json body = json::object();
  json_check::Issues missing;
  json_check::Object o(missing, body, "");
  actor_field(o, catalog());
  REQUIRE(missing.list().size() == 1);
  CHECK(missing.list()[0].path == "/actor");
}

TEST_CASE("a request's mistakes are explained in Finnish, Swedish and English",
          "[requests][language]") {
  json_check::Issues issues;
  parse_referral_decision(json{{"actor", {{"id", "sw\u202e"}, {"role", "janitor"}, {"x", 1}}},
                               {"outcome", "maybe"},
                               {"detail", "not an object"},
                               {"extra", true}},
                          catalog(), issues);
  parse_acknowledgement(json{{"urgency_assessed", "yes"}}, catalog(), issues);
  parse_acknowledgement(json::array(), catalog(), issues);
  json body = {{"n", "x"}, {"t", "2026-13-01"}, {"s", {1}}, {"id", "hetu010106A9012"}};
  json_check::Object o(issues, body, "");
  o.integer("n", json_check::Need::kRequired, 1, 9);
  o.time("t");
  o.strings("s");
  o.text("id", json_check::Need::kRequired, {.max_bytes = 100});
  o.object("missing", json_check::Need::kRequired);
  for (auto p : {policy::IdentityCodeProblem::kLength, policy::IdentityCodeProblem::kCenturySign,
                 policy::IdentityCodeProblem::kCheckCharacter}) {
    issues.add("/identity_code", policy::identity_code_problem_text(p));
  }
  REQUIRE(issues.list().size() >= 14);
  for (const auto& i : issues.list()) {
    INFO(i.path << ": " << i.message.en);
    CHECK_FALSE(i.message.incomplete());
    CHECK(i.message.fi != i.message.en);
    CHECK(i.message.sv != i.message.en);
    CHECK(i.message.fi != i.message.sv);
    CHECK(i.in(Lang::kSv) == i.message.sv);
  }
  // What an operator wrote is explained in English, whatever the reader's language.
  json_check::Issues operator_file;
  operator_file.add("/listen/port", "expected a port");
  CHECK(operator_file.list()[0].in(Lang::kFi) == "expected a port");
}

TEST_CASE("actor: the role reaches the engine's request, the id the use log",
          "[requests][actor_role]") {
  json_check::Issues issues;
  auto in = parse_referral_decision(
      json{{"actor", {{"id", "sw-maija"}, {"role", "social_worker"}}}, {"outcome", "no_action"}},
      catalog(), issues);
  INFO(issues.format());
  CHECK(issues.empty());
  CHECK(in.actor.id == "sw-maija");
  CHECK(in.actor.role == "social_worker");
  json_check::Issues revoke_issues;
  Agency caller;
  caller.id = "kokkola-perusopetus";
  auto r = parse_revocation(json{{"actor", {{"id", "teacher-anna"}, {"role", "teacher"}}},
                                 {"capacity", "self"},
                                 {"channel", "in_person"}},
                            caller, catalog(), SysTime{}, revoke_issues);
  CHECK(revoke_issues.empty());
  CHECK(r.revocation.by_actor == "teacher-anna");
  CHECK(r.actor.role == "teacher");
}

namespace {

std::map<std::string, std::string> issues_by_path(const json_check::Issues& issues) {
  std::map<std::string, std::string> by_path;
  for (const auto& i : issues.list()) by_path[i.path] = i.message.en;
  return by_path;
}

}  // namespace

TEST_CASE("consent: at most eight persons give one consent", "[requests][limits]") {
  json grantor = {{"capacity", "guardian"}, {"identity_code", "110213A913H"}};
  for (std::size_t n : {std::size_t{0}, kMaxGrantors, kMaxGrantors + 1, std::size_t{20000}}) {
    INFO(n << " grantors");
    json body = {{"granted_by", json(n, grantor)}};
    json_check::Issues read;
    auto in = parse_consent_input(body, catalog(), Registry(), SysTime{}, read);
    auto by_path = issues_by_path(read);
    bool within = n >= 1 && n <= kMaxGrantors;
    CHECK(by_path.count("/granted_by") == (within ? 0u : 1u));
    if (!within) CHECK(by_path["/granted_by"] == "expected 1 to 8 persons");
    // Past the limit nothing more is read.
    CHECK(in.record.granted_by.size() == std::min(n, kMaxGrantors));
    CHECK(by_path.count("/granted_by/" + std::to_string(kMaxGrantors)) == 0);
  }
}

TEST_CASE("catalog id lists: unknown and repeated ids at their own index", "[requests][limits]") {
  // Each id is checked once against the known ids seen before it, not against the whole list
  // before it: 50 000 unknown ids cost 50 000 lookups, not 10^9 comparisons.
  json categories = json::array({"grades", "nonexistent", "grades"});
  for (int i = 0; i < 50000; ++i) categories.push_back("gradez");
  json body = {{"categories", categories}};
  json_check::Issues issues;
  parse_consent_input(body, catalog(), Registry(), SysTime{}, issues);
  auto by_path = issues_by_path(issues);
  CHECK(by_path.count("/categories/0") == 0);
  CHECK(by_path["/categories/1"] == "unknown data category \"nonexistent\"");
  CHECK(by_path["/categories/2"] == "listed twice");
  CHECK(by_path.count("/categories/3") == 1);
}
