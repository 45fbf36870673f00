// The console's only way to the gateway: the documented /v1 API (docs/api.md,
// docs/openapi.yaml), on the same origin, authenticated by the browser's client certificate.
import {language} from "./texts.js";

export class ApiError extends Error {
  status;
  problem;
  constructor(
      status,  // 0: no answer (network)
      problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  // A problem found before asking the gateway, shown like the gateway's own.
  static invalid(pointer, detail) {
    return new ApiError(400, {
      type: "urn:silta:problem:validation",
      title: detail,
      status: 400,
      detail,
      errors: [{pointer, detail}],
    });
  }

  // The problem type's slug: "urn:silta:problem:validation" → "validation".
  get slug() {
    return this.problem?.type.replace(/^urn:silta:problem:/, "") ?? "";
  }
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    // Empty filters are left out: the API refuses parameters it does not expect.
    if (value !== undefined && value !== "") params.set(name, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function problemOf(response) {
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("application/problem+json")) return null;
  try {
    return (await response.json());
  } catch {
    return null;
  }
}

async function call(method, path, query, body, idempotencyKey) {
  const headers = {
    Accept: "application/json",
    // The gateway's own texts follow the console's language where it has them.
    "Accept-Language": language(),
  };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(url(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error",
    });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return (await response.json());
}

// Reads a list page after page: `fetchPage(cursor)` answers {items, next_cursor}. Stops at the
// list's end or once `max` items are read (`cursor` then reads on); `onPage(items)` follows.
export async function readPages(fetchPage, {cursor, max, onPage}) {
  const items = [];
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.next_cursor;
    onPage?.(items);
  } while (cursor && items.length < max);
  return {items, cursor};
}

export const api = {
  whoami: () => call("GET", "/v1/whoami", {}),

  catalog: () => call("GET", "/v1/catalog", {}),

  async records(actor, q) {
    const r = await call("GET", "/v1/audit/records", {actor, ...q});
    return {items: r.records, next_cursor: r.next_cursor};
  },

  async breakGlass(actor, state, cursor) {
    const r = await call("GET", "/v1/audit/break-glass", {actor, state, cursor, limit: 1000});
    return {items: r.reviews, next_cursor: r.next_cursor};
  },

  // Every agency's referrals with a deadline unmet and due within `within` days ("" = all).
  async referralOversight(actor, within, cursor) {
    const r = await call(
        "GET", "/v1/audit/referrals", {actor, due_within_days: within, cursor, limit: 1000});
    return {items: r.referrals, next_cursor: r.next_cursor};
  },

  async review(id, body, idempotencyKey) {
    const path = `/v1/audit/break-glass/${encodeURIComponent(id)}/review`;
    const r = await call("POST", path, {}, body, idempotencyKey);
    return r.review;
  },

  // The person's log-data report (ATL 11 §); `lang` is the language of its person_copy.
  subjectReport: (actor, subject, lang) =>
      call("GET", "/v1/audit/subject-report", {actor, subject, lang}),

  checkpoint: (actor) => call("GET", "/v1/audit/checkpoint", {actor}),

  inclusionProof: (actor, index, size) =>
      call("GET", "/v1/audit/proofs/inclusion", {actor, index, size}),

  consistencyProof: (actor, from, to) =>
      call("GET", "/v1/audit/proofs/consistency", {actor, from, to}),
};
