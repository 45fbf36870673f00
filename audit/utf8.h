// UTF-8 well-formedness (Unicode table 3-7: no overlong forms, surrogates or code points above
// U+10FFFF), the rule canonical JSON and signed notes share.
#pragma once

#include <cstddef>
#include <string_view>

namespace silta::audit {

// Length of the well-formed sequence starting at s[i], or 0 when it is malformed.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);
bool valid_utf8(std::string_view s);

}  // namespace silta::audit
