#include "gateway/api/query.h"

#include "gateway/api/requests.h"

namespace silta::gateway {

using json_check::Need;

Query::const_iterator QueryParams::find(std::string_view name) {
  seen_.emplace(name);
  auto [first, last] = query_->equal_range(std::string(name));
  if (first == last) return query_->end();
  if (std::next(first) != last) {
    issues_->add(pointer(name),
                 Texts{"annettu useammin kuin kerran; kyselyparametria ei saa toistaa",
                       "angiven mer än en gång; ingen frågeparameter får upprepas",
                       "given more than once; no query parameter is repeatable"});
    return query_->end();
  }
  return first;
}

std::optional<std::string> QueryParams::text(std::string_view name, Need need, const Texts& what) {
  auto it = find(name);
  bool repeated = it == query_->end() && query_->count(std::string(name)) > 1;
  if (it == query_->end() || it->second.empty()) {
    if (need == Need::kRequired && !repeated) {
      issues_->add(pointer(name), json_check::required(what));
    }
    return std::nullopt;
  }
  return it->second;
}

std::optional<std::string> QueryParams::text(std::string_view name, Need need, const Texts& what,
                                             const json_check::TextRule& rule) {
  auto value = text(name, need, what);
  if (!value) return std::nullopt;
  if (auto problem = json_check::text_problem(*value, rule)) {
    issues_->add(pointer(name), std::move(*problem));
    return std::nullopt;
  }
  return value;
}

std::optional<policy::IdentityCode> QueryParams::identity_code(std::string_view name, Need need) {
  auto value = text(name, need,
                    {"rekisteröidyn henkilötunnus", "den registrerades personbeteckning",
                     "the subject's identity code"});
  if (!value) return std::nullopt;
  policy::IdentityCodeProblem problem{};
  auto code = policy::parse_identity_code(*value, &problem);
  if (!code) {
    // The message says what is wrong with the code and never repeats it.
    issues_->add(pointer(name), policy::identity_code_problem_text(problem));
    return std::nullopt;
  }
  return std::move(*code);
}

std::optional<SysTime> QueryParams::time(std::string_view name) {
  auto value = text(name);
  if (!value) return std::nullopt;
  auto t = parse_rfc3339(*value);
  if (!t) issues_->add(pointer(name), json_check::kExpectedTime);
  return t;
}

std::optional<std::uint64_t> QueryParams::number(std::string_view name, Need need,
                                                 std::uint64_t max) {
  auto value = text(name, need, {"luku", "ett tal", "a number"});
  if (!value) return std::nullopt;
  std::uint64_t v = 0;
  bool ok = true;
  for (char ch : *value) {
    std::uint64_t digit = static_cast<std::uint64_t>(ch - '0');
    if (ch < '0' || ch > '9' || digit > max || v > (max - digit) / 10) {
      ok = false;
      break;
    }
    v = v * 10 + digit;
  }
  if (!ok) {
    auto hi = std::to_string(max);
    issues_->add(pointer(name),
                 Texts{"odotettiin lukua väliltä 0–" + hi, "förväntade ett tal från 0 till " + hi,
                       "expected a number from 0 to " + hi});
    return std::nullopt;
  }
  return v;
}

std::optional<bool> QueryParams::boolean(std::string_view name) {
  auto value = text(name);
  if (!value) return std::nullopt;
  if (*value == "true") return true;
  if (*value == "false") return false;
  issues_->add(pointer(name), json_check::kExpectedBoolean);
  return std::nullopt;
}

std::string QueryParams::actor(const Agency& caller) {
  if (!caller.person.empty()) {
    auto given = text("actor", Need::kOptional, {}, kActorRule);
    if (given && *given != caller.person) issues_->add(pointer("actor"), not_the_person(caller));
    return caller.person;
  }
  return text("actor", Need::kRequired,
              {"toimivan henkilön käyttäjätunnus", "den handlande personens användar-id",
               "the acting person's user id"},
              kActorRule)
      .value_or("");
}

void QueryParams::no_other_params() {
  for (auto it = query_->begin(); it != query_->end(); it = query_->upper_bound(it->first)) {
    if (seen_.find(it->first) == seen_.end())
      issues_->add(pointer(it->first),
                   Texts{"tuntematon parametri", "okänd parameter", "unknown parameter"});
  }
}

void no_query_params(const RequestContext& ctx, json_check::Issues& issues) {
  QueryParams(ctx.query, issues).no_other_params();
}

std::optional<Response> refuse_query_params(const RequestContext& ctx) {
  json_check::Issues issues;
  no_query_params(ctx, issues);
  if (issues.empty()) return std::nullopt;
  return Response::from_problem(validation_problem(issues));
}

}  // namespace silta::gateway
