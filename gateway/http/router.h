// Routes: method + path pattern ("/v1/consents/{id}/revoke") + the role a caller needs.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/http/request.h"

namespace silta::gateway {

struct Route {
  http::verb method;
  std::string pattern;      // also the label used in metrics and access logs
  std::vector<Role> roles;  // the caller must hold one of these roles
  Handler handler;

  bool allows(const Agency& agency) const;
};

class Router {
 public:
  void add(http::verb method, std::string pattern, std::vector<Role> roles, Handler handler);

  struct Match {
    const Route* route = nullptr;  // nullptr: see status
    unsigned status = 404;         // 404 no such path, 405 path exists with another method
    std::map<std::string, std::string> params;
  };
  Match match(http::verb method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Splits "a=1&b=x%20y" into name-value pairs, percent-decoding and keeping repeated names;
// returns false on a malformed escape.
bool parse_query(std::string_view query, Query& out);

}  // namespace silta::gateway
