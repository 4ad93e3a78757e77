/**
 * Test support for the React tests: one in-process emulator per file, a server app (the "backend"),
 * signed-in client apps whose fetch goes to the emulator and is counted.
 */
import { configure } from "@testing-library/react";
import { StackClientApp } from "../../src/apps/client-app.js";
import { StackServerApp } from "../../src/apps/server-app.js";
import type { PaymentsConfig } from "../../src/core/schemas/index.js";
import type { Emulator } from "../../src/emulator/create-emulator.js";
import { createProjectEmulator } from "../../src/testing.js";

// waitFor's default of 1 s is a timed test in disguise: on a busy machine a first render's reads
// (user, items, products, teams) take longer. Waits end as soon as their condition holds.
configure({ asyncUtilTimeout: 15_000 });

export const BASE_URL = "http://emulator.test";

export const config: PaymentsConfig = {
  items: {
    credits: { displayName: "Credits", customerType: "user" },
    seats: { displayName: "Seats", customerType: "team" },
  },
  products: {
    pro: {
      displayName: "Pro",
      customerType: "user",
      prices: { once: { USD: "10" } },
      includedItems: { credits: { quantity: 100, expires: "never" } },
    },
    boost: { displayName: "Boost", customerType: "user", stackable: true, prices: { once: { USD: "5" } } },
  },
};

export async function startEmulator(): Promise<Emulator> {
  // A project of the worker's emulator per test file.
  const emulator = createProjectEmulator({ config });
  await emulator.ready;
  return emulator;
}

/** A fetch into the emulator that records `METHOD path` of every request. */
export function countingFetch(emulator: Emulator, options: { noEvents?: boolean } = {}) {
  const requests: string[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    requests.push(`${request.method} ${path}`);
    if (options.noEvents && path.includes("/payments/events/")) return new Response("Not found", { status: 404 });
    return emulator.fetch(request);
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

/**
 * The backend's server app. Under jsdom the global `window` exists, and StackServerApp (rightly)
 * refuses to be built in a browser; this one stands for another process, so it is built with
 * `window` hidden for the duration of the constructor.
 */
export function createServerApp(emulator: Emulator): StackServerApp {
  const g = globalThis as { window?: unknown };
  const saved = g.window;
  delete g.window;
  try {
    return new StackServerApp({
      baseUrl: BASE_URL,
      projectId: emulator.project.id,
      publishableClientKey: emulator.project.publishableClientKey,
      secretServerKey: emulator.project.secretServerKey,
      fetch: (input, init) => emulator.fetch(new Request(input, init)),
      tokenStore: null,
      retry: false,
    });
  } finally {
    if (saved !== undefined) g.window = saved;
  }
}

/** A new user with a session, and the tokens of that session. */
export async function newSignedInUser(server: StackServerApp) {
  const user = await server.createUser({ displayName: "Ada" });
  const tokens = await (await user.createSession()).getTokens();
  return { user, tokens };
}

/** A client app signed in with `tokens` (memory store), counting its requests. */
export function createClientApp(
  emulator: Emulator,
  tokens: { accessToken: string; refreshToken: string } | null,
  options: { noEvents?: boolean } = {},
) {
  const { fetch, requests } = countingFetch(emulator, options);
  const app = new StackClientApp({
    baseUrl: BASE_URL,
    projectId: emulator.project.id,
    publishableClientKey: emulator.project.publishableClientKey,
    tokenStore: tokens ?? "memory",
    redirectMethod: "none",
    fetch,
  });
  return { app, requests };
}

/** Requests that read something (everything but the event stream). */
export const reads = (requests: string[]) => requests.filter((r) => !r.includes("/payments/events/"));
