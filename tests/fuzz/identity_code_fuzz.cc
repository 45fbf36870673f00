// libFuzzer target: the identity code parser. Nothing may crash; a valid code normalises to
// itself; an error message depends only on the problem, never on the input (so it can never
// carry the code).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "policy/identity_code.h"

using namespace silta::policy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  IdentityCodeProblem problem{};
  auto code = parse_identity_code(input, &problem);
  if (code) {
    const auto& n = code->normalised();
    auto again = parse_identity_code(n);
    if (n.size() != 11 || !again || again->normalised() != n ||
        again->birth_date() != code->birth_date() || !code->birth_date().ok() ||
        code->individual_number() < 2 || code->individual_number() > 999 ||
        code->age_on(code->birth_date()) != 0) {
      std::abort();
    }
  } else {
    static std::map<IdentityCodeProblem, std::string> messages;
    auto [it, first] = messages.emplace(problem, code.error().message);
    if (!first && it->second != code.error().message) std::abort();
  }
  return 0;
}
