// RFC 9457 problem details: the only shape an error leaves the gateway in. Every error response
// is produced here, and ErrorCode → HTTP status is mapped here and nowhere else.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_check.h"
#include "common/lang.h"
#include "common/result.h"
#include "gateway/http/problem_texts.h"

namespace silta::gateway {

// The title and the detail are kept in the three languages; the problem is rendered in the
// request's language when the response is written (Response::localise).
struct Problem {
  unsigned status = 500;
  std::string type;  // a slug; rendered as "urn:silta:problem:<slug>" (docs/openapi.yaml)
  Texts title;       // short, the same for every occurrence of this type (problem_texts.h)
  Texts detail;      // this occurrence
  std::vector<json_check::Issue> errors;  // validation problems: JSON Pointer + message
  nlohmann::json extensions = nlohmann::json::object();  // extra members

  nlohmann::json to_json(Lang lang) const;
  // Invalid UTF-8 (a problem may quote what a client sent) is replaced, never thrown on.
  std::string body(Lang lang) const {
    return to_json(lang).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
};

inline constexpr const char* kProblemContentType = "application/problem+json";

// A problem of `type`, its title from the table of problem texts.
Problem problem(unsigned status, std::string type, Texts detail = {});
Problem problem(unsigned status, std::string type, ProblemText detail);
Problem validation_problem(const json_check::Issues& issues,
                           ProblemText detail = ProblemText::kInvalidFields);
// Maps a library Error to a problem (status by ErrorCode). The detail is the table's text for
// the error's kind: a library's message is English and may name internals, so it goes to the log
// only.
Problem problem_from_error(const Error& error);
unsigned http_status_for(ErrorCode code);
// An adapter's failure (adapters/adapter.h) as the caller sees it: 504 adapter-timeout when
// the target agency's system did not answer in time, 409 referral-conflict for a referral id
// delivered before with other content, 502 adapter-failed for every other failure (the system
// failed, answered out of contract, is not configured, or its circuit is open). The detail is
// generic: the error's own message names internal hosts, so it goes to the log only.
Problem adapter_problem(const Error& error);

}  // namespace silta::gateway
