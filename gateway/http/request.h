// The types a route handler sees: the request with the caller's identity, and the reply.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "gateway/http/problem.h"
#include "gateway/registry.h"

namespace silta::gateway {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
// Decoded query parameters; a name given twice is there twice (gateway/api/query.h decides).
using Query = std::multimap<std::string, std::string>;

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // A problem is kept in its three languages until the server knows the request's language.
  std::optional<Problem> problem;
  // Whether the body is in the request's language (Content-Language); false for an answer
  // replayed from an earlier request (Idempotency-Key), which is in that request's language.
  bool in_request_language = true;

  static Response json(unsigned status, const nlohmann::json& body);
  static Response from_problem(const Problem& p);
  // Renders a problem into the body in `lang`; nothing else changes.
  void localise(Lang lang);
};

struct RequestContext {
  const Request& request;
  const Agency& agency;                       // the authenticated caller
  std::string_view path;                      // without the query
  Query query;                                // decoded query parameters
  std::map<std::string, std::string> params;  // path parameters, e.g. {id}
  nlohmann::json body;                        // parsed JSON body for POST/PUT routes
  std::string request_id;
  std::string peer;  // remote address, for audit of failures
  // The language the caller's people read the answer in: ?lang=, else Accept-Language, else the
  // deployment's `language` (docs/api.md, "Languages").
  Lang lang = Lang::kFi;
};

using Handler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;

}  // namespace silta::gateway
