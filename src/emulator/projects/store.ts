/**
 * Projects as the hosted API keeps them: a project row (name, owner team of the internal project,
 * its Stripe account), its API key sets, and the lookups authentication needs. Every other table
 * is keyed by `project_id`, so a project's users, teams, ledger, signing keys and clock are its
 * own; deleting a project deletes every row that names it.
 */
import { randomBytes } from "node:crypto";
import type { SqlExecutor } from "../db.js";

/** The keys a project's clients, servers and admins authenticate with. */
export interface ProjectKeys {
  publishableClientKey: string;
  secretServerKey: string;
  superSecretAdminKey: string;
}

/** A project's Stripe (connected) account, as far as the emulator models it. */
export interface StripeAccountRecord {
  id: string;
  chargesEnabled: boolean;
  detailsSubmitted: boolean;
  payoutsEnabled: boolean;
}

/** A project as stored. */
export interface ProjectRecord {
  id: string;
  displayName: string;
  description: string;
  /** A team of the internal project whose members manage this project; null for the built-in projects. */
  ownerTeamId: string | null;
  isProductionMode: boolean;
  logoUrl: string | null;
  logoFullUrl: string | null;
  logoDarkModeUrl: string | null;
  logoFullDarkModeUrl: string | null;
  onboardingStatus: string;
  createdAtMillis: number;
  /** Null until payments are set up (`POST /internal/payments/setup`). */
  stripeAccount: StripeAccountRecord | null;
}

/** The id of the hosted API's internal project: its users own (through teams) every other project. */
export const INTERNAL_PROJECT_ID = "internal";

/**
 * The internal project's id, name and keys: the same local-development keys the hosted API's own
 * development setup uses, so its e2e helpers work unchanged.
 */
export const INTERNAL_PROJECT = {
  id: INTERNAL_PROJECT_ID,
  displayName: "Stack Dashboard",
  publishableClientKey: "this-publishable-client-key-is-for-local-development-only",
  secretServerKey: "this-secret-server-key-is-for-local-development-only",
  superSecretAdminKey: "this-super-secret-admin-key-is-for-local-development-only",
} as const;

/** Expiry of the built-in key sets: never, in practice (the end of year 9999). */
export const NEVER_EXPIRES_MILLIS = 253_402_300_799_000;

interface ProjectRow {
  id: string;
  display_name: string;
  description: string;
  owner_team_id: string | null;
  is_production_mode: boolean;
  logo_url: string | null;
  logo_full_url: string | null;
  logo_dark_mode_url: string | null;
  logo_full_dark_mode_url: string | null;
  onboarding_status: string;
  created_at_millis: number;
  stripe_account_id: string | null;
  stripe_charges_enabled: boolean;
  stripe_details_submitted: boolean;
  stripe_payouts_enabled: boolean;
}

function toRecord(row: ProjectRow): ProjectRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    description: row.description,
    ownerTeamId: row.owner_team_id,
    isProductionMode: row.is_production_mode,
    logoUrl: row.logo_url,
    logoFullUrl: row.logo_full_url,
    logoDarkModeUrl: row.logo_dark_mode_url,
    logoFullDarkModeUrl: row.logo_full_dark_mode_url,
    onboardingStatus: row.onboarding_status,
    createdAtMillis: Number(row.created_at_millis),
    stripeAccount:
      row.stripe_account_id === null
        ? null
        : {
            id: row.stripe_account_id,
            chargesEnabled: row.stripe_charges_enabled,
            detailsSubmitted: row.stripe_details_submitted,
            payoutsEnabled: row.stripe_payouts_enabled,
          },
  };
}

/** The project with this id, or null. */
export async function findProject(db: SqlExecutor, projectId: string): Promise<ProjectRecord | null> {
  const rows = await db.query<ProjectRow>("SELECT * FROM emulator_projects WHERE id = $1", [projectId]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** What a new project is made of. */
export interface NewProject {
  id: string;
  displayName: string;
  description?: string;
  ownerTeamId?: string | null;
  isProductionMode?: boolean;
  logoUrl?: string | null;
  logoFullUrl?: string | null;
  logoDarkModeUrl?: string | null;
  logoFullDarkModeUrl?: string | null;
  onboardingStatus?: string;
  createdAtMillis: number;
}

/** Inserts a project; false when the id is taken. */
export async function insertProject(db: SqlExecutor, p: NewProject): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO emulator_projects (id, display_name, description, owner_team_id, is_production_mode, logo_url, logo_full_url,
       logo_dark_mode_url, logo_full_dark_mode_url, onboarding_status, created_at_millis)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      p.id,
      p.displayName,
      p.description ?? "",
      p.ownerTeamId ?? null,
      p.isProductionMode ?? false,
      p.logoUrl ?? null,
      p.logoFullUrl ?? null,
      p.logoDarkModeUrl ?? null,
      p.logoFullDarkModeUrl ?? null,
      p.onboardingStatus ?? "completed",
      p.createdAtMillis,
    ],
  );
  return rows.length === 1;
}

/** The fields of a project an admin may change. */
export type ProjectUpdate = Partial<
  Pick<ProjectRecord, "displayName" | "description" | "isProductionMode" | "logoUrl" | "logoFullUrl" | "logoDarkModeUrl" | "logoFullDarkModeUrl" | "onboardingStatus">
>;

const UPDATE_COLUMNS: Record<keyof ProjectUpdate, string> = {
  displayName: "display_name",
  description: "description",
  isProductionMode: "is_production_mode",
  logoUrl: "logo_url",
  logoFullUrl: "logo_full_url",
  logoDarkModeUrl: "logo_dark_mode_url",
  logoFullDarkModeUrl: "logo_full_dark_mode_url",
  onboardingStatus: "onboarding_status",
};

/** Updates a project's own fields. */
export async function updateProject(db: SqlExecutor, projectId: string, update: ProjectUpdate): Promise<void> {
  const sets: string[] = [];
  const values: unknown[] = [projectId];
  for (const [key, column] of Object.entries(UPDATE_COLUMNS) as Array<[keyof ProjectUpdate, string]>) {
    if (update[key] === undefined) continue;
    values.push(update[key]);
    sets.push(`${column} = $${values.length}`);
  }
  if (sets.length > 0) await db.query(`UPDATE emulator_projects SET ${sets.join(", ")} WHERE id = $1`, values);
}

/**
 * Deletes a project and every row of every table that names it (found in the catalog, so tables
 * added later are covered too).
 */
export async function deleteProject(db: SqlExecutor, projectId: string): Promise<void> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns
     WHERE column_name = 'project_id' AND table_schema = current_schema() AND table_name <> 'emulator_projects'`,
  );
  for (const { table_name } of tables) await db.query(`DELETE FROM "${table_name.replace(/"/g, '""')}" WHERE project_id = $1`, [projectId]);
  await db.query("DELETE FROM emulator_projects WHERE id = $1", [projectId]);
}

/** Ids of the projects owned by a team the internal-project user is a member of. */
export async function listManagedProjectIds(db: SqlExecutor, internalUserId: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT p.id FROM emulator_projects p
     JOIN team_members m ON m.project_id = $1 AND m.team_id = p.owner_team_id AND m.user_id = $2
     ORDER BY p.created_at_millis, p.id`,
    [INTERNAL_PROJECT_ID, internalUserId],
  );
  return rows.map((r) => r.id);
}

// ---- API key sets ----

/** An API key set as stored (full keys). */
export interface ApiKeySetRecord {
  id: string;
  description: string;
  publishableClientKey: string | null;
  secretServerKey: string | null;
  superSecretAdminKey: string | null;
  createdAtMillis: number;
  expiresAtMillis: number;
  manuallyRevokedAtMillis: number | null;
}

interface ApiKeySetRow {
  id: string;
  description: string;
  publishable_client_key: string | null;
  secret_server_key: string | null;
  super_secret_admin_key: string | null;
  created_at_millis: number;
  expires_at_millis: number;
  manually_revoked_at_millis: number | null;
}

function toKeySet(row: ApiKeySetRow): ApiKeySetRecord {
  return {
    id: row.id,
    description: row.description,
    publishableClientKey: row.publishable_client_key,
    secretServerKey: row.secret_server_key,
    superSecretAdminKey: row.super_secret_admin_key,
    createdAtMillis: Number(row.created_at_millis),
    expiresAtMillis: Number(row.expires_at_millis),
    manuallyRevokedAtMillis: row.manually_revoked_at_millis === null ? null : Number(row.manually_revoked_at_millis),
  };
}

/** Inserts or replaces (same id) a key set of a project. */
export async function upsertApiKeySet(db: SqlExecutor, projectId: string, set: ApiKeySetRecord): Promise<void> {
  await db.query(
    `INSERT INTO emulator_api_key_sets (project_id, id, description, publishable_client_key, secret_server_key, super_secret_admin_key,
       created_at_millis, expires_at_millis, manually_revoked_at_millis)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (project_id, id) DO UPDATE SET description = EXCLUDED.description, publishable_client_key = EXCLUDED.publishable_client_key,
       secret_server_key = EXCLUDED.secret_server_key, super_secret_admin_key = EXCLUDED.super_secret_admin_key,
       expires_at_millis = EXCLUDED.expires_at_millis, manually_revoked_at_millis = EXCLUDED.manually_revoked_at_millis`,
    [
      projectId,
      set.id,
      set.description,
      set.publishableClientKey,
      set.secretServerKey,
      set.superSecretAdminKey,
      set.createdAtMillis,
      set.expiresAtMillis,
      set.manuallyRevokedAtMillis,
    ],
  );
}

/** A project's key sets, newest first. */
export async function listApiKeySets(db: SqlExecutor, projectId: string): Promise<ApiKeySetRecord[]> {
  const rows = await db.query<ApiKeySetRow>("SELECT * FROM emulator_api_key_sets WHERE project_id = $1 ORDER BY created_at_millis DESC, id", [projectId]);
  return rows.map(toKeySet);
}

/** One key set of a project, or null. */
export async function findApiKeySet(db: SqlExecutor, projectId: string, id: string): Promise<ApiKeySetRecord | null> {
  const rows = await db.query<ApiKeySetRow>("SELECT * FROM emulator_api_key_sets WHERE project_id = $1 AND id = $2", [projectId, id]);
  return rows[0] ? toKeySet(rows[0]) : null;
}

/** Which key column an access type authenticates with. */
export type KeyKind = "publishable_client_key" | "secret_server_key" | "super_secret_admin_key";

/** True when a live (unrevoked, unexpired as of `nowMillis`) key set of the project holds `value` as its `kind` key. */
export async function isValidProjectKey(db: SqlExecutor, projectId: string, kind: KeyKind, value: string, nowMillis: number): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM emulator_api_key_sets WHERE project_id = $1 AND ${kind} = $2 AND manually_revoked_at_millis IS NULL AND expires_at_millis > $3 LIMIT 1`,
    [projectId, value, nowMillis],
  );
  return rows.length > 0;
}

/**
 * Until when `value` stays a valid key of `kind` for the project: the latest expiry among its
 * unrevoked key sets holding it, or null when none does (so `isValidProjectKey` at `now` is
 * `validUntil > now`). Unlike that check it does not depend on the time, so it can be cached.
 */
export async function projectKeyValidUntil(db: SqlExecutor, projectId: string, kind: KeyKind, value: string): Promise<number | null> {
  const rows = await db.query<{ until: number | null }>(
    `SELECT max(expires_at_millis) AS until FROM emulator_api_key_sets WHERE project_id = $1 AND ${kind} = $2 AND manually_revoked_at_millis IS NULL`,
    [projectId, value],
  );
  const until = rows[0]?.until;
  return until === null || until === undefined ? null : Number(until);
}

const KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** A key in the hosted format: a prefix and 45 random lowercase base32 characters (224 bits). */
export function generateProjectKey(prefix: "pck" | "ssk" | "sak"): string {
  let out = "";
  for (const b of randomBytes(45)) out += KEY_ALPHABET[b & 31];
  return `${prefix}_${out}`;
}

/** A fresh set of the three keys. */
export function generateProjectKeys(): ProjectKeys {
  return { publishableClientKey: generateProjectKey("pck"), secretServerKey: generateProjectKey("ssk"), superSecretAdminKey: generateProjectKey("sak") };
}

// ---- Stripe account ----

const ACCOUNT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function newStripeAccountId(): string {
  let out = "";
  for (const b of randomBytes(16)) out += ACCOUNT_ALPHABET[b % ACCOUNT_ALPHABET.length];
  return `acct_${out}`;
}

/**
 * Gives a project its Stripe account if it has none (what `POST /internal/payments/setup` does
 * on its first call). A new account has not finished onboarding unless `onboarded` is set.
 * Answers the project's account.
 */
export async function ensureStripeAccount(db: SqlExecutor, projectId: string, options: { onboarded: boolean }): Promise<StripeAccountRecord> {
  const on = options.onboarded;
  await db.query(
    `UPDATE emulator_projects SET stripe_account_id = $2, stripe_charges_enabled = $3, stripe_details_submitted = $3, stripe_payouts_enabled = $3
     WHERE id = $1 AND stripe_account_id IS NULL`,
    [projectId, newStripeAccountId(), on],
  );
  const project = await findProject(db, projectId);
  return project!.stripeAccount!;
}

/** Marks a Stripe account's onboarding complete (charges and payouts enabled); false for an unknown account. */
export async function completeStripeOnboarding(db: SqlExecutor, accountId: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE emulator_projects SET stripe_charges_enabled = true, stripe_details_submitted = true, stripe_payouts_enabled = true
     WHERE stripe_account_id = $1 RETURNING id`,
    [accountId],
  );
  return rows.length > 0;
}

/** The project holding a Stripe account, or null. */
export async function findProjectByStripeAccount(db: SqlExecutor, accountId: string): Promise<ProjectRecord | null> {
  const rows = await db.query<ProjectRow>("SELECT * FROM emulator_projects WHERE stripe_account_id = $1", [accountId]);
  return rows[0] ? toRecord(rows[0]) : null;
}
