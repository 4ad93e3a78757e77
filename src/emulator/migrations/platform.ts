/**
 * The platform's tables: config overrides, the test clock, users, teams, memberships,
 * permissions, sessions, signing keys and idempotency records; then projects and their API key
 * sets (every other table is keyed by `project_id`).
 */
import type { Migration } from "../migrate.js";

/** Platform migrations (`0001_...`), applied before the payments ones. */
export const platformMigrations: Migration[] = [
  {
    id: "0001_platform",
    sql: `
CREATE TABLE emulator_config_overrides (
  project_id text NOT NULL,
  level text NOT NULL,
  override json NOT NULL DEFAULT '{}'::json,
  PRIMARY KEY (project_id, level)
);
CREATE TABLE emulator_clock (
  project_id text PRIMARY KEY,
  offset_millis bigint NOT NULL DEFAULT 0
);
CREATE TABLE users (
  project_id text NOT NULL,
  id uuid NOT NULL,
  display_name text,
  primary_email text,
  primary_email_verified boolean NOT NULL DEFAULT false,
  primary_email_auth_enabled boolean NOT NULL DEFAULT false,
  password_hash text,
  profile_image_url text,
  client_metadata jsonb,
  client_read_only_metadata jsonb,
  server_metadata jsonb,
  otp_auth_enabled boolean NOT NULL DEFAULT false,
  passkey_auth_enabled boolean NOT NULL DEFAULT false,
  totp_secret_base64 text,
  is_anonymous boolean NOT NULL DEFAULT false,
  oauth_providers jsonb NOT NULL DEFAULT '[]'::jsonb,
  restricted_by_admin boolean NOT NULL DEFAULT false,
  restricted_by_admin_reason text,
  restricted_by_admin_private_details text,
  country_code text,
  risk_scores jsonb,
  selected_team_id uuid,
  signed_up_at_millis bigint NOT NULL,
  last_active_at_millis bigint NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX users_auth_email ON users (project_id, lower(primary_email)) WHERE primary_email_auth_enabled;
CREATE TABLE teams (
  project_id text NOT NULL,
  id uuid NOT NULL,
  display_name text NOT NULL,
  profile_image_url text,
  client_metadata jsonb,
  client_read_only_metadata jsonb,
  server_metadata jsonb,
  created_at_millis bigint NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE TABLE team_members (
  project_id text NOT NULL,
  team_id uuid NOT NULL,
  user_id uuid NOT NULL,
  created_at_millis bigint NOT NULL,
  PRIMARY KEY (project_id, team_id, user_id),
  FOREIGN KEY (project_id, team_id) REFERENCES teams (project_id, id) ON DELETE CASCADE,
  FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);
CREATE INDEX team_members_user ON team_members (project_id, user_id);
CREATE TABLE team_member_permissions (
  project_id text NOT NULL,
  team_id uuid NOT NULL,
  user_id uuid NOT NULL,
  permission_id text NOT NULL,
  PRIMARY KEY (project_id, team_id, user_id, permission_id),
  FOREIGN KEY (project_id, team_id, user_id) REFERENCES team_members (project_id, team_id, user_id) ON DELETE CASCADE
);
CREATE TABLE refresh_tokens (
  project_id text NOT NULL,
  id uuid NOT NULL,
  token text NOT NULL UNIQUE,
  user_id uuid NOT NULL,
  created_at_millis bigint NOT NULL,
  last_used_at_millis bigint NOT NULL,
  expires_at_millis bigint NOT NULL,
  is_impersonation boolean NOT NULL DEFAULT false,
  PRIMARY KEY (project_id, id),
  FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);
CREATE TABLE signing_keys (
  project_id text NOT NULL,
  audience text NOT NULL,
  slot integer NOT NULL,
  kid text NOT NULL,
  private_jwk jsonb NOT NULL,
  PRIMARY KEY (project_id, audience, slot)
);
CREATE TABLE idempotency_keys (
  project_id text NOT NULL,
  identity text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  status integer,
  headers jsonb,
  body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, identity, key)
);
`,
  },
  {
    id: "0002_projects",
    sql: `
CREATE TABLE emulator_projects (
  id text PRIMARY KEY,
  display_name text NOT NULL,
  description text NOT NULL DEFAULT '',
  owner_team_id uuid,
  is_production_mode boolean NOT NULL DEFAULT false,
  logo_url text,
  logo_full_url text,
  logo_dark_mode_url text,
  logo_full_dark_mode_url text,
  onboarding_status text NOT NULL DEFAULT 'completed',
  created_at_millis double precision NOT NULL,
  stripe_account_id text UNIQUE,
  stripe_charges_enabled boolean NOT NULL DEFAULT false,
  stripe_details_submitted boolean NOT NULL DEFAULT false,
  stripe_payouts_enabled boolean NOT NULL DEFAULT false
);
CREATE INDEX emulator_projects_owner ON emulator_projects (owner_team_id);
CREATE TABLE emulator_api_key_sets (
  project_id text NOT NULL REFERENCES emulator_projects (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  description text NOT NULL,
  publishable_client_key text,
  secret_server_key text,
  super_secret_admin_key text,
  created_at_millis double precision NOT NULL,
  expires_at_millis double precision NOT NULL,
  manually_revoked_at_millis double precision,
  PRIMARY KEY (project_id, id)
);
`,
  },
];
