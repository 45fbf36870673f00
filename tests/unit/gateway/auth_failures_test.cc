#include <catch2/catch.hpp>

#include "audit/event.h"
#include "gateway/auth_failures.h"

using namespace silta;
using namespace silta::gateway;

namespace {

AuthFailure failure(std::string reason, std::string address, std::string issuer = "") {
  AuthFailure f;
  f.reason = std::move(reason);
  f.address = std::move(address);
  f.peer = f.address + ":1234";
  f.issuer = std::move(issuer);
  return f;
}

}  // namespace

TEST_CASE("refused connections become one bounded, valid audit record per interval",
          "[auth_failures]") {
  AuthFailureSummary summary;
  CHECK_FALSE(summary.take());
  const SysTime t0 = now_utc();
  for (int i = 0; i < 1000; ++i) {
    summary.add(failure("unknown_ca", "203.0.113.7", "/CN=Foreign CA"), t0);
  }
  summary.add(failure("no_client_certificate", "203.0.113.8"), t0 + std::chrono::seconds(1));
  auto e = summary.take();
  REQUIRE(e);
  CHECK(e->type == audit::EventType::kAuthFailure);
  CHECK(e->outcome == "refused_connections");
  CHECK(e->justification.find("1001 refused connections") != std::string::npos);
  CHECK(e->justification.find("reason=unknown_ca peer=203.0.113.7 issuer=\"/CN=Foreign CA\" "
                              "count=1000") != std::string::npos);
  CHECK(e->justification.find("reason=no_client_certificate peer=203.0.113.8 count=1") !=
        std::string::npos);
  CHECK(audit::validate_event(*e));
  CHECK_FALSE(summary.take());  // taken
}

TEST_CASE("many groups and hostile certificate text stay within the record's limits",
          "[auth_failures]") {
  AuthFailureSummary summary;
  const SysTime t = now_utc();
  // An issuer shaped like an identity code must not make the log refuse the record.
  summary.add(failure("unknown_ca", "192.0.2.1", "/CN=010180-950R"), t);
  for (int i = 0; i < 5000; ++i) {
    // Every refusal from another address with a long issuer full of quotes and controls.
    summary.add(
        failure("unknown_ca", "198.51.100." + std::to_string(i % 250) + "-" + std::to_string(i),
                std::string(300, '"') + "\n\t\x01"),
        t);
  }
  auto e = summary.take();
  REQUIRE(e);
  CHECK(e->justification.size() <= AuthFailureSummary::kMaxText);
  CHECK(e->justification.find("5001 refused connections") != std::string::npos);
  CHECK(e->justification.find("other count=") != std::string::npos);
  CHECK(e->justification.find("reason=unknown_ca peer=192.0.2.1 count=1") != std::string::npos);
  CHECK(audit::validate_event(*e));
}
