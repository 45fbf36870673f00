// The demo agencies: valid temporary-range identity codes, data for every catalog category,
// the people of the Ankkuri story, idempotent delivery, and no identity code in any error.
#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <set>

#include "adapters/categories.h"
#include "adapters/demo_adapter.h"
#include "common/files.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::adapters;
using nlohmann::json;

namespace {

// The fixture file itself, read from the source tree.
json fixture_document() {
  auto text = read_file(test::source_dir() / "adapters/demo/fixtures.json");
  REQUIRE(text.ok());
  return json::parse(*text);
}

// Independent of the code under test: VN asetus 128/2010 as amended by 690/2022 (docs/law.md §7).
bool valid_temporary_identity_code(const std::string& code) {
  static const std::string kCheck = "0123456789ABCDEFHJKLMNPRSTUVWXY";
  static const std::map<char, int> kCentury = {
      {'+', 1800}, {'-', 1900}, {'Y', 1900}, {'X', 1900}, {'W', 1900}, {'V', 1900}, {'U', 1900},
      {'A', 2000}, {'B', 2000}, {'C', 2000}, {'D', 2000}, {'E', 2000}, {'F', 2000}};
  if (!std::regex_match(code, std::regex("[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]"))) return false;
  if (!kCentury.count(code[6])) return false;
  int day = std::stoi(code.substr(0, 2)), month = std::stoi(code.substr(2, 2));
  int year = kCentury.at(code[6]) + std::stoi(code.substr(4, 2));
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                   std::chrono::day(day)};
  if (!date.ok()) return false;
  int individual = std::stoi(code.substr(7, 3));
  if (individual < 900 || individual > 999) return false;  // the temporary range only
  long n = std::stol(code.substr(0, 6) + code.substr(7, 3));
  return code[10] == kCheck[n % 31];
}

FetchRequest request(const std::string& holder, const std::string& subject,
                     std::vector<std::string> categories) {
  FetchRequest r;
  r.request_id = "t-1";
  r.holder_agency = holder;
  r.requester_agency = "soite-lastensuojelu";
  r.requester_kind = "child_welfare";
  r.subject = subject;
  r.purpose = "cw_assessment";
  r.categories = std::move(categories);
  return r;
}

const std::regex kIdentityCode("[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]");

}  // namespace

TEST_CASE("the independent identity code check agrees with docs/law.md §7.2's examples", "[demo]") {
  CHECK(valid_temporary_identity_code("150317A901J"));
  CHECK(valid_temporary_identity_code("010180+950R"));
  CHECK(valid_temporary_identity_code("311299Y944N"));
  CHECK_FALSE(valid_temporary_identity_code("150317A901K"));  // wrong check character
  CHECK_FALSE(valid_temporary_identity_code("290200-961A"));  // 29.2.1900 never existed
  CHECK_FALSE(valid_temporary_identity_code("010594Y8021"));  // not the temporary range
}

TEST_CASE("every identity code in the demo fixtures is a valid temporary-range code", "[demo]") {
  auto doc = fixture_document();
  std::size_t n = 0;
  for (auto& [key, person] : doc["people"].items()) {
    INFO(key);
    CHECK(valid_temporary_identity_code(person["identity_code"].get<std::string>()));
    ++n;
  }
  CHECK(n >= 10);
}

TEST_CASE("the demo agencies hold data for every catalog category", "[demo]") {
  auto demo = DemoAdapter::builtin();
  auto doc = fixture_document();
  std::set<std::string> with_data;
  for (const auto& holder : demo->health_now().agencies) {
    for (auto& [key, person] : doc["people"].items()) {
      auto r = demo->fetch_now(request(holder.agency, person["identity_code"], holder.categories));
      REQUIRE(r.ok());
      for (const auto& [category, records] : r->categories) {
        if (!records.empty()) with_data.insert(category);
      }
    }
  }
  for (auto c : catalog_categories()) {
    INFO(c);
    CHECK(with_data.count(std::string(c)) == 1);
  }
}

TEST_CASE("the demo agencies are those of the demo registry", "[demo]") {
  auto health = DemoAdapter::builtin()->health_now();
  std::set<std::string> ids;
  for (const auto& a : health.agencies) ids.insert(a.agency);
  CHECK(ids == std::set<std::string>{"kokkola-perusopetus", "pohjanmaa-poliisi",
                                     "soite-lastensuojelu", "soite-mielenterveys", "soite-paihde",
                                     "soite-oppilashuolto"});
  CHECK(health.ok);
}

TEST_CASE("the fixtures tell the Ankkuri story", "[demo]") {
  auto demo = DemoAdapter::builtin();
  SECTION("child welfare asks the school for Veeti's attendance") {
    auto r = demo->fetch_now(request("kokkola-perusopetus", "110213A913H", {"school_attendance"}));
    REQUIRE(r.ok());
    REQUIRE(r->subject_known);
    auto& att = r->categories.at("school_attendance");
    REQUIRE(att.size() == 1);
    CHECK(att[0]["absent_unexcused_hours"] == 27);
  }
  SECTION("Ella, a capable 15-year-old, has mental health data") {
    auto r = demo->fetch_now(
        request("soite-mielenterveys", "140311A9265", {"mh_diagnosis", "mh_therapy_notes"}));
    REQUIRE(r.ok());
    CHECK(r->categories.at("mh_diagnosis")[0]["code"] == "F32.1");
    CHECK(r->categories.at("mh_therapy_notes")[0]["minor_capable_assessed"] == true);
  }
  SECTION("Onni, 14, has a shoplifting incident at the police") {
    auto r = demo->fetch_now(request("pohjanmaa-poliisi", "050912A931L",
                                     {"police_incident", "suspected_offence", "identity_contact"}));
    REQUIRE(r.ok());
    CHECK(r->categories.at("police_incident")[0]["type"] == "shoplifting");
    CHECK(r->categories.at("suspected_offence")[0]["statute"] == "RL 28:3");
    CHECK(r->categories.at("identity_contact")[0]["birth_date"] == "2012-09-05");
  }
  SECTION("a domestic violence notice about Aada, and a threat by her father") {
    auto dv =
        demo->fetch_now(request("pohjanmaa-poliisi", "080516A904F", {"domestic_violence_notice"}));
    REQUIRE(dv.ok());
    CHECK(dv->categories.at("domestic_violence_notice")[0]["children_present"] == true);
    auto threat = demo->fetch_now(request("pohjanmaa-poliisi", "210784-955N", {"threat_info"}));
    REQUIRE(threat.ok());
    CHECK(threat->categories.at("threat_info")[0]["statute"] == "ATL 62 §");
  }
}

TEST_CASE("an address under turvakielto is never forwarded", "[demo]") {
  auto demo = DemoAdapter::builtin();
  auto r = demo->fetch_now(request("soite-lastensuojelu", "080516A904F", {"identity_contact"}));
  REQUIRE(r.ok());
  const auto& contact = r->categories.at("identity_contact")[0];
  CHECK(contact["turvakielto"] == true);
  CHECK_FALSE(contact.contains("address"));
  for (const auto& g : contact["guardians"]) {
    CHECK_FALSE(g.contains("identity_code"));  // guardians are named, not identified
    if (g["turvakielto"] == true) CHECK_FALSE(g.contains("address"));
  }
}

TEST_CASE("only the requested categories come back, and unknown subjects carry no data", "[demo]") {
  auto demo = DemoAdapter::builtin();
  auto r = demo->fetch_now(request("kokkola-perusopetus", "110213A913H", {"grades"}));
  REQUIRE(r.ok());
  CHECK(r->categories.size() == 1);
  CHECK(r->categories.count("grades") == 1);

  // A catalog category the holder does not keep: nothing, not an error.
  auto other = demo->fetch_now(request("kokkola-perusopetus", "110213A913H", {"mh_diagnosis"}));
  REQUIRE(other.ok());
  CHECK(other->categories.at("mh_diagnosis").empty());

  auto unknown = demo->fetch_now(request("kokkola-perusopetus", "010114A9988", {"grades"}));
  REQUIRE(unknown.ok());
  CHECK_FALSE(unknown->subject_known);
  CHECK(unknown->categories.empty());

  // Known person, but not to this holder: Jenna is not a pupil.
  auto not_here = demo->fetch_now(request("kokkola-perusopetus", "030499-966V", {"grades"}));
  REQUIRE(not_here.ok());
  CHECK_FALSE(not_here->subject_known);
}

TEST_CASE("errors name no identity code", "[demo]") {
  auto demo = DemoAdapter::builtin();
  auto bad_agency = demo->fetch_now(request("no-such-agency", "110213A913H", {"grades"}));
  REQUIRE_FALSE(bad_agency.ok());
  CHECK(bad_agency.error().code == ErrorCode::kNotFound);
  auto bad_category =
      demo->fetch_now(request("kokkola-perusopetus", "110213A913H", {"grades", "110213A913H"}));
  REQUIRE_FALSE(bad_category.ok());
  CHECK(bad_category.error().code == ErrorCode::kInvalidArgument);
  for (const auto* e : {&bad_agency.error(), &bad_category.error()}) {
    CHECK_FALSE(std::regex_search(e->message, kIdentityCode));
  }
}

TEST_CASE("delivery is idempotent by referral id", "[demo]") {
  auto demo = DemoAdapter::builtin();
  Referral ref;
  ref.id = "r-1";
  ref.kind = "lsl_25_report";
  ref.recipient_agency = "soite-lastensuojelu";
  ref.sender_agency = "pohjanmaa-poliisi";
  ref.sender_kind = "police";
  ref.subject = "050912A931L";
  ref.basis = "fi.lsl.25.1";
  ref.sent_at = now_utc();
  ref.content = {{"summary", "shoplifting"}};

  auto first = demo->deliver_now(ref);
  REQUIRE(first.ok());
  CHECK_FALSE(first->duplicate);
  CHECK(first->reference.rfind("LS-", 0) == 0);
  auto again = demo->deliver_now(ref);
  REQUIRE(again.ok());
  CHECK(again->duplicate);
  CHECK(again->reference == first->reference);
  CHECK(again->received_at == first->received_at);
  CHECK(demo->delivered("soite-lastensuojelu").size() == 1);

  ref.content["summary"] = "something else";
  auto conflict = demo->deliver_now(ref);
  REQUIRE_FALSE(conflict.ok());
  CHECK(conflict.error().code == ErrorCode::kConflict);

  ref.recipient_agency = "nobody";
  CHECK(demo->deliver_now(ref).error().code == ErrorCode::kNotFound);
}

TEST_CASE("fixture documents are validated with every problem's path", "[demo]") {
  json doc = json::parse(R"({
    "people": {"p1": {"identity_code": "not-a-code", "given_names": "A", "family_name": "B",
                      "birth_date": "2010-01-01", "guardians": ["nobody"]}},
    "agencies": {"x": {"system": "s", "referral_prefix": "X",
                       "categories": ["grades", "no_such"],
                       "subjects": {"p1": {"mh_diagnosis": []}, "p2": {}},
                       "typo": 1}}
  })");
  json_check::Issues issues;
  CHECK(DemoAdapter::from_json(doc, issues) == nullptr);
  std::set<std::string> paths;
  for (const auto& i : issues.list()) paths.insert(i.path);
  CHECK(paths.count("/people/p1/identity_code"));
  CHECK(paths.count("/people/p1/guardians"));
  CHECK(paths.count("/agencies/x/categories/1"));
  CHECK(paths.count("/agencies/x/subjects/p1/mh_diagnosis"));
  CHECK(paths.count("/agencies/x/subjects/p2"));
  CHECK(paths.count("/agencies/x/typo"));
}
