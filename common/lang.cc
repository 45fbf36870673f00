#include "common/lang.h"

namespace silta {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_lower(std::string_view s, std::string_view lower_text) {
  if (s.size() != lower_text.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (lower(s[i]) != lower_text[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A weight "q=0.5" as thousandths (RFC 9110: at most three decimals, 0 to 1); nullopt when
// malformed.
std::optional<int> parse_weight(std::string_view param) {
  param = trim(param);
  if (param.size() < 3 || lower(param[0]) != 'q' || param[1] != '=') return std::nullopt;
  std::string_view v = param.substr(2);
  if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return std::nullopt;
  int whole = v[0] - '0';
  int thousandths = 0, digits = 0;
  if (v.size() > 1) {
    if (v[1] != '.') return std::nullopt;
    for (char c : v.substr(2)) {
      if (c < '0' || c > '9') return std::nullopt;
      thousandths = thousandths * 10 + (c - '0');
      ++digits;
    }
  }
  for (; digits < 3; ++digits) thousandths *= 10;
  int q = whole * 1000 + thousandths;
  return q > 1000 ? std::nullopt : std::optional<int>(q);
}

}  // namespace

std::string_view lang_code(Lang lang) {
  switch (lang) {
    case Lang::kFi:
      return "fi";
    case Lang::kSv:
      return "sv";
    case Lang::kEn:
      return "en";
  }
  return "fi";
}

std::optional<Lang> parse_lang(std::string_view tag) {
  std::string_view primary = tag.substr(0, tag.find('-'));
  for (Lang l : kLangs) {
    if (equals_lower(primary, lang_code(l))) {
      // The rest must look like subtags: letters, digits and hyphens.
      for (char c : tag.substr(primary.size())) {
        char x = lower(c);
        if (!((x >= 'a' && x <= 'z') || (x >= '0' && x <= '9') || x == '-')) return std::nullopt;
      }
      return l;
    }
  }
  return std::nullopt;
}

Lang negotiate_lang(std::string_view accept_language, Lang fallback) {
  std::optional<Lang> best;
  int best_q = 0;
  while (!accept_language.empty()) {
    std::size_t comma = accept_language.find(',');
    std::string_view member = accept_language.substr(0, comma);
    accept_language =
        comma == std::string_view::npos ? std::string_view{} : accept_language.substr(comma + 1);
    std::size_t semi = member.find(';');
    std::string_view range = trim(member.substr(0, semi));
    int q = 1000;
    if (semi != std::string_view::npos) {
      auto w = parse_weight(member.substr(semi + 1));
      if (!w) continue;
      q = *w;
    }
    std::optional<Lang> lang = range == "*" ? std::optional<Lang>(fallback) : parse_lang(range);
    if (!lang || q == 0) continue;
    if (q > best_q) {
      best = lang;
      best_q = q;
    }
  }
  return best.value_or(fallback);
}

const std::string& Texts::in(Lang lang) const {
  switch (lang) {
    case Lang::kFi:
      return fi;
    case Lang::kSv:
      return sv;
    case Lang::kEn:
      return en;
  }
  return fi;
}

}  // namespace silta
