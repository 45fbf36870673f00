// The log's integrity as this browser sees it: the latest checkpoint, verified here with the
// verifier key this browser remembers for the log, and consistent with the checkpoint it
// verified last (docs/console.md, "Log integrity"). The browser keeps, per log origin, the key
// and the last verified size and root in localStorage; a smaller log, another root or another
// key raises the alarm, and the remembered state is then kept as it was.
import {api} from "./api.js";
import {toBase64, verifyAgainstKnown, verifyCheckpointNote, verifyCosignature, verifyRecord,} from "./verify.js";

const storagePrefix = "silta.console.log.";

function remembered(origin) {
  try {
    const value = JSON.parse(localStorage.getItem(storagePrefix + origin) ?? "null");
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}

function remember(origin, state) {
  try {
    localStorage.setItem(storagePrefix + origin, JSON.stringify(state));
  } catch {
    // A browser that keeps nothing checks each visit on its own.
  }
}

// {state: "ok", checkpoint, known, first} with the verified checkpoint ({origin, size (BigInt),
// root}), the state remembered before this check (null on the first visit) and whether this was
// the first; {state: "alarm", reason, checkpoint (as the gateway sent it), known}; ApiError
// thrown when the gateway cannot be asked.
export async function checkLog(actor) {
  const cp = await api.checkpoint(actor);
  const known = remembered(cp.origin);
  const key = known?.key ?? cp.verifier_key;
  if (known && known.key !== cp.verifier_key) {
    return {state: "alarm", reason: "key_changed", checkpoint: cp, known};
  }
  const verified = await verifyCheckpointNote(cp.note, key);
  if (!verified.ok) return {state: "alarm", reason: verified.reason, checkpoint: cp, known};
  if (verified.origin !== cp.origin) {
    return {state: "alarm", reason: "bad_note", checkpoint: cp, known};
  }
  if (known) {
    const grew = BigInt(known.size) < verified.size;
    const proof =
        grew ? await api.consistencyProof(actor, known.size, String(verified.size)) : null;
    const consistent = await verifyAgainstKnown(known, verified, proof);
    if (!consistent.ok) {
      return {state: "alarm", reason: consistent.reason, checkpoint: cp, known};
    }
  }
  remember(cp.origin, {
    key,
    size: String(verified.size),
    root: toBase64(verified.root),
    at: new Date().toISOString(),
  });
  return {
    state: "ok",
    checkpoint: verified,
    known,
    first: !known,
    key,
    witnesses: await cosignatures(cp),
  };
}

// The witnesses' cosignatures on the checkpoint (docs/witness.md), each checked here with the
// witness's key as the gateway names it: {quorum, verified (how many hold), list: each witness
// as the gateway reports it, with `check`, verifyCosignature()'s result}. A missing cosignature
// is no alarm (a witness may be down); fewer valid ones than the quorum is shown as a warning.
async function cosignatures(cp) {
  const list = [];
  for (const w of cp.witnesses ?? [])
    list.push({...w, check: await verifyCosignature(cp.note, w.key)});
  return {quorum: cp.quorum ?? 0, verified: list.filter((w) => w.check.ok).length, list};
}

// Whether `record` is in the log as it is: {ok: true, size} or {ok: false, reason}. The
// checkpoint is the one checkLog() just verified (an alarm is a failure here too).
export async function checkRecord(actor, record) {
  const log = await checkLog(actor);
  if (log.state !== "ok") return {ok: false, reason: log.reason};
  const cp = log.checkpoint;
  if (record.full_record === false || record.origin !== cp.origin ||
      BigInt(record.seq) >= cp.size) {
    return verifyRecord(record, null, cp);
  }
  const proof = await api.inclusionProof(actor, record.seq, String(cp.size));
  const result = await verifyRecord(record, proof, cp);
  return result.ok ? {ok: true, size: cp.size} : result;
}
