// The refusal of a browser's requests from another site, over real mutual TLS
// (gateway/http/same_origin.h, docs/api.md "Calls from a browser").
#include <catch2/catch.hpp>

#include "tests/support/gateway_process.h"

using namespace silta;

namespace {

constexpr const char* kReviewBody =
    R"({"actor": "po-test", "verdict": "justified", "note": "checked"})";

// The audit log's refused clients with the outcome `cross_origin`, as the officer sees them.
std::size_t cross_origin_refusals(const test::GatewayProcess& gw) {
  auto page =
      gw.client("soite-tietosuoja").get("/v1/audit/records?actor=t&event_type=auth-failure").json();
  std::size_t n = 0;
  for (const auto& r : page["records"]) n += r.value("outcome", "") == "cross_origin";
  return n;
}

}  // namespace

TEST_CASE("a browser's state-changing request from another site is refused and audited",
          "[same-origin]") {
  test::GatewayProcess gw;
  const std::string path = "/v1/audit/break-glass/b-none/review";
  const std::string own = "127.0.0.1:" + std::to_string(gw.port());
  auto post = [&](std::map<std::string, std::string> headers) {
    headers["Host"] = own;
    return gw.client("soite-tietosuoja").request("POST", path, kReviewBody, headers);
  };

  // Not a browser (agency systems, curl): no Origin, no Sec-Fetch-Site; the route answers.
  CHECK(post({}).status == 404);
  // The console itself: same origin.
  CHECK(post({{"Origin", "https://" + own}, {"Sec-Fetch-Site", "same-origin"}}).status == 404);

  auto from_elsewhere = post({{"Origin", "https://evil.example"}});
  CHECK(from_elsewhere.status == 403);
  CHECK(from_elsewhere.json()["type"] == "urn:silta:problem:cross-origin-request");
  CHECK(post({{"Origin", "null"}}).status == 403);
  CHECK(post({{"Origin", "http://" + own}}).status == 403);  // another scheme, another origin
  CHECK(post({{"Sec-Fetch-Site", "cross-site"}}).status == 403);
  CHECK(post({{"Sec-Fetch-Site", "same-site"}}).status == 403);
  // A form posted from another site is a navigation, and still refused.
  CHECK(post({{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "navigate"}}).status == 403);

  // Reads: another site may link to the gateway (a navigation) but not make its page fetch.
  auto po = gw.client("soite-tietosuoja");
  const std::string read = "/v1/audit/checkpoint?actor=t";
  CHECK(
      po.request("GET", read, "", {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "no-cors"}})
          .status == 403);
  CHECK(po.request("GET", read, "",
                   {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "navigate"}})
            .status == 200);
  CHECK(po.request("GET", read, "", {{"Sec-Fetch-Site", "same-origin"}, {"Sec-Fetch-Mode", "cors"}})
            .status == 200);

  // Each refusal is a refused client in the audit log, with the route.
  CHECK(test::eventually([&] { return cross_origin_refusals(gw) == 7; }));
}
