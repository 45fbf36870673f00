// The log's integrity, checked by this browser (integrity.js): the latest signed checkpoint,
// its signature verified here with the key this browser remembers, and its consistency with
// the checkpoint this browser verified last. Witness cosignatures come with [audit-integrity].
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
    ];
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
