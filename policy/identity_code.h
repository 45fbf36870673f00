// The Finnish personal identity code (henkilötunnus, HETU): VN asetus 128/2010 2 § as amended by
// 690/2022 (docs/law.md §7). Format DDMMYY C ZZZ Q: birth date, century sign, individual number,
// check character.
//
// A code identifies a person: never put one in a log line or an error message. The errors here
// say what is wrong and where, never the code itself.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/lang.h"
#include "common/result.h"

namespace silta::policy {

using Date = std::chrono::year_month_day;

enum class IdentityCodeProblem {
  kLength,              // not 11 characters
  kDateDigits,          // characters 1-6 are not digits
  kCenturySign,         // character 7 is not + - Y X W V U A B C D E F
  kIndividualDigits,    // characters 8-10 are not digits
  kCheckCharacterForm,  // character 11 is not one of 0-9 A-Y without G I O Q Z
  kDate,                // the birth date does not exist (e.g. 29.2.1900)
  kIndividualNumber,    // 000 or 001: never issued
  kCheckCharacter,      // the check character does not match
};
const char* identity_code_problem_name(IdentityCodeProblem problem);
// What is wrong, for the person who typed the code (never the code itself).
Texts identity_code_problem_text(IdentityCodeProblem problem);

class IdentityCode {
 public:
  // Upper-case, 11 characters, separator kept: "010190-999K" and "010190Y999K" are different
  // people since 2023. This is the form to pseudonymise.
  const std::string& normalised() const { return text_; }
  Date birth_date() const { return birth_date_; }
  int individual_number() const { return individual_; }
  // 900-999: temporary numbers (hospitals, tests), not in the population register.
  bool temporary() const { return individual_ >= 900; }
  // Odd individual number = male, even = female (as the register assigns them).
  bool odd_individual_number() const { return individual_ % 2 == 1; }
  // Completed years on `on` (a 29 February birthday completes a year on 1 March).
  int age_on(Date on) const;

 private:
  friend Result<IdentityCode> parse_identity_code(std::string_view text,
                                                  IdentityCodeProblem* problem);
  std::string text_;
  Date birth_date_{};
  int individual_ = 0;
};

// Parses and validates; surrounding ASCII spaces are ignored and lower case is accepted. An
// error is kInvalidArgument with a message that says what is wrong (never the input); when
// `problem` is given it receives the reason as a value.
Result<IdentityCode> parse_identity_code(std::string_view text,
                                         IdentityCodeProblem* problem = nullptr);

// Completed years between `birth` and `on` (0 if `on` is before `birth`).
int age_on(Date birth, Date on);
// The latest birth date of someone who is `age` on `on`: the same day `age` years earlier, or
// 28 February for 29 February (test material and tools give ages rather than dates).
Date birth_date_for_age(int age, Date on);

}  // namespace silta::policy
