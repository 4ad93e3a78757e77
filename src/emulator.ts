/**
 * `stack-payments/emulator`: the local Stack Auth payments API, in-process (`createEmulator`) or
 * over HTTP (`startEmulator`), with its storage adapters.
 */
export { createEmulator } from "./emulator/create-emulator.js";
export type { CreateEmulatorOptions, Emulator, EmulatorStorage } from "./emulator/create-emulator.js";
export { startEmulator } from "./emulator/start-emulator.js";
export type { RunningEmulator, StartEmulatorOptions } from "./emulator/start-emulator.js";
export { DEFAULT_PROJECT } from "./emulator/defaults.js";
export { createPgliteDb } from "./emulator/pglite-db.js";
export type { PgliteDbOptions } from "./emulator/pglite-db.js";
export { createPostgresDb } from "./emulator/postgres-db.js";
export type { Db, SqlExecutor } from "./emulator/db.js";
export type { Migration } from "./emulator/migrate.js";
export type { EmulatorProject } from "./emulator/router.js";
export type { PaymentsConfig } from "./core/schemas/index.js";
