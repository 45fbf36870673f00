// libFuzzer target: the identity code parser and the scanner that keeps codes out of the audit
// log, logs and error messages. Nothing may crash; a valid code normalises to itself; an error
// message depends only on the problem, never on the input (so it can never carry the code);
// whatever parses as a code is found by the scanner; redacted text holds no code; text that
// passes the free-text rules holds none either.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "common/identity_scan.h"
#include "common/json_check.h"
#include "policy/identity_code.h"

using namespace silta;
using namespace silta::policy;

namespace {

void check_parser(const std::string& input) {
  IdentityCodeProblem problem{};
  auto code = parse_identity_code(input, &problem);
  if (code) {
    const auto& n = code->normalised();
    auto again = parse_identity_code(n);
    if (n.size() != 11 || !again || again->normalised() != n ||
        again->birth_date() != code->birth_date() || !code->birth_date().ok() ||
        code->individual_number() < 2 || code->individual_number() > 999 ||
        code->age_on(code->birth_date()) != 0 || !contains_identity_code(input) ||
        find_identity_code(n) != 0u) {
      std::abort();
    }
  } else {
    static std::map<IdentityCodeProblem, std::string> messages;
    auto [it, first] = messages.emplace(problem, code.error().message);
    if (!first && it->second != code.error().message) std::abort();
  }
}

void check_scanner(const std::string& input) {
  auto at = find_identity_code(input);
  if (at && (*at + 11 > input.size() || !contains_identity_code(input.substr(*at, 11)))) {
    std::abort();
  }
  auto redacted = redact_identity_codes(input);
  if (contains_identity_code(redacted) || (!at && redacted != input)) std::abort();
  for (bool line_breaks : {false, true}) {
    json_check::TextRule rule{.max_bytes = 4000, .line_breaks = line_breaks};
    auto problem = json_check::text_problem(input, rule);
    if (!problem && contains_identity_code(input)) std::abort();
    if (problem && problem->incomplete()) std::abort();  // explained in fi, sv and en
    for (Lang lang : kLangs) {
      if (problem && contains_identity_code(problem->in(lang))) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  check_parser(input);
  check_scanner(input);
  return 0;
}
