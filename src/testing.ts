/**
 * Helpers for users' own tests: an in-process emulator and msw handlers that route the SDK's
 * requests to it, so tests need no port, no network and no account.
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
import { createEmulator, type CreateEmulatorOptions, type Emulator } from "./emulator/create-emulator.js";

/** Options of {@link createTestEmulator}: those of `createEmulator`, plus the base URL to intercept. */
export type TestEmulatorOptions = CreateEmulatorOptions & {
  /** Origin the SDK is pointed at; requests to it are answered by the emulator. Default `http://stack-emulator.test`. */
  baseUrl?: string;
};

/** What {@link createTestEmulator} returns. */
export interface TestEmulator {
  /** The emulator itself (its `fetch` handler, database, project). */
  emulator: Emulator;
  /** msw handlers that answer every request to `baseUrl` from the emulator. */
  handlers: HttpHandler[];
  /** Constructor options for `StackServerApp` / `StackClientApp` pointing at the emulator. */
  appOptions: { baseUrl: string; projectId: string; publishableClientKey: string; secretServerKey: string };
  /** Stops the emulator and frees its storage. */
  close(): Promise<void>;
}

/** Starts an in-process emulator (in-memory storage by default) and msw handlers routed to it. */
export async function createTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const { baseUrl = "http://stack-emulator.test", ...emulatorOptions } = options;
  const emulator = createEmulator(emulatorOptions);
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
