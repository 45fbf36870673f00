// The Finnish working-day calendar, table-driven for 2025-2027 against docs/law.md §8.
#include <catch2/catch.hpp>

#include "policy/calendar.h"

using namespace silta::policy;
using namespace std::chrono;

namespace {

Date ymd(int y, unsigned m, unsigned d) { return Date{year{y}, month{m}, day{d}}; }

struct Holiday {
  Date date;
  const char* name;
};

// The holidays of docs/law.md §8.1 in 2025-2027, those on a weekend included.
const Holiday kHolidays[] = {
    {ymd(2025, 1, 1), "uudenvuodenpäivä"},  {ymd(2025, 1, 6), "loppiainen"},
    {ymd(2025, 4, 18), "pitkäperjantai"},   {ymd(2025, 4, 20), "pääsiäispäivä"},
    {ymd(2025, 4, 21), "2. pääsiäispäivä"}, {ymd(2025, 5, 1), "vappu"},
    {ymd(2025, 5, 29), "helatorstai"},      {ymd(2025, 6, 8), "helluntaipäivä"},
    {ymd(2025, 6, 20), "juhannusaatto"},    {ymd(2025, 6, 21), "juhannuspäivä"},
    {ymd(2025, 11, 1), "pyhäinpäivä"},      {ymd(2025, 12, 6), "itsenäisyyspäivä"},
    {ymd(2025, 12, 24), "jouluaatto"},      {ymd(2025, 12, 25), "joulupäivä"},
    {ymd(2025, 12, 26), "tapaninpäivä"},

    {ymd(2026, 1, 1), "uudenvuodenpäivä"},  {ymd(2026, 1, 6), "loppiainen"},
    {ymd(2026, 4, 3), "pitkäperjantai"},    {ymd(2026, 4, 5), "pääsiäispäivä"},
    {ymd(2026, 4, 6), "2. pääsiäispäivä"},  {ymd(2026, 5, 1), "vappu"},
    {ymd(2026, 5, 14), "helatorstai"},      {ymd(2026, 5, 24), "helluntaipäivä"},
    {ymd(2026, 6, 19), "juhannusaatto"},    {ymd(2026, 6, 20), "juhannuspäivä"},
    {ymd(2026, 10, 31), "pyhäinpäivä"},     {ymd(2026, 12, 6), "itsenäisyyspäivä"},
    {ymd(2026, 12, 24), "jouluaatto"},      {ymd(2026, 12, 25), "joulupäivä"},
    {ymd(2026, 12, 26), "tapaninpäivä"},

    {ymd(2027, 1, 1), "uudenvuodenpäivä"},  {ymd(2027, 1, 6), "loppiainen"},
    {ymd(2027, 3, 26), "pitkäperjantai"},   {ymd(2027, 3, 28), "pääsiäispäivä"},
    {ymd(2027, 3, 29), "2. pääsiäispäivä"}, {ymd(2027, 5, 1), "vappu"},
    {ymd(2027, 5, 6), "helatorstai"},       {ymd(2027, 5, 16), "helluntaipäivä"},
    {ymd(2027, 6, 25), "juhannusaatto"},    {ymd(2027, 6, 26), "juhannuspäivä"},
    {ymd(2027, 11, 6), "pyhäinpäivä"},      {ymd(2027, 12, 6), "itsenäisyyspäivä"},
    {ymd(2027, 12, 24), "jouluaatto"},      {ymd(2027, 12, 25), "joulupäivä"},
    {ymd(2027, 12, 26), "tapaninpäivä"},
};

}  // namespace

TEST_CASE("public holidays 2025-2027 are exactly those of docs/law.md §8.1", "[calendar]") {
  for (int y : {2025, 2026, 2027}) {
    INFO(y);
    std::vector<Holiday> expected;
    for (const auto& h : kHolidays) {
      if (int(h.date.year()) == y) expected.push_back(h);
    }
    auto got = public_holidays(y);
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].date == expected[i].date);
      CHECK(got[i].name_fi == expected[i].name);
      CHECK(is_public_holiday(expected[i].date));
      CHECK_FALSE(is_working_day(expected[i].date));
    }
    // And no other day of the year is a holiday.
    int holidays = 0;
    for (sys_days d{ymd(y, 1, 1)}; d <= sys_days{ymd(y, 12, 31)}; d += days{1}) {
      if (is_public_holiday(Date{d})) ++holidays;
    }
    CHECK(holidays == int(expected.size()));
  }
}

TEST_CASE("Easter by the Gregorian computus", "[calendar]") {
  CHECK(easter_sunday(2024) == ymd(2024, 3, 31));
  CHECK(easter_sunday(2025) == ymd(2025, 4, 20));
  CHECK(easter_sunday(2026) == ymd(2026, 4, 5));
  CHECK(easter_sunday(2027) == ymd(2027, 3, 28));
  CHECK(easter_sunday(2038) == ymd(2038, 4, 25));  // the latest possible
  CHECK(easter_sunday(2285) == ymd(2285, 3, 22));  // the earliest possible
}

TEST_CASE("weekends never count, weekdays that are not holidays do", "[calendar]") {
  CHECK_FALSE(is_working_day(ymd(2026, 3, 7)));  // Saturday
  CHECK_FALSE(is_working_day(ymd(2026, 3, 8)));  // Sunday
  CHECK(is_working_day(ymd(2026, 3, 9)));        // Monday
  CHECK(is_working_day(ymd(2025, 12, 23)));      // the day before jouluaatto
  CHECK(is_working_day(ymd(2025, 12, 31)));      // uudenvuodenaatto is a working day
  CHECK(is_working_day(ymd(2026, 6, 18)));       // the day before juhannusaatto
}

TEST_CASE("the 7th working day: docs/law.md §8.1's worked examples and more", "[calendar]") {
  struct Row {
    Date received;
    Date day7;
  };
  const Row rows[] = {
      {ymd(2025, 12, 18), ymd(2026, 1, 2)},    // Christmas and New Year (law.md)
      {ymd(2027, 3, 23), ymd(2027, 4, 5)},     // Easter 2027 (law.md)
      {ymd(2026, 6, 17), ymd(2026, 6, 29)},    // Midsummer 2026 (law.md)
      {ymd(2026, 3, 3), ymd(2026, 3, 12)},     // "Tuesday -> Thursday next week"
      {ymd(2025, 4, 16), ymd(2025, 4, 29)},    // Easter 2025
      {ymd(2026, 3, 31), ymd(2026, 4, 13)},    // Easter 2026
      {ymd(2025, 6, 18), ymd(2025, 6, 30)},    // Midsummer 2025
      {ymd(2027, 6, 22), ymd(2027, 7, 2)},     // Midsummer 2027
      {ymd(2026, 12, 22), ymd(2027, 1, 5)},    // Christmas 2026 and the year end
      {ymd(2027, 12, 20), ymd(2027, 12, 30)},  // Christmas 2027 on a weekend
      {ymd(2026, 4, 29), ymd(2026, 5, 11)},    // vappu 2026
      {ymd(2026, 5, 8), ymd(2026, 5, 20)},     // helatorstai 2026
      {ymd(2025, 12, 5), ymd(2025, 12, 16)},   // itsenäisyyspäivä on a Saturday
      {ymd(2027, 12, 3), ymd(2027, 12, 15)},   // itsenäisyyspäivä on a Monday
      {ymd(2026, 3, 7), ymd(2026, 3, 17)},     // received on a Saturday
      {ymd(2026, 12, 24), ymd(2027, 1, 7)},    // received on jouluaatto
  };
  for (const auto& r : rows) {
    INFO(format_date(r.received));
    CHECK(add_working_days(r.received, 7) == r.day7);
    CHECK(deadline_due(kAssessmentStart, r.received) == r.day7);
    CHECK(working_days_between(r.received, r.day7) == 7);
    CHECK(working_days_between(r.received, add_days(r.day7, -1)) == 6);
  }
}

TEST_CASE("working days between and zero-length periods", "[calendar]") {
  CHECK(add_working_days(ymd(2026, 3, 7), 0) == ymd(2026, 3, 7));
  CHECK(working_days_between(ymd(2026, 3, 9), ymd(2026, 3, 9)) == 0);
  CHECK(working_days_between(ymd(2026, 3, 10), ymd(2026, 3, 9)) == 0);
  // A whole year: 2026 has 365 days, 104 weekend days and 9 holidays on weekdays.
  CHECK(working_days_between(ymd(2025, 12, 31), ymd(2026, 12, 31)) == 252);
  CHECK(next_working_day_on_or_after(ymd(2026, 4, 3)) == ymd(2026, 4, 7));
  CHECK(next_working_day_on_or_after(ymd(2026, 4, 7)) == ymd(2026, 4, 7));
}

TEST_CASE("months: the same date number, else the month's last day (150/1930 3 §)", "[calendar]") {
  CHECK(add_months(ymd(2026, 3, 2), 3) == ymd(2026, 6, 2));
  CHECK(add_months(ymd(2025, 11, 30), 3) == ymd(2026, 2, 28));
  CHECK(add_months(ymd(2027, 11, 30), 3) == ymd(2028, 2, 29));
  CHECK(add_months(ymd(2026, 5, 31), 1) == ymd(2026, 6, 30));
  CHECK(add_months(ymd(2025, 12, 18), 3) == ymd(2026, 3, 18));
  CHECK(deadline_due(kAssessmentComplete, ymd(2025, 11, 30)) == ymd(2026, 2, 28));
}

TEST_CASE("deadline kinds", "[calendar]") {
  CHECK(deadline_due(kUrgencyAssessment, ymd(2026, 4, 3)) == ymd(2026, 4, 3));
  // LSL 38 §(2): 30 days with the placement day: placed 1 March, last day 30 March.
  CHECK(deadline_due(kUrgentPlacement, ymd(2026, 3, 1)) == ymd(2026, 3, 30));
  CHECK(deadline_due(kUrgentPlacement, ymd(2026, 12, 10)) == ymd(2027, 1, 8));
  // An authority's own deadline alerts on the nominal date, even on a holiday...
  CHECK(deadline_due(DeadlineSpec{DeadlineSpec::Count::kMonths, 1}, ymd(2026, 3, 6)) ==
        ymd(2026, 4, 6));
  // ...while a party's deadline moves to the next working day (150/1930 5 §).
  DeadlineSpec party{DeadlineSpec::Count::kMonths, 1, true};
  CHECK(deadline_due(party, ymd(2026, 3, 6)) == ymd(2026, 4, 7));
}

TEST_CASE("the date in Finland across the DST switches", "[calendar]") {
  auto at = [](const char* t) { return *silta::parse_rfc3339(t); };
  CHECK(helsinki_date(at("2026-03-01T21:59:59Z")) == ymd(2026, 3, 1));   // 23:59:59 EET
  CHECK(helsinki_date(at("2026-03-01T22:00:00Z")) == ymd(2026, 3, 2));   // 00:00 EET
  CHECK(helsinki_date(at("2026-06-30T20:59:59Z")) == ymd(2026, 6, 30));  // 23:59:59 EEST
  CHECK(helsinki_date(at("2026-06-30T21:00:00Z")) == ymd(2026, 7, 1));
  // Summer time starts on the last Sunday of March at 01:00 UTC (29 March 2026).
  CHECK(helsinki_date(at("2026-03-28T21:30:00Z")) == ymd(2026, 3, 28));  // 23:30 EET
  CHECK(helsinki_date(at("2026-03-29T21:30:00Z")) == ymd(2026, 3, 30));  // 00:30 EEST
  // And ends on the last Sunday of October at 01:00 UTC (25 October 2026).
  CHECK(helsinki_date(at("2026-10-24T21:30:00Z")) == ymd(2026, 10, 25));  // 00:30 EEST
  CHECK(helsinki_date(at("2026-10-25T21:30:00Z")) == ymd(2026, 10, 25));  // 23:30 EET
  CHECK(helsinki_date(at("2026-12-31T22:00:00Z")) == ymd(2027, 1, 1));
}

TEST_CASE("the end of a day in Finland, in winter and summer time", "[calendar]") {
  auto at = [](const char* t) { return *silta::parse_rfc3339(t); };
  CHECK(helsinki_day_end(ymd(2026, 3, 1)) == at("2026-03-01T22:00:00Z"));
  CHECK(helsinki_day_end(ymd(2026, 6, 30)) == at("2026-06-30T21:00:00Z"));
  // The days the clocks switch: 29 March and 25 October 2026.
  CHECK(helsinki_day_end(ymd(2026, 3, 29)) == at("2026-03-29T21:00:00Z"));
  CHECK(helsinki_day_end(ymd(2026, 10, 25)) == at("2026-10-25T22:00:00Z"));
  CHECK(helsinki_day_end(ymd(2026, 12, 31)) == at("2026-12-31T22:00:00Z"));
}

TEST_CASE("dates as text", "[calendar]") {
  CHECK(format_date(ymd(2026, 3, 2)) == "2026-03-02");
  CHECK(parse_date("2026-03-02") == ymd(2026, 3, 2));
  CHECK_FALSE(parse_date("2026-02-29").has_value());
  CHECK_FALSE(parse_date("2026-3-2").has_value());
  CHECK_FALSE(parse_date("2026-03-0x").has_value());
  CHECK_FALSE(parse_date("").has_value());
}
