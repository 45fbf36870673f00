// Shared by the policy unit tests: the shipped catalog as files that a test can edit.
#pragma once

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "policy/catalog.h"
#include "policy/engine.h"
#include "tests/support/temp_dir.h"

namespace silta::policy::testing {

inline CatalogFiles shipped_files() {
  auto files = read_catalog_files(silta::test::source_dir() / "policy/catalogs/fi");
  REQUIRE(files.ok());
  return *files;
}

// The catalog of `files`, which must be valid.
inline std::shared_ptr<const Catalog> valid_catalog(const CatalogFiles& files) {
  auto loaded = parse_catalog(files);
  INFO(format_problems(loaded.problems));
  REQUIRE(loaded.catalog != nullptr);
  return loaded.catalog;
}

inline std::shared_ptr<const Catalog> shipped_catalog() { return valid_catalog(shipped_files()); }

// Edits one file of a catalog as JSON.
template <typename Fn>
void edit(CatalogFiles& files, const std::string& name, Fn&& fn) {
  auto doc = nlohmann::json::parse(files.at(name));
  fn(doc);
  files[name] = doc.dump(2);
}

// The JSON of a basis by id, wherever it is defined; also tells the file and index.
struct BasisAt {
  std::string file;
  std::size_t index = 0;
};
inline BasisAt find_basis(const CatalogFiles& files, const std::string& id) {
  for (const auto& [name, content] : files) {
    if (name.rfind("bases/", 0) != 0) continue;
    auto doc = nlohmann::json::parse(content);
    for (std::size_t i = 0; i < doc["bases"].size(); ++i) {
      if (doc["bases"][i]["id"] == id) return {name, i};
    }
  }
  FAIL("no basis " << id);
  return {};
}

template <typename Fn>
void edit_basis(CatalogFiles& files, const std::string& id, Fn&& fn) {
  auto at = find_basis(files, id);
  edit(files, at.file, [&](nlohmann::json& d) { fn(d["bases"][at.index]); });
}

inline bool has_problem(const std::vector<CatalogProblem>& problems, const std::string& file,
                        const std::string& path, const std::string& text) {
  for (const auto& p : problems) {
    if (p.file == file && p.path == path && p.message.find(text) != std::string::npos) return true;
  }
  return false;
}

// A problem a test expects: its file and JSON path, and a part of its message.
struct ExpectedProblem {
  std::string file, path, text;
};

// Checks that every expected problem was reported; a missing one is shown with all that were.
inline void check_problems(const std::vector<CatalogProblem>& problems,
                           const std::vector<ExpectedProblem>& expected) {
  for (const auto& e : expected) {
    INFO("expected " << e.file << ": " << e.path << ": ..." << e.text << "...; reported:\n"
                     << format_problems(problems));
    CHECK(has_problem(problems, e.file, e.path, e.text));
  }
}

inline SysTime at(const char* text) { return *silta::parse_rfc3339(text); }

}  // namespace silta::policy::testing
