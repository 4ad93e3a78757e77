/**
 * The config override routes (`/internal/config/override/:level`, with the hosted merge rule),
 * `GET /internal/config` and `GET /projects/current`.
 */
import * as z from "zod/mini";
import { currentProjectSchema } from "../../core/schemas/index.js";
import { accessMayChange } from "../access-changes.js";
import { ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { parseUntrustedJson } from "../middleware/read-body.js";
import {
  CONFIG_LEVELS,
  expandConfigOverride,
  getConfigOverride,
  getProjectConfig,
  isValidConfigKey,
  mergeConfigOverride,
  paymentsConfigProblems,
  platformConfigProblems,
  prototypeKeyIn,
  renderProjectConfig,
  setConfigOverride,
  type ConfigLevel,
} from "../project-config.js";

const patchBodySchema = z.strictObject({ config_override_string: z.string() });
const putBodySchema = z.strictObject({ config_string: z.string(), source: z.optional(z.unknown()) });
const resetKeysBodySchema = z.strictObject({ keys: z.array(z.string()) });

function levelParam(ctx: RequestContext): ConfigLevel {
  const level = ctx.params.level!;
  if (!(CONFIG_LEVELS as readonly string[]).includes(level))
    throw ApiError.schema(ctx.method, ctx.url.pathname, [`params.level must be one of the following values: ${CONFIG_LEVELS.join(", ")}`]);
  // Server keys may only manage the branch level, as hosted.
  if (ctx.accessType === "server" && level !== "branch") throw ApiError.text(403, "Server access can only manage branch config overrides.");
  return level as ConfigLevel;
}

function parseOverrideJson(ctx: RequestContext, field: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseUntrustedJson(text);
  } catch {
    throw ApiError.text(400, "Invalid config JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw ApiError.text(400, "Invalid config JSON: the override must be a JSON object");
  // Refused before anything walks the keys: merging such a key would write onto Object.prototype.
  const prototypeKey = prototypeKeyIn(value);
  if (prototypeKey !== null)
    throw ApiError.schema(ctx.method, ctx.url.pathname, [
      `body.${field} contains the key ${JSON.stringify(prototypeKey)}: config keys may not name "__proto__", "constructor" or "prototype"`,
    ]);
  for (const key of Object.keys(value)) if (!isValidConfigKey(key)) throw ApiError.text(400, `Invalid config key: ${JSON.stringify(key)}`);
  return value as Record<string, unknown>;
}

/** Rejects (400 text) an override set under which the rendered config would be invalid. */
async function validateLevels(ctx: RequestContext, level: ConfigLevel, override: Record<string, unknown>): Promise<void> {
  const projectId = ctx.projectId!;
  const levels: Record<string, Record<string, unknown>> = {};
  for (const l of ["file", ...CONFIG_LEVELS] as const) levels[l] = l === level ? override : await getConfigOverride(ctx.db, projectId, l);
  const rendered = renderProjectConfig(levels);
  // The written level is checked on its own too: a bad value must not hide behind a higher level.
  const problems = [...new Set([...platformConfigProblems(expandConfigOverride(override)), ...platformConfigProblems(rendered.raw)])];
  problems.push(...paymentsConfigProblems(rendered.payments));
  if (problems.length > 0) throw ApiError.text(400, `Invalid config override:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
}

/** Validates a level's new override against all levels, then stores it (inside the caller's transaction). */
async function storeLevel(ctx: RequestContext, level: ConfigLevel, override: Record<string, unknown>): Promise<void> {
  await validateLevels(ctx, level, override);
  await setConfigOverride(ctx.db, ctx.projectId!, level, override);
}

/** Config, current-project and analytics routes. */
export const configRoutes: Route[] = [
    defineRoute({
      method: "GET",
      path: "/internal/config",
      access: "admin",
      async handler(ctx) {
        const { raw } = await getProjectConfig(ctx.db, ctx.projectId!);
        return { config_string: JSON.stringify(raw) };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/internal/config/override/:level",
      access: "server",
      async handler(ctx) {
        const level = levelParam(ctx);
        return { config_string: JSON.stringify(await getConfigOverride(ctx.db, ctx.projectId!, level)) };
      },
    }),
    defineRoute({
      method: "PATCH",
      path: "/internal/config/override/:level",
      access: "server",
      body: patchBodySchema,
      async handler(ctx, { body }) {
        const level = levelParam(ctx);
        const patch = parseOverrideJson(ctx, "config_override_string", body.config_override_string);
        await ctx.db.transaction(async () =>
          storeLevel(ctx, level, mergeConfigOverride(await getConfigOverride(ctx.db, ctx.projectId!, level), patch)),
        );
        accessMayChange(ctx, { wholeProject: true });
        return { success: true };
      },
    }),
    defineRoute({
      method: "PUT",
      path: "/internal/config/override/:level",
      access: "server",
      body: putBodySchema,
      async handler(ctx, { body }) {
        const level = levelParam(ctx);
        if (level === "branch" && body.source === undefined) throw ApiError.schema(ctx.method, ctx.url.pathname, ["body.source must be defined"]);
        const override = parseOverrideJson(ctx, "config_string", body.config_string);
        await ctx.db.transaction(() => storeLevel(ctx, level, override));
        accessMayChange(ctx, { wholeProject: true });
        return { success: true };
      },
    }),
    defineRoute({
      method: "POST",
      path: "/internal/config/override/:level/reset-keys",
      access: "admin",
      body: resetKeysBodySchema,
      async handler(ctx, { body }) {
        const level = levelParam(ctx);
        if (level === "project") throw ApiError.schema(ctx.method, ctx.url.pathname, ["params.level must be one of the following values: branch, environment"]);
        await ctx.db.transaction(async () => {
          const stored = await getConfigOverride(ctx.db, ctx.projectId!, level);
          const kept = Object.fromEntries(Object.entries(stored).filter(([k]) => !body.keys.some((r) => k === r || k.startsWith(`${r}.`))));
          await storeLevel(ctx, level, kept);
        });
        accessMayChange(ctx, { wholeProject: true });
        return { success: true };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/projects/current",
      access: "client",
      response: currentProjectSchema,
      async handler(ctx) {
        const config = await getProjectConfig(ctx.db, ctx.projectId!);
        const providers = Object.entries(config.auth.oauth.providers)
          .filter(([, p]) => p?.allowSignIn)
          .map(([id]) => ({ id }))
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const domains = Object.values(config.domains.trustedDomains)
          .filter((d) => typeof d?.baseUrl === "string")
          .map((d) => ({ domain: d.baseUrl!, handler_path: d.handlerPath ?? "/handler" }))
          .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
        return {
          id: ctx.project!.id,
          display_name: ctx.project!.displayName,
          config: {
            sign_up_enabled: config.auth.allowSignUp,
            credential_enabled: config.auth.password.allowSignIn,
            magic_link_enabled: config.auth.otp.allowSignIn,
            passkey_enabled: config.auth.passkey.allowSignIn,
            client_team_creation_enabled: config.teams.allowClientTeamCreation,
            client_user_deletion_enabled: config.users.allowClientUserDeletion,
            allow_user_api_keys: config.apiKeys.enabled.user,
            allow_team_api_keys: config.apiKeys.enabled.team,
            enabled_oauth_providers: providers,
            domains,
            allow_localhost: config.domains.allowLocalhost,
          },
        };
      },
    }),
    defineRoute({
      method: "POST",
      path: "/analytics/events/batch",
      access: "client",
      async handler() {
        return { success: true };
      },
    }),
];
