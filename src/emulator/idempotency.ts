/**
 * Idempotency keys (an extension): a write carrying `Idempotency-Key` is applied at most once per
 * (project, caller identity, key), whatever fails and whenever.
 *
 * The write and the record of its answer commit in one transaction: the layer opens a deferred
 * transaction around the route, every query of the route joins it (its own transactions become
 * savepoints), the first of them claims the key by inserting its row, and the answer is written
 * into that row before COMMIT. So a key is either unused, or used with its write applied and its
 * answer stored; a crash or a lost connection before COMMIT leaves neither, and a repeat then
 * applies the write once. Two processes racing on one key meet on the row's primary key: the
 * second waits for the first, finds the key used, rolls its own work back and replays the
 * first answer. Within one process a concurrent repeat is answered 409 at once.
 */
import { createHash } from "node:crypto";
import { decodeJwt } from "jose";
import { createMiddleware } from "hono/factory";
import { getSigningKeys } from "./auth/tokens.js";
import type { Db, SqlExecutor } from "./db.js";
import { IDEMPOTENCY_RESULT_HEADER } from "./defaults.js";
import type { EmulatorEnv, HeaderReader, ProjectAuth } from "./middleware/emulator-env.js";

/** Methods an idempotency key applies to. */
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

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
}

/** Headers that describe one answer rather than the stored result; never replayed. */
const VOLATILE = new Set(["x-stack-request-id", "x-hexclave-request-id"]);

/** What identifies one use of a key. */
export interface IdempotencyScope {
  projectId: string;
  /** The caller (see {@link callerIdentity}). */
  identity: string;
  key: string;
  method: string;
  /** Path and query string. */
  path: string;
  bodyText: string;
}

// Keys being processed by this process, per storage: a concurrent repeat is told so at once
// instead of waiting for the first to finish.
const inFlight = new WeakMap<Db, Set<string>>();

/**
 * Runs `produce` (the route) at most once for this key, inside a transaction that also stores
 * its answer. A repeat gets the stored answer with `x-stack-idempotency: replayed`; the same key
 * with another method, path or body a 422; a repeat while the first is running in this process
 * a 409 (plain text). Server errors are not stored: their work is rolled back, so a repeat
 * under the same key applies the write then.
 */
export async function withIdempotency(db: Db, scope: IdempotencyScope, produce: () => Promise<Response>): Promise<Response> {
  const { projectId, identity, key, method, path } = scope;
  if (key.length === 0 || key.length > 255) return text(400, "The Idempotency-Key header must be between 1 and 255 characters long.");
  const fingerprint = createHash("sha256").update(`${method}\n${path}\n${scope.bodyText}`).digest("hex");
  const ids = [projectId, identity, key];

  // The common repeat (a retry after a lost answer) is answered without running anything.
  const stored = await findAnswer(db, ids);
  if (stored) return replay(stored, scope, fingerprint);

  const flightKey = JSON.stringify(ids);
  let flying = inFlight.get(db);
  if (!flying) inFlight.set(db, (flying = new Set()));
  if (flying.has(flightKey)) return text(409, `A request with Idempotency-Key "${key}" is still being processed; retry once it has finished.`);
  flying.add(flightKey);
  try {
    let claimed = false;
    const tx = db.deferredTransaction(async (t) => {
      // Waits, on PostgreSQL, for another process holding the same key until it commits or rolls back.
      const rows = await t.query(
        `INSERT INTO idempotency_keys (project_id, identity, key, fingerprint, method, path) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING RETURNING key`,
        [...ids, fingerprint, method, path],
      );
      claimed = rows.length === 1;
      await t.query("SAVEPOINT idempotent_write");
    });
    let response: Response;
    let body: string;
    try {
      response = await tx.run(produce);
      if (response.status >= 500) {
        await tx.rollback();
        return response;
      }
      body = await response.text();
      // A route that never touched storage claims its key now.
      const t = await tx.begin();
      if (!claimed) {
        await tx.rollback();
        const winner = await findAnswer(db, ids);
        if (winner) return replay(winner, scope, fingerprint);
        return text(409, `A request with Idempotency-Key "${key}" was being processed elsewhere; retry it.`);
      }
      await storeAnswer(t, ids, response, body);
      await tx.commit();
    } catch (error) {
      await tx.rollback();
      throw error;
    }
    const out = new Response(response.status === 204 || response.status === 304 ? null : body, { status: response.status, headers: response.headers });
    out.headers.set(IDEMPOTENCY_RESULT_HEADER, "applied");
    return out;
  } finally {
    flying.delete(flightKey);
  }
}

async function findAnswer(db: SqlExecutor, ids: string[]): Promise<StoredRow | undefined> {
  const rows = await db.query<StoredRow>(
    // Rows without an answer are never committed by this version; older versions left some.
    "SELECT fingerprint, method, path, status, headers, body FROM idempotency_keys WHERE project_id = $1 AND identity = $2 AND key = $3 AND status IS NOT NULL",
    ids,
  );
  return rows[0];
}

function replay(row: StoredRow, scope: IdempotencyScope, fingerprint: string): Response {
  if (row.fingerprint !== fingerprint) {
    const what = row.method !== scope.method || row.path !== scope.path ? `${row.method} ${row.path}` : `${row.method} ${row.path} with a different body`;
    return text(422, `Idempotency-Key "${scope.key}" was already used for ${what}; a repeat must send the same method, path and body.`);
  }
  const headers = new Headers(row.headers ?? {});
  headers.set(IDEMPOTENCY_RESULT_HEADER, "replayed");
  return new Response(row.status === 204 || row.status === 304 ? null : row.body, { status: row.status!, headers });
}

async function storeAnswer(tx: SqlExecutor, ids: string[], response: Response, body: string): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!VOLATILE.has(name)) headers[name] = value;
  });
  const store = () =>
    tx.query("UPDATE idempotency_keys SET status = $4, headers = $5::jsonb, body = $6 WHERE project_id = $1 AND identity = $2 AND key = $3", [
      ...ids,
      response.status,
      JSON.stringify(headers),
      body,
    ]);
  try {
    await store();
  } catch (error) {
    // 25P02: a statement of the route failed and the route answered anyway (it turned a
    // constraint violation into a 4xx): its work is void, the transaction unusable past the
    // savepoint. Roll the route back to it and keep its answer.
    if ((error as { code?: unknown }).code !== "25P02") throw error;
    await tx.query("ROLLBACK TO SAVEPOINT idempotent_write");
    await store();
  }
}

function text(status: number, message: string): Response {
  return new Response(message, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * Who is calling, for scoping idempotency keys: the project's secret server or admin key (by
 * digest) or the admin user of an admin access token, with the signed-in user if any; or a
 * client's signed-in user. Null for a caller with no identity: a client without a user (sign-up,
 * sign-in) or a request without project auth. Two callers never share a scope unless they hold
 * the same secret or are the same user.
 */
export function callerIdentity(auth: ProjectAuth, header: HeaderReader): string | null {
  if (auth.project === null || auth.accessType === null) return null;
  const user = auth.user ? `user:${auth.user.id}` : "user:-";
  if (auth.accessType === "client") return auth.user ? `client:${user}` : null;
  const adminToken = header("x-stack-admin-access-token");
  if (auth.accessType === "admin" && adminToken) {
    // Authentication verified this token; its subject is the admin user.
    const subject = decodeJwt(adminToken).sub;
    return subject ? `admin:admin-user:${subject}:${user}` : null;
  }
  const secret = header(auth.accessType === "server" ? "x-stack-secret-server-key" : "x-stack-super-secret-admin-key");
  if (!secret) return null;
  return `${auth.accessType}:key:${createHash("sha256").update(secret).digest("hex").slice(0, 32)}:${user}`;
}

/**
 * The idempotency step of a route: a write with `Idempotency-Key` runs the rest of the chain at
 * most once per (project, caller, key), in one transaction with the record of its answer; a
 * repeat gets the stored answer.
 *
 * A keyed write from a caller with no identity (an anonymous sign-up, a password sign-in, a
 * route without project auth) runs as the hosted API runs every write, key ignored, and says so
 * with `x-stack-idempotency: ignored`: its answer could only be stored under the key alone, and
 * replaying it would hand one caller's answer (a new user's session) to anyone who sends the same
 * key. Refusing it instead would make the emulator fail requests the hosted API accepts.
 */
export function idempotency() {
  return createMiddleware<EmulatorEnv>(async (c, next) => {
    const key = c.var.header("idempotency-key");
    if (!wantsIdempotency(c.req.method, key)) return next();
    const { db } = c.var.services;
    const auth = c.var.auth;
    const identity = callerIdentity(auth, c.var.header);
    if (identity === null) {
      await next();
      c.res.headers.set(IDEMPOTENCY_RESULT_HEADER, "ignored");
      return;
    }
    // The project's signing keys are cached per process, created on first use. Load them before
    // the write's transaction: created inside it they would be cached even if it rolled back,
    // and awaiting a load another request started outside it would deadlock PGlite (whose one
    // connection the transaction holds).
    await getSigningKeys(db, auth.project!.id);
    const url = new URL(c.req.url);
    const result = await withIdempotency(
      db,
      { projectId: auth.project!.id, identity, key, method: c.req.method, path: url.pathname + url.search, bodyText: c.var.bodyText },
      async () => {
        await next();
        return c.res;
      },
    );
    // Hono merges the headers set so far (CORS) into the answer.
    c.res = result;
  });
}
