// Times: the API speaks RFC 3339 in UTC; people read and type Finnish local time.
import {h} from "./dom.js";
import {language} from "./texts.js";

export const timeZone = "Europe/Helsinki";

const locales = {
  fi: "fi-FI",
  sv: "sv-FI",
  en: "en-GB"
};

export function locale() {
  return locales[language()];
}

// "2026-11-23T15:13:56.211372Z" → 23.11.2026 klo 17.13.56, in a <time> that keeps the exact value.
export function time(rfc3339) {
  if (!rfc3339) return "";
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return rfc3339;
  const text = new Intl
                   .DateTimeFormat(locale(), {
                     timeZone,
                     dateStyle: "short",
                     timeStyle: "medium",
                   })
                   .format(date);
  return h("time", {datetime: rfc3339}, text);
}

export function isPast(rfc3339, now = new Date()) {
  const date = new Date(rfc3339);
  return !Number.isNaN(date.getTime()) && date.getTime() < now.getTime();
}

// Minutes that `timeZone` is ahead of UTC at the instant `utcMillis`.
function offsetMinutes(utcMillis) {
  const parts = new Intl
                    .DateTimeFormat("en-US", {
                      timeZone,
                      hourCycle: "h23",
                      year: "numeric",
                      month: "2-digit",
                      day: "2-digit",
                      hour: "2-digit",
                      minute: "2-digit",
                      second: "2-digit",
                    })
                    .formatToParts(new Date(utcMillis));
  const part = (type) => Number(parts.find((p) => p.type === type)?.value ?? "0");
  const wall = Date.UTC(
      part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return Math.round((wall - utcMillis) / 60000);
}

function parseDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

// The instant a local day (YYYY-MM-DD, as <input type="date"> gives it) begins in Helsinki, as
// RFC 3339 UTC; `plusDays` moves to a later day first. null for a malformed day.
export function startOfLocalDay(day, plusDays = 0) {
  const ymd = parseDay(day);
  if (!ymd) return null;
  const wall = Date.UTC(ymd[0], ymd[1] - 1, ymd[2] + plusDays);
  // The offset at the wall time read as UTC is right except within hours of a DST change;
  // a second round with the offset at the first estimate settles it.
  let utc = wall - offsetMinutes(wall) * 60000;
  utc = wall - offsetMinutes(utc) * 60000;
  return new Date(utc).toISOString().replace(".000Z", "Z");
}
