// The exchange API over real mutual TLS against a real `silta serve`: exchanges, decisions,
// consents with receipts, idempotency, roles, adapter failures and the audit trail they leave.
#include <openssl/evp.h>

#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "audit/config.h"
#include "common/codec.h"
#include "tests/support/demo_people.h"
#include "tests/support/demo_requests.h"
#include "tests/support/gateway_process.h"
#include "tests/support/postgres_server.h"

using namespace silta;
using namespace silta::test;
using nlohmann::json;

namespace {

// Audit records the privacy officer finds for a subject.
json audit_records(const GatewayProcess& gw, const std::string& code) {
  auto r = gw.client("soite-tietosuoja").get("/v1/audit/records?actor=po-1&subject=" + code);
  REQUIRE(r.status == 200);
  return r.json()["records"];
}

std::map<std::string, std::string> error_pointers(const HttpResult& r) {
  std::map<std::string, std::string> out;
  const json body = r.json();  // a range-for over r.json()[...] would outlive the temporary
  for (const auto& e : body["errors"]) out[e["pointer"]] = e["detail"];
  return out;
}

// Verifies a signed note's Ed25519 signature with OpenSSL (not the code that signed it), using
// the verifier key file "<name>+<hex id>+<base64(0x01 || key)>".
bool note_signature_valid(const std::string& note, const std::string& vkey) {
  auto split = note.find("\n\n");
  if (split == std::string::npos) return false;
  std::string text = note.substr(0, split + 1);
  std::string sig_line = note.substr(split + 2);
  auto space = sig_line.rfind(' ');
  auto sig = from_base64(sig_line.substr(space + 1, sig_line.find('\n', space) - space - 1));
  // name+id+key: the name has no '+', the base64 key may.
  auto key = from_base64(vkey.substr(vkey.find('+', vkey.find('+') + 1) + 1));
  if (!sig || sig->size() != 68 || !key || key->size() != 33) return false;
  EVP_PKEY* pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key->data() + 1, 32);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pk) == 1 &&
            EVP_DigestVerify(ctx, sig->data() + 4, 64,
                             reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pk);
  return ok;
}

// An http adapter's config for an agency system at 127.0.0.1:port.
json http_adapter(unsigned short port, int timeout_ms) {
  return {{"type", "http"},
          {"url", "https://127.0.0.1:" + std::to_string(port)},
          {"timeout_ms", timeout_ms},
          {"connect_timeout_ms", timeout_ms}};
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

TEST_CASE("a granted pull exchange releases the data, cites the statute, and is audited first",
          "[exchange]") {
  GatewayProcess gw;
  auto r = gw.client("soite-lastensuojelu").post_json("/v1/exchanges", attendance_request());
  REQUIRE(r.status == 200);
  auto j = r.json();
  CHECK(j["decision"]["outcome"] == "granted");
  auto cat = j["decision"]["categories"][0];
  CHECK(cat["category"] == "school_attendance");
  CHECK(cat["basis"]["id"] == "fi.atl.64.1");
  CHECK(cat["basis"]["short"] == "ATL 64 §(1)");
  CHECK(j["data"]["school_attendance"].size() == 1);
  CHECK(j["data"].size() == 1);  // only the granted category
  CHECK(j["subject_known"] == true);
  auto decision_seq = j["audit"]["decision_seq"].get<std::uint64_t>();
  auto disclosure_seq = j["audit"]["disclosure_seq"].get<std::uint64_t>();
  CHECK(decision_seq < disclosure_seq);

  auto records = audit_records(gw, people::kVeeti);
  json decision, disclosure;
  for (const auto& rec : records) {
    if (rec["seq"] == decision_seq) decision = rec;
    if (rec["seq"] == disclosure_seq) disclosure = rec;
  }
  CHECK(decision["type"] == "decision");
  CHECK(decision["citations"] == json::array({"fi.atl.64.1"}));
  CHECK(decision["reference"] == j["exchange_id"]);
  CHECK(disclosure["type"] == "disclosure");
  CHECK(disclosure["categories_granted"] == json::array({"school_attendance"}));
  CHECK(disclosure["response_digest"] == sha256_hex(canonical_json(j["data"])));
  CHECK(disclosure["direction"] == "pull");
  // The log has the pseudonym, never the identity code.
  CHECK(decision["subject"].get<std::string>().size() == 64);
  CHECK(decision.dump().find(people::kVeeti) == std::string::npos);
}

TEST_CASE(
    "a denied exchange is 403 with the reason and what would make it lawful, audited the "
    "same way",
    "[exchange]") {
  GatewayProcess gw;
  json req = {{"target", "soite-mielenterveys"},
              {"actor", "teacher-anna"},
              {"subject", {{"identity_code", people::kEllaHetu}, {"capable", true}}},
              {"purpose", "wellbeing_concern"},
              {"categories", {"mh_diagnosis"}}};
  auto r = gw.client("kokkola-perusopetus").post_json("/v1/exchanges", req);
  REQUIRE(r.status == 403);
  CHECK(r.header("content-type") == "application/problem+json");
  auto j = r.json();
  CHECK(j["type"] == "urn:silta:problem:denied");
  CHECK_FALSE(j.contains("data"));
  auto cat = j["decision"]["categories"][0];
  CHECK(cat["outcome"] == "denied");
  CHECK(cat["reason"] == "consent_missing");
  CHECK_FALSE(cat["alternatives"].empty());
  auto records = audit_records(gw, people::kEllaHetu);
  REQUIRE(records.size() == 1);
  CHECK(records[0]["type"] == "decision");
  CHECK(records[0]["decision"] == "denied");
  CHECK(records[0]["categories_denied"] == json::array({"mh_diagnosis"}));
}

TEST_CASE("a partly granted exchange releases only the granted categories", "[exchange]") {
  GatewayProcess gw;
  auto req = attendance_request();
  req["categories"] = {"school_attendance", "grades", "student_welfare_record"};
  auto r = gw.client("soite-lastensuojelu").post_json("/v1/exchanges", req);
  REQUIRE(r.status == 200);
  auto j = r.json();
  CHECK(j["decision"]["outcome"] == "partial");
  std::set<std::string> granted;
  for (const auto& c : j["decision"]["categories"]) {
    if (c["outcome"] == "granted") granted.insert(c["category"]);
  }
  CHECK_FALSE(granted.count("student_welfare_record"));
  for (auto it = j["data"].begin(); it != j["data"].end(); ++it) CHECK(granted.count(it.key()));
}

TEST_CASE("the decision route answers \"may I?\" without disclosing, and is audited",
          "[exchange]") {
  GatewayProcess gw;
  auto client = gw.client("soite-lastensuojelu");
  auto r = client.post_json("/v1/decisions", attendance_request());
  REQUIRE(r.status == 200);
  auto j = r.json();
  CHECK(j["decision"]["outcome"] == "granted");
  CHECK_FALSE(j.contains("data"));
  auto denied = attendance_request();
  denied.erase("case_reference");
  auto d = client.post_json("/v1/decisions", denied);
  REQUIRE(d.status == 200);  // a "no" is an answer here, not an error
  CHECK(d.json()["decision"]["outcome"] == "denied");
  auto records = audit_records(gw, people::kVeeti);
  CHECK(records.size() == 2);
  for (const auto& rec : records) CHECK(rec["type"] == "decision");
}

TEST_CASE("bad requests are problem+json listing every error, never echoing an identity code",
          "[exchange][validation]") {
  GatewayProcess gw;
  auto client = gw.client("soite-lastensuojelu");
  SECTION("every field error at its pointer") {
    json req = {{"target", "no-such-agency"},
                {"subject", {{"identity_code", "110213A913X"}}},
                {"purpose", "curiosity"},
                {"categories", {"school_attendance", "shoe_size"}},
                {"colour", "red"}};
    auto r = client.post_json("/v1/exchanges?lang=en", req);
    REQUIRE(r.status == 400);
    CHECK(r.json()["type"] == "urn:silta:problem:validation");
    auto e = error_pointers(r);
    CHECK(e.count("/target"));
    CHECK(e.count("/actor"));
    CHECK(e.count("/subject/identity_code"));
    CHECK(e["/purpose"] == "unknown purpose \"curiosity\"");
    CHECK(e["/categories/1"] == "unknown data category \"shoe_size\"");
    CHECK(e["/colour"] == "unknown key");
    CHECK(r.body.find("110213A913X") == std::string::npos);
  }
  SECTION("an impossible date in the identity code") {
    auto req = attendance_request("290200-961A");  // a correct check character, no such day
    auto r = client.post_json("/v1/exchanges", req);
    REQUIRE(r.status == 400);
    CHECK(error_pointers(r).count("/subject/identity_code"));
    CHECK(r.body.find("290200") == std::string::npos);
  }
  SECTION("malformed JSON") {
    auto r = client.request("POST", "/v1/exchanges", "{\"target\": ", {});
    CHECK(r.status == 400);
    CHECK(r.json()["type"] == "urn:silta:problem:malformed-json");
  }
  SECTION("not JSON at all") {
    auto r = client.request("POST", "/v1/exchanges", "target=x",
                            {{"Content-Type", "application/x-www-form-urlencoded"}});
    CHECK(r.status == 415);
  }
  SECTION("asking oneself") {
    auto req = attendance_request();
    req["target"] = "soite-lastensuojelu";
    auto r = client.post_json("/v1/exchanges", req);
    CHECK(r.status == 400);
    CHECK(error_pointers(r).count("/target"));
  }
  SECTION("an embargo on a disclosure that is not to the police") {
    auto req = attendance_request();
    req["embargo_until"] = "2027-06-01T00:00:00Z";
    auto r = client.post_json("/v1/exchanges", req);
    CHECK(r.status == 400);
    CHECK(error_pointers(r).count("/embargo_until"));
  }
  CHECK(gw.process().log().find("110213A913X") == std::string::npos);
}

TEST_CASE(
    "roles: an agency cannot read the audit log, a privacy officer cannot exchange, "
    "refusals are audited",
    "[exchange][roles]") {
  GatewayProcess gw(json{{"auth_failures", {{"summary_interval_ms", 1000}}}});
  auto agency = gw.client("soite-lastensuojelu").get("/v1/audit/records?actor=x");
  CHECK(agency.status == 403);
  CHECK(agency.json()["type"] == "urn:silta:problem:forbidden");
  auto officer = gw.client("soite-tietosuoja").post_json("/v1/exchanges", attendance_request());
  CHECK(officer.status == 403);
  auto unregistered = gw.client("unregistered-client").get("/v1/catalog");
  CHECK(unregistered.status == 403);
  // Refusals are audited in the background: wait until both are there.
  auto officer_client = gw.client("soite-tietosuoja");
  CHECK(eventually([&] {
    auto refused = officer_client.get("/v1/audit/records?actor=po-1&event_type=auth-failure");
    const json records = refused.json();
    std::set<std::string> outcomes;
    bool unregistered_counted = false;
    for (const auto& rec : records["records"]) {
      outcomes.insert(rec["outcome"]);
      // Connections refused before authentication are summarised per interval.
      unregistered_counted |=
          rec["outcome"] == "refused_connections" &&
          rec.value("justification", "").find("reason=unregistered") != std::string::npos;
    }
    return outcomes.count("forbidden_role") && unregistered_counted;
  }));
}

TEST_CASE(
    "consents: recorded with a receipt that verifies independently, listed and revoked "
    "by its parties only",
    "[exchange][consents]") {
  GatewayProcess gw;
  auto school = gw.client("kokkola-perusopetus");
  json consent = ella_self_consent("teacher-anna");
  auto created = school.post_json("/v1/consents", consent);
  REQUIRE(created.status == 201);
  auto c = created.json();
  std::string id = c["consent"]["id"];
  std::string note = c["receipt"]["note"];
  CHECK(note.rfind("silta consent receipt v1\n", 0) == 0);
  CHECK(note.find(people::kEllaHetu) == std::string::npos);
  CHECK(note_signature_valid(note, read_text(gw.dir() / "keys" / "audit.vkey")));
  // A changed receipt does not verify.
  std::string forged = note;
  forged[forged.find("mh_diagnosis")] = 'x';
  CHECK_FALSE(note_signature_valid(forged, read_text(gw.dir() / "keys" / "audit.vkey")));

  auto list = school.get("/v1/consents?subject=" + std::string(people::kEllaHetu));
  REQUIRE(list.status == 200);
  CHECK(list.json()["consents"].size() == 1);
  CHECK(list.json()["consents"][0]["status"] == "active");
  // Another agency sees neither the list entry nor the consent.
  auto other = gw.client("soite-lastensuojelu");
  CHECK(other.get("/v1/consents?subject=" + std::string(people::kEllaHetu))
            .json()["consents"]
            .empty());
  CHECK(other.get("/v1/consents/" + id).status == 404);
  CHECK(other
            .post_json("/v1/consents/" + id + "/revoke",
                       {{"actor", "x"}, {"capacity", "self"}, {"channel", "letter"}})
            .status == 404);

  json revoke = {{"actor", "teacher-anna"}, {"capacity", "self"}, {"channel", "in_person"}};
  auto revoked = school.post_json("/v1/consents/" + id + "/revoke", revoke);
  REQUIRE(revoked.status == 200);
  CHECK(revoked.json()["consent"]["status"] == "revoked");
  CHECK(note_signature_valid(revoked.json()["receipt"]["note"],
                             read_text(gw.dir() / "keys" / "audit.vkey")));
  auto again = school.post_json("/v1/consents/" + id + "/revoke", revoke);
  CHECK(again.status == 409);
  CHECK(school.get("/v1/consents?subject=" + std::string(people::kEllaHetu))
            .json()["consents"]
            .empty());
  CHECK(school.get("/v1/consents?all=true&subject=" + std::string(people::kEllaHetu))
            .json()["consents"]
            .size() == 1);

  SECTION("a capable minor's consent without who assessed it is refused") {
    auto bad = consent;
    bad["granted_by"][0].erase("assessed_by");
    auto r = school.post_json("/v1/consents", bad);
    CHECK(r.status == 400);
    CHECK(error_pointers(r).count("/granted_by/0/assessed_by"));
  }
}

TEST_CASE("Idempotency-Key: a retry gets the first answer, another body is 409", "[exchange]") {
  GatewayProcess gw;
  auto client = gw.client("soite-lastensuojelu");
  std::map<std::string, std::string> key = {{"Idempotency-Key", "retry-7f3a"}};
  auto first = client.post_json("/v1/exchanges", attendance_request(), key);
  REQUIRE(first.status == 200);
  auto second = client.post_json("/v1/exchanges", attendance_request(), key);
  REQUIRE(second.status == 200);
  CHECK(second.header("idempotent-replayed") == "true");
  CHECK(second.json()["exchange_id"] == first.json()["exchange_id"]);
  auto other = attendance_request();
  other["categories"] = {"grades"};
  auto conflict = client.post_json("/v1/exchanges", other, key);
  CHECK(conflict.status == 409);
  CHECK(conflict.json()["type"] == "urn:silta:problem:idempotency-key-reused");
  // Only one exchange happened: one decision and one disclosure.
  CHECK(audit_records(gw, people::kVeeti).size() == 2);
}

TEST_CASE("Idempotency-Key: while the first request runs, a second with the key is 409",
          "[exchange]") {
  // The school's system accepts the connection and then says nothing, so the first exchange
  // stays in its adapter call (until its timeout) while the second arrives.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor silent(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  json adapters = {{"kokkola-perusopetus", http_adapter(silent.local_endpoint().port(), 5000)}};
  GatewayProcess gw(json{{"adapters", adapters}});
  std::map<std::string, std::string> key = {{"Idempotency-Key", "slow-1"}};
  HttpResult first;
  std::thread running([&] {
    first = gw.client("soite-lastensuojelu").post_json("/v1/exchanges", attendance_request(), key);
  });
  boost::asio::ip::tcp::socket held(ioc);
  silent.accept(held);  // the first request has reserved its key and is calling the adapter
  auto second =
      gw.client("soite-lastensuojelu").post_json("/v1/exchanges", attendance_request(), key);
  running.join();
  CHECK(second.status == 409);
  CHECK(second.json()["type"] == "urn:silta:problem:idempotency-key-in-progress");
  CHECK(second.header("retry-after") == "1");
  CHECK(first.status == 504);
  // One exchange ran: one decision, one (failed) disclosure.
  CHECK(audit_records(gw, people::kVeeti).size() == 2);
}

TEST_CASE("a dead agency system is 502, a silent one 504, both audited, nothing released",
          "[exchange][adapters]") {
  // A listening socket that never answers, and a port where nothing listens.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor silent(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  json adapters = {{"kokkola-perusopetus", http_adapter(silent.local_endpoint().port(), 300)},
                   {"soite-mielenterveys", http_adapter(1, 300)}};
  GatewayProcess gw(json{{"adapters", adapters}});
  auto client = gw.client("soite-lastensuojelu");
  auto timeout = client.post_json("/v1/exchanges", attendance_request());
  CHECK(timeout.status == 504);
  CHECK(timeout.json()["type"] == "urn:silta:problem:adapter-timeout");
  CHECK_FALSE(timeout.json().contains("data"));

  json mh = {{"target", "soite-mielenterveys"},
             {"actor", "sw-maija"},
             {"subject", {{"identity_code", people::kEllaHetu}}},
             {"purpose", "cw_assessment"},
             {"categories", {"mh_treatment_contacts"}},
             {"case_reference", "SOITE-LS-2026-0500"},
             {"justification", "Service-need assessment: is the child in treatment?"}};
  auto dead = client.post_json("/v1/exchanges", mh);
  CHECK(dead.status == 502);
  CHECK(dead.json()["type"] == "urn:silta:problem:adapter-failed");
  // The detail names no internal host.
  CHECK(dead.body.find("127.0.0.1") == std::string::npos);

  std::set<std::string> outcomes;
  for (const auto& rec : audit_records(gw, people::kVeeti)) {
    if (rec["type"] == "disclosure") outcomes.insert(rec["outcome"]);
  }
  CHECK(outcomes == std::set<std::string>{"adapter_timeout"});
  outcomes.clear();
  for (const auto& rec : audit_records(gw, people::kEllaHetu)) {
    if (rec["type"] == "disclosure") {
      outcomes.insert(rec["outcome"]);
      CHECK_FALSE(rec.contains("categories_granted"));
    }
  }
  CHECK(outcomes == std::set<std::string>{"adapter_failed"});

  // The privacy officer's filters that read the records: the failures, a case, a purpose.
  auto officer = gw.client("soite-tietosuoja");
  auto found = [&](const std::string& filters) {
    auto r = officer.get("/v1/audit/records?actor=po-1&" + filters);
    REQUIRE(r.status == 200);
    std::multiset<std::string> out;
    const json body = r.json();
    for (const auto& rec : body["records"]) {
      out.insert(rec["type"].get<std::string>() + ":" + rec["outcome"].get<std::string>());
    }
    return out;
  };
  CHECK(found("outcome=failed") ==
        std::multiset<std::string>{"disclosure:adapter_timeout", "disclosure:adapter_failed"});
  CHECK(found("case_reference=SOITE-LS-2026-0500") ==
        std::multiset<std::string>{"decision:decided", "disclosure:adapter_failed"});
  CHECK(found("case_reference=SOITE-LS-2026-0500&event_type=decision&outcome=granted") ==
        std::multiset<std::string>{"decision:decided"});
  CHECK(found("outcome=denied").empty());
  CHECK(found("purpose=cw_assessment&event_type=decision").size() == 2);
  CHECK(found("purpose=no_such_purpose").empty());
  // The acting official: the officer's own reads so far (each is written after it answers), and
  // nobody else's records.
  auto own = officer.get("/v1/audit/records?actor=po-1&acted_by=po-1&limit=1000").json();
  CHECK(own["records"].size() >= 6);
  for (const auto& rec : own["records"]) {
    CHECK(rec["type"] == "audit-read");
    CHECK(rec["actor"] == "po-1");
  }
  CHECK(found("acted_by=po-2").empty());
  auto too_long = officer.get("/v1/audit/records?actor=po-1&acted_by=" + std::string(201, 'a'));
  CHECK(too_long.status == 400);
  CHECK(too_long.json()["errors"][0]["pointer"] == "?acted_by");
  // A page of one, with the rest after its cursor.
  auto first = officer.get("/v1/audit/records?actor=po-1&outcome=failed&limit=1").json();
  REQUIRE(first["records"].size() == 1);
  REQUIRE(first.contains("next_cursor"));
  auto rest = officer
                  .get("/v1/audit/records?actor=po-1&outcome=failed&limit=1&cursor=" +
                       first["next_cursor"].get<std::string>())
                  .json();
  REQUIRE(rest["records"].size() == 1);
  CHECK(rest["records"][0]["outcome"] != first["records"][0]["outcome"]);
  CHECK_FALSE(rest.contains("next_cursor"));
}

TEST_CASE("an address under turvakielto is never forwarded", "[exchange]") {
  GatewayProcess gw;
  json req = {{"target", "kokkola-perusopetus"},
              {"actor", "sw-maija"},
              {"subject", {{"identity_code", people::kAada}, {"turvakielto", true}}},
              {"purpose", "cw_assessment"},
              {"categories", {"identity_contact"}},
              {"case_reference", "SOITE-LS-2026-0777"},
              {"justification", "Service-need assessment after a domestic violence notice"}};
  auto r = gw.client("soite-lastensuojelu").post_json("/v1/exchanges", req);
  REQUIRE(r.status == 200);
  auto cat = r.json()["decision"]["categories"][0];
  REQUIRE(cat["outcome"] == "granted");
  CHECK(cat["withheld_fields"] == json::array({"address"}));
  const json body = r.json();
  for (const auto& record : body["data"]["identity_contact"]) {
    CHECK_FALSE(record.contains("address"));
  }
}

TEST_CASE("the catalog in force, with its version and hash", "[exchange]") {
  GatewayProcess gw;
  auto r = gw.client("pohjanmaa-poliisi").get("/v1/catalog");
  REQUIRE(r.status == 200);
  auto j = r.json();
  CHECK(j["id"] == "fi");
  CHECK(j["sha256"].get<std::string>().size() == 64);
  CHECK_FALSE(j["bases"].empty());
}

// Two instances share one PostgreSQL store (and the store and pseudonym keys), each with its own
// audit log and origin. The subject report on one shows the other's records in full: their bases,
// and the police embargo that withholds an entry from the person (ATL 11 §).
TEST_CASE("instances on one PostgreSQL report each other's records in full, embargoes included",
          "[exchange][postgres]") {
  std::string why_not;
  auto pg = PostgresServer::start(why_not);
  if (!pg) {
    WARN(why_not);
    return;
  }
  TempDir keys("silta-keys");
  REQUIRE(run_command({silta_binary().string(), "db", "keygen", "--key-file",
                       (keys / "store.key").string()})
              .status == 0);
  REQUIRE(audit::generate_key_files(keys.path(), "shared"));  // its pseudonym key serves both
  json patch = {
      {"store",
       {{"url", pg->uri(pg->create_database())}, {"key_file", (keys / "store.key").string()}}},
      {"audit", {{"pseudonym_key", (keys / "pseudonym.key").string()}}}};
  patch["audit"]["origin"] = "gw-a";
  GatewayProcess a(patch);
  patch["audit"]["origin"] = "gw-b";
  GatewayProcess b(patch);

  // On b: child welfare gets Veeti's attendance; the police get it for an investigation,
  // embargoed from his report.
  REQUIRE(b.client("soite-lastensuojelu").post_json("/v1/exchanges", attendance_request()).status ==
          200);
  json investigation = police_investigation(people::kVeeti);
  REQUIRE(b.client("pohjanmaa-poliisi").post_json("/v1/exchanges", investigation).status == 200);

  // On a, once b has indexed its records (within about half a second).
  auto officer = a.client("soite-tietosuoja");
  json report;
  REQUIRE(eventually([&] {
    auto r =
        officer.get("/v1/audit/subject-report?actor=po-1&subject=" + std::string(people::kVeeti));
    if (r.status != 200) return false;
    report = r.json();
    return report["entries"].size() == 2 && report["withheld_count"] == 2;
  }));
  for (const auto& e : report["entries"]) {  // child welfare's decision and disclosure, in full
    CHECK(e["origin"] == "gw-b");
    CHECK(e["full_record"] == true);
    CHECK(e["agency"] == "soite-lastensuojelu");
    CHECK(e["bases"] == json::array({"fi.atl.64.1"}));
  }
  for (const auto& e : report["withheld_entries_for_privacy_officer"]) {
    CHECK(e["agency"] == "pohjanmaa-poliisi");
    CHECK(e.contains("embargo_until"));
  }
  // The search shows them in full too.
  auto records = officer.get("/v1/audit/records?actor=po-1&agency=pohjanmaa-poliisi");
  REQUIRE(records.status == 200);
  const json found = records.json()["records"];
  REQUIRE(found.size() == 2);
  for (const auto& r : found) {
    CHECK(r["origin"] == "gw-b");
    CHECK_FALSE(r.contains("full_record"));
    CHECK(r.contains("embargo_until"));
  }

  // A third instance given b's origin (a copied configuration) refuses to start rather than mix
  // two logs' entries in the index.
  patch["audit"]["origin"] = "gw-b";
  CHECK_THROWS_WITH(GatewayProcess(patch), Catch::Contains("two audit logs use this origin"));
}
