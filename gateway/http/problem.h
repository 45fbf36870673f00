// RFC 9457 problem details: the only shape an error leaves the gateway in. Every error response
// is produced here, and ErrorCode → HTTP status is mapped here and nowhere else.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_check.h"
#include "common/result.h"

namespace silta::gateway {

struct Problem {
  unsigned status = 500;
  std::string type;    // a slug; rendered as "urn:silta:problem:<slug>" (docs/openapi.yaml)
  std::string title;   // short, the same for every occurrence of this type
  std::string detail;  // this occurrence
  std::vector<json_check::Issue> errors;  // validation problems: JSON Pointer + message
  nlohmann::json extensions = nlohmann::json::object();  // extra members

  nlohmann::json to_json() const;
  // Invalid UTF-8 (a problem may quote what a client sent) is replaced, never thrown on.
  std::string body() const {
    return to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
};

inline constexpr const char* kProblemContentType = "application/problem+json";

Problem problem(unsigned status, std::string type, std::string title, std::string detail = "");
Problem validation_problem(const json_check::Issues& issues,
                           std::string detail = "The request has invalid fields.");
// Maps a library Error to a problem (status by ErrorCode).
Problem problem_from_error(const Error& error);
unsigned http_status_for(ErrorCode code);
// An adapter's failure (adapters/adapter.h) as the caller sees it: 504 adapter-timeout when
// the target agency's system did not answer in time, 409 referral-conflict for a referral id
// delivered before with other content, 502 adapter-failed for every other failure (the system
// failed, answered out of contract, is not configured, or its circuit is open). The detail is
// generic: the error's own message names internal hosts, so it goes to the log only.
Problem adapter_problem(const Error& error);

}  // namespace silta::gateway
