// Links the emulator hands out (checkout URLs, token issuers) come from its configured public URL,
// never from a request's Host or X-Forwarded-* headers; every HTML page refuses framing; and the
// emulator serves its own favicon.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/start-emulator.js";
import { workerStorage } from "../../fixtures/emulator-app.js";
import { TEST_CONFIG } from "../payments/config.js";
import { createHarness, type Harness } from "../payments/harness.js";

function serverHeaders(emulator: RunningEmulator["emulator"]): Record<string, string> {
  return {
    "x-stack-access-type": "server",
    "x-stack-project-id": emulator.project.id,
    "x-stack-secret-server-key": emulator.project.secretServerKey,
    "content-type": "application/json",
  };
}

/** A request with any Host header (fetch would not send a forged one). */
function rawPost(running: RunningEmulator, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: running.port, method: "POST", path, headers, agent: false }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const purchaseBody = JSON.stringify({ customer_type: "custom", customer_id: "link-test", product_id: "custom_pack" });
const forged = { host: "evil.example", "x-forwarded-proto": "javascript", "x-forwarded-host": "evil.example" };

describe("links come from the configured public URL", () => {
  let running: RunningEmulator;
  let proxied: RunningEmulator;
  beforeAll(async () => {
    running = await startEmulator({ ...workerStorage(), config: TEST_CONFIG });
    proxied = await startEmulator({ ...workerStorage(), config: TEST_CONFIG, publicUrl: "https://payments.example.test/emulator/" });
  });
  afterAll(async () => {
    await running.close();
    await proxied.close();
  });

  test("by default, the address startEmulator listens on, whatever Host and X-Forwarded-Proto say", async () => {
    const res = await rawPost(running, "/api/v1/payments/purchases/create-purchase-url", { ...serverHeaders(running.emulator), ...forged }, purchaseBody);
    expect(res.status).toBe(200);
    expect(res.json.url).toMatch(new RegExp(`^${running.url}/purchase/${running.emulator.project.id}_[a-z2-7]+$`));
    // The checkout page it links to works, and posts to its own origin (a same-origin path), never
    // to the forged host.
    const page = await fetch(res.json.url as string);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`"/api/v1/internal/payments/test-mode-purchase-session"`);
    expect(html).not.toContain("evil.example");
  });

  test("publicUrl (e.g. behind a proxy) is used for checkout links and token issuers", async () => {
    const headers = { ...serverHeaders(proxied.emulator), ...forged };
    const res = await rawPost(proxied, "/api/v1/payments/purchases/create-purchase-url", headers, purchaseBody);
    expect(res.json.url).toMatch(/^https:\/\/payments\.example\.test\/emulator\/purchase\//);
    const user = await rawPost(proxied, "/api/v1/users", headers, "{}");
    const session = await rawPost(proxied, "/api/v1/auth/sessions", headers, JSON.stringify({ user_id: user.json.id }));
    const claims = JSON.parse(Buffer.from((session.json.access_token as string).split(".")[1]!, "base64url").toString());
    expect(claims.iss).toBe(`https://payments.example.test/emulator/api/v1/projects/${proxied.emulator.project.id}`);
  });

  test("a public URL that is not plain http(s) is refused at start", async () => {
    for (const publicUrl of ["javascript:alert(1)", "ftp://x.test", "not a url", "https://user:pw@x.test", "https://x.test/?q=1"])
      await expect(startEmulator({ ...workerStorage(), publicUrl }), publicUrl).rejects.toThrow("publicUrl");
  });
});

describe("in process", () => {
  let h: Harness;
  beforeAll(async () => {
    h = createHarness({ config: TEST_CONFIG });
    await h.emulator.ready;
  });
  afterAll(() => h.close());

  test("links use the origin the request was made to; X-Forwarded-* is ignored", async () => {
    const res = await h.call("POST", "/payments/purchases/create-purchase-url", {
      body: JSON.parse(purchaseBody),
      headers: { "x-forwarded-proto": "javascript", "x-forwarded-host": "evil.example" },
    });
    expect(res.status).toBe(200);
    expect(res.json.url).toMatch(/^http:\/\/emulator\.test\/purchase\//);
  });

  test("every HTML page refuses to be framed; API answers are nosniff", async () => {
    const url = (await h.call("POST", "/payments/purchases/create-purchase-url", { body: JSON.parse(purchaseBody) })).json.url as string;
    for (const page of [await h.call("GET", url), await h.call("GET", "/purchase/unknown-code")]) {
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.headers.get("x-frame-options")).toBe("DENY");
      expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
    const api = await h.call("GET", "/projects/current", { access: "client" });
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
    expect(api.headers.get("x-frame-options")).toBeNull();
  });

  test("the emulator serves a favicon (no 404 on its pages)", async () => {
    const res = await h.emulator.fetch(new Request("http://emulator.test/favicon.ico"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect((await h.emulator.fetch(new Request("http://emulator.test/favicon.ico", { method: "HEAD" }))).status).toBe(200);
  });
});

describe("the CLI's --public-url", () => {
  const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
  let cli: string;
  beforeAll(async () => {
    const dir = join(ROOT, "node_modules", ".cache", "stack-payments-test");
    mkdirSync(dir, { recursive: true });
    cli = join(dir, `cli-public-url-${process.pid}.mjs`);
    await build({ entryPoints: [join(ROOT, "src/cli.ts")], outfile: cli, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "silent" });
  });
  afterAll(() => rmSync(cli, { force: true }));

  test("reaches the emulator: a URL that is not http(s) stops it with a message, before storage opens", async () => {
    const child = spawn(process.execPath, [cli, "emulator", "--memory", "--port", "0", "--public-url", "javascript:alert(1)"], {
      cwd: tmpdir(),
      env: { ...process.env, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(err).toContain('publicUrl must use http: or https:, got "javascript:alert(1)"');
  });

  test("is in the usage text", async () => {
    const child = spawn(process.execPath, [cli, "emulator", "--help"], { cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.once("exit", resolve));
    expect(out).toContain("--public-url <url>");
  });
});
