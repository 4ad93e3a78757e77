// Live-update latency: time from a server-side change (StackServerApp `increaseQuantity`, call
// start) until the browser side's live listener fires with the new value, p50 and p95, for the
// event stream and for polling. Measured at the live channel's listener — the point where the
// React bridge calls setQueryData — rather than at a re-render (no DOM here); the render that
// follows is synchronous React work, not network.
// Everything runs in one process against the in-process emulator (PGlite). Polling uses a 1 s
// interval here (the default is 10 s; its latency scales with the interval: about half of it).
// Usage: node bench/live.mjs [--samples 30]
import { importFromSource } from "./lib/from-source.mjs";

const m = await importFromSource(
  "live",
  `export { createEmulator } from "./src/emulator/create-emulator.ts";
   export { StackServerApp } from "./src/apps/server-app.ts";
   export { StackClientApp } from "./src/apps/client-app.ts";
   export { createLiveChannel } from "./src/core/live/live-channel.ts";
   export { createLiveChannelHost } from "./src/core/live/live-host.ts";
   export { itemTopic } from "./src/core/live/bus.ts";`,
);

const samplesArg = process.argv.indexOf("--samples");
const SAMPLES = samplesArg > 0 ? Number(process.argv[samplesArg + 1]) : 30;
const BASE = "http://emulator.bench";

const emulator = m.createEmulator({ config: { items: { credits: { displayName: "Credits", customerType: "user" } } } });
await emulator.ready;
const viaEmulator = (input, init) => emulator.fetch(new Request(input, init));
const keys = {
  baseUrl: BASE,
  projectId: emulator.project.id,
  publishableClientKey: emulator.project.publishableClientKey,
  fetch: viaEmulator,
};
const server = new m.StackServerApp({ ...keys, secretServerKey: emulator.project.secretServerKey, tokenStore: null });

async function signedInClient() {
  const user = await server.createUser({});
  const tokens = await (await user.createSession()).getTokens();
  const app = new m.StackClientApp({ ...keys, tokenStore: tokens });
  return { user, app };
}

async function measure(label, channelOptions, samples) {
  const { user, app } = await signedInClient();
  const channel = m.createLiveChannel(m.createLiveChannelHost(app), { broadcast: false, ...channelOptions });
  const item = await server.getItem({ itemId: "credits", userId: user.id });
  let waiter;
  const off = channel.subscribe(m.itemTopic("user", user.id, "credits"), (value) => {
    if (value && waiter && value.quantity === waiter.expect) waiter.resolve(performance.now());
  });
  const deadline = Date.now() + 30_000;
  while (channel.state !== (channelOptions.push === false ? "polling" : "push") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const times = [];
  for (let i = 1; i <= samples; i++) {
    // Random phase against the polling timer / the emulator's 100 ms event scan.
    await new Promise((r) => setTimeout(r, Math.random() * (channelOptions.push === false ? channelOptions.pollIntervalMs : 200)));
    const arrived = new Promise((resolve) => (waiter = { expect: i, resolve }));
    const t0 = performance.now();
    await item.increaseQuantity(1);
    times.push((await arrived) - t0);
  }
  off();
  channel.close();
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];
  console.log(
    `${label.padEnd(34)} n=${String(samples).padStart(3)}  p50 ${pct(50).toFixed(1).padStart(7)} ms  p95 ${pct(95).toFixed(1).padStart(7)} ms  max ${times.at(-1).toFixed(1).padStart(7)} ms`,
  );
}

console.log("server-side change -> live listener (in-process emulator, PGlite)");
await measure("event stream (push)", { pollIntervalMs: 60_000 }, SAMPLES);
await measure("polling (interval 1 s, no stream)", { push: false, pollIntervalMs: 1_000 }, Math.min(SAMPLES, 20));
await emulator.close();
process.exit(0);
