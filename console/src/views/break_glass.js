// The break-glass review queue (GET /v1/audit/break-glass) and the review form (POST
// /v1/audit/break-glass/{id}/review). The gateway lists items in the order they were opened; the
// console reads the whole list (up to queueMax items) and shows the open items by their due
// date, overdue first, and the reviewed ones, the history of reviews, newest review first.
import {api, ApiError, readPages} from "../api.js";
import {details, h, replaceChildren} from "../dom.js";
import {isPast, time} from "../format.js";
import {t, tOr} from "../texts.js";
import {announce, basisOf, errorBox, field, form, heading, localText, markInvalid, namedList,} from "../ui.js";

// The items one visit reads, in pages of 1000; beyond them "more" reads on.
const queueMax = 5000;

// Open items by due date (overdue ones are due earliest), then reviewed ones by the review's
// time, newest first.
export function queueOrder(a, b) {
  if (a.state !== b.state) return a.state === "open" ? -1 : 1;
  if (a.state === "open") return Date.parse(a.due_at) - Date.parse(b.due_at);
  return Date.parse(b.review?.at ?? b.opened_at) - Date.parse(a.review?.at ?? a.opened_at);
}

export class BreakGlassView {
  session;
  element = h("div");
  nav = "nav.break_glass";
  state = "open";
  items = [];
  nextCursor;
  loaded = false;
  loading = false;
  error = null;
  forms = new Map();
  saved = new Map();  // review id → verdict, for the confirmation
  catalog = null;

  constructor(session) {
    this.session = session;
  }

  open() {
    void this.session.catalog().then((catalog) => {
      this.catalog = catalog;
      this.render();
    });
    if (!this.loaded)
      void this.load(false);
    else
      this.render();
  }

  async load(more) {
    this.loading = true;
    this.render();
    try {
      const read = await readPages(
          (cursor) => api.breakGlass(this.session.actor, this.state, cursor),
          {cursor: more ? this.nextCursor : undefined, max: queueMax});
      this.items = [...(more ? this.items : []), ...read.items].sort(queueOrder);
      this.nextCursor = read.cursor;
      this.loaded = true;
      this.error = null;
      if (!more) this.saved.clear();
    } catch (error) {
      this.error = error;
    }
    this.loading = false;
    this.render();
    if (!this.error) announce(this.summary());
  }

  summary() {
    const open = this.items.filter((x) => x.state === "open");
    const overdue = open.filter((x) => isPast(x.due_at)).length;
    const reviewed = this.items.length - open.length;
    return t("bg.summary", {open: open.length, overdue, reviewed});
  }

  render() {
    replaceChildren(
        this.element,
        heading(t("bg.title")),
        h("p", null, t("bg.intro")),
        this.stateForm(),
        h("p", {class: "status"}, this.loading ? t("app.loading") : ""),
        this.error ? errorBox(this.error) : null,
        this.loaded && this.items.length === 0 ? h("p", null, t("bg.none")) : null,
        this.loaded && this.items.length > 0 ? h("p", {class: "summary"}, this.summary()) : null,
        h("ul", {class: "cards"}, this.items.map((item) => h("li", null, this.card(item)))),
        this.nextCursor ?
            h("p",
              null,
              h("button",
                {type: "button", disabled: this.loading, onclick: () => void this.load(true)},
                t("bg.more", {max: queueMax}))) :
            null);
    for (const [id, form] of this.forms) markInvalid(form.error, this.formFields(id));
  }

  stateForm() {
    const states = [
      ["open", t("bg.state_open")],
      ["reviewed", t("bg.state_history")],
      ["all", t("bg.state_all")],
    ];
    return form(
        "inline",
        () => this.load(false),
        h("label", {"for": "bg-state"}, t("bg.state")),
        h("select",
          {
            id: "bg-state",
            onchange: (e) => {
              this.state = e.target.value;
            },
          },
          states.map(
              ([value, label]) => h("option", {value, selected: value === this.state}, label))),
        h("button", {type: "submit", disabled: this.loading}, t("bg.apply")));
  }

  card(item) {
    const overdue = item.state === "open" && isPast(item.due_at);
    const basis = basisOf(this.catalog, item.basis);
    const headingId = `bg-${item.id}`;
    return h(
        "article",
        {class: "card", "aria-labelledby": headingId},
        h("h2",
          {id: headingId, tabindex: "-1"},
          t("bg.item", {agency: item.agency, target: item.target})),
        h("p",
          null,
          h("span",
            {class: `badge ${item.state}`},
            item.state === "open" ? t("bg.open") : t("bg.reviewed")),
          overdue ? [" ", h("span", {class: "badge overdue"}, t("bg.overdue"))] : null),
        details([
          [t("bg.actor"), item.actor],
          [
            t("bg.basis"),
            basis ?
                [
                  basis.citation.short,
                  " – ",
                  localText(basis.title),
                  " ",
                  h("span", {class: "id"}, `(${item.basis})`)
                ] :
                item.basis,
          ],
          [t("bg.categories"), namedList(this.catalog?.categories, item.categories)],
          [t("bg.justification"), h("p", {class: "prewrap"}, item.justification)],
          [t("bg.opened_at"), time(item.opened_at)],
          [t("bg.due_at"), time(item.due_at)],
          [t("bg.audit"), `${item.audit.origin} #${item.audit.seq}`],
          ...(item.review ?
                  [
                    [t("bg.review"), tOr("verdict", item.review.verdict)],
                    [t("bg.reviewer"), item.review.reviewer],
                    [
                      t("bg.note"),
                      item.review.note ? h("p", {class: "prewrap"}, item.review.note) : null
                    ],
                    [t("bg.reviewed_at"), time(item.review.at)],
                  ] :
                  []),
        ]),
        this.saved.has(item.id) ?
            h("p",
              {class: "success"},
              t("bg.saved", {verdict: tOr("verdict", this.saved.get(item.id))})) :
            null,
        item.state === "open" ? this.reviewForm(item) : null);
  }

  formFields(id) {
    return {
      "/verdict": {id: `v-${id}-justified`, label: t("bg.verdict")},
      "/note": {id: `n-${id}`, label: t("bg.note")},
    };
  }

  formState(id) {
    let form = this.forms.get(id);
    if (!form) {
      form = {verdict: "", note: "", pending: null, error: null, saving: false};
      this.forms.set(id, form);
    }
    return form;
  }

  reviewForm(item) {
    const state = this.formState(item.id);
    const radio = (verdict, label) => {
      const id = `v-${item.id}-${verdict}`;
      return h(
          "div",
          {class: "radio"},
          h("input", {
            type: "radio",
            id,
            name: `verdict-${item.id}`,
            value: verdict,
            checked: state.verdict === verdict,
            onchange: () => {
              state.verdict = verdict;
            },
          }),
          h("label", {"for": id}, label));
    };
    return form(
        "review",
        () => this.submit(item),
        h("fieldset",
          null,
          h("legend", null, t("bg.verdict")),
          radio("justified", t("bg.justified")),
          radio("unjustified", t("bg.unjustified"))),
        field(
            `n-${item.id}`,
            t("bg.note"),
            t("bg.note_hint"),
            (common) =>
                h("textarea",
                  {
                    ...common,
                    rows: 3,
                    maxlength: 2000,
                    oninput: (e) => {
                      state.note = e.target.value;
                    },
                  },
                  state.note)),
        state.error ? errorBox(state.error, this.formFields(item.id)) : null,
        h("div",
          {class: "actions"},
          h("button",
            {type: "submit", disabled: state.saving},
            state.saving ? t("bg.saving") : t("bg.submit"))));
  }

  async submit(item) {
    const form = this.formState(item.id);
    if (!form.verdict) {
      form.error = ApiError.invalid("/verdict", t("bg.verdict_required"));
      this.render();
      document.getElementById(`v-${item.id}-justified`)?.focus();
      return;
    }
    const body = {actor: this.session.actor, verdict: form.verdict, note: form.note.trim()};
    const text = JSON.stringify(body);
    if (!form.pending || form.pending.body !== text) {
      form.pending = {body: text, key: crypto.randomUUID()};
    }
    form.saving = true;
    form.error = null;
    this.render();
    try {
      const reviewed = await api.review(item.id, body, form.pending.key);
      this.items = this.items.map((x) => (x.id === item.id ? reviewed : x));
      this.forms.delete(item.id);
      this.saved.set(item.id, body.verdict);
      announce(t("bg.saved", {verdict: tOr("verdict", body.verdict)}));
    } catch (error) {
      form.saving = false;
      form.error = error;
      // An answer, even a refusal, settles the request; only a lost answer is retried as is.
      if (error instanceof ApiError && error.status !== 0) form.pending = null;
    }
    this.render();
    document.getElementById(`bg-${item.id}`)?.focus();
  }
}
