/**
 * `startEmulator()`: serves an emulator over HTTP (node:http), streaming answers, including
 * server-sent events, without buffering them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { createEmulator, type CreateEmulatorOptions, type Emulator } from "./create-emulator.js";

/** Options of {@link startEmulator}: those of `createEmulator` plus where to listen. */
export interface StartEmulatorOptions extends CreateEmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
}

/** A running HTTP emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:8102` (give it to the SDK as `baseUrl`). */
  url: string;
  port: number;
  emulator: Emulator;
  /** Stops listening, ends open streams and closes storage. */
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage, origin: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, response.statusText, headers);
  if (!response.body) {
    res.end();
    return;
  }
  // Write chunk by chunk and flush each, so event streams reach the client as they are produced.
  const reader = response.body.getReader();
  res.on("close", () => void reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => res.once("drain", resolve));
    }
  } catch {
    // The client went away or the stream was cancelled; nothing left to send.
  }
  res.end();
}

/**
 * Starts the emulator on a port.
 *
 * @example
 * const { url, close } = await startEmulator({ port: 8102, config });
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const { port = 0, host = "127.0.0.1", ...emulatorOptions } = options;
  const emulator = createEmulator(emulatorOptions);
  await emulator.ready;
  const sockets = new Set<import("node:net").Socket>();
  const controllers = new Set<AbortController>();
  let origin = "";
  const server = createServer((req, res) => {
    const controller = new AbortController();
    controllers.add(controller);
    res.on("close", () => {
      controller.abort();
      controllers.delete(controller);
    });
    (async () => {
      try {
        const response = await emulator.fetch(toRequest(req, origin, controller.signal));
        await writeResponse(response, res);
      } catch (error) {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`Something went wrong: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await emulator.close();
    throw error;
  }
  const actualPort = (server.address() as AddressInfo).port;
  const displayHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  origin = `http://${displayHost}:${actualPort}`;
  let closing: Promise<void> | undefined;
  return {
    url: origin,
    port: actualPort,
    emulator,
    close() {
      closing ??= (async () => {
        for (const c of controllers) c.abort();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections?.();
          // Long-lived streams would keep close() waiting forever.
          setTimeout(() => {
            for (const s of sockets) s.destroy();
          }, 200).unref();
        });
        await emulator.close();
      })();
      return closing;
    },
  };
}
