// Helpers shared by the SqlStore source files.
#pragma once

#include <charconv>
#include <string>
#include <vector>

#include "store/sql_store.h"

namespace silta::store {

template <typename F>
auto SqlStore::read(F&& f) -> decltype(f(std::declval<sql::Connection&>())) {
  using R = decltype(f(std::declval<sql::Connection&>()));
  auto h = (reader_ ? reader_ : writer_)->acquire();
  if (!h) return R(h.error());
  return f(**h);
}

template <typename F>
auto SqlStore::write(F&& f) -> decltype(f(std::declval<sql::Connection&>())) {
  using R = decltype(f(std::declval<sql::Connection&>()));
  auto h = writer_->acquire();
  if (!h) return R(h.error());
  sql::Connection& c = **h;
  if (auto s = c.begin(); !s) return R(s.error());
  R r = f(c);
  if (!r.ok()) {
    c.rollback();
    return r;
  }
  if (auto s = c.commit(); !s) {
    c.rollback();
    return R(s.error());
  }
  return r;
}

// A WHERE clause built from optional filters. Each "$" in a clause (not followed by a digit)
// becomes the clause's parameter number.
struct Filter {
  std::vector<std::string> clauses;
  std::vector<sql::Value> params;

  void add(std::string clause) { clauses.push_back(std::move(clause)); }
  template <typename T>
  void add(std::string clause, const T& value) {
    params.push_back(sql::val(value));
    std::string n = "$" + std::to_string(params.size());
    for (std::size_t pos = 0; (pos = clause.find('$', pos)) != std::string::npos;) {
      if (pos + 1 < clause.size() && clause[pos + 1] >= '0' && clause[pos + 1] <= '9') {
        ++pos;
        continue;
      }
      clause.replace(pos, 1, n);
      pos += n.size();
    }
    clauses.push_back(std::move(clause));
  }
  std::string where() const {
    if (clauses.empty()) return "1 = 1";
    std::string out;
    for (const auto& c : clauses) {
      if (!out.empty()) out += " AND ";
      out += c;
    }
    return out;
  }
};

// Pages hold 1 to 1000 items.
inline std::size_t page_limit(std::size_t requested) {
  return std::clamp<std::size_t>(requested, 1, 1000);
}

// Cursors over tables with an arrival sequence are that number; empty = from the start.
inline Result<std::int64_t> parse_seq_cursor(const std::string& cursor) {
  if (cursor.empty()) return std::int64_t{0};
  std::int64_t v = 0;
  auto r = std::from_chars(cursor.data(), cursor.data() + cursor.size(), v);
  if (r.ec != std::errc() || r.ptr != cursor.data() + cursor.size() || v < 0) {
    return make_error(ErrorCode::kInvalidArgument, "the cursor is not valid");
  }
  return v;
}

}  // namespace silta::store
