// The languages people read Silta in: Finnish, Swedish (Finland's two national languages; public
// authorities serve in both) and English. Every text a person reads exists in all three.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace silta {

enum class Lang { kFi, kSv, kEn };

inline constexpr std::array<Lang, 3> kLangs = {Lang::kFi, Lang::kSv, Lang::kEn};

// "fi", "sv", "en".
std::string_view lang_code(Lang lang);

// A language tag as a client writes it ("fi", "sv-FI", "EN-gb"): its primary subtag, case
// insensitive; nullopt for anything else (another language, a malformed tag).
std::optional<Lang> parse_lang(std::string_view tag);

// The language to answer in for an Accept-Language header (RFC 9110 12.5.4): the supported
// language with the highest weight; among equal weights the one listed first; "*" stands for
// `fallback`; q=0 rules a language out. Malformed members are skipped, never an error; with no
// usable member, `fallback`. The header is the client's: its length is bounded by the HTTP
// parser's header limit, and this reads it once, allocating nothing.
Lang negotiate_lang(std::string_view accept_language, Lang fallback);

// One text in the three languages.
struct Texts {
  std::string fi, sv, en;

  const std::string& in(Lang lang) const;
  // Whether any language is empty (a catalog check lists the missing ones).
  bool incomplete() const { return fi.empty() || sv.empty() || en.empty(); }
};

}  // namespace silta
