// Loading and checking catalogs: the shipped Finnish catalog, and every kind of problem a
// catalog author can make, reported with its file and JSON path.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "common/codec.h"
#include "policy/calendar.h"
#include "policy/consent_json.h"
#include "tests/unit/policy/catalog_test_support.h"

using namespace silta::policy;
using namespace silta::policy::testing;
using nlohmann::json;

namespace {

std::vector<CatalogProblem> problems_of(const CatalogFiles& files) {
  auto loaded = parse_catalog(files);
  CHECK(loaded.catalog == nullptr);
  return loaded.problems;
}

std::string path_of(const BasisAt& at, const std::string& rest) {
  return "/bases/" + std::to_string(at.index) + rest;
}

}  // namespace

TEST_CASE("the shipped catalog loads and has the ids of docs/law.md", "[catalog]") {
  auto c = shipped_catalog();
  CHECK(c->id == "fi");
  CHECK_FALSE(c->version.empty());
  CHECK(std::regex_match(c->sha256, std::regex("[0-9a-f]{64}")));
  for (const char* k : {"child_welfare", "mental_health", "substance_services", "school",
                        "student_welfare", "school_health", "police", "youth_services"}) {
    CHECK(c->find_kind(k) != nullptr);
  }
  for (const char* cat : {"identity_contact",         "cw_client_status",
                          "cw_report_exists",         "cw_report_content",
                          "cw_assessment_outcome",    "cw_placement",
                          "school_attendance",        "grades",
                          "learning_support",         "student_welfare_record",
                          "school_health_record",     "mh_diagnosis",
                          "mh_treatment_contacts",    "mh_therapy_notes",
                          "substance_treatment",      "police_incident",
                          "domestic_violence_notice", "suspected_offence",
                          "interrogation_record",     "threat_info"}) {
    CHECK(c->find_category(cat) != nullptr);
  }
  for (const char* p :
       {"cw_assessment", "cw_urgent", "cw_custody_prep", "cw_report", "police_notification",
        "crime_investigation", "minor_suspect_notice", "threat_prevention", "health_care",
        "social_service", "teaching_arrangement", "student_welfare_individual",
        "ankkuri_early_support", "outreach_youth_work", "cw_client_work", "assessment_request",
        "emergency"}) {
    CHECK(c->find_purpose(p) != nullptr);
  }
  // Every basis of docs/law.md §3 and the consent paths of §4.
  for (const char* b :
       {"fi.lsl.25.1",   "fi.lsl.25a",     "fi.lsl.25c",  "fi.lsl.25.3", "fi.lsl.25d.1",
        "fi.lsl.41.2",   "fi.shl.35.1",    "fi.shl.35.2", "fi.atl.53.3", "fi.atl.53.5",
        "fi.atl.54.2",   "fi.atl.55.2",    "fi.atl.56",   "fi.atl.62",   "fi.atl.63.1",
        "fi.atl.63.2",   "fi.atl.64.1",    "fi.atl.6",    "fi.pol.40.2", "fi.pol.40.5",
        "fi.pol.41.4",   "fi.ohl.23.2",    "fi.ohl.23.3", "fi.ohl.23.4", "fi.ovl.23.3",
        "fi.poll.7.2.1", "fi.poll.7.2.2",  "fi.poll.4.2", "fi.etl.7.16", "fi.nuorl.11.2",
        "fi.nuorl.28",   "fi.julkl.26.1.2"}) {
    INFO(b);
    const auto* basis = c->find_basis(b);
    REQUIRE(basis != nullptr);
    CHECK(basis->citation.law != nullptr);
    CHECK_FALSE(basis->notes.fi.empty());
    CHECK_FALSE(basis->notes.en.empty());
  }
  for (const char* r : {"lsl25_report", "lsl25a_joint_contact", "lsl25c_prebirth_report",
                        "shl35_contact", "lsl25_3_police_report"}) {
    CHECK(c->find_referral_kind(r) != nullptr);
  }
  CHECK(c->find_referral_kind("lsl25_report")->consent == ReferralConsent::kNotRequired);
  CHECK(c->find_referral_kind("shl35_contact")->consent ==
        ReferralConsent::kRequiredUnlessConditions);
  CHECK(c->find_referral_kind("lsl25_3_police_report")->companion == "lsl25_report");
}

TEST_CASE("citations read as the statute is cited", "[catalog]") {
  auto c = shipped_catalog();
  CHECK(c->find_basis("fi.lsl.25.1")->citation.short_text() == "LSL 25 §(1)");
  CHECK(c->find_basis("fi.lsl.25.1")->citation.text() == "Lastensuojelulaki 417/2007 25 § 1 mom.");
  CHECK(c->find_basis("fi.lsl.25c")->citation.short_text() == "LSL 25 c §");
  CHECK(c->find_basis("fi.poll.7.2.2")->citation.short_text() == "PolL 7:2(2)");
  CHECK(c->find_basis("fi.poll.7.2.2")->citation.text() ==
        "Poliisilaki 872/2011 7 luku 2 § 2 mom.");
  CHECK(c->find_basis("fi.atl.53.5")->citation.short_text() == "ATL 53 §(5), 2nd sentence");
  CHECK(c->find_basis("fi.julkl.26.1.2")->citation.short_text() == "JulkL 26 §(1)(2)");
  CHECK(c->find_deadline("dl.gdpr.12.3")->citation.short_text() == "GDPR Art. 12(3)");
  CHECK(c->find_basis("fi.atl.64.1")->citation.law->url.rfind("https://www.finlex.fi/", 0) == 0);
}

TEST_CASE("the catalog's deadlines are the calendar's", "[catalog]") {
  auto c = shipped_catalog();
  CHECK(c->find_deadline("dl.lsl.26.2")->spec == kUrgencyAssessment);
  CHECK(c->find_deadline("dl.lsl.26.5.start")->spec == kAssessmentStart);
  CHECK(c->find_deadline("dl.lsl.26.5.complete")->spec == kAssessmentComplete);
  CHECK(c->find_deadline("dl.shl.36.3.start")->spec == kAssessmentStart);
  CHECK(c->find_deadline("dl.shl.36.3.complete")->spec == kAssessmentComplete);
  CHECK(c->find_deadline("dl.lsl.38.2")->spec == kUrgentPlacement);
}

TEST_CASE("the hash is of the content, not of its formatting", "[catalog]") {
  auto files = shipped_files();
  auto original = parse_catalog(files).catalog->sha256;
  CatalogFiles reformatted;
  for (const auto& [name, content] : files) reformatted[name] = json::parse(content).dump();
  CHECK(parse_catalog(reformatted).catalog->sha256 == original);
  edit_basis(files, "fi.atl.64.1", [](json& b) { b["notes"]["en"] = "Changed."; });
  auto changed = parse_catalog(files);
  REQUIRE(changed.catalog != nullptr);
  CHECK(changed.catalog->sha256 != original);
  // The documented construction: SHA-256 of the canonical JSON of {path: document}.
  json all = json::object();
  for (const auto& [name, content] : files) all[name] = json::parse(content);
  CHECK(changed.catalog->sha256 == silta::sha256_hex(silta::canonical_json(all)));
}

TEST_CASE("syntax errors, missing and unexpected files are reported per file", "[catalog]") {
  auto files = shipped_files();
  files["kinds.json"] = "{\"kinds\": [";
  files.erase("deadlines.json");
  files["bases/notes.txt.json"] = "{}";
  files["extra.json"] = "{}";
  files["purposes.json"] = R"({"purposes": 1e999})";  // nlohmann throws out_of_range here
  auto problems = problems_of(files);
  check_problems(problems, {{"purposes.json", "", "not valid JSON"},
                            {"kinds.json", "", "not valid JSON"},
                            {"deadlines.json", "", "missing file"},
                            {"extra.json", "", "unexpected file"},
                            {"bases/notes.txt.json", "/bases", "required: an array"}});
}

TEST_CASE("every problem of a table is reported with its path", "[catalog]") {
  auto files = shipped_files();
  auto at = find_basis(files, "fi.atl.64.1");
  edit_basis(files, "fi.atl.64.1", [](json& b) {
    b["categories"][1] = "school_attendence";  // typo
    b["purpose"] = b["purposes"];              // typo for the key
    b.erase("purposes");
    b.erase("citation");
    b["initiative"] = "fetch";
    b["requires"]["consent"] = {{"kinds", {"kielto"}}};
  });
  edit(files, "kinds.json", [](json& d) { d["kinds"][1]["id"] = "child_welfare"; });
  edit(files, "categories.json", [](json& d) {
    d["categories"][0]["held_by"].push_back("hospital");
    d["categories"][2].erase("secrecy_citation");
    d["categories"][3]["gdpr"] = "art11";
  });
  auto problems = problems_of(files);
  check_problems(
      problems,
      {{at.file, path_of(at, "/categories/1"), "unknown data category \"school_attendence\""},
       {at.file, path_of(at, "/purpose"), "unknown key"},
       {at.file, path_of(at, "/purposes"), "required"},
       {at.file, path_of(at, "/citation"), "required"},
       {at.file, path_of(at, "/initiative"), "expected one of pull, push"},
       {at.file, path_of(at, "/requires/consent/kinds/0"), "a prohibition is never required"},
       {"kinds.json", "/kinds/1/id", "duplicate agency kind id"},
       {"categories.json", "/categories/0/held_by/8", "unknown agency kind \"hospital\""},
       {"categories.json", "/categories/2/secrecy_citation", "required for a secret category"},
       {"categories.json", "/categories/3/gdpr", "expected one of"}});
  CHECK(problems.size() >= 10);
}

TEST_CASE("every text exists in Finnish, Swedish and English", "[catalog][lang]") {
  auto files = shipped_files();
  auto at = find_basis(files, "fi.atl.64.1");
  edit_basis(files, "fi.atl.64.1", [](json& b) {
    b["title"].erase("sv");
    b["notes"]["en"] = "";
  });
  edit(files, "categories.json", [](json& d) {
    d["categories"][1]["name"].erase("fi");
    d["categories"][1]["name"].erase("en");
  });
  auto problems = problems_of(files);
  check_problems(
      problems, {{at.file, path_of(at, "/title/sv"), "the Swedish text (sv) is missing"},
                 {at.file, path_of(at, "/notes/en"), "must not be empty"},
                 {"categories.json", "/categories/1/name/fi", "the Finnish text (fi) is missing"},
                 {"categories.json", "/categories/1/name/en", "the English text (en) is missing"}});
  CHECK(problems.size() == 4);
  // The shipped catalog has every text in all three.
  auto c = shipped_catalog();
  for (const auto& x : c->categories) CHECK_FALSE(x.name.incomplete());
  for (const auto& x : c->bases) CHECK_FALSE(x.title.incomplete());
}

TEST_CASE("roles: every name in three languages, and a basis names only roles that exist",
          "[catalog][actor_role]") {
  auto files = shipped_files();
  edit(files, "roles.json", [](json& d) {
    d["roles"][0]["name"].erase("sv");
    d["roles"][1]["id"] = d["roles"][0]["id"];
  });
  auto pol = find_basis(files, "fi.pol.40.2");
  edit_basis(files, "fi.pol.40.2", [](json& b) {
    b["requires"]["roles"] = {{"push", {"teacher", "janitor"}}, {"pull", json::array()}};
  });
  auto poll = find_basis(files, "fi.poll.4.2");  // a pull basis
  edit_basis(files, "fi.poll.4.2", [](json& b) {
    b["requires"]["roles"] = {{"push", {"senior_police_officer"}}, {"sideways", {"teacher"}}};
  });
  auto problems = problems_of(files);
  check_problems(problems,
                 {{"roles.json", "/roles/0/name/sv", "the Swedish text (sv) is missing"},
                  {"roles.json", "/roles/1/id", "duplicate role id"},
                  {pol.file, path_of(pol, "/requires/roles/push/1"), "unknown role \"janitor\""},
                  {pol.file, path_of(pol, "/requires/roles/pull"), "expected at least one role"},
                  {poll.file, path_of(poll, "/requires/roles/push"), "the basis is never a push"},
                  {poll.file, path_of(poll, "/requires/roles/sideways"), "unknown key"}});
  // roles.json is one of the catalog's files.
  auto without = shipped_files();
  without.erase("roles.json");
  CHECK(has_problem(problems_of(without), "roles.json", "", "missing file"));
  auto c = shipped_catalog();
  for (const auto& r : c->roles) CHECK_FALSE(r.name.incomplete());
  REQUIRE(c->find_basis("fi.poll.4.2") != nullptr);
  CHECK(c->find_basis("fi.poll.4.2")->requirements.roles(Direction::kPull) ==
        std::vector<std::string>{"senior_police_officer"});
}

TEST_CASE("citations, laws and duplicate ids across basis files", "[catalog]") {
  auto files = shipped_files();
  auto at = find_basis(files, "fi.lsl.25.1");
  edit_basis(files, "fi.lsl.25.1", [](json& b) {
    b["citation"] = {{"law", "XYZ"}, {"section", ""}, {"sentence", 2}};
  });
  edit(files, "laws.json", [](json& d) { d["laws"][0]["url"] = "http://finlex.fi"; });
  // The same id in another file.
  edit(files, "bases/shl.json", [](json& d) { d["bases"][0]["id"] = "fi.atl.64.1"; });
  auto problems = problems_of(files);
  check_problems(problems, {{at.file, path_of(at, "/citation/law"), "unknown law \"XYZ\""},
                            {at.file, path_of(at, "/citation/section"), "must not be empty"},
                            {at.file, path_of(at, "/citation/sentence"), "needs its subsection"},
                            {"laws.json", "/laws/0/url", "https://"},
                            {"bases/shl.json", "/bases/0/id", "duplicate legal basis id"}});
}

TEST_CASE("bases that can never apply are reported", "[catalog]") {
  auto files = shipped_files();
  auto pol = find_basis(files, "fi.pol.41.4");
  auto atl62 = find_basis(files, "fi.atl.62");
  auto lsl = find_basis(files, "fi.lsl.25.3");
  auto etl = find_basis(files, "fi.etl.7.16");
  // A holder that holds none of the categories; a category no holder holds.
  edit_basis(files, "fi.pol.41.4", [](json& b) {
    b["from_kinds"].push_back("police");
    b["categories"].push_back("grades");
  });
  // An emergency basis without a break-glass rule.
  edit(files, "break_glass.json", [](json& d) {
    auto& rules = d["rules"];
    rules.erase(rules.begin());  // bg.threat.social_health, the rule of fi.atl.62
  });
  // Dates the wrong way round; ages the wrong way round.
  edit_basis(files, "fi.lsl.25.3", [](json& b) {
    b["valid_until"] = "2010-01-01";
    b["requires"]["subject_age"] = {{"min", 18}, {"max", 17}};
    b["requires"]["offence"].push_back(json::object());
  });
  // An authority required, but no recipient kind is one.
  edit(files, "kinds.json", [](json& d) {
    for (auto& k : d["kinds"]) {
      if (k["id"] == "child_welfare") k["authority"] = false;
    }
  });
  // An emergency basis that also needs consent.
  edit_basis(files, "fi.atl.62", [](json& b) {
    b["requires"]["consent"] = {{"kinds", {"suostumus"}}};
  });
  auto problems = problems_of(files);
  // The table-level problems come first; fixed, the whole-catalog checks run.
  check_problems(problems, {{lsl.file, path_of(lsl, "/valid_until"), "before valid_from"},
                            {lsl.file, path_of(lsl, "/requires/subject_age"), "min is above max"},
                            {lsl.file, path_of(lsl, "/requires/offence/2"), "any offence"},
                            {atl62.file, path_of(atl62, "/requires/emergency"),
                             "cannot also need a consent"}});

  edit_basis(files, "fi.atl.62", [](json& b) { b["requires"].erase("consent"); });
  edit_basis(files, "fi.lsl.25.3", [](json& b) {
    b.erase("valid_until");
    b["requires"]["subject_age"] = {{"max", 17}};
    b["requires"]["offence"].erase(2);
  });
  problems = problems_of(files);
  check_problems(
      problems,
      {{pol.file, path_of(pol, "/from_kinds/3"), "\"police\" holds none of the basis's categories"},
       {pol.file, path_of(pol, "/categories/3"), "no kind in from_kinds holds \"grades\""},
       {atl62.file, path_of(atl62, "/requires/emergency"), "no break-glass rule names this basis"},
       {etl.file, path_of(etl, "/recipient_must_be_authority"),
        "no kind in to_kinds is an authority"}});
}

TEST_CASE("break-glass rules must name an emergency basis and stay inside it", "[catalog]") {
  auto files = shipped_files();
  edit(files, "break_glass.json", [](json& d) {
    d["rules"].push_back({{"id", "bg.bad"},
                          {"basis", "fi.atl.64.1"},
                          {"notes", {{"fi", "x"}, {"sv", "x"}, {"en", "x"}}}});
    d["rules"].push_back({{"id", "bg.wide"},
                          {"basis", "fi.atl.62"},
                          {"categories", {"mh_diagnosis"}},
                          {"notes", {{"fi", "x"}, {"sv", "x"}, {"en", "x"}}}});
    d["rules"].push_back({{"id", "bg.none"},
                          {"basis", "fi.none"},
                          {"notes", {{"fi", "x"}, {"sv", "x"}, {"en", "x"}}}});
  });
  auto problems = problems_of(files);
  check_problems(problems, {{"break_glass.json", "/rules/6/basis", "does not require an emergency"},
                            {"break_glass.json", "/rules/7/categories/0",
                             "\"mh_diagnosis\" is not in the basis's categories"},
                            {"break_glass.json", "/rules/8/basis", "unknown legal basis"}});
}

TEST_CASE("referral kinds must be sendable on their bases", "[catalog]") {
  auto files = shipped_files();
  edit(files, "referrals.json", [](json& d) {
    auto& k = d["referral_kinds"][0];           // lsl25_report
    k["bases"].push_back("fi.atl.64.1");        // a pull basis, and not for cw_report
    k["categories"].push_back("cw_placement");  // no basis of it covers this
    k["to_kinds"].push_back("police");          // no basis lets the police receive it
    k["deadlines"].push_back({{"deadline", "dl.none"}, {"applies", "sometimes"}});
    k["companion"] = "lsl25_report";
    d["referral_kinds"][1]["fields"][0]["type"] = "number";
    d["referral_kinds"][1]["fields"][1]["name"] = "concern";
  });
  auto problems = problems_of(files);
  check_problems(
      problems,
      {{"referrals.json", "/referral_kinds/0/deadlines/3/deadline", "unknown deadline \"dl.none\""},
       {"referrals.json", "/referral_kinds/0/deadlines/3/applies", "always or assessment_opened"},
       {"referrals.json", "/referral_kinds/1/fields/0/type", "expected one of text"},
       {"referrals.json", "/referral_kinds/1/fields/1/name", "duplicate field"}});

  edit(files, "referrals.json", [](json& d) {
    auto& k = d["referral_kinds"][0];
    k["deadlines"].erase(3);
    d["referral_kinds"][1]["fields"][0]["type"] = "text";
    d["referral_kinds"][1]["fields"][1]["name"] = "made_with";
  });
  problems = problems_of(files);
  check_problems(
      problems,
      {{"referrals.json", "/referral_kinds/0/bases/1", "is a pull basis"},
       {"referrals.json", "/referral_kinds/0/bases/1", "does not cover the purpose \"cw_report\""},
       {"referrals.json", "/referral_kinds/0/categories/13",
        "no basis of the referral kind covers \"cw_placement\""},
       {"referrals.json", "/referral_kinds/0/to_kinds/1", "lets \"police\" receive it"},
       {"referrals.json", "/referral_kinds/0/companion", "cannot be its own companion"}});
}

TEST_CASE("consent rules: one per regime, every regime covered", "[catalog]") {
  auto files = shipped_files();
  edit(files, "consent_rules.json", [](json& d) {
    d["rules"][1]["regime"] = "health";  // a duplicate; and now "social" has no rule
    d["rules"][0]["forms"] = json::array();
    d["rules"][2]["capable_minor"] = "anyone";
  });
  auto problems = problems_of(files);
  check_problems(problems, {{"consent_rules.json", "/rules/1/regime", "duplicate rule"},
                            {"consent_rules.json", "/rules/0/forms", "at least one form"},
                            {"consent_rules.json", "/rules/2/capable_minor", "expected one of"}});
  edit(files, "consent_rules.json", [](json& d) {
    d["rules"].erase(1);
    d["rules"][0]["forms"] = {"written"};
    d["rules"][1]["capable_minor"] = "self";
  });
  problems = problems_of(files);
  check_problems(problems, {{"consent_rules.json", "/rules", "no rule for the regime \"social\""}});
}

TEST_CASE("a directory that cannot be read is one problem", "[catalog]") {
  auto loaded = load_catalog("/nonexistent/catalog");
  CHECK(loaded.catalog == nullptr);
  REQUIRE(loaded.problems.size() == 1);
  CHECK(loaded.problems[0].message.find("not a catalog directory") != std::string::npos);
  CHECK(format_problems({{"bases/atl.json", "/bases/3", "x"}}) == "bases/atl.json: /bases/3: x\n");
}

TEST_CASE("the JSON form of the catalog carries every table, the version and the hash",
          "[catalog]") {
  auto c = shipped_catalog();
  auto j = c->to_json();
  CHECK(j["version"] == c->version);
  CHECK(j["sha256"] == c->sha256);
  for (const char* key :
       {"laws", "kinds", "categories", "purposes", "attestations", "offence_classes", "bases",
        "consent_rules", "deadlines", "referral_kinds"}) {
    CHECK(j[key].is_array());
    CHECK_FALSE(j[key].empty());
  }
  CHECK(j["break_glass"]["rules"].size() == c->break_glass.rules.size());
  auto b = std::find_if(j["bases"].begin(), j["bases"].end(),
                        [](const json& x) { return x["id"] == "fi.atl.6"; });
  REQUIRE(b != j["bases"].end());
  CHECK((*b)["purposes"] == json::array({"*"}));
  CHECK((*b)["requires"]["consent"]["kinds"] == json::array({"suostumus"}));
  CHECK((*b)["citation"]["short"] == "ATL 6 §");
  auto r = std::find_if(j["referral_kinds"].begin(), j["referral_kinds"].end(),
                        [](const json& x) { return x["id"] == "shl35_contact"; });
  REQUIRE(r != j["referral_kinds"].end());
  CHECK((*r)["consent"] == "required_unless_conditions");
  CHECK((*r)["deadlines"][0]["applies"] == "assessment_opened");
  // It is plain JSON with integers only, so it can be hashed and signed.
  CHECK_NOTHROW(silta::canonical_json(j));
}

TEST_CASE("referral fields are checked against the kind", "[catalog]") {
  auto c = shipped_catalog();
  const auto& report = *c->find_referral_kind("lsl25_report");
  json good = {{"concern", "Absent for three weeks, bruises"},
               {"reporter_name", "Teacher T"},
               {"reporter_role", "class teacher"},
               {"reporter_contact", "+358 40 000 0000"},
               {"urgent", false}};
  silta::json_check::Issues ok;
  check_referral_fields(report, good, ok, "/fields");
  CHECK(ok.empty());

  json bad = {{"concern", "   "},
              {"reporter_name", 7},
              {"urgent", "no"},
              {"reporter_contact", std::string(201, 'x')},
              {"mood", "sad"}};
  silta::json_check::Issues issues;
  check_referral_fields(report, bad, issues, "/fields");
  std::map<std::string, std::string> by_path;
  for (const auto& i : issues.list()) by_path[i.path] = i.message.en;
  CHECK(by_path["/fields/concern"] == "must not be empty");
  CHECK(by_path["/fields/reporter_name"] == "expected a string");
  CHECK(by_path["/fields/reporter_role"] == "required: a string");
  CHECK(by_path["/fields/reporter_contact"] == "expected at most 200 characters");
  CHECK(by_path["/fields/urgent"] == "expected true or false");
  CHECK(by_path["/fields/mood"] == "unknown key");

  const auto& police = *c->find_referral_kind("lsl25_3_police_report");
  json p = {{"suspicion", "x"},        {"offence_class", "other"},
            {"reporter_name", "a"},    {"reporter_role", "b"},
            {"reporter_contact", "c"}, {"child_welfare_report_made", true}};
  silta::json_check::Issues pi;
  check_referral_fields(police, p, pi, "");
  REQUIRE(pi.list().size() == 1);
  CHECK(pi.list()[0].path == "/offence_class");

  const auto& prebirth = *c->find_referral_kind("lsl25c_prebirth_report");
  json pb = {{"concern", "x"},
             {"reporter_name", "a"},
             {"reporter_role", "b"},
             {"reporter_contact", "c"},
             {"expected_birth_date", "2026-02-30"}};
  silta::json_check::Issues pbi;
  check_referral_fields(prebirth, pb, pbi, "");
  REQUIRE(pbi.list().size() == 1);
  CHECK(pbi.list()[0].message.en == "expected a date YYYY-MM-DD");
}

TEST_CASE("docs/catalog.md documents every stable id", "[catalog][docs]") {
  std::ifstream in(silta::test::source_dir() / "docs/catalog.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  auto c = shipped_catalog();
  auto documented = [&](const std::string& id) {
    INFO(id);
    CHECK(doc.find("`" + id + "`") != std::string::npos);
  };
  for (const auto& x : c->kinds) documented(x.id);
  for (const auto& x : c->categories) documented(x.id);
  for (const auto& x : c->purposes) documented(x.id);
  for (const auto& x : c->roles) documented(x.id);
  for (const auto& x : c->attestations) documented(x.id);
  for (const auto& x : c->offence_classes) documented(x.id);
  for (const auto& x : c->bases) documented(x.id);
  for (const auto& x : c->break_glass.rules) documented(x.id);
  for (const auto& x : c->deadlines) documented(x.id);
  for (const auto& x : c->referral_kinds) documented(x.id);
  for (const auto& reason : kDenyReasonNames.terms) {
    if (reason.value != DenyReason::kNone) documented(reason.name);
  }
}

namespace {

// Every term reads back as itself and its name is unique; the terms are the enumeration's values
// in declared order from 0 (what Vocabulary::name's fast path and a new value's author rely on).
template <typename E, std::size_t N>
void check_vocabulary(const Vocabulary<E, N>& vocabulary) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < N; ++i) {
    const auto& t = vocabulary.terms[i];
    INFO(t.name);
    CHECK(static_cast<std::size_t>(t.value) == i);
    CHECK(names.insert(t.name).second);
    CHECK(vocabulary.find(t.name) == t.value);
    CHECK(std::string(vocabulary.name(t.value)) == t.name);
  }
  CHECK_FALSE(vocabulary.find("no such name").has_value());
}

}  // namespace

TEST_CASE("every vocabulary reads back what it writes", "[catalog]") {
  check_vocabulary(kConsentRegimeNames);
  check_vocabulary(kGdprNames);
  check_vocabulary(kInitiativeNames);
  check_vocabulary(kDirectionNames);
  check_vocabulary(kPartiesNames);
  check_vocabulary(kDeadlineCountNames);
  check_vocabulary(kReferralFieldTypeNames);
  check_vocabulary(kReferralConsentNames);
  check_vocabulary(kConsentKindNames);
  check_vocabulary(kCapacityNames);
  check_vocabulary(kConsentFormNames);
  check_vocabulary(kOutcomeNames);
  check_vocabulary(kDenyReasonNames);
  check_vocabulary(kNeedKindNames);
  CHECK(kDirectionNames.expected() == "expected pull or push");
  CHECK(kGdprNames.expected() == "expected one of ordinary, art9, art10");
}
