// libFuzzer target: an audit record's leaf bytes, as a log being opened or verified reads them
// (audit/record_scan.h, audit/event.h). Nothing may crash; the fast scan and the byte-by-byte
// reference agree; a leaf that parses is exactly the canonical encoding of its record, whose
// fast scan gives the same sequence number and time.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "audit/event.h"
#include "audit/record_scan.h"

using namespace silta::audit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view leaf(reinterpret_cast<const char*>(data), size);
  auto fast = scan_record_header(leaf);
  auto reference = scan_record_header_reference(leaf);
  if (fast.ok() != reference.ok()) std::abort();
  if (fast && (fast->seq != reference->seq || fast->time != reference->time)) std::abort();
  auto record = parse_record(leaf);
  if (!record) return 0;
  auto again = encode_record(*record);
  if (!again || *again != leaf) std::abort();
  if (!fast || fast->seq != record->seq) std::abort();
  (void)to_json(*record).dump();
  return 0;
}
