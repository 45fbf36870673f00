#include "policy/scenario.h"

#include <algorithm>
#include <set>

#include "policy/consent_json.h"
#include "policy/identity_code.h"

namespace silta::policy {

using json_check::child_pointer;
using JsonNeed = json_check::Need;
using json_check::Object;
using nlohmann::json;

namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return "[" + out + "]";
}

Subject parse_subject(Object& o, Date today) {
  Subject s;
  s.pseudonym = o.string_or("pseudonym", "subject");
  int given = 0;
  if (auto d = o.string("birth_date")) {
    ++given;
    s.birth_date = parse_date(*d);
    if (!s.birth_date) o.issues().add(o.path_of("birth_date"), "expected a date YYYY-MM-DD");
  }
  if (auto age = o.integer("age", JsonNeed::kOptional, 0, 130)) {
    ++given;
    s.birth_date = birth_date_for_age(static_cast<int>(*age), today);
  }
  if (auto code = o.string("identity_code")) {
    ++given;
    auto parsed = parse_identity_code(*code);
    if (!parsed) {
      o.issues().add(o.path_of("identity_code"), parsed.error().message);
    } else if (!parsed->temporary()) {
      // Test material must never hold a real person's code (docs/law.md §7.3).
      o.issues().add(o.path_of("identity_code"),
                     "expected a temporary identity code (individual number 900-999)");
    } else {
      s.birth_date = parsed->birth_date();
    }
  }
  if (given > 1) o.issues().add(o.path(), "give one of birth_date, age, identity_code");
  if (o.has("capable")) s.capable = o.boolean("capable");
  if (auto g = o.integer("guardians", JsonNeed::kOptional, 0, 10)) s.guardians = int(*g);
  s.turvakielto = o.boolean_or("turvakielto", false);
  o.no_other_keys();
  return s;
}

// A reason code a denial can have ("none" is no reason).
bool known_reason(std::string_view s) {
  auto reason = kDenyReasonNames.find(s);
  return reason && *reason != DenyReason::kNone;
}

}  // namespace

DecisionRequest parse_decision_request(const json& doc, json_check::Issues& issues,
                                       const std::string& path, Date today) {
  DecisionRequest r;
  Object o(issues, doc, path);
  if (!o.valid()) return r;
  if (auto direction = read_term(o, "direction", kDirectionNames)) r.direction = *direction;
  r.from_kind = o.string("from", JsonNeed::kRequired).value_or("");
  r.from_agency = o.string_or("from_agency", "");
  r.to_kind = o.string("to", JsonNeed::kRequired).value_or("");
  r.to_agency = o.string_or("to_agency", "");
  if (o.has("recipient_is_authority"))
    r.recipient_is_authority = o.boolean("recipient_is_authority");
  r.purpose = o.string_or("purpose", "");
  r.categories = o.strings("categories", JsonNeed::kRequired).value_or(std::vector<std::string>{});
  r.referral_kind = o.string_or("referral_kind", "");
  if (auto s = o.object("subject")) r.subject = parse_subject(*s, today);
  r.justification = o.string_or("justification", "");
  r.case_reference = o.string_or("case_reference", "");
  r.attestations = o.strings("attestations").value_or(std::vector<std::string>{});
  r.actor_role = o.string_or("actor_role", "");
  if (auto off = o.object("offence")) {
    Offence offence;
    offence.offence_class = off->string("class", JsonNeed::kRequired).value_or("");
    offence.max_penalty_months =
        int(off->integer("max_penalty_months", JsonNeed::kRequired, 0, 1200).value_or(0));
    off->no_other_keys();
    r.offence = offence;
  }
  r.break_glass = o.boolean_or("break_glass", false);
  r.cited_consents = o.strings("cited_consents").value_or(std::vector<std::string>{});
  o.no_other_keys();
  return r;
}

namespace {

CategoryExpectation parse_category_expectation(Object& c, const Catalog& catalog) {
  CategoryExpectation x;
  if (auto outcome = read_term(c, "outcome", kOutcomeNames)) x.outcome = *outcome;
  x.basis = c.string_or("basis", "");
  if (!x.basis.empty() && catalog.find_basis(x.basis) == nullptr) {
    c.issues().add(c.path_of("basis"), "unknown legal basis \"" + x.basis + "\"");
  }
  x.reason = c.string_or("reason", "");
  if (x.outcome == Outcome::kGranted && x.basis.empty()) {
    c.issues().add(c.path_of("basis"), "required for a grant: the basis it must rest on");
  }
  if (x.outcome == Outcome::kDenied && x.reason.empty()) {
    c.issues().add(c.path_of("reason"), "required for a denial: the reason code");
  } else if (!x.reason.empty() && !known_reason(x.reason)) {
    c.issues().add(c.path_of("reason"), "unknown reason code \"" + x.reason + "\"");
  }
  x.consents = c.strings("consents");
  if (c.has("break_glass")) x.break_glass = c.boolean("break_glass");
  x.withheld_fields = c.strings("withheld_fields");
  x.alternatives = c.strings("alternatives").value_or(std::vector<std::string>{});
  x.not_alternatives = c.strings("not_alternatives").value_or(std::vector<std::string>{});
  x.explanation_contains = c.string_or("explanation_contains", "");
  if (auto texts = c.object("explanations")) {
    for (Lang lang : kLangs) {
      if (auto t = texts->string(lang_code(lang))) x.explanations[lang] = *t;
    }
    texts->no_other_keys();
  }
  c.no_other_keys();
  return x;
}

// "expect": an error, or the outcome of every category asked (and of the whole decision).
void parse_expectation(Object& e, Scenario& s, const Catalog& catalog) {
  s.expect_error = e.string_or("error", "");
  if (auto v = e.string("outcome")) {
    if (*v != "granted" && *v != "partial" && *v != "denied") {
      e.issues().add(e.path_of("outcome"), "expected granted, partial or denied");
    }
    s.expect_outcome = *v;
  }
  if (e.has("break_glass")) s.expect_break_glass = e.boolean("break_glass");
  if (auto v = e.string("review_due")) s.expect_review_due = *v;
  auto cats = e.object("categories");
  if (cats && !s.expect_error.empty()) {
    e.issues().add(e.path_of("categories"), "expect either an error or categories, not both");
  }
  if (!cats && s.expect_error.empty()) {
    e.issues().add(e.path_of("categories"), "required: the expected outcome of every category");
  }
  if (cats) {
    for (const auto& category : s.request.categories) {
      if (auto c = cats->object(category, JsonNeed::kRequired)) {
        s.expect.emplace(category, parse_category_expectation(*c, catalog));
      }
    }
    cats->no_other_keys();  // an expectation for a category not asked is a mistake
  }
  e.no_other_keys();
}

// `names`: the case names so far (each must be unique); `file_now`: the file's time, if valid.
Scenario parse_case(Object& o, std::set<std::string>& names, std::optional<SysTime> file_now,
                    const Catalog& catalog) {
  Scenario s;
  s.name = o.string("name", JsonNeed::kRequired).value_or("");
  if (!s.name.empty() && !names.insert(s.name).second) {
    o.issues().add(o.path_of("name"), "duplicate case name");
  }
  s.now = file_now.value_or(SysTime{});
  if (auto t = o.string("now")) {
    auto parsed = parse_rfc3339(*t);
    if (!parsed) o.issues().add(o.path_of("now"), "expected an RFC 3339 time");
    s.now = parsed.value_or(s.now);
  }
  Date today = helsinki_date(s.now);
  if (const auto* req = o.any("request", JsonNeed::kRequired)) {
    s.request = parse_decision_request(*req, o.issues(), o.path_of("request"), today);
  }
  if (const auto* consents = o.array("consents")) {
    for (std::size_t j = 0; j < consents->size(); ++j) {
      s.consents.push_back(parse_consent((*consents)[j], o.issues(),
                                         child_pointer(o.path_of("consents"), j),
                                         s.request.subject.pseudonym, &catalog));
    }
  }
  if (auto e = o.object("expect", JsonNeed::kRequired)) parse_expectation(*e, s, catalog);
  o.no_other_keys();
  return s;
}

}  // namespace

ScenarioFile parse_scenario_file(const json& doc, json_check::Issues& issues,
                                 const Catalog& catalog) {
  ScenarioFile file;
  Object root(issues, doc, "");
  if (!root.valid()) return file;
  file.description = root.string("description", JsonNeed::kRequired).value_or("");
  std::optional<SysTime> file_now;
  if (auto t = root.string("now", JsonNeed::kRequired)) {
    file_now = parse_rfc3339(*t);
    if (!file_now) issues.add("/now", "expected an RFC 3339 time like 2026-03-02T10:00:00Z");
  }
  if (const auto* list = root.array("cases", JsonNeed::kRequired)) {
    if (list->empty()) issues.add("/cases", "expected at least one case");
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
      Object o(issues, (*list)[i], child_pointer("/cases", i));
      if (o.valid()) file.scenarios.push_back(parse_case(o, names, file_now, catalog));
    }
  }
  root.no_other_keys();
  return file;
}

namespace {

using Failures = std::vector<std::string>;

// The request was expected to fail with `expected` in its message.
void check_error(const Result<Decision>& result, const std::string& expected, Failures& failures) {
  if (result) {
    failures.push_back("expected the error \"" + expected + "\", got a decision");
  } else if (result.error().message.find(expected) == std::string::npos) {
    failures.push_back("expected an error containing \"" + expected + "\", got \"" +
                       result.error().message + "\"");
  }
}

void check_whole_decision(const Decision& d, const Scenario& s, Failures& failures) {
  if (s.expect_outcome) {
    std::string outcome = overall_outcome(d);
    if (outcome != *s.expect_outcome) {
      failures.push_back("outcome: expected " + *s.expect_outcome + ", got " + outcome);
    }
  }
  if (s.expect_break_glass && *s.expect_break_glass != d.break_glass) {
    failures.push_back(std::string("break_glass: expected ") +
                       (*s.expect_break_glass ? "true" : "false"));
  }
  if (s.expect_review_due) {
    std::string due = d.review_due ? format_date(*d.review_due) : "none";
    if (due != *s.expect_review_due) {
      failures.push_back("review_due: expected " + *s.expect_review_due + ", got " + due);
    }
  }
  // Every decision must explain itself in every language, for the reader, whatever the
  // expectation (the JSON form holds the explanations and the alternatives' texts).
  for (Lang lang : kLangs) {
    const auto as_json = decision_to_json(d, lang);
    for (const auto& jc : as_json["categories"]) {
      std::string where =
          jc["category"].get<std::string>() + " (" + std::string(lang_code(lang)) + "): ";
      std::vector<std::string> texts = {jc["explanation"].get<std::string>()};
      if (jc.contains("alternatives")) {
        for (const auto& a : jc["alternatives"]) texts.push_back(a["text"].get<std::string>());
      }
      for (const auto& t : texts) {
        for (const auto& p : text_problems(t)) failures.push_back(where + p);
      }
    }
  }
}

void check_category(const Decision& d, const CategoryDecision& c, const CategoryExpectation& x,
                    Failures& failures) {
  std::string where = c.category->id + ": ";
  std::string got = summary(c);
  if (c.outcome != x.outcome) {
    failures.push_back(where + "expected " + kOutcomeNames.name(x.outcome) + ", got " + got +
                       " — " + explain_category(d, c));
    return;
  }
  std::string basis = c.basis ? c.basis->id : "";
  if (!x.basis.empty() && basis != x.basis) {
    failures.push_back(where + "expected the basis " + x.basis + ", got " + got);
  }
  if (!x.reason.empty() && x.reason != deny_reason_name(c.reason)) {
    failures.push_back(where + "expected the reason " + x.reason + ", got " + got + " — " +
                       explain_category(d, c));
  }
  if (x.consents && *x.consents != c.consent_ids) {
    failures.push_back(where + "expected the consents " + join(*x.consents) + ", got " +
                       join(c.consent_ids));
  }
  if (x.break_glass && *x.break_glass != c.break_glass) {
    failures.push_back(where + "expected break_glass " + (*x.break_glass ? "true" : "false"));
  }
  if (x.withheld_fields) {
    std::vector<std::string> withheld;
    for (const auto* w : c.withheld) withheld.push_back(w->field);
    if (withheld != *x.withheld_fields) {
      failures.push_back(where + "expected the withheld fields " + join(*x.withheld_fields) +
                         ", got " + join(withheld));
    }
  }
  auto offered = [&](const std::string& id) {
    return std::any_of(c.alternatives.begin(), c.alternatives.end(),
                       [&](const Alternative& alt) { return alt.basis->id == id; });
  };
  for (const auto& a : x.alternatives) {
    if (!offered(a)) failures.push_back(where + "expected " + a + " among the alternatives");
  }
  for (const auto& a : x.not_alternatives) {
    if (offered(a)) failures.push_back(where + "did not expect " + a + " among the alternatives");
  }
  if (!x.explanation_contains.empty() &&
      explain_category(d, c, Lang::kEn).find(x.explanation_contains) == std::string::npos) {
    failures.push_back(where + "the explanation does not contain \"" + x.explanation_contains +
                       "\": " + explain_category(d, c, Lang::kEn));
  }
  for (const auto& [lang, text] : x.explanations) {
    std::string got = explain_category(d, c, lang);
    if (got.find(text) == std::string::npos) {
      failures.push_back(where + "the " + std::string(lang_code(lang)) +
                         " explanation does not contain \"" + text + "\": " + got);
    }
  }
}

}  // namespace

std::vector<std::string> run_scenario(const Engine& engine, const Scenario& s) {
  Failures failures;
  auto result = engine.decide(s.request, s.consents, s.now);
  if (!s.expect_error.empty()) {
    check_error(result, s.expect_error, failures);
    return failures;
  }
  if (!result) {
    failures.push_back("unexpected error: " + result.error().message);
    return failures;
  }
  check_whole_decision(*result, s, failures);
  for (const auto& c : result->categories) {
    auto it = s.expect.find(c.category->id);
    if (it != s.expect.end()) check_category(*result, c, it->second, failures);
  }
  return failures;
}

}  // namespace silta::policy
