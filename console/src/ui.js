// Pieces every screen uses: the screen's heading, error messages, and the catalog's names.
import {ApiError} from "./api.js";
import {h} from "./dom.js";
import {language, t} from "./texts.js";

// One polite live region for the whole console, created once and never rebuilt, so that screen
// readers announce what a screen found ("12 events on this page") after it loads.
export const announcer = h("p", {class: "visually-hidden", role: "status", "aria-live": "polite"});

export function announce(text) {
  announcer.textContent = text;
}

// The screen's heading. A screen focuses it when it opens, so that a screen reader starts
// reading there and keyboard users continue from it.
export function heading(text) {
  return h("h1", {tabindex: "-1", id: "view-heading"}, text);
}

// A form that the browser never submits by itself (the Content-Security-Policy's form-action
// refuses it anyway): `submit` runs instead, and the browser's own validation is left to the
// gateway's problems.
export function form(className, submit, ...children) {
  return h(
      "form",
      {
        class: className,
        novalidate: true,
        onsubmit: (e) => {
          e.preventDefault();
          void submit();
        },
      },
      ...children);
}

// A control with its label and, when given, a hint the control refers to. `control` gets the
// attributes that tie it to them ({id, "aria-describedby"}).
export function field(id, label, hint, control) {
  const hintId = hint ? `${id}-hint` : undefined;
  return h(
      "div",
      {class: "field"},
      h("label", {"for": id}, label),
      hint ? h("p", {class: "hint", id: hintId}, hint) : null,
      control({id, "aria-describedby": hintId}));
}

// A screen's fields ({pointer: {id, label()}}) as errorBox() and markInvalid() take them.
export function fieldLabels(fields) {
  return Object.fromEntries(
      Object.entries(fields).map(([pointer, f]) => [pointer, {id: f.id, label: f.label()}]));
}

// A message for a failed call: the gateway's problem, and each invalid field linked to its
// input. `fields` maps the problem's pointers ("?subject", "/verdict") to input ids and labels.
export function errorBox(error, fields = {}) {
  const box = h("div", {class: "error", role: "alert"});
  box.append(h("h2", null, t("error.title")));
  if (!(error instanceof ApiError)) {
    box.append(h("p", null, String(error)));
    return box;
  }
  if (error.status === 0) {
    box.append(h("p", null, t("error.network")));
    return box;
  }
  if (error.slug === "audit-unavailable") {
    box.append(h("p", null, t("error.audit_unavailable")));
    return box;
  }
  const p = error.problem;
  box.append(h("p", null, p?.detail ?? p?.title ?? t("error.status", {status: error.status})));
  const errors = p?.errors ?? [];
  if (errors.length > 0) {
    box.append(h("p", null, t("error.fields")));
    box.append(h("ul", null, errors.map((e) => {
      const field = fields[e.pointer];
      const label = field ?
          h("a", {href: `#${field.id}`, onclick: focusField(field.id)}, field.label) :
          t("error.field_unknown");
      return h("li", null, label, ": ", e.detail);
    })));
  }
  return box;
}

function focusField(id) {
  return (event) => {
    event.preventDefault();
    document.getElementById(id)?.focus();
  };
}

// Marks the inputs a problem names as invalid (and clears the others among `fields`).
export function markInvalid(error, fields) {
  const bad =
      new Set(error instanceof ApiError ? (error.problem?.errors ?? []).map((e) => e.pointer) : []);
  for (const [pointer, field] of Object.entries(fields)) {
    const input = document.getElementById(field.id);
    if (!input) continue;
    if (bad.has(pointer))
      input.setAttribute("aria-invalid", "true");
    else
      input.removeAttribute("aria-invalid");
  }
}

// A catalog text in the console's language. The catalog has Finnish and English today; a text
// missing in the console's language is shown in another, marked with its language.
export function localText(text) {
  if (!text) return null;
  const order = {
    fi: ["fi", "en", "sv"],
    sv: ["sv", "fi", "en"],
    en: ["en", "fi", "sv"],
  };
  for (const lang of order[language()]) {
    const value = text[lang];
    if (value) return lang === language() ? value : h("span", {lang}, value);
  }
  return null;
}

// A catalog id with its name ("school_attendance" → "Koulunkäynti (school_attendance)").
export function named(list, id) {
  if (!id) return null;
  const entry = list?.find((x) => x.id === id);
  if (!entry) return id;
  return [localText(entry.name), " ", h("span", {class: "id"}, `(${id})`)];
}

export function namedList(list, ids) {
  if (!ids || ids.length === 0) return null;
  return h("ul", {class: "plain"}, ids.map((id) => h("li", null, named(list, id))));
}

export function basisOf(catalog, id) {
  return catalog?.bases.find((b) => b.id === id);
}
