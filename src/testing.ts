/**
 * Helpers for users' own tests: one in-process emulator per test worker (process), a fresh
 * project of it per test file, and msw handlers that route the SDK's requests to it, so tests
 * need no port, no network and no account, and pay for starting the database once per worker.
 *
 * @example
 * import { setupServer } from "msw/node";
 * import { createTestEmulator } from "stack-payments/testing";
 *
 * const emulator = await createTestEmulator({ config: { items: { credits: { customerType: "user" } } } });
 * const server = setupServer(...emulator.handlers);
 * server.listen();
 * const app = new StackServerApp({ ...emulator.appOptions, tokenStore: "memory" });
 */
import { http, type HttpHandler } from "msw";
import { createEmulator, type CreateEmulatorOptions, type CreateProjectOptions, type Emulator } from "./emulator/create-emulator.js";
import type { EmulatorProject } from "./emulator/defaults.js";
import { generateProjectKeys } from "./emulator/projects/store.js";

/** Options of {@link createTestEmulator}: those of `createEmulator`, plus the base URL to intercept. */
export type TestEmulatorOptions = CreateEmulatorOptions & {
  /** Origin the SDK is pointed at; requests to it are answered by the emulator. Default `http://stack-emulator.test`. */
  baseUrl?: string;
};

/** What {@link createTestEmulator} returns. */
export interface TestEmulator {
  /** The emulator, bound to the test's own project (`emulator.project`). */
  emulator: Emulator;
  /** msw handlers that answer every request to `baseUrl` from the emulator. */
  handlers: HttpHandler[];
  /** Constructor options for `StackServerApp` / `StackClientApp` pointing at the emulator and the test's project. */
  appOptions: { baseUrl: string; projectId: string; publishableClientKey: string; secretServerKey: string };
  /** Deletes the test's project (and its emulator's storage if it has its own). */
  close(): Promise<void>;
}

// Kept on globalThis so every test file a worker runs finds the same emulator, however the test
// runner loads modules.
const WORKER_EMULATOR = Symbol.for("stack-payments.testing.worker-emulator");

/**
 * The emulator this test worker (process) shares between its test files: started on first use,
 * in memory (or on `DATABASE_URL`), and left running until the process exits.
 */
export function getWorkerEmulator(): Emulator {
  const holder = globalThis as { [WORKER_EMULATOR]?: Emulator };
  holder[WORKER_EMULATOR] ??= createEmulator();
  return holder[WORKER_EMULATOR];
}

/**
 * An emulator serving a project of its own, usable at once (synchronously): the project's id and
 * keys are chosen now and the project is created before the first request is answered.
 *
 * - Default: a new project of the worker's shared emulator, with `options.config`.
 * - With `extraRoutes`, `clock`, `publicUrl`, `onUnexpectedError`, `liveStreams` or
 *   `checkAnswers`: an emulator of its own (its routes, time source, links, log, caps) over the
 *   worker's storage, serving a new project.
 * - With `storage`: exactly `createEmulator(options)`, nothing shared.
 *
 * `close()` deletes the project (and closes storage only an own emulator opened).
 *
 * @example
 * const emulator = createProjectEmulator({ config });
 * const res = await emulator.fetch(new Request(`http://x/api/v1/projects/current`, { headers: { "x-stack-project-id": emulator.project.id, ... } }));
 */
export function createProjectEmulator(options: CreateEmulatorOptions = {}): Emulator {
  if (options.storage !== undefined) return createEmulator(options);
  const worker = getWorkerEmulator();
  const project: EmulatorProject = {
    id: crypto.randomUUID(),
    displayName: "Test project",
    ...generateProjectKeys(),
    ...options.project,
  };
  // Options of the app itself (routes, time, links, logging, stream caps) need an emulator of its own.
  const ownApp = ["extraRoutes", "clock", "publicUrl", "onUnexpectedError", "liveStreams", "checkAnswers"] as const;
  if (ownApp.some((key) => options[key] !== undefined)) {
    const own = createEmulator({ ...options, storage: worker.db, project });
    return { ...own, close: () => own.deleteProject(project.id) };
  }
  const spec: CreateProjectOptions = { id: project.id, displayName: project.displayName, keys: project };
  if (options.config !== undefined) spec.config = options.config;
  const ready = worker.ready.then(() => worker.createProject(spec)).then(() => undefined);
  // Callers that only use `fetch` must not see an unhandled rejection; `fetch` reports it.
  ready.catch(() => {});
  return {
    project,
    ready,
    db: worker.db,
    async fetch(request) {
      try {
        await ready;
      } catch (error) {
        return new Response(`The test project could not be created: ${error instanceof Error ? error.message : String(error)}`, {
          status: 500,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      return worker.fetch(request);
    },
    createProject: (o) => worker.createProject(o),
    deleteProject: (id) => worker.deleteProject(id),
    async close() {
      if (await ready.then(() => true, () => false)) await worker.deleteProject(project.id);
    },
  };
}

/**
 * A project of the worker's emulator and msw handlers routed to it (see
 * {@link createProjectEmulator} for what is shared).
 */
export async function createTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const { baseUrl = "http://stack-emulator.test", ...emulatorOptions } = options;
  const emulator = createProjectEmulator(emulatorOptions);
  await emulator.ready;
  const origin = baseUrl.replace(/\/+$/, "");
  const handlers = [http.all(`${origin}/*`, ({ request }) => emulator.fetch(request))];
  return {
    emulator,
    handlers,
    appOptions: {
      baseUrl: origin,
      projectId: emulator.project.id,
      publishableClientKey: emulator.project.publishableClientKey,
      secretServerKey: emulator.project.secretServerKey,
    },
    close: () => emulator.close(),
  };
}
