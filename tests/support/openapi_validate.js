#!/usr/bin/env node
// Validates a transcript of HTTP exchanges against an OpenAPI document (docs/openapi.yaml):
// each response's status and content type must be documented for its operation and its body
// must match the response schema; each request body that the gateway accepted must match the
// request schema. With --require-every-operation, every documented operation must appear in
// the transcript with a 2xx answer.
//
//   node openapi_validate.js OPENAPI.yaml TRANSCRIPT.json [--require-every-operation]
//
// The transcript is a JSON array of
//   {method, path, status, content_type, headers?, request_body?, body}
// where `path` is the request target (a query string is ignored), `headers` has lower-case
// names, and `body` is the parsed JSON for a JSON content type and the text otherwise.
//
// Uses ajv 8 in its JSON Schema 2020-12 mode (the dialect of OpenAPI 3.1), ajv-formats and yaml,
// pinned in the repository's package.json (`npm ci`, run by scripts/install-deps). Strict
// mode: a keyword that neither JSON Schema 2020-12 nor OpenAPI defines is an error in the
// document, not something silently ignored.
'use strict';

const fs = require('fs');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');
const yaml = require('yaml');

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
// Response headers the API sets on purpose: when present, the response must document them.
const API_HEADERS = ['idempotent-replayed', 'location'];

function usage() {
  console.error('usage: openapi_validate.js OPENAPI.yaml TRANSCRIPT.json [--require-every-operation]');
  process.exit(2);
}

// "#/components/schemas/X" → "openapi.json#/$defs/X", everywhere below `node` (a copy).
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    const prefix = '#/components/schemas/';
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith(prefix)
        ? 'openapi.json#/$defs/' + v.slice(prefix.length)
        : rewriteRefs(v);
  }
  return out;
}

// The value at a JSON Pointer whose segments are also URI-encoded (as pointerSegment makes).
function nodeAt(doc, pointer) {
  return pointer.split('/').slice(1).reduce((o, part) => {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    if (o === undefined || !(key in o)) throw new Error('nothing at ' + pointer);
    return o[key];
  }, doc);
}

function pointerSegment(s) {
  return encodeURIComponent(String(s).replace(/~/g, '~0').replace(/\//g, '~1'));
}

// Follows an OpenAPI-level $ref ("#/components/responses/X"); returns [object, pointer].
function deref(doc, obj, pointer) {
  let seen = 0;
  while (obj && typeof obj.$ref === 'string') {
    if (!obj.$ref.startsWith('#/') || ++seen > 10) throw new Error('unsupported $ref ' + obj.$ref);
    pointer = obj.$ref.slice(1);
    obj = obj.$ref.slice(2).split('/').reduce((o, part) => {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      return o === undefined ? undefined : o[key];
    }, doc);
  }
  return [obj, pointer];
}

// ajv's errors, one a line, naming the unexpected member of an additionalProperties error.
function describe(errors, what) {
  return errors.map((e) => {
    let line = `    ${what}${e.instancePath} ${e.message}`;
    if (e.keyword === 'additionalProperties') line += `: "${e.params.additionalProperty}"`;
    if (e.keyword === 'enum') line += `: ${JSON.stringify(e.params.allowedValues)}`;
    return line;
  }).join('\n');
}

function encodePointer(parts) {
  return parts.map(pointerSegment).join('/');
}

function main() {
  const args = process.argv.slice(2);
  const requireAll = args.includes('--require-every-operation');
  const files = args.filter((a) => !a.startsWith('--'));
  if (files.length !== 2) usage();
  const doc = yaml.parse(fs.readFileSync(files[0], 'utf8'));
  const transcript = JSON.parse(fs.readFileSync(files[1], 'utf8'));
  if (!Array.isArray(transcript)) throw new Error('the transcript must be a JSON array');

  const ajv = new Ajv2020({allErrors: true, strict: true, strictRequired: false});
  addFormats(ajv);
  // OpenAPI's "byte": base64.
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  // The OpenAPI base vocabulary of Schema Objects (annotations only).
  ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
  // The component schemas become the $defs of one schema, so that ajv compiles each of them as
  // a schema (strict: an unknown keyword fails); references to them are rewritten to match.
  const defs = rewriteRefs(((doc.components || {}).schemas) || {});
  ajv.addSchema({$id: 'openapi.json', $defs: defs});
  for (const name of Object.keys(defs)) ajv.compile({$ref: 'openapi.json#/$defs/' + name});
  const compiled = new Map();
  const validatorAt = (pointer) => {
    if (!compiled.has(pointer)) {
      compiled.set(pointer, ajv.compile(rewriteRefs(nodeAt(doc, pointer))));
    }
    return compiled.get(pointer);
  };

  const templates = Object.keys(doc.paths || {}).map((t) => ({
    template: t,
    parts: t.split('/'),
    literals: t.split('/').filter((p) => !/^\{.+\}$/.test(p)).length,
  }));
  const matchTemplate = (path) => {
    const parts = path.split('/');
    const candidates = templates.filter((t) => t.parts.length === parts.length &&
        t.parts.every((p, i) => (/^\{.+\}$/.test(p) ? parts[i] !== '' : p === parts[i])));
    candidates.sort((a, b) => b.literals - a.literals);
    return candidates.length ? candidates[0].template : null;
  };

  const failures = [];
  // Every schema of every operation compiles (a broken $ref fails here, exercised or not).
  for (const {template} of templates) {
    for (const method of METHODS) {
      const operation = doc.paths[template][method];
      if (!operation) continue;
      const opPointer = '/' + encodePointer(['paths', template, method]);
      const schemas = [];
      if (operation.requestBody) {
        const [rb, rbPointer] = deref(doc, operation.requestBody, opPointer + '/requestBody');
        for (const ct of Object.keys(rb.content || {})) {
          schemas.push(rbPointer + '/content/' + pointerSegment(ct) + '/schema');
        }
      }
      for (const [status, r] of Object.entries(operation.responses || {})) {
        const [response, pointer] =
            deref(doc, r, opPointer + '/responses/' + pointerSegment(status));
        for (const ct of Object.keys(response.content || {})) {
          schemas.push(pointer + '/content/' + pointerSegment(ct) + '/schema');
        }
      }
      for (const pointer of schemas) {
        try {
          validatorAt(pointer);
        } catch (e) {
          failures.push(`${method.toUpperCase()} ${template}: the schema at ${pointer} does not ` +
                        `compile: ${e.message}`);
        }
      }
    }
  }
  const exercised = new Set();
  transcript.forEach((entry, n) => {
    const method = String(entry.method || '').toLowerCase();
    const path = String(entry.path || '').split('?')[0];
    const where = `#${n} ${method.toUpperCase()} ${path} -> ${entry.status}`;
    const fail = (msg) => failures.push(`${where}: ${msg}`);
    const template = matchTemplate(path);
    if (template === null) return fail('no documented path matches');
    const operation = (doc.paths[template] || {})[method];
    if (!operation) return fail(`${template} documents no ${method.toUpperCase()}`);
    const opPointer = '/' + encodePointer(['paths', template, method]);
    const status = String(entry.status);
    if (entry.status >= 200 && entry.status < 300) exercised.add(`${method} ${template}`);

    const responses = operation.responses || {};
    if (!(status in responses)) {
      return fail(`status ${status} is not documented for ${method.toUpperCase()} ${template}`);
    }
    const [response, responsePointer] =
        deref(doc, responses[status], opPointer + '/responses/' + pointerSegment(status));
    const headers = entry.headers || {};
    for (const h of API_HEADERS) {
      if (!(h in headers)) continue;
      const documented = Object.keys(response.headers || {}).some((k) => k.toLowerCase() === h);
      if (!documented) fail(`the response header ${h} is not documented`);
    }
    const contentType = String(entry.content_type || '').split(';')[0].trim().toLowerCase();
    const content = response.content || {};
    if (!contentType) {
      if (Object.keys(content).length) fail('no content type, but the response documents a body');
    } else if (!(contentType in content)) {
      fail(`content type ${contentType} is not documented (documented: ${
          Object.keys(content).join(', ') || 'none'})`);
    } else if (content[contentType].schema) {
      const pointer = responsePointer + '/content/' + pointerSegment(contentType) + '/schema';
      const validate = validatorAt(pointer);
      if (!validate(entry.body)) {
        fail('response body does not match ' + pointer + ':\n' + describe(validate.errors, 'body'));
      }
    }

    // A request body the gateway accepted must match the documented request schema.
    const hasRequestBody = entry.request_body !== undefined && entry.request_body !== null;
    const rejectedBody = [400, 413, 415].includes(entry.status);
    if (hasRequestBody && !rejectedBody) {
      const [requestBody, requestPointer] =
          deref(doc, operation.requestBody, opPointer + '/requestBody');
      const media = requestBody && requestBody.content && requestBody.content['application/json'];
      if (!media || !media.schema) {
        fail('a request body was sent, but the operation documents none');
      } else {
        const validate = validatorAt(requestPointer + '/content/application~1json/schema');
        if (!validate(entry.request_body)) {
          fail('request body does not match its schema:\n' + describe(validate.errors, 'request'));
        }
      }
    }
  });

  if (requireAll) {
    for (const {template} of templates) {
      for (const method of METHODS) {
        if (doc.paths[template][method] && !exercised.has(`${method} ${template}`)) {
          failures.push(`${method.toUpperCase()} ${template}: never answered 2xx in the transcript`);
        }
      }
    }
  }

  if (failures.length) {
    console.log(failures.join('\n'));
    console.log(`${failures.length} problem(s) in ${transcript.length} exchanges`);
    process.exit(1);
  }
  console.log(`ok: ${transcript.length} exchanges match ${files[0]}`);
}

try {
  main();
} catch (e) {
  console.log('openapi_validate: ' + (e && e.stack ? e.stack : e));
  process.exit(2);
}
