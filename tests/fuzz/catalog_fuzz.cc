// libFuzzer target: the catalog loader. An input is "<path>\n<content>": that file of the
// shipped catalog is replaced (or added) and the whole catalog parsed and checked; a catalog
// that loads is compiled into an engine that decides and explains a few requests. Nothing may
// crash, and a catalog loads exactly when no problem is reported.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/catalog.h"
#include "policy/engine.h"

using namespace silta::policy;

namespace {

const CatalogFiles& base() {
  static const CatalogFiles files = [] {
    auto f = read_catalog_files(SILTA_FUZZ_CATALOG_DIR);
    if (!f) std::abort();
    return *f;
  }();
  return files;
}

void decide_some(const std::shared_ptr<const Catalog>& catalog) {
  Engine engine(catalog);
  const auto now = *silta::parse_rfc3339("2026-03-02T10:00:00Z");
  DecisionRequest r;
  r.subject.pseudonym = "subject";
  r.subject.birth_date = Date{std::chrono::year{2011}, std::chrono::month{5}, std::chrono::day{1}};
  r.justification = "A justification long enough for every requirement of the catalog.";
  r.case_reference = "case";
  for (const auto& c : catalog->categories) r.categories.push_back(c.id);
  // Each kind to the next one, both directions, with the first purpose: every basis and
  // consent path gets exercised somewhere without deciding the whole space on every input.
  const auto& kinds = catalog->kinds;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    for (Direction d : {Direction::kPull, Direction::kPush}) {
      r.direction = d;
      r.from_kind = kinds[i].id;
      r.to_kind = kinds[(i + 1) % kinds.size()].id;
      r.purpose = catalog->purposes.empty() ? "" : catalog->purposes.front().id;
      auto decision = engine.decide(r, {}, now);
      if (decision) (void)decision_to_json(*decision).dump();
    }
  }
  (void)catalog->to_json().dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto newline = in.find('\n');
  if (newline == std::string_view::npos || newline == 0 || newline > 64) return 0;
  CatalogFiles files = base();
  files[std::string(in.substr(0, newline))] = std::string(in.substr(newline + 1));
  auto loaded = parse_catalog(files);
  if ((loaded.catalog == nullptr) == loaded.problems.empty()) std::abort();
  if (loaded.catalog) {
    decide_some(loaded.catalog);
  } else {
    (void)format_problems(loaded.problems);
  }
  return 0;
}
