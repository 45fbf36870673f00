// The http adapter over real mutual TLS: against `silta adapter serve-demo`, and against
// test servers that are slow, dead, dropping connections or answering out of contract.
#include <catch2/catch.hpp>

#include <fstream>
#include <mutex>

#include "adapters/adapter_set.h"
#include "adapters/http_adapter.h"
#include "adapters/protocol.h"
#include "tests/integration/adapter_harness.h"
#include "tests/support/adapter_process.h"
#include "tests/support/https_test_server.h"
#include "tests/support/process.h"

using namespace silta;
using namespace silta::adapters;
using namespace silta::test;
using nlohmann::json;

namespace {

FetchRequest veeti_request(std::vector<std::string> categories = {"school_attendance"}) {
  FetchRequest r;
  r.request_id = "gw-test-1";
  r.holder_agency = "kokkola-perusopetus";
  r.requester_agency = "soite-lastensuojelu";
  r.requester_kind = "child_welfare";
  r.subject = "110213A913H";
  r.purpose = "cw_assessment";
  r.categories = std::move(categories);
  for (const auto& c : r.categories) r.bases[c] = "fi.atl.64.1";
  return r;
}

Deadline in(Millis m) { return Clock::now() + m; }

// A well-behaved fetch answer for Veeti's attendance, optionally with extra categories.
TestResponse attendance_answer(const json& extra = json::object()) {
  json cats = {{"school_attendance", {{{"absent_unexcused_hours", 27}}}}};
  cats.update(extra);
  return TestResponse::json(200, json{{"subject_known", true}, {"categories", cats}}.dump());
}

}  // namespace

TEST_CASE("the http adapter fetches, delivers and checks health over mutual TLS",
          "[adapters][http][tls]") {
  AdapterServiceProcess service;
  AdapterHarness h;
  // Built the way the gateway builds it: from config.
  auto certs = certs_dir();
  json_check::Issues issues;
  auto config = parse_adapters_config(
      {{"kokkola-perusopetus", {{"type", "http"}, {"url", service.url()}}},
       {"soite-lastensuojelu", {{"type", "http"}, {"url", service.url()}}}},
      ".", "/adapters", {"kokkola-perusopetus", "soite-lastensuojelu"}, Millis(5000), issues);
  REQUIRE(issues.empty());
  auto set = AdapterSet::build(config, BuildOptions{h.executor(),
                                                    certs / "root-ca.pem",
                                                    certs / "gateway.pem",
                                                    certs / "gateway.key",
                                                    h.sink(),
                                                    nullptr,
                                                    {}});
  auto* school = dynamic_cast<HttpAdapter*>(set.find("kokkola-perusopetus"));
  REQUIRE(school != nullptr);

  auto r = h.run(set.fetch(veeti_request({"school_attendance", "grades"}), in(Millis(10'000))));
  REQUIRE(r.ok());
  CHECK(r->subject_known);
  CHECK(r->categories.at("school_attendance")[0]["absent_unexcused_hours"] == 27);
  CHECK(r->categories.at("grades")[0]["class"] == "6B");

  SECTION("keep-alive: sequential calls reuse one connection") {
    for (int i = 0; i < 20; ++i) {
      REQUIRE(h.run(set.fetch(veeti_request(), in(Millis(10'000)))).ok());
    }
    CHECK(school->endpoint().client().connections_opened() == 1);
  }
  SECTION("concurrent calls from both I/O threads all succeed") {
    std::vector<std::future<void>> futures;
    std::atomic<int> ok{0};
    for (int i = 0; i < 40; ++i) {
      futures.push_back(std::async(std::launch::async, [&] {
        if (h.run(set.fetch(veeti_request(), in(Millis(20'000)))).ok()) ++ok;
      }));
    }
    for (auto& f : futures) f.get();
    CHECK(ok == 40);
    CHECK(school->endpoint().client().idle_connections() <= 32);  // pool.max_idle by default
  }
  SECTION("an unknown subject carries no data") {
    auto req = veeti_request();
    req.subject = "010114A9988";
    auto u = h.run(set.fetch(req, in(Millis(10'000))));
    REQUIRE(u.ok());
    CHECK_FALSE(u->subject_known);
    CHECK(u->categories.empty());
  }
  SECTION("delivery is idempotent by referral id") {
    Referral ref;
    ref.id = "it-ref-1";
    ref.kind = "lsl_25_report";
    ref.recipient_agency = "soite-lastensuojelu";
    ref.sender_agency = "pohjanmaa-poliisi";
    ref.sender_kind = "police";
    ref.subject = "050912A931L";
    ref.basis = "fi.lsl.25.1";
    ref.sent_at = now_utc();
    ref.content = {{"summary", "shoplifting, 14-year-old"}};
    auto first = h.run(set.deliver(ref, in(Millis(10'000))));
    REQUIRE(first.ok());
    CHECK_FALSE(first->duplicate);
    auto again = h.run(set.deliver(ref, in(Millis(10'000))));
    REQUIRE(again.ok());
    CHECK(again->duplicate);
    CHECK(again->reference == first->reference);
    ref.content["summary"] = "other";
    auto conflict = h.run(set.deliver(ref, in(Millis(10'000))));
    REQUIRE_FALSE(conflict.ok());
    CHECK(conflict.error().code == ErrorCode::kConflict);
  }
  SECTION("health") {
    auto health = h.run(set.health("kokkola-perusopetus", in(Millis(10'000))));
    REQUIRE(health.ok());
    CHECK(health->ok);
    CHECK(health->agencies.size() == 6);
  }
  SECTION("an agency without an adapter") {
    auto req = veeti_request();
    req.holder_agency = "pohjanmaa-poliisi";
    auto none = h.run(set.fetch(req, in(Millis(1'000))));
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().code == ErrorCode::kFailedPrecondition);
  }
  // The service's log has the requests but no identity code.
  CHECK_FALSE(std::regex_search(service.process().log(), identity_code_pattern()));
}

TEST_CASE("the http adapter sends the catalog in force when each call starts",
          "[adapters][http][catalog]") {
  std::mutex mu;
  std::vector<std::string> versions;
  HttpsTestServer server([&](const TestRequest& req) {
    std::lock_guard lock(mu);
    versions.push_back(req.header("silta-catalog-version"));
    return attendance_answer();
  });
  AdapterHarness h;
  auto catalog = std::make_shared<CatalogHeaders>(
      protocol::CatalogStamp{"2026.1", std::string(64, 'a'), {"school_attendance"}});
  HttpAdapter adapter(h.endpoint(server.url()), catalog);
  REQUIRE(h.run(adapter.fetch(veeti_request(), in(Millis(10'000)))).ok());
  catalog->replace(protocol::CatalogStamp{"2099.9", std::string(64, 'b'), {"school_attendance"}});
  REQUIRE(h.run(adapter.fetch(veeti_request(), in(Millis(10'000)))).ok());
  HttpAdapter without(h.endpoint(server.url()));
  REQUIRE(h.run(without.fetch(veeti_request(), in(Millis(10'000)))).ok());
  std::lock_guard lock(mu);
  CHECK(versions == std::vector<std::string>{"2026.1", "2099.9", ""});
}

TEST_CASE("the adapter's certificate must name the host", "[adapters][http][tls]") {
  HttpsTestServer server([](const TestRequest&) { return attendance_answer(); },
                         {"adapter-wrong-host", true});
  AdapterHarness h;
  HttpAdapter adapter(h.endpoint(server.url()));
  auto r = h.run(adapter.fetch(veeti_request(), in(Millis(10'000))));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().message.find("is not accepted") != std::string::npos);
  CHECK(r.error().message.find("mismatch") != std::string::npos);
  CHECK(server.requests() == 0);  // nothing was sent to it
}

TEST_CASE("a slow system times out: 504, not retried", "[adapters][http][timeout]") {
  HttpsTestServer* self = nullptr;
  HttpsTestServer server([&self](const TestRequest&) {
    self->block_until_released();
    return attendance_answer();
  });
  self = &server;
  AdapterHarness h;
  HttpAdapter adapter(h.endpoint(server.url()));
  const auto start = Clock::now();
  auto r = h.run(adapter.fetch(veeti_request(), in(Millis(300))));
  const auto elapsed = Clock::now() - start;
  server.release();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kDeadlineExceeded);
  CHECK(elapsed < std::chrono::seconds(10));  // bounded by the deadline, not by the system
  CHECK(server.requests() == 1);
  CHECK(h.count("adapter_call_failed") == 1);
  CHECK(h.events().back().fields["timeout"] == true);
}

TEST_CASE("the configured timeout bounds a call whose caller gave a later deadline",
          "[adapters][http][timeout]") {
  HttpsTestServer* self = nullptr;
  HttpsTestServer server([&self](const TestRequest&) {
    self->block_until_released();
    return attendance_answer();
  });
  self = &server;
  AdapterHarness h;
  EndpointSettings settings;
  settings.timeout = Millis(300);
  HttpAdapter adapter(h.endpoint(server.url(), settings));
  auto r = h.run(adapter.fetch(veeti_request(), in(Millis(60'000))));
  server.release();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kDeadlineExceeded);
}

TEST_CASE("a dead system opens the circuit: calls fail fast", "[adapters][http][circuit]") {
  HttpsTestServer server([](const TestRequest&) { return attendance_answer(); });
  server.set_dead(true);
  AdapterHarness h;
  EndpointSettings settings;
  settings.retry.max_attempts = 1;
  settings.circuit = {3, Millis(10 * 60 * 1000)};
  HttpAdapter adapter(h.endpoint(server.url(), settings));
  for (int i = 0; i < 3; ++i) {
    auto r = h.run(adapter.fetch(veeti_request(), in(Millis(10'000))));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kUnavailable);
  }
  CHECK(server.connections() == 3);
  CHECK(h.count("adapter_circuit_opened") == 1);
  CHECK(adapter.endpoint().breaker().state() == CircuitState::kOpen);

  auto fast = h.run(adapter.fetch(veeti_request(), in(Millis(10'000))));
  REQUIRE_FALSE(fast.ok());
  CHECK(fast.error().code == ErrorCode::kUnavailable);
  CHECK(fast.error().message.find("circuit") != std::string::npos);
  CHECK(server.connections() == 3);  // no connection attempt while open
}

TEST_CASE("an open circuit half-opens: a failed probe reopens it, a good one closes it",
          "[adapters][http][circuit]") {
  HttpsTestServer server([](const TestRequest&) { return attendance_answer(); });
  server.set_dead(true);
  AdapterHarness h;
  EndpointSettings settings;
  settings.retry.max_attempts = 1;
  settings.circuit = {2, Millis(200)};
  HttpAdapter adapter(h.endpoint(server.url(), settings));
  for (int i = 0; i < 2; ++i) {
    REQUIRE_FALSE(h.run(adapter.fetch(veeti_request(), in(Millis(10'000)))).ok());
  }
  REQUIRE(h.count("adapter_circuit_opened") == 1);

  // Still dead: after open_ms one probe goes through, fails, and the circuit opens again.
  CHECK(eventually([&] {
    auto r = h.run(adapter.fetch(veeti_request(), in(Millis(10'000))));
    CHECK_FALSE(r.ok());
    return server.connections() == 3;
  }));
  CHECK(h.count("adapter_circuit_half_open") == 1);
  CHECK(h.count("adapter_circuit_opened") == 2);

  // The system comes back: the next probe succeeds and closes the circuit.
  server.set_dead(false);
  CHECK(eventually([&] { return h.run(adapter.fetch(veeti_request(), in(Millis(10'000)))).ok(); }));
  CHECK(h.count("adapter_circuit_closed") == 1);
  CHECK(adapter.endpoint().breaker().state() == CircuitState::kClosed);
  CHECK(h.run(adapter.fetch(veeti_request(), in(Millis(10'000)))).ok());
}

TEST_CASE("a refused connection is a 502-class failure and is retried within bounds",
          "[adapters][http]") {
  std::string url;
  {
    HttpsTestServer gone([](const TestRequest&) { return attendance_answer(); });
    url = gone.url();
  }  // nothing listens on that port any more
  AdapterHarness h;
  HttpAdapter adapter(h.endpoint(url));
  auto r = h.run(adapter.fetch(veeti_request(), in(Millis(10'000))));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().message.find("cannot connect") != std::string::npos);
  REQUIRE(h.count("adapter_call_failed") == 1);
  CHECK(h.events().back().fields["attempts"] == 3);
}

TEST_CASE("5xx answers are retried within bounds", "[adapters][http]") {
  std::atomic<int> calls{0};
  std::atomic<int> fail_first{100};
  HttpsTestServer server([&](const TestRequest&) {
    if (calls++ < fail_first) return TestResponse::problem(503, "unavailable", "Down");
    return attendance_answer();
  });
  AdapterHarness h;
  HttpAdapter adapter(h.endpoint(server.url()));
  SECTION("always 503: three attempts, then the failure") {
    auto r = h.run(adapter.fetch(veeti_request(), in(Millis(10'000))));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kUnavailable);
    CHECK(r.error().message.find("HTTP 503 unavailable") != std::string::npos);
    CHECK(calls == 3);
  }
  SECTION("503 once: the retry succeeds") {
    fail_first = 1;
    auto r = h.run(adapter.fetch(veeti_request(), in(Millis(10'000))));
    REQUIRE(r.ok());
    CHECK(calls == 2);
    CHECK(h.count("adapter_call_failed") == 0);
  }
}

TEST_CASE("a pooled connection the system dropped is replaced transparently", "[adapters][http]") {
  HttpsTestServer server([](const TestRequest&) {
    auto r = attendance_answer();
    r.drop_connection = true;  // closes after answering, without saying so
    return r;
  });
  AdapterHarness h;
  EndpointSettings settings;
  settings.retry.max_attempts = 1;  // only the transparent reconnect can save these calls
  HttpAdapter adapter(h.endpoint(server.url(), settings));
  for (int i = 0; i < 3; ++i) {
    auto r = h.run(adapter.fetch(veeti_request(), in(Millis(10'000))));
    REQUIRE(r.ok());
  }
  CHECK(server.connections() == 3);
  CHECK(h.count("adapter_call_failed") == 0);
}

TEST_CASE("extra categories in an answer are dropped and logged", "[adapters][http][filter]") {
  HttpsTestServer server([](const TestRequest&) {
    return attendance_answer(
        {{"mh_diagnosis", {{{"code", "F32.1"}}}}, {"010180+950R", {{{"leak", true}}}}});
  });
  AdapterHarness h;
  // An empty config builds a set that reports to the harness; the adapter is added by hand.
  auto built = AdapterSet::build(AdaptersConfig{},
                                 BuildOptions{h.executor(), {}, {}, {}, h.sink(), nullptr, {}});
  built.add("kokkola-perusopetus", std::make_shared<HttpAdapter>(h.endpoint(server.url())));
  auto r = h.run(built.fetch(veeti_request(), in(Millis(10'000))));
  REQUIRE(r.ok());
  CHECK(r->categories.size() == 1);
  CHECK(r->categories.count("school_attendance") == 1);
  REQUIRE(h.count("adapter_extra_categories_dropped") == 1);
  for (const auto& e : h.events()) {
    if (e.name != "adapter_extra_categories_dropped") continue;
    CHECK(e.fields["categories"] == json::array({"mh_diagnosis"}));
    CHECK(e.fields["other_keys"] == 1);
    CHECK(e.fields["request_id"] == "gw-test-1");
  }
  CHECK_FALSE(std::regex_search(h.events_text(), identity_code_pattern()));
}

TEST_CASE("answers out of contract are clear errors", "[adapters][http]") {
  std::atomic<int> mode{0};
  HttpsTestServer server([&](const TestRequest& req) {
    switch (mode.load()) {
      case 0:
        return TestResponse::json(200, "{\"subject_known\": true, \"categories\": {");
      case 1:
        return TestResponse::json(200, R"({"subject_known": true, "categories": {}})");
      case 2:
        return TestResponse::json(
            200, R"({"subject_known": true, "categories": {"school_attendance": "lots"}})");
      case 3: {
        auto r = TestResponse::problem(400, "unknown-category", "Unknown category");
        r.body = R"({"type":"urn:silta:problem:unknown-category","title":"Unknown category",)"
                 R"("status":400,"detail":"no such category for 110213A913H"})";
        return r;
      }
      case 4:
        return TestResponse::json(200, req.body);  // an echo: not a fetch answer at all
      default: {
        // A record nested a million levels deep (2 MB, within the response limit): copying or
        // printing such a document recurses once per level and overflows the stack.
        std::string deep = R"({"subject_known": true, "categories": {"school_attendance": [{"x": )";
        deep += std::string(1'000'000, '[') + std::string(1'000'000, ']') + "}]}}";
        return TestResponse::json(200, std::move(deep));
      }
    }
  });
  AdapterHarness h;
  HttpAdapter adapter(h.endpoint(server.url()));
  auto fetch = [&](int m) {
    mode = m;
    auto r = h.run(adapter.fetch(veeti_request(), in(Millis(10'000))));
    REQUIRE_FALSE(r.ok());
    // A refusal (4xx) is permanent; an answer out of contract may be a passing fault.
    CHECK(r.error().code == (m == 3 ? ErrorCode::kFailedPrecondition : ErrorCode::kUnavailable));
    CHECK_FALSE(std::regex_search(r.error().message, identity_code_pattern()));
    return r.error().message;
  };
  CHECK(fetch(0).find("out of contract (fetch): not valid JSON (at byte ") != std::string::npos);
  CHECK(fetch(1).find("the requested category school_attendance is missing") != std::string::npos);
  CHECK(fetch(2).find("/categories/school_attendance: expected an array") != std::string::npos);
  auto refused = fetch(3);
  CHECK(refused.find("refused the fetch request: HTTP 400 unknown-category") != std::string::npos);
  CHECK(refused.find("[identity code]") != std::string::npos);
  CHECK(fetch(4).find("/subject_known: required") != std::string::npos);
  CHECK(fetch(5).find("out of contract (fetch): /categories: nested deeper than 64 levels") !=
        std::string::npos);
  CHECK(h.count("adapter_protocol_violation") == 5);
  CHECK_FALSE(std::regex_search(h.events_text(), identity_code_pattern()));
  // Answers out of contract do not trip the circuit: the system is up.
  CHECK(adapter.endpoint().breaker().state() == CircuitState::kClosed);
}

TEST_CASE("a DNS host name is resolved, sent as SNI and verified", "[adapters][http][tls]") {
  HttpsTestServer good([](const TestRequest& req) {
    // SNI is not visible here; the Host header carries the name the client used.
    CHECK(req.header("host") == "localhost:" + req.header("x-expected-port"));
    return attendance_answer();
  });
  AdapterHarness h;
  auto by_name = "https://localhost:" + std::to_string(good.port());
  HttpsClient client(
      h.executor(),
      *make_client_tls_context(certs_dir() / "root-ca.pem", certs_dir() / "gateway.pem",
                               certs_dir() / "gateway.key"),
      *parse_https_url(by_name, false), {});
  HttpCall call;
  call.target = "/silta-adapter/v1/health";
  call.headers = {{"X-Expected-Port", std::to_string(good.port())}};
  auto ok = h.run(client.send(call, in(Millis(10'000))));
  REQUIRE(ok.ok());
  CHECK(ok->status == 200);

  HttpsTestServer wrong([](const TestRequest&) { return attendance_answer(); },
                        {"adapter-wrong-host", true});
  HttpAdapter adapter(h.endpoint("https://localhost:" + std::to_string(wrong.port())));
  auto r = h.run(adapter.fetch(veeti_request(), in(Millis(10'000))));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("hostname mismatch") != std::string::npos);
}
