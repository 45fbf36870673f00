// The console's modules without a browser (ctest console_texts; Node.js only, no packages):
// every module parses and its relative imports exist; every text is in fi, sv and en with the
// same placeholders; every text key the code names literally (t("…")) exists.
// Usage: node tests/console/texts_test.mjs console/src
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(process.argv[2] ?? "console/src");
const failures = [];
const fail = (message) => failures.push(message);

function modules(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? modules(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : [],
  );
}

const files = modules(root);
if (files.length === 0) fail(`no modules in ${root}`);
const sources = new Map(files.map((f) => [f, readFileSync(f, "utf8")]));

for (const [file, source] of sources) {
  const name = relative(root, file);
  const check = spawnSync(process.execPath, ["--input-type=module", "--check"], { input: source });
  if (check.status !== 0) fail(`${name} does not parse: ${check.stderr.toString().split("\n")[4]}`);
  for (const [, spec] of source.matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
    if (!existsSync(resolve(dirname(file), spec))) fail(`${name} imports ${spec}, which is missing`);
  }
}

// texts.js imports nothing, so it loads on its own; document is only touched by setLanguage().
const texts = await import(
  "data:text/javascript;base64," + Buffer.from(sources.get(join(root, "texts.js"))).toString("base64")
);
const { tables, languages } = texts;
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(",");
for (const lang of languages) {
  if (!tables[lang]) {
    fail(`no table for ${lang}`);
    continue;
  }
  for (const key of Object.keys(tables.fi)) {
    const text = tables[lang][key];
    if (typeof text !== "string" || text.trim() === "") {
      fail(`${lang}: ${key} is missing`);
    } else if (placeholders(text) !== placeholders(tables.fi[key])) {
      fail(`${lang}: ${key} has placeholders {${placeholders(text)}}, fi has {${placeholders(tables.fi[key])}}`);
    }
  }
  for (const key of Object.keys(tables[lang])) {
    if (!(key in tables.fi)) fail(`${lang}: ${key} is not in the Finnish table`);
  }
}

for (const [file, source] of sources) {
  for (const [, key] of source.matchAll(/\bt\(\s*"([^"]+)"/g)) {
    if (!(key in tables.fi)) fail(`${relative(root, file)} uses the text ${key}, which is missing`);
  }
}

if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log(`${files.length} modules, ${Object.keys(tables.fi).length} texts in ${languages.join(", ")}: ok`);
