import { describe, expect, it } from "vitest";
import { createEventStream, createSseParser, type ServerSentEvent } from "../../../src/core/live/event-stream.js";

function collect() {
  const events: ServerSentEvent[] = [];
  const retries: number[] = [];
  const parser = createSseParser((e) => events.push(e), (ms) => retries.push(ms));
  return { events, retries, parser };
}

/** A streaming SSE response whose body the test writes to. */
function streamingResponse(init: ResponseInit = {}) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { "content-type": "text/event-stream" }, ...init }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
    fail: () => controller.error(new TypeError("connection reset")),
  };
}

const until = async (check: () => boolean, ms = 2000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("createSseParser", () => {
  it("parses ids, multi-line data, event names and comments across arbitrary chunk boundaries", () => {
    const text = ": hello\nid: 1\ndata: {\"a\":\ndata: 1}\n\nevent: ping\ndata: x\n\nid: 7\r\ndata: crlf\r\n\r\nretry: 1500\n\n";
    // Feed one character at a time: boundaries inside fields and inside CRLF must not matter.
    const { events, retries, parser } = collect();
    for (const ch of text) parser.push(ch);
    expect(events).toEqual([
      { id: "1", event: "message", data: '{"a":\n1}' },
      { id: undefined, event: "ping", data: "x" },
      { id: "7", event: "message", data: "crlf" },
    ]);
    expect(retries).toEqual([1500]);
  });

  it("does not dispatch a block without data and keeps an incomplete event buffered", () => {
    const { events, parser } = collect();
    parser.push("id: 3\n\ndata: partial");
    expect(events).toEqual([]);
    parser.push("\n\n");
    expect(events).toEqual([{ id: undefined, event: "message", data: "partial" }]);
  });
});

describe("createEventStream", () => {
  it("delivers events, reconnects after the connection drops and resumes with Last-Event-ID", async () => {
    const opened: (string | undefined)[] = [];
    const responses = [streamingResponse(), streamingResponse()];
    const events: ServerSentEvent[] = [];
    const states: string[] = [];
    const stream = createEventStream({
      open: async ({ lastEventId }) => {
        opened.push(lastEventId);
        return responses[opened.length - 1]!.response;
      },
      onEvent: (e) => events.push(e),
      onStateChange: (s) => states.push(s),
      initialDelayMs: 10,
    });
    await until(() => stream.state === "open");
    responses[0]!.write("id: 41\ndata: one\n\nid: 42\ndata: two\n\n");
    await until(() => events.length === 2);
    responses[0]!.fail();
    await until(() => opened.length === 2);
    expect(opened).toEqual([undefined, "42"]);
    await until(() => stream.state === "open");
    responses[1]!.write("id: 43\ndata: three\n\n");
    await until(() => events.length === 3);
    expect(events.map((e) => e.data)).toEqual(["one", "two", "three"]);
    expect(stream.lastEventId).toBe("43");
    expect(states).toContain("retrying");
    stream.close();
    expect(stream.state).toBe("closed");
  });

  it("gives up with `unsupported` on a 404 (also when sent as 200 with x-stack-actual-status)", async () => {
    for (const response of [
      new Response("Not found", { status: 404 }),
      new Response('{"code":"X"}', { status: 200, headers: { "x-stack-actual-status": "404" } }),
    ]) {
      let calls = 0;
      const stream = createEventStream({
        open: async () => (calls++, response.clone()),
        onEvent: () => {},
        initialDelayMs: 1,
      });
      await until(() => stream.state === "unsupported");
      await new Promise((r) => setTimeout(r, 30));
      expect(calls).toBe(1);
      stream.close();
    }
  });

  it("backs off between failed attempts on network errors and 5xx", async () => {
    const at: number[] = [];
    const stream = createEventStream({
      open: async () => {
        at.push(Date.now());
        if (at.length % 2) throw new TypeError("fetch failed");
        return new Response("down", { status: 503 });
      },
      onEvent: () => {},
      initialDelayMs: 20,
      maxDelayMs: 1000,
    });
    await until(() => at.length >= 4, 5000);
    stream.close();
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // Delays are 20·2^i ms with jitter in [0.5, 1.5): the third gap is at least 40 ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[2]).toBeGreaterThanOrEqual(39);
    const count = at.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(at.length).toBe(count);
  });
});
