/**
 * Wire shapes of projects as the hosted API's internal routes serve them: creating and reading
 * projects (`/internal/projects`), their API key sets (`/internal/api-keys`) and payments setup.
 */
import * as z from "zod/mini";

const teamPermissionRefSchema = z.object({ id: z.string() });
const domainSchema = z.object({ domain: z.string(), handler_path: z.string() });

/** An OAuth provider of a project's (legacy) config view. */
export const projectOAuthProviderSchema = z.object({
  provider_config_id: z.string(),
  id: z.string(),
  type: z.enum(["shared", "standard"]),
  client_id: z.optional(z.string()),
  client_secret: z.optional(z.string()),
});

/** A project as its admins read it (`GET /internal/projects/current`, the items of `GET /internal/projects`). */
export const adminProjectSchema = z.object({
  id: z.string(),
  display_name: z.string(),
  description: z.string(),
  logo_url: z.optional(z.nullable(z.string())),
  logo_full_url: z.optional(z.nullable(z.string())),
  logo_dark_mode_url: z.optional(z.nullable(z.string())),
  logo_full_dark_mode_url: z.optional(z.nullable(z.string())),
  created_at_millis: z.number(),
  is_production_mode: z.boolean(),
  owner_team_id: z.nullable(z.string()),
  onboarding_status: z.string(),
  config: z.object({
    allow_localhost: z.boolean(),
    client_team_creation_enabled: z.boolean(),
    client_user_deletion_enabled: z.boolean(),
    sign_up_enabled: z.boolean(),
    oauth_account_merge_strategy: z.string(),
    create_team_on_sign_up: z.boolean(),
    credential_enabled: z.boolean(),
    magic_link_enabled: z.boolean(),
    passkey_enabled: z.boolean(),
    oauth_providers: z.array(projectOAuthProviderSchema),
    enabled_oauth_providers: z.array(z.object({ id: z.string() })),
    domains: z.array(domainSchema),
    email_config: z.object({ type: z.enum(["shared", "standard"]) }),
    email_theme: z.string(),
    team_creator_default_permissions: z.array(teamPermissionRefSchema),
    team_member_default_permissions: z.array(teamPermissionRefSchema),
    user_default_permissions: z.array(teamPermissionRefSchema),
    allow_user_api_keys: z.boolean(),
    allow_team_api_keys: z.boolean(),
  }),
});
export type AdminProjectWire = z.infer<typeof adminProjectSchema>;

/** `GET /internal/projects`: the projects the signed-in internal-project user manages. */
export const projectsListResponseSchema = z.object({
  items: z.array(adminProjectSchema),
  is_paginated: z.literal(false),
});

/** The (legacy) config fields a project create or update may set. */
export const projectConfigUpdateSchema = z.strictObject({
  sign_up_enabled: z.optional(z.boolean()),
  credential_enabled: z.optional(z.boolean()),
  magic_link_enabled: z.optional(z.boolean()),
  passkey_enabled: z.optional(z.boolean()),
  client_team_creation_enabled: z.optional(z.boolean()),
  client_user_deletion_enabled: z.optional(z.boolean()),
  allow_localhost: z.optional(z.boolean()),
  allow_user_api_keys: z.optional(z.boolean()),
  allow_team_api_keys: z.optional(z.boolean()),
  email_config: z.optional(z.object({ type: z.enum(["shared", "standard"]) })),
  email_theme: z.optional(z.string()),
  domains: z.optional(z.array(z.strictObject({ domain: z.url(), handler_path: z.string() }))),
  oauth_providers: z.optional(
    z.array(
      z.object({
        id: z.string(),
        type: z.enum(["shared", "standard"]),
        client_id: z.optional(z.string()),
        client_secret: z.optional(z.string()),
      }),
    ),
  ),
  create_team_on_sign_up: z.optional(z.boolean()),
  team_creator_default_permissions: z.optional(z.array(teamPermissionRefSchema)),
  team_member_default_permissions: z.optional(z.array(teamPermissionRefSchema)),
  user_default_permissions: z.optional(z.array(teamPermissionRefSchema)),
  oauth_account_merge_strategy: z.optional(z.enum(["link_method", "raise_error", "allow_duplicates"])),
  require_email_verification: z.optional(z.boolean()),
});

/** `PATCH /internal/projects/current` body. */
export const updateProjectBodySchema = z.strictObject({
  display_name: z.optional(z.string().check(z.minLength(1))),
  description: z.optional(z.nullable(z.string())),
  logo_url: z.optional(z.nullable(z.string())),
  logo_full_url: z.optional(z.nullable(z.string())),
  logo_dark_mode_url: z.optional(z.nullable(z.string())),
  logo_full_dark_mode_url: z.optional(z.nullable(z.string())),
  is_production_mode: z.optional(z.boolean()),
  onboarding_status: z.optional(z.string()),
  config: z.optional(projectConfigUpdateSchema),
});

/** `POST /internal/projects` body: a name, the owning team (of the internal project) and optional settings. */
export const createProjectBodySchema = z.extend(updateProjectBodySchema, {
  display_name: z.string().check(z.minLength(1)),
  owner_team_id: z.uuid(),
});

/** `POST /internal/api-keys` body. */
export const createApiKeySetBodySchema = z.strictObject({
  description: z.string(),
  expires_at_millis: z.number(),
  has_publishable_client_key: z.boolean(),
  has_secret_server_key: z.boolean(),
  has_super_secret_admin_key: z.boolean(),
});

/** `POST /internal/api-keys` answer: the only time the full keys are shown. */
export const createdApiKeySetSchema = z.object({
  id: z.string(),
  description: z.string(),
  expires_at_millis: z.number(),
  manually_revoked_at_millis: z.optional(z.number()),
  created_at_millis: z.number(),
  publishable_client_key: z.optional(z.string()),
  secret_server_key: z.optional(z.string()),
  super_secret_admin_key: z.optional(z.string()),
});

const lastFourSchema = z.object({ last_four: z.string() });

/** An API key set as listed and read later: only each key's last four characters. */
export const apiKeySetSchema = z.object({
  id: z.string(),
  description: z.string(),
  expires_at_millis: z.number(),
  manually_revoked_at_millis: z.optional(z.number()),
  created_at_millis: z.number(),
  publishable_client_key: z.optional(lastFourSchema),
  secret_server_key: z.optional(lastFourSchema),
  super_secret_admin_key: z.optional(lastFourSchema),
});

/** `GET /internal/api-keys` answer. */
export const apiKeySetsListResponseSchema = z.object({ items: z.array(apiKeySetSchema), is_paginated: z.literal(false) });

/** `PATCH /internal/api-keys/{id}` body. */
export const updateApiKeySetBodySchema = z.strictObject({
  description: z.optional(z.string()),
  revoked: z.optional(z.literal(true)),
});

/** `POST /internal/payments/setup` answer: where to continue the Stripe onboarding. */
export const paymentsSetupResponseSchema = z.object({ url: z.string() });

/** `GET /internal/payments/stripe/account-info` answer. */
export const stripeAccountInfoSchema = z.object({
  account_id: z.string(),
  charges_enabled: z.boolean(),
  details_submitted: z.boolean(),
  payouts_enabled: z.boolean(),
});
