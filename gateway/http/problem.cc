#include "gateway/http/problem.h"

namespace silta::gateway {

nlohmann::json Problem::to_json() const {
  nlohmann::json j = extensions.is_object() ? extensions : nlohmann::json::object();
  j["type"] = "urn:silta:problem:" + type;
  j["title"] = title;
  j["status"] = status;
  if (!detail.empty()) j["detail"] = detail;
  if (!errors.empty()) {
    auto& arr = j["errors"] = nlohmann::json::array();
    for (const auto& e : errors) arr.push_back({{"pointer", e.path}, {"detail", e.message}});
  }
  return j;
}

Problem problem(unsigned status, std::string type, std::string title, std::string detail) {
  Problem p;
  p.status = status;
  p.type = std::move(type);
  p.title = std::move(title);
  p.detail = std::move(detail);
  return p;
}

Problem validation_problem(const json_check::Issues& issues, std::string detail) {
  Problem p = problem(400, "validation", "The request is not valid", std::move(detail));
  p.errors = issues.list();
  return p;
}

unsigned http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
    case ErrorCode::kDataLoss:
      return 500;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

Problem problem_from_error(const Error& error) {
  unsigned status = http_status_for(error.code);
  std::string title;
  switch (status) {
    case 400:
      title = "The request is not valid";
      break;
    case 403:
      title = "Forbidden";
      break;
    case 404:
      title = "Not found";
      break;
    case 409:
      title = "Conflict";
      break;
    case 503:
      title = "Service unavailable";
      break;
    case 504:
      title = "Upstream timeout";
      break;
    default:
      title = "Internal error";
      break;
  }
  // Internal errors may carry file names or library text: do not echo them to callers.
  std::string detail = status == 500 ? "The gateway failed; the failure is logged." : error.message;
  return problem(status, error_code_name(error.code), std::move(title), std::move(detail));
}

Problem adapter_problem(const Error& error) {
  switch (error.code) {
    case ErrorCode::kDeadlineExceeded:
      return problem(504, "adapter-timeout", "The agency system did not answer in time",
                     "The target agency's system did not answer before the deadline. Nothing "
                     "was disclosed; the failure is logged and audited.");
    case ErrorCode::kConflict:
      return problem(409, "referral-conflict", "Conflict",
                     "The recipient's system already holds this referral id with other content.");
    default:
      return problem(502, "adapter-failed", "The agency system failed",
                     "The target agency's system failed or is not reachable (calls to it may "
                     "be failing fast for a while). Nothing was disclosed; the failure is "
                     "logged and audited.");
  }
}

}  // namespace silta::gateway
