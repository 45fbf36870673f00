#include <catch2/catch.hpp>
#include <string>

#include "common/json_parse.h"

using namespace silta::json_check;
using nlohmann::json;

namespace {

// The one issue a refused document gets: {pointer, message}.
std::pair<std::string, std::string> refusal(std::string_view text, const JsonLimits& limits = {}) {
  Issues issues;
  auto doc = parse_json(text, issues, limits);
  CHECK_FALSE(doc.has_value());
  REQUIRE(issues.list().size() == 1);
  return {issues.list()[0].path, issues.list()[0].message.en};
}

std::string nested(std::size_t levels, const std::string& inner = "") {
  return std::string(levels, '[') + inner + std::string(levels, ']');
}

}  // namespace

TEST_CASE("parse_json reads what nlohmann::json::parse reads", "[json_parse]") {
  for (const char* text : {R"({"a": [1, -2, 3.5, "x\u00e4", true, false, null], "b": {}})",
                           R"([[], {}, [{"k": [0]}]])", "0", "\"s\"", " {\"a\" : 1 } "}) {
    INFO(text);
    Issues issues;
    auto doc = parse_json(text, issues);
    REQUIRE(doc.has_value());
    CHECK(issues.empty());
    CHECK(*doc == json::parse(text));
  }
}

TEST_CASE("parse_json refuses nesting deeper than the limit while it reads", "[json_parse]") {
  Issues issues;
  CHECK(parse_json(nested(64), issues).has_value());
  CHECK(issues.empty());
  auto [where, what] = refusal(nested(65));
  CHECK(where == "/0");  // the member of the body that holds the depth
  CHECK(what == "nested deeper than 64 levels of objects and arrays");
  // The pointer names the top-level member that holds it, however deep it goes.
  CHECK(refusal(R"({"a": 1, "data": {"x": )" + nested(200000) + "}}").first == "/data");
  CHECK(refusal("[0, 1, " + nested(100) + "]").first == "/2");
  CHECK(refusal(R"({"a/b": )" + nested(3) + "}", JsonLimits{.max_depth = 3}).first == "/a~1b");
}

TEST_CASE("parse_json refuses a key given twice, at its pointer", "[json_parse]") {
  CHECK(refusal(R"({"a": 1, "a": 2})").first == "/a");
  CHECK(refusal(R"({"x": [0, {"k": 1, "b": 2, "k": 3}]})").first == "/x/1/k");
  auto [where, what] = refusal(R"({"s": {"i": "1", "i": "1"}})");
  CHECK(where == "/s/i");
  CHECK(what == "this key is given more than once");
  Issues issues;
  // The same key in different objects is fine.
  CHECK(parse_json(R"({"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]})", issues).has_value());
}

TEST_CASE("parse_json bounds the number of values", "[json_parse]") {
  JsonLimits limits{.max_values = 5};
  Issues issues;
  CHECK(parse_json("[1, 2, 3, 4]", issues, limits).has_value());  // 5 values with the array
  CHECK(refusal("[1, 2, 3, 4, 5]", limits).second == "more than 5 values in the document");
  CHECK(refusal(R"({"a": 1, "b": [[], [], []]})", limits).first == "/b");
}

TEST_CASE("a syntax error says where, never what was there", "[json_parse]") {
  auto [where, what] = refusal(R"({"subject": 110213A913H})");
  CHECK(where == "");
  CHECK(what.rfind("not valid JSON (at byte ", 0) == 0);
  CHECK(what.find("110213") == std::string::npos);
  refusal("");
  refusal("{} {}");
  refusal("[1,]");
  refusal("\"\xff\"");  // not UTF-8
  refusal("1e999");     // out of range
  refusal(R"({"a": 1 /* comment */})");
}
