// The fast structural scan of a record's leaf (audit/event.h defines records).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace silta::audit {

// Seq and time of a record, read by a fast structural scan of the leaf (no full parse): used when
// opening and verifying a whole log. Checks that the leaf is one JSON object with strictly sorted
// keys, string / integer / boolean / array-of-strings values, valid UTF-8 and no whitespace.
struct RecordHeader {
  std::uint64_t seq = 0;
  std::string_view time;  // "YYYY-MM-DDTHH:MM:SS.ffffffZ": ordered as text
};
Result<RecordHeader> scan_record_header(std::string_view leaf);
// The same checks byte by byte, without the vector fast path that scan_record_header takes for
// the common leaf (no escapes, no control characters, ASCII only); for tests that compare them.
Result<RecordHeader> scan_record_header_reference(std::string_view leaf);

}  // namespace silta::audit
