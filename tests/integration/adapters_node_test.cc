// The example adapter in another language (adapters/examples/node) passes the conformance kit
// and serves the gateway's http adapter. Runs when `node` is installed (scripts/install-deps
// installs it; without it the test says so and passes).
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/http_adapter.h"
#include "tests/integration/adapter_harness.h"
#include "tests/support/process.h"

using namespace silta;
using namespace silta::adapters;
using namespace silta::test;
namespace fs = std::filesystem;

namespace {

class NodeAdapter {
 public:
  explicit NodeAdapter(const fs::path& node) {
    auto certs = certs_dir();
    auto ready = dir_ / "ready.json";
    process_ = std::make_unique<Process>(
        std::vector<std::string>{node.string(),
                                 (source_dir() / "adapters/examples/node/server.js").string(),
                                 "--port", "0", "--cert", (certs / "adapter.pem").string(), "--key",
                                 (certs / "adapter.key").string(), "--ca",
                                 (certs / "root-ca.pem").string(), "--allow-client-cert",
                                 (certs / "gateway.pem").string(), "--ready-file", ready.string()},
        dir_ / "node.log");
    REQUIRE(eventually([&] { return fs::exists(ready) || !process_->running(); },
                       std::chrono::seconds(60)));
    INFO(process_->log());
    REQUIRE(fs::exists(ready));
    std::ifstream in(ready);
    port_ = nlohmann::json::parse(in).at("port").get<std::uint16_t>();
  }
  ~NodeAdapter() {
    process_->signal(SIGTERM);
    if (process_->wait(std::chrono::seconds(20)) < 0) process_->signal(SIGKILL);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return process_->log(); }

 private:
  TempDir dir_{"silta-node-adapter"};
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
};

}  // namespace

TEST_CASE("the Node.js example adapter passes the conformance kit", "[adapters][node]") {
  auto node = find_program("node");
  if (!node) {
    WARN("node is not installed: the example adapter is not checked (scripts/install-deps)");
    return;
  }
  NodeAdapter adapter(*node);
  auto certs = certs_dir();
  auto result =
      run_command({silta_binary().string(), "adapter", "check", "--url", adapter.url(), "--ca",
                   (certs / "root-ca.pem").string(), "--cert", (certs / "gateway.pem").string(),
                   "--key", (certs / "gateway.key").string(), "--other-cert",
                   (certs / "soite-lastensuojelu.pem").string(), "--other-key",
                   (certs / "soite-lastensuojelu.key").string()});
  INFO(result.output);
  INFO(adapter.log());
  CHECK(result.status == 0);
  CHECK(result.output.find("15 passed, 0 failed, 0 skipped") != std::string::npos);
  // Its log has a line per request and no identity code.
  CHECK(adapter.log().find("/silta-adapter/v1/fetch") != std::string::npos);
  CHECK_FALSE(std::regex_search(adapter.log(), identity_code_pattern()));
}

TEST_CASE("the gateway's http adapter reads the Node.js example's school register",
          "[adapters][node]") {
  auto node = find_program("node");
  if (!node) {
    WARN("node is not installed: the example adapter is not checked (scripts/install-deps)");
    return;
  }
  NodeAdapter service(*node);
  AdapterHarness h;
  HttpAdapter adapter(h.endpoint(service.url()));
  FetchRequest r;
  r.request_id = "gw-node-1";
  r.holder_agency = "kokkola-perusopetus";
  r.requester_agency = "soite-lastensuojelu";
  r.requester_kind = "child_welfare";
  r.subject = "110213A913H";
  r.purpose = "cw_assessment";
  r.categories = {"school_attendance"};
  auto result = h.run(adapter.fetch(r, Clock::now() + Millis(10'000)));
  REQUIRE(result.ok());
  CHECK(result->categories.at("school_attendance")[0]["absent_unexcused_hours"] == 27);

  // Another client certificate of the federation is not the gateway: 403.
  auto certs = certs_dir();
  auto tls = make_client_tls_context(certs / "root-ca.pem", certs / "soite-lastensuojelu.pem",
                                     certs / "soite-lastensuojelu.key");
  REQUIRE(tls.ok());
  HttpsClient other(h.executor(), *tls, *parse_https_url(service.url(), false), {});
  HttpCall call;
  call.target = "/silta-adapter/v1/health";
  auto reply = h.run(other.send(call, Clock::now() + Millis(10'000)));
  REQUIRE(reply.ok());
  CHECK(reply->status == 403);
}
