#include "gateway/api/subject_report.h"

#include <algorithm>

#include "gateway/logging.h"

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

std::string agency_name(const Services& s, const std::string& id) {
  if (id.empty()) return "";
  const Agency* a = s.config->registry.find(id);
  return a != nullptr ? a->name : id;
}

// "Who did what" in plain words, from the person's point of view.
std::string describe(const Services& s, const ReportEntry& x) {
  std::string who = agency_name(s, x.agency);
  std::string other = agency_name(s, x.target);
  if (x.event_type == "disclosure") {
    if (x.outcome != "ok") return who + " asked " + other + " for data; nothing was released";
    return x.direction == "push" ? who + " disclosed data to " + other
                                 : other + " disclosed data to " + who;
  }
  if (x.event_type == "decision" || x.event_type == "break-glass") {
    std::string verb = x.break_glass ? " used an emergency access to ask " : " asked ";
    if (x.direction == "push") {
      return who + " checked whether it may disclose data to " + other + " (" + x.decision + ")";
    }
    return who + verb + other + " for data (" + x.decision + ")";
  }
  if (x.event_type.rfind("referral", 0) == 0) return who + ": " + x.event_type + " to " + other;
  if (x.event_type == "consent-recorded") return who + " recorded a consent or prohibition";
  if (x.event_type == "consent-revoked") return who + " recorded the revocation of a consent";
  return who + ": " + x.event_type;
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

nlohmann::json subject_report_json(const SubjectReport& report) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& x : report.entries) entries.push_back(entry_json(x));
  nlohmann::json withheld = nlohmann::json::array();
  for (const auto& x : report.withheld) withheld.push_back(entry_json(x));
  nlohmann::json j = {{"generated_at", format_rfc3339(report.generated_at)},
                      {"basis",
                       "Laki sosiaali- ja terveydenhuollon asiakastietojen "
                       "käsittelystä 703/2023, 11 §"},
                      {"entries", std::move(entries)},
                      {"withheld_count", report.withheld.size()}};
  if (!report.withheld.empty()) {
    j["withheld_notice"] =
        std::to_string(report.withheld.size()) +
        " entries are withheld from the person's report under ATL 11 § until the end of their "
        "embargo (a pending crime investigation). The privacy officer sees them below; the "
        "person's copy shows only this notice.";
    j["withheld_entries_for_privacy_officer"] = std::move(withheld);
  }
  return j;
}

std::string render_subject_report_html(const Services& s, const SubjectReport& report) {
  const auto& catalog = s.catalog();
  std::string h =
      "<!doctype html>\n<html lang=\"fi\"><head><meta charset=\"utf-8\">"
      "<title>Lokitietoraportti / Log-data report</title><style>"
      "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
      "td,th{border:1px solid #999;padding:4px;text-align:left;vertical-align:top}"
      "@media print{body{margin:0}}</style></head><body>\n"
      "<h1>Lokitietoraportti &mdash; who has seen your data</h1>\n"
      "<p>Laki sosiaali- ja terveydenhuollon asiakastietojen käsittelystä 703/2023, 11 §. "
      "Generated " +
      html_escape(format_rfc3339(report.generated_at)) + ".</p>\n";
  if (report.entries.empty()) {
    h += "<p>No use or disclosure of your data is recorded.</p>\n";
  } else {
    h += "<table><tr><th>When</th><th>What</th><th>Purpose</th><th>Data</th><th>Basis</th>"
         "</tr>\n";
    for (const auto& x : report.entries) {
      std::string purpose = x.purpose;
      if (const auto* p = catalog.find_purpose(x.purpose)) purpose = p->name.en;
      std::string data;
      for (const auto& c : x.categories) {
        const auto* cat = catalog.find_category(c);
        data += (data.empty() ? "" : ", ") + (cat != nullptr ? cat->name.en : c);
      }
      std::string basis;
      for (const auto& b : x.bases) {
        const auto* lb = catalog.find_basis(b);
        basis += (basis.empty() ? "" : "; ") + (lb != nullptr ? lb->citation.text() : b);
      }
      for (const auto& c : x.consents) basis += (basis.empty() ? "" : "; ") + ("consent " + c);
      h += "<tr><td>" + html_escape(format_rfc3339(x.time)) + "</td><td>" +
           html_escape(describe(s, x)) + "</td><td>" + html_escape(purpose) + "</td><td>" +
           html_escape(data) + "</td><td>" + html_escape(basis) + "</td></tr>\n";
    }
    h += "</table>\n";
  }
  if (!report.withheld.empty()) {
    h += "<p><strong>" + std::to_string(report.withheld.size()) +
         " entries are withheld</strong> under ATL 11 § because giving them could endanger the "
         "investigation of a crime. You may ask for a written decision on this, and take it to "
         "the Data Protection Ombudsman.</p>\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace silta::gateway
