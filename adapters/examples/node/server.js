#!/usr/bin/env node
// An adapter service for the Silta adapter protocol v1 (docs/adapter-protocol.md), in
// Node.js with the standard library only: mutual TLS, fetch, referral delivery (idempotent by
// referral id), health, and problem+json errors. It serves a fake school system (school.js)
// and passes `silta adapter check`. Start it:
//
//   node server.js --cert adapter.pem --key adapter.key --ca root-ca.pem \
//                  --allow-client-cert gateway.pem [--port 8445] [--agency kokkola-perusopetus]
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const school = require('./school');

// The gateway names the catalog in force on every call (docs/adapter-protocol.md, "The
// catalog"): Silta-Catalog-Version, Silta-Catalog-Sha256 and Silta-Catalog-Categories, the
// category ids; an id outside them is an unknown category. This list is only for calls without
// the header (e.g. curl by hand).
const FALLBACK_CATEGORIES = new Set([
  'identity_contact', 'cw_client_status', 'cw_report_exists', 'cw_report_content',
  'cw_assessment_outcome', 'cw_placement', 'school_attendance', 'grades', 'learning_support',
  'student_welfare_record', 'school_health_record', 'mh_diagnosis', 'mh_treatment_contacts',
  'mh_therapy_notes', 'substance_treatment', 'police_incident', 'domestic_violence_notice',
  'suspected_offence', 'interrogation_record', 'threat_info',
]);
const IDENTITY_CODE = /^[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]$/;
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_BODY = 1 << 20;

function parseArgs(argv) {
  const args = {port: '8445', host: '127.0.0.1', agency: 'kokkola-perusopetus',
                'allow-client-cert': []};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    if (name === 'allow-client-cert') args[name].push(value); else args[name] = value;
  }
  for (const required of ['cert', 'key', 'ca']) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
  if (args['allow-client-cert'].length === 0) {
    throw new Error('--allow-client-cert is required: the certificate(s) of the gateway');
  }
  return args;
}

// The key pin Silta's registry uses: base64 SHA-256 of the DER SubjectPublicKeyInfo.
function spkiPin(x509) {
  const der = x509.publicKey.export({type: 'spki', format: 'der'});
  return crypto.createHash('sha256').update(der).digest('base64');
}

// Sorted keys, so that the same referral always has the same digest.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort()
        .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

class Problem {
  constructor(status, type, title, detail, errors) {
    Object.assign(this, {status, type, title, detail, errors});
  }
  body() {
    const doc = {type: `urn:silta:problem:${this.type}`, title: this.title, status: this.status};
    if (this.detail) doc.detail = this.detail;
    if (this.errors && this.errors.length) doc.errors = this.errors;
    return doc;
  }
}

// Collects every problem of a document with its JSON Pointer; never echoes a value (it may be
// an identity code).
class Checker {
  constructor() { this.errors = []; }
  add(pointer, detail) { this.errors.push({pointer, detail}); }
  object(doc, pointer, keys) {
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      this.add(pointer, 'expected an object');
      return false;
    }
    for (const k of Object.keys(doc)) {
      if (!keys.includes(k)) this.add(`${pointer}/${k}`, 'unknown key');
    }
    return true;
  }
  string(doc, pointer, key, pattern) {
    const v = doc[key];
    if (v === undefined) this.add(`${pointer}/${key}`, 'required: a string');
    else if (typeof v !== 'string') this.add(`${pointer}/${key}`, 'expected a string');
    else if (pattern && !pattern.test(v)) this.add(`${pointer}/${key}`, 'expected a valid value');
    return v;
  }
  party(doc, pointer, key) {
    if (doc[key] === undefined) return this.add(`${pointer}/${key}`, 'required: an object');
    if (this.object(doc[key], `${pointer}/${key}`, ['agency', 'kind'])) {
      this.string(doc[key], `${pointer}/${key}`, 'agency', ID);
      this.string(doc[key], `${pointer}/${key}`, 'kind');
    }
  }
  subject(doc) {
    if (doc.subject === undefined) return this.add('/subject', 'required: an object');
    if (this.object(doc.subject, '/subject', ['identity_code'])) {
      this.string(doc.subject, '/subject', 'identity_code', IDENTITY_CODE);
    }
  }
}

function validateFetch(doc) {
  const c = new Checker();
  const keys = ['request_id', 'agency', 'requester', 'subject', 'purpose', 'categories', 'bases',
                'audit_seq'];
  if (!c.object(doc, '', keys)) return c.errors;
  c.string(doc, '', 'request_id');
  c.string(doc, '', 'agency', ID);
  c.party(doc, '', 'requester');
  c.subject(doc);
  c.string(doc, '', 'purpose');
  if (!Array.isArray(doc.categories)) {
    c.add('/categories', doc.categories === undefined ? 'required: an array' : 'expected an array');
  } else {
    if (doc.categories.length === 0) c.add('/categories', 'expected at least one category');
    doc.categories.forEach((v, i) => {
      if (typeof v !== 'string') c.add(`/categories/${i}`, 'expected a string');
      else if (doc.categories.indexOf(v) !== i) c.add(`/categories/${i}`, 'duplicate category');
    });
  }
  if (doc.bases !== undefined && c.object(doc.bases, '/bases', Object.keys(doc.bases))) {
    for (const [k, v] of Object.entries(doc.bases)) {
      if (typeof v !== 'string') c.add(`/bases/${k}`, 'expected a string');
    }
  }
  if (doc.audit_seq !== undefined && !Number.isSafeInteger(doc.audit_seq)) {
    c.add('/audit_seq', 'expected an integer');
  }
  return c.errors;
}

function validateReferral(doc, pathId) {
  const c = new Checker();
  const keys = ['id', 'kind', 'agency', 'sender', 'subject', 'basis', 'urgent', 'sent_at',
                'content'];
  if (!ID.test(pathId)) c.add('', 'the referral id in the path is not valid');
  if (!c.object(doc, '', keys)) return c.errors;
  const id = c.string(doc, '', 'id', ID);
  if (typeof id === 'string' && id !== pathId) c.add('/id', 'expected the referral id of the path');
  c.string(doc, '', 'kind');
  c.string(doc, '', 'agency', ID);
  c.party(doc, '', 'sender');
  c.subject(doc);
  c.string(doc, '', 'basis');
  if (typeof doc.urgent !== 'boolean') c.add('/urgent', 'expected true or false');
  const sent = c.string(doc, '', 'sent_at');
  if (typeof sent === 'string' && Number.isNaN(Date.parse(sent))) {
    c.add('/sent_at', 'expected an RFC 3339 time');
  }
  if (!doc.content || typeof doc.content !== 'object' || Array.isArray(doc.content)) {
    c.add('/content', 'expected an object');
  }
  return c.errors;
}

function makeService(agency) {
  const referrals = new Map();  // referral id -> {digest, receipt}
  let nextReference = 1;

  return {
    versions: () => [200, {versions: ['v1']}],

    health: () => [200, {status: 'ok', system: school.SYSTEM,
                         agencies: [{id: agency, categories: school.CATEGORIES}]}],

    fetch(doc, catalog) {
      const errors = validateFetch(doc);
      if (errors.length) {
        throw new Problem(400, 'validation', 'The request is not valid',
                          'The request has invalid fields.', errors);
      }
      const unknown = [];
      doc.categories.forEach((cat, i) => {
        if (!catalog.has(cat)) {
          unknown.push({pointer: `/categories/${i}`, detail: 'not a catalog category id'});
        }
      });
      if (unknown.length) {
        throw new Problem(400, 'unknown-category', 'Unknown category',
                          'A requested category is not in the catalog.', unknown);
      }
      if (doc.agency !== agency) {
        throw new Problem(404, 'unknown-agency', 'Unknown agency',
                          `This adapter serves ${agency} only.`);
      }
      const records = school.lookup(doc.subject.identity_code, doc.categories);
      if (!records) return [200, {subject_known: false, categories: {}}];
      return [200, {subject_known: true, categories: records}];
    },

    deliver(pathId, doc) {
      const errors = validateReferral(doc, pathId);
      if (errors.length) {
        throw new Problem(400, 'validation', 'The request is not valid',
                          'The referral has invalid fields.', errors);
      }
      if (doc.agency !== agency) {
        throw new Problem(404, 'unknown-agency', 'Unknown agency',
                          `This adapter serves ${agency} only.`);
      }
      const digest = crypto.createHash('sha256').update(canonical(doc)).digest('hex');
      const earlier = referrals.get(pathId);
      if (earlier) {
        if (earlier.digest !== digest) {
          throw new Problem(409, 'referral-conflict',
                            'The referral id was delivered with other content',
                            `Referral ${pathId} was delivered before with other content.`);
        }
        return [200, {...earlier.receipt, duplicate: true}];
      }
      const receipt = {
        referral_id: pathId,
        reference: `KOULU-${new Date().getUTCFullYear()}-${String(nextReference++).padStart(4, '0')}`,
        received_at: new Date().toISOString(),
        duplicate: false,
      };
      referrals.set(pathId, {digest, receipt});
      return [201, receipt];
    },
  };
}

// The catalog's category ids from the Silta-Catalog-Categories header, else the fallback list.
function catalogCategories(headers) {
  const value = headers['silta-catalog-categories'];
  if (typeof value !== 'string') return FALLBACK_CATEGORIES;
  return new Set(value.split(',').map((c) => c.trim()).filter((c) => c.length > 0));
}

function route(service, method, path, body, headers) {
  const REFERRALS = '/silta-adapter/v1/referrals/';
  const routes = [
    ['GET', (p) => p === '/silta-adapter/versions', () => service.versions()],
    ['GET', (p) => p === '/silta-adapter/v1/health', () => service.health()],
    ['POST', (p) => p === '/silta-adapter/v1/fetch',
     () => service.fetch(body(), catalogCategories(headers))],
    ['PUT', (p) => p.startsWith(REFERRALS) && !p.slice(REFERRALS.length).includes('/'),
     () => service.deliver(decodeURIComponent(path.slice(REFERRALS.length)), body())],
  ];
  const matching = routes.filter(([, matches]) => matches(path));
  if (matching.length === 0) {
    throw new Problem(404, 'not-found', 'Not found', 'No such path (or protocol version).');
  }
  const found = matching.find(([m]) => m === method);
  if (!found) throw new Problem(405, 'method-not-allowed', 'Method not allowed');
  return found[2]();
}

function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`server.js: ${e.message}`);
    process.exit(2);
  }
  const allowed = new Set(args['allow-client-cert'].map(
      (f) => spkiPin(new crypto.X509Certificate(fs.readFileSync(f)))));
  const service = makeService(args.agency);

  const server = https.createServer({
    cert: fs.readFileSync(args.cert),
    key: fs.readFileSync(args.key),
    ca: fs.readFileSync(args.ca),
    requestCert: true,          // mutual TLS: no client certificate, no connection
    rejectUnauthorized: true,   // ... and it must chain to the federation CA
    minVersion: 'TLSv1.2',
  }, (req, res) => {
    const started = process.hrtime.bigint();
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      let status;
      let doc;
      try {
        // Only the gateway may call: its key pin, as in Silta's registry.
        const peer = req.socket.getPeerX509Certificate();
        if (!peer || !allowed.has(spkiPin(peer))) {
          throw new Problem(403, 'forbidden', 'Forbidden', 'This client may not call the adapter.');
        }
        if (size > MAX_BODY) throw new Problem(413, 'body-too-large', 'Request body too large');
        const body = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            return JSON.parse(text);
          } catch {
            throw new Problem(400, 'malformed-json', 'The body is not valid JSON',
                              'The request body could not be parsed as JSON.');
          }
        };
        const path = new URL(req.url, 'https://adapter.invalid').pathname;
        [status, doc] = route(service, req.method, path, body, req.headers);
        res.writeHead(status, {'Content-Type': 'application/json', 'Cache-Control': 'no-store'});
      } catch (e) {
        const problem = e instanceof Problem ? e
            : new Problem(500, 'internal', 'Internal error', 'The adapter failed; see its log.');
        if (!(e instanceof Problem)) console.error(e);
        status = problem.status;
        doc = problem.body();
        res.writeHead(status, {'Content-Type': 'application/problem+json',
                               'Cache-Control': 'no-store'});
      }
      res.end(JSON.stringify(doc));
      // One line per request; never a body (it holds identity codes and data).
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(JSON.stringify({time: new Date().toISOString(), method: req.method,
                                  path: req.url.split('?')[0], status, ms}));
    });
  });
  // Keep idle connections longer than the gateway's pool does (30 s by default).
  server.keepAliveTimeout = 65000;
  server.on('tlsClientError', (err) => {
    console.log(JSON.stringify({time: new Date().toISOString(), event: 'tls_error',
                                error: err.code || err.message}));
  });
  server.listen(Number(args.port), args.host, () => {
    const {port} = server.address();
    console.log(JSON.stringify({event: 'listening', host: args.host, port, agency: args.agency}));
    if (args['ready-file']) {
      const tmp = `${args['ready-file']}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({port, pid: process.pid}) + '\n');
      fs.renameSync(tmp, args['ready-file']);
    }
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => server.close(() => process.exit(0)));
  }
}

main();
