// Who am I: how the gateway sees the certificate the browser presented (GET /v1/whoami).
import {details, h, replaceChildren} from "../dom.js";
import {t} from "../texts.js";
import {heading, named} from "../ui.js";

export class HomeView {
  session;
  element = h("div");
  nav = "nav.home";
  kinds = null;

  constructor(session) {
    this.session = session;
  }

  open() {
    this.render();
    void this.session.catalog().then((catalog) => {
      this.kinds = catalog;
      this.render();
    });
  }

  render() {
    const who = this.session.who;
    replaceChildren(this.element, heading(t("home.title")), h("p", null, t("home.intro")), details([
                      ...(who.person ? [[t("home.person"), who.person.name]] : []),
                      [t("home.name"), who.name],
                      [t("home.agency_id"), who.agency_id],
                      [t("home.kind"), named(this.kinds?.kinds, who.kind)],
                      [t("home.business_id"), who.business_id],
                      [t("home.roles"), who.roles.join(", ")],
                      [t("home.actor"), this.session.actor],
                    ]));
  }
}
