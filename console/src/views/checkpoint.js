// The log's integrity, checked by this browser (integrity.js): the latest signed checkpoint,
// its signature verified here with the key this browser remembers, and its consistency with
// the checkpoint this browser verified last; and the witnesses' cosignatures on it, each checked
// here too (docs/witness.md).
import {details, h, replaceChildren} from "../dom.js";
import {locale, time} from "../format.js";
import {t, tOr} from "../texts.js";
import {errorBox, heading} from "../ui.js";
import {toBase64} from "../verify.js";

export class CheckpointView {
  session;
  element = h("div");
  nav = "nav.checkpoint";
  error = null;
  loading = false;

  constructor(session) {
    this.session = session;
  }

  open() {
    if (!this.session.log()) {
      void this.load();
    } else {
      this.render();
    }
  }

  async load() {
    this.loading = true;
    this.render();
    try {
      await this.session.checkLog();
      this.error = null;
    } catch (error) {
      this.error = error;
    }
    this.loading = false;
    this.render();
  }

  render() {
    const log = this.session.log();
    replaceChildren(
        this.element,
        heading(t("cp.title")),
        h("p", null, t("cp.intro")),
        h("p",
          null,
          h("button",
            {type: "button", onclick: () => void this.load(), disabled: this.loading},
            t("cp.refresh"))),
        h("p", {role: "status", class: "status"}, this.loading ? t("int.checking") : ""),
        this.error ? errorBox(this.error) : null,
        log ? this.result(log) : null);
  }

  result(log) {
    const number = (n) => new Intl.NumberFormat(locale()).format(n);
    const at = log.known ? time(log.known.at) : "";
    const known = log.known ? h("p", null, t("int.remembered", {
                                  size: number(BigInt(log.known.size)),
                                  at: typeof at === "string" ? at : at.textContent
                                })) :
                              null;
    if (log.state === "alarm") {
      const cp = log.checkpoint;
      return [
        alarmBox(log.reason),
        known,
        h("h2", null, t("cp.note")),
        details([
          [t("cp.origin"), cp.origin],
          [t("cp.verifier_key"), h("code", null, cp.verifier_key)],
        ]),
        h("pre", {class: "note", tabindex: "0"}, cp.note),
      ];
    }
    const cp = log.checkpoint;
    return [
      h("h2", null, t("cp.verify_title")),
      h("div",
        {class: "verified"},
        h("p", null, t("int.signature_ok", {key: log.key.split("+")[0]})),
        log.first ? h("p", null, t("int.first_visit", {origin: cp.origin})) :
                    h("p", null, t("int.consistent", {size: number(BigInt(log.known.size))}))),
      details([
        [t("cp.origin"), cp.origin],
        [t("cp.size"), number(cp.size)],
        [t("cp.root_hash"), h("code", null, toBase64(cp.root))],
        [t("cp.verifier_key"), h("code", null, log.key)],
      ]),
      known,
      this.witnesses(log.witnesses),
    ];
  }

  witnesses(w) {
    const section =
        h("section",
          {"aria-labelledby": "cp-witnesses"},
          h("h2", {id: "cp-witnesses"}, t("cp.witnesses")),
          h("p", null, t("cp.witnesses_intro")));
    if (!w || w.list.length === 0) {
      section.append(h("p", null, t("cp.no_witnesses")));
      return section;
    }
    const enough = w.verified >= w.quorum;
    section.append(
        h("p",
          {class: enough ? "verified" : "notice"},
          t(enough ? "cp.quorum_met" : "cp.quorum_short",
            {verified: w.verified, count: w.list.length, quorum: w.quorum})));
    const cols = ["cp.w_name", "cp.w_cosignature", "cp.w_state", "cp.w_cosigned", "cp.w_error"];
    section.append(h(
        "div",
        {class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "cp-witnesses"},
        h("table",
          {class: "records witnesses"},
          h("thead", null, h("tr", null, cols.map((c) => h("th", {scope: "col"}, t(c))))),
          h("tbody",
            null,
            w.list.map(
                (x) => h(
                    "tr",
                    null,
                    h("td", null, x.name, h("br"), h("code", null, x.key)),
                    h("td", null, this.cosignature(x.check)),
                    h("td", null, tOr("wstate", x.state)),
                    h("td",
                      null,
                      x.cosigned_size === null ? "" :
                                                 [
                                                   t("cp.w_size", {size: String(x.cosigned_size)}),
                                                   x.cosigned_at ? [", ", time(x.cosigned_at)] :
                                                                   null,
                                                 ]),
                    h("td",
                      null,
                      x.last_error ?? "",
                      x.last_error_at ? [" (", time(x.last_error_at), ")"] : null)))))));
    return section;
  }

  cosignature(check) {
    if (check.ok) {
      const at = time(new Date(check.time * 1000).toISOString());
      return h("span", {class: "decision granted"}, t("cp.cosig_ok"), " ", at);
    }
    return h("span", {class: "decision denied"}, tOr("verify", check.reason));
  }
}

// The red alarm: shown here and, by app.js, above every screen.
export function alarmBox(reason) {
  return h(
      "div",
      {class: "alarm", role: "alert"},
      h("h2", null, t("int.alarm_title")),
      h("p", null, tOr("verify", reason)),
      h("p", null, t("int.alarm_help")));
}
