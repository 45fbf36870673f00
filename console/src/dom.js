// Builds the DOM from data. Text always goes in as text nodes, never as HTML: nothing the
// gateway answers can become markup or script (the Content-Security-Policy also refuses
// innerHTML and its kind through Trusted Types).

// h("button", {type: "button", onclick: go}, "Text"): attributes by name ("on…" with a function
// adds a listener; true sets an empty attribute, false/null/undefined leaves it out).
export function h(tag, attrs = null, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// svg("rect", {x: 0, y: 0, width: 10, height: 20, class: "bar"}): an SVG element, built as h()
// builds HTML (the charts draw with it; their look comes from classes in app.css).
export function svg(tag, attrs = null, ...children) {
  return build(document.createElementNS("http://www.w3.org/2000/svg", tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(parent, child);
    } else if (child instanceof Node) {
      parent.appendChild(child);
    } else {
      parent.appendChild(document.createTextNode(String(child)));
    }
  }
}

// Rebuilds `parent`. When the focus was inside it on an element with an id, the rebuilt element
// of that id gets it back: a screen redrawn when an answer arrives (the catalog's names, say)
// must not drop a keyboard or screen reader user's focus to the page's start.
export function replaceChildren(parent, ...children) {
  const focused = document.activeElement;
  const id = focused && focused !== parent && parent.contains(focused) ? focused.id : "";
  parent.replaceChildren();
  append(parent, children);
  if (id && !parent.contains(document.activeElement)) document.getElementById(id)?.focus();
}

// A description list of label/value pairs; pairs without a value are left out.
export function details(rows) {
  const dl = h("dl", {class: "details"});
  for (const [label, value] of rows) {
    if (value === null || value === undefined || value === "" || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    dl.append(h("div", null, h("dt", null, label), h("dd", null, value)));
  }
  return dl;
}

let nextId = 0;
// A document-unique id for label/aria-describedby pairs.
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
