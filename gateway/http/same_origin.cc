#include "gateway/http/same_origin.h"

#include <boost/beast/core/string.hpp>

namespace silta::gateway {

namespace {

Problem refused(ProblemText detail) { return problem(403, "cross-origin-request", detail); }

}  // namespace

std::optional<Problem> cross_origin_problem(const Request& req) {
  const std::string_view site = req["Sec-Fetch-Site"];
  const bool safe = req.method() == http::verb::get || req.method() == http::verb::head;
  if (safe) {
    if ((site == "cross-site" || site == "same-site") && req["Sec-Fetch-Mode"] != "navigate") {
      return refused(ProblemText::kCrossSiteRead);
    }
    return std::nullopt;
  }
  if (!site.empty() && site != "same-origin") {
    return refused(ProblemText::kCrossSiteWrite);
  }
  const std::string_view origin = req[http::field::origin];
  if (!origin.empty()) {
    const std::string own = "https://" + std::string(req[http::field::host]);
    if (!boost::beast::iequals(origin, own)) {
      return refused(ProblemText::kCrossOriginWrite);
    }
  }
  return std::nullopt;
}

}  // namespace silta::gateway
