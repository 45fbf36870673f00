// No exception escapes a session: handlers that throw (a std::exception, anything else, after a
// suspension) and a response Beast cannot hold are each one request's 500, and the server goes
// on. The server runs in this process with routes made to fail, over real mutual TLS.
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "gateway/config.h"
#include "gateway/http/server.h"
#include "tests/support/gateway_process.h"

using namespace silta;
using namespace silta::gateway;
using namespace silta::test;
namespace asio = boost::asio;

namespace {

asio::awaitable<Response> ok(RequestContext&) { co_return Response::json(200, {{"ok", true}}); }

asio::awaitable<Response> throws_std(RequestContext&) {
  throw std::runtime_error("handler failed");
  co_return Response{};
}

asio::awaitable<Response> throws_int(RequestContext&) {
  throw 42;
  co_return Response{};
}

asio::awaitable<Response> throws_after_suspending(RequestContext&) {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(1));
  co_await timer.async_wait(asio::use_awaitable);
  throw std::logic_error("after a suspension");
  co_return Response{};
}

// A header value Beast cannot hold (65534 bytes or more): building the response throws.
asio::awaitable<Response> unsendable(RequestContext&) {
  Response r = Response::json(200, {});
  r.headers.emplace_back("X-Huge", std::string(70000, 'h'));
  co_return r;
}

struct InProcessServer {
  TempDir dir{"silta-faults"};
  Config config;
  std::unique_ptr<Server> server;
  std::thread thread;

  explicit InProcessServer(Router router) {
    json_check::Issues issues;
    config = parse_config(gateway_test_config(dir.path()), dir.path(), issues);
    if (!issues.empty()) throw std::runtime_error(issues.format());
    server = std::make_unique<Server>(config, std::move(router), std::make_shared<Metrics>());
    server->bind();
    thread = std::thread([this] { server->run(); });
  }
  ~InProcessServer() {
    server->shutdown();
    thread.join();
  }
  TlsClient client() const {
    return TlsClient("127.0.0.1", server->port(), cert_of("soite-lastensuojelu"));
  }
};

}  // namespace

TEST_CASE("a throwing handler fails its request with 500, and the server goes on",
          "[gateway][faults]") {
  Router router;
  std::vector<Role> any{Role::kAgency};
  router.add(http::verb::get, "/ok", any, ok);
  router.add(http::verb::get, "/throws-std", any, throws_std);
  router.add(http::verb::get, "/throws-int", any, throws_int);
  router.add(http::verb::get, "/throws-later", any, throws_after_suspending);
  router.add(http::verb::get, "/unsendable", any, unsendable);
  InProcessServer s(std::move(router));

  for (std::string target : {"/throws-std", "/throws-int", "/throws-later", "/unsendable"}) {
    INFO(target);
    auto client = s.client();
    auto r = client.get(target);
    CHECK(r.status == 500);
    CHECK(r.header("content-type") == "application/problem+json");
    CHECK(r.json()["detail"] == "Yhdyskäytävässä tapahtui virhe; virhe on kirjattu lokiin.");
    // The same server, on a new connection, still answers.
    CHECK(s.client().get("/ok").status == 200);
  }
  auto metrics = s.server->metrics().render();
  CHECK(metrics.find("silta_session_failures_total 1") != std::string::npos);
}
