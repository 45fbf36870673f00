// `silta catalog check|explain|diff|test` as catalog authors run them: real binary, real files,
// exit status 0 ok, 1 a check or test failed, 2 bad input.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using silta::test::run_command;
using silta::test::source_dir;
using silta::test::TempDir;

namespace {

std::string catalog_dir() { return (source_dir() / "policy/catalogs/fi").string(); }
std::string silta_bin() { return silta::test::silta_binary().string(); }

// A copy of the shipped catalog to break.
fs::path copy_catalog(const TempDir& dir) {
  auto to = dir / "catalog";
  fs::copy(catalog_dir(), to, fs::copy_options::recursive);
  return to;
}

void write(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
}

const char* kNow = "2026-03-02T10:00:00Z";

// `silta catalog explain` against the shipped catalog at kNow, with `args` added.
silta::test::RunResult explain(std::vector<std::string> args) {
  std::vector<std::string> argv = {silta_bin(),   "catalog", "explain", "--catalog",
                                   catalog_dir(), "--now",   kNow};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

}  // namespace

TEST_CASE("catalog check: valid, invalid with every problem, unreadable", "[cli][catalog]") {
  auto ok = run_command({silta_bin(), "catalog", "check", catalog_dir()});
  CHECK(ok.status == 0);
  CHECK(ok.output.find("valid: catalog fi version") != std::string::npos);
  CHECK(ok.output.find("sha256") != std::string::npos);

  TempDir dir;
  auto broken = copy_catalog(dir);
  auto text = [&](const fs::path& f) {
    std::ifstream in(f);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  auto atl = text(broken / "bases/atl.json");
  atl.replace(atl.find("\"school_attendance\""), 19, "\"school_attendence\"");
  write(broken / "bases/atl.json", atl);
  write(broken / "purposes.json", "{\"purposes\": [}");
  auto bad = run_command({silta_bin(), "catalog", "check", broken.string()});
  CHECK(bad.status == 1);
  CHECK(bad.output.find("purposes.json: /: not valid JSON") != std::string::npos);
  CHECK(bad.output.find("bases/atl.json: /bases/0/categories/1: unknown data category "
                        "\"school_attendence\"") != std::string::npos);

  auto missing = run_command({silta_bin(), "catalog", "check", (dir / "nowhere").string()});
  CHECK(missing.status == 2);
  CHECK(missing.output.find("not a catalog directory") != std::string::npos);
}

TEST_CASE("catalog explain: the decision, its reasons and the JSON form", "[cli][catalog]") {
  auto r = explain({"--from", "school", "--to", "child_welfare", "--purpose", "cw_assessment",
                    "--category", "school_attendance", "--age", "11", "--justification",
                    "Service-need assessment after absences", "--case-reference", "LS-1"});
  CHECK(r.status == 0);
  CHECK(r.output.find("school_attendance: granted fi.atl.64.1") != std::string::npos);

  const std::vector<std::string> capable_15 = {
      "--from",     "mental_health", "--to",  "school", "--purpose", "wellbeing_concern",
      "--category", "mh_diagnosis",  "--age", "15",     "--capable", "yes"};
  auto with = [](std::vector<std::string> args, std::vector<std::string> more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  auto j = explain(with(capable_15, {"--json"}));
  REQUIRE(j.status == 0);
  auto doc = nlohmann::json::parse(j.output);
  CHECK(doc["categories"][0]["reason"] == "consent_missing");
  CHECK(doc["catalog"]["id"] == "fi");

  // With the capable 15-year-old's own consent from a file.
  TempDir dir;
  write(dir / "consents.json", R"([{"id": "c-own", "kind": "suostumus",
    "granted_by": [{"capacity": "self", "person_pseudonym": "subject"}],
    "categories": ["mh_diagnosis"], "purposes": ["wellbeing_concern"],
    "valid_from": "2026-02-01T00:00:00Z"}])");
  auto c = explain(with(capable_15, {"--consents", (dir / "consents.json").string()}));
  CHECK(c.status == 0);
  CHECK(c.output.find("granted fi.atl.6 consent c-own") != std::string::npos);

  // Break-glass, and a shadow catalog beside it.
  auto bg = explain({"--lang", "en", "--shadow", catalog_dir(), "--direction", "push", "--from",
                     "child_welfare", "--to", "police", "--purpose", "threat_prevention",
                     "--category", "threat_info", "--age", "41", "--break-glass", "--justification",
                     "The father threatened to hurt the teacher tomorrow morning"});
  CHECK(bg.status == 0);
  CHECK(bg.output.find("granted fi.atl.62 break-glass") != std::string::npos);
  CHECK(bg.output.find("review due 2026-03-05") != std::string::npos);
  CHECK(bg.output.find("no differences") != std::string::npos);
}

TEST_CASE("catalog explain: the explanations in Finnish by default, Swedish or English",
          "[cli][catalog]") {
  const std::vector<std::string> args = {
      "--from",     "mental_health", "--to",  "school", "--purpose", "wellbeing_concern",
      "--category", "mh_diagnosis",  "--age", "15"};
  auto in = [&](std::vector<std::string> more) {
    std::vector<std::string> all = args;
    all.insert(all.end(), more.begin(), more.end());
    return explain(all);
  };
  auto fi = in({});
  auto sv = in({"--lang", "sv"});
  auto en = in({"--lang", "en"});
  CHECK(fi.status == 0);
  CHECK(fi.output.find("Ei sallittu: ATL 6 § (Asiakkaan suostumus) edellyttää suostumusta") !=
        std::string::npos);
  CHECK(sv.output.find("Inte tillåtet: ATL 6 § (Klientens samtycke) förutsätter samtycke") !=
        std::string::npos);
  CHECK(en.output.find("Denied: ATL 6 § (The client's consent) needs a consent") !=
        std::string::npos);
  auto bad = run_command({silta_bin(), "catalog", "explain", "-C", catalog_dir(), "--from",
                          "school", "--to", "police", "--purpose", "crime_investigation",
                          "--category", "grades", "--lang", "de"});
  CHECK(bad.status != 0);
}

TEST_CASE("catalog explain: bad input exits 2", "[cli][catalog]") {
  auto unknown =
      run_command({silta_bin(), "catalog", "explain", "-C", catalog_dir(), "--from", "hospital",
                   "--to", "school", "--purpose", "health_care", "--category", "mh_diagnosis"});
  CHECK(unknown.status == 2);
  CHECK(unknown.output.find("unknown agency kind \"hospital\"") != std::string::npos);
  auto no_category = run_command({silta_bin(), "catalog", "explain", "-C", catalog_dir(), "--from",
                                  "school", "--to", "school", "--purpose", "health_care"});
  CHECK(no_category.status == 2);
  auto bad_now = run_command({silta_bin(), "catalog", "explain", "-C", catalog_dir(), "--from",
                              "school", "--to", "school", "--purpose", "health_care", "--category",
                              "grades", "--now", "yesterday"});
  CHECK(bad_now.status == 2);
}

TEST_CASE("catalog diff: same catalogs, a change, a broken one", "[cli][catalog]") {
  auto same =
      run_command({silta_bin(), "catalog", "diff", catalog_dir(), catalog_dir(), "--now", kNow});
  CHECK(same.status == 0);
  CHECK(same.output.find("0 id change(s), 0 of") != std::string::npos);

  TempDir dir;
  auto changed = copy_catalog(dir);
  auto doc = nlohmann::json::parse(std::ifstream(changed / "bases/education.json"));
  for (auto& b : doc["bases"]) {
    if (b["id"] == "fi.ovl.23.3")
      b["categories"] = {"identity_contact", "grades", "school_attendance"};
  }
  write(changed / "bases/education.json", doc.dump(2));
  auto diff =
      run_command({silta_bin(), "catalog", "diff", catalog_dir(), changed.string(), "--now", kNow});
  CHECK(diff.status == 1);
  CHECK(diff.output.find("~ legal basis fi.ovl.23.3") != std::string::npos);
  CHECK(diff.output.find("pull school -> school, purpose school_transfer, learning_support") !=
        std::string::npos);
  CHECK(diff.output.find("granted fi.ovl.23.3 -> denied") != std::string::npos);

  write(changed / "kinds.json", "not json");
  auto broken = run_command({silta_bin(), "catalog", "diff", catalog_dir(), changed.string()});
  CHECK(broken.status == 2);
}

TEST_CASE("catalog test: pass, fail with the reason, malformed files", "[cli][catalog]") {
  TempDir dir;
  const char* good = R"({"description": "d", "now": "2026-03-02T10:00:00Z", "cases": [
    {"name": "attendance", "request": {"direction": "pull", "from": "school", "to": "child_welfare",
      "purpose": "cw_assessment", "categories": ["school_attendance"], "subject": {"age": 11},
      "justification": "Service-need assessment after absences", "case_reference": "LS-1"},
     "expect": {"categories": {"school_attendance": {"outcome": "granted", "basis": "fi.atl.64.1"}}}}]})";
  write(dir / "good.json", good);
  std::string wrong_basis = good;
  wrong_basis.replace(wrong_basis.find("fi.atl.64.1"), 11, "fi.lsl.41.2");
  write(dir / "wrong.json", wrong_basis);
  write(dir / "malformed.json", R"({"description": "d", "now": "2026-03-02T10:00:00Z",
    "cases": [{"name": "x", "request": {"direction": "sideways", "from": "school", "to": "school",
    "categories": ["grades"]}, "expect": {"categories": {"grades": {"outcome": "granted"}}}}]})");

  auto pass = run_command(
      {silta_bin(), "catalog", "test", "-C", catalog_dir(), (dir / "good.json").string()});
  CHECK(pass.status == 0);
  CHECK(pass.output.find("1 passed, 0 failed") != std::string::npos);

  auto fail = run_command({silta_bin(), "catalog", "test", "-C", catalog_dir(),
                           (dir / "good.json").string(), (dir / "wrong.json").string()});
  CHECK(fail.status == 1);
  CHECK(fail.output.find("FAIL") != std::string::npos);
  CHECK(fail.output.find("expected the basis fi.lsl.41.2, got granted fi.atl.64.1") !=
        std::string::npos);

  auto malformed = run_command(
      {silta_bin(), "catalog", "test", "-C", catalog_dir(), (dir / "malformed.json").string()});
  CHECK(malformed.status == 2);
  CHECK(malformed.output.find("/cases/0/request/direction: expected pull or push") !=
        std::string::npos);
  CHECK(malformed.output.find("/cases/0/expect/categories/grades/basis: required for a grant") !=
        std::string::npos);
}
