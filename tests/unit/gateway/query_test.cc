#include <catch2/catch.hpp>

#include "gateway/api/query.h"
#include "gateway/http/router.h"

using namespace silta;
using namespace silta::gateway;
using json_check::Need;

namespace {

std::map<std::string, std::string> checked(const std::string& text,
                                           const std::function<void(QueryParams&)>& read) {
  Query query;
  REQUIRE(parse_query(text, query));
  json_check::Issues issues;
  QueryParams q(query, issues);
  read(q);
  q.no_other_params();
  std::map<std::string, std::string> out;
  for (const auto& i : issues.list()) out[i.path] = i.message.en;
  return out;
}

}  // namespace

const Agency kSystem;

TEST_CASE("query parameters are read by name, and unknown and repeated ones are reported",
          "[query]") {
  auto issues = checked("actor=po-1&limit=5&decision=denied&agency=a&agency=b", [](auto& q) {
    CHECK(q.actor(kSystem) == "po-1");
    CHECK(q.number("limit", Need::kOptional, 1000) == 5u);
    CHECK_FALSE(q.text("agency"));
  });
  CHECK(issues.size() == 2);
  CHECK(issues["?decision"] == "unknown parameter");
  CHECK(issues["?agency"] == "given more than once; no query parameter is repeatable");

  issues = checked("from=yesterday&limit=1001&all=yes&subject=110213A913X&cursor=", [](auto& q) {
    CHECK_FALSE(q.time("from"));
    CHECK_FALSE(q.number("limit", Need::kOptional, 1000));
    CHECK_FALSE(q.boolean("all"));
    CHECK_FALSE(q.identity_code("subject", Need::kRequired));
    CHECK_FALSE(q.text("cursor"));  // empty: absent
    CHECK(q.actor(kSystem).empty());
  });
  CHECK(issues["?from"].find("RFC 3339") != std::string::npos);
  CHECK(issues["?limit"] == "expected a number from 0 to 1000");
  CHECK(issues["?all"] == "expected true or false");
  CHECK(issues.count("?subject"));
  CHECK(issues["?actor"] == "required: the acting person's user id");
  for (const auto& [pointer, message] : issues) CHECK(message.find("110213") == std::string::npos);

  issues = checked("actor=po%09x&n=18446744073709551616", [](auto& q) {
    CHECK(q.actor(kSystem).empty());
    CHECK_FALSE(q.number("n", Need::kRequired, UINT64_MAX));
  });
  CHECK(issues["?actor"] == "contains the control character U+0009");
  CHECK(issues.count("?n"));
  CHECK(checked("", [](auto& q) { CHECK_FALSE(q.text("x")); }).empty());
}

TEST_CASE("a personal certificate is the actor: ?actor= may be left out, not name another",
          "[query][persons]") {
  Agency liisa;
  liisa.person = "liisa.laine";
  CHECK(checked("", [&](auto& q) { CHECK(q.actor(liisa) == "liisa.laine"); }).empty());
  CHECK(checked("actor=liisa.laine", [&](auto& q) {
          CHECK(q.actor(liisa) == "liisa.laine");
        }).empty());
  auto other = checked("actor=sw-maija", [&](auto& q) { CHECK(q.actor(liisa) == "liisa.laine"); });
  CHECK(other["?actor"] ==
        "your personal certificate names you (liisa.laine): leave actor out or give this id");
}
