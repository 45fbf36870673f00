// The log's latest signed checkpoint (GET /v1/audit/checkpoint). Witness cosignatures and the
// browser's own verification of proofs come with [audit-integrity].
import {api} from "../api.js";
import {details, h, replaceChildren} from "../dom.js";
import {locale} from "../format.js";
import {t} from "../texts.js";
import {errorBox, heading} from "../ui.js";

export class CheckpointView {
  session;
  element = h("div");
  nav = "nav.checkpoint";
  checkpoint = null;
  error = null;
  loading = false;

  constructor(session) {
    this.session = session;
  }

  open() {
    if (!this.checkpoint)
      void this.load();
    else
      this.render();
  }

  async load() {
    this.loading = true;
    this.render();
    try {
      this.checkpoint = await api.checkpoint(this.session.actor);
      this.error = null;
    } catch (error) {
      this.error = error;
    }
    this.loading = false;
    this.render();
  }

  render() {
    const cp = this.checkpoint;
    replaceChildren(
        this.element,
        heading(t("cp.title")),
        h("p", null, t("cp.intro")),
        h("p",
          null,
          h("button",
            {type: "button", onclick: () => void this.load(), disabled: this.loading},
            t("cp.refresh"))),
        h("p", {role: "status", class: "status"}, this.loading ? t("app.loading") : ""),
        this.error ? errorBox(this.error) : null,
        cp ?
            [
              details([
                [t("cp.origin"), cp.origin],
                [t("cp.size"), new Intl.NumberFormat(locale()).format(cp.size)],
                [t("cp.root_hash"), h("code", null, cp.root_hash)],
                [t("cp.verifier_key"), h("code", null, cp.verifier_key)],
              ]),
              h("h2", null, t("cp.note")),
              h("pre", {class: "note", tabindex: "0"}, cp.note),
            ] :
            null);
  }
}
