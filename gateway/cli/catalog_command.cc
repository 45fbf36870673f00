// `silta catalog check|explain|diff|test`: tools for catalog authors and privacy officers.
// Results go to stdout, problems to stderr; exit 0 = ok, 1 = a check or test failed (or, for
// diff, the catalogs decide differently), 2 = bad input.
#include <fstream>
#include <iostream>
#include <sstream>

#include "gateway/cli/commands.h"
#include "policy/catalog.h"
#include "policy/catalog_diff.h"
#include "policy/consent_json.h"
#include "policy/engine.h"
#include "policy/identity_code.h"
#include "policy/scenario.h"

namespace silta::cli {

namespace {

using policy::Catalog;
using policy::Engine;

// Loads a catalog; on any problem prints them all and returns null.
std::shared_ptr<const Catalog> load(const std::string& dir, const char* command) {
  auto loaded = policy::load_catalog(dir);
  if (!loaded.catalog) {
    std::cerr << "silta catalog " << command << ": the catalog " << dir << " is not valid:\n"
              << policy::format_problems(loaded.problems);
  }
  return loaded.catalog;
}

std::optional<nlohmann::json> read_json(const std::string& file, const char* command) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "silta catalog " << command << ": cannot read " << file << "\n";
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  try {
    return nlohmann::json::parse(content.str());
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
    std::cerr << "silta catalog " << command << ": " << file << ": not valid JSON: " << e.what()
              << "\n";
    return std::nullopt;
  }
}

SysTime parse_now(const std::string& text, const char* command) {
  if (text.empty()) return now_utc();
  auto t = parse_rfc3339(text);
  if (!t) {
    std::cerr << "silta catalog " << command << ": --now: expected an RFC 3339 time\n";
    throw CLI::RuntimeError(kBadInput);
  }
  return *t;
}

std::optional<bool> yes_no(const std::string& value, const char* option) {
  if (value.empty()) return std::nullopt;
  if (value == "yes" || value == "true") return true;
  if (value == "no" || value == "false") return false;
  std::cerr << "silta catalog explain: " << option << ": expected yes or no\n";
  throw CLI::RuntimeError(kBadInput);
}

void add_check(CLI::App& catalog) {
  auto* cmd = catalog.add_subcommand(
      "check", "Validate a catalog directory and list every problem with its file and JSON path.");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("dir", *dir, "Catalog directory")->required();
  cmd->callback([=] {
    auto files = policy::read_catalog_files(*dir);
    if (!files) {
      std::cerr << "silta catalog check: " << files.error().message << "\n";
      throw CLI::RuntimeError(kBadInput);
    }
    auto loaded = policy::parse_catalog(*files);
    if (!loaded.catalog) {
      std::cerr << policy::format_problems(loaded.problems) << loaded.problems.size()
                << " problem(s) in " << *dir << "\n";
      throw CLI::RuntimeError(kFailed);
    }
    const auto& c = *loaded.catalog;
    std::cout << *dir << ": valid: catalog " << c.id << " version " << c.version << ", sha256 "
              << c.sha256 << "\n  " << c.kinds.size() << " agency kinds, " << c.categories.size()
              << " data categories, " << c.purposes.size() << " purposes, " << c.bases.size()
              << " legal bases, " << c.break_glass.rules.size() << " break-glass rules, "
              << c.referral_kinds.size() << " referral kinds, " << c.deadlines.size()
              << " deadlines\n";
  });
}

struct ExplainOptions {
  std::string catalog, shadow, direction = "pull", from, to, from_agency, to_agency,
                               recipient_authority, purpose, referral_kind, birth_date, capable,
                               justification, case_reference, offence_class, consents_file, now,
                               actor_role, subject = "subject", lang = "fi";
  std::vector<std::string> categories, attestations, cited;
  int age = -1, guardians = -1, max_penalty_months = -1;
  bool turvakielto = false, break_glass = false, json = false;
};

void add_explain_options(CLI::App& cmd, ExplainOptions& o) {
  cmd.add_option("-C,--catalog", o.catalog, "Catalog directory")->required();
  cmd.add_option("--shadow", o.shadow, "A second catalog to decide beside it (shadow)");
  cmd.add_option("--direction", o.direction,
                 "pull (the recipient asks) or push (the holder discloses)")
      ->check(CLI::IsMember({"pull", "push"}));
  cmd.add_option("--from", o.from, "Agency kind of the data holder")->required();
  cmd.add_option("--to", o.to, "Agency kind of the recipient")->required();
  cmd.add_option("--from-agency", o.from_agency, "Agency id of the holder (consent scope)");
  cmd.add_option("--to-agency", o.to_agency, "Agency id of the recipient (consent scope)");
  cmd.add_option("--recipient-authority", o.recipient_authority,
                 "yes/no: whether the recipient agency is an authority (default: its kind's)");
  cmd.add_option("--purpose", o.purpose, "Purpose id (default for a referral: its purpose)");
  cmd.add_option("--category", o.categories, "Data category id (repeat)")->required();
  cmd.add_option("--referral-kind", o.referral_kind, "Decide as a referral of this kind (push)");
  cmd.add_option("--age", o.age, "The subject's age on the decision day");
  cmd.add_option("--birth-date", o.birth_date, "The subject's birth date YYYY-MM-DD");
  cmd.add_option("--capable", o.capable,
                 "yes/no: the recorded assessment of the subject's capability");
  cmd.add_option("--guardians", o.guardians, "How many guardians the subject has");
  cmd.add_flag("--turvakielto", o.turvakielto, "The subject's address is protected");
  cmd.add_option("--subject", o.subject, "The subject's pseudonym (matches the consents)");
  cmd.add_option("--justification", o.justification, "The written justification of necessity");
  cmd.add_option("--case-reference", o.case_reference, "The requester's case reference");
  cmd.add_option("--attest", o.attestations, "An attestation id the requester attests (repeat)");
  cmd.add_option("--actor-role", o.actor_role,
                 "The acting official's role (a catalog role id: the requester's)");
  cmd.add_option("--offence", o.offence_class, "Offence class id of the suspected offence");
  cmd.add_option("--max-penalty-months", o.max_penalty_months,
                 "Maximum penalty of the suspected offence, in months");
  cmd.add_flag("--break-glass", o.break_glass, "Declare an emergency (needs --justification)");
  cmd.add_option("--consents", o.consents_file,
                 "JSON file: an array of the subject's consent records");
  cmd.add_option("--cite", o.cited, "A consent id the request cites (repeat)");
  cmd.add_option("--now", o.now, "Decision time (RFC 3339; default now)");
  cmd.add_flag("--json", o.json, "Print the decision as the API returns it");
  cmd.add_option("--lang", o.lang, "The language of the explanations: fi (default), sv or en")
      ->check(CLI::IsMember({"fi", "sv", "en"}));
}

// The subject's birth date from --age (on `today`) or --birth-date.
std::optional<policy::Date> explain_birth_date(const ExplainOptions& o, policy::Date today) {
  if (o.age >= 0 && !o.birth_date.empty()) {
    std::cerr << "silta catalog explain: give --age or --birth-date, not both\n";
    throw CLI::RuntimeError(kBadInput);
  }
  if (o.age >= 0) return policy::birth_date_for_age(o.age, today);
  if (o.birth_date.empty()) return std::nullopt;
  auto born = policy::parse_date(o.birth_date);
  if (!born) {
    std::cerr << "silta catalog explain: --birth-date: expected YYYY-MM-DD\n";
    throw CLI::RuntimeError(kBadInput);
  }
  return born;
}

policy::DecisionRequest explain_request(const ExplainOptions& o, policy::Date today) {
  policy::DecisionRequest r;
  r.direction = o.direction == "push" ? policy::Direction::kPush : policy::Direction::kPull;
  r.from_kind = o.from;
  r.to_kind = o.to;
  r.from_agency = o.from_agency;
  r.to_agency = o.to_agency;
  r.recipient_is_authority = yes_no(o.recipient_authority, "--recipient-authority");
  r.purpose = o.purpose;
  r.categories = o.categories;
  r.referral_kind = o.referral_kind;
  r.subject.pseudonym = o.subject;
  r.subject.birth_date = explain_birth_date(o, today);
  r.subject.capable = yes_no(o.capable, "--capable");
  if (o.guardians >= 0) r.subject.guardians = o.guardians;
  r.subject.turvakielto = o.turvakielto;
  r.justification = o.justification;
  r.case_reference = o.case_reference;
  r.attestations = o.attestations;
  r.actor_role = o.actor_role;
  if (!o.offence_class.empty() || o.max_penalty_months >= 0) {
    r.offence = policy::Offence{o.offence_class, std::max(0, o.max_penalty_months)};
  }
  r.break_glass = o.break_glass;
  r.cited_consents = o.cited;
  return r;
}

// The consent records of --consents (none without it); a bad file is bad input.
std::vector<policy::ConsentRecord> read_consents(const std::string& file,
                                                 const std::string& subject,
                                                 const Catalog& catalog) {
  std::vector<policy::ConsentRecord> consents;
  if (file.empty()) return consents;
  auto doc = read_json(file, "explain");
  if (!doc) throw CLI::RuntimeError(kBadInput);
  json_check::Issues issues;
  if (!doc->is_array()) {
    issues.add("", "expected an array of consent records");
  } else {
    for (std::size_t i = 0; i < doc->size(); ++i) {
      consents.push_back(policy::parse_consent((*doc)[i], issues, json_check::child_pointer("", i),
                                               subject, &catalog));
    }
  }
  if (!issues.empty()) {
    std::cerr << issues.format(file + ": ");
    throw CLI::RuntimeError(kBadInput);
  }
  return consents;
}

void print_shadow_decision(const policy::ShadowDecision& result, const Catalog& shadow_catalog,
                           bool as_json, Lang lang) {
  if (as_json) {
    nlohmann::json changes = nlohmann::json::array();
    for (const auto& c : result.changes) {
      changes.push_back({{"category", c.category}, {"enforced", c.before}, {"shadow", c.after}});
    }
    nlohmann::json out = {{"enforced", policy::decision_to_json(result.enforced, lang)},
                          {"changes", changes}};
    if (result.shadow) out["shadow"] = policy::decision_to_json(*result.shadow, lang);
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << policy::explain(result.enforced, lang);
  std::cout << "\nShadow catalog " << shadow_catalog.version << ": ";
  if (result.changes.empty()) std::cout << "no differences\n";
  for (const auto& c : result.changes) {
    std::cout << "\n  " << c.category << ": " << c.before << " -> " << c.after;
  }
  if (!result.changes.empty()) std::cout << "\n";
}

void run_explain(const ExplainOptions& o) {
  auto catalog = load(o.catalog, "explain");
  if (!catalog) throw CLI::RuntimeError(kBadInput);
  SysTime now = parse_now(o.now, "explain");
  auto r = explain_request(o, policy::helsinki_date(now));
  auto consents = read_consents(o.consents_file, r.subject.pseudonym, *catalog);
  Engine engine(catalog);
  Lang lang = parse_lang(o.lang).value_or(Lang::kFi);  // checked by CLI11: fi, sv or en
  if (!o.shadow.empty()) {
    auto shadow_catalog = load(o.shadow, "explain");
    if (!shadow_catalog) throw CLI::RuntimeError(kBadInput);
    Engine shadow(shadow_catalog);
    auto result = policy::decide_with_shadow(engine, shadow, r, consents, now);
    if (!result) {
      std::cerr << "silta catalog explain: " << result.error().message << "\n";
      throw CLI::RuntimeError(kBadInput);
    }
    print_shadow_decision(*result, *shadow_catalog, o.json, lang);
    return;
  }
  auto d = engine.decide(r, consents, now);
  if (!d) {
    std::cerr << "silta catalog explain: " << d.error().message << "\n";
    throw CLI::RuntimeError(kBadInput);
  }
  std::cout << (o.json ? policy::decision_to_json(*d, lang).dump(2) + "\n"
                       : policy::explain(*d, lang));
}

void add_explain(CLI::App& catalog) {
  auto* cmd = catalog.add_subcommand(
      "explain", "Decide one request against a catalog and print the decision and its reasons.");
  auto o = std::make_shared<ExplainOptions>();
  add_explain_options(*cmd, *o);
  cmd->callback([o] { run_explain(*o); });
}

void add_diff(CLI::App& catalog) {
  auto* cmd = catalog.add_subcommand(
      "diff", "List every decision a new catalog version changes (and the ids it changes).");
  auto old_dir = std::make_shared<std::string>(), new_dir = std::make_shared<std::string>(),
       now_text = std::make_shared<std::string>();
  cmd->add_option("old", *old_dir, "The catalog in force")->required();
  cmd->add_option("new", *new_dir, "The candidate catalog")->required();
  cmd->add_option("--now", *now_text, "Decision day (RFC 3339; default now)");
  cmd->callback([=] {
    auto a = load(*old_dir, "diff");
    auto b = load(*new_dir, "diff");
    if (!a || !b) throw CLI::RuntimeError(kBadInput);
    SysTime now = parse_now(*now_text, "diff");
    Engine before(a), after(b);
    auto diff = policy::diff_catalogs(before, after, now);
    std::cout << "catalog " << a->version << " (" << a->sha256.substr(0, 12) << ") -> "
              << b->version << " (" << b->sha256.substr(0, 12) << ")\n";
    for (const auto& id : diff.ids) std::cout << id << "\n";
    for (const auto& c : diff.decisions) {
      std::cout << c.request << ", " << c.category << " [" << c.situation << "]: " << c.before
                << " -> " << c.after << "\n";
    }
    std::cout << diff.ids.size() << " id change(s), " << diff.decisions.size() << " of "
              << diff.compared << " decisions changed\n";
    if (!diff.empty()) throw CLI::RuntimeError(kFailed);
  });
}

void add_test(CLI::App& catalog) {
  auto* cmd =
      catalog.add_subcommand("test", "Run decision test cases (scenario files) against a catalog.");
  auto dir = std::make_shared<std::string>();
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("-C,--catalog", *dir, "Catalog directory")->required();
  cmd->add_option("files", *files, "Scenario files (JSON)")->required()->expected(-1);
  cmd->callback([=] {
    auto catalog = load(*dir, "test");
    if (!catalog) throw CLI::RuntimeError(kBadInput);
    Engine engine(catalog);
    int bad_input = 0, failed = 0, passed = 0;
    for (const auto& file : *files) {
      auto doc = read_json(file, "test");
      if (!doc) {
        ++bad_input;
        continue;
      }
      json_check::Issues issues;
      auto scenarios = policy::parse_scenario_file(*doc, issues, *catalog);
      if (!issues.empty()) {
        std::cerr << issues.format(file + ": ");
        ++bad_input;
        continue;
      }
      int file_failed = 0;
      for (const auto& s : scenarios.scenarios) {
        auto failures = policy::run_scenario(engine, s);
        if (failures.empty()) {
          ++passed;
          continue;
        }
        ++failed;
        ++file_failed;
        std::cerr << "FAIL " << file << ": " << s.name << "\n";
        for (const auto& f : failures) std::cerr << "  " << f << "\n";
      }
      std::cout << file << ": " << scenarios.scenarios.size() - std::size_t(file_failed) << "/"
                << scenarios.scenarios.size() << " passed\n";
    }
    std::cout << passed << " passed, " << failed << " failed"
              << (bad_input ? ", " + std::to_string(bad_input) + " file(s) not valid" : "") << "\n";
    if (bad_input) throw CLI::RuntimeError(kBadInput);
    if (failed) throw CLI::RuntimeError(kFailed);
  });
}

}  // namespace

void add_catalog_commands(CLI::App& app) {
  auto* catalog = app.add_subcommand("catalog", "Work with legal-basis catalogs.");
  catalog->require_subcommand(1);
  add_check(*catalog);
  add_explain(*catalog);
  add_diff(*catalog);
  add_test(*catalog);
}

}  // namespace silta::cli
