/** Wire truth in one place: every request and response shape, shared by the SDK and the emulator. */
export * from "./common.js";
export * from "./payments.js";
export * from "./auth.js";
export * from "./config.js";
export * from "./projects.js";
export * from "./admin.js";
export * from "./transactions.js";
export * from "./emulator-provider.js";
