/**
 * Team permissions: direct grants stored per membership, expanded recursively through
 * `rbac.permissions.*.containedPermissionIds` of the project config.
 */
import type { SqlExecutor } from "../db.js";
import type { ProjectConfig } from "../project-config.js";

/** The system team permissions that always exist. */
export const SYSTEM_TEAM_PERMISSIONS = ["$update_team", "$delete_team", "$read_members", "$remove_members", "$invite_members", "$manage_api_keys"] as const;

/** True when `id` names a defined team permission (system or configured). */
export function isDefinedTeamPermission(config: ProjectConfig, id: string): boolean {
  if ((SYSTEM_TEAM_PERMISSIONS as readonly string[]).includes(id)) return true;
  const def = config.rbac.permissions[id];
  return def !== undefined && (def.scope === undefined || def.scope === "team");
}

/** Expands `direct` with every permission they contain (transitively). Undefined grants are skipped. */
export function expandPermissions(config: ProjectConfig, direct: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const visit = (id: string) => {
    if (out.has(id) || !isDefinedTeamPermission(config, id)) return;
    out.add(id);
    for (const child of Object.keys(config.rbac.permissions[id]?.containedPermissionIds ?? {})) visit(child);
  };
  for (const id of direct) visit(id);
  return out;
}

/** Direct permission ids of a member (empty if not a member). */
export async function directTeamPermissions(db: SqlExecutor, projectId: string, teamId: string, userId: string): Promise<string[]> {
  const rows = await db.query<{ permission_id: string }>(
    "SELECT permission_id FROM team_member_permissions WHERE project_id = $1 AND team_id = $2 AND user_id = $3",
    [projectId, teamId, userId],
  );
  return rows.map((r) => r.permission_id);
}

/** True when the user is a member of the team. */
export async function isTeamMember(db: SqlExecutor, projectId: string, teamId: string, userId: string): Promise<boolean> {
  const rows = await db.query("SELECT 1 FROM team_members WHERE project_id = $1 AND team_id = $2 AND user_id = $3", [projectId, teamId, userId]);
  return rows.length > 0;
}

/** True when the member holds `permissionId` directly or through a containing permission. */
export async function hasTeamPermission(
  db: SqlExecutor,
  config: ProjectConfig,
  projectId: string,
  teamId: string,
  userId: string,
  permissionId: string,
): Promise<boolean> {
  const direct = await directTeamPermissions(db, projectId, teamId, userId);
  return expandPermissions(config, direct).has(permissionId);
}

/** Grants the default permissions (`teamCreator` or `teamMember`) of the config to a new member. */
export async function grantDefaultTeamPermissions(
  db: SqlExecutor,
  config: ProjectConfig,
  projectId: string,
  teamId: string,
  userId: string,
  as: "creator" | "member",
): Promise<void> {
  const defaults = as === "creator" ? config.rbac.defaultPermissions.teamCreator : config.rbac.defaultPermissions.teamMember;
  for (const [id, on] of Object.entries(defaults)) {
    if (!on) continue;
    await db.query(
      `INSERT INTO team_member_permissions (project_id, team_id, user_id, permission_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [projectId, teamId, userId, id],
    );
  }
}
