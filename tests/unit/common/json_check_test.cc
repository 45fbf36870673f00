#include <catch2/catch.hpp>

#include "common/json_check.h"

using namespace silta::json_check;
using nlohmann::json;

TEST_CASE("json_check reports every problem with its pointer", "[json_check]") {
  json doc = {{"name", 5},
              {"port", 70000},
              {"tags", {"a", 1}},
              {"typo", true},
              {"inner", {{"flag", "yes"}}}};
  Issues issues;
  Object o(issues, doc, "");
  CHECK_FALSE(o.string("name").has_value());
  CHECK_FALSE(o.integer("port", Need::kOptional, 1, 65535).has_value());
  CHECK_FALSE(o.strings("tags").has_value());
  CHECK_FALSE(o.string("missing", Need::kRequired).has_value());
  auto inner = o.object("inner");
  REQUIRE(inner.has_value());
  CHECK_FALSE(inner->boolean("flag").has_value());
  o.no_other_keys();

  std::map<std::string, std::string> by_path;
  for (const auto& i : issues.list()) by_path[i.path] = i.message;
  CHECK(by_path["/name"] == "expected a string");
  CHECK(by_path["/port"] == "expected an integer from 1 to 65535");
  CHECK(by_path["/tags/1"] == "expected a string");
  CHECK(by_path["/missing"] == "required: a string");
  CHECK(by_path["/inner/flag"] == "expected true or false");
  CHECK(by_path["/typo"] == "unknown key");
  CHECK(issues.list().size() == 6);
}

TEST_CASE("json_check escapes pointer tokens", "[json_check]") {
  CHECK(child_pointer("/a", "b/c~d") == "/a/b~1c~0d");
  CHECK(child_pointer("", std::size_t{3}) == "/3");
}

TEST_CASE("json_check rejects a non-object document", "[json_check]") {
  Issues issues;
  Object o(issues, json::array(), "");
  CHECK_FALSE(o.valid());
  REQUIRE(issues.list().size() == 1);
  CHECK(issues.list()[0].message == "expected an object");
}
