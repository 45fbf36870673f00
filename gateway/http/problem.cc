#include "gateway/http/problem.h"

namespace silta::gateway {

nlohmann::json Problem::to_json(Lang lang) const {
  nlohmann::json j = extensions.is_object() ? extensions : nlohmann::json::object();
  j["type"] = "urn:silta:problem:" + type;
  j["title"] = title.in(lang);
  j["status"] = status;
  if (!detail.in(lang).empty()) j["detail"] = detail.in(lang);
  if (!errors.empty()) {
    auto& arr = j["errors"] = nlohmann::json::array();
    for (const auto& e : errors) arr.push_back({{"pointer", e.path}, {"detail", e.in(lang)}});
  }
  return j;
}

Problem problem(unsigned status, std::string type, Texts detail) {
  Problem p;
  p.status = status;
  p.title = problem_title(type);
  p.type = std::move(type);
  p.detail = std::move(detail);
  return p;
}

Problem problem(unsigned status, std::string type, ProblemText detail) {
  return problem(status, std::move(type), problem_text(detail));
}

Problem validation_problem(const json_check::Issues& issues, ProblemText detail) {
  Problem p = problem(400, "validation", detail);
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
  ProblemText detail = ProblemText::kInternal;
  switch (status) {
    case 400:
      detail = ProblemText::kInvalid;
      break;
    case 403:
      detail = ProblemText::kForbiddenGeneric;
      break;
    case 404:
      detail = ProblemText::kNotFoundGeneric;
      break;
    case 409:
      detail = ProblemText::kConflictGeneric;
      break;
    case 503:
      detail = ProblemText::kUnavailable;
      break;
    case 504:
      detail = ProblemText::kDeadline;
      break;
    default:
      break;
  }
  return problem(status, error_code_name(error.code), detail);
}

Problem adapter_problem(const Error& error) {
  switch (error.code) {
    case ErrorCode::kDeadlineExceeded:
      return problem(504, "adapter-timeout", ProblemText::kAdapterTimeout);
    case ErrorCode::kConflict:
      return problem(409, "referral-conflict", ProblemText::kReferralIdConflict);
    default:
      return problem(502, "adapter-failed", ProblemText::kAdapterFailed);
  }
}

}  // namespace silta::gateway
