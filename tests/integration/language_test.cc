// Languages over real mutual TLS against a real `silta serve` (docs/api.md, "Languages"):
// Accept-Language with weights, ?lang= over it, the deployment's default, problem details in
// fi, sv and en, and the person's copy of the subject report (docs/law.md, "The person's copy").
#include <catch2/catch.hpp>

#include "tests/support/demo_people.h"
#include "tests/support/demo_requests.h"
#include "tests/support/gateway_process.h"

using namespace silta;
using namespace silta::test;
using nlohmann::json;

namespace {

const json kController = {
    {"name",
     {{"fi", "Keski-Pohjanmaan hyvinvointialue Soite"},
      {"sv", "Välfärdsområdet i Mellersta Österbotten Soite"},
      {"en", "Central Ostrobothnia Wellbeing Services County Soite"}}},
    {"privacy_officer", {{"email", "tietosuoja@soite.example"}, {"phone", "+358 6 828 7000"}}}};

HttpResult get(TlsClient& c, const std::string& target, const std::string& accept = "") {
  std::map<std::string, std::string> headers;
  if (!accept.empty()) headers["Accept-Language"] = accept;
  return c.request("GET", target, "", headers);
}

HttpResult post(TlsClient& c, const std::string& target, const json& body,
                const std::string& accept, const std::string& key = "") {
  std::map<std::string, std::string> headers{{"Accept-Language", accept}};
  if (!key.empty()) headers["Idempotency-Key"] = key;
  return c.post_json(target, body, headers);
}

}  // namespace

TEST_CASE("the answer's language: Accept-Language weights, then ?lang, default fi", "[language]") {
  GatewayProcess gw;
  auto cw = gw.client("soite-lastensuojelu");

  // No preference: the deployment's default, fi.
  auto plain = get(cw, "/v1/no-such-thing");
  CHECK(plain.status == 404);
  CHECK(plain.header("content-language") == "fi");
  CHECK(plain.json()["title"] == "Ei löytynyt");

  // Weights decide, not order; an unsupported language and q=0 are passed over.
  auto weighted = get(cw, "/v1/no-such-thing", "de;q=1, en;q=0.5, sv;q=0.9, fi;q=0");
  CHECK(weighted.header("content-language") == "sv");
  CHECK(weighted.json()["title"] == "Hittades inte");
  CHECK(weighted.json()["detail"] == "Det finns ingen tjänst på den här sökvägen.");

  // ?lang overrides the header, on every route (the route's own parameters are unchanged).
  auto over = get(cw, "/v1/catalog?lang=en", "sv");
  CHECK(over.status == 200);
  CHECK(over.header("content-language") == "en");
  auto over404 = get(cw, "/v1/no-such-thing?lang=en", "sv;q=1");
  CHECK(over404.json()["title"] == "Not found");

  // A hostile header is tolerated: the default answers.
  auto hostile = get(cw, "/v1/no-such-thing", std::string(4000, ',') + ";q=;;q=2,*;q=x");
  CHECK(hostile.status == 404);
  CHECK(hostile.header("content-language") == "fi");

  // A language the gateway does not write is the caller's mistake, named at ?lang, in the
  // header's language.
  for (const std::string bad : {"de", "FI", "sv-FI", ""}) {
    INFO(bad);
    auto r = get(cw, "/v1/catalog?lang=" + bad, "en");
    REQUIRE(r.status == 400);
    CHECK(r.json()["errors"][0]["pointer"] == "?lang");
    CHECK(r.json()["errors"][0]["detail"] == "expected fi, sv or en");
  }
  auto twice = get(cw, "/v1/catalog?lang=fi&lang=sv");
  REQUIRE(twice.status == 400);
  CHECK(twice.json()["errors"][0]["pointer"] == "?lang");
  CHECK(twice.json()["errors"][0]["detail"] == "odotettiin arvoa fi, sv tai en");

  // A decision's explanations follow the language; its ids and codes do not.
  auto fi = post(cw, "/v1/decisions", attendance_request(), "fi");
  auto sv = post(cw, "/v1/decisions?lang=sv", attendance_request(), "fi");
  REQUIRE(fi.status == 200);
  REQUIRE(sv.status == 200);
  CHECK(sv.header("content-language") == "sv");
  const json a = fi.json()["decision"]["categories"][0];
  const json b = sv.json()["decision"]["categories"][0];
  CHECK(a["category"] == b["category"]);
  CHECK(a["basis"]["id"] == b["basis"]["id"]);
  CHECK(a["explanation"] != b["explanation"]);
}

TEST_CASE("problem details in fi, sv and en: 400, 403, 404, 409", "[language]") {
  GatewayProcess gw;
  auto cw = gw.client("soite-lastensuojelu");
  struct Want {
    const char* lang;
    const char* validation;
    const char* forbidden;
    const char* not_found;
    const char* reused;
    const char* unknown_purpose;
    const char* unknown_key;
  };
  const Want wants[] = {
      {"fi", "Pyyntö ei ole kelvollinen", "Ei sallittu", "Ei löytynyt",
       "Idempotency-Key on jo käytetty", "tuntematon käyttötarkoitus \"gossip\"",
       "tuntematon avain"},
      {"sv", "Begäran är inte giltig", "Inte tillåtet", "Hittades inte",
       "Idempotency-Key har redan använts", "okänt ändamål \"gossip\"", "okänd nyckel"},
      {"en", "The request is not valid", "Forbidden", "Not found", "Idempotency-Key reused",
       "unknown purpose \"gossip\"", "unknown key"},
  };
  for (const auto& w : wants) {
    INFO(w.lang);
    json bad = attendance_request();
    bad["purpose"] = "gossip";
    bad["purpse"] = "typo";
    auto invalid = post(cw, "/v1/decisions", bad, w.lang);
    REQUIRE(invalid.status == 400);
    CHECK(invalid.header("content-language") == w.lang);
    CHECK(invalid.json()["title"] == w.validation);
    std::map<std::string, std::string> fields;
    const json problem = invalid.json();
    for (const auto& e : problem["errors"]) {
      fields[e["pointer"].get<std::string>()] = e["detail"].get<std::string>();
    }
    CHECK(fields["/purpose"] == w.unknown_purpose);
    CHECK(fields["/purpse"] == w.unknown_key);

    auto forbidden = get(cw, "/v1/audit/records?actor=x", w.lang);
    REQUIRE(forbidden.status == 403);
    CHECK(forbidden.json()["title"] == w.forbidden);

    auto missing = get(cw, "/v1/consents/c-nothing", w.lang);
    REQUIRE(missing.status == 404);
    CHECK(missing.json()["title"] == w.not_found);

    const std::string key = std::string("lang-key-") + w.lang;
    REQUIRE(post(cw, "/v1/decisions", attendance_request(), w.lang, key).status == 200);
    json other = attendance_request();
    other["actor"] = "sw-someone-else";
    auto reused = post(cw, "/v1/decisions", other, w.lang, key);
    REQUIRE(reused.status == 409);
    CHECK(reused.json()["title"] == w.reused);
  }
  // Each detail differs between the languages (none is left in English).
  auto fi = get(cw, "/v1/consents/c-nothing", "fi").json()["detail"];
  auto sv = get(cw, "/v1/consents/c-nothing", "sv").json()["detail"];
  auto en = get(cw, "/v1/consents/c-nothing", "en").json()["detail"];
  CHECK(fi != sv);
  CHECK(sv != en);
  CHECK(fi == "Tällä tunnisteella ei ole suostumusta, jonka osapuolena organisaatiosi on.");

  // A field's message too: an identity code that fails its check character, in Swedish.
  json code = attendance_request();
  code["subject"]["identity_code"] = "010106A9019";
  auto sv_code = post(cw, "/v1/decisions", code, "sv");
  REQUIRE(sv_code.status == 400);
  CHECK(sv_code.json()["errors"][0]["pointer"] == "/subject/identity_code");
  CHECK(sv_code.json()["errors"][0]["detail"] == "personbeteckningens kontrolltecken stämmer inte");
}

TEST_CASE("the person's copy names the controller and the right to complain, and hides embargoes",
          "[language][subject-report]") {
  GatewayProcess gw(json{{"controller", kController}});
  // Child welfare gets Veeti's attendance; the police get it too, embargoed from his report.
  REQUIRE(
      gw.client("soite-lastensuojelu").post_json("/v1/exchanges", attendance_request()).status ==
      200);
  REQUIRE(gw.client("pohjanmaa-poliisi")
              .post_json("/v1/exchanges", police_investigation(people::kVeeti))
              .status == 200);
  auto officer = gw.client("soite-tietosuoja");
  const std::string report =
      "/v1/audit/subject-report?actor=po-1&subject=" + std::string(people::kVeeti);

  // The privacy officer's view keeps the embargoed entries, with their embargo date.
  auto sv = get(officer, report, "sv-FI, fi;q=0.8");
  REQUIRE(sv.status == 200);
  CHECK(sv.header("content-language") == "sv");
  const json view = sv.json();
  CHECK(view["withheld_count"] == 2);
  REQUIRE(view["withheld_entries_for_privacy_officer"].size() == 2);
  for (const auto& e : view["withheld_entries_for_privacy_officer"]) {
    CHECK(e["agency"] == "pohjanmaa-poliisi");
    CHECK(e.contains("embargo_until"));
  }

  // The person's copy in Swedish: plain words, the controller, the officer, the ombudsman.
  const json copy = view["person_copy"];
  CHECK(copy["lang"] == "sv");
  REQUIRE(copy["entries"].size() == 2);  // child welfare's decision and disclosure only
  const json disclosure = copy["entries"][1];
  CHECK(disclosure["what"] == "Uppgifter lämnades ut.");
  CHECK(disclosure["to"]["name"].get<std::string>().find("lastensuojelu") != std::string::npos);
  CHECK(disclosure["information"][0].get<std::string>().find('_') == std::string::npos);
  CHECK(copy["controller"]["name"] == "Välfärdsområdet i Mellersta Österbotten Soite");
  CHECK(copy["controller"]["privacy_officer"]["email"] == "tietosuoja@soite.example");
  CHECK(copy["controller"]["text"].get<std::string>().find("dataskyddsombudet") !=
        std::string::npos);
  CHECK(copy["right_to_complain"].get<std::string>().find("dataombudsmannen") != std::string::npos);
  const std::string copy_text = copy.dump();
  CHECK(copy_text.find("poliisi") == std::string::npos);
  CHECK(copy_text.find("embargo") == std::string::npos);
  CHECK(copy_text.find("withheld") == std::string::npos);
  CHECK(copy_text.find("fi.atl") == std::string::npos);

  // The printable copy in Finnish: the page says the language it is in, and nothing of the
  // embargoed entries.
  auto html = get(officer, report + "&format=html", "fi");
  REQUIRE(html.status == 200);
  CHECK(html.header("content-language") == "fi");
  CHECK(html.body.find("<html lang=\"fi\">") != std::string::npos);
  CHECK(html.body.find("Keski-Pohjanmaan hyvinvointialue Soite") != std::string::npos);
  CHECK(html.body.find("tietosuoja@soite.example") != std::string::npos);
  CHECK(html.body.find("tietosuojavaltuutetulle") != std::string::npos);
  CHECK(html.body.find("Tietoja luovutettiin.") != std::string::npos);
  for (const char* hint : {"poliisi", "embargo", "salassa", "withheld", "pidätetty"}) {
    INFO(hint);
    CHECK(html.body.find(hint) == std::string::npos);
  }
  auto sv_html = get(officer, report + "&format=html&lang=sv", "fi");
  CHECK(sv_html.body.find("<html lang=\"sv\">") != std::string::npos);
  CHECK(sv_html.body.find("dataombudsmannen") != std::string::npos);
  CHECK(sv_html.body.find("poliisi") == std::string::npos);
}
