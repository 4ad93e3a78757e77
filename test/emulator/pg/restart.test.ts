// The emulator on a real PostgreSQL (started here) that drops connections and restarts:
// a connection terminated in the middle of a transaction, then restarts in the fast and the
// immediate shutdown modes under load. Requests caught by the outage answer 503 with
// Retry-After, nothing crashes the process (an unhandled `error` event would end this worker),
// the pool reconnects, and SDK writes sent with idempotency keys are applied exactly once.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../../../src/emulator/create-emulator.js";
import type { Route } from "../../../src/emulator/http.js";
import { StackServerApp } from "../../../src/server.js";
import { findPostgresBinaries, startTestPostgres, type TestPostgres } from "./postgres-server.js";

const bin = findPostgresBinaries();
const noPostgres = bin === null;
if (noPostgres) console.warn("Skipping the PostgreSQL restart tests: no initdb/pg_ctl under /usr/lib/postgresql/*/bin.");

let held: { reached: () => void; release: Promise<void> } | undefined;
const holdRoute: Route = {
  // Opens a transaction and waits inside it until the test lets go.
  method: "POST",
  path: "/test/hold",
  access: "server",
  async handler(ctx) {
    await ctx.db.transaction(async (tx) => {
      await tx.query("SELECT 1");
      held!.reached();
      await held!.release;
      await tx.query("SELECT 2");
    });
    return { done: true };
  },
};

let server: TestPostgres | undefined;
let emulator: Emulator | undefined;
const config = { items: { credits: { customerType: "custom" as const } } };

function headers(): Record<string, string> {
  const p = emulator!.project;
  return { "content-type": "application/json", "x-stack-access-type": "server", "x-stack-project-id": p.id, "x-stack-secret-server-key": p.secretServerKey };
}

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  return emulator!.fetch(
    new Request(`http://emulator.local/api/v1${path}`, { method, headers: headers(), ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
  );
}

describe.skipIf(noPostgres)("the emulator on a PostgreSQL that drops connections and restarts", () => {
  beforeAll(async () => {
    // Durable commits: an immediate shutdown must not lose what was acknowledged.
    server = await startTestPostgres(bin!, { durableCommits: true });
    emulator = createEmulator({ storage: { databaseUrl: server.url }, config, extraRoutes: [holdRoute] });
    await emulator.ready;
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    server?.stop();
  });

  it("a connection terminated inside a transaction: 503 with Retry-After, then the next request is served", async () => {
    let reached!: () => void;
    const inside = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    held = { reached, release: new Promise<void>((r) => (release = r)) };
    const pending = request("POST", "/test/hold", {});
    await inside;
    const admin = new pg.Client({ connectionString: server!.url });
    await admin.connect();
    try {
      const killed = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
      );
      expect(killed.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    // Let the server's goodbye reach the client (its `error` event) before the next query.
    await new Promise((r) => setTimeout(r, 100));
    release();
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    const text = await res.text();
    expect(text).toContain("database is unavailable");
    expect(text).not.toMatch(/\n\s+at /);
    const after = await request("GET", "/payments/items/custom/after-terminate/credits");
    expect(after.status).toBe(200);
  });

  it("restarts (fast, then immediate) under load: only 2xx and retryable 503s, keyed SDK writes applied exactly once", async () => {
    const p = emulator!.project;
    const app = new StackServerApp({
      baseUrl: "http://emulator.local",
      projectId: p.id,
      publishableClientKey: p.publishableClientKey,
      secretServerKey: p.secretServerKey,
      fetch: (input, init) => emulator!.fetch(new Request(input, init)),
      retry: { attempts: 12, baseDelayMs: 50, maxDelayMs: 1000 },
      tokenStore: "memory",
    });
    const run = `restart-${Date.now()}`;
    const acked = new Set<number>();
    const failed = new Set<number>();
    const statuses = new Map<number, number>();
    let next = 0;
    let stop = false;

    const writer = async () => {
      while (!stop) {
        const i = next++;
        try {
          const item = await app.getItem({ customCustomerId: `${run}-${i}`, itemId: "credits" });
          await item.increaseQuantity(1);
          acked.add(i);
        } catch {
          failed.add(i);
        }
      }
    };
    const prober = async () => {
      while (!stop) {
        const res = await request("GET", `/payments/items/custom/${run}-probe/credits`);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 503) expect(res.headers.get("retry-after")).toBe("1");
        await res.text();
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const load = [...Array.from({ length: 6 }, writer), prober()];
    await new Promise((r) => setTimeout(r, 500));
    await server!.restart("fast");
    await new Promise((r) => setTimeout(r, 500));
    await server!.restart("immediate");
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(load);

    expect([...statuses.keys()].every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThan(0);
    // Every acknowledged write exactly once; none (acknowledged or not) twice.
    const rows = await emulator!.db.query<{ customer_id: string; n: number }>(
      "SELECT customer_id, count(*)::int AS n FROM payments_item_changes WHERE customer_id LIKE $1 GROUP BY customer_id",
      [`${run}-%`],
    );
    const counts = new Map(rows.map((r) => [r.customer_id, r.n]));
    for (const i of acked) expect(counts.get(`${run}-${i}`), `write ${i}`).toBe(1);
    for (const [customer, n] of counts) expect(n, customer).toBeLessThanOrEqual(1);
    // Served again after both restarts.
    expect((await request("GET", `/payments/items/custom/${run}-after/credits`)).status).toBe(200);
  }, 60_000);
});
