#include "policy/identity_code.h"

#include <utility>

#include "common/identity_scan.h"

namespace silta::policy {

using namespace std::chrono;

namespace {

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

Texts identity_code_problem_text(IdentityCodeProblem p) {
  switch (p) {
    case IdentityCodeProblem::kLength:
      return {"henkilötunnuksessa on 11 merkkiä (PPKKVV-NNNT)",
              "en personbeteckning har 11 tecken (DDMMÅÅ-NNNK)",
              "an identity code has 11 characters (DDMMYYCZZZQ)"};
    case IdentityCodeProblem::kDateDigits:
      return {"henkilötunnuksen merkkien 1–6 on oltava syntymäaika numeroina PPKKVV",
              "tecknen 1–6 i en personbeteckning ska vara födelsedatumet i formen DDMMÅÅ",
              "characters 1-6 of an identity code must be the birth date as digits DDMMYY"};
    case IdentityCodeProblem::kCenturySign:
      return {
          "henkilötunnuksen 7. merkin on oltava välimerkki: + (1800-luku), - Y X W V U "
          "(1900-luku) tai A B C D E F (2000-luku)",
          "tecken 7 i en personbeteckning ska vara ett skiljetecken: + (1800-talet), "
          "- Y X W V U (1900-talet) eller A B C D E F (2000-talet)",
          "character 7 of an identity code must be a century sign: + (1800s), - Y X W V U "
          "(1900s) or A B C D E F (2000s)"};
    case IdentityCodeProblem::kIndividualDigits:
      return {"henkilötunnuksen merkkien 8–10 (yksilönumero) on oltava numeroita",
              "tecknen 8–10 (individnumret) i en personbeteckning ska vara siffror",
              "characters 8-10 of an identity code must be the individual number as digits"};
    case IdentityCodeProblem::kCheckCharacterForm:
      return {
          "henkilötunnuksen 11. merkin on oltava tarkistusmerkki: 0–9 tai A–Y ilman "
          "kirjaimia G, I, O, Q ja Z",
          "tecken 11 i en personbeteckning ska vara ett kontrolltecken: 0–9 eller A–Y utom "
          "G, I, O, Q och Z",
          "character 11 of an identity code must be a check character: 0-9 or A-Y without "
          "G, I, O, Q and Z"};
    case IdentityCodeProblem::kDate:
      return {"henkilötunnuksen syntymäaika ei ole todellinen päivämäärä",
              "födelsedatumet i personbeteckningen är inte ett verkligt datum",
              "the birth date of the identity code does not exist"};
    case IdentityCodeProblem::kIndividualNumber:
      return {"henkilötunnuksen yksilönumeron on oltava välillä 002–999",
              "individnumret i en personbeteckning ska vara mellan 002 och 999",
              "the individual number of an identity code is from 002 to 999"};
    case IdentityCodeProblem::kCheckCharacter:
      return {"henkilötunnuksen tarkistusmerkki ei täsmää",
              "personbeteckningens kontrolltecken stämmer inte",
              "the check character of the identity code does not match"};
  }
  return {"virheellinen henkilötunnus", "ogiltig personbeteckning", "invalid identity code"};
}

const char* identity_code_problem_name(IdentityCodeProblem p) {
  switch (p) {
    case IdentityCodeProblem::kLength:
      return "length";
    case IdentityCodeProblem::kDateDigits:
      return "date_digits";
    case IdentityCodeProblem::kCenturySign:
      return "century_sign";
    case IdentityCodeProblem::kIndividualDigits:
      return "individual_digits";
    case IdentityCodeProblem::kCheckCharacterForm:
      return "check_character_form";
    case IdentityCodeProblem::kDate:
      return "date";
    case IdentityCodeProblem::kIndividualNumber:
      return "individual_number";
    case IdentityCodeProblem::kCheckCharacter:
      return "check_character";
  }
  return "invalid";
}

int age_on(Date birth, Date on) {
  if (on < birth) return 0;
  int years = int(on.year()) - int(birth.year());
  if (std::pair(unsigned(on.month()), unsigned(on.day())) <
      std::pair(unsigned(birth.month()), unsigned(birth.day()))) {
    --years;
  }
  return years;
}

Date birth_date_for_age(int age, Date on) {
  using namespace std::chrono;
  year_month_day born{on.year() - years{age}, on.month(), on.day()};
  if (!born.ok()) born = year_month_day{born.year() / born.month() / last};
  return born;
}

int IdentityCode::age_on(Date on) const { return policy::age_on(birth_date_, on); }

Result<IdentityCode> parse_identity_code(std::string_view text, IdentityCodeProblem* problem) {
  auto fail = [problem](IdentityCodeProblem p) -> Result<IdentityCode> {
    if (problem != nullptr) *problem = p;
    return make_error(ErrorCode::kInvalidArgument, identity_code_problem_text(p).en);
  };
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.size() != 11) return fail(IdentityCodeProblem::kLength);

  std::string code(11, '\0');
  for (std::size_t i = 0; i < 11; ++i) code[i] = upper(text[i]);
  std::string_view v = code;

  if (!all_digits(v.substr(0, 6))) return fail(IdentityCodeProblem::kDateDigits);
  int century = identity_code_century(v[6]);
  if (century < 0) return fail(IdentityCodeProblem::kCenturySign);
  if (!all_digits(v.substr(7, 3))) return fail(IdentityCodeProblem::kIndividualDigits);
  char check = v[10];
  if (!is_identity_code_check_character(check)) {
    return fail(IdentityCodeProblem::kCheckCharacterForm);
  }
  Date birth{year{century + number(v.substr(4, 2))}, month{unsigned(number(v.substr(2, 2)))},
             day{unsigned(number(v.substr(0, 2)))}};
  if (!birth.ok()) return fail(IdentityCodeProblem::kDate);
  int individual = number(v.substr(7, 3));
  // 000 and 001 are not issued (docs/law.md §7.1 marks this uncertain; rejecting is the safe side).
  if (individual < 2) return fail(IdentityCodeProblem::kIndividualNumber);
  long long nine = number(v.substr(0, 6)) * 1000LL + individual;
  if (identity_code_check_character(static_cast<std::uint64_t>(nine)) != check) {
    return fail(IdentityCodeProblem::kCheckCharacter);
  }
  IdentityCode out;
  out.text_ = std::move(code);
  out.birth_date_ = birth;
  out.individual_ = individual;
  return out;
}

}  // namespace silta::policy
