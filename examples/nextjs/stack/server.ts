// The seed docs' `@/stack/server`: one StackServerApp for every server component, action and route.
import { StackServerApp } from "stack-payments/server";
import { resolveStackEnv } from "./env";

const stack = resolveStackEnv();

/** Reads the signed-in user from the request's cookies (`tokenStore: "nextjs-cookie"`). */
export const stackServerApp = new StackServerApp({
  projectId: stack.projectId,
  publishableClientKey: stack.publishableClientKey,
  secretServerKey: stack.secretServerKey,
  baseUrl: stack.apiUrl,
  tokenStore: "nextjs-cookie",
});
