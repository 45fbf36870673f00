#include <catch2/catch.hpp>

#include "gateway/http/problem.h"
#include "gateway/http/router.h"

using namespace silta;
using namespace silta::gateway;

TEST_CASE("problem+json carries type, title, status, detail and errors", "[problem]") {
  json_check::Issues issues;
  issues.add("/purpose", "unknown purpose \"x\"");
  issues.add("/categories/1", "unknown category \"y\"");
  auto p = validation_problem(issues);
  auto j = p.to_json();
  CHECK(j["type"] == "urn:silta:problem:validation");
  CHECK(j["title"] == "The request is not valid");
  CHECK(j["status"] == 400);
  CHECK(j["detail"] == "The request has invalid fields.");
  REQUIRE(j["errors"].size() == 2);
  CHECK(j["errors"][0]["pointer"] == "/purpose");
  CHECK(j["errors"][1]["detail"] == "unknown category \"y\"");

  auto r = Response::from_problem(p);
  CHECK(r.status == 400);
  CHECK(r.content_type == "application/problem+json");
  CHECK(nlohmann::json::parse(r.body) == j);
}

TEST_CASE("error codes map to HTTP statuses in one place", "[problem]") {
  CHECK(http_status_for(ErrorCode::kInvalidArgument) == 400);
  CHECK(http_status_for(ErrorCode::kNotFound) == 404);
  CHECK(http_status_for(ErrorCode::kConflict) == 409);
  CHECK(http_status_for(ErrorCode::kPermissionDenied) == 403);
  CHECK(http_status_for(ErrorCode::kUnavailable) == 503);
  CHECK(http_status_for(ErrorCode::kDeadlineExceeded) == 504);
  CHECK(http_status_for(ErrorCode::kInternal) == 500);
}

TEST_CASE("internal errors do not leak their message", "[problem]") {
  auto p = problem_from_error(make_error(ErrorCode::kInternal, "/secret/path failed"));
  CHECK(p.status == 500);
  CHECK(p.detail.find("/secret/path") == std::string::npos);
  auto q = problem_from_error(make_error(ErrorCode::kNotFound, "no consent c-1"));
  CHECK(q.detail == "no consent c-1");
}

TEST_CASE("router matches patterns, parameters and methods", "[router]") {
  Router r;
  auto h = [](RequestContext&) -> boost::asio::awaitable<Response> { co_return Response{}; };
  r.add(http::verb::get, "/v1/consents/{id}", {Role::kAgency}, h);
  r.add(http::verb::post, "/v1/consents/{id}/revoke", {Role::kAgency}, h);
  auto m = r.match(http::verb::get, "/v1/consents/c%2D1");
  REQUIRE(m.route != nullptr);
  CHECK(m.params["id"] == "c-1");
  CHECK(r.match(http::verb::post, "/v1/consents/c1").status == 405);
  CHECK(r.match(http::verb::get, "/v1/consents").status == 404);
  CHECK(r.match(http::verb::get, "/v1/consents/").route == nullptr);
  CHECK(r.match(http::verb::post, "/v1/consents/c1/revoke").route != nullptr);
}

TEST_CASE("a path parameter that cannot be an id matches nothing", "[router]") {
  Router r;
  auto h = [](RequestContext&) -> boost::asio::awaitable<Response> { co_return Response{}; };
  r.add(http::verb::get, "/v1/consents/{id}", {Role::kAgency}, h);
  for (const char* path : {"/v1/consents/%FF", "/v1/consents/c%C3%28", "/v1/consents/c%091",
                           "/v1/consents/c%E2%80%AE1", "/v1/consents/110213A913H"}) {
    INFO(path);
    auto m = r.match(http::verb::get, path);
    CHECK(m.route == nullptr);
    CHECK(m.status == 404);
  }
  CHECK(r.match(http::verb::get, "/v1/consents/" + std::string(201, 'c')).status == 404);
  CHECK(r.match(http::verb::get, "/v1/consents/" + std::string(200, 'c')).route != nullptr);
  CHECK(r.match(http::verb::get, "/v1/consents/c-%C3%A4").route != nullptr);
}

TEST_CASE("query strings are decoded, repeated names kept", "[router]") {
  Query q;
  REQUIRE(parse_query("a=1&b=x%20y&c=z+w&d&a=2", q));
  auto [first, last] = q.equal_range("a");
  REQUIRE(std::distance(first, last) == 2);
  CHECK(first->second == "1");
  CHECK(std::next(first)->second == "2");
  CHECK(q.find("b")->second == "x y");
  CHECK(q.find("c")->second == "z w");
  CHECK(q.count("d") == 1);
  Query bad;
  CHECK_FALSE(parse_query("a=%zz", bad));
}
