/**
 * `createEmulator()`: the local payments API as a fetch handler (a Hono app), with real storage
 * (PGlite in memory by default, a data folder, or PostgreSQL) and no port of its own.
 */
import type { PaymentsConfig } from "../core/schemas/index.js";
import { authRoutes } from "./auth/routes.js";
import { forgetSigningKeys, getSigningKeys } from "./auth/tokens.js";
import { clockRoutes } from "./clock.js";
import { createApp } from "./create-app.js";
import type { Db, SqlExecutor, TransactionOptions } from "./db.js";
import { DEFAULT_PROJECT, type EmulatorProject } from "./defaults.js";
import { defineRoute, textResponse, type Route } from "./http.js";
import { LiveStreamHub, type LiveStreamLimits } from "./live-events.js";
import { migrate } from "./migrate.js";
import { paymentsMigrations } from "./migrations/payments.js";
import { platformMigrations } from "./migrations/platform.js";
import { adminMigrations } from "./migrations/admin.js";
import { adminPaymentsRoutes } from "./payments/admin-routes.js";
import { dashboardApiRoutes, dashboardMigrations, dashboardPageRoutes } from "./dashboard/dashboard-routes.js";
import { providerMigrations } from "./migrations/provider.js";
import { checkoutPageRoutes, paymentsRoutes } from "./payments/routes.js";
import { createPgliteDb } from "./pglite-db.js";
import { createPostgresDb } from "./postgres-db.js";
import { changeNotificationMigrations, readThrough, type CachingExecutor, type ChangeNotifiedTable } from "./read-cache.js";
import type { UnexpectedErrorRequest } from "./middleware/emulator-env.js";
import { migrateLegacyPaymentsConfig, paymentsConfigProblems, prototypeKeyIn } from "./project-config.js";
import { ensureBuiltInProject, ensureInternalProject, provisionProject } from "./projects/provision-project.js";
import { projectRoutes, stripeOnboardingRoutes } from "./projects/routes.js";
import { deleteProject, generateProjectKeys, type ProjectKeys } from "./projects/store.js";

/** Where the emulator keeps its data. */
export type EmulatorStorage = Db | { dataDir?: string } | { databaseUrl: string };

/** Options of {@link createEmulator}. */
export interface CreateEmulatorOptions {
  /** The project's payments config (camelCase, the format of `payments.json`). Test mode defaults to true. */
  config?: PaymentsConfig;
  /**
   * A `Db` (not closed by the emulator; several emulators may share one, each with its own
   * project), `{ dataDir }` for PGlite on disk, or `{ databaseUrl }`. Default: `DATABASE_URL` if
   * set, else PGlite in memory.
   */
  storage?: EmulatorStorage;
  /** Real-time source; each project's test-clock offset is added on top. Default `Date`. */
  clock?: { now(): number };
  /** Overrides of the development project's id, name and keys (any strings, not only the defaults). */
  project?: Partial<EmulatorProject>;
  /**
   * Additional routes below `/api/v1` and `/api/latest`, declared like the emulator's own (see
   * `defineRoute`: method, path, access, optional zod schemas of params, query, body and answer,
   * and a handler receiving the request context and the validated input).
   */
  extraRoutes?: Route[];
  /**
   * Check every JSON answer against its route's answer schema and answer 500 naming the
   * mismatch. Default: on when `STACK_EMULATOR_CHECK_ANSWERS=1`.
   */
  checkAnswers?: boolean;
  /**
   * The URL the emulator is reached at, e.g. `https://payments.example.test` behind a proxy:
   * checkout links and token issuers are built from it, never from a request's `Host` or
   * `X-Forwarded-*` headers. Default: `startEmulator` uses the address it listens on; an
   * in-process emulator uses the origin each request was made to (`http:` or `https:` only).
   */
  publicUrl?: string;
  /**
   * Receives every unexpected error (answered 500 with only the request id, never a stack trace).
   * Default: written to `console.error` with the request id, method and path.
   */
  onUnexpectedError?: (error: unknown, request: UnexpectedErrorRequest) => void;
  /**
   * Caps on open event streams (`GET /payments/events/...`): per caller (a signed-in user, or a
   * project's server or admin key; default 20) and in total (default 200). A stream over a cap is
   * answered 429 with `Retry-After`.
   */
  liveStreams?: Partial<LiveStreamLimits>;
}

/** Options of {@link Emulator.createProject}. */
export interface CreateProjectOptions {
  /** The project id; default a random UUID. */
  id?: string;
  /** Default `"Test project"`. */
  displayName?: string;
  /** Its keys; default freshly generated ones (in the hosted format). */
  keys?: Partial<ProjectKeys>;
  /** Its payments config (the project's config file level, as `createEmulator({ config })`). */
  config?: PaymentsConfig;
  /**
   * `set-up` (default): the project has a Stripe account that finished onboarding, like the
   * development project. `not-set-up`: as a new hosted project before `POST /internal/payments/setup`.
   */
  payments?: "set-up" | "not-set-up";
}

/** A running in-process emulator. */
export interface Emulator {
  /** Answers one request, as the hosted API would. */
  fetch(request: Request): Promise<Response>;
  /** Resolves once storage is open and migrated (rejects with the reason if it cannot be). */
  ready: Promise<void>;
  /** The development project: id, display name and keys. */
  project: EmulatorProject;
  /** The emulator's storage (waits for `ready` before each query). */
  db: Db;
  /**
   * Creates another project, with its own keys, config, users, teams, ledger, signing keys and
   * clock: what `POST /internal/projects` and `POST /internal/api-keys` do, in one step.
   *
   * @example
   * const project = await emulator.createProject({ config: { items: { credits: { customerType: "user" } } } });
   */
  createProject(options?: CreateProjectOptions): Promise<EmulatorProject>;
  /** Deletes a project and all of its data (what `DELETE /internal/projects/current` does). */
  deleteProject(projectId: string): Promise<void>;
  /** Closes storage that the emulator opened itself. */
  close(): Promise<void>;
}

/** `GET /health`: the official SDK probes it when requests fail, to tell "offline" from "server down". */
const healthRoute = defineRoute({
  method: "GET",
  path: "/health",
  access: "none",
  async handler() {
    return textResponse(200, "OK");
  },
});

/** Every migration of the emulator's schema, in order. */
export const EMULATOR_MIGRATIONS = [...platformMigrations, ...paymentsMigrations, ...adminMigrations, ...changeNotificationMigrations, ...providerMigrations, ...dashboardMigrations];

function isDb(storage: EmulatorStorage): storage is Db {
  return typeof (storage as Db).query === "function" && typeof (storage as Db).transaction === "function";
}

/** Opens the emulator's storage; `migrated` when it comes back with every migration applied already. */
async function openStorage(storage: EmulatorStorage | undefined): Promise<{ db: Db; owned: boolean; migrated: boolean }> {
  if (storage && isDb(storage)) return { db: storage, owned: false, migrated: false };
  if (storage && "databaseUrl" in storage) return { db: await createPostgresDb(storage.databaseUrl), owned: true, migrated: false };
  const envUrl = storage === undefined ? process.env.DATABASE_URL : undefined;
  if (envUrl) return { db: await createPostgresDb(envUrl), owned: true, migrated: false };
  const dataDir = storage && "dataDir" in storage ? storage.dataDir : undefined;
  // Given the migrations, a new PGlite database starts from a prepared copy (no initdb, no
  // migrations) and an existing one is migrated: either way it returns with all of them applied.
  return { db: await createPgliteDb({ ...(dataDir === undefined ? {} : { dataDir }), migrations: EMULATOR_MIGRATIONS }), owned: true, migrated: true };
}

/**
 * A public URL as the emulator uses it (no trailing slash), or throws naming what is wrong: an
 * `http:` or `https:` URL without credentials, query or fragment.
 */
function normalizePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`publicUrl must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`publicUrl must use http: or https:, got ${JSON.stringify(value)}`);
  if (url.username || url.password || url.search || url.hash) throw new Error(`publicUrl must not carry credentials, a query or a fragment, got ${JSON.stringify(value)}`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

function logUnexpectedError(error: unknown, request: UnexpectedErrorRequest): void {
  console.error(`stack-payments emulator: unexpected error on ${request.method} ${request.path} (request id ${request.requestId}):`, error);
}

/** Checks a payments config as the config file level takes it; throws the problems. */
function checkPaymentsConfig(config: PaymentsConfig): void {
  // Checked before the legacy renames walk the keys.
  const prototypeKey = prototypeKeyIn(config);
  if (prototypeKey !== null) throw new Error(`Invalid payments config:\n  - payments.${prototypeKey} names an object prototype, which no config key may`);
  const payments = migrateLegacyPaymentsConfig(JSON.parse(JSON.stringify(config)) as Record<string, unknown>);
  const problems = paymentsConfigProblems(payments);
  if (problems.length > 0) throw new Error(`Invalid payments config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
}

/**
 * Creates an emulator of the Stack Auth payments API. It serves every project of its storage: the
 * internal project (whose users create projects, as on the hosted API) and the development
 * project, already set up, with fixed documented keys.
 *
 * @example
 * const emulator = createEmulator({ config: { items: { credits: { customerType: "user" } } } });
 * const res = await emulator.fetch(new Request("http://localhost/api/v1/projects/current", { headers }));
 */
export function createEmulator(options: CreateEmulatorOptions = {}): Emulator {
  const project: EmulatorProject = { ...DEFAULT_PROJECT, ...options.project };
  const realNow = options.clock ? () => options.clock!.now() : () => Date.now();
  let opened: { db: Db; owned: boolean; migrated: boolean } | undefined;

  let publicUrl: string | null = null;
  const ready = (async () => {
    if (options.publicUrl !== undefined) publicUrl = normalizePublicUrl(options.publicUrl);
    if (options.config !== undefined) checkPaymentsConfig(options.config);
    opened = await openStorage(options.storage);
    if (!opened.migrated) await migrate(opened.db, EMULATOR_MIGRATIONS);
    await ensureInternalProject(opened.db, realNow());
    await ensureBuiltInProject(opened.db, project, {
      ...(options.config !== undefined ? { fileConfig: { payments: options.config } } : {}),
      payments: "set-up",
      now: realNow(),
    });
    await getSigningKeys(opened.db, project.id);
  })();
  // Callers that only use `fetch` must not see an unhandled rejection; `fetch` reports it.
  ready.catch(() => {});

  const lazy = async (): Promise<Db> => {
    await ready;
    return opened!.db;
  };
  const db: Db & CachingExecutor = {
    get kind() {
      return opened?.db.kind ?? (options.storage && isDb(options.storage) ? options.storage.kind : "pglite");
    },
    async query<T>(text: string, params?: unknown[]) {
      return (await lazy()).query<T>(text, params);
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts?: TransactionOptions) {
      return (await lazy()).transaction(fn, opts);
    },
    // Emulators sharing this storage share its read cache.
    async cachedRead<T>(key: string, tables: readonly ChangeNotifiedTable[], load: () => Promise<T>) {
      return readThrough(await lazy(), key, tables, load);
    },
    deferredTransaction(onBegin?: (tx: SqlExecutor) => Promise<void>) {
      if (!opened) throw new Error("The emulator's storage is not open yet: await emulator.ready first.");
      return opened.db.deferredTransaction(onBegin);
    },
    async close() {
      await (await lazy()).close();
    },
  };

  let app: ReturnType<typeof createApp> | undefined;
  let liveStreams: LiveStreamHub | undefined;
  const apiRoutes = [...authRoutes, ...projectRoutes, ...clockRoutes, ...paymentsRoutes, ...adminPaymentsRoutes, ...dashboardApiRoutes, ...(options.extraRoutes ?? [])];
  const checkAnswers = options.checkAnswers ?? process.env.STACK_EMULATOR_CHECK_ANSWERS === "1";

  return {
    project,
    ready,
    db,
    async fetch(request: Request): Promise<Response> {
      try {
        await ready;
      } catch (error) {
        return textResponse(500, `The emulator failed to start: ${error instanceof Error ? error.message : String(error)}`);
      }
      app ??= createApp({
        db: opened!.db,
        realNow,
        defaultProjectId: project.id,
        checkAnswers,
        publicUrl,
        reportError: options.onUnexpectedError ?? logUnexpectedError,
        liveStreams: (liveStreams = new LiveStreamHub(opened!.db, realNow, options.liveStreams)),
        apiRoutes,
        rootRoutes: [...checkoutPageRoutes, ...stripeOnboardingRoutes, healthRoute, ...dashboardPageRoutes],
      });
      return app.fetch(request);
    },
    async createProject(projectOptions: CreateProjectOptions = {}): Promise<EmulatorProject> {
      if (projectOptions.config !== undefined) checkPaymentsConfig(projectOptions.config);
      const storage = await lazy();
      const keys = { ...generateProjectKeys(), ...projectOptions.keys };
      const created: EmulatorProject = { id: projectOptions.id ?? crypto.randomUUID(), displayName: projectOptions.displayName ?? "Test project", ...keys };
      const inserted = await provisionProject(storage, {
        id: created.id,
        displayName: created.displayName,
        createdAtMillis: realNow(),
        keys,
        ...(projectOptions.config !== undefined ? { fileConfig: { payments: projectOptions.config } } : {}),
        payments: projectOptions.payments ?? "set-up",
      });
      if (!inserted) throw new Error(`A project with id ${created.id} already exists.`);
      return created;
    },
    async deleteProject(projectId: string): Promise<void> {
      const storage = await lazy();
      await storage.transaction((tx) => deleteProject(tx, projectId));
      forgetSigningKeys(storage, projectId);
    },
    async close() {
      try {
        await ready;
      } catch {
        return;
      }
      liveStreams?.closeAll();
      if (opened?.owned) await opened.db.close();
    },
  };
}
