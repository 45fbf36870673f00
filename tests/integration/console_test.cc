// The console's files over real mutual TLS (gateway/api/console.h).
#include <catch2/catch.hpp>
#include <fstream>

#include "tests/support/gateway_process.h"

using namespace silta;

TEST_CASE("the console is served to a privacy officer with strict security headers", "[console]") {
  test::GatewayProcess gw;
  auto po = gw.client("soite-tietosuoja");
  auto index = po.get("/console/");
  REQUIRE(index.status == 200);
  CHECK(index.header("content-type") == "text/html; charset=utf-8");
  CHECK(index.body.find(R"(<script type="module" src="main.js">)") != std::string::npos);
  const auto csp = index.header("content-security-policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self'") != std::string::npos);
  CHECK(csp.find("style-src 'self'") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(index.header("x-content-type-options") == "nosniff");
  CHECK(index.header("referrer-policy") == "no-referrer");
  CHECK(index.header("x-frame-options") == "DENY");
  CHECK(index.header("cache-control") == "private, no-cache");
  const auto etag = index.header("etag");
  CHECK(etag.size() == 66);  // a quoted SHA-256

  auto js = po.get("/console/main.js");
  CHECK(js.status == 200);
  CHECK(js.header("content-type") == "text/javascript; charset=utf-8");
  CHECK(js.header("content-security-policy") == csp);
  CHECK(po.get("/console/views/search.js").status == 200);
  CHECK(po.get("/console/app.css").header("content-type") == "text/css; charset=utf-8");
  CHECK(po.get("/console/icon.svg").header("content-type") == "image/svg+xml");

  // Revalidation costs a 304 without the body.
  auto again = po.request("GET", "/console/", "", {{"If-None-Match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.header("etag") == etag);

  auto bare = po.get("/console");
  CHECK(bare.status == 308);
  CHECK(bare.header("location") == "/console/");
}

TEST_CASE("the console serves its manifest and nothing else, to privacy officers only",
          "[console]") {
  test::GatewayProcess gw;
  auto po = gw.client("soite-tietosuoja");
  for (const char* path :
       {"/console/index.html", "/console/../v1/whoami", "/console/%2e%2e/x", "/console/main.js/",
        "/console//main.js", "/console/MAIN.JS", "/console/main.js.map", "/console/src/main.js",
        "/console/README.md", "/console/views/", "/console/views/../main.js"}) {
    auto r = po.get(path);
    INFO(path);
    CHECK(r.status == 404);
  }
  auto agency = gw.client("soite-lastensuojelu").get("/console/");
  CHECK(agency.status == 403);
  CHECK(agency.json()["type"] == "urn:silta:problem:forbidden");
}

TEST_CASE(
    "console.enabled false serves no console, and a console.assets_dir without the console "
    "stops the start",
    "[console]") {
  test::GatewayProcess off(nlohmann::json{{"console", {{"enabled", false}}}});
  CHECK(off.client("soite-tietosuoja").get("/console/").status == 404);

  test::TempDir empty("silta-console");
  std::ofstream(empty / "main.js") << "export {};";
  try {
    test::GatewayProcess gw(nlohmann::json{{"console", {{"assets_dir", empty.path().string()}}}});
    FAIL("the gateway started without the console's files");
  } catch (const std::runtime_error& e) {
    const std::string log = e.what();
    CHECK(log.find("console.assets_dir") != std::string::npos);
    CHECK(log.find("has no index.html") != std::string::npos);
  }
}
