// Henkilötunnus parsing and validation (docs/law.md §7). Every literal code here is from the
// temporary range 900-999, as test material must be.
#include <catch2/catch.hpp>

#include "policy/identity_code.h"

using namespace silta::policy;
using namespace std::chrono;

namespace {

Date ymd(int y, unsigned m, unsigned d) { return Date{year{y}, month{m}, day{d}}; }

// A code with the right check character, built at run time (for the 002-899 range, which must
// not appear as a literal in the repository).
std::string with_check(const std::string& first10) {
  static const std::string chars = "0123456789ABCDEFHJKLMNPRSTUVWXY";
  long long n = std::stoll(first10.substr(0, 6) + first10.substr(7, 3));
  return first10 + chars[static_cast<std::size_t>(n % 31)];
}

IdentityCodeProblem problem_of(const std::string& text) {
  IdentityCodeProblem p{};
  auto r = parse_identity_code(text, &p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == silta::ErrorCode::kInvalidArgument);
  // The message says what is wrong, never the code.
  if (!text.empty()) CHECK(r.error().message.find(text) == std::string::npos);
  if (text.size() >= 6) CHECK(r.error().message.find(text.substr(0, 6)) == std::string::npos);
  return p;
}

}  // namespace

TEST_CASE("the worked examples of docs/law.md §7.2 validate", "[hetu]") {
  struct Example {
    const char* code;
    Date birth;
    int individual;
  };
  const Example examples[] = {
      {"150317A901J", ymd(2017, 3, 15), 901},  {"010180+950R", ymd(1880, 1, 1), 950},
      {"311299Y944N", ymd(1999, 12, 31), 944}, {"010594Y9021", ymd(1994, 5, 1), 902},
      {"020504B904H", ymd(2004, 5, 2), 904},   {"010190-999W", ymd(1990, 1, 1), 999},
      {"280212A925L", ymd(2012, 2, 28), 925},  {"070707-987T", ymd(1907, 7, 7), 987},
  };
  for (const auto& e : examples) {
    INFO(e.code);
    auto r = parse_identity_code(e.code);
    REQUIRE(r.ok());
    CHECK(r->normalised() == e.code);
    CHECK(r->birth_date() == e.birth);
    CHECK(r->individual_number() == e.individual);
    CHECK(r->temporary());
  }
}

TEST_CASE("every century sign of the 2023 reform maps to its century", "[hetu]") {
  for (char sign : std::string("-YXWVU")) {
    auto r = parse_identity_code(std::string("010190") + sign + "999W");
    REQUIRE(r.ok());
    CHECK(r->birth_date() == ymd(1990, 1, 1));
  }
  for (char sign : std::string("ABCDEF")) {
    auto r = parse_identity_code(std::string("010190") + sign + "999W");
    REQUIRE(r.ok());
    CHECK(r->birth_date() == ymd(2090, 1, 1));
  }
  auto r = parse_identity_code("010190+999W");
  REQUIRE(r.ok());
  CHECK(r->birth_date() == ymd(1890, 1, 1));
}

TEST_CASE("the separator is part of the identity: same digits, different people", "[hetu]") {
  auto a = parse_identity_code("010190-999W");
  auto b = parse_identity_code("010190Y999W");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->normalised() != b->normalised());
  CHECK(a->birth_date() == b->birth_date());
}

TEST_CASE("normalising: upper case, surrounding spaces dropped", "[hetu]") {
  auto r = parse_identity_code("  150317a901j ");
  REQUIRE(r.ok());
  CHECK(r->normalised() == "150317A901J");
  CHECK(parse_identity_code("010190y999w")->normalised() == "010190Y999W");
}

TEST_CASE("temporary and register numbers are told apart", "[hetu]") {
  auto temp = parse_identity_code(with_check("010190-900"));
  auto real = parse_identity_code(with_check("010190-899"));
  REQUIRE(temp.ok());
  REQUIRE(real.ok());
  CHECK(temp->temporary());
  CHECK_FALSE(real->temporary());
  CHECK(parse_identity_code(with_check("010190-002")).ok());
  CHECK(parse_identity_code("010190-999W")->odd_individual_number());
  CHECK_FALSE(parse_identity_code(with_check("010190-998"))->odd_individual_number());
}

TEST_CASE("each kind of invalid code gets its own precise error", "[hetu]") {
  CHECK(problem_of("") == IdentityCodeProblem::kLength);
  CHECK(problem_of("150317A901") == IdentityCodeProblem::kLength);
  CHECK(problem_of("150317A901JX") == IdentityCodeProblem::kLength);
  CHECK(problem_of("15O317A901J") == IdentityCodeProblem::kDateDigits);
  CHECK(problem_of("150317G901J") == IdentityCodeProblem::kCenturySign);
  CHECK(problem_of("150317Z901J") == IdentityCodeProblem::kCenturySign);
  CHECK(problem_of("150317 901J") == IdentityCodeProblem::kCenturySign);
  CHECK(problem_of("150317A9O1J") == IdentityCodeProblem::kIndividualDigits);
  for (const char* bad :
       {"150317A901G", "150317A901I", "150317A901O", "150317A901Q", "150317A901Z", "150317A901-"}) {
    CHECK(problem_of(bad) == IdentityCodeProblem::kCheckCharacterForm);
  }
  // 29.2.1900 never existed although the check character is right (docs/law.md §7.2).
  CHECK(problem_of("290200-961A") == IdentityCodeProblem::kDate);
  CHECK(problem_of("320190-999W") == IdentityCodeProblem::kDate);
  CHECK(problem_of("011390-999W") == IdentityCodeProblem::kDate);
  CHECK(problem_of("000190-999W") == IdentityCodeProblem::kDate);
  CHECK(problem_of("010190-000N") == IdentityCodeProblem::kIndividualNumber);
  CHECK(problem_of("010190-001P") == IdentityCodeProblem::kIndividualNumber);
  CHECK(problem_of("150317A901K") == IdentityCodeProblem::kCheckCharacter);
  CHECK(problem_of("150317A902J") == IdentityCodeProblem::kCheckCharacter);
  CHECK(std::string(identity_code_problem_name(IdentityCodeProblem::kCheckCharacter)) ==
        "check_character");
}

TEST_CASE("a leap-day birth date is valid in a leap year only", "[hetu]") {
  auto leap = parse_identity_code("290204A9500");
  REQUIRE(leap.ok());
  CHECK(leap->birth_date() == ymd(2004, 2, 29));
  CHECK(problem_of("290203A9500") == IdentityCodeProblem::kDate);
}

TEST_CASE("age in completed years on a given day", "[hetu]") {
  auto r = parse_identity_code("150317A901J");
  REQUIRE(r.ok());
  CHECK(r->age_on(ymd(2026, 3, 14)) == 8);
  CHECK(r->age_on(ymd(2026, 3, 15)) == 9);
  CHECK(r->age_on(ymd(2017, 3, 15)) == 0);
  CHECK(r->age_on(ymd(2000, 1, 1)) == 0);  // before birth
  // A 29 February birthday completes a year on 1 March in common years.
  auto leap = parse_identity_code("290204A9500");
  REQUIRE(leap.ok());
  CHECK(leap->age_on(ymd(2005, 2, 28)) == 0);
  CHECK(leap->age_on(ymd(2005, 3, 1)) == 1);
  CHECK(leap->age_on(ymd(2008, 2, 29)) == 4);
  CHECK(age_on(ymd(2008, 6, 1), ymd(2026, 5, 31)) == 17);
  CHECK(age_on(ymd(2008, 6, 1), ymd(2026, 6, 1)) == 18);
}
