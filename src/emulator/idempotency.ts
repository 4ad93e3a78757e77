/**
 * Idempotency keys (an extension): a write carrying `Idempotency-Key` is applied at most once per
 * (project, caller identity, key). A pending row is inserted first (its primary key makes a second
 * attempt lose the race), the handler runs, and its answer is stored for replay.
 */
import { createHash } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { Db } from "./db.js";
import { IDEMPOTENCY_RESULT_HEADER } from "./defaults.js";
import type { EmulatorEnv } from "./middleware/emulator-env.js";

/** Methods an idempotency key applies to. */
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// A pending row older than this is assumed to belong to a process that died mid-request.
const ABANDONED_AFTER_MILLIS = 60_000;

/** True when the request is a write carrying an idempotency key. */
export function wantsIdempotency(method: string, key: string | null): key is string {
  return key !== null && WRITE_METHODS.has(method);
}

interface StoredRow {
  fingerprint: string;
  method: string;
  path: string;
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
  age_millis: number;
}

/** Headers that describe one answer rather than the stored result; never replayed. */
const VOLATILE = new Set(["x-stack-request-id", "x-hexclave-request-id"]);

/**
 * Runs `produce` at most once for this key; repeats get the stored answer with
 * `x-stack-idempotency: replayed`, conflicts a 422 and concurrent repeats a 409 (plain text).
 */
export async function withIdempotency(
  db: Db,
  scope: { projectId: string; identity: string; key: string; method: string; path: string; bodyText: string },
  produce: () => Promise<Response>,
): Promise<Response> {
  const { projectId, identity, key, method, path } = scope;
  if (key.length === 0 || key.length > 255)
    return new Response("The Idempotency-Key header must be between 1 and 255 characters long.", { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
  const fingerprint = createHash("sha256").update(`${method}\n${path}\n${scope.bodyText}`).digest("hex");
  const inserted = await db.query(
    `INSERT INTO idempotency_keys (project_id, identity, key, fingerprint, method, path) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING RETURNING key`,
    [projectId, identity, key, fingerprint, method, path],
  );
  if (inserted.length === 0) {
    const rows = await db.query<StoredRow>(
      `SELECT fingerprint, method, path, status, headers, body,
              (EXTRACT(EPOCH FROM (now() - created_at)) * 1000)::float8 AS age_millis
       FROM idempotency_keys WHERE project_id = $1 AND identity = $2 AND key = $3`,
      [projectId, identity, key],
    );
    const row = rows[0];
    if (!row) return withIdempotency(db, scope, produce);
    if (row.fingerprint !== fingerprint) {
      const what = row.method !== method || row.path !== path ? `${row.method} ${row.path}` : `${row.method} ${row.path} with a different body`;
      return text(422, `Idempotency-Key "${key}" was already used for ${what}; a repeat must send the same method, path and body.`);
    }
    if (row.status === null) {
      const takenOver =
        Number(row.age_millis) > ABANDONED_AFTER_MILLIS &&
        (
          await db.query(
            `UPDATE idempotency_keys SET created_at = now() WHERE project_id = $1 AND identity = $2 AND key = $3 AND status IS NULL AND created_at < now() - interval '60 seconds' RETURNING key`,
            [projectId, identity, key],
          )
        ).length > 0;
      if (!takenOver) return text(409, `A request with Idempotency-Key "${key}" is still being processed; retry once it has finished.`);
    } else {
      const headers = new Headers(row.headers ?? {});
      headers.set(IDEMPOTENCY_RESULT_HEADER, "replayed");
      return new Response(row.status === 204 || row.status === 304 ? null : row.body, { status: row.status, headers });
    }
  }
  let response: Response;
  try {
    response = await produce();
  } catch (error) {
    await forget(db, projectId, identity, key);
    throw error;
  }
  // Server errors are not stored: the write may be retried under the same key.
  if (response.status >= 500) {
    await forget(db, projectId, identity, key);
    return response;
  }
  const body = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!VOLATILE.has(name)) headers[name] = value;
  });
  await db.query(
    `UPDATE idempotency_keys SET status = $4, headers = $5::jsonb, body = $6 WHERE project_id = $1 AND identity = $2 AND key = $3`,
    [projectId, identity, key, response.status, JSON.stringify(headers), body],
  );
  const out = new Response(response.status === 204 || response.status === 304 ? null : body, { status: response.status, headers: response.headers });
  out.headers.set(IDEMPOTENCY_RESULT_HEADER, "applied");
  return out;
}

async function forget(db: Db, projectId: string, identity: string, key: string): Promise<void> {
  await db.query("DELETE FROM idempotency_keys WHERE project_id = $1 AND identity = $2 AND key = $3 AND status IS NULL", [projectId, identity, key]);
}

function text(status: number, message: string): Response {
  return new Response(message, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * The idempotency step of a route: a write with `Idempotency-Key` runs the rest of the chain at
 * most once per (project, caller, key); a repeat gets the stored answer.
 */
export function idempotency() {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const key = c.var.header("idempotency-key");
    if (!wantsIdempotency(c.req.method, key)) return next();
    const { db, defaultProjectId } = c.var.services;
    const auth = c.var.auth;
    const url = new URL(c.req.url);
    const identity = `${auth.accessType ?? "none"}:${auth.user?.id ?? "-"}`;
    const result = await withIdempotency(
      db,
      { projectId: auth.project?.id ?? defaultProjectId, identity, key, method: c.req.method, path: url.pathname + url.search, bodyText: c.var.bodyText },
      async () => {
        await next();
        return c.res;
      },
    );
    // Hono merges the headers set so far (CORS) into the answer.
    c.res = result;
  });
}
