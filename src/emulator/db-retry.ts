/**
 * Shared pieces of the two storage adapters: the retry loop for serialization failures, the
 * in-process mutex PGlite needs (it has exactly one connection), and the classification of
 * storage failures a caller should simply retry (the database restarting or unreachable).
 */

/** SQLSTATEs that mean "run the transaction again": serialization failure and deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);

/**
 * SQLSTATEs of a server that is going away, coming back or refusing connections: admin shutdown
 * (fast shutdown), crash shutdown (immediate), cannot connect now (starting up or shutting
 * down), too many connections, and the connection-exception class.
 */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006", "08007"]);

/** Socket errors of a connection to the database server. */
const UNAVAILABLE_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ENOTCONN"]);

/** Messages of `pg` and `pg-pool` (which give these errors no code) for a lost or refused connection. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /is not queryable$/,
  /^timeout exceeded when trying to connect$/,
  /^Cannot use a pool after calling end on the pool$/,
  /^PGlite is closed$/,
];

/** True when `error` is a PostgreSQL error whose transaction may simply be retried. */
export function isRetryableTransactionError(error: unknown): boolean {
  return typeof error === "object" && error !== null && RETRYABLE.has(String((error as { code?: unknown }).code));
}

/**
 * True when `error` says the database could not be reached or dropped the connection (a
 * PostgreSQL restart, a refused or reset connection), as opposed to a problem with the query.
 * Looks through `cause` and the `errors` of an AggregateError (Node's dual-stack connect).
 */
export function isStorageUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 4) return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  if (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) return true;
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGES.some((m) => m.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isStorageUnavailable(inner, depth + 1))) return true;
  return isStorageUnavailable(e.cause, depth + 1);
}

/** Seconds a client should wait before retrying after a storage failure. */
const RETRY_AFTER_SECONDS = 1;

/**
 * The answer to a request that failed because of storage rather than because of the request: a
 * 503 with `Retry-After` (plain text, no stack trace) when the database is unreachable or the
 * transaction lost a serialization race; null for any other error. Nothing of such a request was
 * committed, unless the failure hit its COMMIT, which is why a repeat needs an idempotency key.
 */
export function storageFailureResponse(error: unknown): Response | null {
  let message: string;
  if (isStorageUnavailable(error)) message = "The emulator's database is unavailable right now (restarting or unreachable).";
  else if (isRetryableTransactionError(error)) message = "The request collided with a concurrent one and was not applied.";
  else return null;
  return new Response(`${message} Retry in a moment.`, {
    status: 503,
    headers: { "content-type": "text/plain; charset=utf-8", "retry-after": String(RETRY_AFTER_SECONDS) },
  });
}

/**
 * Runs `attempt` until it does not fail with a retryable error. Backoff grows with jitter so that
 * many contending clients spread out instead of colliding again in lockstep.
 */
export async function withTransactionRetries<T>(attempt: () => Promise<T>, maxAttempts = 200): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetryableTransactionError(error) || i >= maxAttempts) throw error;
      const ceiling = Math.min(100, 2 * 2 ** Math.min(i, 6));
      await new Promise((r) => setTimeout(r, Math.random() * ceiling));
    }
  }
}

/** A FIFO async mutex. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Waits until every earlier holder has released; answers the function that releases it. */
  async acquire(): Promise<() => void> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => (release = r));
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }

  /** Runs `fn` once every earlier holder has finished. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
