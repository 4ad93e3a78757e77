/**
 * `startEmulator()`: serves an emulator over HTTP with Hono's Node adapter, streaming answers
 * (event streams included) as they are produced.
 */
import { createAdaptorServer } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
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

/**
 * How long the rest of a request body that was answered early (413) is read and dropped before
 * the connection is cut. Closing a socket with unread data makes the kernel reset it, and a
 * client still uploading would see "connection reset" instead of the answer already sent.
 */
const DISCARD_BODY_MILLIS = 30_000;

/**
 * Once an answer is sent, reads and drops what is left of its request body (as Node does for a
 * body nobody started reading), so the client can finish its upload, read the answer, and keep
 * using the connection. A body still arriving after {@link DISCARD_BODY_MILLIS} ends the
 * connection.
 */
function discardUnreadBodies(server: Server): void {
  server.on("request", (incoming: IncomingMessage, outgoing: ServerResponse) => {
    outgoing.once("finish", () => {
      if (incoming.complete || incoming.destroyed) return;
      const socket = incoming.socket;
      // A client that stopped sending before its body was complete will send nothing more.
      if (!socket || socket.readableEnded) {
        socket?.destroy();
        return;
      }
      // The request's web stream is no longer read; without its listener, dropped data is not
      // queued for it.
      incoming.removeAllListeners("data");
      const stop = () => socket.destroy();
      const timer = setTimeout(stop, DISCARD_BODY_MILLIS);
      timer.unref();
      socket.once("end", stop);
      const done = () => {
        clearTimeout(timer);
        socket.off("end", stop);
      };
      incoming.once("end", done);
      incoming.once("close", done);
      incoming.resume();
    });
  });
}

/**
 * Starts the emulator on a port.
 *
 * @example
 * const { url, close } = await startEmulator({ port: 8102, config });
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const { port = 0, host = "127.0.0.1", ...emulatorOptions } = options;
  // The emulator needs its public URL, which (with port 0) is known only once listening; the
  // few requests that could arrive in between wait for it.
  let created!: (emulator: Emulator) => void;
  const emulatorCreated = new Promise<Emulator>((resolve) => (created = resolve));
  // Without overrideGlobalObjects the adapter leaves the process's own Request and Response alone.
  // Unread bodies are dropped by discardUnreadBodies, without the adapter's short cut-off.
  const server = createAdaptorServer({
    fetch: async (request) => (await emulatorCreated).fetch(request),
    overrideGlobalObjects: false,
    autoCleanupIncoming: false,
  }) as Server;
  discardUnreadBodies(server);
  // Node drops CONNECT requests without a word unless someone listens; the emulator is no proxy.
  server.on("connect", (_request: IncomingMessage, socket: Duplex) => {
    const text = "Method CONNECT is not allowed: the emulator is not a proxy.";
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const displayHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const url = `http://${displayHost}:${actualPort}`;
  const emulator = createEmulator({ ...emulatorOptions, publicUrl: emulatorOptions.publicUrl ?? url });
  created(emulator);
  const stopServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Open event streams would keep close() waiting forever; closing their connections
      // aborts their requests, which ends the streams.
      server.closeAllConnections();
    });
  try {
    await emulator.ready;
  } catch (error) {
    await stopServer();
    await emulator.close();
    throw error;
  }
  // Once listening, a server error (e.g. out of file descriptors while accepting) must not end
  // the process through an unhandled `error` event: connections already open keep being served.
  server.on("error", (error) => process.stderr.write(`stack-payments emulator: server error: ${error.message}\n`));
  let closing: Promise<void> | undefined;
  return {
    url,
    port: actualPort,
    emulator,
    close() {
      closing ??= (async () => {
        await stopServer();
        await emulator.close();
      })();
      return closing;
    },
  };
}
