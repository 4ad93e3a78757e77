/**
 * Making projects: the built-in ones each emulator start makes sure of (the internal project and
 * the development project), and new ones, created as the hosted API creates them.
 */
import type * as z from "zod/mini";
import type { projectConfigUpdateSchema } from "../../core/schemas/index.js";
import type { Db, SqlExecutor } from "../db.js";
import type { EmulatorProject } from "../defaults.js";
import { mergeConfigOverride, getConfigOverride, setConfigOverride } from "../project-config.js";
import {
  ensureStripeAccount,
  INTERNAL_PROJECT,
  insertProject,
  NEVER_EXPIRES_MILLIS,
  upsertApiKeySet,
  type NewProject,
  type ProjectKeys,
} from "./store.js";

/** The id of the key set the emulator gives projects it makes itself (the built-in ones, `createProject()`). */
export const BUILT_IN_KEY_SET_ID = "00000000-0000-4000-8000-0000000000a1";

/** The (legacy) project config fields of project create and update bodies. */
export type LegacyProjectConfig = z.infer<typeof projectConfigUpdateSchema>;

const idMap = (permissions: Array<{ id: string }> | undefined) => (permissions ? Object.fromEntries(permissions.map((p) => [p.id, true])) : undefined);

/**
 * The environment config override the hosted API writes for the legacy config fields of a
 * project create or update (undefined fields are left out).
 */
export function legacyConfigOverride(config: LegacyProjectConfig): Record<string, unknown> {
  const override: Record<string, unknown> = {
    "auth.allowSignUp": config.sign_up_enabled,
    "auth.password.allowSignIn": config.credential_enabled,
    "auth.otp.allowSignIn": config.magic_link_enabled,
    "auth.passkey.allowSignIn": config.passkey_enabled,
    "auth.oauth.accountMergeStrategy": config.oauth_account_merge_strategy,
    "auth.oauth.providers": config.oauth_providers
      ? Object.fromEntries(
          config.oauth_providers.map((p) => [
            p.id,
            { type: p.id, isShared: p.type === "shared", clientId: p.client_id, clientSecret: p.client_secret, allowSignIn: true, allowConnectedAccounts: true },
          ]),
        )
      : undefined,
    "users.allowClientUserDeletion": config.client_user_deletion_enabled,
    "teams.allowClientTeamCreation": config.client_team_creation_enabled,
    "teams.createPersonalTeamOnSignUp": config.create_team_on_sign_up,
    "domains.allowLocalhost": config.allow_localhost,
    "domains.trustedDomains": config.domains
      ? Object.fromEntries(config.domains.map((d) => [crypto.randomUUID(), { baseUrl: d.domain, handlerPath: d.handler_path }]))
      : undefined,
    "apiKeys.enabled.user": config.allow_user_api_keys,
    "apiKeys.enabled.team": config.allow_team_api_keys,
    "emails.selectedThemeId": config.email_theme,
    "rbac.defaultPermissions.teamMember": idMap(config.team_member_default_permissions),
    "rbac.defaultPermissions.teamCreator": idMap(config.team_creator_default_permissions),
    "rbac.defaultPermissions.signUp": idMap(config.user_default_permissions),
    "onboarding.requireEmailVerification": config.require_email_verification,
  };
  return Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined));
}

/** What {@link provisionProject} makes. */
export interface ProvisionProject extends NewProject {
  /** A key set that never expires, with these keys. */
  keys?: ProjectKeys;
  /** Written to the project's environment config override (merged with the PATCH rule). */
  environmentOverride?: Record<string, unknown>;
  /** The project's config file level (the camelCase `payments.json` content under `payments`). */
  fileConfig?: Record<string, unknown>;
  /** `set-up`: the project gets a Stripe account that finished onboarding. */
  payments: "set-up" | "not-set-up";
}

async function writeExtras(tx: SqlExecutor, p: ProvisionProject): Promise<void> {
  if (p.keys)
    await upsertApiKeySet(tx, p.id, {
      id: BUILT_IN_KEY_SET_ID,
      description: "Emulator keys",
      ...p.keys,
      createdAtMillis: p.createdAtMillis,
      expiresAtMillis: NEVER_EXPIRES_MILLIS,
      manuallyRevokedAtMillis: null,
    });
  if (p.environmentOverride)
    await setConfigOverride(tx, p.id, "environment", mergeConfigOverride(await getConfigOverride(tx, p.id, "environment"), p.environmentOverride));
  if (p.fileConfig) await setConfigOverride(tx, p.id, "file", p.fileConfig);
  if (p.payments === "set-up") await ensureStripeAccount(tx, p.id, { onboarded: true });
}

/** Creates a project with its keys, config and payments state, in one transaction; false when the id is taken. */
export async function provisionProject(db: Db, p: ProvisionProject): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await insertProject(tx, p))) return false;
    await writeExtras(tx, p);
    return true;
  });
}

/**
 * Makes sure a built-in project exists with this identity (name and keys are brought up to date),
 * and its config file level when given. Safe for several processes starting on one database.
 */
export async function ensureBuiltInProject(
  db: Db,
  identity: EmulatorProject,
  options: { fileConfig?: Record<string, unknown>; payments: "set-up" | "not-set-up"; now: number },
): Promise<void> {
  await db.transaction(async (tx) => {
    await insertProject(tx, { id: identity.id, displayName: identity.displayName, createdAtMillis: options.now });
    await tx.query("UPDATE emulator_projects SET display_name = $2 WHERE id = $1", [identity.id, identity.displayName]);
    await writeExtras(tx, {
      id: identity.id,
      displayName: identity.displayName,
      createdAtMillis: options.now,
      keys: { publishableClientKey: identity.publishableClientKey, secretServerKey: identity.secretServerKey, superSecretAdminKey: identity.superSecretAdminKey },
      ...(options.fileConfig ? { fileConfig: options.fileConfig } : {}),
      payments: options.payments,
    });
  });
}

/**
 * The internal project's own config: sign-up open, and each new user gets a personal team to own
 * projects with (as the hosted API's internal project).
 */
export const INTERNAL_PROJECT_CONFIG: Record<string, unknown> = {
  "teams.createPersonalTeamOnSignUp": true,
  "teams.allowClientTeamCreation": true,
  "auth.allowSignUp": true,
};

/** Makes sure the internal project exists. */
export function ensureInternalProject(db: Db, now: number): Promise<void> {
  return ensureBuiltInProject(db, INTERNAL_PROJECT, { fileConfig: INTERNAL_PROJECT_CONFIG, payments: "not-set-up", now });
}
