// A search's result set as a file: CSV (one row per record) or JSON (the records as the API gave
// them). Built in the browser from the API's pages and saved through a Blob: nothing is sent
// anywhere. The text builders use no DOM, so that Node.js tests them too.

// The CSV's columns: the audit record's fields (docs/formats/audit-log.md) with `origin`.
export const csvColumns = [
  "origin",
  "seq",
  "time",
  "type",
  "agency",
  "actor",
  "actor_role",
  "target",
  "direction",
  "purpose",
  "decision",
  "outcome",
  "break_glass",
  "categories_requested",
  "categories_granted",
  "categories_denied",
  "citations",
  "consents",
  "case_reference",
  "reference",
  "justification",
  "embargo_until",
  "subject",
  "subject_key",
  "catalog_version",
  "request_digest",
  "response_digest",
];

// One CSV cell (RFC 4180). A text a spreadsheet would read as a formula (= + - @, or a tab or
// carriage return in front) gets a ' first: an exported justification must never run as one.
export function csvCell(value) {
  if (value === undefined || value === null) return "";
  let text = Array.isArray(value) ? value.join(" ") : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, "\"\"")}"` : text;
}

export function toCsv(records) {
  const lines = [csvColumns.join(",")];
  for (const r of records) lines.push(csvColumns.map((c) => csvCell(r[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

// `query` is the search as the API was asked, without the identity code (which never goes into
// a file: the records carry the pseudonym).
export function toJson(records, query, exportedAt) {
  return `${JSON.stringify({exported_at: exportedAt, query, records}, null, 2)}\n`;
}

// "silta-audit-20261207-141502.csv"
export function fileName(extension, now = new Date()) {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `silta-audit-${stamp}.${extension}`;
}

// Offers `text` as a download named `name`.
export function download(text, name, type) {
  const url = URL.createObjectURL(new Blob([text], {type}));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has started reading the Blob; free it once the click has been handled.
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
