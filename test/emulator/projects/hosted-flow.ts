/**
 * The hosted API's own e2e flow for projects, over an emulator's fetch handler: sign up to the
 * internal project (server-created user and session), create a project owned by the user's
 * personal team, switch to it with the user's token as admin access token, create its API keys.
 */
import type { Emulator } from "../../../src/emulator/create-emulator.js";
import { INTERNAL_PROJECT } from "../../../src/emulator/projects/store.js";

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** Headers naming a project and how the caller authenticates to it. */
export type Auth = Record<string, string>;

export const internalServer: Auth = {
  "x-stack-access-type": "server",
  "x-stack-project-id": INTERNAL_PROJECT.id,
  "x-stack-secret-server-key": INTERNAL_PROJECT.secretServerKey,
};
export const internalClient = (accessToken?: string): Auth => ({
  "x-stack-access-type": "client",
  "x-stack-project-id": INTERNAL_PROJECT.id,
  "x-stack-publishable-client-key": INTERNAL_PROJECT.publishableClientKey,
  ...(accessToken ? { "x-stack-access-token": accessToken } : {}),
});
/** A project's admin access through an internal-project user's access token (no key). */
export const adminByToken = (projectId: string, adminAccessToken: string, accessType = "admin"): Auth => ({
  "x-stack-access-type": accessType,
  "x-stack-project-id": projectId,
  "x-stack-admin-access-token": adminAccessToken,
});
/** A project's access through one of its keys. */
export function byKey(projectId: string, accessType: "client" | "server" | "admin", key: string): Auth {
  const header = accessType === "client" ? "x-stack-publishable-client-key" : accessType === "server" ? "x-stack-secret-server-key" : "x-stack-super-secret-admin-key";
  return { "x-stack-access-type": accessType, "x-stack-project-id": projectId, [header]: key };
}

/** Calls the emulator; `path` below `/api/v1` unless it starts with `/api/` or is a full URL. */
export function caller(emulator: Pick<Emulator, "fetch">) {
  return async function call(method: string, path: string, auth: Auth, body?: unknown, extra: Record<string, string> = {}): Promise<Answer> {
    const url = path.startsWith("http") ? path : `http://emulator.test${path.startsWith("/api/") || path.startsWith("/stripe-onboarding/") ? "" : "/api/v1"}${path}`;
    const headers: Record<string, string> = { ...auth, ...extra };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await emulator.fetch(new Request(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
}

/** An internal-project user with a session (as `Auth.fastSignUp` on the internal project). */
export async function signUpToInternal(emulator: Pick<Emulator, "fetch">): Promise<{ userId: string; accessToken: string; teamId: string }> {
  const call = caller(emulator);
  const user = await call("POST", "/users", internalServer, { primary_email: `owner-${crypto.randomUUID()}@example.com` });
  if (user.status !== 201) throw new Error(`internal sign-up failed: ${user.status} ${user.text}`);
  const session = await call("POST", "/auth/sessions", internalServer, { user_id: user.json.id, expires_in_millis: 31_536_000_000, is_impersonation: false });
  if (session.status !== 200) throw new Error(`internal session failed: ${session.status} ${session.text}`);
  const me = await call("GET", "/users/me", internalClient(session.json.access_token));
  return { userId: user.json.id, accessToken: session.json.access_token, teamId: me.json.selected_team_id };
}

/** A new project owned by the user's personal team, and admin keys of it; as `Project.createAndSwitch` then `InternalApiKey.create`. */
export async function createOwnedProject(
  emulator: Pick<Emulator, "fetch">,
  owner: { accessToken: string; teamId: string },
  body: Record<string, unknown> = {},
): Promise<{ projectId: string; created: Answer; keys: { publishableClientKey: string; secretServerKey: string; superSecretAdminKey: string } }> {
  const call = caller(emulator);
  const created = await call("POST", "/internal/projects", internalClient(owner.accessToken), {
    display_name: "New Project",
    owner_team_id: owner.teamId,
    ...body,
    config: { credential_enabled: true, allow_localhost: true, ...(body.config as object | undefined) },
  });
  if (created.status !== 201) throw new Error(`project creation failed: ${created.status} ${created.text}`);
  const projectId = created.json.id as string;
  const keys = await call("POST", "/internal/api-keys", adminByToken(projectId, owner.accessToken), {
    description: "test api key",
    has_publishable_client_key: true,
    has_secret_server_key: true,
    has_super_secret_admin_key: true,
    expires_at_millis: Date.now() + 24 * 60 * 60 * 1000,
  });
  if (keys.status !== 200) throw new Error(`api key creation failed: ${keys.status} ${keys.text}`);
  return {
    projectId,
    created,
    keys: { publishableClientKey: keys.json.publishable_client_key, secretServerKey: keys.json.secret_server_key, superSecretAdminKey: keys.json.super_secret_admin_key },
  };
}
