// A bar chart drawn as SVG with svg() (no library, no inline style: its look is app.css's
// .chart classes), for people who would rather look than read, and for those who cannot look
// the same figures in words and as a table: the figure's caption is its title, a paragraph
// describes it, and a <details> holds the table.
import {h, svg, uid} from "./dom.js";
import {scaleTop} from "./stats.js";
import {t} from "./texts.js";

const width = 720;
const height = 240;
const margin = {
  left: 44,
  right: 8,
  top: 12,
  bottom: 44
};

// groups: the x axis's labels (short) and, for the table, their long forms:
//   [{label, long}…]
// series: [{name, className, values: [n per group]}…], drawn side by side in each group.
// top: the scale's top (charts compared side by side share one); the largest value otherwise.
export function barChart({title, description, groups, series, top, groupHeader, id}) {
  const chartId = id ?? uid("chart");
  const max = scaleTop(top ?? Math.max(0, ...series.flatMap((s) => s.values)));
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const groupW = plotW / Math.max(1, groups.length);
  const barW = (groupW * 0.8) / series.length;
  const y = (v) => margin.top + plotH - (v / max) * plotH;
  // At most about 13 labels on the x axis, so that they never overlap.
  const every = Math.ceil(groups.length / 13);
  const ticks = max % 2 === 0 ? [0, max / 2, max] : [0, max];
  const titleId = `${chartId}-title`;
  const descId = `${chartId}-desc`;
  const picture = svg(
      "svg",
      {
        viewBox: `0 0 ${width} ${height}`,
        role: "img",
        "aria-labelledby": `${titleId} ${descId}`,
        focusable: "false",
      },
      svg("title", {id: titleId}, title),
      svg("desc", {id: descId}, description),
      ticks.map(
          (v) =>
              [svg("line",
                   {class: "grid", x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v)}),
               svg("text",
                   {class: "tick", x: margin.left - 6, y: y(v) + 4, "text-anchor": "end"},
                   v),
  ]),
      groups.map((g, i) => {
        const x0 = margin.left + i * groupW + groupW * 0.1;
        return svg(
            "g",
            null,
            series.map(
                (s, k) =>
                    svg("rect",
                        {
                          class: `bar ${s.className}`,
                          x: x0 + k * barW,
                          y: y(s.values[i]),
                          width: Math.max(1, barW - 1),
                          height: y(0) - y(s.values[i]),
                        },
                        svg("title", null, `${g.long}: ${s.name} ${s.values[i]}`))),
            i % every === 0 ? svg("text",
                                  {
                                    class: "tick",
                                    x: margin.left + (i + 0.5) * groupW,
                                    y: height - margin.bottom + 16,
                                    "text-anchor": "middle",
                                  },
                                  g.label) :
                              null);
      }),
      svg("line", {class: "axis", x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0)}));
  return h(
      "figure",
      {class: "chart", id: chartId},
      h("figcaption", null, title),
      h("ul",
        {class: "legend"},
        series.map((s) => h("li", null, h("span", {class: `swatch ${s.className}`}), s.name))),
      picture,
      h("p", {class: "chart-description"}, description),
      h("details",
        null,
        h("summary", null, t("stats.table")),
        h("table",
          {class: "records figures"},
          h("caption", {class: "visually-hidden"}, title),
          h("thead",
            null,
            h("tr",
              null,
              h("th", {scope: "col"}, groupHeader),
              series.map((s) => h("th", {scope: "col"}, s.name)))),
          h("tbody",
            null,
            groups.map(
                (g, i) =>
                    h("tr",
                      null,
                      h("th", {scope: "row"}, g.long),
                      series.map((s) => h("td", null, String(s.values[i])))))))));
}
