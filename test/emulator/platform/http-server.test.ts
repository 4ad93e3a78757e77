import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { Route } from "../../../src/emulator/http.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/start-emulator.js";
import { workerStorage } from "../../fixtures/emulator-app.js";

let ticks: (() => void) | undefined;
const extraRoutes: Route[] = [
  {
    method: "GET",
    path: "/test/stream",
    access: "none",
    async handler() {
      const encoder = new TextEncoder();
      let n = 0;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(`data: ${n++}\n\n`));
          ticks = () => {
            controller.enqueue(encoder.encode(`data: ${n++}\n\n`));
            if (n === 3) controller.close();
          };
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream" } });
    },
  },
];

let running: RunningEmulator;
beforeAll(async () => {
  running = await startEmulator({ port: 0, extraRoutes, ...workerStorage() });
});
afterAll(() => running.close());

const serverHeaders = () => ({
  "x-hexclave-access-type": "server",
  "x-hexclave-project-id": running.emulator.project.id,
  "x-hexclave-secret-server-key": running.emulator.project.secretServerKey,
});

describe("startEmulator over real HTTP", () => {
  test("listens on a free port and answers like the in-process handler", async () => {
    expect(running.port).toBeGreaterThan(0);
    expect(running.url).toBe(`http://127.0.0.1:${running.port}`);
    const res = await fetch(`${running.url}/api/v1/users`, {
      method: "POST",
      headers: { ...serverHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ display_name: "Over HTTP" }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-hexclave-request-id")).toBeTruthy();
    const user = await res.json();
    expect(user.display_name).toBe("Over HTTP");
    const session = await fetch(`${running.url}/api/v1/auth/sessions`, {
      method: "POST",
      headers: { ...serverHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ user_id: user.id }),
    });
    const { access_token } = await session.json();
    // The issuer carries the real base URL.
    const payload = JSON.parse(Buffer.from(access_token.split(".")[1], "base64url").toString());
    expect(payload.iss).toBe(`${running.url}/api/v1/projects/${running.emulator.project.id}`);
  });

  test("preflight, errors with override, and oversized bodies over HTTP", async () => {
    const pre = await fetch(`${running.url}/api/v1/users/me`, { method: "OPTIONS", headers: { origin: "http://x.test", "access-control-request-method": "GET" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    const err = await fetch(`${running.url}/api/v1/users`, { headers: { ...serverHeaders(), "x-hexclave-access-type": "client", "x-hexclave-override-error-status": "true" } });
    expect(err.status).toBe(200);
    expect(err.headers.get("x-hexclave-actual-status")).toBe("401");
    expect(err.headers.get("x-hexclave-known-error")).toBe("INSUFFICIENT_ACCESS_TYPE");
    const big = await fetch(`${running.url}/api/v1/users`, {
      method: "POST",
      headers: { ...serverHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ display_name: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
  });

  test("event streams arrive chunk by chunk, without buffering", async () => {
    const res = await fetch(`${running.url}/api/v1/test/stream`);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    // The first event is readable while the server still holds the stream open.
    expect(decoder.decode(first.value)).toBe("data: 0\n\n");
    ticks!();
    expect(decoder.decode((await reader.read()).value)).toBe("data: 1\n\n");
    ticks!();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    expect(rest).toBe("data: 2\n\n");
  });

  test("close() returns even while a stream is open", async () => {
    const other = await startEmulator({ port: 0, extraRoutes, ...workerStorage() });
    const res = await fetch(`${other.url}/api/v1/test/stream`);
    await res.body!.getReader().read();
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("the stack-payments CLI", () => {
  const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
  let cli: string;
  beforeAll(async () => {
    const dir = join(ROOT, "node_modules", ".cache", "stack-payments-test");
    mkdirSync(dir, { recursive: true });
    cli = join(dir, `cli-${process.pid}.mjs`);
    await build({ entryPoints: [join(ROOT, "src/cli.ts")], outfile: cli, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "silent" });
  });
  afterAll(() => rmSync(cli, { force: true }));

  function runCli(args: string[], cwd: string, env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, DATABASE_URL: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const lines = createInterface({ input: child.stdout! });
    const url = new Promise<string>((resolve, reject) => {
      lines.on("line", (line) => {
        output += `${line}\n`;
        const m = /^\s+Base URL:\s+(\S+)/.exec(line);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`cli exited with ${code}: ${output}`)));
    });
    // Commands that exit on purpose never print a URL; only tests awaiting `url` care.
    url.catch(() => {});
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, url, exited, output: () => output };
  }

  test("--help prints usage", async () => {
    const { child, exited } = runCli(["emulator", "--help"], tmpdir());
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    expect(await exited).toBe(0);
    expect(out).toContain("Usage: stack-payments emulator");
    expect(out).toContain("--config");
    const version = runCli(["--version"], tmpdir());
    let printed = "";
    version.child.stdout!.on("data", (d) => (printed += d));
    expect(await version.exited).toBe(0);
    expect(printed).toBe(`${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}\n`);
  });

  test("prints URL, project id and keys; SIGINT stops cleanly; a restart keeps the data", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "stack-payments-cli-"));
    try {
      const first = runCli(["emulator", "--port", "0"], cwd);
      const url = await first.url;
      const out = first.output();
      expect(out).toContain("00000000-0000-4000-8000-00000000e001");
      expect(out).toContain("pck_devkeypck");
      expect(out).toContain("ssk_devkeyssk");
      expect(out).toContain("sak_devkeysak");
      // With no config the project sells nothing, and the CLI says what to do about it.
      await vi.waitFor(() => expect(first.output()).toContain("Config:                 no --config: 0 products, 0 items (try --config examples/payments.json"));
      const headers = {
        "x-stack-access-type": "server",
        "x-stack-project-id": "00000000-0000-4000-8000-00000000e001",
        "x-stack-secret-server-key": "ssk_devkeyssk000000000000000000000000000000000001",
        "content-type": "application/json",
      };
      const created = await (await fetch(`${url}/api/v1/users`, { method: "POST", headers, body: JSON.stringify({ display_name: "Kept" }) })).json();
      first.child.kill("SIGINT");
      expect(await first.exited).toBe(0);
      const second = runCli(["emulator", "--port", "0"], cwd);
      const url2 = await second.url;
      const again = await fetch(`${url2}/api/v1/users/${created.id}`, { headers });
      expect((await again.json()).display_name).toBe("Kept");
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  test("--live turns test mode off over the --config file: the checkout page takes cards", async () => {
    const run = runCli(["emulator", "--port", "0", "--memory", "--live", "--config", join(ROOT, "examples/payments.json")], tmpdir());
    try {
      const url = await run.url;
      await vi.waitFor(() => expect(run.output()).toMatch(/Config: +\S+examples\/payments\.json: 4 products, 2 items\n/));
      const headers = {
        "x-stack-access-type": "server",
        "x-stack-project-id": "00000000-0000-4000-8000-00000000e001",
        "x-stack-secret-server-key": "ssk_devkeyssk000000000000000000000000000000000001",
        "content-type": "application/json",
      };
      const user = await (await fetch(`${url}/api/v1/users`, { method: "POST", headers, body: JSON.stringify({}) })).json();
      const created = await fetch(`${url}/api/v1/payments/purchases/create-purchase-url`, {
        method: "POST",
        headers,
        body: JSON.stringify({ customer_type: "user", customer_id: user.id, product_id: "credits_pack" }),
      });
      const page = await (await fetch((await created.json()).url)).text();
      expect(page).toContain('data-testid="checkout-card-number"');
      expect(page).toMatch(/data-testid="checkout-total">\$5\.00</);
    } finally {
      run.child.kill("SIGTERM");
      await run.exited;
    }
  }, 60_000);

  test("Ctrl-C while starting (a first start, making the database copy) stops at once and leaves no database folder", async () => {
    const cache = mkdtempSync(join(tmpdir(), "stack-payments-cli-cache-"));
    try {
      const run = runCli(["emulator", "--port", "0", "--memory"], tmpdir(), { STACK_PAYMENTS_CACHE_DIR: cache });
      // Its database folder exists once the start is under way.
      await vi.waitFor(() => expect(readdirSync(cache).some((f) => f.startsWith("stack-payments-db-"))).toBe(true), { timeout: 20_000, interval: 20 });
      run.child.kill("SIGINT");
      expect(await run.exited).toBe(130);
      expect(run.output()).not.toContain("Base URL");
      expect(readdirSync(cache).filter((f) => f.startsWith("stack-payments-db-"))).toEqual([]);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);

  test("bad arguments exit 2 with a message", async () => {
    const { child, exited } = runCli(["emulator", "--port", "abc"], tmpdir());
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    expect(await exited).toBe(2);
    expect(err).toContain("--port must be an integer");
  });
});
