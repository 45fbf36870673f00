// The Finnish working-day calendar and statutory deadlines (docs/law.md §8; laki
// säädettyjen määräaikain laskemisesta 150/1930).
//
// Working days: not Saturday or Sunday, not a church holiday, not itsenäisyyspäivä, vappu,
// juhannusaatto or jouluaatto. A period in working days does not count the start day (the day
// a report was received): day 1 is the next working day.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"

namespace silta::policy {

using Date = std::chrono::year_month_day;

struct PublicHoliday {
  Date date;
  std::string_view name_fi;  // e.g. "juhannusaatto"
  std::string_view name_en;  // e.g. "Midsummer Eve"
};

// The holidays of `year` that count as non-working days (church holidays, itsenäisyyspäivä,
// vappu, juhannusaatto, jouluaatto), also those that always fall on a weekend, in date order.
std::vector<PublicHoliday> public_holidays(int year);
Date easter_sunday(int year);
bool is_public_holiday(Date d);
bool is_working_day(Date d);

// The n-th working day after `start` (n >= 0; n = 0 is `start` itself).
Date add_working_days(Date start, int n);
// How many working days d satisfy from < d <= to (0 when to <= from).
int working_days_between(Date from, Date to);
// `start` moved forward to the first working day on or after it.
Date next_working_day_on_or_after(Date start);
// The same date number n months later, or that month's last day when it has no such date
// (150/1930 3 §).
Date add_months(Date start, int n);
Date add_days(Date start, int n);

// "2026-03-02"
std::string format_date(Date d);
// "YYYY-MM-DD" of an existing date.
std::optional<Date> parse_date(std::string_view text);

// The calendar date in Finland (Europe/Helsinki: UTC+2, UTC+3 from the last Sunday of March
// 01:00 UTC to the last Sunday of October 01:00 UTC) at `t`.
Date helsinki_date(SysTime t);
// The instant date `d` ends in Finland (the next day's 00:00 in Helsinki): a deadline due on `d`
// is met by any time before it.
SysTime helsinki_day_end(Date d);

// How a statutory deadline is counted from its start (the day a matter became pending,
// vireilletulo). The catalog's deadline rules carry one each.
struct DeadlineSpec {
  enum class Count {
    kImmediately,            // "viipymättä", "välittömästi": due on the start day
    kWorkingDays,            // the amount-th working day after the start day
    kMonths,                 // 150/1930 3 §
    kCalendarDaysInclusive,  // e.g. LSL 38 §(2): 30 days counting the start day itself
  };
  Count count = Count::kImmediately;
  int amount = 0;
  // 150/1930 5 §: a deadline that ends on a non-working day moves to the next working day. It
  // is written for the acts of parties; for an authority's own deadline Silta alerts on the
  // nominal date (docs/law.md §8.2, uncertain), so the shipped rules leave this off.
  bool moves_to_working_day = false;

  bool operator==(const DeadlineSpec&) const = default;
};

// The last day on which the deadline is still met.
Date deadline_due(const DeadlineSpec& spec, Date start);

// The deadlines of docs/law.md §8.3 by name. The catalog's deadline rules hold the same values
// (a unit test keeps them equal); the referral code reads them from the catalog.
inline constexpr DeadlineSpec kUrgencyAssessment{DeadlineSpec::Count::kImmediately, 0};
// LSL 26 §(5) / SHL 36 §(3): the service-need assessment is started by the 7th working day.
inline constexpr DeadlineSpec kAssessmentStart{DeadlineSpec::Count::kWorkingDays, 7};
// LSL 26 §(5) / SHL 36 §(3): and completed within 3 months of the matter becoming pending.
inline constexpr DeadlineSpec kAssessmentComplete{DeadlineSpec::Count::kMonths, 3};
// LSL 38 §(2): an urgent placement lasts at most 30 days, the placement day included.
inline constexpr DeadlineSpec kUrgentPlacement{DeadlineSpec::Count::kCalendarDaysInclusive, 30};

}  // namespace silta::policy
