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
  auto j = p.to_json(Lang::kEn);
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
  r.localise(Lang::kEn);
  CHECK(nlohmann::json::parse(r.body) == j);
}

TEST_CASE("a problem is rendered in the language of the request", "[problem][language]") {
  json_check::Issues issues;
  issues.add("/purpose", "unknown purpose");
  const auto p = validation_problem(issues);
  CHECK(p.to_json(Lang::kFi)["title"] == "Pyyntö ei ole kelvollinen");
  CHECK(p.to_json(Lang::kFi)["detail"] == "Pyynnössä on virheellisiä kenttiä.");
  CHECK(p.to_json(Lang::kSv)["title"] == "Begäran är inte giltig");
  CHECK(p.to_json(Lang::kSv)["detail"] == "Begäran har ogiltiga fält.");
  // The field list is the same in every language.
  CHECK(p.to_json(Lang::kSv)["errors"] == p.to_json(Lang::kEn)["errors"]);

  // A representative set: 403, 404, 409, 503, each title and detail in all three languages.
  const Problem set[] = {
      problem(403, "forbidden", problem_text(ProblemText::kNeedsRole, {"privacy_officer"})),
      problem(404, "not-found", ProblemText::kConsentNotFound),
      problem(409, "already-revoked", ProblemText::kConsentRevokedBefore),
      problem(503, "audit-unavailable", ProblemText::kNothingReleased),
      problem_from_error(make_error(ErrorCode::kUnavailable, "store: connection refused")),
  };
  for (const auto& q : set) {
    INFO(q.type);
    const auto fi = q.to_json(Lang::kFi), sv = q.to_json(Lang::kSv), en = q.to_json(Lang::kEn);
    CHECK(fi["title"] != en["title"]);
    CHECK(sv["title"] != en["title"]);
    CHECK(fi["title"] != sv["title"]);
    CHECK(fi["detail"] != en["detail"]);
    CHECK(sv["detail"] != en["detail"]);
    CHECK(fi["detail"] != sv["detail"]);
    CHECK(fi["status"] == q.status);
  }
  CHECK(set[0].to_json(Lang::kFi)["detail"] == "Tämä toiminto edellyttää roolia privacy_officer.");
  CHECK(set[3].to_json(Lang::kSv)["title"] == "Loggregistret är inte tillgängligt");
  CHECK(set[4].to_json(Lang::kEn)["detail"] ==
        "The service is temporarily unavailable. Retry later.");

  auto r = Response::from_problem(set[1]);
  r.localise(Lang::kSv);
  CHECK(nlohmann::json::parse(r.body)["title"] == "Hittades inte");
}

TEST_CASE("every problem text and title exists in fi, sv and en", "[problem][language]") {
  for (int i = 0; i <= static_cast<int>(ProblemText::kReviewedBefore); ++i) {
    INFO(i);
    const Texts t = problem_text(static_cast<ProblemText>(i), {"x"});
    CHECK_FALSE(t.incomplete());
    CHECK(t.fi != t.en);
    CHECK(t.sv != t.en);
    CHECK(t.fi.find("{0}") == std::string::npos);
  }
  for (const char* type : {"validation",
                           "malformed-request",
                           "bad-framing",
                           "header-too-large",
                           "body-too-large",
                           "malformed-query",
                           "malformed-json",
                           "unsupported-media-type",
                           "unregistered-client",
                           "agency-disabled",
                           "forbidden",
                           "cross-origin-request",
                           "not-found",
                           "method-not-allowed",
                           "denied",
                           "audit-unavailable",
                           "adapter-timeout",
                           "adapter-failed",
                           "referral-conflict",
                           "idempotency-key-reused",
                           "idempotency-key-in-progress",
                           "referral-state",
                           "already-revoked",
                           "already-reviewed",
                           "bad-proof-request",
                           "fork",
                           "other-instance",
                           "not-yet-signed",
                           "not-ready",
                           "invalid_argument",
                           "not_found",
                           "already_exists",
                           "conflict",
                           "permission_denied",
                           "failed_precondition",
                           "unavailable",
                           "deadline_exceeded",
                           "data_loss",
                           "internal"}) {
    INFO(type);
    CHECK(has_problem_title(type));
    CHECK_FALSE(problem_title(type).incomplete());
  }
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
  CHECK(p.detail.en.find("/secret/path") == std::string::npos);
  // Nor does any other: a library's words are English and go to the log only.
  auto q = problem_from_error(make_error(ErrorCode::kNotFound, "no consent c-1"));
  CHECK(q.status == 404);
  CHECK(q.detail.en == "Nothing was found with this identifier.");
  CHECK(q.detail.fi == "Tällä tunnisteella ei löytynyt mitään.");
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
