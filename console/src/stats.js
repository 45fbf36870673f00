// The figures the charts screen draws (views/stats.js), counted in the browser from the audit
// records the API gives: requests granted and denied per agency per week, emergency accesses
// per month. Weeks are ISO weeks (Monday first) and days are calendar days in `timeZone`. It
// imports nothing and uses no DOM, so that Node.js tests it (tests/console/stats_test.mjs).

const dayMs = 86400000;

// The calendar day (YYYY-MM-DD) an instant falls on in `timeZone`.
export function localDay(instant, timeZone) {
  const parts = new Intl
                    .DateTimeFormat("en-CA", {
                      timeZone,
                      year: "numeric",
                      month: "2-digit",
                      day: "2-digit",
                    })
                    .formatToParts(new Date(instant));
  const part = (type) => parts.find((p) => p.type === type)?.value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

function utcOf(day) {
  const [y, m, d] = day.split("-").map(Number);
  return Date.UTC(y, m - 1, d);
}

function dayOf(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day, days) {
  return dayOf(utcOf(day) + days * dayMs);
}

// Days from `from` to `until`, both included.
export function daysBetween(from, until) {
  return Math.round((utcOf(until) - utcOf(from)) / dayMs) + 1;
}

// The ISO week of a day: the Monday it begins on, its number and the year it belongs to (the
// year of its Thursday).
export function isoWeek(day) {
  const ms = utcOf(day);
  const monday = ms - ((new Date(ms).getUTCDay() + 6) % 7) * dayMs;
  const thursday = monday + 3 * dayMs;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * dayMs)) + 1;
  return {monday: dayOf(monday), week, year};
}

// Every week that has a day from `from` to `until`, in order.
export function weeksBetween(from, until) {
  const out = [];
  for (let ms = utcOf(isoWeek(from).monday); ms <= utcOf(until); ms += 7 * dayMs) {
    out.push(isoWeek(dayOf(ms)));
  }
  return out;
}

// Every month (YYYY-MM) that has a day from `from` to `until`, in order.
export function monthsBetween(from, until) {
  const out = [];
  let [y, m] = from.split("-").map(Number);
  const last = until.slice(0, 7);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, "0")}`;
    if (month > last) return out;
    out.push(month);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
}

// The charts' figures for records of the days `from`…`until` (both included). Decisions and
// emergency accesses (event types "decision" and "break-glass") count per acting agency and
// week: granted when the decision granted some category, denied when it refused some (a
// partial decision is both, as in the search's outcome filter). Emergency accesses also count
// per month. Other records, and records outside the days, are left out.
//   → {weeks: [isoWeek…], months: ["YYYY-MM"…], agencies: [{agency, granted: [n per week],
//      denied: [n per week]}…] (most requests first), breakGlass: [n per month]}
export function tally(records, from, until, timeZone) {
  const weeks = weeksBetween(from, until);
  const months = monthsBetween(from, until);
  const weekIndex = new Map(weeks.map((w, i) => [w.monday, i]));
  const byAgency = new Map();
  const breakGlass = months.map(() => 0);
  for (const r of records) {
    if (r.type !== "decision" && r.type !== "break-glass") continue;
    const day = localDay(r.time, timeZone);
    if (day < from || day > until) continue;
    if (r.type === "break-glass") breakGlass[months.indexOf(day.slice(0, 7))] += 1;
    const w = weekIndex.get(isoWeek(day).monday);
    const agency = r.agency ?? "";
    let row = byAgency.get(agency);
    if (!row) {
      row = {agency, granted: weeks.map(() => 0), denied: weeks.map(() => 0)};
      byAgency.set(agency, row);
    }
    if (r.decision === "granted" || r.decision === "partial") row.granted[w] += 1;
    if (r.decision === "denied" || r.decision === "partial") row.denied[w] += 1;
  }
  const total = (row) => sum(row.granted) + sum(row.denied);
  const agencies = [...byAgency.values()].sort(
      (a, b) => total(b) - total(a) ||
          (a.agency < b.agency     ? -1 :
               a.agency > b.agency ? 1 :
                                     0));
  return {weeks, months, agencies, breakGlass};
}

export function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}

// The top of a chart's scale: a round number at or above `max` (1, 2, 5, 10, 20, 50, …).
export function scaleTop(max) {
  if (max <= 1) return 1;
  for (let step = 1;; step *= 10) {
    for (const m of [1, 2, 5]) {
      if (m * step >= max) return m * step;
    }
  }
}
