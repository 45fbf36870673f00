// docs/openapi.yaml against the real gateway: every documented operation is called over real
// mutual TLS, with a success and its important errors (400 problem, 403 role, 404, 409), and
// the transcript of requests and responses is validated against the document's schemas by
// tests/support/openapi_validate.js (ajv 8 in JSON Schema 2020-12 mode, the dialect of OpenAPI
// 3.1, pinned in package.json and installed by scripts/install-deps with `npm ci`).
//
// SILTA_OPENAPI_TRANSCRIPT=<file> keeps the transcript (e.g. for examples in docs/api.md).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/time.h"
#include "tests/support/demo_people.h"
#include "tests/support/demo_requests.h"
#include "tests/support/gateway_process.h"

using namespace silta;
using namespace silta::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Calls the gateway and records each exchange for the validator.
class Transcript {
 public:
  HttpResult call(TlsClient& client, const std::string& method, const std::string& target,
                  const std::optional<json>& body = std::nullopt,
                  const std::map<std::string, std::string>& headers = {}) {
    auto r = client.request(method, target, body ? body->dump() : "", headers);
    record(method, target, body ? *body : json(nullptr), r);
    return r;
  }
  // A body that is not JSON (or not sent as JSON).
  HttpResult call_raw(TlsClient& client, const std::string& method, const std::string& target,
                      const std::string& body, const std::map<std::string, std::string>& headers) {
    auto r = client.request(method, target, body, headers);
    record(method, target, json(nullptr), r);
    return r;
  }
  const json& entries() const { return entries_; }

 private:
  void record(const std::string& method, const std::string& target, const json& request_body,
              const HttpResult& r) {
    std::string content_type = r.header("content-type");
    json body = content_type.find("json") != std::string::npos ? json::parse(r.body, nullptr, false)
                                                               : json(r.body);
    json headers = json::object();
    for (const auto& [k, v] : r.headers) headers[k] = v;
    entries_.push_back({{"method", method},
                        {"path", target},
                        {"status", r.status},
                        {"content_type", content_type},
                        {"headers", headers},
                        {"request_body", request_body},
                        {"body", body}});
  }
  json entries_ = json::array();
};

std::string type_of(const HttpResult& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>()
                                                                      : "";
}

}  // namespace

TEST_CASE("every operation of docs/openapi.yaml answers as the document says", "[openapi]") {
  auto node = find_program("node");
  {
    INFO("node (Node.js) is needed to validate the bodies: run scripts/install-deps");
    REQUIRE(node.has_value());
  }

  // Mental health services' system is down: an exchange with it is 502.
  json dead = {{"type", "http"},
               {"url", "https://127.0.0.1:1"},
               {"timeout_ms", 300},
               {"connect_timeout_ms", 300}};
  GatewayProcess gw(json{{"adapters", {{"soite-mielenterveys", dead}}}});
  auto cw = gw.client("soite-lastensuojelu");
  auto school = gw.client("kokkola-perusopetus");
  auto police = gw.client("pohjanmaa-poliisi");
  auto po = gw.client("soite-tietosuoja");
  Transcript t;
  const std::string veeti = people::kVeeti;
  const std::string ella = people::kEllaHetu;

  // --- identity and catalog -----------------------------------------------------------------
  CHECK(t.call(cw, "GET", "/v1/whoami").status == 200);
  CHECK(t.call(po, "GET", "/v1/whoami").status == 200);
  CHECK(t.call(police, "GET", "/v1/catalog").status == 200);

  // --- decisions ----------------------------------------------------------------------------
  auto first_decision = t.call(cw, "POST", "/v1/decisions", attendance_request());
  CHECK(first_decision.status == 200);
  auto no_case = attendance_request();
  no_case.erase("case_reference");
  auto denied_decision = t.call(cw, "POST", "/v1/decisions", no_case);
  CHECK(denied_decision.status == 200);
  CHECK(denied_decision.json()["decision"]["outcome"] == "denied");
  auto push_decision = t.call(police, "POST", "/v1/decisions",
                              json{{"direction", "push"},
                                   {"target", "soite-lastensuojelu"},
                                   {"actor", "ankkuri-ville"},
                                   {"subject", {{"identity_code", people::kOnni}}},
                                   {"purpose", "cw_report"},
                                   {"categories", {"police_incident"}}});
  CHECK(push_decision.status == 200);
  CHECK(t.call(po, "POST", "/v1/decisions", attendance_request()).status == 403);
  auto invalid = t.call(cw, "POST", "/v1/decisions", json{{"target", "nobody"}, {"colour", 1}});
  CHECK(invalid.status == 400);
  CHECK(type_of(invalid) == "urn:silta:problem:validation");
  auto bad_key =
      t.call(cw, "POST", "/v1/decisions", attendance_request(), {{"Idempotency-Key", "has space"}});
  CHECK(bad_key.status == 400);

  // --- exchanges ----------------------------------------------------------------------------
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "openapi-exchange-1"}};
  CHECK(t.call(cw, "POST", "/v1/exchanges", attendance_request(), key).status == 200);
  auto replay = t.call(cw, "POST", "/v1/exchanges", attendance_request(), key);
  CHECK(replay.status == 200);
  CHECK(replay.header("idempotent-replayed") == "true");
  auto other = attendance_request();
  other["categories"] = {"grades"};
  auto conflict = t.call(cw, "POST", "/v1/exchanges", other, key);
  CHECK(conflict.status == 409);
  CHECK(type_of(conflict) == "urn:silta:problem:idempotency-key-reused");
  auto partial = attendance_request();
  partial["categories"] = {"school_attendance", "grades", "student_welfare_record"};
  auto partial_r = t.call(cw, "POST", "/v1/exchanges", partial);
  CHECK(partial_r.status == 200);
  CHECK(partial_r.json()["decision"]["outcome"] == "partial");
  CHECK(t.call_raw(cw, "POST", "/v1/exchanges", "{\"target\": ", {}).status == 400);
  CHECK(t.call_raw(cw, "POST", "/v1/exchanges", "target=x",
                   {{"Content-Type", "application/x-www-form-urlencoded"}})
            .status == 415);
  json diagnosis = {{"target", "soite-mielenterveys"},
                    {"actor", "teacher-anna"},
                    {"subject", {{"identity_code", ella}, {"capable", true}}},
                    {"purpose", "wellbeing_concern"},
                    {"categories", {"mh_diagnosis"}}};
  auto denied = t.call(school, "POST", "/v1/exchanges", diagnosis);
  CHECK(denied.status == 403);
  CHECK(type_of(denied) == "urn:silta:problem:denied");
  auto officer = t.call(po, "POST", "/v1/exchanges", attendance_request());
  CHECK(officer.status == 403);
  CHECK(type_of(officer) == "urn:silta:problem:forbidden");
  auto failed =
      t.call(cw, "POST", "/v1/exchanges",
             json{{"target", "soite-mielenterveys"},
                  {"actor", "sw-maija"},
                  {"subject", {{"identity_code", ella}}},
                  {"purpose", "cw_assessment"},
                  {"categories", {"mh_treatment_contacts"}},
                  {"case_reference", "SOITE-LS-2026-0500"},
                  {"justification", "Service-need assessment: is the child in treatment?"}});
  CHECK(failed.status == 502);
  CHECK(type_of(failed) == "urn:silta:problem:adapter-failed");
  json incident = {
      {"direction", "push"},
      {"target", "soite-lastensuojelu"},
      {"actor", "ankkuri-ville"},
      {"subject", {{"identity_code", people::kOnni}}},
      {"purpose", "cw_report"},
      {"categories", {"police_incident"}},
      {"justification", "Onni (14) caught shoplifting; the Ankkuri team meets the family"},
      {"data",
       {{"police_incident",
         {{{"date", "2026-11-20"}, {"type", "theft (RL 28:1), shoplifting"}}}}}}};
  auto pushed = t.call(police, "POST", "/v1/exchanges", incident);
  CHECK(pushed.status == 200);
  json threat = {{"direction", "push"},
                 {"target", "pohjanmaa-poliisi"},
                 {"actor", "sw-maija"},
                 {"subject", {{"identity_code", people::kJuha}}},
                 {"purpose", "threat_prevention"},
                 {"categories", {"threat_info"}},
                 {"break_glass", true},
                 {"justification",
                  "In today's meeting the father said he will hurt the class teacher tomorrow "
                  "morning at the school gate"},
                 {"data", {{"threat_info", {{{"threat", "to hurt the class teacher"}}}}}}};
  auto urgent = t.call(cw, "POST", "/v1/exchanges", threat);
  REQUIRE(urgent.status == 200);
  std::string review_id = urgent.json()["decision"].value("review_id", "");
  REQUIRE_FALSE(review_id.empty());
  // The police obtain attendance for a crime investigation, embargoed from Veeti's report.
  json investigation = police_investigation(veeti);
  CHECK(t.call(police, "POST", "/v1/exchanges", investigation).status == 200);

  // --- consents -----------------------------------------------------------------------------
  json consent = ella_self_consent("teacher-anna");
  consent["valid_until"] = "2030-01-01T00:00:00Z";
  const std::map<std::string, std::string> consent_key = {{"Idempotency-Key", "openapi-c-1"}};
  auto created = t.call(school, "POST", "/v1/consents", consent, consent_key);
  REQUIRE(created.status == 201);
  const std::string id = created.json()["consent"]["id"];
  CHECK(t.call(school, "POST", "/v1/consents", consent, consent_key).status == 201);
  auto unassessed = consent;
  unassessed["granted_by"][0].erase("assessed_by");
  CHECK(t.call(school, "POST", "/v1/consents", unassessed).status == 400);
  CHECK(t.call(po, "POST", "/v1/consents", consent).status == 403);
  CHECK(t.call(school, "GET", "/v1/consents?subject=" + ella).status == 200);
  CHECK(t.call(school, "GET", "/v1/consents").status == 400);
  CHECK(t.call(school, "GET", "/v1/consents/" + id).status == 200);
  CHECK(t.call(cw, "GET", "/v1/consents/" + id).status == 404);
  CHECK(t.call(school, "GET", "/v1/consents/c-nonexistent").status == 404);
  json revoke = {{"actor", "teacher-anna"},
                 {"capacity", "self"},
                 {"channel", "in_person"},
                 {"reason", "Ella changed her mind"}};
  CHECK(t.call(cw, "POST", "/v1/consents/" + id + "/revoke", revoke).status == 404);
  CHECK(
      t.call(school, "POST", "/v1/consents/" + id + "/revoke", json{{"capacity", "aunt"}}).status ==
      400);
  CHECK(t.call(school, "POST", "/v1/consents/" + id + "/revoke", revoke).status == 200);
  auto again = t.call(school, "POST", "/v1/consents/" + id + "/revoke", revoke);
  CHECK(again.status == 409);
  CHECK(type_of(again) == "urn:silta:problem:already-revoked");
  CHECK(t.call(school, "GET", "/v1/consents?all=true&subject=" + ella).status == 200);

  // --- referrals ----------------------------------------------------------------------------
  // A child welfare report (LSL 25 §) from the school; the demo adapter of the child welfare
  // office accepts it at once, but delivery is the worker's, so the test waits for it.
  json child_report = {
      {"kind", "lsl25_report"},
      {"recipient", "soite-lastensuojelu"},
      {"actor", "teacher-anna"},
      {"subject", {{"identity_code", veeti}}},
      {"fields",
       {{"concern", "Absent 40 % of lessons since October; says there is no food at home."},
        {"reporter_name", "Anna Opettaja"},
        {"reporter_role", "class teacher"},
        {"reporter_contact", "+358 40 000 0000"},
        {"urgent", false}}},
      {"data", {{"school_attendance", json::array({{{"term", "autumn 2026"}, {"absent", 41}}})}}}};
  const std::map<std::string, std::string> report_key = {{"Idempotency-Key", "openapi-r-1"}};
  auto sent = t.call(school, "POST", "/v1/referrals", child_report, report_key);
  REQUIRE(sent.status == 202);
  const std::string referral_id = sent.json()["referral"]["id"];
  const std::string referral = "/v1/referrals/" + referral_id;
  CHECK(sent.header("location") == referral);
  auto resent = t.call(school, "POST", "/v1/referrals", child_report, report_key);
  CHECK(resent.status == 202);
  CHECK(resent.header("idempotent-replayed") == "true");
  auto changed_report = child_report;
  changed_report["fields"]["concern"] = "Another concern entirely, about something else.";
  auto reused = t.call(school, "POST", "/v1/referrals", changed_report, report_key);
  CHECK(reused.status == 409);
  CHECK(type_of(reused) == "urn:silta:problem:idempotency-key-reused");
  auto bad_report = child_report;
  bad_report["kind"] = "lsl99_report";
  bad_report["recipient"] = "kokkola-perusopetus";
  auto invalid_report = t.call(school, "POST", "/v1/referrals", bad_report);
  CHECK(invalid_report.status == 400);
  CHECK(type_of(invalid_report) == "urn:silta:problem:validation");
  // A child welfare report goes to child welfare, not to mental health services.
  auto misdirected = child_report;
  misdirected["recipient"] = "soite-mielenterveys";
  auto refused = t.call(school, "POST", "/v1/referrals", misdirected);
  CHECK(refused.status == 403);
  CHECK(type_of(refused) == "urn:silta:problem:denied");
  CHECK(t.call(po, "POST", "/v1/referrals", child_report).status == 403);

  CHECK(eventually([&] {
    auto r = school.get(referral);
    return r.status == 200 && r.json()["state"] == "delivered";
  }));
  CHECK(t.call(school, "GET", referral).status == 200);  // the sender's view
  CHECK(t.call(cw, "GET", referral).status == 200);      // the recipient's view
  CHECK(t.call(police, "GET", referral).status == 404);
  CHECK(t.call(cw, "GET", "/v1/referrals/r-nonexistent").status == 404);
  CHECK(t.call(cw, "GET", "/v1/referrals?state=delivered&overdue=false&limit=10").status == 200);
  CHECK(t.call(school, "GET", "/v1/referrals?role=sender").status == 200);
  CHECK(t.call(school, "GET", "/v1/referrals?role=boss&state=lost").status == 400);
  CHECK(t.call(po, "GET", "/v1/referrals").status == 403);

  json ack = {{"actor", "sw-maija"}, {"urgency_assessed", true}};
  auto by_sender =
      t.call(school, "POST", referral + "/acknowledge", json{{"actor", "teacher-anna"}});
  CHECK(by_sender.status == 403);
  CHECK(type_of(by_sender) == "urn:silta:problem:forbidden");
  CHECK(t.call(cw, "POST", referral + "/acknowledge", json{{"actor", ""}, {"mood", 1}}).status ==
        400);
  CHECK(t.call(cw, "POST", "/v1/referrals/r-nonexistent/acknowledge", ack).status == 404);
  CHECK(t.call(cw, "POST", referral + "/acknowledge", ack, {{"Idempotency-Key", "openapi-ack-1"}})
            .status == 200);
  auto acked_again = t.call(cw, "POST", referral + "/acknowledge", ack);
  CHECK(acked_again.status == 409);
  CHECK(type_of(acked_again) == "urn:silta:problem:referral-state");

  json started = {{"actor", "sw-maija"},
                  {"outcome", "assessment_started"},
                  {"detail", {{"case", "LS-2026-0412"}}}};
  CHECK(
      t.call(cw, "POST", referral + "/decision", json{{"actor", "sw-maija"}, {"outcome", "maybe"}})
          .status == 400);
  CHECK(t.call(school, "POST", referral + "/decision", started).status == 403);
  CHECK(t.call(police, "POST", referral + "/decision", started).status == 404);
  CHECK(t.call(cw, "POST", referral + "/decision", started).status == 200);
  auto decided_again = t.call(cw, "POST", referral + "/decision",
                              json{{"actor", "sw-maija"}, {"outcome", "no_action"}});
  CHECK(decided_again.status == 409);
  CHECK(type_of(decided_again) == "urn:silta:problem:referral-state");
  CHECK(t.call(cw, "POST", referral + "/decision",
               json{{"actor", "sw-maija"}, {"outcome", "assessment_completed"}})
            .status == 200);
  CHECK(t.call(cw, "GET", referral).status == 200);
  CHECK(t.call(school, "GET", referral).status == 200);

  // --- the privacy officer's audit API ------------------------------------------------------
  const std::string q = "?actor=po-outi";
  auto page1 = t.call(po, "GET", "/v1/audit/records" + q + "&subject=" + veeti + "&limit=2");
  REQUIRE(page1.status == 200);
  REQUIRE(page1.json().contains("next_cursor"));
  CHECK(t.call(po, "GET",
               "/v1/audit/records" + q + "&subject=" + veeti +
                   "&cursor=" + page1.json()["next_cursor"].get<std::string>())
            .status == 200);
  CHECK(t.call(po, "GET",
               "/v1/audit/records" + q +
                   "&agency=soite-lastensuojelu&event_type=disclosure&from=2020-01-01T00:00:00Z")
            .status == 200);
  CHECK(t.call(po, "GET", "/v1/audit/records").status == 400);
  CHECK(t.call(po, "GET", "/v1/audit/records" + q + "&event_type=gossip").status == 400);
  CHECK(t.call(cw, "GET", "/v1/audit/records" + q).status == 403);

  auto report = t.call(po, "GET", "/v1/audit/subject-report" + q + "&subject=" + veeti);
  REQUIRE(report.status == 200);
  CHECK(report.json()["withheld_count"] == 2);  // the decision and the disclosure
  auto html = t.call(po, "GET", "/v1/audit/subject-report" + q + "&format=html&subject=" + veeti);
  CHECK(html.status == 200);
  CHECK(html.header("content-type") == "text/html; charset=utf-8");
  CHECK(t.call(po, "GET", "/v1/audit/subject-report" + q + "&format=pdf").status == 400);

  // Proofs against a signed checkpoint of a tree with a few records.
  std::uint64_t size = 0;
  CHECK(eventually([&] {
    auto cp = po.get("/v1/audit/checkpoint" + q);
    size = cp.status == 200 ? cp.json()["size"].get<std::uint64_t>() : 0;
    return size >= 4;
  }));
  CHECK(t.call(po, "GET", "/v1/audit/checkpoint" + q).status == 200);
  CHECK(t.call(po, "GET", "/v1/audit/checkpoint").status == 400);
  const std::string n = std::to_string(size);
  CHECK(t.call(po, "GET", "/v1/audit/proofs/inclusion" + q + "&index=1&size=" + n).status == 200);
  auto no_proof =
      t.call(po, "GET", "/v1/audit/proofs/inclusion" + q + "&index=" + n + "&size=" + n);
  CHECK(no_proof.status == 400);
  CHECK(type_of(no_proof) == "urn:silta:problem:bad-proof-request");
  CHECK(t.call(po, "GET", "/v1/audit/proofs/consistency" + q + "&from=2&to=" + n).status == 200);
  CHECK(t.call(po, "GET", "/v1/audit/proofs/consistency" + q + "&from=2").status == 400);
  CHECK(t.call(school, "GET", "/v1/audit/proofs/consistency" + q + "&from=2&to=" + n).status ==
        403);
  // Against a root the caller kept that is not the log's: a fork.
  CHECK(t.call(po, "GET",
               "/v1/audit/proofs/consistency" + q + "&from=2&to=" + n +
                   "&from_root=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D")
            .status == 409);

  // --- receipts: the acting agency's proof of its own record --------------------------------
  const std::string receipt_seq =
      std::to_string(first_decision.json()["audit"]["receipts"][0]["seq"].get<std::uint64_t>());
  HttpResult receipt;
  REQUIRE(eventually([&] {
    receipt = t.call(cw, "GET", "/v1/receipts/" + receipt_seq + "?actor=sw-maija");
    return receipt.status != 409;
  }));
  CHECK(receipt.status == 200);
  CHECK(t.call(school, "GET", "/v1/receipts/" + receipt_seq + "?actor=x").status == 404);
  CHECK(t.call(cw, "GET", "/v1/receipts/" + receipt_seq + "?actor=sw-maija&origin=other").status ==
        421);
  CHECK(t.call(cw, "GET", "/v1/receipts/" + receipt_seq).status == 400);

  auto queue = t.call(po, "GET", "/v1/audit/break-glass" + q);
  REQUIRE(queue.status == 200);
  CHECK(queue.json()["reviews"].size() == 1);
  CHECK(t.call(po, "GET", "/v1/audit/break-glass" + q + "&state=all&agency=soite-lastensuojelu")
            .status == 200);
  CHECK(t.call(po, "GET", "/v1/audit/break-glass" + q + "&state=closed").status == 400);
  json verdict = {{"actor", "po-outi"},
                  {"verdict", "justified"},
                  {"note", "An imminent threat of violence; ATL 62 § applies."}};
  const std::string review = "/v1/audit/break-glass/" + review_id + "/review";
  CHECK(t.call(po, "POST", review, json{{"actor", "po-outi"}, {"verdict", "fine"}}).status == 400);
  CHECK(t.call(po, "POST", review, json{{"actor", ""}, {"verdict", "justified"}}).status == 400);
  CHECK(t.call(cw, "POST", review, verdict).status == 403);
  CHECK(t.call(po, "POST", "/v1/audit/break-glass/b-nonexistent/review", verdict).status == 404);
  CHECK(t.call(po, "POST", review, verdict).status == 200);
  auto reviewed_again = t.call(po, "POST", review, verdict);
  CHECK(reviewed_again.status == 409);
  CHECK(type_of(reviewed_again) == "urn:silta:problem:already-reviewed");
  CHECK(t.call(po, "GET", "/v1/audit/break-glass" + q + "&state=reviewed").status == 200);
  CHECK(t.call(po, "GET", "/v1/audit/referrals" + q).status == 200);
  CHECK(t.call(po, "GET", "/v1/audit/referrals" + q + "&due_within_days=30").status == 200);
  CHECK(t.call(po, "GET", "/v1/audit/referrals" + q + "&due_within_days=400").status == 400);
  CHECK(t.call(cw, "GET", "/v1/audit/referrals?actor=sw-maija").status == 403);

  // --- validate the transcript --------------------------------------------------------------
  TempDir dir("silta-openapi");
  auto file = dir / "transcript.json";
  std::ofstream(file) << t.entries().dump(2);
  if (const char* keep = std::getenv("SILTA_OPENAPI_TRANSCRIPT"); keep != nullptr && *keep) {
    std::ofstream(keep) << t.entries().dump(2);
  }
  auto result = run_command(
      {node->string(), (source_dir() / "tests/support/openapi_validate.js").string(),
       (source_dir() / "docs/openapi.yaml").string(), file.string(), "--require-every-operation"});
  INFO(result.output);
  CHECK(result.status == 0);
}
