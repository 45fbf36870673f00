// console/src/verify.js in Node.js (WebCrypto, as in the browser) on a real gateway's answers,
// written by tests/integration/console_verify_test.cc: the genuine checkpoints, records and
// proofs verify; every tampered variant is refused, for the reason the console shows.
// Usage: node tests/console/verify_test.mjs console/src log.json
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [srcDir, dataFile] = process.argv.slice(2);
const v = await import(
  "data:text/javascript;base64," + readFileSync(join(srcDir, "verify.js")).toString("base64")
);
const data = JSON.parse(readFileSync(dataFile, "utf8"));
const failures = [];
let checks = 0;
let tampered = 0;

function expect(name, result, reason) {
  checks += 1;
  const ok = reason === undefined ? result.ok === true : result.ok === false && result.reason === reason;
  if (!ok) failures.push(`${name}: expected ${reason ?? "ok"}, got ${JSON.stringify(result)}`);
  if (reason !== undefined) tampered += 1;
}
const clone = (x) => structuredClone(x);
const flip = (b64) => {
  const bytes = v.fromBase64(b64);
  bytes[0] ^= 1;
  return v.toBase64(bytes);
};

// Canonical JSON as docs/formats/audit-log.md defines it.
const canonical = v.canonicalJson({ b: "\u0001/é\u2028\"\\", a: [1, "x"], c: true });
expect("canonical JSON", { ok: canonical === '{"a":[1,"x"],"b":"\\u0001/é\u2028\\"\\\\","c":true}' });

// Checkpoints.
const first = await v.verifyCheckpointNote(data.first.note, data.first.verifier_key);
const second = await v.verifyCheckpointNote(data.second.note, data.second.verifier_key);
expect("first checkpoint", first);
expect("second checkpoint", second);
expect("the note says what the API says", {
  ok:
    String(second.size) === String(data.second.size) &&
    v.toBase64(second.root) === data.second.root_hash &&
    second.origin === data.second.origin,
});
const note = data.second.note;
const key = data.second.verifier_key;
const lines = note.split("\n");
expect("another root", await v.verifyCheckpointNote([lines[0], lines[1], flip(lines[2]), ...lines.slice(3)].join("\n"), key), "bad_signature");
expect("another size", await v.verifyCheckpointNote([lines[0], String(BigInt(lines[1]) + 1n), ...lines.slice(2)].join("\n"), key), "bad_signature");
const sigLine = lines.findIndex((l) => l.startsWith("\u2014 "));
const [dash, name, sig] = lines[sigLine].split(" ");
const sigBytes = v.fromBase64(sig);
sigBytes[10] ^= 1;
const badSig = clone(lines);
badSig[sigLine] = `${dash} ${name} ${v.toBase64(sigBytes)}`;
expect("a flipped signature bit", await v.verifyCheckpointNote(badSig.join("\n"), key), "bad_signature");
expect("no signature", await v.verifyCheckpointNote(lines.slice(0, 4).join("\n") + "\n", key), "no_signature");
expect("a malformed key", await v.verifyCheckpointNote(note, key.replace(/\+[0-9a-f]{8}\+/, "+00000000+")), "bad_key");
// A key of another signer, well formed, with the same name: its signature is not on the note.
// Its base64 holds a "+" (the separator of the key's fields), as about half of all keys' do.
async function keyWithPlus() {
  for (;;) {
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
    const raw = new Uint8Array([1, ...new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey))]);
    if (!v.toBase64(raw).includes("+")) continue;
    const keyName = key.split("+")[0];
    const id = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new Uint8Array([...new TextEncoder().encode(keyName), 0x0a, ...raw])),
    ).slice(0, 4);
    const hex = [...id].map((b) => b.toString(16).padStart(2, "0")).join("");
    return { pair, keyName, id, vkey: `${keyName}+${hex}+${v.toBase64(raw)}` };
  }
}
const other = await keyWithPlus();
expect("another signer's key", await v.verifyCheckpointNote(note, other.vkey), "no_signature");
// The same key signs a note of its own: a key with "+" in its base64 verifies.
const text = lines.slice(0, 3).join("\n") + "\n";
const ownSig = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, other.pair.privateKey, new TextEncoder().encode(text)));
const ownNote = `${text}\n\u2014 ${other.keyName} ${v.toBase64(new Uint8Array([...other.id, ...ownSig]))}\n`;
expect("a note signed by a key with + in its base64", await v.verifyCheckpointNote(ownNote, other.vkey));

// The witness's cosignature (C2SP tlog-cosignature) on the checkpoint the gateway serves.
const witnesses = data.second.witnesses ?? [];
expect("the checkpoint has a witness", { ok: witnesses.length > 0 && data.second.witnessed === true });
for (const w of witnesses) {
  const cosigned = await v.verifyCosignature(note, w.key);
  expect(`cosignature of ${w.name}`, cosigned);
  expect(`cosignature of ${w.name}: its name and a time`, { ok: cosigned.name === w.name && cosigned.time > 1.7e9 });
  expect(`cosignature of ${w.name} on another size`, await v.verifyCosignature([lines[0], String(BigInt(lines[1]) + 1n), ...lines.slice(2)].join("\n"), w.key), "bad_signature");
  const line = lines.findIndex((l) => l.startsWith(`\u2014 ${w.name} `));
  const cosig = v.fromBase64(lines[line].split(" ")[2]);
  for (const [what, at] of [["its time", 6], ["its signature", 40]]) {
    const bad = clone(lines);
    const bytes = cosig.slice();
    bytes[at] ^= 1;
    bad[line] = `\u2014 ${w.name} ${v.toBase64(bytes)}`;
    expect(`cosignature of ${w.name}, a flipped bit in ${what}`, await v.verifyCosignature(bad.join("\n"), w.key), "bad_signature");
  }
  const withoutIt = lines.filter((_, i) => i !== line).join("\n");
  expect(`the note without ${w.name}'s cosignature`, await v.verifyCosignature(withoutIt, w.key), "no_cosignature");
  expect(`the log's key as a witness's`, await v.verifyCosignature(note, key), "bad_key");
}

// Records.
for (const [i, record] of data.records.entries()) {
  const proof = data.inclusion[i];
  const seq = record.seq;
  expect(`record ${seq}`, await v.verifyRecord(record, proof, second));
  const changed = { ...record, outcome: record.outcome === "ok" ? "denied" : "ok" };
  expect(`record ${seq} changed`, await v.verifyRecord(changed, proof, second), "leaf_mismatch");
  const forged = { ...clone(proof), leaf_hash: v.toBase64(await v.leafHash(changed)) };
  expect(`record ${seq} changed, with its leaf hash`, await v.verifyRecord(changed, forged, second), "bad_proof");
  if (proof.path.length > 0) {
    const badPath = clone(proof);
    badPath.path[0] = flip(badPath.path[0]);
    expect(`record ${seq}, a flipped proof`, await v.verifyRecord(record, badPath, second), "bad_proof");
    const shortPath = clone(proof);
    shortPath.path.pop();
    expect(`record ${seq}, a shortened proof`, await v.verifyRecord(record, shortPath, second), "bad_proof");
  }
  expect(`record ${seq}, another origin`, await v.verifyRecord({ ...record, origin: "x" }, proof, second), "other_origin");
}
const moved = { ...data.records[0], seq: data.records[0].seq + 1 };
expect("a record under another seq", await v.verifyRecord(moved, data.inclusion[0], second), "bad_proof");
expect("a record the checkpoint does not cover", await v.verifyRecord({ ...data.records[0], seq: Number(second.size) }, data.inclusion[0], second), "not_yet_covered");

// The browser's remembered checkpoint against the latest one.
const known = { size: data.first.size, root: data.first.root_hash };
expect("the log grew", await v.verifyAgainstKnown(known, second, data.consistency));
expect("the same checkpoint", await v.verifyAgainstKnown({ size: data.second.size, root: data.second.root_hash }, second, null));
expect("a rolled-back log", await v.verifyAgainstKnown({ size: data.second.size, root: data.second.root_hash }, first, null), "rolled_back");
expect("another root at the same size", await v.verifyAgainstKnown({ size: data.second.size, root: flip(data.second.root_hash) }, second, null), "rewritten");
expect("another earlier root", await v.verifyAgainstKnown({ size: data.first.size, root: flip(data.first.root_hash) }, second, data.consistency), "rewritten");
if (data.consistency.path.length > 0) {
  const bad = clone(data.consistency);
  bad.path[bad.path.length - 1] = flip(bad.path[bad.path.length - 1]);
  expect("a flipped consistency proof", await v.verifyAgainstKnown(known, second, bad), "rewritten");
}
expect("a proof between other sizes", await v.verifyAgainstKnown(known, second, { ...data.consistency, from: 0 }), "bad_proof");

if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log(`${checks} checks on ${data.records.length} records: genuine data verified, ${tampered} tampered variants refused`);
