// The console's export (console/src/export.js) without a browser (ctest console_export; Node.js
// only): CSV cells are quoted by RFC 4180 and never start a spreadsheet formula.
// Usage: node tests/console/export_test.mjs console/src
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

// Loaded as its text (it imports nothing), as verify_test.mjs loads verify.js.
const source = readFileSync(join(process.argv[2] ?? "console/src", "export.js"));
const { csvCell, csvColumns, fileName, toCsv, toJson } = await import(
  "data:text/javascript;base64," + source.toString("base64")
);

// Formula injection: = + - @ and a leading tab or carriage return get a ' first.
for (const text of ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]) {
  const cell = csvCell(text);
  assert.ok(cell.startsWith("'") || cell.startsWith("\"'"), `${JSON.stringify(text)} → ${cell}`);
}
assert.equal(csvCell("=1+1"), "'=1+1");
// Quoting: commas, quotes, line breaks and edge spaces.
assert.equal(csvCell("a,b"), "\"a,b\"");
assert.equal(csvCell("say \"no\""), "\"say \"\"no\"\"\"");
assert.equal(csvCell("two\nlines"), "\"two\nlines\"");
assert.equal(csvCell(" padded"), "\" padded\"");
// Values: nothing for a missing one, lists joined by spaces, numbers and booleans as text.
assert.equal(csvCell(undefined), "");
assert.equal(csvCell(null), "");
assert.equal(csvCell(["a", "b"]), "a b");
assert.equal(csvCell(7), "7");
assert.equal(csvCell(true), "true");
assert.equal(csvCell("SOITE-LS-2026-0412"), "SOITE-LS-2026-0412");

const records = [
  { origin: "gw-1", seq: 3, time: "2026-11-23T10:15:30.123456Z", type: "decision", decision: "denied",
    categories_denied: ["mh_diagnosis", "grades"], justification: "-kiireellinen, \"heti\"" },
  { origin: "gw-1", seq: 4, time: "2026-11-23T10:15:31.000000Z", type: "audit-read", outcome: "ok" },
];
const csv = toCsv(records);
const lines = csv.split("\r\n");
assert.equal(lines[0], csvColumns.join(","));
assert.equal(lines.length, 4);  // header, two rows, and the final line break
assert.equal(lines[3], "");
const row = lines[1].split(",");
assert.equal(row[csvColumns.indexOf("seq")], "3");
assert.equal(row[csvColumns.indexOf("categories_denied")], "mh_diagnosis grades");
assert.ok(lines[1].includes("\"'-kiireellinen, \"\"heti\"\"\""));
for (const line of lines.slice(0, 3)) assert.ok(!/^[=+\-@]/.test(line));

const json = JSON.parse(toJson(records, { outcome: "denied" }, "2026-12-07T12:00:00.000Z"));
assert.deepEqual(json.records, records);
assert.deepEqual(json.query, { outcome: "denied" });
assert.equal(fileName("csv", new Date("2026-12-07T14:15:02.123Z")), "silta-audit-20261207-141502.csv");

console.log("export: ok");
