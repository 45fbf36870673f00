// The charts' figures (console/src/stats.js) without a browser (ctest console_stats; Node.js
// only): ISO weeks and months of Helsinki's calendar days, and what each record counts for.
// Usage: node tests/console/stats_test.mjs console/src
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

// Loaded as its text (it imports nothing), as export_test.mjs loads export.js.
const source = readFileSync(join(process.argv[2] ?? "console/src", "stats.js"));
const { isoWeek, localDay, monthsBetween, scaleTop, tally, weeksBetween, daysBetween } = await import(
  "data:text/javascript;base64," + source.toString("base64")
);
const tz = "Europe/Helsinki";

// Helsinki's day: 21.59 UTC is already the next day in winter (+02) and in summer (+03).
assert.equal(localDay("2026-12-06T21:59:00Z", tz), "2026-12-06");
assert.equal(localDay("2026-12-06T22:00:00Z", tz), "2026-12-07");
assert.equal(localDay("2026-06-30T21:00:00Z", tz), "2026-07-01");
// ISO weeks: Monday first, the week belongs to the year of its Thursday.
assert.deepEqual(isoWeek("2026-12-07"), { monday: "2026-12-07", week: 50, year: 2026 });
assert.deepEqual(isoWeek("2026-12-13"), { monday: "2026-12-07", week: 50, year: 2026 });
assert.deepEqual(isoWeek("2027-01-01"), { monday: "2026-12-28", week: 53, year: 2026 });
assert.deepEqual(isoWeek("2025-12-29"), { monday: "2025-12-29", week: 1, year: 2026 });
assert.deepEqual(isoWeek("2024-01-01"), { monday: "2024-01-01", week: 1, year: 2024 });
assert.deepEqual(
  weeksBetween("2026-11-25", "2026-12-07").map((w) => w.week),
  [48, 49, 50],
);
assert.deepEqual(monthsBetween("2026-11-25", "2027-01-02"), ["2026-11", "2026-12", "2027-01"]);
assert.equal(daysBetween("2026-01-01", "2026-12-31"), 365);
assert.deepEqual([0, 1, 3, 5, 11, 20, 21, 499].map(scaleTop), [1, 1, 5, 5, 20, 20, 50, 500]);

const rec = (time, type, agency, decision, extra = {}) => ({ time, type, agency, decision, ...extra });
const records = [
  rec("2026-11-30T08:00:00Z", "decision", "soite", "granted"),
  rec("2026-12-01T08:00:00Z", "decision", "soite", "denied"),
  rec("2026-12-02T08:00:00Z", "decision", "soite", "partial"), // both granted and denied
  rec("2026-12-07T08:00:00Z", "break-glass", "soite", "granted", { break_glass: true }),
  rec("2026-11-26T08:00:00Z", "decision", "school", "granted"),
  rec("2026-11-26T08:00:00Z", "disclosure", "soite", undefined), // not a decision
  rec("2026-11-22T21:59:00Z", "decision", "soite", "granted"), // 22.11 in Helsinki: before
  rec("2026-12-07T22:00:00Z", "decision", "soite", "granted"), // 8.12 in Helsinki: after
  { time: "2026-12-01T08:00:00Z", type: "decision", agency: "soite", full_record: false },
];
const f = tally(records, "2026-11-23", "2026-12-07", tz);
assert.deepEqual(f.weeks.map((w) => w.monday), ["2026-11-23", "2026-11-30", "2026-12-07"]);
assert.deepEqual(f.months, ["2026-11", "2026-12"]);
assert.deepEqual(
  f.agencies.map((a) => [a.agency, a.granted, a.denied]),
  [
    ["soite", [0, 2, 1], [0, 2, 0]],
    ["school", [1, 0, 0], [0, 0, 0]],
  ],
);
assert.deepEqual(f.breakGlass, [0, 1]);
assert.deepEqual(tally([], "2026-12-01", "2026-12-07", tz).agencies, []);
console.log("console stats: ok");
