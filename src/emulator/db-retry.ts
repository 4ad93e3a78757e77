/**
 * Shared pieces of the two storage adapters: the retry loop for serialization failures and the
 * in-process mutex PGlite needs (it has exactly one connection).
 */

/** SQLSTATEs that mean "run the transaction again": serialization failure and deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);

/** True when `error` is a PostgreSQL error whose transaction may simply be retried. */
export function isRetryableTransactionError(error: unknown): boolean {
  return typeof error === "object" && error !== null && RETRYABLE.has(String((error as { code?: unknown }).code));
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

  /** Runs `fn` once every earlier holder has finished. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
