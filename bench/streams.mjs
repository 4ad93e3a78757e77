// The API's responsiveness with event streams open: update-quantity latency (p50, p95) over real
// HTTP with no stream open (the baseline of the same run), then with --streams streams open (default
// 200, the emulator's total cap), each on its own customer, spread over 10 projects (the per-caller
// cap is 20). Also prints how long opening them took, and that one more is refused with 429.
// Usage: node bench/streams.mjs [--streams 200] [--samples 40]
import { importFromSource } from "./lib/from-source.mjs";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { streams: { type: "string", default: "200" }, samples: { type: "string", default: "40" } } });
const streamCount = Number(values.streams);
const samples = Number(values.samples);

const { startEmulator } = await importFromSource("streams", `export { startEmulator } from "./src/emulator/start-emulator.ts";`);

const config = { items: { credits: { customerType: "custom" } } };
const running = await startEmulator({ storage: {}, config });
const projects = [running.emulator.project];
for (let i = 1; i < 10; i++) projects.push(await running.emulator.createProject({ config }));
const headers = (p) => ({ "x-stack-access-type": "server", "x-stack-project-id": p.id, "x-stack-secret-server-key": p.secretServerKey, "content-type": "application/json" });

async function latencies() {
  const times = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const res = await fetch(`${running.url}/api/v1/payments/items/custom/bench/credits/update-quantity?allow_negative=true`, {
      method: "POST",
      headers: headers(projects[0]),
      body: '{"delta":1}',
    });
    await res.text();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(samples / 2)], p95: times[Math.floor(samples * 0.95)] };
}

await latencies(); // warm-up: the first requests of a process pay for compilation and caches
const idle = await latencies();
const controllers = [];
const openStarted = performance.now();
for (let i = 0; i < streamCount; i++) {
  const project = projects[i % projects.length];
  const controller = new AbortController();
  controllers.push(controller);
  const res = await fetch(`${running.url}/api/v1/payments/events/custom/stream-${i}`, { headers: headers(project), signal: controller.signal });
  if (res.status !== 200) throw new Error(`stream ${i} answered ${res.status}: ${await res.text()}`);
  void res.body.getReader().read().catch(() => {});
}
const openMillis = performance.now() - openStarted;
const extra = await fetch(`${running.url}/api/v1/payments/events/custom/one-more`, { headers: headers(projects[0]) });
await new Promise((r) => setTimeout(r, 1500));
const busy = await latencies();

const f = (n) => `${n.toFixed(1)} ms`;
console.log(`update-quantity over HTTP, ${samples} samples`);
console.log(`  no stream open:        p50 ${f(idle.p50)}  p95 ${f(idle.p95)}`);
console.log(`  ${String(streamCount).padStart(3)} streams open:     p50 ${f(busy.p50)}  p95 ${f(busy.p95)}  (p50 ratio ${(busy.p50 / idle.p50).toFixed(2)}x)`);
console.log(`  opening ${streamCount} streams took ${(openMillis / 1000).toFixed(1)} s; one more answered ${extra.status}`);
for (const c of controllers) c.abort();
await running.close();
process.exit(0);
