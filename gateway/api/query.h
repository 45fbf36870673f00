// Query parameters read the way json_check::Object reads a body: each handler names the
// parameters it reads, so that one it does not know (a typo, a filter that does not exist) is
// reported instead of ignored, and a parameter given twice is an error. No parameter of the API
// is repeatable (docs/api.md, "Query parameters"): a repeated filter can never quietly keep one
// of its values, and OR-ing filters can still be added later without changing what a request
// that works today means.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/json_check.h"
#include "common/time.h"
#include "gateway/http/request.h"
#include "policy/identity_code.h"

namespace silta::gateway {

class QueryParams {
 public:
  QueryParams(const Query& query, json_check::Issues& issues) : query_(&query), issues_(&issues) {}

  // The value of `name`, or nothing when it is absent or empty (then a required one is
  // reported with `what`, e.g. "the subject's identity code", or "a value" when it is empty).
  std::optional<std::string> text(std::string_view name,
                                  json_check::Need need = json_check::Need::kOptional,
                                  const Texts& what = {});
  // A value that follows `rule` (json_check::TextRule).
  std::optional<std::string> text(std::string_view name, json_check::Need need, const Texts& what,
                                  const json_check::TextRule& rule);
  // An identity code; the problem never repeats it.
  std::optional<policy::IdentityCode> identity_code(std::string_view name, json_check::Need need);
  std::optional<SysTime> time(std::string_view name);
  std::optional<std::uint64_t> number(std::string_view name, json_check::Need need,
                                      std::uint64_t max);
  // "true" or "false".
  std::optional<bool> boolean(std::string_view name);
  // ?actor=: the acting person's user id, by the same rule as a body's "actor". A caller with a
  // personal certificate (Agency::person) is that person: ?actor= may be left out, and one
  // naming anyone else is reported.
  std::string actor(const Agency& caller);

  // Reports every parameter that none of the accessors above asked for.
  void no_other_params();

  // The pointer of a parameter in a problem: "?name".
  static std::string pointer(std::string_view name) { return "?" + std::string(name); }

 private:
  Query::const_iterator find(std::string_view name);

  const Query* query_;
  json_check::Issues* issues_;
  std::set<std::string, std::less<>> seen_;
};

// For a route that takes no query parameters: reports each one given.
void no_query_params(const RequestContext& ctx, json_check::Issues& issues);
// The same as the whole check of a route that reads nothing else first: a 400 naming each
// parameter given, or nothing.
std::optional<Response> refuse_query_params(const RequestContext& ctx);

}  // namespace silta::gateway
