/**
 * The hosted API's project routes: users of the internal project create and list the projects
 * their teams own (`/internal/projects`), admins read, update and delete the current project
 * (`/internal/projects/current`), manage its API key sets (`/internal/api-keys`) and set up
 * payments (`/internal/payments/setup`, `/internal/payments/stripe/account-info`). Payments setup
 * gives the project a (modelled) Stripe account; its onboarding link opens a page of the emulator
 * that completes it.
 */
import { randomUUID } from "node:crypto";
import * as z from "zod/mini";
import {
  adminProjectSchema,
  apiKeySetSchema,
  apiKeySetsListResponseSchema,
  createApiKeySetBodySchema,
  createdApiKeySetSchema,
  createProjectBodySchema,
  paymentsSetupResponseSchema,
  projectsListResponseSchema,
  stripeAccountInfoSchema,
  updateApiKeySetBodySchema,
  updateProjectBodySchema,
  type AdminProjectWire,
} from "../../core/schemas/index.js";
import { accessMayChange } from "../access-changes.js";
import { isDefinedTeamPermission, isTeamMember } from "../auth/permissions.js";
import { forgetSigningKeys } from "../auth/tokens.js";
import type { SqlExecutor } from "../db.js";
import { answer, ApiError, defineRoute, type RequestContext, type Route } from "../http.js";
import { getConfigOverride, getProjectConfig, mergeConfigOverride, setConfigOverride } from "../project-config.js";
import { legacyConfigOverride, provisionProject } from "./provision-project.js";
import {
  completeStripeOnboarding,
  deleteProject,
  ensureStripeAccount,
  findApiKeySet,
  findProject,
  findProjectByStripeAccount,
  generateProjectKey,
  INTERNAL_PROJECT_ID,
  listApiKeySets,
  listManagedProjectIds,
  updateProject,
  upsertApiKeySet,
  type ApiKeySetRecord,
  type ProjectRecord,
} from "./store.js";

/** The hosted API's default email theme id (the emulator sends no email; the field is reported as hosted). */
const DEFAULT_EMAIL_THEME_ID = "1df07ae6-abf3-4a40-83a5-a1a2cbe336ac";

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A project as its admins read it, with the legacy config view rendered from its config. */
export async function adminProjectView(db: SqlExecutor, project: ProjectRecord): Promise<AdminProjectWire> {
  const config = await getProjectConfig(db, project.id);
  const raw = config.raw as { auth?: { oauth?: { accountMergeStrategy?: unknown } }; emails?: { selectedThemeId?: unknown } };
  const providers = Object.entries(config.auth.oauth.providers as Record<string, { allowSignIn?: boolean; type?: string; isShared?: boolean; clientId?: string; clientSecret?: string }>)
    .filter(([, p]) => p?.allowSignIn)
    .map(([configId, p]) => ({
      provider_config_id: configId,
      id: p.type ?? configId,
      type: p.isShared === false ? ("standard" as const) : ("shared" as const),
      ...(p.clientId === undefined ? {} : { client_id: p.clientId }),
      ...(p.clientSecret === undefined ? {} : { client_secret: p.clientSecret }),
    }))
    .sort((a, b) => byString(a.id, b.id));
  const defaults = (map: Record<string, boolean>) =>
    Object.entries(map)
      .filter(([id, on]) => on && isDefinedTeamPermission(config, id))
      .map(([id]) => ({ id }))
      .sort((a, b) => byString(a.id, b.id));
  return {
    id: project.id,
    display_name: project.displayName,
    description: project.description,
    logo_url: project.logoUrl,
    logo_full_url: project.logoFullUrl,
    logo_dark_mode_url: project.logoDarkModeUrl,
    logo_full_dark_mode_url: project.logoFullDarkModeUrl,
    created_at_millis: project.createdAtMillis,
    is_production_mode: project.isProductionMode,
    owner_team_id: project.ownerTeamId,
    onboarding_status: project.onboardingStatus,
    config: {
      allow_localhost: config.domains.allowLocalhost,
      client_team_creation_enabled: config.teams.allowClientTeamCreation,
      client_user_deletion_enabled: config.users.allowClientUserDeletion,
      sign_up_enabled: config.auth.allowSignUp,
      oauth_account_merge_strategy: typeof raw.auth?.oauth?.accountMergeStrategy === "string" ? raw.auth.oauth.accountMergeStrategy : "link_method",
      create_team_on_sign_up: config.teams.createPersonalTeamOnSignUp,
      credential_enabled: config.auth.password.allowSignIn,
      magic_link_enabled: config.auth.otp.allowSignIn,
      passkey_enabled: config.auth.passkey.allowSignIn,
      oauth_providers: providers,
      enabled_oauth_providers: providers.map((p) => ({ id: p.id })),
      domains: Object.values(config.domains.trustedDomains)
        .filter((d) => typeof d?.baseUrl === "string")
        .map((d) => ({ domain: d.baseUrl!, handler_path: d.handlerPath ?? "/handler" }))
        .sort((a, b) => byString(a.domain, b.domain)),
      email_config: { type: "shared" },
      email_theme: typeof raw.emails?.selectedThemeId === "string" ? raw.emails.selectedThemeId : DEFAULT_EMAIL_THEME_ID,
      team_creator_default_permissions: defaults(config.rbac.defaultPermissions.teamCreator),
      team_member_default_permissions: defaults(config.rbac.defaultPermissions.teamMember),
      user_default_permissions: [],
      allow_user_api_keys: config.apiKeys.enabled.user,
      allow_team_api_keys: config.apiKeys.enabled.team,
    },
  };
}

/** The internal-project routes need a signed-in user of the internal project. */
function internalUser(ctx: RequestContext): string {
  if (!ctx.user) throw ApiError.known("USER_AUTHENTICATION_REQUIRED");
  if (ctx.projectId !== INTERNAL_PROJECT_ID) throw ApiError.known("EXPECTED_INTERNAL_PROJECT");
  return ctx.user.id;
}

function keySetView(set: ApiKeySetRecord) {
  const lastFour = (key: string) => ({ last_four: key.slice(-4) });
  return {
    id: set.id,
    description: set.description,
    ...(set.publishableClientKey === null ? {} : { publishable_client_key: lastFour(set.publishableClientKey) }),
    ...(set.secretServerKey === null ? {} : { secret_server_key: lastFour(set.secretServerKey) }),
    ...(set.superSecretAdminKey === null ? {} : { super_secret_admin_key: lastFour(set.superSecretAdminKey) }),
    created_at_millis: set.createdAtMillis,
    expires_at_millis: set.expiresAtMillis,
    ...(set.manuallyRevokedAtMillis === null ? {} : { manually_revoked_at_millis: set.manuallyRevokedAtMillis }),
  };
}

const apiKeyParamsSchema = z.object({ api_key_id: z.uuid() });

/** The project, API key and payments-setup routes. */
export const projectRoutes: Route[] = [
  defineRoute({
    method: "GET",
    path: "/internal/projects",
    access: "client",
    response: projectsListResponseSchema,
    async handler(ctx) {
      const userId = internalUser(ctx);
      const items: AdminProjectWire[] = [];
      for (const id of await listManagedProjectIds(ctx.db, userId)) {
        const project = await findProject(ctx.db, id);
        if (project) items.push(await adminProjectView(ctx.db, project));
      }
      return { items, is_paginated: false as const };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/internal/projects",
    access: "client",
    body: createProjectBodySchema,
    response: adminProjectSchema,
    async handler(ctx, { body }) {
      const userId = internalUser(ctx);
      const ownerTeamId = body.owner_team_id.toLowerCase();
      if (!(await isTeamMember(ctx.db, INTERNAL_PROJECT_ID, ownerTeamId, userId)))
        throw ApiError.known("TEAM_MEMBERSHIP_NOT_FOUND", { team_id: ownerTeamId, user_id: userId });
      const id = randomUUID();
      await provisionProject(ctx.db, {
        id,
        displayName: body.display_name,
        ...(body.description != null ? { description: body.description } : {}),
        ownerTeamId,
        ...(body.is_production_mode !== undefined ? { isProductionMode: body.is_production_mode } : {}),
        logoUrl: body.logo_url ?? null,
        logoFullUrl: body.logo_full_url ?? null,
        logoDarkModeUrl: body.logo_dark_mode_url ?? null,
        logoFullDarkModeUrl: body.logo_full_dark_mode_url ?? null,
        ...(body.onboarding_status !== undefined ? { onboardingStatus: body.onboarding_status } : {}),
        createdAtMillis: Date.now(),
        environmentOverride: legacyConfigOverride({ allow_localhost: true, ...body.config }),
        // As hosted: a new project has no Stripe account until payments are set up.
        payments: "not-set-up",
      });
      return answer(201, await adminProjectView(ctx.db, (await findProject(ctx.db, id))!));
    },
  }),
  defineRoute({
    method: "GET",
    path: "/internal/projects/current",
    access: "admin",
    response: adminProjectSchema,
    async handler(ctx) {
      return adminProjectView(ctx.db, ctx.project!);
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/internal/projects/current",
    access: "admin",
    body: updateProjectBodySchema,
    response: adminProjectSchema,
    async handler(ctx, { body }) {
      const projectId = ctx.projectId!;
      await ctx.db.transaction(async (tx) => {
        await updateProject(tx, projectId, {
          ...(body.display_name !== undefined ? { displayName: body.display_name } : {}),
          ...(body.description !== undefined ? { description: body.description ?? "" } : {}),
          ...(body.is_production_mode !== undefined ? { isProductionMode: body.is_production_mode } : {}),
          ...(body.logo_url !== undefined ? { logoUrl: body.logo_url } : {}),
          ...(body.logo_full_url !== undefined ? { logoFullUrl: body.logo_full_url } : {}),
          ...(body.logo_dark_mode_url !== undefined ? { logoDarkModeUrl: body.logo_dark_mode_url } : {}),
          ...(body.logo_full_dark_mode_url !== undefined ? { logoFullDarkModeUrl: body.logo_full_dark_mode_url } : {}),
          ...(body.onboarding_status !== undefined ? { onboardingStatus: body.onboarding_status } : {}),
        });
        if (body.config) {
          const stored = await getConfigOverride(tx, projectId, "environment");
          await setConfigOverride(tx, projectId, "environment", mergeConfigOverride(stored, legacyConfigOverride(body.config)));
        }
      });
      return adminProjectView(ctx.db, (await findProject(ctx.db, projectId))!);
    },
  }),
  defineRoute({
    method: "DELETE",
    path: "/internal/projects/current",
    access: "admin",
    async handler(ctx) {
      const projectId = ctx.projectId!;
      // Every other project's owners sign in through it.
      if (projectId === INTERNAL_PROJECT_ID) throw ApiError.text(400, "The internal project cannot be deleted.");
      await ctx.db.transaction((tx) => deleteProject(tx, projectId));
      forgetSigningKeys(ctx.db, projectId);
      accessMayChange(ctx, { wholeProject: true });
      return { success: true };
    },
  }),

  defineRoute({
    method: "GET",
    path: "/internal/api-keys",
    access: "admin",
    response: apiKeySetsListResponseSchema,
    async handler(ctx) {
      return { items: (await listApiKeySets(ctx.db, ctx.projectId!)).map(keySetView), is_paginated: false as const };
    },
  }),
  defineRoute({
    method: "POST",
    path: "/internal/api-keys",
    access: "admin",
    body: createApiKeySetBodySchema,
    response: createdApiKeySetSchema,
    async handler(ctx, { body }) {
      const set: ApiKeySetRecord = {
        id: randomUUID(),
        description: body.description,
        publishableClientKey: body.has_publishable_client_key ? generateProjectKey("pck") : null,
        secretServerKey: body.has_secret_server_key ? generateProjectKey("ssk") : null,
        superSecretAdminKey: body.has_super_secret_admin_key ? generateProjectKey("sak") : null,
        createdAtMillis: Date.now(),
        expiresAtMillis: body.expires_at_millis,
        manuallyRevokedAtMillis: null,
      };
      await upsertApiKeySet(ctx.db, ctx.projectId!, set);
      return {
        id: set.id,
        description: set.description,
        ...(set.publishableClientKey === null ? {} : { publishable_client_key: set.publishableClientKey }),
        ...(set.secretServerKey === null ? {} : { secret_server_key: set.secretServerKey }),
        ...(set.superSecretAdminKey === null ? {} : { super_secret_admin_key: set.superSecretAdminKey }),
        created_at_millis: set.createdAtMillis,
        expires_at_millis: set.expiresAtMillis,
      };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/internal/api-keys/:api_key_id",
    access: "admin",
    params: apiKeyParamsSchema,
    response: apiKeySetSchema,
    async handler(ctx, { params }) {
      const set = await findApiKeySet(ctx.db, ctx.projectId!, params.api_key_id);
      if (!set) throw ApiError.known("API_KEY_NOT_FOUND");
      return keySetView(set);
    },
  }),
  defineRoute({
    method: "PATCH",
    path: "/internal/api-keys/:api_key_id",
    access: "admin",
    params: apiKeyParamsSchema,
    body: updateApiKeySetBodySchema,
    response: apiKeySetSchema,
    async handler(ctx, { params, body }) {
      const set = await findApiKeySet(ctx.db, ctx.projectId!, params.api_key_id);
      if (!set) throw ApiError.known("API_KEY_NOT_FOUND");
      const updated: ApiKeySetRecord = {
        ...set,
        description: body.description ?? set.description,
        manuallyRevokedAtMillis: set.manuallyRevokedAtMillis ?? (body.revoked ? Date.now() : null),
      };
      await upsertApiKeySet(ctx.db, ctx.projectId!, updated);
      if (updated.manuallyRevokedAtMillis !== set.manuallyRevokedAtMillis) accessMayChange(ctx, { wholeProject: true });
      return keySetView(updated);
    },
  }),

  defineRoute({
    method: "POST",
    path: "/internal/payments/setup",
    access: "admin",
    response: paymentsSetupResponseSchema,
    async handler(ctx) {
      // Creates the account on the first call; later calls continue its onboarding.
      const account = await ensureStripeAccount(ctx.db, ctx.projectId!, { onboarded: false });
      return { url: `${ctx.baseUrl}/stripe-onboarding/${account.id}` };
    },
  }),
  defineRoute({
    method: "GET",
    path: "/internal/payments/stripe/account-info",
    access: "admin",
    response: stripeAccountInfoSchema,
    async handler(ctx) {
      const account = (await findProject(ctx.db, ctx.projectId!))?.stripeAccount;
      if (!account) throw ApiError.known("STRIPE_ACCOUNT_INFO_NOT_FOUND");
      return {
        account_id: account.id,
        charges_enabled: account.chargesEnabled,
        details_submitted: account.detailsSubmitted,
        payouts_enabled: account.payoutsEnabled,
      };
    },
  }),
];

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function onboardingPage(status: number, title: string, body: string): Response {
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#111}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#111;color:#fff;cursor:pointer}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

const onboardingParamsSchema = z.object({ account_id: z.string() });

/**
 * The page the payments-setup link opens, standing where Stripe's onboarding stands: it shows the
 * account and completes its onboarding (charges and payouts enabled) with one button.
 */
export const stripeOnboardingRoutes: Route[] = [
  defineRoute({
    method: "GET",
    path: "/stripe-onboarding/:account_id",
    access: "none",
    params: onboardingParamsSchema,
    async handler(ctx, { params }) {
      const project = await findProjectByStripeAccount(ctx.db, params.account_id);
      if (!project) return onboardingPage(404, "Unknown account", "<p>This onboarding link does not belong to any project of this emulator.</p>");
      const account = project.stripeAccount!;
      if (account.chargesEnabled)
        return onboardingPage(200, "Payments are set up", `<p data-testid="onboarding-done">The account of ${escapeHtml(project.displayName)} can take payments.</p>`);
      return onboardingPage(
        200,
        "Set up payments",
        `<p>Emulated Stripe account <code>${escapeHtml(account.id)}</code> of project ${escapeHtml(project.displayName)}. No real details are needed.</p>
<form method="post"><button type="submit" data-testid="onboarding-complete">Complete onboarding</button></form>`,
      );
    },
  }),
  defineRoute({
    method: "POST",
    path: "/stripe-onboarding/:account_id",
    access: "none",
    params: onboardingParamsSchema,
    async handler(ctx, { params }) {
      if (!(await completeStripeOnboarding(ctx.db, params.account_id)))
        return onboardingPage(404, "Unknown account", "<p>This onboarding link does not belong to any project of this emulator.</p>");
      return onboardingPage(200, "Payments are set up", `<p data-testid="onboarding-done">Onboarding is complete: the account can take payments.</p>`);
    },
  }),
];
