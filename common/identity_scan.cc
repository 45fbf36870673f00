#include "common/identity_scan.h"

namespace silta {

namespace {

constexpr std::string_view kCheckCharacters = "0123456789ABCDEFHJKLMNPRSTUVWXY";
constexpr std::size_t kLength = 11;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
char upper(char c) { return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c; }

int two_digits(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// Whether the 11 characters at `at` are shaped like an identity code, in either case.
bool shaped_like_code(std::string_view s, std::size_t at) {
  for (std::size_t k : {0, 1, 2, 3, 4, 5, 7, 8, 9}) {
    if (!is_digit(s[at + k])) return false;
  }
  if (identity_code_century(upper(s[at + 6])) < 0) return false;
  int day = two_digits(s, at);
  int month = two_digits(s, at + 2);
  if (day < 1 || day > 31 || month < 1 || month > 12) return false;
  std::uint64_t n = 0;
  for (std::size_t k : {0, 1, 2, 3, 4, 5, 7, 8, 9}) {
    n = n * 10 + static_cast<std::uint64_t>(s[at + k] - '0');
  }
  return upper(s[at + 10]) == identity_code_check_character(n);
}

// The neighbours decide whether the run stands on its own: never inside a longer number;
// glued to letters or digits only when written in upper case (identity_scan.h says why).
bool stands_as_code(std::string_view s, std::size_t at) {
  char before = at > 0 ? s[at - 1] : ' ';
  char after = at + kLength < s.size() ? s[at + kLength] : ' ';
  char sign = s[at + 6];
  char check = s[at + 10];
  if (is_digit(before) || (is_digit(after) && is_digit(check))) return false;
  bool glued =
      is_upper(before) || is_lower(before) || is_upper(after) || is_lower(after) || is_digit(after);
  if (!glued) return true;
  return (is_upper(sign) || is_upper(check)) && !is_lower(sign) && !is_lower(check);
}

}  // namespace

int identity_code_century(char sign) {
  switch (sign) {
    case '+':
      return 1800;
    case '-':
    case 'Y':
    case 'X':
    case 'W':
    case 'V':
    case 'U':
      return 1900;
    case 'A':
    case 'B':
    case 'C':
    case 'D':
    case 'E':
    case 'F':
      return 2000;
    default:
      return -1;
  }
}

char identity_code_check_character(std::uint64_t nine_digits) {
  return kCheckCharacters[static_cast<std::size_t>(nine_digits % 31)];
}

bool is_identity_code_check_character(char c) {
  return c != '\0' && kCheckCharacters.find(c) != std::string_view::npos;
}

namespace {

std::optional<std::size_t> find_from(std::string_view text, std::size_t from) {
  for (std::size_t i = from; i + kLength <= text.size(); ++i) {
    if (is_digit(text[i]) && shaped_like_code(text, i) && stands_as_code(text, i)) return i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::size_t> find_identity_code(std::string_view text) { return find_from(text, 0); }

std::string redact_identity_codes(std::string text) {
  static constexpr std::string_view kRedacted = "[identity code]";
  // A code glued to the one just replaced may only now stand on its own: the one right after it
  // (the search goes on from there) or the one ending right before it, so each search starts a
  // code's length before the last replacement, not from the start (which made this quadratic:
  // 256 KB of codes took 2.2 s). Each round removes nine digits, so this ends.
  std::size_t from = 0;
  while (auto at = find_from(text, from)) {
    text.replace(*at, kLength, kRedacted);
    from = *at >= kLength ? *at - kLength : 0;
  }
  return text;
}

}  // namespace silta
