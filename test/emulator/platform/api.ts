/**
 * A tiny request helper for emulator tests: builds the hosted API's headers for an access type
 * and returns status, headers and the parsed body.
 */
import type { Emulator } from "../../../src/emulator/create-emulator.js";

export interface CallOptions {
  access?: "client" | "server" | "admin" | null;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Header prefix to send (`x-stack-` or `x-hexclave-`). */
  prefix?: "stack" | "hexclave";
  version?: "v1" | "latest";
  allowAnonymous?: boolean;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export function createApi(emulator: Emulator) {
  const { project } = emulator;
  async function call(method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
    const p = `x-${options.prefix ?? "stack"}-`;
    const headers: Record<string, string> = {};
    const access = options.access === undefined ? "client" : options.access;
    if (access) {
      headers[`${p}access-type`] = access;
      headers[`${p}project-id`] = project.id;
      if (access === "client") headers[`${p}publishable-client-key`] = project.publishableClientKey;
      if (access === "server") headers[`${p}secret-server-key`] = project.secretServerKey;
      if (access === "admin") headers[`${p}super-secret-admin-key`] = project.superSecretAdminKey;
    }
    if (options.token) headers[`${p}access-token`] = options.token;
    if (options.allowAnonymous !== false) headers[`${p}allow-anonymous-user`] = "true";
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    Object.assign(headers, options.headers);
    const url = path.startsWith("/api/") || !path.startsWith("/") ? path : `/api/${options.version ?? "v1"}${path}`;
    const res = await emulator.fetch(new Request(`http://localhost${url}`, { method, headers, ...(body === undefined ? {} : { body }) }));
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  /** Server-creates a user and a session for it. */
  async function signedInUser(body: Record<string, unknown> = {}): Promise<{ userId: string; accessToken: string; refreshToken: string }> {
    const created = await call("POST", "/users", { access: "server", body });
    if (created.status !== 201) throw new Error(`create user failed: ${created.status} ${created.text}`);
    const session = await call("POST", "/auth/sessions", { access: "server", body: { user_id: created.json.id } });
    if (session.status !== 200) throw new Error(`create session failed: ${session.status} ${session.text}`);
    return { userId: created.json.id, accessToken: session.json.access_token, refreshToken: session.json.refresh_token };
  }

  /** Merges `config` into the environment override (admin). */
  async function updateConfig(config: Record<string, unknown>): Promise<void> {
    const res = await call("PATCH", "/internal/config/override/environment", {
      access: "admin",
      body: { config_override_string: JSON.stringify(config) },
    });
    if (res.status !== 200) throw new Error(`config update failed: ${res.status} ${res.text}`);
  }

  return { call, signedInUser, updateConfig, project };
}
