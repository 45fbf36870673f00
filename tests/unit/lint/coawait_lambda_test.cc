// GCC 12 destroys the captures of a lambda written inside a co_await expression twice
// (docs/architecture.md, "GCC 12 and coroutines"). This scans the sources so that no such
// lambda comes back: name the lambda first, then co_await.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

// Blanks out // comments and string literals, keeping line numbers and offsets.
std::string code_only(const std::string& src) {
  std::string out = src;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '/' && i + 1 < out.size() && out[i + 1] == '/') {
      while (i < out.size() && out[i] != '\n') out[i++] = ' ';
    } else if (out[i] == '"' && (i == 0 || out[i - 1] != '\'')) {
      std::size_t j = i + 1;
      while (j < out.size() && out[j] != '"' && out[j] != '\n') {
        if (out[j] == '\\') out[j++] = ' ';
        if (j < out.size()) out[j++] = ' ';
      }
      i = j;
    }
  }
  return out;
}

// The co_await expressions (up to their ';' at depth 0) that contain a lambda expression.
std::vector<int> offending_lines(const std::string& source) {
  static const std::regex lambda(R"(\[[^\[\]]*\]\s*(mutable\s*)?[({])");
  std::string src = code_only(source);
  std::vector<int> lines;
  for (std::size_t at = src.find("co_await"); at != std::string::npos;
       at = src.find("co_await", at + 8)) {
    std::size_t j = at + 8;
    int depth = 0;
    for (; j < src.size(); ++j) {
      char c = src[j];
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') {
        if (--depth < 0) break;
      }
      if (c == ';' && depth == 0) break;
    }
    std::string expr = src.substr(at + 8, j - at - 8);
    if (std::regex_search(expr, lambda)) {
      lines.push_back(static_cast<int>(std::count(src.begin(), src.begin() + at, '\n')) + 1);
    }
  }
  return lines;
}

}  // namespace

TEST_CASE("lint: the scanner finds a lambda inside a co_await and nothing else", "[lint]") {
  CHECK(offending_lines("auto r = co_await on_store(s, [q](Store& st) { return 1; });") ==
        std::vector<int>{1});
  CHECK(
      offending_lines("co_await f(\n  [x = std::move(y)](std::function<void(int)> d) mutable {});")
          .size() == 1);
  CHECK(
      offending_lines("auto w = [q](Store& st) { return 1; };\nco_await on_store(s, w);").empty());
  CHECK(offending_lines("co_await f(v[i]); // [x](y) {}").empty());
}

TEST_CASE("lint: no lambda inside a co_await expression", "[lint]") {
  std::vector<std::string> found;
  for (const char* dir :
       {"common", "policy", "audit", "store", "adapters", "gateway", "tests", "bench"}) {
    fs::path root = silta::test::source_dir() / dir;
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      auto ext = entry.path().extension();
      if (ext != ".cc" && ext != ".h") continue;
      if (entry.path().filename() == "coawait_lambda_test.cc") continue;
      std::ifstream in(entry.path());
      std::stringstream ss;
      ss << in.rdbuf();
      for (int line : offending_lines(ss.str())) {
        found.push_back(fs::relative(entry.path(), silta::test::source_dir()).string() + ":" +
                        std::to_string(line));
      }
    }
  }
  INFO("name the lambda first, then co_await it (docs/architecture.md)");
  CHECK(found == std::vector<std::string>{});
}
