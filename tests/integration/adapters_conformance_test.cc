// The conformance kit: the demo adapter served over the protocol passes; adapters broken on
// purpose fail exactly the checks that cover what is broken.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <mutex>
#include <set>

#include "adapters/categories.h"
#include "adapters/conformance.h"
#include "adapters/demo_adapter.h"
#include "adapters/protocol.h"
#include "adapters/protocol_service.h"
#include "tests/support/adapter_process.h"
#include "tests/support/https_test_server.h"
#include "tests/support/process.h"

using namespace silta;
using namespace silta::adapters;
using namespace silta::test;
using nlohmann::json;

namespace {

const std::vector<std::string> kAllChecks = {"tls.host_name",
                                             "tls.client_certificate_required",
                                             "tls.other_client_refused",
                                             "version.discovery",
                                             "version.unsupported",
                                             "health.shape",
                                             "fetch.shape",
                                             "fetch.only_requested",
                                             "fetch.unknown_subject",
                                             "fetch.unknown_category",
                                             "errors.malformed_json",
                                             "errors.invalid_request",
                                             "deliver.idempotent",
                                             "deliver.conflict",
                                             "latency.small_load"};

std::vector<std::string> check_command(const std::string& url) {
  auto certs = certs_dir();
  return {silta_binary().string(),
          "adapter",
          "check",
          "--url",
          url,
          "--ca",
          (certs / "root-ca.pem").string(),
          "--cert",
          (certs / "gateway.pem").string(),
          "--key",
          (certs / "gateway.key").string(),
          "--other-cert",
          (certs / "soite-lastensuojelu.pem").string(),
          "--other-key",
          (certs / "soite-lastensuojelu.key").string(),
          "--requests",
          "60"};
}

ConformanceOptions options(const std::string& url) {
  auto certs = certs_dir();
  ConformanceOptions o;
  o.url = url;
  o.ca = certs / "root-ca.pem";
  o.certificate = certs / "gateway.pem";
  o.private_key = certs / "gateway.key";
  o.other_certificate = certs / "soite-lastensuojelu.pem";
  o.other_private_key = certs / "soite-lastensuojelu.key";
  o.load_requests = 40;
  return o;
}

std::set<std::string> with_outcome(const ConformanceReport& r, CheckOutcome outcome) {
  std::set<std::string> out;
  for (const auto& c : r.checks) {
    if (c.outcome == outcome) out.insert(c.id);
  }
  return out;
}

// What is broken in a test adapter service.
struct Faults {
  bool extra_categories = false;        // answers every category it has, asked or not
  bool unknown_subject_is_404 = false;  // instead of subject_known false
  bool ignores_unknown_categories = false;
  bool malformed_json_is_500 = false;
  bool no_error_list = false;   // 400 without the errors array
  bool not_idempotent = false;  // a new receipt for every delivery
  bool version_404_as_html = false;
  bool serves_any_client = false;  // any federation certificate, not only the gateway's
};

// The demo adapter behind the protocol service, with the given faults on top.
TestHandler adapter_service(Faults faults) {
  auto service = std::make_shared<ProtocolService>(DemoAdapter::builtin());
  auto counter = std::make_shared<std::atomic<int>>(0);
  const std::string gateway = certificate_sha256((certs_dir() / "gateway.pem").string());
  return [service, faults, counter, gateway](const TestRequest& req) -> TestResponse {
    if (!faults.serves_any_client && !req.client_certificate_sha256.empty() &&
        req.client_certificate_sha256 != gateway) {
      return TestResponse::problem(403, "forbidden", "Only the gateway may call");
    }
    auto run = [](boost::asio::awaitable<ServiceReply> coro) {
      boost::asio::io_context ioc;
      auto f = boost::asio::co_spawn(ioc, std::move(coro), boost::asio::use_future);
      ioc.run();
      return f.get();
    };
    auto to_test = [](const ServiceReply& r) {
      TestResponse t;
      t.status = r.status;
      t.content_type = r.content_type;
      t.body = r.body;
      return t;
    };
    const std::string referrals(protocol::kReferralsPath);
    auto body = json::parse(req.body, nullptr, false);
    if ((req.method == "POST" || req.method == "PUT") && body.is_discarded()) {
      if (faults.malformed_json_is_500) {
        TestResponse t;
        t.status = 500;
        t.content_type = "text/plain";
        t.body = "SyntaxError: Unexpected end of JSON input";
        return t;
      }
      return TestResponse::problem(400, "malformed-json", "The body is not valid JSON");
    }
    if (req.method == "GET" && req.target == protocol::kVersionsPath) {
      return to_test(service->versions());
    }
    if (req.method == "GET" && req.target == protocol::kHealthPath) {
      return to_test(run(service->health()));
    }
    if (req.method == "POST" && req.target == protocol::kFetchPath) {
      if (faults.ignores_unknown_categories && body.contains("categories")) {
        json known = json::array();
        for (const auto& c : body["categories"]) {
          if (is_catalog_category(c.get<std::string>())) known.push_back(c);
        }
        if (known.empty()) {
          return TestResponse::json(200, R"({"subject_known": true, "categories": {}})");
        }
        body["categories"] = known;
      }
      if (faults.extra_categories && body.contains("categories")) {
        for (const char* c : {"identity_contact", "school_attendance", "grades"}) {
          if (std::find(body["categories"].begin(), body["categories"].end(), c) ==
              body["categories"].end()) {
            body["categories"].push_back(c);
          }
        }
      }
      auto r = to_test(run(service->fetch(body)));
      if (faults.unknown_subject_is_404 && r.status == 200 &&
          json::parse(r.body)["subject_known"] == false) {
        return TestResponse::problem(404, "unknown-subject", "No such person");
      }
      if (faults.no_error_list && r.status == 400) {
        auto doc = json::parse(r.body);
        doc.erase("errors");
        r.body = doc.dump();
      }
      return r;
    }
    if (req.method == "PUT" && req.target.rfind(referrals, 0) == 0) {
      auto id = req.target.substr(referrals.size());
      if (faults.not_idempotent) {
        body["id"] = id + "-" + std::to_string((*counter)++);
        auto r = to_test(run(service->deliver(body["id"].get<std::string>(), body)));
        auto doc = json::parse(r.body, nullptr, false);
        if (doc.is_object() && doc.contains("referral_id")) doc["referral_id"] = id;
        r.body = doc.dump();
        return r;
      }
      return to_test(run(service->deliver(id, body)));
    }
    if (faults.version_404_as_html) {
      TestResponse t;
      t.status = 404;
      t.content_type = "text/html";
      t.body = "<h1>Not Found</h1>";
      return t;
    }
    return TestResponse::problem(404, "not-found", "Not found");
  };
}

}  // namespace

TEST_CASE("the demo adapter served over the protocol passes the conformance kit",
          "[adapters][conformance]") {
  AdapterServiceProcess service;
  auto result = run_command(check_command(service.url()));
  INFO(result.output);
  CHECK(result.status == 0);
  for (const auto& id : kAllChecks) {
    CHECK(result.output.find("PASS  " + id) != std::string::npos);
  }
  CHECK(result.output.find("15 passed, 0 failed, 0 skipped") != std::string::npos);
}

TEST_CASE("the kit's own reference service passes in process", "[adapters][conformance]") {
  HttpsTestServer server(adapter_service(Faults{}));
  auto report = run_conformance(options(server.url()));
  INFO(report.format());
  CHECK(report.passed());
  CHECK(with_outcome(report, CheckOutcome::kPass).size() == kAllChecks.size());
}

TEST_CASE("a deliberately broken adapter fails exactly the checks for what is broken",
          "[adapters][conformance]") {
  Faults all;
  all.extra_categories = true;
  all.unknown_subject_is_404 = true;
  all.ignores_unknown_categories = true;
  all.malformed_json_is_500 = true;
  all.no_error_list = true;
  all.not_idempotent = true;
  all.version_404_as_html = true;
  HttpsTestServer server(adapter_service(all));
  auto report = run_conformance(options(server.url()));
  INFO(report.format());
  CHECK_FALSE(report.passed());
  CHECK(with_outcome(report, CheckOutcome::kFail) ==
        std::set<std::string>{"version.unsupported", "fetch.only_requested",
                              "fetch.unknown_subject", "fetch.unknown_category",
                              "errors.malformed_json", "errors.invalid_request",
                              "deliver.idempotent", "deliver.conflict"});
  CHECK(with_outcome(report, CheckOutcome::kPass) ==
        std::set<std::string>{"tls.host_name", "tls.client_certificate_required",
                              "tls.other_client_refused", "version.discovery", "health.shape",
                              "fetch.shape", "latency.small_load"});
  // The reasons say what is wrong.
  CHECK(report.find("fetch.only_requested")->reason ==
        "asked for [identity_contact], got [grades, identity_contact, school_attendance]");
  CHECK(
      report.find("fetch.unknown_subject")->reason ==
      "expected HTTP 200, got 404: " +
          std::string(
              R"({"type":"urn:silta:problem:unknown-subject","title":"No such person","status":404})"));
  CHECK(report.find("errors.malformed_json")->reason == "expected HTTP 400, got 500");
  CHECK(report.find("errors.invalid_request")->reason ==
        "expected an errors entry with \"pointer\": \"/subject\"");
  CHECK(report.find("deliver.idempotent")->reason.find("expected HTTP 200, got 201") !=
        std::string::npos);
  CHECK(report.find("version.unsupported")->reason.find("application/problem+json") !=
        std::string::npos);

  // The command line says the same and exits 1.
  auto cli = run_command(check_command(server.url()));
  CHECK(cli.status == 1);
  CHECK(cli.output.find("FAIL  fetch.only_requested") != std::string::npos);
  CHECK(cli.output.find("7 passed, 8 failed, 0 skipped") != std::string::npos);
}

TEST_CASE("each fault alone fails its own check", "[adapters][conformance]") {
  auto one = [](Faults f) {
    HttpsTestServer server(adapter_service(f));
    auto report = run_conformance(options(server.url()));
    return with_outcome(report, CheckOutcome::kFail);
  };
  Faults f;
  f.extra_categories = true;
  CHECK(one(f) == std::set<std::string>{"fetch.only_requested"});
  f = {};
  f.not_idempotent = true;
  CHECK(one(f) == std::set<std::string>{"deliver.idempotent", "deliver.conflict"});
  f = {};
  f.ignores_unknown_categories = true;
  CHECK(one(f) == std::set<std::string>{"fetch.unknown_category"});
  f = {};
  f.serves_any_client = true;
  CHECK(one(f) == std::set<std::string>{"tls.other_client_refused"});
}

TEST_CASE(
    "every fetch of the kit has its own request id, in the body and in X-Request-Id, "
    "and carries the catalog",
    "[adapters][conformance]") {
  auto reference = adapter_service(Faults{});
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> ids;  // body, header
  std::set<std::string> categories_headers;
  HttpsTestServer server([&](const TestRequest& req) {
    if (req.method == "POST" && req.target == protocol::kFetchPath) {
      auto body = json::parse(req.body, nullptr, false);
      std::lock_guard lock(mu);
      if (body.is_object() && body.contains("request_id") && body["request_id"].is_string()) {
        ids.emplace_back(body["request_id"].get<std::string>(), req.header("x-request-id"));
      }
      categories_headers.insert(req.header("silta-catalog-categories"));
    }
    return reference(req);
  });
  auto o = options(server.url());
  o.catalog.version = "2026.1";
  auto report = run_conformance(o);
  INFO(report.format());
  CHECK(report.passed());
  std::lock_guard lock(mu);
  REQUIRE(ids.size() > static_cast<std::size_t>(o.load_requests));
  std::set<std::string> distinct;
  for (const auto& [body, header] : ids) {
    CHECK(body == header);
    distinct.insert(body);
  }
  CHECK(distinct.size() == ids.size());
  REQUIRE(categories_headers.size() == 1);
  CHECK(protocol::categories_of_header(*categories_headers.begin()).size() ==
        catalog_categories().size());
}

TEST_CASE("an agency that receives no referrals (registry) is not asked to take one",
          "[adapters][conformance]") {
  std::atomic<int> deliveries{0};
  auto reference = adapter_service(Faults{});
  HttpsTestServer server([&](const TestRequest& req) {
    if (req.method == "PUT") {
      ++deliveries;
      return TestResponse::problem(404, "not-found", "Not found");
    }
    return reference(req);
  });
  auto o = options(server.url());
  o.agency = "kokkola-perusopetus";
  o.agencies_without_referrals = {"kokkola-perusopetus"};
  auto report = run_conformance(o);
  INFO(report.format());
  CHECK(report.passed());
  CHECK(deliveries == 0);
  REQUIRE(report.find("deliver.idempotent") != nullptr);
  CHECK(report.find("deliver.idempotent")->outcome == CheckOutcome::kSkip);
  CHECK(report.find("deliver.idempotent")->reason ==
        "the registry says kokkola-perusopetus receives no referrals");
}

TEST_CASE("an adapter that lets clients in without a certificate fails that check",
          "[adapters][conformance][tls]") {
  HttpsTestServer server(adapter_service(Faults{}), {"adapter", false});
  auto report = run_conformance(options(server.url()));
  INFO(report.format());
  // Asking for no certificate, it cannot tell the gateway from another federation member either.
  CHECK(with_outcome(report, CheckOutcome::kFail) ==
        std::set<std::string>{"tls.client_certificate_required", "tls.other_client_refused"});
  CHECK(report.find("tls.client_certificate_required")->reason ==
        "answered HTTP 200 to a client without a certificate");
}

TEST_CASE("an adapter whose certificate names another host fails tls.host_name",
          "[adapters][conformance][tls]") {
  AdapterServiceProcess service("adapter-wrong-host");
  auto result = run_command(check_command(service.url()));
  INFO(result.output);
  CHECK(result.status == 1);
  CHECK(result.output.find("FAIL  tls.host_name") != std::string::npos);
  CHECK(result.output.find("mismatch") != std::string::npos);
  CHECK(result.output.find("0 passed, 1 failed, 14 skipped") != std::string::npos);
}

TEST_CASE("the kit reports an unreachable adapter and bad arguments clearly",
          "[adapters][conformance]") {
  std::string url;
  {
    HttpsTestServer gone(adapter_service(Faults{}));
    url = gone.url();
  }
  auto report = run_conformance(options(url));
  REQUIRE(report.find("tls.host_name") != nullptr);
  CHECK(report.find("tls.host_name")->outcome == CheckOutcome::kFail);
  CHECK(report.find("tls.host_name")->reason.find("cannot connect") != std::string::npos);

  auto bad_url = run_command(check_command("http://127.0.0.1:1"));
  CHECK(bad_url.status == 1);
  CHECK(bad_url.output.find("expected an https:// URL") != std::string::npos);

  auto cmd = check_command("https://127.0.0.1:1");
  cmd[6] = "/nonexistent/ca.pem";
  CHECK(run_command(cmd).status == 2);  // argument validation
}
