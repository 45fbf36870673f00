// The console's frame: who is signed in, the language, the menu, and which screen is open.
import {api} from "./api.js";
import {h, replaceChildren} from "./dom.js";
import {checkLog} from "./integrity.js";
import {browserLanguage, isLang, language, languageNames, languages, setLanguage, t} from "./texts.js";
import {announcer, errorBox} from "./ui.js";
import {BreakGlassView} from "./views/break_glass.js";
import {alarmBox, CheckpointView} from "./views/checkpoint.js";
import {HomeView} from "./views/home.js";
import {ReferralsView} from "./views/referrals.js";
import {ReportView} from "./views/report.js";
import {SearchView} from "./views/search.js";
import {StatsView} from "./views/stats.js";

// What every screen is given (a Session):
//  - who: GET /v1/whoami;
//  - actor: the user id the audit log records for the console's calls. It comes from the
//    certificate, never from a typed field: the person of a personal certificate (a registry
//    "persons" entry; the gateway then records that person whatever the console sends), else
//    the registry id of the certificate's holder;
//  - catalog(): GET /v1/catalog, fetched once, for the names of categories, purposes and legal
//    bases; null when it cannot be fetched (the screens then show ids);
//  - checkLog(): checks the log's integrity in this browser (integrity.js), shows the alarm
//    above every screen when it fails, and returns the result; log(): the last result, or null.
//
// A screen (a View) has `element`, `nav` (its menu entry's text key), `render()` and `open()`
// (called when the screen is opened from the menu or a link). It keeps its own state and
// rebuilds its element from it, so that switching the language redraws it without asking the
// gateway again.

const routes = ["home", "search", "stats", "report", "break-glass", "referrals", "checkpoint"];

function routeOf(hash) {
  const name = hash.replace(/^#\/?/, "") || "home";
  return routes.includes(name) ? name : null;
}

const languageKey = "silta.console.language";

function storedLanguage() {
  try {
    const value = localStorage.getItem(languageKey);
    return isLang(value) ? value : null;
  } catch {
    return null;
  }
}

export class App {
  root;
  alarm = h("div", {id: "alarm"});
  views = null;
  route = "home";
  session = null;
  failure = null;

  constructor(root) {
    this.root = root;
  }

  async start() {
    setLanguage(storedLanguage() ?? browserLanguage(navigator.languages));
    this.route = routeOf(location.hash);
    this.render();
    try {
      const who = await api.whoami();
      this.session = this.makeSession(who);
      const s = this.session;
      this.views = {
        home: new HomeView(s),
        search: new SearchView(s),
        stats: new StatsView(s),
        report: new ReportView(s),
        "break-glass": new BreakGlassView(s),
        referrals: new ReferralsView(s),
        checkpoint: new CheckpointView(s),
      };
      // On every visit: a rolled-back or rewritten log raises the alarm whatever screen is open.
      if (this.route !== "checkpoint") void s.checkLog().catch(() => {});
    } catch (error) {
      this.failure = error;
    }
    window.addEventListener("hashchange", () => this.navigate(routeOf(location.hash)));
    this.navigate(this.route, false);
  }

  makeSession(who) {
    let catalog = null;
    let log = null;
    const actor = who.person?.id ?? who.agency_id;
    return {
      who,
      actor,
      catalog: () => {
        catalog ??= api.catalog().catch(() => null);
        return catalog;
      },
      checkLog: async () => {
        log = await checkLog(actor);
        this.showAlarm(log);
        return log;
      },
      log: () => log,
    };
  }

  // The alarm lives in its own element, updated in place, so that it never takes the focus
  // from what the officer is doing.
  showAlarm(log) {
    replaceChildren(
        this.alarm,
        log?.state === "alarm" ?
            [
              alarmBox(log.reason),
              h("p", {class: "alarm-link"}, h("a", {href: "#/checkpoint"}, t("int.alarm_link"))),
            ] :
            null);
    if (this.route === "checkpoint") this.views?.checkpoint.render();
  }

  navigate(route, focus = true) {
    this.route = route;
    this.render();
    const view = route && this.views?.[route];
    if (view) view.open();
    if (focus) document.getElementById("view-heading")?.focus();
  }

  switchLanguage(lang) {
    setLanguage(lang);
    try {
      localStorage.setItem(languageKey, lang);
    } catch {
      // A browser that keeps nothing asks again next time.
    }
    if (this.views)
      for (const view of Object.values(this.views)) view.render();
    this.showAlarm(this.session?.log());
    this.render();
    document.querySelector(`[data-language="${lang}"]`)?.focus();
  }

  render() {
    const main = h("main", {id: "main", tabindex: "-1"});
    const view = this.route && this.views?.[this.route];
    if (this.failure) {
      main.append(h("h1", {tabindex: "-1", id: "view-heading"}, t("app.title")));
      main.append(errorBox(this.failure));
    } else if (!this.views) {
      main.append(h("p", {role: "status"}, t("app.loading")));
    } else if (view) {
      main.append(view.element);
    } else {
      main.append(h("h1", {tabindex: "-1", id: "view-heading"}, t("app.not_found")));
    }
    document.title = `${view ? t(view.nav) : t("app.not_found")} – ${t("app.short")}`;
    replaceChildren(
        this.root,
        h("a",
          {
            class: "skip",
            href: "#main",
            onclick: (e) => {
              e.preventDefault();
              document.getElementById("main")?.focus();
            },
          },
          t("app.skip")),
        this.header(),
        this.menu(),
        this.alarm,
        main,
        announcer,
        this.session ?
            h("footer", null, h("p", null, t("app.footer", {actor: this.session.actor}))) :
            null);
  }

  header() {
    const who = this.session?.who;
    return h(
        "header",
        {class: "banner"},
        h("p", {class: "app-title"}, t("app.title")),
        who ? h("p", {class: "signed-in"}, t("app.signed_in_as", {name: who.person ? `${who.person.name}, ${who.name}` : who.name})) : null,
        h("div",
          {class: "languages", role: "group", "aria-label": t("app.language")},
          languages.map(
              (lang) =>
                  h("button",
                    {
                      type: "button",
                      lang,
                      "data-language": lang,
                      "aria-pressed": String(lang === language()),
                      onclick: () => this.switchLanguage(lang),
                    },
                    languageNames[lang]))));
  }

  menu() {
    if (!this.views) return null;
    return h(
        "nav",
        {"aria-label": t("app.nav")},
        h("ul",
          null,
          routes.map(
              (route) =>
                  h("li",
                    null,
                    h("a",
                      {href: `#/${route}`, "aria-current": route === this.route ? "page" : null},
                      t(this.views[route].nav))))));
  }
}
