// The circuit breaker's states, with time passed in.
#include <catch2/catch.hpp>

#include "adapters/adapter_set.h"
#include "adapters/circuit_breaker.h"
#include "gateway/http/problem.h"

using namespace silta;
using namespace silta::adapters;

TEST_CASE("consecutive failures open the circuit: a probe closes or reopens it", "[circuit]") {
  CircuitBreaker b(CircuitBreakerSettings{3, Millis(1000)});
  auto t = Clock::now();

  for (int i = 0; i < 2; ++i) {
    auto p = b.acquire(t);
    REQUIRE(p.allowed);
    CHECK_FALSE(b.record(false, p, t));
  }
  auto ok = b.acquire(t);  // a success in between resets the count
  CHECK_FALSE(b.record(true, ok, t));
  CHECK(b.consecutive_failures() == 0);

  std::optional<CircuitTransition> opened;
  for (int i = 0; i < 3; ++i) opened = b.record(false, b.acquire(t), t);
  REQUIRE(opened);
  CHECK(opened->to == CircuitState::kOpen);
  CHECK(b.state() == CircuitState::kOpen);

  auto refused = b.acquire(t + Millis(400));
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_in == Millis(600));

  // After open_for: one probe, the others still fail fast.
  auto probe = b.acquire(t + Millis(1000));
  REQUIRE(probe.allowed);
  CHECK(probe.probe);
  REQUIRE(probe.transition);
  CHECK(probe.transition->to == CircuitState::kHalfOpen);
  CHECK_FALSE(b.acquire(t + Millis(1001)).allowed);

  SECTION("the probe fails: open again for open_for") {
    auto again = b.record(false, probe, t + Millis(1100));
    REQUIRE(again);
    CHECK(again->from == CircuitState::kHalfOpen);
    CHECK(again->to == CircuitState::kOpen);
    CHECK_FALSE(b.acquire(t + Millis(2000)).allowed);
    CHECK(b.acquire(t + Millis(2100)).probe);
  }
  SECTION("the probe succeeds: closed") {
    auto closed = b.record(true, probe, t + Millis(1100));
    REQUIRE(closed);
    CHECK(closed->to == CircuitState::kClosed);
    auto p = b.acquire(t + Millis(1101));
    CHECK(p.allowed);
    CHECK_FALSE(p.probe);
  }
}

TEST_CASE("a straggler's success does not close a half-open circuit", "[circuit]") {
  CircuitBreaker b(CircuitBreakerSettings{1, Millis(100)});
  auto t = Clock::now();
  auto straggler = b.acquire(t);  // permitted while closed, finishes late
  b.record(false, b.acquire(t), t);
  auto probe = b.acquire(t + Millis(100));
  REQUIRE(probe.probe);
  CHECK_FALSE(b.record(true, straggler, t + Millis(101)));
  CHECK(b.state() == CircuitState::kHalfOpen);
  CHECK(b.record(true, probe, t + Millis(102))->to == CircuitState::kClosed);
}

TEST_CASE("answers are filtered to the granted categories", "[filter]") {
  FetchResult r;
  r.categories["grades"] = nlohmann::json::array();
  r.categories["mh_diagnosis"] = nlohmann::json::array({{{"code", "F32.1"}}});
  r.categories["school_attendance"] = nlohmann::json::array();
  auto dropped = filter_to_granted(r, {"grades", "school_attendance"});
  CHECK(dropped == std::vector<std::string>{"mh_diagnosis"});
  CHECK(r.categories.size() == 2);
  CHECK(r.categories.count("mh_diagnosis") == 0);
}

TEST_CASE("adapter failures map to 502 and 504 problems with a generic detail", "[problem]") {
  auto timeout = gateway::adapter_problem(
      make_error(ErrorCode::kDeadlineExceeded, "10.0.0.7:8444 did not answer before the deadline"));
  CHECK(timeout.status == 504);
  CHECK(timeout.to_json(Lang::kEn)["type"] == "urn:silta:problem:adapter-timeout");
  for (Lang l : kLangs) CHECK(timeout.detail.in(l).find("10.0.0.7") == std::string::npos);
  auto failed = gateway::adapter_problem(make_error(ErrorCode::kUnavailable, "circuit open"));
  CHECK(failed.status == 502);
  CHECK(failed.to_json(Lang::kEn)["type"] == "urn:silta:problem:adapter-failed");
  CHECK(gateway::adapter_problem(make_error(ErrorCode::kFailedPrecondition, "no adapter")).status ==
        502);
  CHECK(gateway::adapter_problem(make_error(ErrorCode::kConflict, "x")).status == 409);
}
