/**
 * Which Stack project and API the examples talk to. By default: the local emulator's fixed
 * development project (the keys `npx stack-payments emulator` prints; they never change). Set
 * STACK_PROJECT_ID, STACK_PUBLISHABLE_CLIENT_KEY and STACK_SECRET_SERVER_KEY to use a hosted
 * project instead; STACK_API_URL picks the API base URL in both cases.
 */

/** The emulator's development project (src/emulator/defaults.ts `DEFAULT_PROJECT`). */
export const EMULATOR_PROJECT = {
  id: "00000000-0000-4000-8000-00000000e001",
  publishableClientKey: "pck_devkeypck000000000000000000000000000000000001",
  secretServerKey: "ssk_devkeyssk000000000000000000000000000000000001",
};

/** The emulator's default address (`npx stack-payments emulator` without --port). */
export const EMULATOR_URL = "http://localhost:8102";

/**
 * Resolves the project and API from the environment.
 *
 * @returns `{ target: "emulator" | "hosted", projectId, publishableClientKey, secretServerKey, apiUrl }`
 */
export function resolveStackEnv(env = process.env) {
  if (env.STACK_PROJECT_ID) {
    const missing = ["STACK_PUBLISHABLE_CLIENT_KEY", "STACK_SECRET_SERVER_KEY"].filter((name) => !env[name]);
    if (missing.length > 0) throw new Error(`STACK_PROJECT_ID is set, so the hosted API is used; also set ${missing.join(" and ")}.`);
    return {
      target: "hosted",
      projectId: env.STACK_PROJECT_ID,
      publishableClientKey: env.STACK_PUBLISHABLE_CLIENT_KEY,
      secretServerKey: env.STACK_SECRET_SERVER_KEY,
      apiUrl: env.STACK_API_URL || "https://api.stack-auth.com",
    };
  }
  return {
    target: "emulator",
    projectId: EMULATOR_PROJECT.id,
    publishableClientKey: EMULATOR_PROJECT.publishableClientKey,
    secretServerKey: EMULATOR_PROJECT.secretServerKey,
    apiUrl: env.STACK_API_URL || EMULATOR_URL,
  };
}
