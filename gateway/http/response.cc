// The reply a handler returns: JSON bodies and problem+json.
#include "gateway/http/request.h"

namespace silta::gateway {

Response Response::json(unsigned status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::from_problem(const Problem& p) {
  Response r;
  r.status = p.status;
  r.content_type = kProblemContentType;
  r.problem = p;
  return r;
}

void Response::localise(Lang lang) {
  if (!problem) return;
  body = problem->body(lang);
  problem.reset();
}

}  // namespace silta::gateway
