// The decision engine: properties over the whole decision space, and the parts of a decision
// the scenario files do not show (JSON form, data periods, shadow evaluation, errors).
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "common/codec.h"
#include "policy/catalog_diff.h"
#include "tests/unit/policy/catalog_test_support.h"

using namespace silta::policy;
using namespace silta::policy::testing;
using nlohmann::json;

namespace {

const silta::SysTime kNow = at("2026-03-02T10:00:00Z");

Subject subject_aged(int age, std::optional<bool> capable = std::nullopt) {
  Subject s;
  s.pseudonym = "subject";
  using namespace std::chrono;
  s.birth_date = year_month_day{year{2026 - age}, month{3}, day{1}};
  s.capable = capable;
  s.guardians = 2;
  return s;
}

ConsentRecord consent(std::string id, ConsentKind kind, std::vector<ConsentGrantor> by,
                      const Catalog& c) {
  ConsentRecord r;
  r.id = std::move(id);
  r.subject_pseudonym = "subject";
  r.kind = kind;
  r.granted_by = std::move(by);
  for (const auto& x : c.categories) r.categories.push_back(x.id);
  for (const auto& x : c.purposes) r.purposes.push_back(x.id);
  r.valid_from = kNow - std::chrono::hours(24);
  r.recorded_at = r.valid_from;
  return r;
}

DecisionRequest request(std::string from, std::string to, std::string purpose,
                        std::vector<std::string> categories, Subject subject) {
  DecisionRequest r;
  r.from_kind = std::move(from);
  r.to_kind = std::move(to);
  r.purpose = std::move(purpose);
  r.categories = std::move(categories);
  r.subject = std::move(subject);
  return r;
}

std::vector<ConsentRecord> every_consent(const Catalog& c) {
  ConsentGrantor self{Capacity::kSelf, "subject", false, "", std::nullopt};
  ConsentGrantor g1{Capacity::kGuardian, "g1", false, "", std::nullopt};
  ConsentGrantor g2{Capacity::kGuardian, "g2", false, "", std::nullopt};
  return {consent("c-self", ConsentKind::kSuostumus, {self}, c),
          consent("p-self", ConsentKind::kLuovutuslupa, {self}, c),
          consent("c-guardians", ConsentKind::kSuostumus, {g1, g2}, c),
          consent("p-guardians", ConsentKind::kLuovutuslupa, {g1, g2}, c)};
}

// Calls fn(request) for every direction, holder, recipient and purpose, asking for every
// category, with every input a basis could want.
template <typename Fn>
void for_each_request(const Catalog& c, const Subject& subject, Fn&& fn) {
  DecisionRequest r;
  for (const auto& x : c.categories) r.categories.push_back(x.id);
  for (const auto& x : c.attestations) r.attestations.push_back(x.id);
  r.subject = subject;
  r.justification = std::string(100, 'j');
  r.case_reference = "case-1";
  r.offence = Offence{"rl20_sexual", 120};
  r.break_glass = true;
  r.alternatives = false;
  for (Direction d : {Direction::kPull, Direction::kPush}) {
    r.direction = d;
    for (const auto& from : c.kinds) {
      r.from_kind = from.id;
      for (const auto& to : c.kinds) {
        r.to_kind = to.id;
        for (const auto& p : c.purposes) {
          r.purpose = p.id;
          fn(r);
        }
      }
    }
  }
}

std::set<std::string> granted(const Decision& d) {
  std::set<std::string> out;
  for (const auto& c : d.categories) {
    if (c.outcome == Outcome::kGranted) out.insert(c.category->id);
  }
  return out;
}

bool covers(const LegalBasis& b, const DecisionRequest& r, const std::string& category) {
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  bool direction = r.direction == Direction::kPull ? b.initiative != Initiative::kPush
                                                   : b.initiative != Initiative::kPull;
  return direction && has(b.from_kinds, r.from_kind) && has(b.to_kinds, r.to_kind) &&
         has(b.purposes, r.purpose) && has(b.categories, category);
}

}  // namespace

TEST_CASE("property: without any basis nothing is ever granted, whatever the consents",
          "[engine][property]") {
  auto files = shipped_files();
  for (const auto& [name, content] : CatalogFiles(files)) {
    if (name.rfind("bases/", 0) == 0) files[name] = R"({"bases": []})";
  }
  edit(files, "break_glass.json", [](json& d) { d["rules"] = json::array(); });
  edit(files, "referrals.json", [](json& d) { d["referral_kinds"] = json::array(); });
  auto catalog = valid_catalog(files);
  Engine engine(catalog);
  auto consents = every_consent(*catalog);
  std::size_t decided = 0;
  for (auto subject : {subject_aged(30), subject_aged(15, true), subject_aged(9)}) {
    for_each_request(*catalog, subject, [&](const DecisionRequest& r) {
      auto d = engine.decide(r, consents, kNow);
      REQUIRE(d.ok());
      for (const auto& c : d->categories) {
        ++decided;
        REQUIRE(c.outcome == Outcome::kDenied);
        REQUIRE((c.reason == DenyReason::kNoBasis || c.reason == DenyReason::kNotHeld ||
                 c.reason == DenyReason::kBreakGlassNotAllowed));
      }
    });
  }
  CHECK(decided > 100000);
}

TEST_CASE("property: without consent every grant rests on a statute that covers the request",
          "[engine][property]") {
  auto catalog = shipped_catalog();
  Engine engine(catalog);
  std::size_t grants = 0;
  for (auto subject : {subject_aged(30), subject_aged(15, true), subject_aged(9)}) {
    for_each_request(*catalog, subject, [&](const DecisionRequest& r) {
      auto d = engine.decide(r, {}, kNow);
      REQUIRE(d.ok());
      for (const auto& c : d->categories) {
        if (c.outcome != Outcome::kGranted) continue;
        ++grants;
        INFO(summary(c) << " " << r.from_kind << "->" << r.to_kind << " " << r.purpose);
        REQUIRE(c.basis != nullptr);
        REQUIRE_FALSE(c.basis->needs_consent());
        REQUIRE(c.consent_ids.empty());
        REQUIRE(covers(*c.basis, r, c.category->id));
        REQUIRE(c.basis->in_force_on(d->decided_on));
      }
    });
  }
  CHECK(grants > 0);
}

TEST_CASE("property: revoking a consent or adding a prohibition never grants more",
          "[engine][property]") {
  auto catalog = shipped_catalog();
  Engine engine(catalog);
  auto all = every_consent(*catalog);
  std::size_t compared = 0;
  for (auto subject :
       {subject_aged(30), subject_aged(15, true), subject_aged(15), subject_aged(9)}) {
    for_each_request(*catalog, subject, [&](const DecisionRequest& asked) {
      DecisionRequest r = asked;
      r.break_glass = false;
      auto before = engine.decide(r, all, kNow);
      REQUIRE(before.ok());
      auto was = granted(*before);
      for (std::size_t i = 0; i < all.size(); ++i) {
        auto revoked = all;
        revoked[i].revoked = ConsentRevocation{
            kNow - std::chrono::seconds(1), "a", "b", Capacity::kSelf, "letter", ""};
        auto after = engine.decide(r, revoked, kNow);
        REQUIRE(after.ok());
        for (const auto& g : granted(*after)) REQUIRE(was.count(g) == 1);
        ++compared;
      }
      auto prohibited = all;
      prohibited.push_back(consent("k-self", ConsentKind::kKielto,
                                   {{Capacity::kSelf, "subject", false, "", std::nullopt}},
                                   *catalog));
      auto after = engine.decide(r, prohibited, kNow);
      REQUIRE(after.ok());
      for (const auto& g : granted(*after)) REQUIRE(was.count(g) == 1);
    });
  }
  CHECK(compared > 10000);
}

TEST_CASE("property: random consent scopes never grant beyond their scope", "[engine][property]") {
  auto catalog = shipped_catalog();
  Engine engine(catalog);
  std::mt19937 rng(20260302);  // fixed: the test is deterministic
  auto pick = [&](const auto& items, std::size_t max) {
    std::vector<std::string> out;
    std::size_t n = rng() % (max + 1);
    for (std::size_t i = 0; i < n; ++i) out.push_back(items[rng() % items.size()].id);
    return out;
  };
  for (int round = 0; round < 3000; ++round) {
    ConsentRecord c;
    c.id = "c-" + std::to_string(round);
    c.subject_pseudonym = "subject";
    c.kind = rng() % 2 ? ConsentKind::kSuostumus : ConsentKind::kLuovutuslupa;
    c.granted_by = {{Capacity::kSelf, "subject", true, "nurse", std::nullopt}};
    c.categories = pick(catalog->categories, 3);
    c.purposes = pick(catalog->purposes, 2);
    c.from_kinds = pick(catalog->kinds, 2);
    c.to_kinds = pick(catalog->kinds, 2);
    c.valid_from = kNow - std::chrono::hours(1);
    DecisionRequest r;
    r.direction = rng() % 2 ? Direction::kPull : Direction::kPush;
    r.from_kind = catalog->kinds[rng() % catalog->kinds.size()].id;
    r.to_kind = catalog->kinds[rng() % catalog->kinds.size()].id;
    r.purpose = catalog->purposes[rng() % catalog->purposes.size()].id;
    for (const auto& x : catalog->categories) r.categories.push_back(x.id);
    r.subject = subject_aged(rng() % 2 ? 30 : 16, true);
    std::vector<ConsentRecord> one{c};
    auto d = engine.decide(r, one, kNow);
    REQUIRE(d.ok());
    auto in = [](const std::vector<std::string>& scope, const std::string& id) {
      return scope.empty() || std::find(scope.begin(), scope.end(), id) != scope.end();
    };
    for (const auto& cd : d->categories) {
      if (cd.consent_ids.empty() || cd.outcome != Outcome::kGranted) continue;
      REQUIRE(in(c.categories, cd.category->id));
      REQUIRE(in(c.purposes, r.purpose));
      REQUIRE(in(c.from_kinds, r.from_kind));
      REQUIRE(in(c.to_kinds, r.to_kind));
      REQUIRE_FALSE(c.categories.empty());  // a consent must be specific
    }
  }
}

TEST_CASE("the decision's JSON form is what the API returns and the audit log records",
          "[engine]") {
  auto catalog = shipped_catalog();
  Engine engine(catalog);
  auto r = request("mental_health", "child_welfare", "cw_assessment",
                   {"mh_diagnosis", "mh_therapy_notes"}, subject_aged(15));
  r.justification = "Service-need assessment under way";
  r.case_reference = "LS-1";
  auto d = engine.decide(r, {}, kNow);
  REQUIRE(d.ok());
  auto j = decision_to_json(*d);
  CHECK(j["outcome"] == "partial");
  CHECK(j["direction"] == "pull");
  CHECK(j["from_kind"] == "mental_health");
  CHECK(j["to_kind"] == "child_welfare");
  CHECK(j["purpose"] == "cw_assessment");
  CHECK(j["decided_at"] == "2026-03-02T10:00:00.000000Z");
  CHECK(j["decided_on"] == "2026-03-02");
  CHECK(j["catalog"]["version"] == catalog->version);
  CHECK(j["catalog"]["sha256"] == catalog->sha256);
  CHECK(j["break_glass"] == false);
  REQUIRE(j["categories"].size() == 2);
  const auto& g = j["categories"][0];
  CHECK(g["category"] == "mh_diagnosis");
  CHECK(g["outcome"] == "granted");
  CHECK(g["basis"]["id"] == "fi.atl.53.5");
  CHECK(g["basis"]["short"] == "ATL 53 §(5), 2nd sentence");
  CHECK(g["basis"]["url"] == "https://www.finlex.fi/fi/laki/ajantasa/2023/20230703");
  CHECK(g["withheld_fields"] == json::array());
  CHECK(g["explanation"].get<std::string>().rfind("Sallittu: ATL 53 §(5)", 0) == 0);
  CHECK(decision_to_json(*d, silta::Lang::kEn)["categories"][0]["explanation"]
            .get<std::string>()
            .rfind("Granted under ATL 53 §(5)", 0) == 0);
  const auto& n = j["categories"][1];
  CHECK(n["outcome"] == "denied");
  CHECK(n["reason"] == "consent_missing");
  CHECK(n["basis"]["id"] == "fi.atl.6");
  REQUIRE_FALSE(n["alternatives"].empty());
  const auto& alt = n["alternatives"][0];
  CHECK(alt["basis"]["id"] == "fi.atl.6");
  CHECK(alt["needs"][0]["type"] == "consent");
  CHECK(alt["needs"][0]["parties"] == "self_and_guardians");
  CHECK(alt["needs"][0]["consent_kinds"] == json::array({"suostumus"}));
  CHECK_NOTHROW(silta::canonical_json(j));
  // Deterministic: the same decision gives the same bytes.
  auto again = engine.decide(r, {}, kNow);
  CHECK(silta::canonical_json(decision_to_json(*again)) == silta::canonical_json(j));
}

TEST_CASE("explanations in Finnish, Swedish and English for representative decisions",
          "[engine][explain]") {
  using silta::Lang;
  auto catalog = shipped_catalog();
  Engine engine(catalog);

  SECTION("a consent is missing") {
    auto r =
        request("mental_health", "school", "wellbeing_concern", {"mh_diagnosis"}, subject_aged(15));
    auto d = engine.decide(r, {}, kNow);
    REQUIRE(d.ok());
    const auto& c = d->categories[0];
    CHECK(explain_category(*d, c, Lang::kFi) ==
          "Ei sallittu: ATL 6 § (Asiakkaan suostumus) edellyttää suostumusta (antaja: henkilö "
          "itse ja huoltajat). Voimassa olevaa, joka kattaisi tiedon ”Mielenterveyden "
          "diagnoosit” tähän käyttötarkoitukseen (”Mielenterveyspalvelut” → ”Perusopetus "
          "(rehtori, opettaja)”), ei ole. Henkilö on 15-vuotias.");
    CHECK(explain_category(*d, c, Lang::kSv) ==
          "Inte tillåtet: ATL 6 § (Klientens samtycke) förutsätter samtycke (givet av: personen "
          "själv och vårdnadshavarna). Inget som gäller täcker ”Diagnoser inom mentalvården” "
          "för detta ändamål (”Mentalvårdstjänster” → ”Grundläggande utbildning (rektor, "
          "lärare)”). Personen är 15 år.");
    CHECK(explain_category(*d, c, Lang::kEn) ==
          "Denied: ATL 6 § (The client's consent) needs a consent (given by the person and the "
          "guardians). None in force covers “Mental health diagnoses” for this purpose (“Mental "
          "health services” → “Basic education (principal, teacher)”). The person is 15.");
    REQUIRE_FALSE(c.alternatives.empty());
    CHECK(explain_alternative(*d, c.alternatives[0], Lang::kSv) ==
          "ATL 6 § (Klientens samtycke), förutsätter: samtycke (givet av: personen själv och "
          "vårdnadshavarna).");
  }
  SECTION("a capable minor's refusal") {
    auto r = request("child_welfare", "school", "teaching_arrangement", {"cw_placement"},
                     subject_aged(16));
    r.direction = Direction::kPush;
    ConsentGrantor minor{Capacity::kSelf, "subject", true, "sw-1", std::nullopt};
    auto refusal = consent("r-1", ConsentKind::kRefusal, {minor}, *catalog);
    refusal.categories = {"cw_placement"};
    refusal.purposes.clear();
    auto d = engine.decide(r, std::vector<ConsentRecord>{refusal}, kNow);
    REQUIRE(d.ok());
    const auto& c = d->categories[0];
    CHECK(summary(c) == "denied refused (fi.atl.6)");
    CHECK(explain_category(*d, c, Lang::kFi) ==
          "Ei sallittu: henkilö itse on kieltäytynyt luovutuksesta (kieltäytyminen r-1, annettu "
          "1.3.2026). Kieltäytyminen koskee: tiedot ”Sijoitus”. Se on muiden antamaa "
          "suostumusta tai lupaa vahvempi.");
    CHECK(explain_category(*d, c, Lang::kSv) ==
          "Inte tillåtet: personen själv har vägrat utlämnandet (vägran r-1, given 1.3.2026). "
          "Vägran gäller: uppgifter ”Placering”. Den väger tyngre än samtycke eller tillstånd "
          "av andra.");
    CHECK(explain_category(*d, c, Lang::kEn) ==
          "Denied: the person themself refused this disclosure (refusal r-1, given 2026-03-01). "
          "It covers: data “Placement”. It outweighs any consent or permit given by others.");
  }
}

TEST_CASE("every reason, need and alternative reads clean in every language", "[engine][explain]") {
  auto catalog = shipped_catalog();
  Engine engine(catalog);
  auto r = request("school", "police", "crime_investigation", {"grades"}, subject_aged(15));
  r.justification = "x";
  auto decided = engine.decide(r, {}, kNow);
  REQUIRE(decided.ok());
  Decision d = std::move(*decided);
  d.referral = &catalog->referral_kinds[0];
  d.subject_capable = true;
  const LegalBasis* offence_basis = catalog->find_basis("fi.atl.63.2");
  const LegalBasis* consent_basis = catalog->find_basis("fi.atl.6");
  REQUIRE(offence_basis != nullptr);
  REQUIRE(consent_basis != nullptr);
  const LegalBasis* role_basis = catalog->find_basis("fi.pol.40.2");  // roles both ways
  REQUIRE(role_basis != nullptr);
  CategoryDecision c = d.categories[0];
  c.outcome = Outcome::kDenied;
  c.unmet = {Need::Kind::kAttestation, &catalog->attestations[0]};
  c.record = DecisiveRecord{"k-1",      ConsentKind::kKielto, Capacity::kGuardian,    kNow, kNow,
                            {"police"}, {"grades"},           {"crime_investigation"}};
  for (const auto& [reason, term] : kDenyReasonNames.terms) {
    if (reason == DenyReason::kNone) continue;
    std::string_view name = term;
    c.reason = reason;
    bool consent_reason = name.starts_with("consent") || reason == DenyReason::kRefused ||
                          reason == DenyReason::kProhibited;
    bool role_reason =
        reason == DenyReason::kActorRoleMissing || reason == DenyReason::kActorRoleNotAllowed;
    c.basis = consent_reason ? consent_basis : role_reason ? role_basis : offence_basis;
    for (silta::Lang lang : silta::kLangs) {
      INFO(name << " in " << silta::lang_code(lang));
      CHECK(text_problems(explain_category(d, c, lang)).empty());
    }
  }
  for (const auto& [kind, name] : kNeedKindNames.terms) {
    if (kind == Need::Kind::kNone) continue;
    for (auto direction : {std::optional<Direction>{}, std::optional<Direction>{Direction::kPush},
                           std::optional<Direction>{Direction::kPull}}) {
      Alternative a{kind == Need::Kind::kConsent     ? consent_basis
                    : kind == Need::Kind::kActorRole ? role_basis
                                                     : offence_basis,
                    direction,
                    &catalog->referral_kinds[0],
                    {{kind, &catalog->attestations[1], Parties::kSelfAndGuardians},
                     {Need::Kind::kJustification}}};
      for (silta::Lang lang : silta::kLangs) {
        INFO(name << " in " << silta::lang_code(lang));
        CHECK(text_problems(explain_alternative(d, a, lang)).empty());
      }
    }
  }
  // The checker itself finds what it names.
  CHECK_FALSE(text_problems("Denied: cw_client_status.").empty());
  CHECK_FALSE(text_problems("Denied under fi.atl.56 here.").empty());
  CHECK_FALSE(text_problems("Denied..").empty());
  CHECK_FALSE(text_problems("Denied.; again").empty());
  CHECK_FALSE(text_problems("").empty());
  CHECK(text_problems("Ei sallittu: ATL 56 § (Sosiaalihuollon tiedot).").empty());
}

TEST_CASE("a consent limited to a recording period limits the grant", "[engine]") {
  auto catalog = shipped_catalog();
  Engine engine(catalog);
  auto c = every_consent(*catalog);
  c[0].data_recorded_from = at("2025-01-01T00:00:00Z");
  c[0].data_recorded_until = at("2025-12-31T23:59:59Z");
  auto r =
      request("mental_health", "school", "wellbeing_concern", {"mh_diagnosis"}, subject_aged(30));
  auto d = engine.decide(r, c, kNow);
  REQUIRE(d.ok());
  const auto& cd = d->categories[0];
  REQUIRE(cd.outcome == Outcome::kGranted);
  CHECK(cd.consent_ids == std::vector<std::string>{"c-self"});
  CHECK(cd.data_recorded_from == c[0].data_recorded_from);
  CHECK(cd.data_recorded_until == c[0].data_recorded_until);
  auto j = decision_to_json(*d);
  CHECK(j["categories"][0]["data_recorded_until"] == "2025-12-31T23:59:59.000000Z");
}

TEST_CASE("a break-glass rule can narrow its basis", "[engine]") {
  auto files = shipped_files();
  edit(files, "break_glass.json", [](json& d) {
    for (auto& rule : d["rules"]) {
      if (rule["basis"] == "fi.atl.62") rule["categories"] = {"threat_info"};
    }
  });
  Engine engine(valid_catalog(files));
  auto r = request("child_welfare", "police", "threat_prevention",
                   {"threat_info", "identity_contact"}, subject_aged(41));
  r.direction = Direction::kPush;
  r.break_glass = true;
  r.justification = "The father threatened to hurt the teacher tomorrow morning";
  auto d = engine.decide(r, {}, kNow);
  REQUIRE(d.ok());
  CHECK(summary(d->categories[0]) == "granted fi.atl.62 break-glass");
  CHECK(summary(d->categories[1]) == "denied break_glass_not_allowed");
  CHECK(d->break_glass);
  CHECK(d->review_due == Date{std::chrono::year{2026}, std::chrono::month{3}, std::chrono::day{5}});
}

TEST_CASE("errors list every problem and are not denials", "[engine]") {
  Engine engine(shipped_catalog());
  DecisionRequest r;
  r.from_kind = "hospital";
  r.to_kind = "school";
  r.purpose = "curiosity";
  r.categories = {"grades", "shoe_size", "grades"};
  r.attestations = {"trust_me"};
  r.offence = Offence{"jaywalking", -1};
  r.subject.guardians = -1;
  auto d = engine.decide(r, {}, kNow);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().code == silta::ErrorCode::kInvalidArgument);
  const auto& m = d.error().message;
  for (const char* part :
       {"unknown agency kind \"hospital\" (from)", "unknown purpose \"curiosity\"",
        "unknown data category \"shoe_size\"", "\"grades\" asked twice",
        "unknown attestation \"trust_me\"", "unknown offence class \"jaywalking\"",
        "maximum penalty cannot be negative", "number of guardians cannot be negative"}) {
    CHECK(m.find(part) != std::string::npos);
  }
}

TEST_CASE("a request without a subject pseudonym uses no consent", "[engine]") {
  auto catalog = shipped_catalog();
  Engine engine(catalog);
  auto c = every_consent(*catalog);
  for (auto& x : c) x.subject_pseudonym = "";
  auto r =
      request("mental_health", "school", "wellbeing_concern", {"mh_diagnosis"}, subject_aged(30));
  r.subject.pseudonym = "";
  auto d = engine.decide(r, c, kNow);
  REQUIRE(d.ok());
  CHECK(summary(d->categories[0]) == "denied consent_missing (fi.atl.6)");
}

TEST_CASE("shadow evaluation reports what a candidate catalog would decide differently",
          "[engine][shadow]") {
  auto catalog = shipped_catalog();
  Engine enforced(catalog);
  auto r = request("mental_health", "school", "teaching_arrangement",
                   {"mh_diagnosis", "identity_contact"}, subject_aged(12));
  r.justification = "The pupil needs a quiet room during tests";

  SECTION("the same catalog changes nothing") {
    Engine shadow(catalog);
    auto s = decide_with_shadow(enforced, shadow, r, {}, kNow);
    REQUIRE(s.ok());
    CHECK(s->changes.empty());
    REQUIRE(s->shadow.has_value());
    CHECK(summary(s->enforced.categories[0]) == "granted fi.pol.41.4");
  }
  SECTION("a narrowed basis shows as a change") {
    auto files = shipped_files();
    edit_basis(files, "fi.pol.41.4", [](json& b) {
      b["categories"] = {"cw_placement", "school_health_record"};
      b["from_kinds"] = {"child_welfare", "school_health"};
    });
    Engine shadow(valid_catalog(files));
    auto s = decide_with_shadow(enforced, shadow, r, {}, kNow);
    REQUIRE(s.ok());
    REQUIRE(s->changes.size() == 1);
    CHECK(s->changes[0].category == "mh_diagnosis");
    CHECK(s->changes[0].before == "granted fi.pol.41.4");
    CHECK(s->changes[0].after == "denied consent_missing (fi.atl.6)");
    // The enforced decision is the one that counts.
    CHECK(s->enforced.categories[0].outcome == Outcome::kGranted);
  }
  SECTION("a shadow catalog that cannot decide the request") {
    auto files = shipped_files();
    edit(files, "purposes.json", [](json& d) {
      auto& p = d["purposes"];
      p.erase(std::find_if(p.begin(), p.end(),
                           [](const json& x) { return x["id"] == "wellbeing_concern"; }));
    });
    Engine shadow(valid_catalog(files));
    r.purpose = "wellbeing_concern";
    auto s = decide_with_shadow(enforced, shadow, r, {}, kNow);
    REQUIRE(s.ok());
    CHECK_FALSE(s->shadow.has_value());
    CHECK(s->shadow_error.find("unknown purpose") != std::string::npos);
    CHECK(s->changes.size() == 2);
  }
  SECTION("an error of the enforced engine is the caller's error") {
    Engine shadow(catalog);
    r.categories = {"nonsense"};
    CHECK_FALSE(decide_with_shadow(enforced, shadow, r, {}, kNow).ok());
  }
}

TEST_CASE("the catalog diff finds exactly the decisions an edit changes", "[engine][diff]") {
  auto catalog = shipped_catalog();
  Engine before(catalog);
  auto same = diff_catalogs(before, before, kNow);
  CHECK(same.empty());
  CHECK(same.compared > 1000000);

  auto files = shipped_files();
  edit_basis(files, "fi.ovl.23.3", [](json& b) {
    b["categories"] = {"identity_contact", "grades", "school_attendance"};
  });
  edit(files, "catalog.json", [](json& d) { d["version"] = "2026.2"; });
  Engine after(valid_catalog(files));
  auto diff = diff_catalogs(before, after, kNow);
  CHECK(std::find(diff.ids.begin(), diff.ids.end(), "~ legal basis fi.ovl.23.3") != diff.ids.end());
  CHECK(std::find(diff.ids.begin(), diff.ids.end(), "~ catalog version") != diff.ids.end());
  REQUIRE_FALSE(diff.decisions.empty());
  for (const auto& c : diff.decisions) {
    INFO(c.request << " " << c.situation << ": " << c.before << " -> " << c.after);
    CHECK(c.category == "learning_support");
    CHECK(c.request.find("school -> school, purpose school_transfer") != std::string::npos);
  }
  CHECK(std::any_of(diff.decisions.begin(), diff.decisions.end(), [](const DecisionChange& c) {
    return c.before == "granted fi.ovl.23.3" && c.after.rfind("denied", 0) == 0;
  }));
}

TEST_CASE("an engine is shared between threads", "[engine]") {
  auto catalog = shipped_catalog();
  Engine engine(catalog);
  auto r = request("school", "child_welfare", "cw_assessment",
                   {"school_attendance", "grades", "identity_contact"}, subject_aged(11));
  r.justification = "Service-need assessment under way";
  r.case_reference = "LS-1";
  auto expected = silta::canonical_json(decision_to_json(*engine.decide(r, {}, kNow)));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto d = engine.decide(r, {}, kNow);
        if (!d || silta::canonical_json(decision_to_json(*d)) != expected) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}
