// The seed docs' `./stack/server.js`: one StackServerApp for the whole server.
import { StackServerApp } from "stack-payments/server";
import { resolveStackEnv } from "../../shared/stack-env.mjs";

/** The project and API this server talks to (the emulator's development project by default). */
export const stack = resolveStackEnv();

/** The server app: the emulator's development project by default, a hosted one by STACK_* variables. */
export const stackServerApp = new StackServerApp({
  projectId: stack.projectId,
  publishableClientKey: stack.publishableClientKey,
  secretServerKey: stack.secretServerKey,
  baseUrl: stack.apiUrl,
  tokenStore: "memory",
});

/** Where the server app points (printed at start). */
export const stackTarget = `${stack.apiUrl} (${stack.target})`;
