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
// Uses ajv 6 (JSON Schema draft-07) and js-yaml from Debian (node-ajv, node-js-yaml; installed
// by scripts/install-deps). The document's schemas keep to draft-07 keywords for that reason.
'use strict';

// Debian installs its Node.js modules in /usr/share/nodejs; a Node.js from elsewhere (e.g.
// NodeSource) does not search there, for this script or for those modules' own dependencies.
{
  const Module = require('module');
  const extra = ['/usr/share/nodejs', '/usr/lib/nodejs'];
  const current = (process.env.NODE_PATH || '').split(':').filter(Boolean);
  process.env.NODE_PATH = current.concat(extra.filter((d) => !current.includes(d))).join(':');
  Module._initPaths();
}

const fs = require('fs');
const Ajv = require('ajv');
const yaml = require('js-yaml');

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
// Response headers the API sets on purpose: when present, the response must document them.
const API_HEADERS = ['idempotent-replayed', 'location'];

function usage() {
  console.error('usage: openapi_validate.js OPENAPI.yaml TRANSCRIPT.json [--require-every-operation]');
  process.exit(2);
}

// OpenAPI-only keywords that are not JSON Schema draft-07: dropped before ajv sees them.
function strip(node, inProperties) {
  if (Array.isArray(node)) return node.map((n) => strip(n, false));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (!inProperties && (k === 'example' || k === 'nullable' || k === 'discriminator' ||
                          k === 'xml' || k === 'externalDocs')) {
      continue;
    }
    out[k] = strip(v, k === 'properties' && !inProperties);
  }
  return out;
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
    let line = `    ${what}${e.dataPath} ${e.message}`;
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
  const doc = strip(yaml.load(fs.readFileSync(files[0], 'utf8')), false);
  const transcript = JSON.parse(fs.readFileSync(files[1], 'utf8'));
  if (!Array.isArray(transcript)) throw new Error('the transcript must be a JSON array');

  const ajv = new Ajv({allErrors: true, unknownFormats: 'ignore', extendRefs: true});
  // OpenAPI's "byte": base64. Other formats ajv does not know are ignored.
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  ajv.addSchema(doc, 'openapi.json');
  const compiled = new Map();
  const validatorAt = (pointer) => {
    if (!compiled.has(pointer)) {
      compiled.set(pointer, ajv.compile({$ref: 'openapi.json#' + pointer}));
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
