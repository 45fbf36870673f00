// Charts: requests granted and denied per agency per week, emergency accesses per month, for a
// range of days. Counted in this browser (stats.js) from the audit records the documented API
// gives (GET /v1/audit/records, event types decision and break-glass), at most `maxRecords` of
// each type: the screen says when the range holds more.
import {api, ApiError} from "../api.js";
import {barChart} from "../chart.js";
import {h, replaceChildren} from "../dom.js";
import {locale, startOfLocalDay, timeZone} from "../format.js";
import {addDays, daysBetween, isoWeek, localDay, sum, tally} from "../stats.js";
import {t, tOr} from "../texts.js";
import {announce, errorBox, field, fieldLabels, form, heading} from "../ui.js";

// Records of each type read for one range (pages of 1000).
export const maxRecords = 20000;
// The longest range, in days: a year and a day (so that a year's same day is in).
const maxDays = 367;
const types = ["decision", "break-glass"];

const fields = {
  "?from": {id: "s-from", label: () => t("search.from")},
  "?until": {id: "s-until", label: () => t("search.until")},
};

// The last twelve weeks, this one included.
function defaultRange() {
  const today = localDay(Date.now(), timeZone);
  return {from: isoWeek(addDays(today, -7 * 11)).monday, until: today};
}

export class StatsView {
  session;
  element = h("div");
  nav = "nav.stats";
  draft = defaultRange();
  // The figures shown: {from, until, figures, read: {type: count}, truncated: [type…]}.
  shown = null;
  loading = null;  // {count} while reading
  error = null;

  constructor(session) {
    this.session = session;
  }

  open() {
    this.render();
    if (!this.shown && !this.loading) void this.load();
  }

  render() {
    replaceChildren(
        this.element,
        heading(t("stats.title")),
        h("p", null, t("stats.intro")),
        this.form(),
        this.error ? errorBox(this.error, fieldLabels(fields)) : null,
        this.shown ? this.charts(this.shown) : null);
  }

  form() {
    const date = (name) => {
      const f = fields[`?${name}`];
      return field(f.id, f.label(), null, (common) => h("input", {
                                            ...common,
                                            name,
                                            type: "date",
                                            value: this.draft[name],
                                            oninput: (e) => {
                                              this.draft[name] = e.target.value;
                                            },
                                          }));
    };
    return form(
        "inline stats-range",
        () => this.load(),
        date("from"),
        date("until"),
        h("button", {type: "submit", disabled: Boolean(this.loading)}, t("stats.submit")),
        h("p",
          {class: "status"},
          this.loading ? t("stats.loading", {count: this.loading.count}) : ""));
  }

  async load() {
    const {from, until} = this.draft;
    const start = startOfLocalDay(from);
    const end = startOfLocalDay(until, 1);
    if (!start || !end) {
      this.error = ApiError.invalid(!start ? "?from" : "?until", t("stats.dates_required"));
    } else if (from > until) {
      this.error = ApiError.invalid("?until", t("search.date_order"));
    } else if (daysBetween(from, until) > maxDays) {
      this.error = ApiError.invalid("?until", t("stats.range_too_long"));
    } else {
      this.error = null;
    }
    if (this.error) {
      this.render();
      document.querySelector(".error a, .error")?.focus();
      return;
    }
    this.loading = {count: 0};
    this.render();
    const records = [];
    const read = {};
    const truncated = [];
    try {
      for (const type of types) {
        read[type] = 0;
        let cursor;
        do {
          const page = await api.records(
              this.session.actor, {event_type: type, from: start, until: end, limit: 1000, cursor});
          const room = maxRecords - read[type];
          records.push(...page.items.slice(0, room));
          read[type] += Math.min(room, page.items.length);
          cursor = page.next_cursor;
          this.loading = {count: records.length};
          this.render();
        } while (cursor && read[type] < maxRecords);
        if (cursor) truncated.push(type);
      }
      this.shown = {from, until, figures: tally(records, from, until, timeZone), read, truncated};
      announce(t("stats.counted", {decisions: read.decision, break_glass: read["break-glass"]}));
    } catch (error) {
      this.error = error;
    }
    this.loading = null;
    this.render();
    if (this.error) {
      document.querySelector(".error a, .error")?.focus();
    } else {
      document.getElementById("stats-heading")?.focus();
    }
  }

  charts({from, until, figures, read, truncated}) {
    const weekGroups = figures.weeks.map((w) => ({
                                           label: t("stats.week_short", {week: w.week}),
                                           long: t("stats.week_long", {
                                             week: w.week,
                                             year: w.year,
                                             monday: dayText(w.monday),
                                           }),
                                         }));
    const monthGroups =
        figures.months.map((m) => ({label: monthText(m, "short"), long: monthText(m, "long")}));
    const top = Math.max(0, ...figures.agencies.flatMap((a) => [...a.granted, ...a.denied]));
    const range = {first: dayText(from), last: dayText(until)};
    const bg = figures.breakGlass;
    const peak = Math.max(0, ...bg);
    return h(
        "section",
        {"aria-labelledby": "stats-heading", class: "stats"},
        h("h2", {id: "stats-heading", tabindex: "-1"}, t("stats.range", range)),
        h("p",
          {class: "status"},
          t("stats.counted", {decisions: read.decision, break_glass: read["break-glass"]})),
        truncated.map(
            (type) =>
                h("p",
                  {class: "notice"},
                  t("stats.truncated", {max: maxRecords, type: tOr("event", type)}))),
        h("h2", null, t("stats.decisions_heading")),
        h("p", null, t("stats.decisions_help")),
        figures.agencies.length === 0 ?
            h("p", null, t("stats.no_decisions")) :
            figures.agencies.map(
                (a) => barChart({
                  title: t("stats.agency_title", {agency: a.agency}),
                  description: t("stats.agency_desc", {
                    ...range,
                    weeks: figures.weeks.length,
                    granted: sum(a.granted),
                    denied: sum(a.denied),
                  }),
                  groups: weekGroups,
                  groupHeader: t("stats.week"),
                  top,
                  series: [
                    {name: t("outcome.granted"), className: "granted", values: a.granted},
                    {name: t("outcome.denied"), className: "denied", values: a.denied},
                  ],
                })),
        h("h2", null, t("stats.break_glass_heading")),
        barChart({
          title: t("stats.break_glass_title"),
          description: t("stats.break_glass_desc", {
            ...range,
            total: sum(bg),
            peak,
            peak_month: peak > 0 ? monthText(figures.months[bg.indexOf(peak)], "long") : "–",
          }),
          groups: monthGroups,
          groupHeader: t("stats.month"),
          series: [{name: t("stats.break_glass"), className: "break-glass", values: bg}],
          id: "chart-break-glass",
        }));
  }
}

function dayText(day) {
  return new Intl.DateTimeFormat(locale(), {timeZone: "UTC", dateStyle: "short"})
      .format(new Date(`${day}T00:00:00Z`));
}

function monthText(month, style) {
  return new Intl.DateTimeFormat(locale(), {timeZone: "UTC", month: style, year: "numeric"})
      .format(new Date(`${month}-01T00:00:00Z`));
}
