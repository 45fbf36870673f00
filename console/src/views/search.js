// Search the audit log (GET /v1/audit/records) with the filters the API has, page by page, and
// open one record: its decision, the legal bases it rests on and what they mean, and check in
// the browser that it is in the log as it is (integrity.js). The whole result set can be saved
// as CSV or JSON (export.js).
import {api, ApiError, readPages} from "../api.js";
import {details, h, replaceChildren} from "../dom.js";
import {download, fileName, toCsv, toJson} from "../export.js";
import {startOfLocalDay, time} from "../format.js";
import {checkRecord} from "../integrity.js";
import {eventTypes, t, tOr} from "../texts.js";
import {announce, basisOf, errorBox, field, fieldLabels, form, heading, localText, markInvalid, named, namedList,} from "../ui.js";

const emptyFilters = {
  subject: "",
  agency: "",
  event_type: "",
  purpose: "",
  outcome: "",
  case_reference: "",
  acted_by: "",
  from: "",
  until: "",
  limit: "25",
};

const pageSizes = ["10", "25", "50", "100"];

// The API's outcome filter (docs/openapi.yaml).
const outcomes = ["granted", "denied", "break_glass", "failed"];

// An export reads the API's pages of 1000 records, up to this many records.
const exportMax = 10000;

// Each filter's input, and the query parameter the API's problems name it by.
const fields = {
  "?subject": {id: "f-subject", label: () => t("search.subject")},
  "?agency": {id: "f-agency", label: () => t("search.agency")},
  "?event_type": {id: "f-event-type", label: () => t("search.event_type")},
  "?purpose": {id: "f-purpose", label: () => t("search.purpose")},
  "?outcome": {id: "f-outcome", label: () => t("search.outcome")},
  "?case_reference": {id: "f-case-reference", label: () => t("search.case_reference")},
  "?acted_by": {id: "f-acted-by", label: () => t("search.acted_by")},
  "?from": {id: "f-from", label: () => t("search.from")},
  "?until": {id: "f-until", label: () => t("search.until")},
  "?limit": {id: "f-limit", label: () => t("search.limit")},
};

// The API's query for the filters: local days become the instants they begin and end.
function query(f) {
  return {
    subject: f.subject.trim() || undefined,
    agency: f.agency.trim() || undefined,
    event_type: f.event_type || undefined,
    purpose: f.purpose || undefined,
    outcome: f.outcome || undefined,
    case_reference: f.case_reference.trim() || undefined,
    acted_by: f.acted_by.trim() || undefined,
    from: f.from ? (startOfLocalDay(f.from) ?? f.from) : undefined,
    // `until` is exclusive: the day after the last day begins.
    until: f.until ? (startOfLocalDay(f.until, 1) ?? f.until) : undefined,
    limit: Number(f.limit),
  };
}

function purposeLabel(p) {
  const name = localText(p.name);
  const text = typeof name === "string" ? name : name?.textContent;
  return text ? `${text} (${p.id})` : p.id;
}

function recordKey(r) {
  return `${r.origin}-${r.seq}`;
}

export class SearchView {
  session;
  element = h("div");
  nav = "nav.search";
  draft = {...emptyFilters};
  applied = null;
  cursors = [""];  // cursors[i] opens page i
  pageIndex = 0;
  page = null;
  selected = null;
  // The in-browser check of the selected record: null, "checking", or checkRecord()'s result
  // (an ApiError when the gateway could not be asked).
  verification = null;
  error = null;
  loading = false;
  catalog = null;
  // The export under way ({count}), its result ({count, file, truncated}) or its error.
  exporting = null;
  exported = null;
  exportError = null;

  constructor(session) {
    this.session = session;
  }

  open() {
    this.selected = null;
    this.render();
    void this.session.catalog().then((catalog) => {
      this.catalog = catalog;
      this.render();
    });
  }

  render() {
    if (this.selected) {
      replaceChildren(this.element, this.recordDetail(this.selected));
      return;
    }
    replaceChildren(
        this.element,
        heading(t("search.title")),
        h("p", null, t("search.intro")),
        this.form(),
        this.error ? errorBox(this.error, fieldLabels(fields)) : null,
        this.results(),
        this.exportSection());
    markInvalid(this.error, fieldLabels(fields));
  }

  // A filter's control with its label and hint.
  field(name, hint, control) {
    const f = fields[`?${name}`];
    return field(f.id, f.label(), hint, (common) => control({...common, name}));
  }

  input(name, attrs = {}, hint) {
    return this.field(name, hint, (common) => h("input", {
                                    ...common,
                                    value: this.draft[name],
                                    oninput: (e) => {
                                      this.draft[name] = e.target.value;
                                    },
                                    ...attrs,
                                  }));
  }

  select(name, options, hint) {
    return this.field(
        name,
        hint,
        (common) =>
            h("select",
              {
                ...common,
                onchange: (e) => {
                  this.draft[name] = e.target.value;
                },
              },
              options.map(
                  ([value, label]) =>
                      h("option", {value, selected: value === this.draft[name]}, label))));
  }

  form() {
    return form(
        "filters",
        () => this.search(),
        h("fieldset",
          null,
          h("legend", null, t("search.filters")),
          this.input(
              "subject",
              {autocomplete: "off", spellcheck: "false", autocapitalize: "characters"},
              t("search.subject_hint")),
          this.input("agency", {autocomplete: "off", spellcheck: "false"}, t("search.agency_hint")),
          this.select(
              "event_type",
              [
                ["", t("search.event_type_any")],
                ...eventTypes.map((e) => [e, tOr("event", e)]),
              ]),
          this.select(
              "outcome",
              [
                ["", t("search.outcome_any")],
                ...outcomes.map((o) => [o, t(`outcome.${o}`)]),
              ],
              t("search.outcome_hint")),
          this.select(
              "purpose",
              [
                ["", t("search.purpose_any")],
                ...(this.catalog?.purposes ?? []).map((p) => [p.id, purposeLabel(p)]),
                // A purpose chosen before the catalog arrived, or no longer in it, stays chosen.
                ...(this.draft.purpose &&
                            !this.catalog?.purposes.some((p) => p.id === this.draft.purpose) ?
                        [[this.draft.purpose, this.draft.purpose]] :
                        []),
              ]),
          this.input(
              "case_reference",
              {autocomplete: "off", spellcheck: "false"},
              t("search.case_reference_hint")),
          this.input(
              "acted_by", {autocomplete: "off", spellcheck: "false"}, t("search.acted_by_hint")),
          h("div",
            {class: "dates"},
            this.input("from", {type: "date"}),
            this.input("until", {type: "date"}),
            h("p", {class: "hint"}, t("search.dates_hint"))),
          this.select("limit", pageSizes.map((n) => [n, n]))),
        h("div",
          {class: "actions"},
          h("button", {type: "submit", disabled: this.loading}, t("search.submit")),
          h("button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                this.draft = {...emptyFilters};
                this.error = null;
                this.render();
                document.getElementById(fields["?subject"].id)?.focus();
              },
            },
            t("search.clear"))),
        h("p", {class: "status"}, this.loading ? t("search.searching") : ""));
  }

  async search() {
    const f = {...this.draft};
    this.exported = null;
    this.exportError = null;
    if (f.from && f.until && f.from > f.until) {
      this.error = ApiError.invalid("?until", t("search.date_order"));
      this.render();
      return;
    }
    this.applied = f;
    this.cursors = [""];
    await this.load(0);
  }

  async load(index) {
    if (!this.applied) return;
    this.loading = true;
    this.render();
    try {
      const cursor = this.cursors[index] || undefined;
      this.page = await api.records(this.session.actor, {...query(this.applied), cursor});
      this.pageIndex = index;
      if (this.page.next_cursor) this.cursors[index + 1] = this.page.next_cursor;
      this.error = null;
    } catch (error) {
      this.error = error;
      this.page = null;
    }
    this.loading = false;
    this.render();
    if (this.page) {
      announce(t("search.results_count", {count: this.page.items.length}));
      document.getElementById("results-heading")?.focus();
    } else {
      document.querySelector(".error a, .error")?.focus();
    }
  }

  results() {
    const page = this.page;
    if (!page) return null;
    const section =
        h("section",
          {"aria-labelledby": "results-heading"},
          h("h2",
            {id: "results-heading", tabindex: "-1"},
            t("search.results", {page: this.pageIndex + 1})));
    if (page.items.length === 0) {
      section.append(h("p", null, t("search.none")));
      return section;
    }
    section.append(h("p", null, t("search.results_count", {count: page.items.length})));
    const cols = [
      "col.time",
      "col.type",
      "col.agency",
      "col.actor",
      "col.target",
      "col.purpose",
      "col.decision",
      "col.details",
    ];
    section.append(
        h("div",
          {
            class: "table-scroll",
            tabindex: "0",
            role: "region",
            "aria-labelledby": "results-heading"
          },
          h("table",
            {class: "records"},
            h("thead", null, h("tr", null, cols.map((c) => h("th", {scope: "col"}, t(c))))),
            h("tbody", null, page.items.map((r) => this.row(r))))));
    section.append(this.pager());
    return section;
  }

  row(r) {
    return h(
        "tr",
        {"data-type": r.type},
        h("td", null, time(r.time)),
        h("td", null, tOr("event", r.type)),
        h("td", null, r.agency ?? ""),
        h("td", null, r.actor ?? ""),
        h("td", null, r.target ?? ""),
        h("td", null, named(this.catalog?.purposes, r.purpose)),
        h("td",
          null,
          r.decision ? h("span", {class: `decision ${r.decision}`}, tOr("decision", r.decision)) :
                       ""),
        h("td",
          null,
          h("button",
            {
              type: "button",
              class: "link",
              id: `show-${recordKey(r)}`,
              "aria-label": t("search.show_label", {seq: `${r.origin} #${r.seq}`}),
              onclick: () => {
                this.selected = r;
                this.verification = null;
                this.render();
                document.getElementById("view-heading")?.focus();
              },
            },
            t("search.show"))));
  }

  pager() {
    const hasNext = Boolean(this.page?.next_cursor);
    return h(
        "div",
        {class: "pager"},
        h("button",
          {
            type: "button",
            disabled: this.pageIndex === 0 || this.loading,
            onclick: () => void this.load(this.pageIndex - 1),
          },
          t("search.previous")),
        h("button",
          {
            type: "button",
            disabled: !hasNext || this.loading,
            onclick: () => void this.load(this.pageIndex + 1),
          },
          t("search.next")));
  }

  recordDetail(r) {
    const c = this.catalog;
    const back = () => {
      const key = recordKey(r);
      this.selected = null;
      this.render();
      document.getElementById(`show-${key}`)?.focus();
    };
    return h(
        "article",
        {class: "record"},
        heading(t("record.title", {origin: r.origin, seq: r.seq})),
        h("p",
          null,
          h("button", {type: "button", class: "secondary", onclick: back}, t("record.back"))),
        r.full_record === false ? h("p", {class: "notice"}, t("record.partial")) : null,
        h("h2", null, t("record.summary")),
        details([
          [t("record.time"), time(r.time)],
          [t("record.type"), tOr("event", r.type)],
          [t("record.origin"), `${r.origin} #${r.seq}`],
          [t("record.agency"), r.agency],
          [t("record.actor"), r.actor],
          [t("record.actor_role"), named(c?.roles, r.actor_role)],
          [t("record.target"), r.target],
          [t("record.direction"), r.direction ? tOr("direction", r.direction) : null],
          [t("record.purpose"), named(c?.purposes, r.purpose)],
          [
            t("record.decision"),
            r.decision ? h("span", {class: `decision ${r.decision}`}, tOr("decision", r.decision)) :
                         null,
          ],
          [t("record.outcome"), r.outcome],
          [t("record.categories_requested"), namedList(c?.categories, r.categories_requested)],
          [t("record.categories_granted"), namedList(c?.categories, r.categories_granted)],
          [t("record.categories_denied"), namedList(c?.categories, r.categories_denied)],
          [t("record.break_glass"), r.break_glass ? t("record.break_glass_yes") : null],
          [
            t("record.justification"),
            r.justification ? h("p", {class: "prewrap"}, r.justification) : null
          ],
          [
            t("record.consents"),
            r.consents && r.consents.length > 0 ?
                h("ul", {class: "plain"}, r.consents.map((id) => h("li", null, id))) :
                null
          ],
          [t("record.embargo_until"), r.embargo_until ? time(r.embargo_until) : null],
          [t("record.case_reference"), r.case_reference],
          [t("record.reference"), r.reference],
          [t("record.subject"), r.subject ? h("code", null, r.subject) : null],
          [t("record.catalog"), r.catalog_version],
          [t("record.request_digest"), r.request_digest ? h("code", null, r.request_digest) : null],
          [
            t("record.response_digest"),
            r.response_digest ? h("code", null, r.response_digest) : null
          ],
        ]),
        h("h2", null, t("record.bases")),
        r.citations && r.citations.length > 0 ? r.citations.map((id) => {
          const b = basisOf(c, id);
          if (!b) return h("section", {class: "basis"}, h("h3", null, id));
          return h(
              "section",
              {class: "basis"},
              h("h3", null, b.citation.short, " – ", localText(b.title)),
              h("p", null, b.citation.text, " ", h("span", {class: "id"}, `(${b.id})`)),
              h("p", null, localText(b.notes)),
              b.citation.url ?
                  h("p", null, h("a", {href: b.citation.url, rel: "noreferrer"}, b.citation.url)) :
                  null);
        }) :
                                                h("p", null, t("record.no_bases")),
        this.verificationSection(r));
  }

  verificationSection(r) {
    const v = this.verification;
    let outcome = null;
    if (v === "checking") {
      outcome = t("int.checking");
    } else if (v instanceof Error) {
      outcome = errorBox(v);
    } else if (v?.ok) {
      outcome = h("span", {class: "verified"}, t("record.verified", {size: String(v.size)}));
    } else if (v) {
      outcome =
          h("span", {class: "alarm"}, t("record.not_verified", {reason: tOr("verify", v.reason)}));
    }
    return h(
        "section",
        {class: "record-verify"},
        h("h2", null, t("record.verify_title")),
        h("p", null, t("record.verify_help")),
        h("p",
          null,
          h("button",
            {
              type: "button",
              id: "verify-record",
              disabled: v === "checking",
              onclick: () => void this.verify(r),
            },
            t("record.verify"))),
        h("div", {role: "status"}, outcome));
  }

  async verify(r) {
    this.verification = "checking";
    this.render();
    try {
      this.verification = await checkRecord(this.session.actor, r);
    } catch (error) {
      this.verification = error;
    }
    if (this.selected !== r) return;
    this.render();
    // The screen was rebuilt: the officer stays on the button, and the result is announced.
    document.getElementById("verify-record")?.focus();
  }

  // Saving the result set: every page of the search as it was last run, up to exportMax records.
  exportSection() {
    if (!this.applied || !this.page || this.page.items.length === 0) return null;
    let status = "";
    if (this.exporting) {
      status = t("search.exporting", {count: this.exporting.count});
    } else if (this.exported) {
      status = t("search.exported", {count: this.exported.count, file: this.exported.file});
      if (this.exported.truncated) status += ` ${t("search.export_truncated", {max: exportMax})}`;
    }
    const button = (kind, label) =>
        h("button",
          {
            type: "button",
            class: "secondary",
            id: `export-${kind}`,
            disabled: Boolean(this.exporting) || this.loading,
            onclick: () => void this.exportAs(kind),
          },
          label);
    return h(
        "section",
        {class: "export", "aria-labelledby": "export-heading"},
        h("h2", {id: "export-heading"}, t("search.export")),
        h("p", {class: "hint"}, t("search.export_hint", {max: exportMax})),
        h("div",
          {class: "actions"},
          button("csv", t("search.export_csv")),
          button("json", t("search.export_json"))),
        // Said to screen readers by announce(): a region rebuilt with its text is not announced.
        h("p", {class: "status"}, status),
        this.exportError ? errorBox(this.exportError) : null);
  }

  async exportAs(kind) {
    const asked = query(this.applied);
    this.exporting = {count: 0};
    this.exported = null;
    this.exportError = null;
    this.render();
    try {
      const {items: records, cursor} = await readPages(
          (cursor) => api.records(this.session.actor, {...asked, limit: 1000, cursor}), {
            max: exportMax,
            onPage: (items) => {
              this.exporting = {count: items.length};
              this.render();
            },
          });
      const kept = records.slice(0, exportMax);
      const file = fileName(kind);
      if (kind === "csv") {
        download(toCsv(kept), file, "text/csv;charset=utf-8");
      } else {
        // The identity code stays out of the file: the records carry the pseudonym.
        const {subject, limit, ...filters} = asked;
        const described = subject ? {...filters, subject: "(pseudonymised)"} : filters;
        download(toJson(kept, described, new Date().toISOString()), file, "application/json");
      }
      this.exported = {
        count: kept.length,
        file,
        truncated: records.length > exportMax || Boolean(cursor)
      };
      announce(t("search.exported", {count: kept.length, file}));
    } catch (error) {
      this.exportError = error;
    }
    this.exporting = null;
    this.render();
    document.getElementById(`export-${kind}`)?.focus();
  }
}
