#!/usr/bin/env node
// The OpenAPI documents as tools see them (ctest docs.openapi_lint):
//  1. docs/openapi.yaml and docs/adapter-protocol.openapi.yaml pass Redocly's OpenAPI 3.1 linter
//     (the pinned @redocly/cli of package.json, rules in redocly.yaml) with no error;
//  2. every problem type the gateway's code can answer with (`problem(<status>, "<slug>"` in
//     gateway/, and the store's error codes of common/result.cc) is in the ProblemType enum of
//     docs/openapi.yaml, and the enum names nothing the code never answers, so typed clients
//     accept every real answer.
//
//   node tests/support/openapi_lint.js SOURCE_DIR
'use strict';

const fs = require('fs');
const path = require('path');
const {spawnSync} = require('child_process');

// Answered on the admin listener only (docs/operations.md), which docs/openapi.yaml leaves out.
const ADMIN_ONLY = new Set(['not-ready']);

function sourceFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(cc|h)$/.test(entry.name)) out.push(p);
  }
  return out;
}

function emittedSlugs(root) {
  const slugs = new Set();
  for (const file of sourceFiles(path.join(root, 'gateway'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bproblem\(\s*\d{3},\s*"([a-z_-]+)"/g)) slugs.add(m[1]);
  }
  // problem_from_error(): a failure of the store or another module, named by its error code.
  const result = fs.readFileSync(path.join(root, 'common/result.cc'), 'utf8');
  const names = result.slice(result.indexOf('error_code_name'));
  for (const m of names.matchAll(/return "([a-z_]+)";/g)) slugs.add(m[1]);
  for (const s of ADMIN_ONLY) slugs.delete(s);
  return slugs;
}

function main() {
  const root = path.resolve(process.argv[2] || path.join(__dirname, '../..'));
  const failures = [];

  const redocly = path.join(root, 'node_modules/.bin/redocly');
  if (!fs.existsSync(redocly)) {
    console.log(`${redocly} is missing: run scripts/install-deps (it runs npm ci)`);
    process.exit(2);
  }
  const docs = ['docs/openapi.yaml', 'docs/adapter-protocol.openapi.yaml'];
  const lint = spawnSync(redocly, ['lint', '--format=stylish', ...docs], {
    cwd: root,
    encoding: 'utf8',
    // No telemetry and no update check: the test runs offline and says only what it found.
    env: {...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          NO_COLOR: '1'},
  });
  const report = (lint.stdout || '') + (lint.stderr || '');
  if (lint.status !== 0) {
    failures.push('redocly lint failed:\n' +
                  report.split('\n').filter((l) => !/[║╔╚]/.test(l)).join('\n'));
  }

  const yaml = require('yaml');
  const doc = yaml.parse(fs.readFileSync(path.join(root, 'docs/openapi.yaml'), 'utf8'));
  const prefix = 'urn:silta:problem:';
  const documented = new Set(
      doc.components.schemas.ProblemType.enum.map((t) => t.slice(prefix.length)));
  const emitted = emittedSlugs(root);
  for (const s of emitted) {
    if (!documented.has(s)) failures.push(`the code answers ${prefix}${s}, the ProblemType enum lacks it`);
  }
  for (const s of documented) {
    if (!emitted.has(s)) failures.push(`the ProblemType enum has ${prefix}${s}, which no code answers`);
  }

  if (failures.length) {
    console.log(failures.join('\n'));
    process.exit(1);
  }
  console.log(`ok: ${docs.join(', ')} lint clean; ${documented.size} problem types, all answered`);
}

main();
