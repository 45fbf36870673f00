// The adapter protocol's documents and its service side, without a network.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "adapters/demo_adapter.h"
#include "adapters/protocol.h"
#include "adapters/protocol_service.h"
#include "common/files.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::adapters;
using nlohmann::json;

namespace {

template <typename T>
T run(boost::asio::awaitable<T> coro) {
  boost::asio::io_context ioc;
  auto f = boost::asio::co_spawn(ioc, std::move(coro), boost::asio::use_future);
  ioc.run();
  return f.get();
}

json fetch_doc() {
  return {{"request_id", "gw-1"},
          {"agency", "kokkola-perusopetus"},
          {"requester", {{"agency", "soite-lastensuojelu"}, {"kind", "child_welfare"}}},
          {"subject", {{"identity_code", "110213A913H"}}},
          {"purpose", "cw_assessment"},
          {"categories", {"school_attendance", "grades"}},
          {"bases", {{"school_attendance", "fi.atl.64.1"}, {"grades", "fi.atl.64.1"}}},
          {"audit_seq", 42}};
}

Referral referral() {
  Referral r;
  r.id = "ref-7";
  r.kind = "lsl_25_report";
  r.recipient_agency = "soite-lastensuojelu";
  r.sender_agency = "pohjanmaa-poliisi";
  r.sender_kind = "police";
  r.subject = "050912A931L";
  r.basis = "fi.lsl.25.1";
  r.urgent = true;
  r.sent_at = *parse_rfc3339("2026-11-02T09:30:00Z");
  r.content = {{"summary", "shoplifting"}};
  return r;
}

std::map<std::string, std::string> by_path(const json_check::Issues& issues) {
  std::map<std::string, std::string> out;
  for (const auto& i : issues.list()) out[i.path] = i.message.en;
  return out;
}

const std::regex kIdentityCode("[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]");

}  // namespace

TEST_CASE("fetch requests round-trip", "[protocol]") {
  json_check::Issues issues;
  auto r = protocol::fetch_request_from_json(fetch_doc(), issues);
  INFO(issues.format());
  REQUIRE(r);
  CHECK(r->holder_agency == "kokkola-perusopetus");
  CHECK(r->requester_kind == "child_welfare");
  CHECK(r->subject == "110213A913H");
  CHECK(r->bases.at("grades") == "fi.atl.64.1");
  CHECK(r->audit_seq == 42u);
  CHECK(protocol::to_json(*r) == fetch_doc());
}

TEST_CASE("a bad fetch request lists every problem and never echoes a value", "[protocol]") {
  json doc = fetch_doc();
  doc["subject"]["identity_code"] = "11021-3A913H";
  doc["categories"] = {"grades", "grades", 7};
  doc["requester"].erase("kind");
  doc["agency"] = "bad agency/id";
  doc["bases"] = {{"grades", 1}};
  doc["extra"] = true;
  doc.erase("purpose");
  json_check::Issues issues;
  CHECK_FALSE(protocol::fetch_request_from_json(doc, issues));
  auto p = by_path(issues);
  CHECK(p.count("/subject/identity_code"));
  CHECK(p["/categories/2"] == "expected a string");
  CHECK(p["/requester/kind"] == "required: a string");
  CHECK(p.count("/agency"));
  CHECK(p.count("/bases/grades"));
  CHECK(p["/extra"] == "unknown key");
  CHECK(p["/purpose"] == "required: a string");
  CHECK(issues.format().find("3A913H") == std::string::npos);

  json_check::Issues dup;
  doc = fetch_doc();
  doc["categories"] = {"grades", "grades"};
  CHECK_FALSE(protocol::fetch_request_from_json(doc, dup));
  CHECK(by_path(dup)["/categories/1"] == "duplicate category");
}

TEST_CASE("fetch results must be arrays of records per category", "[protocol]") {
  json_check::Issues issues;
  auto ok = protocol::fetch_result_from_json(
      {{"subject_known", true}, {"categories", {{"grades", {{{"term", "spring"}}}}}}}, issues);
  REQUIRE(ok);
  CHECK(ok->categories.at("grades")[0]["term"] == "spring");

  json_check::Issues bad;
  CHECK_FALSE(protocol::fetch_result_from_json(
      {{"subject_known", true}, {"categories", {{"grades", {1}}, {"notes", "text"}}}}, bad));
  auto p = by_path(bad);
  CHECK(p["/categories/grades/0"] == "expected a record (JSON object)");
  CHECK(p["/categories/notes"] == "expected an array of records (JSON objects)");

  json_check::Issues unknown;
  CHECK_FALSE(protocol::fetch_result_from_json(
      {{"subject_known", false}, {"categories", {{"grades", json::array()}}}}, unknown));
  CHECK(by_path(unknown)["/categories"] == "expected no categories when subject_known is false");
}

TEST_CASE("referrals and receipts round-trip, and the digest tells content apart", "[protocol]") {
  json_check::Issues issues;
  auto back = protocol::referral_from_json(protocol::to_json(referral()), issues);
  INFO(issues.format());
  REQUIRE(back);
  CHECK(back->sent_at == referral().sent_at);
  CHECK(back->urgent);
  CHECK(protocol::referral_digest(*back) == protocol::referral_digest(referral()));
  auto other = referral();
  other.content["summary"] = "other";
  CHECK(protocol::referral_digest(other) != protocol::referral_digest(referral()));

  DeliveryReceipt receipt{"ref-7", "LS-2026-9001", *parse_rfc3339("2026-11-02T09:30:01Z"), true};
  auto r = protocol::receipt_from_json(protocol::to_json(receipt), issues);
  REQUIRE(r);
  CHECK(r->reference == "LS-2026-9001");
  CHECK(r->duplicate);

  json_check::Issues bad;
  CHECK_FALSE(protocol::receipt_from_json(
      {{"referral_id", "x"}, {"reference", ""}, {"received_at", "yesterday"}, {"duplicate", 1}},
      bad));
  auto p = by_path(bad);
  CHECK(p.count("/reference"));
  CHECK(p.count("/received_at"));
  CHECK(p["/duplicate"] == "expected true or false");
}

TEST_CASE("identity codes are redacted from foreign text", "[protocol]") {
  CHECK(protocol::redact_identity_codes("no patient 010180+950R here; also 311299Y944N.") ==
        "no patient [identity code] here; also [identity code].");
  CHECK(protocol::redact_identity_codes(std::string(500, 'x'), 10) == "xxxxxxxxxx...");
  CHECK(protocol::identity_code_shape_ok("150317A901J"));
  CHECK_FALSE(protocol::identity_code_shape_ok("150317a901J"));
  CHECK_FALSE(protocol::identity_code_shape_ok("150317A901"));
}

TEST_CASE("the protocol service answers as documented", "[protocol][service]") {
  auto demo = DemoAdapter::builtin();
  ProtocolService service(demo);

  CHECK(json::parse(service.versions().body) == json{{"versions", {"v1"}}});

  auto health = run(service.health());
  CHECK(health.status == 200);
  CHECK(json::parse(health.body)["agencies"].size() == 6);

  auto ok = run(service.fetch(fetch_doc()));
  CHECK(ok.status == 200);
  CHECK(ok.content_type == "application/json");
  auto body = json::parse(ok.body);
  CHECK(body["subject_known"] == true);
  CHECK(body["categories"].size() == 2);

  auto doc = fetch_doc();
  doc["categories"] = {"grades", "favourite_colour"};
  auto unknown = run(service.fetch(doc));
  CHECK(unknown.status == 400);
  CHECK(unknown.content_type == "application/problem+json");
  auto problem = json::parse(unknown.body);
  CHECK(problem["type"] == "urn:silta:problem:unknown-category");
  CHECK(problem["errors"][0]["pointer"] == "/categories/1");

  auto invalid = run(service.fetch(json::object()));
  CHECK(invalid.status == 400);
  CHECK(json::parse(invalid.body)["type"] == "urn:silta:problem:validation");
  CHECK(json::parse(invalid.body)["errors"].size() >= 6);

  doc = fetch_doc();
  doc["agency"] = "helsinki-poliisi";
  auto agency = run(service.fetch(doc));
  CHECK(agency.status == 404);
  CHECK(json::parse(agency.body)["type"] == "urn:silta:problem:unknown-agency");

  auto first = run(service.deliver("ref-7", protocol::to_json(referral())));
  CHECK(first.status == 201);
  auto second = run(service.deliver("ref-7", protocol::to_json(referral())));
  CHECK(second.status == 200);
  CHECK(json::parse(second.body)["duplicate"] == true);
  CHECK(json::parse(second.body)["reference"] == json::parse(first.body)["reference"]);
  auto changed = referral();
  changed.content["summary"] = "changed";
  auto conflict = run(service.deliver("ref-7", protocol::to_json(changed)));
  CHECK(conflict.status == 409);
  CHECK(json::parse(conflict.body)["type"] == "urn:silta:problem:referral-conflict");
  auto mismatch = run(service.deliver("ref-8", protocol::to_json(referral())));
  CHECK(mismatch.status == 400);
  CHECK(json::parse(mismatch.body)["errors"][0]["pointer"] == "/id");

  for (const auto* r : {&unknown, &invalid, &agency, &conflict, &mismatch}) {
    CHECK_FALSE(std::regex_search(r->body, kIdentityCode));
  }
}

TEST_CASE("the OpenAPI description names exactly the protocol's paths", "[protocol][docs]") {
  auto text = read_file(test::source_dir() / "docs/adapter-protocol.openapi.yaml");
  REQUIRE(text.ok());
  std::set<std::string> documented;
  std::regex path_line("^  (/silta-adapter[^ :]*):$");
  std::stringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_match(line, m, path_line)) documented.insert(m[1]);
  }
  CHECK(documented == std::set<std::string>{std::string(protocol::kVersionsPath),
                                            std::string(protocol::kHealthPath),
                                            std::string(protocol::kFetchPath),
                                            std::string(protocol::kReferralsPath) + "{id}"});
}

TEST_CASE("the catalog travels as three header fields, and only what is known is sent",
          "[adapters][protocol]") {
  protocol::CatalogStamp stamp{"2026.1", std::string(64, 'a'), {"grades", "school_attendance"}};
  auto headers = protocol::catalog_headers(stamp);
  REQUIRE(headers.size() == 3);
  CHECK(headers[0] == std::pair<std::string, std::string>{"Silta-Catalog-Version", "2026.1"});
  CHECK(headers[1].first == "Silta-Catalog-Sha256");
  CHECK(headers[2] == std::pair<std::string, std::string>{"Silta-Catalog-Categories",
                                                          "grades, school_attendance"});
  CHECK(protocol::categories_of_header(headers[2].second) == stamp.categories);
  CHECK(protocol::categories_of_header(" a ,b,, c ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(protocol::categories_of_header("").empty());
  CHECK(protocol::catalog_headers(protocol::CatalogStamp{}).empty());
}
