// The routes the gateway serves on its API listener and the operations docs/openapi.yaml
// documents are the same set: a route added without documentation, or documented without
// existing, fails here.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "gateway/api/routes.h"
#include "tests/support/temp_dir.h"

using namespace silta;
using namespace silta::gateway;

namespace {

using Operation = std::pair<std::string, std::string>;  // {"GET", "/v1/consents/{id}"}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A reader of exactly the `paths:` block of an OpenAPI document written in block style: a
// path is a key indented by two spaces ("  /v1/consents/{id}:"), its operations are keys
// indented by four ("    get:"). Anything else at those two levels that is not a path-item
// member makes the reader fail loudly rather than miss a route.
std::set<Operation> documented_operations(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  static const std::regex path_line(R"(^  (/[^\s:]*):\s*(#.*)?$)");
  static const std::regex member_line(R"(^    ([A-Za-z$][A-Za-z0-9_$-]*):.*$)");
  static const std::set<std::string> methods = {"get",   "put",  "post",    "delete",
                                                "patch", "head", "options", "trace"};
  static const std::set<std::string> other_members = {"summary", "description", "parameters",
                                                      "servers", "$ref"};
  std::set<Operation> out;
  bool in_paths = false;
  std::string path;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.find_first_not_of(' ') == std::string::npos) continue;
    auto indent = line.find_first_not_of(' ');
    if (line[indent] == '#') continue;
    if (indent == 0) {
      in_paths = line.rfind("paths:", 0) == 0;
      if (in_paths && line != "paths:") {
        throw std::runtime_error("line " + std::to_string(number) + ": expected a block `paths:`");
      }
      continue;
    }
    if (!in_paths) continue;
    std::smatch m;
    if (indent == 2) {
      if (!std::regex_match(line, m, path_line)) {
        throw std::runtime_error("line " + std::to_string(number) +
                                 ": expected a path key like `  /v1/x:`: " + line);
      }
      path = m[1];
    } else if (indent == 4) {
      if (!std::regex_match(line, m, member_line)) {
        throw std::runtime_error("line " + std::to_string(number) +
                                 ": expected a path item member: " + line);
      }
      std::string key = m[1];
      if (methods.count(key)) {
        out.emplace(upper(key), path);
      } else if (!other_members.count(key)) {
        throw std::runtime_error("line " + std::to_string(number) + ": unknown member " + key);
      }
    }
  }
  return out;
}

std::set<Operation> served_operations() {
  Router router;
  Services services;  // the handlers hold a pointer; nothing is called here
  add_api_routes(router, services);
  std::set<Operation> out;
  for (const auto& route : router.routes()) {
    out.emplace(upper(std::string(http::to_string(route.method))), route.pattern);
  }
  return out;
}

std::string show(const std::set<Operation>& ops) {
  std::ostringstream s;
  for (const auto& [method, path] : ops) s << "  " << method << " " << path << "\n";
  return s.str();
}

}  // namespace

TEST_CASE("docs/openapi.yaml documents exactly the routes the API listener serves", "[openapi]") {
  auto documented = documented_operations(test::source_dir() / "docs" / "openapi.yaml");
  auto served = served_operations();
  REQUIRE_FALSE(served.empty());
  // Both use the same template syntax: a path parameter is a segment "{name}".
  std::set<Operation> undocumented, phantom;
  for (const auto& op : served) {
    if (!documented.count(op)) undocumented.insert(op);
  }
  for (const auto& op : documented) {
    if (!served.count(op)) phantom.insert(op);
  }
  INFO("served but not in docs/openapi.yaml:\n" << show(undocumented));
  INFO("in docs/openapi.yaml but not served:\n" << show(phantom));
  CHECK(undocumented.empty());
  CHECK(phantom.empty());
}

TEST_CASE("the openapi paths reader finds every operation and refuses what it cannot read",
          "[openapi]") {
  test::TempDir dir("silta-openapi");
  auto write = [&](const std::string& text) {
    auto file = dir.path() / "doc.yaml";
    std::ofstream(file) << text;
    return file;
  };
  auto ops =
      documented_operations(write("openapi: 3.1.0\n"
                                  "paths:\n"
                                  "  /v1/a:\n"
                                  "    get:\n"
                                  "      summary: x\n"
                                  "      responses: {}\n"
                                  "    post:\n"
                                  "      responses: {}\n"
                                  "  # a comment\n"
                                  "  /v1/a/{id}/b:\n"
                                  "    parameters: []\n"
                                  "    delete:\n"
                                  "      responses: {}\n"
                                  "components:\n"
                                  "  schemas:\n"
                                  "    X:\n"
                                  "      get: {}\n"));
  CHECK(ops ==
        std::set<Operation>{{"GET", "/v1/a"}, {"POST", "/v1/a"}, {"DELETE", "/v1/a/{id}/b"}});
  CHECK_THROWS(documented_operations(write("paths:\n  \"/v1/quoted\":\n    get: {}\n")));
  CHECK_THROWS(documented_operations(write("paths: {/v1/a: {get: {}}}\n")));
  CHECK_THROWS(documented_operations(write("paths:\n  /v1/a:\n    gett: {}\n")));
}
