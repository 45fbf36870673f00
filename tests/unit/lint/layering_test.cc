// Dependencies point one way (docs/architecture.md, "Modules and their direction"): a module
// includes only itself and the modules below it, and inside gateway/ a room includes only
// itself and the rooms below it. This reads every product source (not tests/ or bench/) and
// names each include that points the wrong way, so that a cycle cannot creep in.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

// The modules, lowest first. Equal ranks are siblings: neither may include the other.
const std::map<std::string, int>& module_ranks() {
  static const std::map<std::string, int> ranks = {
      {"common", 0}, {"policy", 1}, {"audit", 1}, {"adapters", 1}, {"store", 2}, {"gateway", 3},
  };
  return ranks;
}

// The rooms of gateway/, lowest first; http/ and services are siblings. A room that is a folder
// ends in '/'.
const std::map<std::string, int>& room_ranks() {
  static const std::map<std::string, int> ranks = {
      {"base", 0}, {"http/", 1}, {"services", 1}, {"witness/", 2},
      {"api/", 3}, {"app", 4},   {"cli/", 5},
  };
  return ranks;
}

// The room of a file of gateway/ ("gateway/http/server.cc" → http/). The files at gateway/ itself
// are told apart by name, so that a file split off another ("services_store.cc") keeps its room.
std::optional<std::string> room_of(const std::string& path) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> top_level = {
      {"base", {"config", "registry", "metrics", "logging", "async", "referral_rules"}},
      {"services", {"services", "audit_indexer", "referral_worker"}},
      {"app", {"app", "auth_failures", "health"}},
  };
  std::string rest = path.substr(std::string("gateway/").size());
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    std::string dir = rest.substr(0, slash);
    if (dir == "http" || dir == "api" || dir == "cli" || dir == "witness") return dir + "/";
    return std::nullopt;
  }
  std::string stem = fs::path(rest).stem().string();
  for (const auto& [room, prefixes] : top_level) {
    for (const auto& prefix : prefixes) {
      if (stem == prefix || stem.rfind(prefix + "_", 0) == 0) return room;
    }
  }
  return std::nullopt;
}

std::string module_of(const std::string& path) { return path.substr(0, path.find('/')); }

std::string may_include(const std::map<std::string, int>& ranks, const std::string& self) {
  std::string out;
  for (const auto& [name, rank] : ranks) {
    if (name != self && rank >= ranks.at(self)) continue;
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

// Every include of `source` (the file `path`, relative to the repository root) that points the
// wrong way, as "path:line: includes X: why".
std::vector<std::string> violations(const std::string& path, const std::string& source) {
  static const std::regex include_line(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
  const auto& modules = module_ranks();
  const auto& rooms = room_ranks();
  const std::string self = module_of(path);
  std::optional<std::string> self_room;
  std::vector<std::string> out;
  auto report = [&](int line, const std::string& what) {
    out.push_back(path + ":" + std::to_string(line) + ": " + what);
  };
  if (self == "gateway") {
    self_room = room_of(path);
    if (!self_room) {
      report(1,
             "in no room of gateway/: add it to the rooms of docs/architecture.md and of "
             "tests/unit/lint/layering_test.cc");
    }
  }

  std::istringstream in(source);
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    std::smatch m;
    if (!std::regex_search(text, m, include_line)) continue;
    const bool quoted = m[1] == "\"";
    const std::string target = m[2];
    const std::string module = module_of(target);
    const bool ours = target.find('/') != std::string::npos && modules.count(module);
    if (module == "tests" || module == "bench") {
      report(line, "includes " + target + ": product code never includes tests or benchmarks");
      continue;
    }
    if (!ours) {
      // A system or library header; a quoted one of ours must name its path from the root.
      if (quoted) report(line, "includes \"" + target + "\": name it from the repository root");
      continue;
    }
    if (module != self && modules.at(module) >= modules.at(self)) {
      report(line, "includes " + target + ": " + self + " may include only " +
                       may_include(modules, self));
      continue;
    }
    if (module == "gateway" && self_room) {
      auto room = room_of(target);
      if (!room) continue;  // reported where that file is scanned
      if (*room != *self_room && rooms.at(*room) >= rooms.at(*self_room)) {
        report(line, "includes " + target + ": gateway room " + *self_room + " may include only " +
                         may_include(rooms, *self_room));
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("lint: the layering rule finds every wrong-way include and nothing else", "[lint]") {
  auto bad = [](const std::string& path, const std::string& include) {
    return violations(path, "// a comment\n#include " + include + "\n").size() == 1;
  };
  auto good = [](const std::string& path, const std::string& include) {
    return violations(path, "#include " + include + "\n").empty();
  };
  // Modules.
  CHECK(bad("common/codec.cc", "\"policy/catalog.h\""));
  CHECK(bad("policy/engine.cc", "\"audit/log.h\""));
  CHECK(bad("audit/log.cc", "\"policy/consent.h\""));
  CHECK(bad("adapters/http_adapter.cc", "\"store/store.h\""));
  CHECK(bad("store/store.h", "\"gateway/config.h\""));
  CHECK(bad("policy/catalog.cc", "<gateway/config.h>"));
  CHECK(bad("gateway/config.cc", "\"tests/support/temp_dir.h\""));
  CHECK(bad("gateway/api/routes.cc", "\"routes.h\""));
  CHECK(good("store/store.h", "\"policy/consent.h\""));
  CHECK(good("gateway/config.h", "\"store/config.h\""));
  CHECK(good("policy/engine.cc", "\"policy/decision.h\""));
  CHECK(good("audit/log.cc", "<sodium.h>"));
  CHECK(good("common/codec.cc", "<openssl/sha.h>"));
  CHECK(violations("policy/engine.cc", "// #include \"audit/log.h\"\n").empty());
  // Rooms of the gateway.
  CHECK(bad("gateway/http/server.cc", "\"gateway/api/routes.h\""));
  CHECK(bad("gateway/http/router.cc", "\"gateway/cli/commands.h\""));
  CHECK(bad("gateway/http/server.h", "\"gateway/services.h\""));
  CHECK(bad("gateway/services.cc", "\"gateway/http/request.h\""));
  CHECK(bad("gateway/api/routes.h", "\"gateway/app.h\""));
  CHECK(bad("gateway/api/audit.cc", "\"gateway/cli/commands.h\""));
  CHECK(bad("gateway/config.h", "\"gateway/services.h\""));
  CHECK(bad("gateway/app.cc", "\"gateway/cli/commands.h\""));
  CHECK(bad("gateway/services_split.cc", "\"gateway/api/routes.h\""));
  CHECK(violations("gateway/newcomer.cc", "").size() == 1);  // in no room
  CHECK(good("gateway/http/request.h", "\"gateway/registry.h\""));
  CHECK(good("gateway/api/idempotency.h", "\"gateway/http/request.h\""));
  CHECK(good("gateway/api/idempotency.h", "\"gateway/services.h\""));
  CHECK(good("gateway/referral_worker.h", "\"gateway/services.h\""));
  CHECK(good("gateway/app.cc", "\"gateway/api/routes.h\""));
  CHECK(good("gateway/cli/serve_command.cc", "\"gateway/app.h\""));
  CHECK(good("gateway/cli/adapter_command.cc", "\"gateway/http/server.h\""));
}

TEST_CASE("lint: no module includes a module above it", "[lint]") {
  const fs::path root = silta::test::source_dir();
  std::vector<std::string> found;
  std::size_t files = 0;
  for (const auto& [module, rank] : module_ranks()) {
    for (const auto& entry : fs::recursive_directory_iterator(root / module)) {
      auto ext = entry.path().extension();
      if (ext != ".cc" && ext != ".h") continue;
      ++files;
      std::ifstream in(entry.path());
      std::stringstream ss;
      ss << in.rdbuf();
      for (auto& v : violations(fs::relative(entry.path(), root).generic_string(), ss.str())) {
        found.push_back(std::move(v));
      }
    }
  }
  CHECK(files > 100);
  std::string listing;
  for (const auto& v : found) listing += "\n  " + v;
  INFO("includes that point the wrong way (docs/architecture.md, \"Modules and their direction\"):"
       << listing);
  CHECK(found.empty());
}
