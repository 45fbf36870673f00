// libFuzzer target: the parser of request bodies (common/json_parse.h) against nlohmann's own
// parser. Nothing may crash; what parse_json accepts nlohmann reads to the same document; what
// it refuses is either refused by nlohmann too or breaks one of its limits (depth, values, a
// key given twice), said in exactly one issue that never repeats an identity code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/identity_scan.h"
#include "common/json_parse.h"

using namespace silta;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  json_check::Issues issues;
  // Small limits, so that the fuzzer reaches them.
  json_check::JsonLimits limits{.max_depth = 8, .max_values = 64};
  auto doc = json_check::parse_json(text, issues, limits);
  auto plain = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc) {
    if (!issues.empty() || plain.is_discarded() || *doc != plain) std::abort();
    return 0;
  }
  if (issues.list().size() != 1) std::abort();
  const auto& issue = issues.list()[0];
  if (contains_identity_code(issue.path) || issue.message.incomplete()) std::abort();
  for (Lang lang : kLangs) {
    if (contains_identity_code(issue.message.in(lang))) std::abort();
  }
  const std::string& en = issue.message.en;
  bool limit = en.find("nested deeper") == 0 || en.find("more than") == 0 ||
               en == "this key is given more than once";
  if (!plain.is_discarded() && !limit) std::abort();
  return 0;
}
