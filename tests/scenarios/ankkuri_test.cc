// The Ankkuri story as a test: the same steps scripts/demo tells, every one checked.
#include <catch2/catch.hpp>
#include <sstream>

#include "tests/scenarios/story.h"
#include "tests/support/gateway_process.h"

using namespace silta;

TEST_CASE("the Ankkuri story: every step goes as the law says", "[scenario]") {
  test::GatewayProcess gw;
  scenario::StoryOptions o;
  o.host = "127.0.0.1";
  o.port = gw.port();
  o.certs = test::certs_dir();
  o.vkey = gw.dir() / "keys" / "audit.vkey";
  o.audit_dir = gw.dir() / "data" / "audit";
  o.silta = test::silta_binary();
  o.html_report = gw.dir() / "report.html";
  std::ostringstream out;
  int failures = scenario::run_ankkuri_story(o, out);
  INFO(out.str());
  CHECK(failures == 0);
}
