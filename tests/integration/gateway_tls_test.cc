// The gateway over real mutual TLS: a real `silta serve` process, the test PKI, port 0.
#include <ifaddrs.h>
#include <netinet/in.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/support/demo_requests.h"
#include "tests/support/gateway_process.h"
#include "tests/support/https_test_server.h"

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

// `client` is refused at the handshake, and the refusals for `reason` reach `count`.
bool refused_for(const GatewayProcess& gw, TlsClient client, const std::string& reason,
                 int count = 1) {
  return refused(client) && metrics_show(gw, "silta_tls_handshakes_total{result=\"" + reason +
                                                 "\"} " + std::to_string(count));
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

TEST_CASE("a privacy officer's personal certificate: she is the actor, and no one else",
          "[gateway][tls][persons]") {
  GatewayProcess gw;
  auto liisa = gw.client("liisa.laine");
  auto who = liisa.get("/v1/whoami").json();
  CHECK(who["agency_id"] == "soite-tietosuoja");
  CHECK(who["roles"] == json::array({"privacy_officer"}));
  CHECK(who["person"] == json{{"id", "liisa.laine"}, {"name", "Liisa Laine"}});
  CHECK_FALSE(gw.client("soite-tietosuoja").get("/v1/whoami").json().contains("person"));

  // Her reads need no ?actor=, and are recorded as hers; naming anyone else is refused.
  REQUIRE(liisa.get("/v1/audit/checkpoint").status == 200);
  REQUIRE(liisa.get("/v1/audit/checkpoint?actor=liisa.laine").status == 200);
  auto other = liisa.get("/v1/audit/checkpoint?actor=sw-maija&lang=en");
  REQUIRE(other.status == 400);
  CHECK(other.json()["errors"][0]["pointer"] == "?actor");
  CHECK(other.json()["errors"][0]["detail"] ==
        "your personal certificate names you (liisa.laine): leave actor out or give this id");
  auto reads = gw.client("soite-tietosuoja")
                   .get("/v1/audit/records?actor=check&event_type=audit-read&limit=1000")
                   .json()["records"];
  CHECK(std::ranges::count_if(reads, [](const json& r) {
          return r.value("reference", "") == "checkpoint" && r.value("actor", "") == "liisa.laine";
        }) == 2);

  // A review's body likewise: no actor needed (the id is unknown: 404), another one is a 400.
  auto review = liisa.post_json("/v1/audit/break-glass/b-none/review", {{"verdict", "justified"}});
  CHECK(review.status == 404);
  auto as_other = liisa.post_json("/v1/audit/break-glass/b-none/review",
                                  {{"actor", "someone"}, {"verdict", "justified"}});
  REQUIRE(as_other.status == 400);
  CHECK(as_other.json()["errors"][0]["pointer"] == "/actor");

  // A person reviews; only systems exchange.
  CHECK(liisa.post_json("/v1/decisions", attendance_request()).status == 403);
}

TEST_CASE("certificates outside the federation are refused at the handshake", "[gateway][tls]") {
  GatewayProcess gw;
  SECTION("no client certificate") {
    CHECK(
        refused_for(gw, TlsClient("127.0.0.1", gw.port(), std::nullopt), "no_client_certificate"));
  }
  SECTION("a foreign CA") { CHECK(refused_for(gw, gw.client("foreign-client"), "unknown_ca")); }
  SECTION("an expired certificate") {
    CHECK(refused_for(gw, gw.client("expired-client"), "certificate_expired"));
  }
  SECTION("a revoked certificate") {
    CHECK(refused_for(gw, gw.client("revoked-client"), "certificate_revoked"));
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
                      "täsmälleen \"chunked\"");
  }
  SECTION("Transfer-Encoding: gzip, chunked") {
    expect_400_closed(whoami_request("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"),
                      "täsmälleen \"chunked\"");
  }
  SECTION("Transfer-Encoding with HTTP/1.0") {
    expect_400_closed(
        "POST /v1/whoami HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.0");
  }
  SECTION("trailers") {
    expect_400_closed(whoami_request("Transfer-Encoding: chunked\r\n",
                                     "2\r\n{}\r\n0\r\nX-Trailer: sneaky\r\n\r\n"),
                      "(trailer)");
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

namespace {

json with_intermediates() {
  return json{{"tls", {{"client_intermediates", (certs_dir() / "intermediates.pem").string()}}}};
}

TlsClient leaf_only_client(const GatewayProcess& gw, const std::string& name) {
  auto cert = cert_of(name);
  cert.leaf_only = true;
  return TlsClient("127.0.0.1", gw.port(), cert);
}

}  // namespace

TEST_CASE(
    "a client that sends only its own certificate is verified through the configured "
    "intermediates",
    "[gateway][tls][intermediates]") {
  GatewayProcess gw(with_intermediates());
  auto leaf_only = leaf_only_client(gw, "soite-tietosuoja");
  auto r = leaf_only.get("/v1/whoami");
  CHECK(r.status == 200);
  CHECK(r.json()["agency_id"] == "soite-tietosuoja");
  // A client sending its chain is accepted as before.
  CHECK(gw.client("soite-lastensuojelu").get("/v1/whoami").status == 200);
}

TEST_CASE("without the intermediates a leaf-only client is refused",
          "[gateway][tls][intermediates]") {
  GatewayProcess gw;
  CHECK(refused_for(gw, leaf_only_client(gw, "soite-tietosuoja"), "unknown_ca"));
}

TEST_CASE("clients under a bad intermediate are refused at the handshake",
          "[gateway][tls][intermediates]") {
  GatewayProcess gw(with_intermediates());
  SECTION("an intermediate under another root") {
    CHECK(refused_for(gw, gw.client("other-root-intermediate-client"), "unknown_ca"));
    CHECK(refused_for(gw, leaf_only_client(gw, "other-root-intermediate-client"), "unknown_ca", 2));
  }
  SECTION("an expired intermediate") {
    CHECK(refused_for(gw, gw.client("expired-intermediate-client"), "certificate_expired"));
  }
  SECTION("a revoked intermediate") {
    CHECK(refused_for(gw, gw.client("revoked-intermediate-client"), "certificate_revoked"));
  }
}

TEST_CASE("HTTP/1.1 without exactly one Host is refused", "[gateway][http]") {
  GatewayProcess gw;
  SECTION("no Host") {
    auto client = gw.client("soite-lastensuojelu");
    auto r = client.raw("GET /v1/whoami HTTP/1.1\r\n\r\n");
    CHECK(r.status == 400);
    CHECK(r.json()["type"] == "urn:silta:problem:malformed-request");
    // Before the request is read, the deployment's language (fi) answers.
    CHECK(r.json()["detail"] == "HTTP/1.1-pyynnössä on oltava Host-otsakekenttä.");
    CHECK(client.closed_by_peer(std::chrono::seconds(10)));
  }
  SECTION("two Hosts") {
    auto client = gw.client("soite-lastensuojelu");
    auto r = client.raw("GET /v1/whoami HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    CHECK(r.status == 400);
    CHECK(r.json()["detail"] == "Pyynnössä on useampi kuin yksi Host-otsakekenttä.");
  }
  SECTION("HTTP/1.0 without Host is still fine") {
    auto client = gw.client("soite-lastensuojelu");
    auto r = client.raw("GET /v1/whoami HTTP/1.0\r\n\r\n");
    CHECK(r.status == 200);
  }
}

TEST_CASE("chunk extensions and oversized chunk lines are refused", "[gateway][http][limits]") {
  GatewayProcess gw;
  SECTION("an extension") {
    auto client = gw.client("soite-lastensuojelu");
    auto r =
        client.raw(whoami_request("Content-Type: application/json\r\nTransfer-Encoding: "
                                  "chunked\r\n",
                                  "2;name=value\r\n{}\r\n0\r\n\r\n"));
    CHECK(r.status == 400);
    CHECK(r.json()["detail"] == "Lohkolaajennuksia (chunk extensions) ei hyväksytä.");
  }
  SECTION("refused before routing, in the language of the header that was read") {
    auto client = gw.client("soite-lastensuojelu");
    auto r = client.raw(whoami_request("Accept-Language: sv\r\nTransfer-Encoding: chunked\r\n",
                                       "2;name=value\r\n{}\r\n0\r\n\r\n"));
    CHECK(r.status == 400);
    CHECK(r.header("content-language") == "sv");
    CHECK(r.json()["detail"] == "Blocktillägg (chunk extensions) godtas inte.");
  }
  SECTION("a chunk line longer than the header limit") {
    auto client = gw.client("soite-lastensuojelu");
    auto r = client.raw(whoami_request("Transfer-Encoding: chunked\r\n",
                                       "2;" + std::string(20000, 'e') + "\r\n{}\r\n0\r\n\r\n"));
    CHECK(r.status == 400);
    CHECK(r.json()["type"] == "urn:silta:problem:bad-framing");
  }
}

TEST_CASE("more header fields than the limit get 431", "[gateway][limits]") {
  GatewayProcess gw(json{{"limits", {{"max_header_fields", 10}}}});
  auto client = gw.client("soite-lastensuojelu");
  std::string fields;
  for (int i = 0; i < 11; ++i) fields += "X-F" + std::to_string(i) + ": v\r\n";
  auto r = client.raw("GET /v1/whoami HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n");
  CHECK(r.status == 431);
  CHECK(r.json()["detail"] == "Pyynnössä on yli 10 otsakekenttää.");
  CHECK(gw.client("soite-lastensuojelu").get("/v1/whoami").status == 200);
}

namespace {

// Replaces a file the way an operator's tooling should: a complete new file renamed over it.
void replace_file(const std::filesystem::path& target, const std::string& content) {
  auto tmp = target;
  tmp += ".new";
  std::ofstream(tmp) << content;
  std::filesystem::rename(tmp, target);
}

std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("SIGHUP reloads the CRLs, the registry and the catalog, a bad file keeps the old one",
          "[gateway][reload]") {
  TempDir files("silta-reload");
  const auto crl = files / "crl.pem";
  const auto registry = files / "registry.json";
  const auto catalog = files / "catalog";
  std::filesystem::copy_file(certs_dir() / "crl.pem", crl);
  std::filesystem::copy_file(certs_dir() / "registry.json", registry);
  std::filesystem::copy(source_dir() / "policy" / "catalogs" / "fi", catalog,
                        std::filesystem::copy_options::recursive);
  GatewayProcess gw(json{{"tls", {{"crl", crl.string()}}},
                         {"registry", registry.string()},
                         {"catalog", catalog.string()},
                         {"reload", {{"interval_ms", 0}}}});
  REQUIRE(gw.client("soite-paihde").get("/v1/whoami").status == 200);
  auto kokkola = gw.client("kokkola-perusopetus");  // stays connected across the reloads
  REQUIRE(kokkola.get("/v1/whoami").status == 200);
  CHECK(metrics_show(gw,
                     "silta_crl_next_update_timestamp_seconds{issuer=\"/C=FI/O=Silta demo "
                     "federation/CN=Silta demo issuing CA\"}"));

  SECTION("a new CRL revokes without a restart") {
    replace_file(crl, read_text_file(certs_dir() / "crl-next.pem"));
    gw.process().signal(SIGHUP);
    CHECK(metrics_show(gw, "silta_reloads_total{what=\"tls\"} 1"));
    CHECK(log_shows(gw, "signal_received action=reload signal=SIGHUP"));
    auto revoked = gw.client("soite-paihde");
    CHECK(refused(revoked));
    CHECK(gw.client("soite-lastensuojelu").get("/v1/whoami").status == 200);
    // A broken CRL file is refused; the CRLs in force stay.
    replace_file(crl, "not a CRL");
    gw.process().signal(SIGHUP);
    CHECK(metrics_show(gw, "silta_reload_failures_total{what=\"tls\"} 1"));
    CHECK(log_shows(gw, "reload_failed"));
    CHECK(gw.client("soite-lastensuojelu").get("/v1/whoami").status == 200);
    auto still_revoked = gw.client("soite-paihde");
    CHECK(refused(still_revoked));
  }
  SECTION("the registry: a disabled agency is refused, also on its open connection") {
    auto doc = json::parse(read_text_file(registry));
    for (auto& a : doc["agencies"]) {
      if (a["id"] == "kokkola-perusopetus") a["enabled"] = false;
    }
    replace_file(registry, doc.dump());
    gw.process().signal(SIGHUP);
    CHECK(metrics_show(gw, "silta_reloads_total{what=\"registry\"} 1"));
    auto r = kokkola.get("/v1/whoami");
    CHECK(r.status == 403);
    CHECK(r.json()["type"] == "urn:silta:problem:agency-disabled");
    replace_file(registry, "{\"agencies\": [{\"id\": \"x\"}]}");
    gw.process().signal(SIGHUP);
    CHECK(metrics_show(gw, "silta_reload_failures_total{what=\"registry\"} 1"));
    CHECK(gw.client("soite-lastensuojelu").get("/v1/whoami").status == 200);
  }
  SECTION("the catalog") {
    auto doc = json::parse(read_text_file(catalog / "catalog.json"));
    doc["version"] = "2099.9";
    replace_file(catalog / "catalog.json", doc.dump());
    gw.process().signal(SIGHUP);
    CHECK(metrics_show(gw, "silta_reloads_total{what=\"catalog\"} 1"));
    CHECK(gw.client("soite-lastensuojelu").get("/v1/catalog").json()["version"] == "2099.9");
    replace_file(catalog / "kinds.json", "[");
    gw.process().signal(SIGHUP);
    CHECK(metrics_show(gw, "silta_reload_failures_total{what=\"catalog\"} 1"));
    CHECK(gw.client("soite-lastensuojelu").get("/v1/catalog").json()["version"] == "2099.9");
  }
  CHECK(gw.process().running());
}

TEST_CASE("after a catalog reload the http adapters send the new catalog's version and hash",
          "[gateway][reload][adapters]") {
  TempDir files("silta-reload");
  const auto catalog = files / "catalog";
  std::filesystem::copy(source_dir() / "policy" / "catalogs" / "fi", catalog,
                        std::filesystem::copy_options::recursive);
  // The school's adapter service records the catalog fields of each fetch.
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> seen;  // version, sha256
  HttpsTestServer school([&](const TestRequest& req) {
    if (req.target != "/silta-adapter/v1/fetch") return TestResponse::json(200, "{}");
    {
      std::lock_guard lock(mu);
      seen.emplace_back(req.header("silta-catalog-version"), req.header("silta-catalog-sha256"));
    }
    json answer = {{"subject_known", true},
                   {"categories", {{"school_attendance", {{{"absent_unexcused_hours", 27}}}}}}};
    return TestResponse::json(200, answer.dump());
  });
  GatewayProcess gw(
      json{{"catalog", catalog.string()},
           {"reload", {{"interval_ms", 0}}},
           {"adapters", {{"kokkola-perusopetus", {{"type", "http"}, {"url", school.url()}}}}}});
  auto client = gw.client("soite-lastensuojelu");
  const json before = client.get("/v1/catalog").json();
  auto first = client.post_json("/v1/exchanges", attendance_request());
  INFO(first.body);
  REQUIRE(first.status == 200);

  auto doc = json::parse(read_text_file(catalog / "catalog.json"));
  REQUIRE(doc["version"] != "2099.9");
  doc["version"] = "2099.9";
  replace_file(catalog / "catalog.json", doc.dump());
  gw.process().signal(SIGHUP);
  REQUIRE(metrics_show(gw, "silta_reloads_total{what=\"catalog\"} 1"));
  const json after = client.get("/v1/catalog").json();
  REQUIRE(after["version"] == "2099.9");
  auto second = client.post_json("/v1/exchanges", attendance_request());
  INFO(second.body);
  REQUIRE(second.status == 200);

  std::lock_guard lock(mu);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].first == before["version"].get<std::string>());
  CHECK(seen[0].second == before["sha256"].get<std::string>());
  CHECK(seen[1].first == "2099.9");
  CHECK(seen[1].second == after["sha256"].get<std::string>());
  CHECK(seen[1].second != seen[0].second);
}

TEST_CASE("the reload timer picks up a new CRL without a signal", "[gateway][reload]") {
  TempDir files("silta-reload");
  const auto crl = files / "crl.pem";
  std::filesystem::copy_file(certs_dir() / "crl.pem", crl);
  GatewayProcess gw(json{{"tls", {{"crl", crl.string()}}}, {"reload", {{"interval_ms", 100}}}});
  REQUIRE(gw.client("soite-paihde").get("/v1/whoami").status == 200);
  replace_file(crl, read_text_file(certs_dir() / "crl-next.pem"));
  CHECK(metrics_show(gw, "silta_reloads_total{what=\"tls\"} 1"));
  auto revoked = gw.client("soite-paihde");
  CHECK(refused(revoked));
}
