// Hostile and mistaken requests against a real `silta serve` over mutual TLS, the API's half of
// docs/threat-model.md: JSON nested too deep or with a key given twice is refused while it is
// read, the audit record's rules are applied where the request is read (a caller's mistake is a
// 400 at its pointer, never a 503), no problem detail repeats an identity code, query
// parameters are checked by name, and only a party to a consent records, sees or revokes it.
#include <catch2/catch.hpp>
#include <string>

#include "tests/support/demo_people.h"
#include "tests/support/demo_requests.h"
#include "tests/support/gateway_process.h"

using namespace silta;
using namespace silta::test;
using nlohmann::json;

namespace {

// The answer to a request, or status 0 when the connection broke without one (the gateway
// crashed).
HttpResult send(TlsClient& client, const std::string& method, const std::string& target,
                const std::string& body = "") {
  try {
    return client.request(method, target, body, {{"Content-Type", "application/json"}});
  } catch (const std::exception&) {
    return HttpResult{};
  }
}

std::map<std::string, std::string> error_pointers(const HttpResult& r) {
  std::map<std::string, std::string> out;
  const json body = json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("errors")) return out;
  for (const auto& e : body["errors"]) out[e["pointer"]] = e["detail"];
  return out;
}

std::string type_of(const HttpResult& r) {
  const json body = json::parse(r.body, nullptr, false);
  return body.is_object() ? body.value("type", "") : "";
}

// `levels` arrays, one inside the other.
std::string nested(std::size_t levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

json ella_pull() {
  return {{"target", "soite-mielenterveys"},
          {"actor", "teacher-anna"},
          {"subject", {{"identity_code", people::kEllaHetu}, {"capable", true}}},
          {"purpose", "wellbeing_concern"},
          {"categories", {"mh_diagnosis"}}};
}

}  // namespace

TEST_CASE("JSON nested deeper than 64 levels is refused while it is read, and the gateway stays up",
          "[hardening]") {
  GatewayProcess gw;
  auto client = gw.client("soite-lastensuojelu");
  // ~300 KB, well under the body limit: copying or printing it would overflow the stack.
  const std::string deep = nested(150000);

  auto decision =
      send(client, "POST", "/v1/referrals/r-nope/decision",
           R"({"actor": "sw-maija", "outcome": "no_action", "detail": {"x": )" + deep + "}}");
  REQUIRE(decision.status == 400);
  CHECK(type_of(decision) == "urn:silta:problem:malformed-json");
  CHECK(error_pointers(decision).count("/detail"));

  auto push = attendance_request();
  push["direction"] = "push";
  push["target"] = "kokkola-perusopetus";
  std::string push_text = push.dump();
  push_text.insert(push_text.size() - 1, R"(, "data": {"school_attendance": )" + deep + "}");
  auto pushed = send(client, "POST", "/v1/exchanges", push_text);
  REQUIRE(pushed.status == 400);
  CHECK(type_of(pushed) == "urn:silta:problem:malformed-json");
  CHECK(error_pointers(pushed).count("/data"));

  auto school = gw.client("kokkola-perusopetus");
  auto referral = send(
      school, "POST", "/v1/referrals",
      R"({"kind": "lsl25_report", "recipient": "soite-lastensuojelu", "fields": {"concern": )" +
          deep + "}}");
  REQUIRE(referral.status == 400);
  CHECK(type_of(referral) == "urn:silta:problem:malformed-json");
  CHECK(error_pointers(referral).count("/fields"));

  // 64 levels in all are read (and then refused for what they say); 65 are not.
  auto at_limit =
      send(client, "POST", "/v1/referrals/r-nope/decision",
           R"({"actor": "sw-maija", "outcome": "no_action", "detail": )" + nested(63) + "}");
  CHECK(at_limit.status == 400);
  CHECK(type_of(at_limit) == "urn:silta:problem:validation");
  auto over =
      send(client, "POST", "/v1/referrals/r-nope/decision",
           R"({"actor": "sw-maija", "outcome": "no_action", "detail": )" + nested(64) + "}");
  CHECK(type_of(over) == "urn:silta:problem:malformed-json");

  REQUIRE(gw.process().running());
  CHECK(send(client, "POST", "/v1/decisions", attendance_request().dump()).status == 200);
}

TEST_CASE("an empty target or recipient is a 400 at its pointer, and the gateway stays up",
          "[hardening]") {
  GatewayProcess gw;
  auto client = gw.client("soite-lastensuojelu");
  auto req = attendance_request();
  req["target"] = "";
  auto r = send(client, "POST", "/v1/decisions", req.dump());
  CHECK(r.status == 400);
  CHECK(error_pointers(r).count("/target"));
  auto school = gw.client("kokkola-perusopetus");
  json referral = {{"kind", "lsl25_report"},
                   {"recipient", ""},
                   {"actor", "teacher-anna"},
                   {"subject", {{"identity_code", people::kVeeti}}},
                   {"fields",
                    {{"concern", "Absent"},
                     {"reporter_name", "Anna Opettaja"},
                     {"reporter_role", "class teacher"},
                     {"reporter_contact", "+358 40 000 0000"}}}};
  r = send(school, "POST", "/v1/referrals", referral.dump());
  CHECK(r.status == 400);
  CHECK(error_pointers(r).count("/recipient"));
  REQUIRE(gw.process().running());
  CHECK(send(client, "POST", "/v1/decisions", attendance_request().dump()).status == 200);
}

TEST_CASE("a key given twice is refused at its pointer, not read last-wins", "[hardening]") {
  GatewayProcess gw;
  auto client = gw.client("soite-lastensuojelu");
  std::string body = attendance_request().dump();
  body.insert(body.size() - 1, R"(, "actor": "someone-else")");
  auto r = send(client, "POST", "/v1/decisions", body);
  REQUIRE(r.status == 400);
  CHECK(type_of(r) == "urn:silta:problem:malformed-json");
  CHECK(error_pointers(r).count("/actor"));

  std::string two_subjects = attendance_request().dump();
  auto at = two_subjects.find(people::kVeeti);
  two_subjects.insert(at + 12, std::string(R"(, "identity_code": ")") + people::kEllaHetu + "\"");
  r = send(client, "POST", "/v1/decisions", two_subjects);
  REQUIRE(r.status == 400);
  CHECK(error_pointers(r).count("/subject/identity_code"));
  CHECK(r.body.find(people::kEllaHetu) == std::string::npos);
}

TEST_CASE("what the audit log would refuse is a 400 at its pointer, never a 503", "[hardening]") {
  GatewayProcess gw;
  auto client = gw.client("soite-lastensuojelu");
  auto decide = [&](const std::string& field, const std::string& value) {
    auto req = attendance_request();
    req[field] = value;
    return send(client, "POST", "/v1/decisions", req.dump());
  };
  const std::string code = people::kVeeti;
  struct Case {
    std::string field, value;
  };
  for (const auto& c : {Case{"justification", "Veeti (" + code + ") is absent"},
                        Case{"justification", "Veeti, hetu" + code + ", is absent"},
                        Case{"justification", std::string(4001, 'x')}, Case{"actor", "sw\tmaija"},
                        Case{"actor", "sw-maija\xe2\x80\xae"},  // U+202E RIGHT-TO-LEFT OVERRIDE
                        Case{"actor", "sw-maija\xe2\x81\xa6"},  // U+2066 LEFT-TO-RIGHT ISOLATE
                        Case{"actor", "sw\xc2\x85maija"},       // U+0085, a C1 control
                        Case{"actor", code}, Case{"case_reference", "LS " + code}}) {
    INFO(c.field << " = " << c.value.substr(0, 40));
    auto r = decide(c.field, c.value);
    CHECK(r.status == 400);
    CHECK(error_pointers(r).count("/" + c.field));
    CHECK(r.body.find(code) == std::string::npos);
  }
  // The limits themselves are allowed, and text that only resembles a code passes.
  CHECK(decide("justification", std::string(4000, 'x')).status == 200);
  CHECK(decide("justification", "Line one\nline two\twith a tab").status == 200);
  CHECK(decide("actor", "f47ac10b-58cc-4372-a567-0e02b2c3d479").status == 200);
  CHECK(decide("case_reference", "SOITE-LS-2026-0412/110213").status == 200);

  // The referral's and the recipient's actor follow the same rules.
  auto school = gw.client("kokkola-perusopetus");
  auto referral = send(school, "POST", "/v1/referrals",
                       json{{"kind", "lsl25_report"}, {"actor", "teacher\tanna"}}.dump());
  CHECK(error_pointers(referral).count("/actor"));
  auto ack = send(client, "POST", "/v1/referrals/r-nope/acknowledge",
                  json{{"actor", "sw\xe2\x80\xaemaija"}}.dump());
  CHECK(ack.status == 400);
  CHECK(error_pointers(ack).count("/actor"));

  // The privacy officer's ?actor= too.
  auto officer = gw.client("soite-tietosuoja");
  for (const std::string& actor :
       std::vector<std::string>{"po%091", "po-" + code, "po%E2%80%AE1"}) {
    auto r = send(officer, "GET", "/v1/audit/checkpoint?actor=" + actor);
    CHECK(r.status == 400);
    CHECK(error_pointers(r).count("?actor"));
  }

  // Nothing of it reached the log, and the gateway answers as before.
  auto records = send(officer, "GET", "/v1/audit/records?actor=po-1&limit=1000");
  REQUIRE(records.status == 200);
  CHECK(records.body.find(code) == std::string::npos);
  CHECK(records.body.find("\\u202e") == std::string::npos);
  CHECK(gw.process().log().find(code) == std::string::npos);
}

TEST_CASE("problem details never repeat an identity code, wherever it was put", "[hardening]") {
  GatewayProcess gw;
  auto client = gw.client("soite-lastensuojelu");
  const std::string code = people::kVeeti;
  auto req = attendance_request();
  req["target"] = code;
  req["categories"] = {"school_attendance", "x" + code};
  req["purpose"] = code;
  req[code] = 1;
  req["consents"] = {code};
  req["offence"] = {{"class", code}, {"max_penalty_months", 12}};
  auto r = send(client, "POST", "/v1/decisions", req.dump());
  REQUIRE(r.status == 400);
  auto errors = error_pointers(r);
  CHECK(errors.count("/target"));
  CHECK(errors.count("/purpose"));
  CHECK(errors.count("/categories/1"));
  CHECK(errors.count("/offence/class"));
  CHECK(errors.size() >= 5);  // the unknown key too, at a pointer without the code
  CHECK(r.body.find(code) == std::string::npos);
  CHECK(r.body.find("110213") == std::string::npos);
}

TEST_CASE("query parameters: an unknown or repeated one is a 400 naming it", "[hardening]") {
  GatewayProcess gw;
  auto officer = gw.client("soite-tietosuoja");
  auto school = gw.client("kokkola-perusopetus");
  const std::string ella = people::kEllaHetu;
  struct Case {
    TlsClient* client;
    std::string target, pointer;
  };
  for (const auto& c :
       {Case{&officer, "/v1/audit/records?actor=po-1&decision=denied", "?decision"},
        Case{&officer, "/v1/audit/records?actor=po-1&outcome=refused", "?outcome"},
        Case{&officer, "/v1/audit/records?actor=po-1&agency=a&agency=b", "?agency"},
        Case{&officer, "/v1/audit/records?actor=po-1&actor=po-2", "?actor"},
        Case{&officer, "/v1/audit/records?actor=po-1&cursor=nonsense", "?cursor"},
        Case{&officer, "/v1/audit/subject-report?actor=po-1&subject=" + ella + "&fromat=html",
             "?fromat"},
        Case{&officer, "/v1/audit/checkpoint?actor=po-1&size=3", "?size"},
        Case{&officer, "/v1/audit/break-glass?actor=po-1&state=open&state=all", "?state"},
        Case{&school, "/v1/consents?subject=" + ella + "&subjekt=x", "?subjekt"},
        Case{&school, "/v1/consents?subject=" + ella + "&all=yes", "?all"},
        Case{&school, "/v1/referrals?role=sender&role=recipient", "?role"},
        Case{&school, "/v1/referrals?cursor=-1", "?cursor"},
        Case{&school, "/v1/catalog?lang=de", "?lang"},
        Case{&school, "/v1/catalog?lang=fi&lang=sv", "?lang"},
        Case{&school, "/v1/catalog?version=1", "?version"}}) {
    INFO(c.target);
    auto r = send(*c.client, "GET", c.target);
    CHECK(r.status == 400);
    CHECK(type_of(r) == "urn:silta:problem:validation");
    CHECK(error_pointers(r).count(c.pointer));
  }
  CHECK(send(officer, "GET", "/v1/audit/records?actor=po-1&limit=5").status == 200);
  CHECK(send(school, "GET", "/v1/consents?subject=" + ella + "&all=true").status == 200);
}

TEST_CASE("invalid UTF-8 in a query or a path is a 400 or a 404, never a 500", "[hardening]") {
  GatewayProcess gw;
  auto officer = gw.client("soite-tietosuoja");
  auto school = gw.client("kokkola-perusopetus");
  struct Case {
    std::string target, pointer;
  };
  for (const auto& c : {Case{"/v1/audit/records?actor=%FF", "?actor"},
                        Case{"/v1/audit/records?actor=po%C3%28", "?actor"},
                        Case{"/v1/audit/checkpoint?actor=po-1&%FF=1", "?\xef\xbf\xbd"},
                        Case{"/v1/audit/records?actor=po-1&event_type=%FF", "?event_type"},
                        Case{"/v1/audit/records?actor=po-1&agency=%E2%80%AE", "?agency"},
                        Case{"/v1/audit/break-glass?actor=po-1&cursor=%FF", "?cursor"}}) {
    INFO(c.target);
    auto r = send(officer, "GET", c.target);
    CHECK(r.status == 400);
    CHECK(type_of(r) == "urn:silta:problem:validation");
    CHECK(error_pointers(r).count(c.pointer));
  }
  for (const std::string& target :
       std::vector<std::string>{"/v1/consents/%FF", "/v1/consents/c%00", "/v1/referrals/r%FF%FE",
                                "/v1/consents/" + std::string(people::kVeeti)}) {
    INFO(target);
    auto r = send(school, "GET", target);
    CHECK(r.status == 404);
    CHECK(r.body.find(people::kVeeti) == std::string::npos);
  }
  auto revoke =
      send(school, "POST", "/v1/consents/%FF/revoke",
           json{{"actor", "nurse-7"}, {"capacity", "self"}, {"channel", "in_person"}}.dump());
  CHECK(revoke.status == 404);
  REQUIRE(gw.process().running());
  CHECK(send(officer, "GET", "/v1/audit/records?actor=po-1&limit=1").status == 200);
}

TEST_CASE("a consent is recorded only by a party to it, and both parties see and revoke it",
          "[hardening][consents]") {
  GatewayProcess gw;
  auto police = gw.client("pohjanmaa-poliisi");
  auto school = gw.client("kokkola-perusopetus");
  auto mental_health = gw.client("soite-mielenterveys");

  // The police are neither the holder nor the recipient: the consent is not theirs to record,
  // and the school's pull stays denied.
  auto planted = send(police, "POST", "/v1/consents", ella_self_consent("someone").dump());
  CHECK(planted.status == 403);
  CHECK(type_of(planted) == "urn:silta:problem:forbidden");
  auto pull = send(school, "POST", "/v1/exchanges", ella_pull().dump());
  CHECK(pull.status == 403);
  CHECK(type_of(pull) == "urn:silta:problem:denied");
  // Naming an agency that is not registered makes no one a party.
  auto by_id = ella_self_consent("someone");
  by_id["from_kinds"] = json::array();
  by_id["from_agencies"] = {"no-such-agency"};
  auto unknown = send(school, "POST", "/v1/consents", by_id.dump());
  CHECK(unknown.status == 400);
  CHECK(error_pointers(unknown).count("/from_agencies/0"));

  // The school, the recipient side, records it; it names who recorded it.
  auto recorded = send(school, "POST", "/v1/consents", ella_self_consent("someone").dump());
  REQUIRE(recorded.status == 201);
  const std::string id = recorded.json()["consent"]["id"];
  CHECK(recorded.json()["consent"]["recorded_by_agency"] == "kokkola-perusopetus");
  CHECK(recorded.json()["consent"]["recorded_by_actor"] == "someone");
  CHECK(send(school, "POST", "/v1/exchanges", ella_pull().dump()).status == 200);

  // The holder side sees it in its list and by id; the police do not.
  const std::string list = "/v1/consents?subject=" + std::string(people::kEllaHetu);
  auto seen = send(mental_health, "GET", list);
  REQUIRE(seen.status == 200);
  REQUIRE(seen.json()["consents"].size() == 1);
  CHECK(seen.json()["consents"][0]["id"] == id);
  CHECK(send(mental_health, "GET", "/v1/consents/" + id).status == 200);
  CHECK(send(police, "GET", list).json()["consents"].empty());
  CHECK(send(police, "GET", "/v1/consents/" + id).status == 404);
  json revoke = {{"actor", "nurse-7"}, {"capacity", "self"}, {"channel", "in_person"}};
  CHECK(send(police, "POST", "/v1/consents/" + id + "/revoke", revoke.dump()).status == 404);

  // The holder revokes it; the revocation names the agency that recorded it.
  auto revoked = send(mental_health, "POST", "/v1/consents/" + id + "/revoke", revoke.dump());
  REQUIRE(revoked.status == 200);
  CHECK(revoked.json()["consent"]["revoked"]["by_agency"] == "soite-mielenterveys");
  CHECK(send(school, "POST", "/v1/exchanges", ella_pull().dump()).status == 403);
  auto officer = gw.client("soite-tietosuoja");
  auto records = send(officer, "GET", "/v1/audit/records?actor=po-1&event_type=consent-revoked");
  REQUIRE(records.status == 200);
  REQUIRE(records.json()["records"].size() == 1);
  CHECK(records.json()["records"][0]["agency"] == "soite-mielenterveys");
  CHECK(records.json()["records"][0]["reference"] == id);
}
