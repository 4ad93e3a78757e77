/**
 * `stack-payments/emulator`: the local Stack Auth payments API, in-process (`createEmulator`) or
 * over HTTP (`startEmulator`), with its storage adapters and the route declaration for extra routes.
 */
export { createEmulator } from "./emulator/create-emulator.js";
export type { CreateEmulatorOptions, CreateProjectOptions, Emulator, EmulatorStorage } from "./emulator/create-emulator.js";
export type { UnexpectedErrorRequest } from "./emulator/middleware/emulator-env.js";
export type { LiveStreamLimits } from "./emulator/live-events.js";
export { startEmulator } from "./emulator/start-emulator.js";
export type { RunningEmulator, StartEmulatorOptions } from "./emulator/start-emulator.js";
export { DEFAULT_PROJECT } from "./emulator/defaults.js";
export type { EmulatorProject } from "./emulator/defaults.js";
export { INTERNAL_PROJECT } from "./emulator/projects/store.js";
export { ApiError, answer, defineRoute } from "./emulator/http.js";
export type { AccessType, RequestContext, RequestUser, Route, RouteAccess, RouteInput } from "./emulator/http.js";
export { createPgliteDb } from "./emulator/pglite-db.js";
export type { PgliteDbOptions } from "./emulator/pglite-db.js";
export { createPostgresDb } from "./emulator/postgres-db.js";
export type { PostgresDbOptions } from "./emulator/postgres-db.js";
export type { Db, DeferredTransaction, SqlExecutor, TransactionOptions } from "./emulator/db.js";
export type { Migration } from "./emulator/migrate.js";
export type { PaymentsConfig } from "./core/schemas/index.js";
