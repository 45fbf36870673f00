#include "gateway/api/subject_report.h"

#include <algorithm>

#include "gateway/logging.h"
#include "policy/calendar.h"

namespace silta::gateway {

namespace {

// What the person's report covers: uses and disclosures of their data, referrals about them,
// consents, and emergency accesses. Reads of the log itself and refused logins are not about
// their data.
bool about_the_subject(std::string_view type) {
  return type != "audit-read" && type != "auth-failure" && type != "break-glass-review";
}

ReportEntry from_record(const std::string& origin, const audit::AuditRecord& r) {
  const auto& e = r.event;
  ReportEntry x;
  x.origin = origin;
  x.seq = r.seq;
  x.time = r.time;
  x.event_type = std::string(audit::event_type_name(e.type));
  x.direction = e.direction;
  x.agency = e.agency;
  x.target = e.target;
  x.purpose = e.purpose;
  x.categories = e.categories_granted.empty() ? e.categories_requested : e.categories_granted;
  x.bases = e.citations;
  x.consents = e.consents;
  if (e.decision != audit::DecisionSummary::kNone) {
    x.decision = std::string(audit::decision_name(e.decision));
  }
  x.break_glass = e.break_glass;
  x.outcome = e.outcome;
  x.embargo_until = e.embargo_until;
  return x;
}

// Another instance's entry from before records were indexed: what the index holds.
ReportEntry from_index(const store::AuditIndexEntry& e) {
  ReportEntry x;
  x.origin = e.origin;
  x.seq = e.sequence;
  x.time = e.time;
  x.event_type = e.event_type;
  x.agency = e.agency;
  x.target = e.target_agency;
  x.purpose = e.purpose;
  x.full_record = false;
  return x;
}

nlohmann::json entry_json(const ReportEntry& x) {
  nlohmann::json j = {{"origin", x.origin},
                      {"seq", x.seq},
                      {"time", format_rfc3339(x.time)},
                      {"event", x.event_type},
                      {"agency", x.agency},
                      {"target", x.target},
                      {"purpose", x.purpose},
                      {"categories", x.categories},
                      {"bases", x.bases},
                      {"consents", x.consents},
                      {"outcome", x.outcome},
                      {"full_record", x.full_record}};
  if (!x.direction.empty()) j["direction"] = x.direction;
  if (!x.decision.empty()) j["decision"] = x.decision;
  if (x.break_glass) j["break_glass"] = true;
  if (x.embargo_until) j["embargo_until"] = format_rfc3339(*x.embargo_until);
  return j;
}

std::string html_escape(std::string_view in) {
  std::string out;
  for (char c : in) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// One sentence in the three languages.
struct Words {
  const char* fi;
  const char* sv;
  const char* en;
  std::string in(Lang lang) const { return lang == Lang::kFi ? fi : lang == Lang::kSv ? sv : en; }
};

// The person's copy, in words written for the person (docs/law.md, "The person's copy").
namespace words {
constexpr Words kTitle{"Lokitietoraportti: kuka on käsitellyt tietojasi",
                       "Loggdatarapport: vem har behandlat dina uppgifter",
                       "Log-data report: who has processed your information"};
constexpr Words kIntro{
    "Tässä raportissa kerrotaan, mitkä organisaatiot ovat käyttäneet tai saaneet tietojasi "
    "Silta-tiedonvaihtopalvelun kautta, milloin, mihin tarkoitukseen ja millä perusteella (laki "
    "sosiaali- ja terveydenhuollon asiakastietojen käsittelystä 703/2023, 11 §). Raportti on "
    "laadittu {0}.",
    "Av denna rapport framgår vilka organisationer som har använt eller fått dina uppgifter via "
    "datautbytestjänsten Silta, när, för vilket ändamål och på vilken grund (lagen om behandling "
    "av klientuppgifter inom social- och hälsovården 703/2023, 11 §). Rapporten har upprättats "
    "{0}.",
    "This report shows which organisations have used or received your information through the "
    "Silta data exchange service, when, for what purpose and on which basis (Act on the "
    "Processing of Client Data in Healthcare and Social Welfare 703/2023, section 11). The report "
    "was prepared on {0}."};
constexpr Words kNoEntries{
    "Tietojesi käytöstä tai luovutuksesta ei ole merkintöjä.",
    "Det finns inga anteckningar om att dina uppgifter har använts eller lämnats ut.",
    "No use or disclosure of your information is recorded."};
constexpr Words kController{"Rekisterinpitäjä: {0}.", "Personuppgiftsansvarig: {0}.",
                            "Controller: {0}."};
constexpr Words kOfficer{"Tietosuojavastaavan yhteystiedot: {0}.",
                         "Dataskyddsombudets kontaktuppgifter: {0}.",
                         "Contact details of the data protection officer: {0}."};
constexpr Words kQuestions{
    "Jos sinulla on kysyttävää raportista tai haluat, että tietojasi oikaistaan, ota yhteyttä "
    "tietosuojavastaavaan.",
    "Om du har frågor om rapporten eller vill att dina uppgifter rättas, kontakta "
    "dataskyddsombudet.",
    "If you have questions about this report or want your information corrected, contact the "
    "data protection officer."};
constexpr Words kNoController{
    "Rekisterinpitäjän ja sen tietosuojavastaavan yhteystiedot saat organisaatiolta, joka antoi "
    "sinulle tämän raportin.",
    "Kontaktuppgifterna till den personuppgiftsansvarige och dess dataskyddsombud får du av den "
    "organisation som gav dig denna rapport.",
    "The organisation that gave you this report will give you the contact details of the "
    "controller and its data protection officer."};
constexpr Words kComplaint{
    "Sinulla on oikeus tehdä valitus tietosuojavaltuutetulle, jos katsot, että henkilötietojesi "
    "käsittelyssä on rikottu tietosuojalainsäädäntöä (EU:n yleinen tietosuoja-asetus, 77 "
    "artikla). Tietosuojavaltuutetun toimisto, www.tietosuoja.fi.",
    "Du har rätt att lämna in ett klagomål till dataombudsmannen om du anser att behandlingen av "
    "dina personuppgifter strider mot dataskyddslagstiftningen (EU:s allmänna "
    "dataskyddsförordning, artikel 77). Dataombudsmannens byrå, www.dataombudsmannen.fi.",
    "You have the right to lodge a complaint with the Data Protection Ombudsman if you consider "
    "that the processing of your personal data violates data protection law (EU General Data "
    "Protection Regulation, Article 77). Office of the Data Protection Ombudsman, "
    "www.tietosuoja.fi/en."};
constexpr Words kPhone{"puh. {0}", "tfn {0}", "tel. {0}"};
constexpr Words kConsent{"suostumus tai luovutuslupa", "samtycke eller utlämningstillstånd",
                         "consent or disclosure permit"};
// Column headings.
constexpr Words kDate{"Päivä", "Datum", "Date"};
constexpr Words kWhat{"Mitä tapahtui", "Vad hände", "What happened"};
constexpr Words kFrom{"Luovuttaja", "Utlämnare", "Disclosed by"};
constexpr Words kTo{"Vastaanottaja", "Mottagare", "Received by"};
constexpr Words kInformation{"Tiedot", "Uppgifter", "Information"};
constexpr Words kPurpose{"Käyttötarkoitus", "Ändamål", "Purpose"};
constexpr Words kBasis{"Peruste", "Grund", "Basis"};
constexpr Words kContactHeading{"Yhteystiedot ja oikeutesi",
                                "Kontaktuppgifter och dina rättigheter",
                                "Contacts and your rights"};
// What happened.
constexpr Words kDisclosed{"Tietoja luovutettiin", "Uppgifter lämnades ut",
                           "Information was disclosed"};
constexpr Words kNotDisclosed{"Tietoja pyydettiin, mutta niitä ei luovutettu",
                              "Uppgifter begärdes men lämnades inte ut",
                              "Information was requested but not disclosed"};
constexpr Words kAskedGranted{"Tietoja pyydettiin, ja luovutus sallittiin",
                              "Uppgifter begärdes och utlämnandet tilläts",
                              "Information was requested and its disclosure was permitted"};
constexpr Words kAskedPartial{"Tietoja pyydettiin, ja luovutus sallittiin osittain",
                              "Uppgifter begärdes och utlämnandet tilläts delvis",
                              "Information was requested and its disclosure was permitted in part"};
constexpr Words kAskedDenied{"Tietoja pyydettiin, mutta pyyntö hylättiin",
                             "Uppgifter begärdes men begäran avslogs",
                             "Information was requested but the request was refused"};
constexpr Words kCheckedGranted{
    "Tietojen luovuttamisen edellytykset tarkistettiin, ja luovutus sallittiin",
    "Förutsättningarna för utlämnande kontrollerades och utlämnandet tilläts",
    "Whether the information may be disclosed was checked, and it was permitted"};
constexpr Words kCheckedDenied{
    "Tietojen luovuttamisen edellytykset tarkistettiin, eikä luovutusta sallittu",
    "Förutsättningarna för utlämnande kontrollerades och utlämnandet tilläts inte",
    "Whether the information may be disclosed was checked, and it was not permitted"};
constexpr Words kEmergency{" (kiireellinen tilanne, hätäkäyttö)", " (brådskande fall, nödåtkomst)",
                           " (urgent case, emergency access)"};
constexpr Words kReferralSent{"Ilmoitus lähetettiin", "En anmälan skickades",
                              "A referral was sent"};
constexpr Words kReferralDelivered{"Ilmoitus toimitettiin vastaanottajalle",
                                   "Anmälan levererades till mottagaren",
                                   "The referral was delivered to its recipient"};
constexpr Words kReferralAcknowledged{"Vastaanottaja kuittasi ilmoituksen",
                                      "Mottagaren kvitterade anmälan",
                                      "The recipient acknowledged the referral"};
constexpr Words kReferralDecided{"Ilmoituksen johdosta tehtiin päätös",
                                 "Ett beslut fattades med anledning av anmälan",
                                 "A decision was made on the referral"};
constexpr Words kConsentRecorded{"Suostumus tai kielto kirjattiin",
                                 "Ett samtycke eller förbud registrerades",
                                 "A consent or prohibition was recorded"};
constexpr Words kConsentRevoked{"Suostumuksen peruutus kirjattiin",
                                "Återkallelsen av ett samtycke registrerades",
                                "The revocation of a consent was recorded"};
constexpr Words kProcessed{"Tietoja käsiteltiin", "Uppgifter behandlades",
                           "Information was processed"};
}  // namespace words

std::string fill(const std::string& text, const std::string& arg) {
  std::string out = text;
  if (auto at = out.find("{0}"); at != std::string::npos) out.replace(at, 3, arg);
  return out;
}

std::string date_text(Lang lang, SysTime t) {
  const policy::Date d = policy::helsinki_date(t);
  if (lang == Lang::kEn) return policy::format_date(d);
  return std::to_string(static_cast<unsigned>(d.day())) + "." +
         std::to_string(static_cast<unsigned>(d.month())) + "." +
         std::to_string(static_cast<int>(d.year()));
}

// An organisation as the person reads it: its name, and the kind of service in the person's
// language when the name does not say it.
nlohmann::json organisation(const Services& s, const std::string& id, Lang lang) {
  if (id.empty()) return nullptr;
  const Agency* a = s.config->registry.find(id);
  if (a == nullptr) return {{"name", id}};
  nlohmann::json o = {{"name", a->name}};
  if (const auto* k = s.catalog().find_kind(a->kind)) o["kind"] = k->name.in(lang);
  return o;
}

std::string organisation_text(const nlohmann::json& o) {
  if (o.is_null()) return "";
  std::string t = o.value("name", "");
  if (o.contains("kind")) t += " (" + o["kind"].get<std::string>() + ")";
  return t;
}

// What happened, from the person's point of view, without ids.
std::string what_happened(const ReportEntry& x, Lang lang) {
  using namespace words;
  std::string t;
  if (x.event_type == "disclosure") {
    t = (x.outcome == "ok" ? kDisclosed : kNotDisclosed).in(lang);
  } else if (x.event_type == "decision" || x.event_type == "break-glass") {
    if (x.direction == "push") {
      t = (x.decision == "denied" ? kCheckedDenied : kCheckedGranted).in(lang);
    } else {
      t = (x.decision == "denied"    ? kAskedDenied
           : x.decision == "partial" ? kAskedPartial
                                     : kAskedGranted)
              .in(lang);
    }
  } else if (x.event_type == "referral-sent") {
    t = kReferralSent.in(lang);
  } else if (x.event_type == "referral-delivered") {
    t = kReferralDelivered.in(lang);
  } else if (x.event_type == "referral-acknowledged") {
    t = kReferralAcknowledged.in(lang);
  } else if (x.event_type == "referral-decided") {
    t = kReferralDecided.in(lang);
  } else if (x.event_type == "consent-recorded") {
    t = kConsentRecorded.in(lang);
  } else if (x.event_type == "consent-revoked") {
    t = kConsentRevoked.in(lang);
  } else {
    t = kProcessed.in(lang);
  }
  if (x.break_glass) t += kEmergency.in(lang);
  return t + ".";
}

// Who gave and who got: a pull's requester receives from the holder; a push's actor gives; on a
// referral the recipient acknowledges and decides on what the sender sent.
std::pair<std::string, std::string> from_to(const ReportEntry& x) {
  const bool received = x.direction == "pull" || x.event_type == "referral-acknowledged" ||
                        x.event_type == "referral-decided";
  return received ? std::pair{x.target, x.agency} : std::pair{x.agency, x.target};
}

std::string basis_text(const policy::LegalBasis& b, Lang lang) {
  const auto& c = b.citation;
  std::string where = c.law != nullptr ? c.law->name.in(lang) + " " + c.law->number + ", " : "";
  where += (c.chapter.empty() ? "" : c.chapter + ":") + c.section + " §";
  return b.title.in(lang) + " (" + where + ")";
}

nlohmann::json person_entry(const Services& s, const ReportEntry& x, Lang lang) {
  const auto& catalog = s.catalog();
  auto [from, to] = from_to(x);
  nlohmann::json information = nlohmann::json::array();
  for (const auto& c : x.categories) {
    const auto* cat = catalog.find_category(c);
    if (cat != nullptr) information.push_back(cat->name.in(lang));
  }
  nlohmann::json basis = nlohmann::json::array();
  for (const auto& b : x.bases) {
    if (const auto* lb = catalog.find_basis(b)) basis.push_back(basis_text(*lb, lang));
  }
  if (!x.consents.empty()) basis.push_back(words::kConsent.in(lang));
  nlohmann::json e = {{"date", date_text(lang, x.time)},       {"what", what_happened(x, lang)},
                      {"from", organisation(s, from, lang)},   {"to", organisation(s, to, lang)},
                      {"information", std::move(information)}, {"basis", std::move(basis)}};
  const auto* purpose = catalog.find_purpose(x.purpose);
  e["purpose"] = purpose != nullptr ? purpose->name.in(lang) : "";
  return e;
}

std::string contact_text(const ControllerConfig& c, Lang lang) {
  std::string t = c.email;
  if (!c.phone.empty()) t += ", " + fill(words::kPhone.in(lang), c.phone);
  if (!c.address.empty()) t += ", " + c.address;
  return t;
}

// The person's copy: only what they may see, in their language.
nlohmann::json person_copy(const Services& s, const SubjectReport& report, Lang lang) {
  using namespace words;
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& x : report.entries) entries.push_back(person_entry(s, x, lang));
  nlohmann::json j = {{"lang", lang_code(lang)},
                      {"title", kTitle.in(lang)},
                      {"introduction", fill(kIntro.in(lang), date_text(lang, report.generated_at))},
                      {"entries", std::move(entries)}};
  if (report.entries.empty()) j["no_entries"] = kNoEntries.in(lang);
  nlohmann::json controller;
  if (const auto& c = s.config->controller) {
    controller = {
        {"name", c->name.in(lang)},
        {"privacy_officer", {{"email", c->email}}},
        {"text", fill(kController.in(lang), c->name.in(lang)) + " " +
                     fill(kOfficer.in(lang), contact_text(*c, lang)) + " " + kQuestions.in(lang)}};
    if (!c->phone.empty()) controller["privacy_officer"]["phone"] = c->phone;
    if (!c->address.empty()) controller["privacy_officer"]["address"] = c->address;
  } else {
    controller = {{"text", kNoController.in(lang)}};
  }
  j["controller"] = std::move(controller);
  j["right_to_complain"] = kComplaint.in(lang);
  return j;
}

}  // namespace

std::optional<audit::AuditRecord> full_record(const Services& s, const store::AuditIndexEntry& e) {
  if (e.origin == s.audit->origin()) {
    auto r = s.audit->read(e.sequence, e.sequence + 1);
    if (r && r->size() == 1) return std::move(r->front());
  }
  if (e.record.empty()) return std::nullopt;
  auto r = audit::parse_record(e.record);
  if (!r || r->seq != e.sequence || r->time != e.time) {
    logging::warn("audit_index_record_unreadable", {{"origin", e.origin}, {"seq", e.sequence}});
    return std::nullopt;
  }
  return std::move(*r);
}

SubjectReport build_subject_report(const Services& s,
                                   const std::vector<store::AuditIndexEntry>& entries,
                                   SysTime now) {
  SubjectReport report;
  report.generated_at = now;
  for (const auto& e : entries) {
    if (!about_the_subject(e.event_type)) continue;
    auto r = full_record(s, e);
    ReportEntry x = r ? from_record(e.origin, *r) : from_index(e);
    if (x.embargo_until && *x.embargo_until > now) {
      report.withheld.push_back(std::move(x));
    } else {
      report.entries.push_back(std::move(x));
    }
  }
  auto by_time = [](const ReportEntry& a, const ReportEntry& b) { return a.time < b.time; };
  std::sort(report.entries.begin(), report.entries.end(), by_time);
  std::sort(report.withheld.begin(), report.withheld.end(), by_time);
  return report;
}

nlohmann::json subject_report_json(const Services& s, const SubjectReport& report, Lang lang) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& x : report.entries) entries.push_back(entry_json(x));
  nlohmann::json withheld = nlohmann::json::array();
  for (const auto& x : report.withheld) withheld.push_back(entry_json(x));
  return {
      {"generated_at", format_rfc3339(report.generated_at)},
      {"basis", "Laki sosiaali- ja terveydenhuollon asiakastietojen käsittelystä 703/2023, 11 §"},
      {"entries", std::move(entries)},
      {"withheld_count", report.withheld.size()},
      {"withheld_entries_for_privacy_officer", std::move(withheld)},
      {"person_copy", person_copy(s, report, lang)}};
}

std::string render_subject_report_html(const Services& s, const SubjectReport& report, Lang lang) {
  using namespace words;
  const nlohmann::json copy = person_copy(s, report, lang);
  std::string h = "<!doctype html>\n<html lang=\"" + std::string(lang_code(lang)) +
                  "\"><head><meta charset=\"utf-8\"><title>" + html_escape(kTitle.in(lang)) +
                  "</title><style>"
                  "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
                  "width:100%}td,th{border:1px solid #999;padding:4px;text-align:left;"
                  "vertical-align:top}@media print{body{margin:0}}</style></head><body>\n"
                  "<h1>" +
                  html_escape(kTitle.in(lang)) + "</h1>\n<p>" +
                  html_escape(copy["introduction"].get<std::string>()) + "</p>\n";
  if (report.entries.empty()) {
    h += "<p>" + html_escape(kNoEntries.in(lang)) + "</p>\n";
  } else {
    h += "<table><tr>";
    for (const Words* w : {&kDate, &kWhat, &kFrom, &kTo, &kInformation, &kPurpose, &kBasis}) {
      h += "<th>" + html_escape(w->in(lang)) + "</th>";
    }
    h += "</tr>\n";
    auto joined = [](const nlohmann::json& list, const char* sep) {
      std::string t;
      for (const auto& v : list) t += (t.empty() ? "" : sep) + v.get<std::string>();
      return t;
    };
    for (const auto& e : copy["entries"]) {
      h += "<tr><td>" + html_escape(e["date"].get<std::string>()) + "</td><td>" +
           html_escape(e["what"].get<std::string>()) + "</td><td>" +
           html_escape(organisation_text(e["from"])) + "</td><td>" +
           html_escape(organisation_text(e["to"])) + "</td><td>" +
           html_escape(joined(e["information"], ", ")) + "</td><td>" +
           html_escape(e["purpose"].get<std::string>()) + "</td><td>" +
           html_escape(joined(e["basis"], "; ")) + "</td></tr>\n";
    }
    h += "</table>\n";
  }
  h += "<h2>" + html_escape(kContactHeading.in(lang)) + "</h2>\n<p>" +
       html_escape(copy["controller"]["text"].get<std::string>()) + "</p>\n<p>" +
       html_escape(copy["right_to_complain"].get<std::string>()) + "</p>\n</body></html>\n";
  return h;
}

}  // namespace silta::gateway
