/**
 * Project configuration as the hosted API renders it: schema defaults, the emulator's config
 * file (level `file`), then the stored overrides of the levels `project` < `branch` <
 * `environment`. Overrides live in the database, so every emulator process sharing it agrees.
 */
import * as z from "zod/mini";
import { paymentsConfigSchema, type PaymentsConfig } from "../core/schemas/index.js";
import type { SqlExecutor } from "./db.js";
import { readThrough } from "./read-cache.js";
import { schemaProblems } from "./validate.js";

/** The override levels the config routes write, in rendering order. */
export const CONFIG_LEVELS = ["project", "branch", "environment"] as const;
/** A config override level. */
export type ConfigLevel = (typeof CONFIG_LEVELS)[number];
/** Levels as stored: the config file comes first, below every override. */
type StoredLevel = "file" | ConfigLevel;

/** A team permission definition in `rbac.permissions`. */
export interface PermissionDefinition {
  description?: string;
  scope?: "team" | "project";
  containedPermissionIds?: Record<string, true>;
}

/** The rendered config the emulator's routes read. */
export interface ProjectConfig {
  /** The payments config (camelCase, as in `payments.json`), test mode on by default. */
  payments: PaymentsConfig & { testMode: boolean; blockNewPurchases: boolean };
  teams: { allowClientTeamCreation: boolean; createPersonalTeamOnSignUp: boolean };
  users: { allowClientUserDeletion: boolean };
  auth: {
    allowSignUp: boolean;
    password: { allowSignIn: boolean };
    otp: { allowSignIn: boolean };
    passkey: { allowSignIn: boolean };
    oauth: { providers: Record<string, { allowSignIn?: boolean }> };
  };
  domains: { allowLocalhost: boolean; trustedDomains: Record<string, { baseUrl?: string; handlerPath?: string }> };
  project: { requirePublishableClientKey: boolean };
  rbac: {
    permissions: Record<string, PermissionDefinition>;
    defaultPermissions: { teamCreator: Record<string, boolean>; teamMember: Record<string, boolean> };
  };
  onboarding: { requireEmailVerification: boolean };
  apiKeys: { enabled: { user: boolean; team: boolean } };
  /** The whole rendered object, including keys the emulator does not interpret. */
  raw: Record<string, unknown>;
}

const SYSTEM_TEAM_PERMISSIONS = ["$update_team", "$delete_team", "$read_members", "$remove_members", "$invite_members", "$manage_api_keys"];

/** Schema defaults (what an empty config renders to). */
function defaults(): Record<string, unknown> {
  return {
    teams: { allowClientTeamCreation: false, createPersonalTeamOnSignUp: false },
    users: { allowClientUserDeletion: false },
    auth: {
      allowSignUp: true,
      password: { allowSignIn: false },
      otp: { allowSignIn: false },
      passkey: { allowSignIn: false },
      oauth: { providers: {} },
    },
    domains: { allowLocalhost: true, trustedDomains: {} },
    project: { requirePublishableClientKey: false },
    onboarding: { requireEmailVerification: false },
    apiKeys: { enabled: { user: false, team: false } },
    rbac: { permissions: {}, defaultPermissions: { teamCreator: {}, teamMember: {} } },
    payments: { blockNewPurchases: false, testMode: true },
  };
}

/**
 * What the hosted API writes into a new project's environment override. Kept as the base of the
 * environment level (the stored override is merged onto it with the PATCH rule), so project and
 * branch overrides cannot remove these keys but an environment override can, as hosted.
 */
function environmentSeeds(): Record<string, unknown> {
  return {
    "auth.password.allowSignIn": true,
    "rbac.permissions.team_admin": {
      scope: "team",
      containedPermissionIds: Object.fromEntries(SYSTEM_TEAM_PERMISSIONS.map((p) => [p, true])),
    },
    "rbac.permissions.team_member": { scope: "team", containedPermissionIds: { $read_members: true, $invite_members: true } },
    "rbac.defaultPermissions.teamCreator": { team_admin: true },
    "rbac.defaultPermissions.teamMember": { team_member: true },
  };
}

const KEY_SEGMENT = /^[a-zA-Z0-9_:$][a-zA-Z0-9_:$-]*$/;

/**
 * Names that reach an object's prototype when used as a property key. Config keys are walked and
 * assigned segment by segment, so none of these may appear anywhere in a key or a nested object.
 */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** True when `key` is a valid (possibly dotted) config override key. */
export function isValidConfigKey(key: string): boolean {
  return key.split(".").every((segment) => KEY_SEGMENT.test(segment) && !PROTOTYPE_KEYS.has(segment));
}

/**
 * The first key path in `value` (dotted keys split, nested objects and arrays walked) with a
 * segment that names an object prototype (`__proto__`, `constructor`, `prototype`), or null.
 *
 * @example
 * prototypeKeyIn({ "__proto__.polluted": "yes" }); // "__proto__.polluted"
 */
export function prototypeKeyIn(value: unknown, path = ""): string | null {
  // Iterative, so a deeply nested value cannot exhaust the stack.
  const pending: { value: unknown; path: string }[] = [{ value, path }];
  while (pending.length > 0) {
    const { value: node, path: at } = pending.pop()!;
    if (typeof node !== "object" || node === null) continue;
    for (const key of Object.keys(node)) {
      const keyPath = at === "" ? key : Array.isArray(node) ? `${at}[${key}]` : `${at}.${key}`;
      if (!Array.isArray(node) && key.split(".").some((segment) => PROTOTYPE_KEYS.has(segment))) return keyPath;
      pending.push({ value: (node as Record<string, unknown>)[key], path: keyPath });
    }
  }
  return null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Applies one override onto `target`: keys shallowest first, dotted keys refine earlier objects. */
function applyOverride(target: Record<string, unknown>, override: Record<string, unknown>): void {
  const keys = Object.keys(override).sort((a, b) => a.split(".").length - b.split(".").length);
  for (const key of keys) {
    const segments = key.split(".");
    // Stored overrides are checked when written; this guard keeps older data from ever walking
    // into (and writing onto) a prototype.
    if (segments.some((segment) => PROTOTYPE_KEYS.has(segment))) continue;
    let node = target;
    for (const segment of segments.slice(0, -1)) {
      const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
      if (!isPlainObject(next)) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    const last = segments.at(-1)!;
    const value = override[key];
    if (value === null || value === undefined) delete node[last];
    else node[last] = clone(value);
  }
}

/** One override expanded on its own into a nested object (dotted keys resolved). */
export function expandConfigOverride(override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  applyOverride(out, override);
  return out;
}

/**
 * The PATCH merge rule: for each key K of the patch, the stored override loses K and every key
 * starting with `K.`; then the patch's keys are added.
 */
export function mergeConfigOverride(stored: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const patchKeys = Object.keys(patch);
  const kept = Object.entries(stored).filter(([key]) => !patchKeys.some((k) => key === k || key.startsWith(`${k}.`)));
  // fromEntries defines own properties: no key, whatever its name, can reach a prototype.
  return Object.fromEntries([...kept, ...Object.entries(patch)]);
}

/** Renames legacy payments keys (`offers`, `groups`, `catalogs`, `groupId`, `catalogId`) in place. */
export function migrateLegacyPaymentsConfig(payments: Record<string, unknown>): Record<string, unknown> {
  if (isPlainObject(payments.offers)) {
    payments.products = { ...(payments.offers as Record<string, unknown>), ...(isPlainObject(payments.products) ? payments.products : {}) };
  }
  delete payments.offers;
  const lines: Record<string, unknown> = isPlainObject(payments.productLines) ? { ...payments.productLines } : {};
  for (const legacy of ["groups", "catalogs"] as const) {
    if (isPlainObject(payments[legacy])) {
      for (const [id, line] of Object.entries(payments[legacy] as Record<string, unknown>)) if (!(id in lines)) lines[id] = clone(line);
    }
    delete payments[legacy];
  }
  const products = isPlainObject(payments.products) ? (payments.products as Record<string, unknown>) : {};
  for (const product of Object.values(products)) {
    if (!isPlainObject(product)) continue;
    for (const legacy of ["groupId", "catalogId"] as const) {
      if (legacy in product) {
        if (product.productLineId === undefined) product.productLineId = product[legacy];
        delete product[legacy];
      }
    }
  }
  // Legacy catalogs have no customerType: infer it from their member products; drop empty ones.
  for (const [id, line] of Object.entries(lines)) {
    if (!isPlainObject(line)) continue;
    if (line.customerType === undefined) {
      const member = Object.values(products).find((p) => isPlainObject(p) && p.productLineId === id) as Record<string, unknown> | undefined;
      if (!member) {
        delete lines[id];
        continue;
      }
      line.customerType = member.customerType ?? "user";
    }
  }
  if (Object.keys(lines).length > 0 || "productLines" in payments) payments.productLines = lines;
  for (const item of Object.values(isPlainObject(payments.items) ? payments.items : {})) if (isPlainObject(item)) delete item.default;
  return payments;
}

/**
 * Checks a payments config: the zod schema, then the rule that a product's `productLineId`
 * references an existing line of the same customer type. Returns problem lines (empty if valid).
 */
export function paymentsConfigProblems(payments: unknown): string[] {
  const prototypeKey = prototypeKeyIn(payments);
  if (prototypeKey !== null) return [`payments.${prototypeKey} names an object prototype ("__proto__", "constructor" or "prototype"), which no config key may`];
  const result = z.safeParse(paymentsConfigSchema, payments);
  if (!result.success) return schemaProblems(result.error.issues, "payments", payments);
  const problems: string[] = [];
  const lines = result.data.productLines ?? {};
  for (const [id, product] of Object.entries(result.data.products ?? {})) {
    if (product.productLineId === undefined) continue;
    const line = lines[product.productLineId];
    if (!line) problems.push(`payments.products.${id}.productLineId references unknown product line "${product.productLineId}"`);
    else if (line.customerType !== (product.customerType ?? "user"))
      problems.push(
        `payments.products.${id}.customerType ("${product.customerType ?? "user"}") must equal the customerType of product line "${product.productLineId}" ("${line.customerType}")`,
      );
  }
  return problems;
}

/** Config paths the emulator interprets as booleans; any other value is a schema violation. */
const BOOLEAN_CONFIG_PATHS = [
  "teams.allowClientTeamCreation",
  "teams.createPersonalTeamOnSignUp",
  "users.allowClientUserDeletion",
  "auth.allowSignUp",
  "auth.password.allowSignIn",
  "auth.otp.allowSignIn",
  "auth.passkey.allowSignIn",
  "domains.allowLocalhost",
  "project.requirePublishableClientKey",
  "onboarding.requireEmailVerification",
  "apiKeys.enabled.user",
  "apiKeys.enabled.team",
];

/**
 * Checks the non-payments parts of a rendered config that the emulator reads: boolean switches
 * and the shape of team permission definitions. Returns problem lines (empty if valid).
 */
export function platformConfigProblems(raw: Record<string, unknown>): string[] {
  const get = (path: string): unknown => path.split(".").reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), raw);
  const problems: string[] = [];
  for (const path of BOOLEAN_CONFIG_PATHS) {
    const value = get(path);
    if (value !== undefined && typeof value !== "boolean") problems.push(`${path} must be a boolean, but was ${JSON.stringify(value)}`);
  }
  for (const parent of ["auth.oauth.providers", "domains.trustedDomains", "rbac.permissions", "rbac.defaultPermissions.teamCreator", "rbac.defaultPermissions.teamMember"]) {
    const value = get(parent);
    if (value !== undefined && !isPlainObject(value)) problems.push(`${parent} must be an object, but was ${JSON.stringify(value)}`);
  }
  const permissions = get("rbac.permissions");
  for (const [id, def] of Object.entries(isPlainObject(permissions) ? permissions : {})) {
    if (!isPlainObject(def)) problems.push(`rbac.permissions.${id} must be an object`);
    else if (def.scope !== undefined && def.scope !== "team" && def.scope !== "project") problems.push(`rbac.permissions.${id}.scope must be "team" or "project"`);
  }
  return problems;
}

/** Renders the config from stored levels (pure; exported for tests and the override route). */
export function renderProjectConfig(levels: Partial<Record<StoredLevel, Record<string, unknown>>>): ProjectConfig {
  const raw = defaults();
  for (const level of ["file", ...CONFIG_LEVELS] as const) {
    const override = level === "environment" ? mergeConfigOverride(environmentSeeds(), levels.environment ?? {}) : levels[level];
    if (override) applyOverride(raw, override);
  }
  const payments = migrateLegacyPaymentsConfig(isPlainObject(raw.payments) ? raw.payments : {});
  if (typeof payments.testMode !== "boolean") payments.testMode = true;
  if (typeof payments.blockNewPurchases !== "boolean") payments.blockNewPurchases = false;
  raw.payments = payments;
  const get = (path: string): unknown => path.split(".").reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), raw);
  const bool = (path: string, fallback: boolean) => (typeof get(path) === "boolean" ? (get(path) as boolean) : fallback);
  const record = <T>(path: string) => (isPlainObject(get(path)) ? (get(path) as Record<string, T>) : {});
  return {
    payments: payments as ProjectConfig["payments"],
    teams: {
      allowClientTeamCreation: bool("teams.allowClientTeamCreation", false),
      createPersonalTeamOnSignUp: bool("teams.createPersonalTeamOnSignUp", false),
    },
    users: { allowClientUserDeletion: bool("users.allowClientUserDeletion", false) },
    auth: {
      allowSignUp: bool("auth.allowSignUp", true),
      password: { allowSignIn: bool("auth.password.allowSignIn", false) },
      otp: { allowSignIn: bool("auth.otp.allowSignIn", false) },
      passkey: { allowSignIn: bool("auth.passkey.allowSignIn", false) },
      oauth: { providers: record("auth.oauth.providers") },
    },
    domains: { allowLocalhost: bool("domains.allowLocalhost", true), trustedDomains: record("domains.trustedDomains") },
    project: { requirePublishableClientKey: bool("project.requirePublishableClientKey", false) },
    rbac: {
      permissions: record("rbac.permissions"),
      defaultPermissions: {
        teamCreator: record("rbac.defaultPermissions.teamCreator"),
        teamMember: record("rbac.defaultPermissions.teamMember"),
      },
    },
    onboarding: { requireEmailVerification: bool("onboarding.requireEmailVerification", false) },
    apiKeys: { enabled: { user: bool("apiKeys.enabled.user", false), team: bool("apiKeys.enabled.team", false) } },
    raw,
  };
}

/** Reads one level's stored override (`{}` when none). */
export async function getConfigOverride(db: SqlExecutor, projectId: string, level: StoredLevel): Promise<Record<string, unknown>> {
  const rows = await db.query<{ override: Record<string, unknown> }>(
    "SELECT override FROM emulator_config_overrides WHERE project_id = $1 AND level = $2",
    [projectId, level],
  );
  return rows[0]?.override ?? {};
}

/** Replaces one level's stored override. */
export async function setConfigOverride(db: SqlExecutor, projectId: string, level: StoredLevel, override: Record<string, unknown>): Promise<void> {
  await db.query(
    `INSERT INTO emulator_config_overrides (project_id, level, override) VALUES ($1, $2, $3::json)
     ON CONFLICT (project_id, level) DO UPDATE SET override = EXCLUDED.override`,
    [projectId, level, JSON.stringify(override)],
  );
}

/**
 * The rendered config of a project, read from the database (so two processes agree).
 *
 * @example
 * const { payments } = await getProjectConfig(ctx.db, ctx.projectId!);
 */
export async function getProjectConfig(db: SqlExecutor, projectId: string): Promise<ProjectConfig> {
  // Read by nearly every request, changed by config routes only; the rows are never mutated
  // (rendering copies what it takes from them).
  const rows = await readThrough(db, `config\u0000${projectId}`, ["emulator_config_overrides"], () =>
    db.query<{ level: StoredLevel; override: Record<string, unknown> }>("SELECT level, override FROM emulator_config_overrides WHERE project_id = $1", [projectId]),
  );
  const levels: Partial<Record<StoredLevel, Record<string, unknown>>> = {};
  for (const row of rows) levels[row.level] = row.override;
  return renderProjectConfig(levels);
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith("**.")) return host === pattern.slice(3) || host.endsWith(`.${pattern.slice(3)}`);
  if (pattern.startsWith("*.")) {
    const rest = pattern.slice(2);
    return host.endsWith(`.${rest}`) && !host.slice(0, -rest.length - 1).includes(".");
  }
  return host === pattern;
}

/**
 * True when `url` may be used as a redirect target: localhost / 127.0.0.1 (unless
 * `domains.allowLocalhost` is off) or a configured trusted domain (`*.` and `**.` wildcards).
 */
export function isTrustedReturnUrl(config: Pick<ProjectConfig, "domains">, url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return false;
  if (config.domains.allowLocalhost && (LOCAL_HOSTS.has(parsed.hostname) || parsed.hostname.endsWith(".localhost"))) return true;
  for (const domain of Object.values(config.domains.trustedDomains)) {
    if (!domain?.baseUrl) continue;
    let base: URL;
    try {
      base = new URL(domain.baseUrl.replace(/\*\*?\./, (m) => (m === "**." ? "wildcard2." : "wildcard1.")));
    } catch {
      continue;
    }
    const pattern = base.hostname.replace(/^wildcard2\./, "**.").replace(/^wildcard1\./, "*.");
    if (base.protocol !== parsed.protocol) continue;
    if (base.port !== parsed.port) continue;
    if (hostMatches(pattern, parsed.hostname)) return true;
  }
  return false;
}
