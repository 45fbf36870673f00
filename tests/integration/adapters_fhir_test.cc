// The fhir adapter against a fixture FHIR R4 server over mutual TLS: patient lookup by the
// Finnish identity code, category mapping, paging, OperationOutcome errors, conditional
// create of referrals.
#include <catch2/catch.hpp>

#include "adapters/fhir_adapter.h"
#include "tests/integration/adapter_harness.h"
#include "tests/support/fhir_server.h"
#include "tests/support/process.h"

using namespace silta;
using namespace silta::adapters;
using namespace silta::test;
using nlohmann::json;

namespace {

FhirSettings mapping() {
  FhirSettings f;
  f.page_size = 2;
  f.mapping["mh_diagnosis"] = {{"Condition", {{"category", "encounter-diagnosis"}}, "patient"}};
  f.mapping["mh_treatment_contacts"] = {{"Encounter", {}, "patient"},
                                        {"EpisodeOfCare", {}, "patient"}};
  f.mapping["mh_therapy_notes"] = {
      {"DocumentReference", {{"category", "urn:silta:test:doc-category|therapy-note"}}, "patient"}};
  f.mapping["identity_contact"] = {{"Patient", {}, "patient"}};
  f.mapping["substance_treatment"] = {{"CarePlan", {}, "patient"}};
  f.mapping["school_health_record"] = {{"Observation", {{"category:text", "school"}}, "patient"}};
  return f;
}

FetchRequest ella(std::vector<std::string> categories) {
  FetchRequest r;
  r.request_id = "gw-fhir-1";
  r.holder_agency = "soite-mielenterveys";
  r.requester_agency = "soite-lastensuojelu";
  r.requester_kind = "child_welfare";
  r.subject = "140311A9265";
  r.purpose = "cw_assessment";
  r.categories = std::move(categories);
  return r;
}

Deadline soon() { return Clock::now() + Millis(20'000); }

std::vector<std::string> ids(const json& resources) {
  std::vector<std::string> out;
  for (const auto& r : resources) out.push_back(r["id"]);
  return out;
}

}  // namespace

TEST_CASE("the fhir adapter maps categories to searches and follows next links",
          "[adapters][fhir]") {
  FhirFixtureServer fhir;
  AdapterHarness h;
  FhirAdapter adapter(h.endpoint(fhir.base_url(), {}, "soite-mielenterveys"), mapping());

  auto r = h.run(adapter.fetch(ella({"mh_diagnosis", "mh_treatment_contacts", "mh_therapy_notes",
                                     "identity_contact", "grades"}),
                               soon()));
  INFO((r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  CHECK(r->subject_known);
  // Three pages of Conditions; the _include'd Patient and the informational outcome are not
  // matches.
  CHECK(ids(r->categories.at("mh_diagnosis")) ==
        std::vector<std::string>{"c-101", "c-102", "c-103", "c-104", "c-105"});
  CHECK(r->categories.at("mh_diagnosis")[0]["code"]["coding"][0]["code"] == "F32.1");
  // Two searches feed one category.
  CHECK(ids(r->categories.at("mh_treatment_contacts")) ==
        std::vector<std::string>{"e-201", "e-202", "e-203", "eoc-301"});
  CHECK(ids(r->categories.at("mh_therapy_notes")) == std::vector<std::string>{"d-401"});
  CHECK(r->categories.at("identity_contact")[0]["resourceType"] == "Patient");
  CHECK(r->categories.at("grades").empty());  // not mapped: the system holds none

  // The identity code went in a POST body only, never in a URL.
  bool searched_by_post = false;
  for (const auto& req : fhir.requests()) {
    CHECK(req.target.find("140311A9265") == std::string::npos);
    CHECK(req.header("accept") == "application/fhir+json");
    if (req.target == "/fhir/Patient/_search") {
      searched_by_post =
          req.method == "POST" && req.body == "identifier=urn%3Aoid%3A1.2.246.21%7C140311A9265";
    }
  }
  CHECK(searched_by_post);
  // Patient, three Condition pages, Encounter, EpisodeOfCare, DocumentReference: seven
  // requests on one kept-alive connection.
  CHECK(fhir.requests().size() == 7);
  CHECK(fhir.server().connections() == 1);
}

TEST_CASE("a patient the FHIR server does not know is subject_known false", "[adapters][fhir]") {
  FhirFixtureServer fhir;
  AdapterHarness h;
  FhirAdapter adapter(h.endpoint(fhir.base_url(), {}, "soite-mielenterveys"), mapping());
  auto req = ella({"mh_diagnosis"});
  req.subject = "010114A9988";
  auto r = h.run(adapter.fetch(req, soon()));
  REQUIRE(r.ok());
  CHECK_FALSE(r->subject_known);
  CHECK(r->categories.empty());
  CHECK(fhir.requests().size() == 1);  // no searches without a patient
}

TEST_CASE("OperationOutcome answers become clear errors without identity codes",
          "[adapters][fhir]") {
  FhirFixtureServer fhir;
  AdapterHarness h;
  FhirAdapter adapter(h.endpoint(fhir.base_url(), {}, "soite-mielenterveys"), mapping());
  SECTION("400 with an OperationOutcome") {
    auto r = h.run(adapter.fetch(ella({"school_health_record"}), soon()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kFailedPrecondition);
    CHECK(r.error().message.find("refused the Observation search: HTTP 400: error/processing: "
                                 "Invalid request: unknown search parameter") != std::string::npos);
    CHECK(r.error().message.find("[identity code]") != std::string::npos);
    CHECK_FALSE(std::regex_search(r.error().message, identity_code_pattern()));
  }
  SECTION("500 with an OperationOutcome: not retried (only 502, 503, 504 are), failed") {
    auto r = h.run(adapter.fetch(ella({"substance_treatment"}), soon()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kUnavailable);
    CHECK(r.error().message.find("fatal/exception: The database connection was lost") !=
          std::string::npos);
    std::size_t careplan = 0;
    for (const auto& req : fhir.requests()) careplan += req.target.rfind("/fhir/CarePlan", 0) == 0;
    CHECK(careplan == 1);
    CHECK(h.count("adapter_call_failed") == 1);
  }
  CHECK_FALSE(std::regex_search(h.events_text(), identity_code_pattern()));
}

TEST_CASE("a FHIR server that ignores the identifier is not believed", "[adapters][fhir]") {
  FhirFixtureServer fhir;
  fhir.set_mode(FhirFixtureServer::Mode::kIgnoreIdentifier);
  AdapterHarness h;
  FhirAdapter adapter(h.endpoint(fhir.base_url(), {}, "soite-mielenterveys"), mapping());
  auto r = h.run(adapter.fetch(ella({"mh_diagnosis"}), soon()));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("does not carry the identity code searched for") !=
        std::string::npos);
  CHECK(fhir.requests().size() == 1);  // nothing fetched about the wrong person
}

TEST_CASE("a next link to another host is not followed", "[adapters][fhir]") {
  FhirFixtureServer fhir;
  fhir.set_mode(FhirFixtureServer::Mode::kForeignNextLink);
  AdapterHarness h;
  FhirAdapter adapter(h.endpoint(fhir.base_url(), {}, "soite-mielenterveys"), mapping());
  auto r = h.run(adapter.fetch(ella({"mh_diagnosis"}), soon()));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("a link outside its base URL") != std::string::npos);
}

TEST_CASE("paging stops at max_pages with a clear error", "[adapters][fhir]") {
  FhirFixtureServer fhir;
  AdapterHarness h;
  auto settings = mapping();
  settings.max_pages = 2;
  FhirAdapter adapter(h.endpoint(fhir.base_url(), {}, "soite-mielenterveys"), settings);
  auto r = h.run(adapter.fetch(ella({"mh_diagnosis"}), soon()));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("more than 2 pages") != std::string::npos);
}

TEST_CASE("referrals go in as a Communication with a conditional create", "[adapters][fhir]") {
  FhirFixtureServer fhir;
  AdapterHarness h;
  FhirAdapter adapter(h.endpoint(fhir.base_url(), {}, "soite-mielenterveys"), mapping());
  Referral ref;
  ref.id = "ref-fhir-1";
  ref.kind = "shl_35_contact";
  ref.recipient_agency = "soite-mielenterveys";
  ref.sender_agency = "kokkola-perusopetus";
  ref.sender_kind = "school";
  ref.subject = "140311A9265";
  ref.basis = "fi.shl.35.1";
  ref.sent_at = now_utc();
  ref.content = {{"concern", "low mood"}};

  auto first = h.run(adapter.deliver(ref, soon()));
  REQUIRE(first.ok());
  CHECK_FALSE(first->duplicate);
  CHECK(first->reference == "Communication/comm-1");
  auto again = h.run(adapter.deliver(ref, soon()));
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK(again->reference == first->reference);
  CHECK(fhir.communications() == 1);

  ref.content["concern"] = "something else";
  auto conflict = h.run(adapter.deliver(ref, soon()));
  REQUIRE_FALSE(conflict.ok());
  CHECK(conflict.error().code == ErrorCode::kConflict);

  for (const auto& req : fhir.requests()) {
    if (req.target != "/fhir/Communication") continue;
    CHECK(req.header("if-none-exist") == "identifier=urn%3Asilta%3Areferral%7Cref-fhir-1");
    auto body = json::parse(req.body);
    CHECK(body["subject"]["identifier"]["system"] == "urn:oid:1.2.246.21");
    CHECK(body["priority"] == "routine");
  }
}

TEST_CASE("health reads the CapabilityStatement", "[adapters][fhir]") {
  FhirFixtureServer fhir;
  AdapterHarness h;
  FhirAdapter adapter(h.endpoint(fhir.base_url(), {}, "soite-mielenterveys"), mapping());
  auto r = h.run(adapter.health(soon()));
  REQUIRE(r.ok());
  CHECK(r->ok);
  CHECK(r->system.find("FHIR 4.0.1 server: Fixture FHIR server") != std::string::npos);
  REQUIRE(r->agencies.size() == 1);
  CHECK(r->agencies[0].categories.size() == 6);
}
