// libFuzzer target: what an agency system answers, as the adapters read it (adapters/protocol.h,
// adapters/fhir_adapter.h). An input is a byte that picks the reader and the answer's body: a
// fetch result, a delivery receipt, a health report, a referral or fetch request (what an
// adapter service reads), or a FHIR OperationOutcome. Nothing may crash or throw; a body the
// bounded parser refuses says why; what a reader accepts it writes back and reads again to the
// same JSON; no error text or issue repeats an identity code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/fhir_adapter.h"
#include "adapters/protocol.h"
#include "common/identity_scan.h"

using namespace silta;
using namespace silta::adapters;

namespace {

void check_issues(const json_check::Issues& issues) {
  for (const auto& i : issues.list()) {
    if (contains_identity_code(i.path) || contains_identity_code(i.message.en)) std::abort();
  }
}

// Reads `doc` with `read`, writes what it accepted back with to_json and reads that again: the
// same document both times.
template <typename Read>
void round_trip(const nlohmann::json& doc, Read read) {
  json_check::Issues issues;
  auto first = read(doc, issues);
  check_issues(issues);
  if (!first) return;
  const auto written = protocol::to_json(*first);
  json_check::Issues again_issues;
  auto again = read(written, again_issues);
  if (!again || protocol::to_json(*again) != written) std::abort();
  (void)written.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string why;
  const auto doc = protocol::parse_answer(body, &why);
  if (doc.is_discarded() != !why.empty() || contains_identity_code(why)) std::abort();
  if (doc.is_discarded()) return 0;
  switch (data[0] % 6) {
    case 0:
      round_trip(doc, protocol::fetch_result_from_json);
      break;
    case 1:
      round_trip(doc, protocol::receipt_from_json);
      break;
    case 2:
      round_trip(doc, protocol::health_from_json);
      break;
    case 3:
      round_trip(doc, protocol::referral_from_json);
      break;
    case 4:
      round_trip(doc, protocol::fetch_request_from_json);
      break;
    default:
      if (contains_identity_code(describe_operation_outcome(doc))) std::abort();
      break;
  }
  return 0;
}
