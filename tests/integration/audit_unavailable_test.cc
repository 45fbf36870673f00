// Fail closed: when the audit log cannot make a record durable, nothing is released (503) and
// the gateway reports itself not ready. The gateway runs in-process on real files with an
// injected fdatasync failure (LevelDB's fault-injection Env idea).
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "gateway/app.h"
#include "tests/support/demo_people.h"
#include "tests/support/gateway_process.h"
#include "tests/unit/audit/faulty_file_system.h"

using namespace silta;
using namespace silta::test;
using nlohmann::json;

namespace {

unsigned admin_status(std::uint16_t port, const std::string& target) {
  namespace beast = boost::beast;
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(stream, req);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(stream, buffer, res);
  return res.result_int();
}

}  // namespace

TEST_CASE("a failed fdatasync of the audit log: nothing is released, 503, not ready",
          "[exchange][audit][faults]") {
  TempDir dir("silta-failclosed");
  json_check::Issues issues;
  auto config = gateway::parse_config(gateway_test_config(dir.path()), dir.path(), issues);
  REQUIRE(issues.empty());
  audit::test_util::FaultyFileSystem fs;
  gateway::App app(config, {&fs});
  std::thread server([&] { app.run(); });

  TlsClient client("127.0.0.1", app.server().port(), cert_of("soite-lastensuojelu"));
  json req = {{"target", "kokkola-perusopetus"},
              {"actor", "sw-maija"},
              {"subject", {{"identity_code", people::kVeeti}}},
              {"purpose", "cw_assessment"},
              {"categories", {"school_attendance"}},
              {"case_reference", "SOITE-LS-2026-0412"},
              {"justification", "Service-need assessment (LSL 26 §): school attendance"}};
  REQUIRE(client.post_json("/v1/exchanges", req).status == 200);
  CHECK(admin_status(app.server().admin_port(), "/ready") == 200);

  fs.fail_next_sync(".seg");
  auto failed = client.post_json("/v1/exchanges", req);
  CHECK(failed.status == 503);
  CHECK(failed.json()["type"] == "urn:silta:problem:audit-unavailable");
  CHECK_FALSE(failed.json().contains("data"));
  // The log stays stopped (a retried fdatasync proves nothing): every later request is refused.
  auto later = client.post_json("/v1/decisions", req);
  CHECK(later.status == 503);
  CHECK(admin_status(app.server().admin_port(), "/ready") == 503);

  app.server().shutdown();
  server.join();
}
