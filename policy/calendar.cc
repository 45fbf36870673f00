#include "policy/calendar.h"

#include <algorithm>
#include <cstdio>

namespace silta::policy {

using namespace std::chrono;

namespace {

Date nth_weekday_on_or_after(Date from, weekday wd) {
  sys_days d{from};
  while (weekday{d} != wd) d += days{1};
  return Date{d};
}

Date last_sunday(int y, unsigned m) { return Date{year{y} / month{m} / Sunday[last]}; }

bool is_weekend(Date d) {
  weekday wd{sys_days{d}};
  return wd == Saturday || wd == Sunday;
}

}  // namespace

Date easter_sunday(int y) {
  // The anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
  int f = (b + 8) / 25, g = (b - f + 1) / 3;
  int h = (19 * a + b - d - g + 15) % 30;
  int i = c / 4, k = c % 4;
  int l = (32 + 2 * e + 2 * i - h - k) % 7;
  int m = (a + 11 * h + 22 * l) / 451;
  int month_ = (h + l - 7 * m + 114) / 31;
  int day_ = ((h + l - 7 * m + 114) % 31) + 1;
  return Date{year{y}, month{unsigned(month_)}, day{unsigned(day_)}};
}

std::vector<PublicHoliday> public_holidays(int y) {
  sys_days easter{easter_sunday(y)};
  auto on = [y](unsigned m, unsigned d) { return Date{year{y}, month{m}, day{d}}; };
  std::vector<PublicHoliday> out = {
      {on(1, 1), "uudenvuodenpäivä", "New Year's Day"},
      {on(1, 6), "loppiainen", "Epiphany"},
      {Date{easter - days{2}}, "pitkäperjantai", "Good Friday"},
      {Date{easter}, "pääsiäispäivä", "Easter Sunday"},
      {Date{easter + days{1}}, "2. pääsiäispäivä", "Easter Monday"},
      {on(5, 1), "vappu", "May Day"},
      {Date{easter + days{39}}, "helatorstai", "Ascension Day"},
      {Date{easter + days{49}}, "helluntaipäivä", "Whit Sunday"},
      // Juhannuspäivä is the Saturday from 20 to 26 June; its eve the Friday before.
      {Date{sys_days{nth_weekday_on_or_after(on(6, 20), Saturday)} - days{1}}, "juhannusaatto",
       "Midsummer Eve"},
      {nth_weekday_on_or_after(on(6, 20), Saturday), "juhannuspäivä", "Midsummer Day"},
      // Pyhäinpäivä is the Saturday from 31 October to 6 November.
      {nth_weekday_on_or_after(on(10, 31), Saturday), "pyhäinpäivä", "All Saints' Day"},
      {on(12, 6), "itsenäisyyspäivä", "Independence Day"},
      {on(12, 24), "jouluaatto", "Christmas Eve"},
      {on(12, 25), "joulupäivä", "Christmas Day"},
      {on(12, 26), "tapaninpäivä", "St Stephen's Day"},
  };
  std::sort(out.begin(), out.end(),
            [](const PublicHoliday& a, const PublicHoliday& b) { return a.date < b.date; });
  return out;
}

bool is_public_holiday(Date d) {
  unsigned m = unsigned(d.month()), dd = unsigned(d.day());
  if ((m == 1 && (dd == 1 || dd == 6)) || (m == 5 && dd == 1) || (m == 12 && dd == 6) ||
      (m == 12 && dd >= 24 && dd <= 26)) {
    return true;
  }
  weekday wd{sys_days{d}};
  if (m == 6 &&
      ((wd == Friday && dd >= 19 && dd <= 25) || (wd == Saturday && dd >= 20 && dd <= 26))) {
    return true;  // juhannusaatto, juhannuspäivä
  }
  if (wd == Saturday && ((m == 10 && dd == 31) || (m == 11 && dd <= 6))) return true;
  auto offset = (sys_days{d} - sys_days{easter_sunday(int(d.year()))}).count();
  return offset == -2 || offset == 0 || offset == 1 || offset == 39 || offset == 49;
}

bool is_working_day(Date d) { return !is_weekend(d) && !is_public_holiday(d); }

Date add_working_days(Date start, int n) {
  sys_days d{start};
  while (n > 0) {
    d += days{1};
    if (is_working_day(Date{d})) --n;
  }
  return Date{d};
}

int working_days_between(Date from, Date to) {
  int n = 0;
  for (sys_days d = sys_days{from} + days{1}; d <= sys_days{to}; d += days{1}) {
    if (is_working_day(Date{d})) ++n;
  }
  return n;
}

Date next_working_day_on_or_after(Date start) {
  sys_days d{start};
  while (!is_working_day(Date{d})) d += days{1};
  return Date{d};
}

Date add_months(Date start, int n) {
  year_month ym = year_month{start.year(), start.month()} + months{n};
  Date same{ym / start.day()};
  return same.ok() ? same : Date{ym / last};
}

Date add_days(Date start, int n) { return Date{sys_days{start} + days{n}}; }

std::string format_date(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(d.year()), unsigned(d.month()),
                unsigned(d.day()));
  return buf;
}

std::optional<Date> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t n) {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  Date date{year{y}, month{unsigned(m)}, day{unsigned(d)}};
  if (!date.ok()) return std::nullopt;
  return date;
}

Date helsinki_date(SysTime t) {
  int y = int(year_month_day{floor<days>(t)}.year());
  auto summer_from = sys_days{last_sunday(y, 3)} + hours{1};
  auto summer_until = sys_days{last_sunday(y, 10)} + hours{1};
  bool summer = t >= summer_from && t < summer_until;
  return Date{floor<days>(t + hours{summer ? 3 : 2})};
}

SysTime helsinki_day_end(Date d) {
  // Midnight is never inside a switch of the clocks (they move at 01:00 UTC), so the next
  // day's midnight is 21:00 UTC in summer time and 22:00 UTC otherwise.
  auto next = sys_days{d} + days{1};
  SysTime summer = next - hours{3};
  return helsinki_date(summer) == Date{next} ? summer : SysTime(next - hours{2});
}

Date deadline_due(const DeadlineSpec& spec, Date start) {
  Date due = start;
  switch (spec.count) {
    case DeadlineSpec::Count::kImmediately:
      break;
    case DeadlineSpec::Count::kWorkingDays:
      due = add_working_days(start, spec.amount);
      break;
    case DeadlineSpec::Count::kMonths:
      due = add_months(start, spec.amount);
      break;
    case DeadlineSpec::Count::kCalendarDaysInclusive:
      due = add_days(start, spec.amount - 1);
      break;
  }
  return spec.moves_to_working_day ? next_working_day_on_or_after(due) : due;
}

}  // namespace silta::policy
