/**
 * The emulator's default development project. Its id and keys are fixed and documented so that
 * examples and tests need no setup; `createEmulator({ project })` overrides them.
 */
export const DEFAULT_PROJECT = {
  id: "00000000-0000-4000-8000-00000000e001",
  displayName: "Emulator development project",
  publishableClientKey: "pck_devkeypck000000000000000000000000000000000001",
  secretServerKey: "ssk_devkeyssk000000000000000000000000000000000001",
  superSecretAdminKey: "sak_devkeysak000000000000000000000000000000000001",
} as const;

/** A project's identity as the emulator hands it out: id, display name and its three keys. */
export type EmulatorProject = { -readonly [K in keyof typeof DEFAULT_PROJECT]: string };

export { IDEMPOTENCY_RESULT_HEADER, IDEMPOTENCY_SUPPORTED_HEADER } from "../core/wire-constants.js";
