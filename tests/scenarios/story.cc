#include "tests/scenarios/story.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/demo_people.h"
#include "tests/support/process.h"
#include "tests/support/tls_client.h"

namespace silta::scenario {

namespace people = test::people;
using nlohmann::json;

namespace {

class Story {
 public:
  Story(const StoryOptions& o, std::ostream& out) : o_(o), out_(out) {}

  int failures() const { return failures_; }

  void chapter(const std::string& title) {
    out_ << "\n" << bold("== " + std::to_string(++chapter_) + ". " + title) << "\n";
  }
  void say(const std::string& text) { out_ << "   " << text << "\n"; }

  // An agency system's call: prints who asked what, and the answer.
  json call(const std::string& agency, const std::string& method, const std::string& path,
            const json& body, unsigned expect_status) {
    test::TlsClient client(
        o_.host, o_.port,
        test::ClientCert{o_.certs / (agency + ".pem"), o_.certs / (agency + ".key")},
        o_.certs / "root-ca.pem");
    out_ << "   " << bold(agency) << "  " << method << " " << masked(path) << "\n";
    test::HttpResult r;
    try {
      r = body.is_null() ? client.request(method, path) : client.request(method, path, body.dump());
    } catch (const std::exception& e) {
      expect(false, std::string("the gateway answered (") + e.what() + ")");
      return json();
    }
    json j = json::parse(r.body, nullptr, false);
    out_ << "   -> HTTP " << r.status;
    if (!expect(r.status == expect_status, "status " + std::to_string(expect_status))) {
      out_ << "   " << r.body.substr(0, 400) << "\n";
    }
    return j.is_discarded() ? json(r.body) : j;
  }

  // A GET whose answer is used but not printed (polling); null when it fails.
  json call_quietly(const std::string& agency, const std::string& path) {
    test::TlsClient client(
        o_.host, o_.port,
        test::ClientCert{o_.certs / (agency + ".pem"), o_.certs / (agency + ".key")},
        o_.certs / "root-ca.pem");
    try {
      auto r = client.get(path);
      json j = r.status == 200 ? json::parse(r.body, nullptr, false) : json::object();
      return j.is_object() ? j : json::object();
    } catch (const std::exception&) {
      return json::object();
    }
  }

  // Prints a decision per category: granted with its statute or consent, or denied and why.
  void show_decision(const json& decision) {
    if (!decision.is_object()) return;
    for (const auto& c : decision["categories"]) {
      std::string line = c["category"].get<std::string>() + ": ";
      if (c["outcome"] == "granted") {
        line += green("GRANTED") + " under " + c["basis"]["short"].get<std::string>() + " (" +
                c["basis"]["citation"].get<std::string>() + ")";
        if (c.contains("consents")) line += ", consent " + c["consents"][0].get<std::string>();
        if (c.value("break_glass", false)) line += ", " + red("BREAK-GLASS");
      } else {
        line += red("DENIED") + " (" + c["reason"].get<std::string>() +
                "): " + c["explanation"].get<std::string>();
      }
      say("   " + line);
      if (c["outcome"] == "denied" && !c["alternatives"].empty()) {
        say("     lawful instead: " + c["alternatives"][0]["text"].get<std::string>());
      }
    }
  }

  bool expect(bool ok, const std::string& what) {
    if (!ok) ++failures_;
    out_ << (ok ? "   " + green("ok") : "   " + red("EXPECTED")) << "  " << what << "\n";
    return ok;
  }

  // The outcome and basis of one category of a decision.
  static std::string outcome(const json& j, const std::string& category) {
    const json& d = j.contains("decision") ? j["decision"] : j;
    if (!d.is_object() || !d.contains("categories")) return "";
    for (const auto& c : d["categories"]) {
      if (c["category"] == category) {
        return c["outcome"].get<std::string>() + " " +
               (c["outcome"] == "granted" ? c["basis"]["id"].get<std::string>()
                                          : c["reason"].get<std::string>());
      }
    }
    return "";
  }

  const StoryOptions& options() const { return o_; }

 private:
  // An identity code in a query string is shown as "***": the demo prints no identity code.
  static std::string masked(std::string path) {
    auto at = path.find("subject=");
    if (at == std::string::npos) return path;
    auto end = path.find('&', at);
    return path.replace(at + 8, (end == std::string::npos ? path.size() : end) - at - 8, "***");
  }

  std::string bold(const std::string& s) const { return o_.color ? "\033[1m" + s + "\033[0m" : s; }
  std::string green(const std::string& s) const {
    return o_.color ? "\033[32m" + s + "\033[0m" : s;
  }
  std::string red(const std::string& s) const { return o_.color ? "\033[31m" + s + "\033[0m" : s; }

  const StoryOptions& o_;
  std::ostream& out_;
  int chapter_ = 0;
  int failures_ = 0;
};

json subject(const char* code, std::optional<bool> capable = std::nullopt) {
  json s = {{"identity_code", code}};
  if (capable) s["capable"] = *capable;
  return s;
}

}  // namespace

int run_ankkuri_story(const StoryOptions& o, std::ostream& out) {
  Story s(o, out);

  s.chapter("Child welfare assesses Veeti's need for support (LSL 26 §) and asks the school");
  s.say("Veeti (13) has missed many first lessons; a service-need assessment is open.");
  json attendance = {{"target", "kokkola-perusopetus"},
                     {"actor", {{"id", "sosiaalityontekija-maija"}, {"role", "social_worker"}}},
                     {"subject", subject(people::kVeeti)},
                     {"purpose", "cw_assessment"},
                     {"categories", {"school_attendance"}},
                     {"case_reference", "SOITE-LS-2026-0412"},
                     {"justification",
                      "Service-need assessment (LSL 26 §) after a report on "
                      "absences: attendance is essential to it"}};
  auto a = s.call("soite-lastensuojelu", "POST", "/v1/exchanges", attendance, 200);
  s.show_decision(a["decision"]);
  s.expect(Story::outcome(a, "school_attendance") == "granted fi.atl.64.1",
           "attendance granted under ATL 64 §(1)");
  s.expect(a["data"]["school_attendance"].size() == 1, "the school's attendance record came back");

  s.chapter("A teacher asks mental health services for Ella's diagnosis, without consent");
  s.say("Ella (15) is assessed capable of deciding on her own data.");
  json diagnosis = {{"target", "soite-mielenterveys"},
                    {"actor", {{"id", "opettaja-anna"}, {"role", "teacher"}}},
                    {"subject", subject(people::kEllaHetu, true)},
                    {"purpose", "wellbeing_concern"},
                    {"categories", {"mh_diagnosis"}}};
  auto d1 = s.call("kokkola-perusopetus", "POST", "/v1/exchanges", diagnosis, 403);
  s.show_decision(d1["decision"]);
  s.expect(Story::outcome(d1, "mh_diagnosis") == "denied consent_missing", "refused: no consent");

  s.chapter("Her guardians consent for her: not enough for a capable 15-year-old");
  json guardians = {{"subject", subject(people::kEllaHetu)},
                    {"kind", "suostumus"},
                    {"granted_by",
                     {{{"capacity", "guardian"}, {"identity_code", people::kSari}},
                      {{"capacity", "guardian"}, {"identity_code", people::kJari}}}},
                    {"from_kinds", {"mental_health"}},
                    {"to_kinds", {"school"}},
                    {"categories", {"mh_diagnosis"}},
                    {"purposes", {"wellbeing_concern"}},
                    {"form", "written"},
                    {"actor", {{"id", "opettaja-anna"}, {"role", "teacher"}}}};
  auto g = s.call("kokkola-perusopetus", "POST", "/v1/consents", guardians, 201);
  s.say("recorded consent " + g["consent"].value("id", std::string("?")) + " (guardians)");
  auto d2 = s.call("kokkola-perusopetus", "POST", "/v1/exchanges", diagnosis, 403);
  s.show_decision(d2["decision"]);
  s.expect(Story::outcome(d2, "mh_diagnosis") == "denied consent_party",
           "refused: the consent is not from Ella herself");

  s.chapter("Ella consents herself; the school records it and gets a signed receipt");
  json own = guardians;
  own["granted_by"] = {{{"capacity", "self"},
                        {"identity_code", people::kEllaHetu},
                        {"minor_capable", true},
                        {"assessed_by", "terveydenhoitaja-liisa"}}};
  auto c = s.call("kokkola-perusopetus", "POST", "/v1/consents", own, 201);
  std::string consent_id = c["consent"].value("id", std::string());
  std::string receipt = c.contains("receipt") ? c["receipt"].value("note", std::string()) : "";
  s.say("recorded consent " + consent_id + "; receipt for the family:");
  std::istringstream lines(receipt);
  for (std::string line; std::getline(lines, line);) s.say("   | " + line.substr(0, 110));
  auto d3 = s.call("kokkola-perusopetus", "POST", "/v1/exchanges", diagnosis, 200);
  s.show_decision(d3["decision"]);
  s.expect(Story::outcome(d3, "mh_diagnosis") == "granted fi.atl.6",
           "granted on her own consent (ATL 6 §)");
  s.expect(d3.contains("data") && d3["data"].contains("mh_diagnosis"), "the diagnosis came back");

  s.chapter("Ella revokes her consent: the same request is refused again");
  auto r = s.call("kokkola-perusopetus", "POST", "/v1/consents/" + consent_id + "/revoke",
                  {{"actor", {{"id", "opettaja-anna"}, {"role", "teacher"}}},
                   {"capacity", "self"},
                   {"channel", "in_person"},
                   {"reason", "Ella changed her mind"}},
                  200);
  s.expect(r.contains("consent") && r["consent"]["status"] == "revoked", "revoked, with a receipt");
  auto d4 = s.call("kokkola-perusopetus", "POST", "/v1/exchanges", diagnosis, 403);
  s.show_decision(d4["decision"]);
  s.expect(Story::outcome(d4, "mh_diagnosis").rfind("denied", 0) == 0, "refused after revocation");

  s.chapter("The Ankkuri police team reports Onni's shoplifting to child welfare (LSL 25 §)");
  json onni_report = {
      {"kind", "lsl25_report"},
      {"recipient", "soite-lastensuojelu"},
      {"actor", {{"id", "ankkuri-konstaapeli-ville"}, {"role", "police_officer"}}},
      {"subject", subject(people::kOnni)},
      {"fields",
       {{"concern",
         "Onni (14) caught shoplifting at the mall; the guardian could not be reached; "
         "the Ankkuri team meets the family"},
        {"reporter_name", "Ville Konstaapeli"},
        {"reporter_role", "police officer, Ankkuri team"},
        {"reporter_contact", "+358 29 500 0000"},
        {"urgent", false}}},
      {"data",
       {{"police_incident",
         {{{"date", "2026-11-20"},
           {"type", "theft (RL 28:1), shoplifting"},
           {"summary", "A 14-year-old took headphones; returned; no damage"}}}}}}};
  auto p = s.call("pohjanmaa-poliisi", "POST", "/v1/referrals", onni_report, 202);
  s.show_decision(p["decision"]);
  s.expect(Story::outcome(p, "police_incident") == "granted fi.lsl.25.1",
           "accepted under LSL 25 §(1), stored before the answer");
  std::string referral_id =
      p.contains("referral") ? p["referral"].value("id", std::string()) : std::string();
  // The delivery worker pushes it to child welfare's system in the background.
  json followed = json::object();
  for (int i = 0; i < 100 && followed.value("state", "") != "delivered"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    followed = s.call_quietly("pohjanmaa-poliisi", "/v1/referrals/" + referral_id);
  }
  s.expect(followed.value("state", "") == "delivered", "delivered to child welfare's system");

  s.chapter("Child welfare acknowledges the report and starts the assessment within the deadline");
  auto inbox = s.call("soite-lastensuojelu", "GET", "/v1/referrals/" + referral_id, nullptr, 200);
  if (!inbox.is_object()) inbox = json::object();
  for (const auto& d : inbox.value("deadlines", json::array())) {
    s.say("   " + d.value("citation", "") + " " + d.value("title", "") + ": due " +
          d.value("due_on", "") + " (" + d.value("status", "") + ")");
  }
  s.expect(inbox.value("deadlines", json::array()).size() == 3,
           "three statutory clocks, in Finnish working days");
  s.call("soite-lastensuojelu", "POST", "/v1/referrals/" + referral_id + "/acknowledge",
         {{"actor", {{"id", "sosiaalityontekija-maija"}, {"role", "social_worker"}}},
          {"urgency_assessed", true}},
         200);
  auto decided = s.call("soite-lastensuojelu", "POST", "/v1/referrals/" + referral_id + "/decision",
                        {{"actor", {{"id", "sosiaalityontekija-maija"}, {"role", "social_worker"}}},
                         {"outcome", "assessment_started"}},
                        200);
  s.expect(decided.is_object() && decided.value("overdue", true) == false,
           "urgency assessed and assessment started");
  auto seen_by_police = s.call_quietly("pohjanmaa-poliisi", "/v1/referrals/" + referral_id);
  s.expect(seen_by_police.value("state", "") == "decided" && !seen_by_police.contains("decision"),
           "the police see that it was decided, not the case data");

  s.chapter("Child welfare passes a father's threat against a teacher to the police (urgent)");
  json threat = {{"direction", "push"},
                 {"target", "pohjanmaa-poliisi"},
                 {"actor", {{"id", "sosiaalityontekija-maija"}, {"role", "social_worker"}}},
                 {"subject", subject(people::kJuha)},
                 {"purpose", "threat_prevention"},
                 {"categories", {"threat_info"}},
                 {"break_glass", true},
                 {"justification",
                  "In today's meeting the father said he will hurt the class "
                  "teacher tomorrow morning at the school gate"},
                 {"data",
                  {{"threat_info",
                    {{{"said_at", "2026-11-23T09:40:00+02:00"},
                      {"threat", "to hurt the class teacher at the school gate tomorrow"}}}}}}};
  auto t = s.call("soite-lastensuojelu", "POST", "/v1/exchanges", threat, 200);
  s.show_decision(t["decision"]);
  s.expect(Story::outcome(t, "threat_info") == "granted fi.atl.62",
           "disclosed under ATL 62 § as an emergency");
  std::string review_id =
      t.contains("decision") ? t["decision"].value("review_id", std::string()) : "";
  s.expect(!review_id.empty(), "a review item was opened for the privacy officer");

  s.chapter("The privacy officer answers Ella's request: who has seen my data (ATL 11 §)");
  auto report = s.call("soite-tietosuoja", "GET",
                       "/v1/audit/subject-report?actor=tietosuojavastaava-outi&subject=" +
                           std::string(people::kEllaHetu),
                       nullptr, 200);
  int uses = 0;
  for (const auto& e : report["entries"]) {
    s.say("   " + e["time"].get<std::string>().substr(0, 19) + "  " +
          e["event"].get<std::string>() + "  " + e["agency"].get<std::string>() + " -> " +
          e["target"].get<std::string>() + "  " + e.value("decision", std::string()));
    if (e["event"] == "disclosure") ++uses;
  }
  s.expect(uses == 1, "one disclosure of Ella's diagnosis, on her consent");
  if (!o.html_report.empty()) {
    test::TlsClient po(
        o.host, o.port,
        test::ClientCert{o.certs / "soite-tietosuoja.pem", o.certs / "soite-tietosuoja.key"},
        o.certs / "root-ca.pem");
    auto html =
        po.get("/v1/audit/subject-report?format=html&actor=tietosuojavastaava-outi&subject=" +
               std::string(people::kEllaHetu));
    std::ofstream(o.html_report) << html.body;
    s.expect(html.status == 200 && html.body.find("<table>") != std::string::npos,
             "printable report written to " + o.html_report.string());
  }

  s.chapter("The privacy officer reviews the emergency access");
  auto queue = s.call("soite-tietosuoja", "GET",
                      "/v1/audit/break-glass?actor=tietosuojavastaava-outi", nullptr, 200);
  s.expect(queue.contains("reviews") && queue["reviews"].size() == 1, "one open review item");
  auto reviewed =
      s.call("soite-tietosuoja", "POST", "/v1/audit/break-glass/" + review_id + "/review",
             {{"actor", {{"id", "tietosuojavastaava-outi"}, {"role", "privacy_officer"}}},
              {"verdict", "justified"},
              {"note", "An imminent threat of violence; ATL 62 § applies."}},
             200);
  s.expect(reviewed.contains("review") && reviewed["review"]["state"] == "reviewed",
           "reviewed: justified");

  s.chapter("Anyone with the public key can verify the whole audit log offline");
  auto checkpoint = s.call("soite-tietosuoja", "GET",
                           "/v1/audit/checkpoint?actor=tietosuojavastaava-outi", nullptr, 200);
  s.say("   signed checkpoint: size " + std::to_string(checkpoint.value("size", 0)));
  if (!o.silta.empty() && !o.audit_dir.empty()) {
    auto verify = test::run_command({o.silta.string(), "audit", "verify", "--dir",
                                     o.audit_dir.string(), "--vkey", o.vkey.string()});
    std::istringstream vl(verify.output);
    for (std::string line; std::getline(vl, line);) s.say("   $ " + line);
    s.expect(verify.status == 0, "silta audit verify passes");
  }

  out << "\n"
      << (s.failures() == 0 ? "The story went as the law says." : "Some steps did not.") << "\n";
  return s.failures();
}

}  // namespace silta::scenario
