// Referrals and their statutory deadlines across agencies (GET /v1/audit/referrals): those with a
// deadline unmet and due within the chosen number of days (overdue ones included), or all. Each
// card shows states, times and deadlines; the gateway gives no content and no case data. Overdue
// referrals first, then by the next unmet deadline.
import {api, readPages} from "../api.js";
import {details, h, replaceChildren} from "../dom.js";
import {time} from "../format.js";
import {t, tOr} from "../texts.js";
import {announce, errorBox, form, heading, named} from "../ui.js";

// The referrals one visit reads, in pages of 1000; beyond them "more" reads on.
const listMax = 5000;

// The earliest due time of a referral's unmet deadlines (Infinity when all are met).
function nextDue(referral) {
  const unmet =
      (referral.deadlines ?? []).filter((d) => !d.met_at).map((d) => Date.parse(d.due_at));
  return unmet.length > 0 ? Math.min(...unmet) : Infinity;
}

export function referralOrder(a, b) {
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
  return nextDue(a) - nextDue(b);
}

export class ReferralsView {
  session;
  element = h("div");
  nav = "nav.referrals";
  within = "14";  // days, as the select holds it; "" = every referral
  items = [];
  nextCursor;
  loaded = false;
  loading = false;
  error = null;
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
          (cursor) => api.referralOversight(this.session.actor, this.within, cursor),
          {cursor: more ? this.nextCursor : undefined, max: listMax});
      this.items = [...(more ? this.items : []), ...read.items].sort(referralOrder);
      this.nextCursor = read.cursor;
      this.loaded = true;
      this.error = null;
    } catch (error) {
      this.error = error;
    }
    this.loading = false;
    this.render();
    if (!this.error) announce(this.summary());
  }

  summary() {
    const overdue = this.items.filter((x) => x.overdue).length;
    return t("rf.summary", {count: this.items.length, overdue});
  }

  render() {
    replaceChildren(
        this.element,
        heading(t("rf.title")),
        h("p", null, t("rf.intro")),
        this.withinForm(),
        h("p", {class: "status"}, this.loading ? t("app.loading") : ""),
        this.error ? errorBox(this.error) : null,
        this.loaded && this.items.length === 0 ? h("p", null, t("rf.none")) : null,
        this.loaded && this.items.length > 0 ? h("p", {class: "summary"}, this.summary()) : null,
        h("ul", {class: "cards"}, this.items.map((item) => h("li", null, this.card(item)))),
        this.nextCursor ?
            h("p",
              null,
              h("button",
                {type: "button", disabled: this.loading, onclick: () => void this.load(true)},
                t("rf.more", {max: listMax}))) :
            null);
  }

  withinForm() {
    const choices = [
      ["0", t("rf.within_overdue")],
      ["14", t("rf.within_days", {days: 14})],
      ["90", t("rf.within_days", {days: 90})],
      ["", t("rf.within_all")],
    ];
    return form(
        "inline",
        () => this.load(false),
        h("label", {"for": "rf-within"}, t("rf.within")),
        h("select",
          {
            id: "rf-within",
            onchange: (e) => {
              this.within = e.target.value;
            },
          },
          choices.map(
              ([value, label]) => h("option", {value, selected: value === this.within}, label))),
        h("button", {type: "submit", disabled: this.loading}, t("rf.apply")));
  }

  deadline(d) {
    return h(
        "li",
        null,
        h("span", {class: `badge ${d.status}`}, tOr("rf.deadline", d.status)),
        " ",
        t("rf.deadline_line", {citation: d.citation ?? d.id, title: d.title ?? "", due: d.due_on}),
        d.met_at ? [" ", t("rf.met_at", {at: time(d.met_at)})] : null);
  }

  card(item) {
    const headingId = `rf-${item.id}`;
    return h(
        "article",
        {class: "card", "aria-labelledby": headingId},
        h("h2",
          {id: headingId, tabindex: "-1"},
          t("rf.item", {sender: item.sender, recipient: item.recipient})),
        h("p",
          null,
          h("span", {class: "badge"}, tOr("rf.state", item.state)),
          item.overdue ? [" ", h("span", {class: "badge overdue"}, t("rf.overdue"))] : null),
        details([
          [t("rf.kind"), named(this.catalog?.referral_kinds, item.kind)],
          [t("rf.received_at"), time(item.received_at)],
          [t("rf.delivered_at"), item.delivered_at ? time(item.delivered_at) : null],
          [t("rf.acknowledged_at"), item.acknowledged_at ? time(item.acknowledged_at) : null],
          [t("rf.decision"), item.decision ? tOr("rf.outcome", item.decision.outcome) : null],
          [t("rf.decided_at"), item.decided_at ? time(item.decided_at) : null],
          [
            t("rf.deadlines"),
            item.deadlines.length > 0 ?
                h("ul", {class: "plain"}, item.deadlines.map((d) => this.deadline(d))) :
                t("rf.no_deadlines"),
          ],
          [t("rf.id"), h("span", {class: "id"}, item.id)],
        ]));
  }
}
