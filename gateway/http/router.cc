#include "gateway/http/router.h"

#include "common/json_check.h"

namespace silta::gateway {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  if (!path.empty() && path[0] == '/') pos = 1;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    parts.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return parts;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_digit(in[i + 1]);
      int lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

}  // namespace

bool Route::allows(const Agency& agency) const {
  for (Role r : roles) {
    if (agency.has_role(r)) return true;
  }
  return false;
}

void Router::add(http::verb method, std::string pattern, std::vector<Role> roles, Handler handler) {
  routes_.push_back(Route{method, std::move(pattern), std::move(roles), std::move(handler)});
}

Router::Match Router::match(http::verb method, std::string_view path) const {
  Match result;
  auto parts = split_path(path);
  for (const auto& route : routes_) {
    auto pattern = split_path(route.pattern);
    if (pattern.size() != parts.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      const auto& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        std::string value;
        // An id is the gateway's own (a prefix and hex): one that is not valid UTF-8, holds a
        // control character or an identity code, or is over 200 bytes names nothing, and never
        // reaches the store (PostgreSQL refuses invalid UTF-8 with an error, not a miss).
        if (parts[i].empty() || !percent_decode(parts[i], value, false) ||
            json_check::text_problem(value, {.min_bytes = 1, .max_bytes = 200})) {
          ok = false;
        } else {
          params.emplace(std::string(p.substr(1, p.size() - 2)), std::move(value));
        }
      } else {
        ok = p == parts[i];
      }
    }
    if (!ok) continue;
    if (route.method != method) {
      result.status = 405;
      continue;
    }
    result.route = &route;
    result.params = std::move(params);
    return result;
  }
  return result;
}

bool parse_query(std::string_view query, Query& out) {
  std::size_t pos = 0;
  while (pos < query.size()) {
    auto amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    auto pair = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key, value;
    if (!percent_decode(pair.substr(0, eq), key, true)) return false;
    if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), value, true)) {
      return false;
    }
    out.emplace(std::move(key), std::move(value));
  }
  return true;
}

}  // namespace silta::gateway
