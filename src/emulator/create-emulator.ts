/**
 * `createEmulator()`: the local payments API as a fetch handler, with real storage (PGlite in
 * memory by default, a data folder, or PostgreSQL) and no port of its own.
 */
import type { PaymentsConfig } from "../core/schemas/index.js";
import { createAuthRoutes } from "./auth/routes.js";
import { getSigningKeys } from "./auth/tokens.js";
import { clockRoutes } from "./clock.js";
import type { Db, SqlExecutor } from "./db.js";
import { DEFAULT_PROJECT } from "./defaults.js";
import type { Route } from "./http.js";
import { migrate } from "./migrate.js";
import { paymentsMigrations } from "./migrations/payments.js";
import { platformMigrations } from "./migrations/platform.js";
import { checkoutPageRoutes, paymentsRoutes } from "./payments/routes.js";
import { createPgliteDb } from "./pglite-db.js";
import { createPostgresDb } from "./postgres-db.js";
import { migrateLegacyPaymentsConfig, paymentsConfigProblems, setConfigOverride } from "./project-config.js";
import { createRouter, type EmulatorProject } from "./router.js";

/** Where the emulator keeps its data. */
export type EmulatorStorage = Db | { dataDir?: string } | { databaseUrl: string };

/** Options of {@link createEmulator}. */
export interface CreateEmulatorOptions {
  /** The project's payments config (camelCase, the format of `payments.json`). Test mode defaults to true. */
  config?: PaymentsConfig;
  /** A `Db`, `{ dataDir }` for PGlite on disk, or `{ databaseUrl }`. Default: `DATABASE_URL` if set, else PGlite in memory. */
  storage?: EmulatorStorage;
  /** Real-time source; the test clock's offset is added on top. Default `Date`. */
  clock?: { now(): number };
  /** Overrides of the development project's id, name and keys (any strings, not only the defaults). */
  project?: Partial<EmulatorProject>;
  /** Additional routes below `/api/v1` and `/api/latest`. */
  extraRoutes?: Route[];
}

/** A running in-process emulator. */
export interface Emulator {
  /** Answers one request, as the hosted API would. */
  fetch(request: Request): Promise<Response>;
  /** Resolves once storage is open and migrated (rejects with the reason if it cannot be). */
  ready: Promise<void>;
  /** The served project: id, display name and keys. */
  project: EmulatorProject;
  /** The emulator's storage (waits for `ready` before each query). */
  db: Db;
  /** Closes storage that the emulator opened itself. */
  close(): Promise<void>;
}

/** `GET /health`: the official SDK probes it when requests fail, to tell "offline" from "server down". */
const healthRoute: Route = {
  method: "GET",
  path: "/health",
  access: "none",
  async handler() {
    return new Response("OK", { headers: { "content-type": "text/plain; charset=utf-8" } });
  },
};

function isDb(storage: EmulatorStorage): storage is Db {
  return typeof (storage as Db).query === "function" && typeof (storage as Db).transaction === "function";
}

async function openStorage(storage: EmulatorStorage | undefined): Promise<{ db: Db; owned: boolean }> {
  if (storage && isDb(storage)) return { db: storage, owned: false };
  if (storage && "databaseUrl" in storage) return { db: await createPostgresDb(storage.databaseUrl), owned: true };
  const envUrl = storage === undefined ? process.env.DATABASE_URL : undefined;
  if (envUrl) return { db: await createPostgresDb(envUrl), owned: true };
  const dataDir = storage && "dataDir" in storage ? storage.dataDir : undefined;
  return { db: await createPgliteDb(dataDir === undefined ? {} : { dataDir }), owned: true };
}

/**
 * Creates an emulator of the Stack Auth payments API serving one development project.
 *
 * @example
 * const emulator = createEmulator({ config: { items: { credits: { customerType: "user" } } } });
 * const res = await emulator.fetch(new Request("http://localhost/api/v1/projects/current", { headers }));
 */
export function createEmulator(options: CreateEmulatorOptions = {}): Emulator {
  const project: EmulatorProject = { ...DEFAULT_PROJECT, ...options.project };
  const realNow = options.clock ? () => options.clock!.now() : () => Date.now();
  let opened: { db: Db; owned: boolean } | undefined;

  const ready = (async () => {
    if (options.config !== undefined) {
      const payments = migrateLegacyPaymentsConfig(JSON.parse(JSON.stringify(options.config)) as Record<string, unknown>);
      const problems = paymentsConfigProblems(payments);
      if (problems.length > 0) throw new Error(`Invalid payments config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    opened = await openStorage(options.storage);
    await migrate(opened.db, [...platformMigrations, ...paymentsMigrations]);
    if (options.config !== undefined) await setConfigOverride(opened.db, project.id, "file", { payments: options.config });
    await getSigningKeys(opened.db, project.id);
  })();
  // Callers that only use `fetch` must not see an unhandled rejection; `fetch` reports it.
  ready.catch(() => {});

  const lazy = async (): Promise<Db> => {
    await ready;
    return opened!.db;
  };
  const db: Db = {
    get kind() {
      return opened?.db.kind ?? (options.storage && isDb(options.storage) ? options.storage.kind : "pglite");
    },
    async query<T>(text: string, params?: unknown[]) {
      return (await lazy()).query<T>(text, params);
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts?: { isolation?: "read committed" | "serializable" }) {
      return (await lazy()).transaction(fn, opts);
    },
    async close() {
      await (await lazy()).close();
    },
  };

  let router: ((request: Request) => Promise<Response>) | undefined;
  const apiRoutes = [...createAuthRoutes(project), ...clockRoutes, ...paymentsRoutes, ...(options.extraRoutes ?? [])];

  return {
    project,
    ready,
    db,
    async fetch(request: Request): Promise<Response> {
      try {
        await ready;
      } catch (error) {
        return new Response(`The emulator failed to start: ${error instanceof Error ? error.message : String(error)}`, {
          status: 500,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      router ??= createRouter({ db: opened!.db, project, apiRoutes, rootRoutes: [...checkoutPageRoutes, healthRoute], realNow });
      return router(request);
    },
    async close() {
      try {
        await ready;
      } catch {
        return;
      }
      if (opened?.owned) await opened.db.close();
    },
  };
}
