// Hostile input over real HTTP (startEmulator): every answer is a 4xx in the API's error shape
// (known-error JSON, or plain text as the hosted API's status errors), nothing is changed,
// nothing crashes, no stack trace reaches the caller, and the connection survives.
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Route } from "../../../src/emulator/http.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/start-emulator.js";
import { workerStorage } from "../../fixtures/emulator-app.js";
import { TEST_CONFIG } from "../payments/config.js";

const crashRoute: Route = {
  method: "GET",
  path: "/test/crash",
  access: "none",
  handler: async () => {
    throw new Error("secret detail at /srv/app.ts:12:34");
  },
};

const reported: { error: unknown; requestId: string }[] = [];
let running: RunningEmulator;
beforeAll(async () => {
  running = await startEmulator({
    ...workerStorage(),
    config: TEST_CONFIG,
    extraRoutes: [crashRoute],
    onUnexpectedError: (error, request) => reported.push({ error, requestId: request.requestId }),
  });
});
afterAll(() => running.close());

const server = () => ({
  "x-stack-access-type": "server",
  "x-stack-project-id": running.emulator.project.id,
  "x-stack-secret-server-key": running.emulator.project.secretServerKey,
});

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request with node:http (any method, any bytes), on a fresh connection. */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: running.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function json(answer: RawAnswer): { code: string; error: string; details?: { message?: string } } {
  return JSON.parse(answer.text) as { code: string; error: string; details?: { message?: string } };
}

/** No answer may carry a stack trace. */
function expectNoStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(text).not.toMatch(/node_modules|\.ts:\d+/);
}

async function quantity(customerId: string): Promise<number> {
  const res = await fetch(`${running.url}/api/v1/payments/items/custom/${encodeURIComponent(customerId)}/custom_credits`, { headers: server() });
  expect(res.status).toBe(200);
  return ((await res.json()) as { quantity: number }).quantity;
}

async function updateQuantity(customerPath: string, body: string, contentType = "application/json"): Promise<RawAnswer> {
  return raw("POST", `/api/v1/payments/items/custom/${customerPath}/custom_credits/update-quantity?allow_negative=true`, { ...server(), "content-type": contentType }, body);
}

describe("bad bodies", () => {
  test("JSON nested 100,000 levels deep is a 400 BODY_PARSING_ERROR, arrays or objects", async () => {
    const c = `deep-${crypto.randomUUID()}`;
    for (const body of ["[".repeat(100_000) + "]".repeat(100_000), '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000), `{"delta":1,"description":${"[".repeat(101)}${"]".repeat(101)}}`]) {
      const res = await updateQuantity(c, body);
      expect(res.status).toBe(400);
      expect(json(res).code).toBe("BODY_PARSING_ERROR");
      expect(json(res).error).toContain("nested deeper than 100 levels");
      expectNoStack(res.text);
    }
    // 100 levels is still fine (and then refused by the schema, naming the field).
    const ok = await updateQuantity(c, `{"delta":1,"description":${"[".repeat(99)}${"]".repeat(99)}}`);
    expect(ok.status).toBe(400);
    expect(json(ok).code).toBe("SCHEMA_ERROR");
    expect(json(ok).error).toContain("body.description");
    expectNoStack(ok.text);
    expect(await quantity(c)).toBe(0);
  });

  test("bytes that are not UTF-8 are a 400 BODY_PARSING_ERROR, not silently replaced", async () => {
    const c = `utf8-${crypto.randomUUID()}`;
    const body = Buffer.concat([Buffer.from('{"delta":1,"description":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const res = await updateQuantity(c, body as unknown as string);
    expect(res.status).toBe(400);
    expect(json(res).code).toBe("BODY_PARSING_ERROR");
    expect(json(res).error).toContain("not valid UTF-8");
    expect(await quantity(c)).toBe(0);
  });

  test("NUL characters anywhere in a body (values or keys) are refused naming the field", async () => {
    const c = `nul-${crypto.randomUUID()}`;
    const value = await updateQuantity(c, JSON.stringify({ delta: 1, description: "a\u0000b" }));
    expect(value.status).toBe(400);
    expect(json(value).code).toBe("SCHEMA_ERROR");
    expect(json(value).error).toContain("body.description must not contain NUL characters");
    const user = await raw("POST", "/api/v1/users", { ...server(), "content-type": "application/json" }, JSON.stringify({ display_name: "x", client_metadata: { nested: [{ "k\u0000": 1 }] } }));
    expect(user.status).toBe(400);
    expect(json(user).error).toContain("body.client_metadata.nested[0] must not have keys containing NUL characters");
    expect(await quantity(c)).toBe(0);
  });

  test("wrong JSON types are SCHEMA_ERRORs naming the field", async () => {
    const c = `types-${crypto.randomUUID()}`;
    for (const [body, field] of [
      ['{"delta":"5"}', "body.delta"],
      ['{"delta":1.5}', "body.delta"],
      ['{"delta":null}', "body.delta"],
      ['{"delta":1e400}', "body.delta"],
      ['{"delta":1,"expires_at":12}', "body.expires_at"],
      ["[1]", "body"],
      ['"delta"', "body"],
    ] as const) {
      const res = await updateQuantity(c, body);
      expect(res.status, body).toBe(400);
      expect(json(res).code, body).toBe("SCHEMA_ERROR");
      expect(json(res).error, body).toContain(field);
    }
    expect(await quantity(c)).toBe(0);
  });
});

describe("bad ids", () => {
  test("%00 in a custom id is a 400 SCHEMA_ERROR naming params.customer_id, on reads, writes and streams", async () => {
    for (const [method, path, body] of [
      ["GET", "/api/v1/payments/items/custom/a%00b/custom_credits", undefined],
      ["POST", "/api/v1/payments/items/custom/a%00b/custom_credits/update-quantity?allow_negative=true", '{"delta":1}'],
      ["GET", "/api/v1/payments/products/custom/a%00b", undefined],
      ["POST", "/api/v1/payments/products/custom/a%00b", '{"product_id":"custom_pack"}'],
      ["GET", "/api/v1/payments/events/custom/a%00b", undefined],
      ["GET", "/api/v1/payments/products/custom/ok?cursor=%00", undefined],
    ] as const) {
      const res = await raw(method, path, { ...server(), "content-type": "application/json" }, body);
      expect(res.status, path).toBe(400);
      expect(json(res).code, path).toBe("SCHEMA_ERROR");
      expect(json(res).error, path).toMatch(/(params\.customer_id|query\.cursor) must not contain NUL characters/);
      expectNoStack(res.text);
    }
  });

  test("a custom id longer than 1024 bytes (it could not be indexed) is refused; 1024 bytes work", async () => {
    const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
    const tooLong = [letters(3000), Array.from({ length: 400 }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 20000))).join("")];
    for (const id of tooLong) {
      const res = await updateQuantity(encodeURIComponent(id), '{"delta":1}');
      expect(res.status).toBe(400);
      expect(json(res).code).toBe("SCHEMA_ERROR");
      expect(json(res).error).toContain("params.customer_id must be at most 1024 bytes long");
      expectNoStack(res.text);
    }
    const purchase = await raw(
      "POST",
      "/api/v1/payments/purchases/create-purchase-url",
      { ...server(), "content-type": "application/json" },
      JSON.stringify({ customer_type: "custom", customer_id: tooLong[0], product_id: "custom_pack" }),
    );
    expect(purchase.status).toBe(400);
    expect(json(purchase).error).toContain("body.customer_id must be at most 1024 bytes long");
    const longest = letters(1024);
    expect((await updateQuantity(longest, '{"delta":4}')).status).toBe(200);
    expect(await quantity(longest)).toBe(4);
  });

  test("custom ids with spaces, unicode and reserved characters are ordinary, distinct, case-sensitive ids", async () => {
    const base = crypto.randomUUID();
    const ids = [`a b ${base}`, `😀 ${base}`, `Ünïcödé ${base}`, `a/b?c#d%e ${base}`, `CASE-${base}`, `case-${base}`];
    for (const [i, id] of ids.entries()) {
      const res = await updateQuantity(encodeURIComponent(id), JSON.stringify({ delta: i + 1 }));
      expect(res.status, id).toBe(200);
    }
    for (const [i, id] of ids.entries()) expect(await quantity(id)).toBe(i + 1);
  });

  test("bad query values are SCHEMA_ERRORs naming the field", async () => {
    for (const query of ["limit=-1", "limit=0", "limit=1e400", "limit=101", "limit=1.5", "limit=abc", "limit=99999999999999999999", "limit=%20"]) {
      const res = await raw("GET", `/api/v1/payments/products/custom/q?${query}`, server());
      expect(res.status, query).toBe(400);
      expect(json(res).code, query).toBe("SCHEMA_ERROR");
      expect(json(res).error, query).toContain("query.limit");
    }
    const cursor = await raw("GET", `/api/v1/payments/products/custom/q?cursor=${"z".repeat(5000)}`, server());
    expect(cursor.status).toBeLessThan(500);
    const transactions = await raw("GET", "/api/v1/internal/payments/transactions?limit=-5&cursor=%FF%FE", {
      "x-stack-access-type": "admin",
      "x-stack-project-id": running.emulator.project.id,
      "x-stack-super-secret-admin-key": running.emulator.project.superSecretAdminKey,
    });
    expect(transactions.status).toBe(400);
    expectNoStack(transactions.text);
    const allowNegative = await raw("POST", "/api/v1/payments/items/custom/q/custom_credits/update-quantity?allow_negative=yes", { ...server(), "content-type": "application/json" }, '{"delta":1}');
    expect(allowNegative.status).toBe(400);
    expect(json(allowNegative).error).toContain("query.allow_negative");
  });
});

describe("methods, headers and crashes", () => {
  test("TRACE and unknown methods answer 405 (with Allow) or 404 as text, never 500", async () => {
    const trace = await raw("TRACE", "/api/v1/payments/items/custom/x/custom_credits", server());
    expect(trace.status).toBe(405);
    expect(trace.headers.allow).toBe("GET, HEAD");
    expect(trace.text).toBe("Method TRACE is not allowed on /api/v1/payments/items/custom/x/custom_credits");
    expect((await raw("TRACE", "/nowhere")).status).toBe(404);
    const propfind = await raw("PROPFIND", "/api/v1/projects/current", server());
    expect(propfind.status).toBe(405);
    const purge = await raw("PURGE", "/purchase/x");
    expect(purge.status).toBe(405);
    expect(purge.headers.allow).toBe("GET, HEAD");
  });

  test("CONNECT (the emulator is no proxy) is a 405 text answer, not a dropped connection", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(running.port, "127.0.0.1");
      let text = "";
      socket.on("data", (d: Buffer) => (text += d.toString()));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
      socket.write("CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n");
    });
    expect(answer).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(answer).toContain("Method CONNECT is not allowed");
  });

  test("a body cut short of its content-length is the client's problem: no unexpected error, the emulator keeps serving", async () => {
    const before = reported.length;
    await new Promise<void>((resolve) => {
      const socket = connect(running.port, "127.0.0.1");
      socket.on("close", () => resolve());
      socket.on("error", () => {});
      socket.resume();
      const head = ["POST /api/v1/payments/items/custom/cut/custom_credits/update-quantity?allow_negative=true HTTP/1.1", "host: 127.0.0.1", ...Object.entries(server()).map(([k, v]) => `${k}: ${v}`), "content-type: application/json", "content-length: 100", "", ""].join("\r\n");
      socket.end(`${head}{"delta":1}`);
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(reported.length).toBe(before);
    expect(await quantity("cut")).toBe(0);
    expect((await raw("GET", "/health")).status).toBe(200);
  });

  test("headers beyond the server's limit are a 431, and the emulator keeps serving", async () => {
    const res = await raw("GET", "/api/v1/projects/current", { ...server(), "x-padding": "a".repeat(100_000) });
    expect(res.status).toBe(431);
    expect((await raw("GET", "/health")).status).toBe(200);
  });

  test("an unexpected error answers 500 with only the request id; its details go to the log", async () => {
    const res = await raw("GET", "/api/v1/test/crash");
    expect(res.status).toBe(500);
    const requestId = res.headers["x-stack-request-id"] as string;
    expect(res.text).toBe(`Something went wrong. Please make sure the data you entered is correct.\n\nRequest ID: ${requestId}`);
    expectNoStack(res.text);
    expect((reported.find((r) => r.requestId === requestId)?.error as Error).message).toContain("secret detail");
  });
});

describe("oversized bodies get 413 over HTTP, never a reset connection", () => {
  const big = (mb: number) => JSON.stringify({ display_name: "x".repeat(mb * 1024 * 1024) });
  const usersUrl = () => `${running.url}/api/v1/users`;

  test.each([2, 30])("with content-length (%i MB), through fetch", async (mb) => {
    const res = await fetch(usersUrl(), { method: "POST", headers: { ...server(), "content-type": "application/json" }, body: big(mb) });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe("Request body too large: the limit is 1048576 bytes.");
  });

  test.each([2, 30])("chunked, without content-length (%i MB), through fetch", async (mb) => {
    const bytes = new TextEncoder().encode(big(mb));
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(at, (at += 64 * 1024)));
      },
    });
    const res = await fetch(usersUrl(), { method: "POST", headers: { ...server(), "content-type": "application/json" }, body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.text()).toBe("Request body too large: the limit is 1048576 bytes.");
  });

  test("a chunked body under the limit is read like any other (it was a 500)", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"display_name":'));
        controller.enqueue(new TextEncoder().encode('"Chunked"}'));
        controller.close();
      },
    });
    const res = await fetch(usersUrl(), { method: "POST", headers: { ...server(), "content-type": "application/json" }, body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { display_name: string }).display_name).toBe("Chunked");
  });

  test.each(["content-length", "chunked"] as const)("%s on a raw socket: the whole body is read, the 413 arrives, the connection serves the next request", async (framing) => {
    const body = Buffer.alloc(8 * 1024 * 1024, 0x78);
    const socket = connect(running.port, "127.0.0.1");
    let received = "";
    let failure: Error | null = null;
    socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
    socket.on("error", (e) => (failure = e));
    const head = [
      "POST /api/v1/users HTTP/1.1",
      "host: 127.0.0.1",
      ...Object.entries(server()).map(([k, v]) => `${k}: ${v}`),
      "content-type: application/json",
      framing === "chunked" ? "transfer-encoding: chunked" : `content-length: ${body.length}`,
      "",
      "",
    ].join("\r\n");
    const write = (data: Buffer | string) => new Promise<void>((resolve, reject) => socket.write(data, (e) => (e ? reject(e) : resolve())));
    await write(head);
    for (let i = 0; i < body.length; i += 256 * 1024) {
      const piece = body.subarray(i, i + 256 * 1024);
      await write(framing === "chunked" ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")]) : piece);
    }
    if (framing === "chunked") await write("0\r\n\r\n");
    // The same connection answers the next request.
    await write("GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
    for (let t = 0; t < 200 && !received.includes("\r\n\r\nOK"); t++) await new Promise((r) => setTimeout(r, 25));
    socket.destroy();
    expect(failure).toBeNull();
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toContain("Request body too large");
    expect(received).toMatch(/HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nOK/);
  });
});
