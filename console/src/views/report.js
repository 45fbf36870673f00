// The person's report (GET /v1/audit/subject-report, ATL 11 §): who used or received data about
// the person, when, for what purpose and on which basis. The person's copy (person_copy) comes in
// the language chosen for it and prints on its own; what only the privacy officer may see (the
// entries under a police embargo) is shown apart and never printed. The identity code is typed
// into the form and goes to the gateway in the request only, never into the page's address.
import {api, ApiError} from "../api.js";
import {h, replaceChildren} from "../dom.js";
import {time} from "../format.js";
import {language, languageNames, languages, t, tIn, tOr} from "../texts.js";
import {announce, errorBox, field, fieldLabels, form, heading, markInvalid} from "../ui.js";

const fields = {
  "?subject": {id: "r-subject", label: () => t("report.subject")},
  "?lang": {id: "r-lang", label: () => t("report.language")},
};

function organisation(o) {
  if (!o) return "";
  return o.kind ? `${o.name} (${o.kind})` : o.name;
}

export class ReportView {
  session;
  element = h("div", {class: "report-view"});
  nav = "nav.report";
  code = "";
  reportLang = null;  // null: the console's language
  report = null;
  error = null;
  loading = false;

  constructor(session) {
    this.session = session;
  }

  open() {
    this.render();
  }

  render() {
    replaceChildren(
        this.element,
        heading(t("report.title")),
        h("p", {class: "no-print"}, t("report.intro")),
        this.form(),
        this.error ? errorBox(this.error, fieldLabels(fields)) : null,
        this.report ? this.result(this.report) : null);
    markInvalid(this.error, fieldLabels(fields));
  }

  form() {
    return form(
        "filters",
        () => this.load(),
        h("fieldset",
          null,
          h("legend", null, t("report.form")),
          field(
              fields["?subject"].id,
              t("report.subject"),
              t("report.subject_hint"),
              (common) => h("input", {
                ...common,
                name: "subject",
                autocomplete: "off",
                spellcheck: "false",
                autocapitalize: "characters",
                value: this.code,
                oninput: (e) => {
                  this.code = e.target.value;
                },
              })),
          field(
              fields["?lang"].id,
              t("report.language"),
              undefined,
              (common) =>
                  h("select",
                    {
                      ...common,
                      name: "lang",
                      onchange: (e) => {
                        this.reportLang = e.target.value;
                      },
                    },
                    languages.map(
                        (l) =>
                            h("option",
                              {value: l, lang: l, selected: l === (this.reportLang ?? language())},
                              languageNames[l]))))),
        h("div",
          {class: "actions"},
          h("button", {type: "submit", disabled: this.loading}, t("report.submit"))),
        h("p", {class: "status"}, this.loading ? t("app.loading") : ""));
  }

  async load() {
    const code = this.code.trim();
    if (!code) {
      this.error = ApiError.invalid("?subject", t("report.subject_required"));
      this.report = null;
      this.render();
      document.getElementById(fields["?subject"].id)?.focus();
      return;
    }
    this.loading = true;
    this.render();
    try {
      this.report =
          await api.subjectReport(this.session.actor, code, this.reportLang ?? language());
      this.error = null;
    } catch (error) {
      this.error = error;
      this.report = null;
    }
    this.loading = false;
    this.render();
    if (this.report) {
      announce(t("report.ready", {count: this.report.person_copy.entries.length}));
      document.getElementById("report-copy-heading")?.focus();
    } else {
      document.querySelector(".error a, .error")?.focus();
    }
  }

  result(report) {
    return [
      h("div",
        {class: "no-print actions"},
        h("button",
          {type: "button", id: "report-print", onclick: () => window.print()},
          t("report.print"))),
      this.personCopy(report.person_copy),
      this.officerPart(report),
    ];
  }

  // The person's copy, in its own language: headings from that language's table too.
  personCopy(copy) {
    const lang = copy.lang;
    const w = (key) => tIn(lang, key);
    const cols = ["date", "what", "from", "to", "information", "purpose", "basis"];
    return h(
        "article",
        {class: "person-copy", lang, "aria-labelledby": "report-copy-heading"},
        h("h2", {id: "report-copy-heading", tabindex: "-1"}, copy.title),
        h("p", null, copy.introduction),
        copy.entries.length === 0 ?
            h("p", null, copy.no_entries ?? "") :
            h("div",
              {class: "table-scroll", tabindex: "0", role: "region", "aria-label": copy.title},
              h("table",
                {class: "records report"},
                h("thead",
                  null,
                  h("tr", null, cols.map((c) => h("th", {scope: "col"}, w(`report.col.${c}`))))),
                h("tbody",
                  null,
                  copy.entries.map(
                      (e) =>
                          h("tr",
                            null,
                            h("td", null, e.date),
                            h("td", null, e.what),
                            h("td", null, organisation(e.from)),
                            h("td", null, organisation(e.to)),
                            h("td", null, e.information.join(", ")),
                            h("td", null, e.purpose),
                            h("td", null, e.basis.join("; "))))))),
        h("h3", null, w("report.contact")),
        h("p", null, copy.controller.text),
        h("p", null, copy.right_to_complain));
  }

  // Only for the privacy officer: when the report was made, and what it leaves out.
  officerPart(report) {
    const withheld = report.withheld_entries_for_privacy_officer;
    return h(
        "section",
        {class: "no-print officer-only", "aria-labelledby": "report-officer-heading"},
        h("h2", {id: "report-officer-heading"}, t("report.officer")),
        h("p", null, t("report.generated"), " ", time(report.generated_at), ". ", report.basis),
        h("p", null, t("report.withheld", {count: withheld.length})),
        withheld.length > 0 ? h("ul",
                                null,
                                withheld.map(
                                    (e) =>
                                        h("li",
                                          null,
                                          time(e.time),
                                          ` ${tOr("event", e.event)}: ${e.agency} → ${e.target} (${
                                              e.origin} #${e.seq}), `,
                                          t("report.embargo_until"),
                                          " ",
                                          time(e.embargo_until)))) :
                              null);
  }
}
