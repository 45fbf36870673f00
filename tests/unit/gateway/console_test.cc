// The console's files and its config section (gateway/api/console.h, gateway/config.h).
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <vector>

#include "gateway/api/console.h"
#include "tests/support/gateway_process.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::gateway;

namespace {

// A console directory: the page, two modules (one in a subdirectory) and what is not served.
void write_console(const test::TempDir& dir) {
  std::filesystem::create_directories(dir / "views");
  std::ofstream(dir / "index.html") << "<!doctype html>";
  std::ofstream(dir / "main.js") << "import './views/a.js';";
  std::ofstream(dir / "views" / "a.js") << "export const a = 1;";
  std::ofstream(dir / "app.css") << "body {}";
  std::ofstream(dir / "README.md") << "not served";
  std::ofstream(dir / "secret.txt") << "never served";
}

}  // namespace

TEST_CASE("the console's files are read whole, each with its route, type and ETag", "[console]") {
  test::TempDir dir("silta-console");
  write_console(dir);
  std::filesystem::create_symlink(dir / "secret.txt", dir / "linked.js");
  auto assets = load_console_assets(dir.path());
  REQUIRE(assets);
  std::vector<std::string> routes;
  for (const auto& f : assets->files) routes.push_back(f.route);
  CHECK(routes == std::vector<std::string>{"/console/", "/console/app.css", "/console/main.js",
                                           "/console/views/a.js"});
  CHECK(assets->files[0].content_type == "text/html; charset=utf-8");
  CHECK(assets->files[0].body == "<!doctype html>");
  CHECK(assets->files[0].etag.size() == 66);  // a quoted SHA-256
  CHECK(assets->files[1].content_type == "text/css; charset=utf-8");
  CHECK(assets->files[3].content_type == "text/javascript; charset=utf-8");
  CHECK(assets->files[3].body == "export const a = 1;");
  CHECK(assets->files[3].etag != assets->files[2].etag);
}

TEST_CASE("a console without index.html, with an oversized file or too many files is refused",
          "[console]") {
  test::TempDir dir("silta-console");
  auto none = load_console_assets(dir / "missing");
  REQUIRE_FALSE(none);
  CHECK(none.error().message.find("missing cannot be read") != std::string::npos);

  write_console(dir);
  std::filesystem::remove(dir / "index.html");
  auto no_index = load_console_assets(dir.path());
  REQUIRE_FALSE(no_index);
  CHECK(no_index.error().message.find("has no index.html") != std::string::npos);

  write_console(dir);
  std::filesystem::resize_file(dir / "main.js", (4u << 20) + 1);
  auto big = load_console_assets(dir.path());
  REQUIRE_FALSE(big);
  CHECK(big.error().message.find("main.js is larger than 4 MiB") != std::string::npos);

  write_console(dir);
  for (int i = 0; i < 61; ++i) std::ofstream(dir / ("m" + std::to_string(i) + ".js")) << i;
  auto many = load_console_assets(dir.path());
  REQUIRE_FALSE(many);
  CHECK(many.error().message.find("more than 64 files") != std::string::npos);
}

TEST_CASE("the built console is where the silta executable looks for it", "[console]") {
  // The build copies console/src to the executable's ../share/silta/console, as installed.
  auto dir = (test::silta_binary().parent_path() / ".." / "share" / "silta" / "console");
  auto assets = load_console_assets(dir.lexically_normal());
  REQUIRE(assets);
  std::set<std::string> routes;
  for (const auto& f : assets->files) routes.insert(f.route);
  for (const char* route : {"/console/", "/console/main.js", "/console/app.css",
                            "/console/texts.js", "/console/views/search.js"}) {
    INFO(route);
    CHECK(routes.contains(route));
  }
}

TEST_CASE("config: the console section", "[config][console]") {
  test::TempDir dir;
  auto doc = test::gateway_test_config(dir.path());
  json_check::Issues issues;
  Config c = parse_config(doc, dir.path(), issues);
  REQUIRE(issues.empty());
  CHECK(c.console.enabled);
  CHECK_FALSE(c.console.assets_dir);

  doc["console"] = {{"enabled", false}, {"assets_dir", "console-files"}, {"colour", 1}};
  json_check::Issues bad;
  parse_config(doc, dir.path(), bad);
  std::map<std::string, std::string> by_path;
  for (const auto& i : bad.list()) by_path[i.path] = i.message.en;
  CHECK(by_path["/console/assets_dir"].find("console-files is not one") != std::string::npos);
  CHECK(by_path["/console/colour"] == "unknown key");

  std::filesystem::create_directory(dir / "console-files");
  doc["console"].erase("colour");
  json_check::Issues good;
  Config relative = parse_config(doc, dir.path(), good);
  CHECK(good.empty());
  CHECK_FALSE(relative.console.enabled);
  CHECK(relative.console.assets_dir == dir / "console-files");
}
