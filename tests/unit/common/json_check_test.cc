#include <catch2/catch.hpp>

#include "common/identity_scan.h"
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
  for (const auto& i : issues.list()) by_path[i.path] = i.message.en;
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
  CHECK(issues.list()[0].message.en == "expected an object");
}

TEST_CASE("free text follows the audit record's rules", "[json_check][text]") {
  const TextRule actor{.min_bytes = 1, .max_bytes = 200};
  const TextRule justification{.max_bytes = 4000, .line_breaks = true};
  CHECK_FALSE(text_problem("sw-maija", actor));
  CHECK_FALSE(text_problem("Päivi Ö. Åkerman", actor));
  CHECK_FALSE(text_problem("f47ac10b-58cc-4372-a567-0e02b2c3d479", actor));
  CHECK_FALSE(text_problem("line\nline\r\n\ttab", justification));
  CHECK_FALSE(text_problem(std::string(4000, 'x'), justification));

  auto problem = [](std::string_view text, const TextRule& rule) {
    auto p = text_problem(text, rule);
    return p ? p->en : std::string();
  };
  CHECK(problem("", actor) == "expected 1-200 bytes of UTF-8, not 0");
  CHECK(problem(std::string(201, 'a'), actor) == "expected 1-200 bytes of UTF-8, not 201");
  CHECK(problem(std::string(4001, 'x'), justification).find("not 4001") != std::string::npos);
  CHECK(problem("sw\tmaija", actor) == "contains the control character U+0009");
  CHECK(problem("a\x7f", actor) == "contains the control character U+007F");
  CHECK(problem("a\xc2\x85", actor) == "contains the control character U+0085");
  CHECK(problem("a\x01"
                "b",
                justification)
            .find("U+0001") != std::string::npos);
  CHECK(problem("a\xe2\x80\xa8", actor) == "contains the control character U+2028");
  CHECK_FALSE(text_problem("a\xe2\x80\xa8", justification));
  for (const char* bidi : {"\xd8\x9c", "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xaa",
                           "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa9"}) {
    INFO(bidi);
    CHECK(
        problem(std::string("x") + bidi + "y", justification).find("bidirectional-text control") !=
        std::string::npos);
  }
  CHECK(problem("\xff", actor) == "not valid UTF-8");
  CHECK(problem("\xed\xa0\x80", actor) == "not valid UTF-8");  // a surrogate
  CHECK(problem("\xc0\xaf", actor) == "not valid UTF-8");      // overlong
  auto code = problem("hetu110213A913H", actor);
  CHECK(code.find("identity code") != std::string::npos);
  CHECK(code.find("110213") == std::string::npos);

  json doc = {{"actor", "sw\tmaija"}, {"note", "ok"}};
  Issues issues;
  Object o(issues, doc, "");
  CHECK_FALSE(o.text("actor", Need::kRequired, actor));
  CHECK(o.text("note", Need::kRequired, actor) == "ok");
  CHECK_FALSE(o.text("missing", Need::kOptional, actor));
  REQUIRE(issues.list().size() == 1);
  CHECK(issues.list()[0].path == "/actor");
}

TEST_CASE("issues never carry an identity code, and stay bounded", "[json_check]") {
  Issues issues;
  issues.add("/110213A913H", "unknown agency \"x110213A913H\"");
  CHECK(issues.list()[0].path == "/[identity code]");
  CHECK(issues.list()[0].message.en == "unknown agency \"x[identity code]\"");
  issues.add(std::string(2000, 'p'), std::string(2000, 'm'));
  CHECK(issues.list()[1].path.size() <= Issues::kMaxText + 3);
  CHECK(issues.list()[1].message.en.size() <= Issues::kMaxText + 3);
  Issues many;
  for (int i = 0; i < 5000; ++i) many.add("/k" + std::to_string(i), "unknown key");
  CHECK(many.list().size() == Issues::kMaxListed + 1);
  CHECK(many.list().back().message.en.find("more problems") != std::string::npos);
}

TEST_CASE("shortening an issue frees no identity code at the cut", "[json_check]") {
  // A lower-case code glued to the digit after it is not read as one (identity_scan.h); cut just
  // after it, it would stand on its own.
  const std::string glued =
      std::string(Issues::kMaxText - 11, '/') + "150317a901j0" + std::string(100, '/');
  REQUIRE_FALSE(silta::contains_identity_code(glued));
  REQUIRE(silta::contains_identity_code(glued.substr(0, Issues::kMaxText) + " "));
  Issues issues;
  issues.add(glued, glued);
  const auto& issue = issues.list().front();
  CHECK_FALSE(silta::contains_identity_code(issue.path));
  CHECK_FALSE(silta::contains_identity_code(issue.message.en));
  CHECK(issue.path.find("[identity code]") != std::string::npos);
}

TEST_CASE("issues are valid UTF-8 whatever the client sent", "[json_check]") {
  Issues issues;
  issues.add("?\xff", "unknown event type \"a\xc3\x28\xe2\x82\"");
  issues.add("?actor", "ok \xc3\xa4");
  CHECK(issues.list()[0].path == "?\xef\xbf\xbd");
  CHECK(issues.list()[0].message.en ==
        "unknown event type \"a\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\"");
  CHECK(issues.list()[1].message.en == "ok \xc3\xa4");
  for (const auto& i : issues.list()) {
    CHECK_FALSE(text_problem(i.path, {.max_bytes = 600}));
    CHECK_FALSE(text_problem(i.message.en, {.max_bytes = 600}));
  }
}
