#include "audit/utf8.h"

namespace silta::audit {

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100;
  };
  auto cont = [](unsigned b) { return b >= 0x80 && b <= 0xBF; };
  unsigned b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(byte(1)) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned b1 = byte(1);
    bool ok = b0 == 0xE0   ? (b1 >= 0xA0 && b1 <= 0xBF)
              : b0 == 0xED ? (b1 >= 0x80 && b1 <= 0x9F)  // no surrogates
                           : cont(b1);
    return ok && cont(byte(2)) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned b1 = byte(1);
    bool ok = b0 == 0xF0   ? (b1 >= 0x90 && b1 <= 0xBF)
              : b0 == 0xF4 ? (b1 >= 0x80 && b1 <= 0x8F)  // nothing above U+10FFFF
                           : cont(b1);
    return ok && cont(byte(2)) && cont(byte(3)) ? 4 : 0;
  }
  return 0;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace silta::audit
