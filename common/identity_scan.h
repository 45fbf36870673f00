// Finding Finnish identity codes (henkilötunnus) in free text, so that none reaches the audit log,
// a log line or an error message. The code's format (VN asetus 128/2010 2 § as amended by
// 690/2022): DDMMYY, a century sign, a three-digit individual number and a check character.
// policy/identity_code.h parses one code; this scans any text for something shaped like one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silta {

// The century of a century sign: 1800 for '+', 1900 for '-' Y X W V U, 2000 for A B C D E F
// (upper case only); -1 for any other character.
int identity_code_century(char sign);

// The check character of the nine digits DDMMYYZZZ: "0123456789ABCDEFHJKLMNPRSTUVWXY"[n mod 31].
char identity_code_check_character(std::uint64_t nine_digits);
// Whether `c` is one of the 31 check characters (upper case).
bool is_identity_code_check_character(char c);

// Where something shaped like an identity code starts in `text`: six digits that can be a day
// and a month, a century sign, three digits and the matching check character, in either case.
// It must not be part of a longer number (no digit right before it, nor right after a digit
// check character). It may be glued to letters or digits ("hetu110213A913H") when it is written
// in upper case, as identity codes are: a century sign or check character that is an upper-case
// letter, and none in lower case. That rule keeps the lower-case hexadecimal the gateway writes
// (ids, digests, pseudonyms, UUIDs) from being taken for a code glued to a word
// (docs/threat-model.md).
std::optional<std::size_t> find_identity_code(std::string_view text);
inline bool contains_identity_code(std::string_view text) {
  return find_identity_code(text).has_value();
}

// `text` with each identity-code-shaped run replaced by "[identity code]".
std::string redact_identity_codes(std::string text);

}  // namespace silta
