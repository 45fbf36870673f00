// The audit log's integrity, checked by the browser itself (WebCrypto: SHA-256 and Ed25519)
// rather than taken on the gateway's word: a checkpoint's signature (C2SP signed note), a
// record's inclusion and two checkpoints' consistency (RFC 9162 2.1.3.2 and 2.1.4.2), and the
// record's leaf bytes recomputed from the record (docs/formats/audit-log.md). Imports nothing and
// touches no DOM, so tests/console/verify_test.mjs runs the same code in Node.js.
//
// Every check resolves to a result {ok: true, ...} or {ok: false, reason}, where reason is a
// text key suffix ("verify.<reason>" in texts.js); it never throws for bad data.

const encoder = new TextEncoder();

function fail(reason) {
  return {ok: false, reason};
}

export function fromBase64(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    return null;
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

const leafPrefix = new Uint8Array([0]);
const nodePrefix = new Uint8Array([1]);

function nodeHash(left, right) {
  return sha256(concat(nodePrefix, left, right));
}

// A record's leaf bytes: canonical JSON (keys sorted, no whitespace, empty values omitted by the
// writer already). JSON.stringify escapes strings exactly as the format says (", \, control
// characters, lower-case \u00xx; nothing else). `origin` is where the API found the record, not
// part of it.
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function leafBytes(record) {
  const copy = {...record};
  delete copy.origin;
  return encoder.encode(canonicalJson(copy));
}

export async function leafHash(record) {
  return sha256(concat(leafPrefix, leafBytes(record)));
}

// "<name>+<key id, 8 hex>+<base64(0x01 ‖ 32-byte Ed25519 public key)>"
// `type`: 0x01 for the log's key (signed notes), 0x04 for a witness's (cosignature/v1).
export async function parseVerifierKey(text, type = 1) {
  // Base64 may itself hold "+": the name holds none and the key id is 8 hex digits.
  const m = typeof text === "string" ? /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text) : null;
  if (!m) return fail("bad_key");
  const [, name, keyId, key] = m;
  const raw = fromBase64(key);
  if (!raw || raw.length !== 33 || raw[0] !== type) return fail("bad_key");
  const id = (await sha256(concat(encoder.encode(name), new Uint8Array([0x0a]), raw))).slice(0, 4);
  const hex = [...id].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (hex !== keyId) return fail("bad_key");
  return {ok: true, name, id, publicKey: raw.slice(1)};
}

// Verifies a checkpoint's signed note with the verifier key; {ok, origin, size, root} when the
// key signed it.
export async function verifyCheckpointNote(note, verifierKey) {
  const key = await parseVerifierKey(verifierKey);
  if (!key.ok) return key;
  const text = noteText(note);
  if (text === null) return fail("bad_note");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length !== 3 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) return fail("bad_note");
  const root = fromBase64(lines[2]);
  if (!root || root.length !== 32) return fail("bad_note");
  const sig = signatureLine(note, key.name, key.id, 4 + 64);
  if (!sig) return fail("no_signature");
  const valid = await ed25519(key.publicKey, sig.slice(4), encoder.encode(text));
  if (valid !== true) return valid;
  return {ok: true, origin: lines[0], size: BigInt(lines[1]), root};
}

// A note's signed text: everything up to the blank line, with its final newline; null when it
// has none.
function noteText(note) {
  if (typeof note !== "string") return null;
  const split = note.indexOf("\n\n");
  return split < 0 ? null : note.slice(0, split + 1);
}

// Line "— <name> <base64>" of a note's signatures whose key id is `id` and whose bytes are
// `length` long (key id included); null when there is none.
function signatureLine(note, name, id, length) {
  const split = note.indexOf("\n\n");
  for (const line of note.slice(split + 2).split("\n")) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const sig = fromBase64(m[2]);
    if (sig && sig.length === length && equal(sig.slice(0, 4), id)) return sig;
  }
  return null;
}

// true when `signature` is valid; else a failure (no_ed25519 when the browser cannot check).
async function ed25519(rawKey, signature, message) {
  try {
    const publicKey =
        await crypto.subtle.importKey("raw", rawKey, {name: "Ed25519"}, false, ["verify"]);
    const valid = await crypto.subtle.verify({name: "Ed25519"}, publicKey, signature, message);
    return valid ? true : fail("bad_signature");
  } catch {
    // A browser without Ed25519 in WebCrypto cannot check the signature; that is not a pass.
    return fail("no_ed25519");
  }
}

// Verifies a witness's cosignature on a checkpoint's note (C2SP tlog-cosignature: Ed25519 over
// "cosignature/v1\ntime <T>\n" and the checkpoint text; the signature line holds the key id,
// the 8-byte big-endian time T and the signature). {ok, name, time (seconds since 1970)}.
export async function verifyCosignature(note, witnessKey) {
  const key = await parseVerifierKey(witnessKey, 4);
  if (!key.ok) return key;
  const text = noteText(note);
  if (text === null) return fail("bad_note");
  const sig = signatureLine(note, key.name, key.id, 4 + 8 + 64);
  if (!sig) return fail("no_cosignature");
  const time = new DataView(sig.buffer, sig.byteOffset + 4, 8).getBigUint64(0);
  const message = encoder.encode(`cosignature/v1\ntime ${time}\n${text}`);
  const valid = await ed25519(key.publicKey, sig.slice(12), message);
  if (valid !== true) return valid;
  return {ok: true, name: key.name, time: Number(time)};
}

function decodePath(path) {
  if (!Array.isArray(path) || path.length > 64) return null;
  const out = path.map(fromBase64);
  return out.every((p) => p && p.length === 32) ? out : null;
}

// RFC 9162 2.1.3.2: the leaf at `index` is in the tree of `size` leaves with `root`.
export async function verifyInclusion(index, size, leaf, path, root) {
  const hashes = decodePath(path);
  if (!hashes) return false;
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) return false;
  let r = leaf;
  for (const p of hashes) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

// RFC 9162 2.1.4.2: the tree of `first` leaves with `firstRoot` is a prefix of the tree of
// `second` leaves with `secondRoot`.
export async function verifyConsistency(first, second, firstRoot, secondRoot, path) {
  let hashes = decodePath(path);
  const m = BigInt(first);
  const n = BigInt(second);
  if (!hashes || m > n) return false;
  if (m === n) return hashes.length === 0 && equal(firstRoot, secondRoot);
  if (m === 0n) return hashes.length === 0;  // the empty tree is a prefix of every tree
  if (hashes.length === 0) return false;
  if ((m & (m - 1n)) === 0n) hashes = [firstRoot, ...hashes];
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = hashes[0];
  let sr = hashes[0];
  for (const c of hashes.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, firstRoot) && equal(sr, secondRoot);
}

// A record is in the log: its recomputed leaf hash, through the inclusion proof (GET
// /v1/audit/proofs/inclusion?index=<seq>&size=<checkpoint size>), reaches the root of a
// checkpoint whose signature verifyCheckpointNote() has checked.
export async function verifyRecord(record, proof, checkpoint) {
  if (record.full_record === false) return fail("partial_record");
  if (record.origin !== checkpoint.origin) return fail("other_origin");
  if (BigInt(record.seq) >= checkpoint.size) return fail("not_yet_covered");
  if (!proof || String(proof.index) !== String(record.seq) ||
      String(proof.size) !== String(checkpoint.size)) {
    return fail("bad_proof");
  }
  const leaf = await leafHash(record);
  if (!equal(leaf, fromBase64(proof.leaf_hash))) return fail("leaf_mismatch");
  if (!(await verifyInclusion(record.seq, checkpoint.size, leaf, proof.path, checkpoint.root))) {
    return fail("bad_proof");
  }
  return {ok: true};
}

// The checkpoint this browser verified last for an origin (kept by the caller, e.g. in
// localStorage) and the one just verified: {ok: true} when the log has only grown, the
// consistency proof (GET /v1/audit/proofs/consistency?from=<known size>&to=<size>, null when
// the sizes are equal) shows the old tree is a prefix of the new one. A smaller tree, another
// root at the same size or a proof that does not hold is a rolled-back or rewritten log.
export async function verifyAgainstKnown(known, checkpoint, proof) {
  const knownRoot = fromBase64(known.root);
  const knownSize = BigInt(known.size);
  if (!knownRoot || knownRoot.length !== 32) return fail("bad_known");
  if (checkpoint.size < knownSize) return fail("rolled_back");
  if (checkpoint.size === knownSize) {
    return equal(knownRoot, checkpoint.root) ? {ok: true} : fail("rewritten");
  }
  if (!proof || String(proof.from) !== String(knownSize) ||
      String(proof.to) !== String(checkpoint.size)) {
    return fail("bad_proof");
  }
  const consistent =
      await verifyConsistency(knownSize, checkpoint.size, knownRoot, checkpoint.root, proof.path);
  return consistent ? {ok: true} : fail("rewritten");
}

export function toBase64(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
