/**
 * The project as its admins see it (`GET /internal/projects/current`) and its config: the
 * rendered config (`GET /internal/config`) and the environment override that `updateConfig`
 * patches (`PATCH /internal/config/override/environment`), as `@stackframe/js` 2.8.108 sends them.
 */
import { apiPath } from "../api-context.js";
import { StackPaymentsError, invalidArgument } from "../errors.js";
import type { AdminProjectWire } from "../schemas/projects.js";
import type { PaymentsConfig } from "../schemas/config.js";
import type { CallOptions } from "../transport.js";
import { adminProjectShape, configStringResponseShape, successResponseShape } from "../wire-shapes.js";
import type { AdminConnection } from "./admin-connection.js";

/**
 * A project's rendered config (every level merged onto the defaults). Typed where payments read
 * it; the rest (auth, teams, domains, ...) is kept as the server sends it.
 */
export interface AdminProjectConfig {
  payments: PaymentsConfig & { testMode: boolean; blockNewPurchases: boolean };
  [key: string]: unknown;
}

/**
 * A config override: dotted paths (or nested objects) to values; `null` removes a key.
 *
 * @example
 * { "payments.testMode": false, "payments.items.credits": { displayName: "Credits", customerType: "user" } }
 */
export type ConfigOverride = {
  "payments.testMode"?: boolean;
  "payments.blockNewPurchases"?: boolean;
} & Record<string, unknown>;

/** The override levels an admin app reads and resets (official names). */
export type ConfigOverrideLevel = "branch" | "environment";

/** The project (official field names); its config is read and changed through its methods. */
export interface AdminProject {
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
  readonly createdAt: Date;
  readonly isProductionMode: boolean;
  readonly ownerTeamId: string | null;
  readonly onboardingStatus: string;
  readonly logoUrl: string | null | undefined;
  readonly logoFullUrl: string | null | undefined;
  readonly logoDarkModeUrl: string | null | undefined;
  readonly logoFullDarkModeUrl: string | null | undefined;
  /** The rendered config (`GET /internal/config`). */
  getConfig(callOptions?: CallOptions): Promise<AdminProjectConfig>;
  /**
   * Merges `override` into the environment's config override (`PATCH
   * /internal/config/override/environment`): each key replaces that path and everything below it.
   */
  updateConfig(override: ConfigOverride, callOptions?: CallOptions): Promise<void>;
  /** One level's stored override (`GET /internal/config/override/{level}`). */
  getConfigOverride(level: ConfigOverrideLevel, callOptions?: CallOptions): Promise<Record<string, unknown>>;
  /** Removes `keys` (and everything below them) from one level's override. */
  resetConfigOverrideKeys(level: ConfigOverrideLevel, keys: string[], callOptions?: CallOptions): Promise<void>;
}

function parseConfigString(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new StackPaymentsError({ code: "RESPONSE_VALIDATION_ERROR", message: `${what}: config_string is not JSON`, cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StackPaymentsError({ code: "RESPONSE_VALIDATION_ERROR", message: `${what}: config_string is not a JSON object` });
  }
  return value as Record<string, unknown>;
}

function requireLevel(level: unknown): ConfigOverrideLevel {
  if (level === "branch" || level === "environment") return level;
  throw invalidArgument("level", `expected "branch" or "environment", got ${JSON.stringify(level) ?? "undefined"}`);
}

/** `GET /internal/config`: the project's rendered config. */
export async function getProjectConfig(admin: AdminConnection, callOptions?: CallOptions): Promise<AdminProjectConfig> {
  const wire = await admin.ctx.call({ method: "GET", path: apiPath`/internal/config`, schema: configStringResponseShape, options: callOptions });
  return parseConfigString(wire.config_string, "GET /internal/config") as unknown as AdminProjectConfig;
}

/** `PATCH /internal/config/override/environment` with `{ config_override_string }`. Checked first: a plain object, well-formed keys. */
export async function updateProjectConfig(admin: AdminConnection, override: ConfigOverride, callOptions?: CallOptions): Promise<void> {
  if (typeof override !== "object" || override === null || Array.isArray(override)) {
    throw invalidArgument("override", `expected an object of config paths to values, got ${Array.isArray(override) ? "an array" : String(override)}`);
  }
  for (const [key, value] of Object.entries(override)) {
    if (key === "" || key.split(".").some((segment) => segment === "")) throw invalidArgument(`override[${JSON.stringify(key)}]`, "a config path has no empty segments; nothing was sent");
    if ((key === "payments.testMode" || key === "payments.blockNewPurchases") && typeof value !== "boolean" && value !== null) {
      throw invalidArgument(key, `expected true or false, got ${JSON.stringify(value) ?? "undefined"}; nothing was sent`);
    }
  }
  await admin.ctx.call({
    method: "PATCH",
    path: apiPath`/internal/config/override/environment`,
    body: { config_override_string: JSON.stringify(override) },
    schema: successResponseShape,
    options: callOptions,
  });
  admin.changed({ kind: "config" });
}

/** Maps the admin view of the project to an {@link AdminProject} whose methods use `admin`. */
export function createAdminProject(admin: AdminConnection, wire: AdminProjectWire): AdminProject {
  return {
    id: wire.id,
    displayName: wire.display_name,
    description: wire.description,
    createdAt: new Date(wire.created_at_millis),
    isProductionMode: wire.is_production_mode,
    ownerTeamId: wire.owner_team_id,
    onboardingStatus: wire.onboarding_status,
    logoUrl: wire.logo_url,
    logoFullUrl: wire.logo_full_url,
    logoDarkModeUrl: wire.logo_dark_mode_url,
    logoFullDarkModeUrl: wire.logo_full_dark_mode_url,
    getConfig: (callOptions) => getProjectConfig(admin, callOptions),
    updateConfig: (override, callOptions) => updateProjectConfig(admin, override, callOptions),
    async getConfigOverride(level, callOptions) {
      const l = requireLevel(level);
      const answer = await admin.ctx.call({ method: "GET", path: apiPath`/internal/config/override/${l}`, schema: configStringResponseShape, options: callOptions });
      return parseConfigString(answer.config_string, `GET /internal/config/override/${l}`);
    },
    async resetConfigOverrideKeys(level, keys, callOptions) {
      const l = requireLevel(level);
      if (!Array.isArray(keys) || keys.some((k) => typeof k !== "string" || k === "")) throw invalidArgument("keys", "expected an array of config paths (non-empty strings)");
      await admin.ctx.call({ method: "POST", path: apiPath`/internal/config/override/${l}/reset-keys`, body: { keys }, schema: successResponseShape, options: callOptions });
      admin.changed({ kind: "config" });
    },
  };
}

/** `GET /internal/projects/current` as an {@link AdminProject}. */
export async function getAdminProject(admin: AdminConnection, callOptions?: CallOptions): Promise<AdminProject> {
  const wire = await admin.ctx.call({ method: "GET", path: apiPath`/internal/projects/current`, schema: adminProjectShape, options: callOptions });
  return createAdminProject(admin, wire);
}
