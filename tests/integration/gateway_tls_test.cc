// The gateway over real mutual TLS: a real `silta serve` process, the test PKI, port 0.
#include <ifaddrs.h>
#include <netinet/in.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <sstream>
#include <thread>

#include "tests/support/gateway_process.h"

using namespace silta::test;
using nlohmann::json;

namespace {

// Refused at the handshake: in TLS 1.3 the client may finish its side before the server has
// checked the client certificate, so the refusal shows either at connect or as no response.
bool refused(TlsClient& client) {
  auto err = client.connect();
  if (!err.empty()) return true;
  try {
    client.get("/v1/whoami");
    return false;
  } catch (const std::runtime_error&) {
    return true;
  }
}

// Polls the admin /metrics until it contains `line`.
bool metrics_show(const GatewayProcess& gw, const std::string& line) {
  return eventually(
      [&] { return gw.admin_get("/metrics").second.find(line) != std::string::npos; });
}

bool log_shows(GatewayProcess& gw, const std::string& text) {
  return eventually([&] { return gw.process().log().find(text) != std::string::npos; });
}

std::string whoami_request(const std::string& extra_headers, const std::string& body = "") {
  return "POST /v1/whoami HTTP/1.1\r\nHost: localhost\r\n" + extra_headers + "\r\n" + body;
}

}  // namespace

TEST_CASE("a registered agency gets its identity over mutual TLS", "[gateway][tls]") {
  GatewayProcess gw;
  auto client = gw.client("soite-lastensuojelu");
  auto r = client.get("/v1/whoami");
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.header("cache-control") == "no-store");
  CHECK_FALSE(r.header("x-request-id").empty());
  auto j = r.json();
  CHECK(j["agency_id"] == "soite-lastensuojelu");
  CHECK(j["kind"] == "child_welfare");
  CHECK(j["authority"] == true);
  CHECK(j["roles"] == json::array({"agency"}));
  // Keep-alive: a second request on the same connection.
  CHECK(client.get("/v1/whoami").status == 200);

  auto officer = gw.client("soite-tietosuoja").get("/v1/whoami").json();
  CHECK(officer["roles"] == json::array({"privacy_officer"}));
  CHECK(metrics_show(gw, "silta_http_requests_total{route=\"/v1/whoami\",status=\"200\"} 3"));
}

TEST_CASE("certificates outside the federation are refused at the handshake", "[gateway][tls]") {
  GatewayProcess gw;
  SECTION("no client certificate") {
    TlsClient c("127.0.0.1", gw.port(), std::nullopt);
    CHECK(refused(c));
    CHECK(metrics_show(gw, "silta_tls_handshakes_total{result=\"no_client_certificate\"} 1"));
  }
  SECTION("a foreign CA") {
    auto c = gw.client("foreign-client");
    CHECK(refused(c));
    CHECK(metrics_show(gw, "silta_tls_handshakes_total{result=\"unknown_ca\"} 1"));
  }
  SECTION("an expired certificate") {
    auto c = gw.client("expired-client");
    CHECK(refused(c));
    CHECK(metrics_show(gw, "silta_tls_handshakes_total{result=\"certificate_expired\"} 1"));
  }
  SECTION("a revoked certificate") {
    auto c = gw.client("revoked-client");
    CHECK(refused(c));
    CHECK(metrics_show(gw, "silta_tls_handshakes_total{result=\"certificate_revoked\"} 1"));
  }
  CHECK(log_shows(gw, "tls_handshake_failed"));
}

TEST_CASE("TLS 1.2 is refused unless enabled", "[gateway][tls]") {
  GatewayProcess gw;
  boost::asio::io_context ioc;
  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  auto cert = cert_of("soite-lastensuojelu");
  ctx.use_certificate_chain_file(cert.cert.string());
  ctx.use_private_key_file(cert.key.string(), boost::asio::ssl::context::pem);
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> s(ioc, ctx);
  s.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), gw.port()});
  boost::system::error_code ec;
  s.handshake(boost::asio::ssl::stream_base::client, ec);
  CHECK(ec);
}

TEST_CASE("a valid certificate that is not in the registry gets 403", "[gateway][tls]") {
  GatewayProcess gw;
  auto r = gw.client("unregistered-client").get("/v1/whoami");
  CHECK(r.status == 403);
  CHECK(r.header("content-type") == "application/problem+json");
  auto j = r.json();
  CHECK(j["type"] == "urn:silta:problem:unregistered-client");
  CHECK(j["status"] == 403);
}

TEST_CASE("unknown routes and methods are problems too", "[gateway]") {
  GatewayProcess gw;
  auto client = gw.client("kokkola-perusopetus");
  auto r = client.get("/v1/nothing-here");
  CHECK(r.status == 404);
  CHECK(r.json()["type"] == "urn:silta:problem:not-found");
  auto m = client.request("DELETE", "/v1/whoami");
  CHECK(m.status == 405);
  CHECK(m.header("content-type") == "application/problem+json");
}

TEST_CASE("limits: body over the limit gets 413, header over the limit 431", "[gateway][limits]") {
  GatewayProcess gw(json{{"limits", {{"max_body_bytes", 1024}}}});
  SECTION("Content-Length over the limit") {
    auto client = gw.client("soite-lastensuojelu");
    std::string body(2000, 'x');
    auto r = client.raw(
        whoami_request("Content-Type: application/json\r\nContent-Length: 2000\r\n", body));
    CHECK(r.status == 413);
    CHECK(r.json()["type"] == "urn:silta:problem:body-too-large");
    CHECK(client.closed_by_peer(std::chrono::seconds(10)));
  }
  SECTION("chunked body over the limit") {
    auto client = gw.client("soite-lastensuojelu");
    std::string chunk(1500, 'x');
    auto r = client.raw(
        whoami_request("Transfer-Encoding: chunked\r\n", "5dc\r\n" + chunk + "\r\n0\r\n\r\n"));
    CHECK(r.status == 413);
  }
  SECTION("header over the limit") {
    auto client = gw.client("soite-lastensuojelu");
    auto r = client.raw("GET /v1/whoami HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') +
                        "\r\n\r\n");
    CHECK(r.status == 431);
    CHECK(r.header("content-type") == "application/problem+json");
  }
}

TEST_CASE("request smuggling shapes are refused and the connection closed", "[gateway][http]") {
  GatewayProcess gw;
  auto expect_400_closed = [&](const std::string& raw_request, const std::string& detail) {
    auto client = gw.client("soite-lastensuojelu");
    auto r = client.raw(raw_request);
    CHECK(r.status == 400);
    CHECK(r.header("content-type") == "application/problem+json");
    if (!detail.empty())
      CHECK(r.json()["detail"].get<std::string>().find(detail) != std::string::npos);
    CHECK(client.closed_by_peer(std::chrono::seconds(10)));
  };
  SECTION("Transfer-Encoding with Content-Length") {
    expect_400_closed(
        whoami_request("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), "");
  }
  SECTION("Transfer-Encoding: gzip") {
    expect_400_closed(whoami_request("Transfer-Encoding: gzip\r\n", "0\r\n\r\n"),
                      "exactly \"chunked\"");
  }
  SECTION("Transfer-Encoding: gzip, chunked") {
    expect_400_closed(whoami_request("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"),
                      "exactly \"chunked\"");
  }
  SECTION("Transfer-Encoding with HTTP/1.0") {
    expect_400_closed(
        "POST /v1/whoami HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.0");
  }
  SECTION("trailers") {
    expect_400_closed(whoami_request("Transfer-Encoding: chunked\r\n",
                                     "2\r\n{}\r\n0\r\nX-Trailer: sneaky\r\n\r\n"),
                      "Trailers");
  }
  SECTION("garbage") { expect_400_closed("NOT HTTP AT ALL\r\n\r\n", ""); }
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout", "[gateway]") {
  GatewayProcess gw(json{{"timeouts", {{"idle_ms", 200}}}});
  auto client = gw.client("soite-lastensuojelu");
  REQUIRE(client.get("/v1/whoami").status == 200);
  CHECK(client.closed_by_peer(std::chrono::seconds(15)));
}

TEST_CASE("SIGTERM lets an in-flight request finish, then exits 0", "[gateway][shutdown]") {
  GatewayProcess gw;
  auto busy = gw.client("soite-lastensuojelu");
  auto idle = gw.client("kokkola-perusopetus");
  REQUIRE(idle.get("/v1/whoami").status == 200);
  // Start a request: the header and part of the body. The gateway counts it in flight once
  // it has read the header; wait for that on the metrics rather than sleeping.
  std::string body = "{\"part\": 1}";
  busy.send(
      "GET /v1/whoami HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 4));
  REQUIRE(metrics_show(gw, "silta_requests_in_flight 1"));

  gw.process().signal(SIGTERM);
  // The idle connection is closed, and new connections are no longer accepted.
  CHECK(idle.closed_by_peer(std::chrono::seconds(15)));
  // The in-flight request completes, with Connection: close.
  busy.send(body.substr(4));
  auto r = busy.read_response();
  CHECK(r.status == 200);
  CHECK(r.json()["agency_id"] == "soite-lastensuojelu");
  CHECK_FALSE(r.keep_alive);
  CHECK(gw.process().wait(std::chrono::seconds(30)) == 0);
  auto log = gw.process().log();
  CHECK(log.find("shutdown_started") != std::string::npos);
  CHECK(log.find("stopped") != std::string::npos);
}

TEST_CASE("the admin listener serves health, readiness and metrics on loopback only",
          "[gateway][admin]") {
  GatewayProcess gw;
  auto health = gw.admin_get("/health");
  CHECK(health.first == 200);
  CHECK(json::parse(health.second)["status"] == "ok");
  CHECK(gw.admin_get("/ready").first == 200);
  auto metrics = gw.admin_get("/metrics").second;
  CHECK(metrics.find("# TYPE silta_http_requests_total counter") != std::string::npos);
  CHECK(metrics.find("# TYPE silta_http_request_duration_seconds histogram") != std::string::npos);
  CHECK(metrics.find("silta_active_connections") != std::string::npos);
  CHECK(gw.admin_get("/nothing").first == 404);

  // Not reachable on this host's other addresses: it is bound to loopback only.
  ifaddrs* addrs = nullptr;
  REQUIRE(::getifaddrs(&addrs) == 0);
  std::optional<std::string> other;
  for (auto* a = addrs; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    boost::asio::ip::address_v4 addr(ntohl(in->sin_addr.s_addr));
    if (!addr.is_loopback()) {
      other = addr.to_string();
      break;
    }
  }
  ::freeifaddrs(addrs);
  if (!other) {
    WARN("no non-loopback IPv4 address on this host: remote reachability not tested");
    return;
  }
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address(*other), gw.admin_port()}, ec);
  CHECK(ec == boost::asio::error::connection_refused);
}

TEST_CASE("TLS session resumption keeps the agency's identity", "[gateway][tls]") {
  GatewayProcess gw;
  namespace asio = boost::asio;
  namespace ssl = asio::ssl;
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  auto cert = cert_of("pohjanmaa-poliisi");
  ctx.load_verify_file((certs_dir() / "root-ca.pem").string());
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.use_certificate_chain_file(cert.cert.string());
  ctx.use_private_key_file(cert.key.string(), ssl::context::pem);
  SSL_CTX_set_session_cache_mode(ctx.native_handle(), SSL_SESS_CACHE_CLIENT);

  // whoami on a fresh stream; `session` to resume, or nullptr. Returns the agency id seen.
  auto whoami = [&](SSL_SESSION* session, bool& reused) {
    ssl::stream<asio::ip::tcp::socket> s(ioc, ctx);
    s.next_layer().connect({asio::ip::make_address("127.0.0.1"), gw.port()});
    if (session != nullptr) SSL_set_session(s.native_handle(), session);
    s.handshake(ssl::stream_base::client);
    std::string req = "GET /v1/whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    asio::write(s, asio::buffer(req));
    std::string response;
    boost::system::error_code ec;
    char buf[4096];
    for (;;) {
      auto n = s.read_some(asio::buffer(buf), ec);
      response.append(buf, n);
      if (ec) break;
    }
    reused = SSL_session_reused(s.native_handle()) == 1;
    SSL_SESSION* ticket = SSL_get1_session(s.native_handle());
    s.shutdown(ec);  // OpenSSL marks the sessions of connections freed without it not resumable
    auto body = response.substr(response.find("\r\n\r\n") + 4);
    return std::make_pair(json::parse(body)["agency_id"].get<std::string>(), ticket);
  };
  bool reused = true;
  auto [first, ticket] = whoami(nullptr, reused);
  CHECK(first == "pohjanmaa-poliisi");
  CHECK_FALSE(reused);
  REQUIRE(ticket != nullptr);
  auto [second, ticket2] = whoami(ticket, reused);
  CHECK(reused);
  CHECK(second == "pohjanmaa-poliisi");
  SSL_SESSION_free(ticket);
  SSL_SESSION_free(ticket2);
}

TEST_CASE("JSON log lines on request, without bodies", "[gateway][logging]") {
  GatewayProcess gw(json{{"log", {{"format", "json"}}}});
  auto client = gw.client("kokkola-perusopetus");
  REQUIRE(client.get("/v1/whoami").status == 200);
  REQUIRE(gw.stop() == 0);
  std::istringstream lines(gw.process().log());
  std::string line;
  bool access = false;
  while (std::getline(lines, line)) {
    auto j = json::parse(line);  // every line is one JSON object
    CHECK(j.contains("time"));
    CHECK(j.contains("level"));
    if (j["event"] == "access") {
      access = true;
      CHECK(j["agency"] == "kokkola-perusopetus");
      CHECK(j["route"] == "/v1/whoami");
      CHECK(j["status"] == 200);
      CHECK(j["method"] == "GET");
      CHECK_FALSE(j.contains("body"));
    }
  }
  CHECK(access);
}
