/**
 * Test support: an in-process emulator and a minimal LiveChannelHost talking to it with server
 * credentials (custom customers need no users), plus server-side writes for the tests.
 */
import { createLiveBus, type LiveTopic, type LiveValue } from "../../../src/core/live/bus.js";
import { parseTopic, type LiveChannelHost } from "../../../src/core/live/live-channel.js";
import type { PaymentsConfig } from "../../../src/core/schemas/index.js";
import type { Emulator } from "../../../src/emulator/create-emulator.js";
import { createProjectEmulator } from "../../../src/testing.js";

export const config: PaymentsConfig = {
  items: { credits: { displayName: "Credits", customerType: "custom" } },
  products: {
    pro: {
      displayName: "Pro",
      customerType: "custom",
      prices: { once: { USD: "10" } },
      includedItems: { credits: { quantity: 100, expires: "never" } },
    },
  },
};

export async function startEmulator(): Promise<Emulator> {
  // A project of the worker's emulator per test file.
  const emulator = createProjectEmulator({ config });
  await emulator.ready;
  return emulator;
}

export function serverHeaders(emulator: Emulator): Record<string, string> {
  return {
    "x-stack-access-type": "server",
    "x-stack-project-id": emulator.project.id,
    "x-stack-secret-server-key": emulator.project.secretServerKey,
    "content-type": "application/json",
  };
}

/** A fetch into the emulator; `calls` records every URL path asked for. */
export function emulatorFetch(emulator: Emulator, options: { noEvents?: boolean } = {}) {
  const calls: string[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    calls.push(path);
    if (options.noEvents && path.includes("/payments/events/")) return new Response("Not found", { status: 404 });
    return emulator.fetch(request);
  };
  return { fetch, calls };
}

/** A host with server credentials against the emulator. */
export function createTestHost(
  emulator: Emulator,
  options: { noEvents?: boolean; push?: boolean } = {},
): LiveChannelHost & { calls: string[] } {
  const { fetch, calls } = emulatorFetch(emulator, options);
  const headers = serverHeaders(emulator);
  const base = "http://emulator.test/api/v1";
  const host: LiveChannelHost & { calls: string[] } = {
    calls,
    live: createLiveBus(),
    projectId: emulator.project.id,
    async readTopic(topic: LiveTopic) {
      const t = parseTopic(topic);
      const path =
        t.kind === "item"
          ? `/payments/items/${t.customerType}/${encodeURIComponent(t.customerId)}/${t.itemId}`
          : `/payments/products/${t.customerType}/${encodeURIComponent(t.customerId)}`;
      const res = await fetch(base + path, { headers });
      if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
      return (await res.json()) as LiveValue<LiveTopic>;
    },
  };
  if (options.push !== false) {
    host.openEventStream = (customerType, customerId, init) =>
      fetch(`${base}/payments/events/${customerType}/${encodeURIComponent(customerId)}`, {
        headers: { ...headers, ...(init.lastEventId !== undefined && { "last-event-id": init.lastEventId }) },
        signal: init.signal,
      });
  }
  return host;
}

/** Server-side writes. */
export function serverOps(emulator: Emulator) {
  const headers = serverHeaders(emulator);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await emulator.fetch(
      new Request(`http://emulator.test/api/v1${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) }),
    );
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    changeCredits: (customerId: string, delta: number) =>
      call("POST", `/payments/items/custom/${customerId}/credits/update-quantity?allow_negative=true`, { delta }),
    grantPro: (customerId: string) => call("POST", `/payments/products/custom/${customerId}`, { product_id: "pro" }),
  };
}

let counter = 0;
/** A fresh custom customer id per test. */
export const freshCustomer = () => `c-${Date.now().toString(36)}-${counter++}`;

export async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}
