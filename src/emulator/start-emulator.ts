/**
 * `startEmulator()`: serves an emulator over HTTP with Hono's Node adapter, streaming answers
 * (event streams included) as they are produced.
 */
import { createAdaptorServer } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
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
 * Starts the emulator on a port.
 *
 * @example
 * const { url, close } = await startEmulator({ port: 8102, config });
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const { port = 0, host = "127.0.0.1", ...emulatorOptions } = options;
  const emulator = createEmulator(emulatorOptions);
  await emulator.ready;
  // Without overrideGlobalObjects the adapter leaves the process's own Request and Response alone.
  const server = createAdaptorServer({ fetch: (request) => emulator.fetch(request), overrideGlobalObjects: false }) as Server;
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
  // Once listening, a server error (e.g. out of file descriptors while accepting) must not end
  // the process through an unhandled `error` event: connections already open keep being served.
  server.on("error", (error) => process.stderr.write(`stack-payments emulator: server error: ${error.message}\n`));
  const actualPort = (server.address() as AddressInfo).port;
  const displayHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${displayHost}:${actualPort}`,
    port: actualPort,
    emulator,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Open event streams would keep close() waiting forever; closing their connections
          // aborts their requests, which ends the streams.
          server.closeAllConnections();
        });
        await emulator.close();
      })();
      return closing;
    },
  };
}
