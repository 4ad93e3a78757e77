/**
 * Raw-HTTP helpers for the payments route tests: a project of the worker's in-process emulator
 * per harness, requests with server/admin keys or a client user's token, and fresh users/teams
 * per test.
 */
import { randomUUID } from "node:crypto";
import type { PaymentsConfig } from "../../../src/core/schemas/index.js";
import type { CreateEmulatorOptions, Emulator } from "../../../src/emulator/create-emulator.js";
import { createProjectEmulator } from "../../../src/testing.js";

export const BASE = "http://emulator.test";

export type Access = "server" | "admin" | "client" | "none" | { token: string };

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** A harness around one emulator. */
export interface Harness {
  emulator: Emulator;
  call(method: string, path: string, options?: { access?: Access; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<Answer>;
  newUser(): Promise<{ id: string; token: string }>;
  newTeam(creatorToken?: string): Promise<string>;
  setConfig(payments: PaymentsConfig | Record<string, unknown>): Promise<void>;
  advanceClock(millis: number): Promise<void>;
  close(): Promise<void>;
}

export function createHarness(options: CreateEmulatorOptions = {}): Harness {
  const emulator = createProjectEmulator(options);
  const p = emulator.project;
  const headersFor = (access: Access): Record<string, string> => {
    if (access === "none") return {};
    const base = { "x-stack-project-id": p.id };
    if (access === "server") return { ...base, "x-stack-access-type": "server", "x-stack-secret-server-key": p.secretServerKey };
    if (access === "admin") return { ...base, "x-stack-access-type": "admin", "x-stack-super-secret-admin-key": p.superSecretAdminKey };
    const client = { ...base, "x-stack-access-type": "client", "x-stack-publishable-client-key": p.publishableClientKey, "x-stack-allow-anonymous-user": "true" };
    if (access === "client") return client;
    return { ...client, "x-stack-access-token": access.token };
  };
  const h: Harness = {
    emulator,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...headersFor(o.access ?? "server"), ...o.headers };
      let body: string | undefined;
      if (o.rawBody !== undefined) {
        body = o.rawBody;
        headers["content-type"] ??= "application/json";
      } else if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers["content-type"] = "application/json";
      }
      const url = path.startsWith("/purchase/") || path.startsWith("http") ? (path.startsWith("http") ? path : BASE + path) : `${BASE}/api/v1${path}`;
      const res = await emulator.fetch(new Request(url, { method, headers, ...(body === undefined ? {} : { body }) }));
      const text = await res.text();
      let json: unknown = undefined;
      try {
        json = JSON.parse(text);
      } catch {
        // plain text or HTML
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    async newUser() {
      const r = await h.call("POST", "/auth/anonymous/sign-up", { access: "client" });
      if (r.status !== 200) throw new Error(`sign-up failed: ${r.status} ${r.text}`);
      return { id: r.json.user_id as string, token: r.json.access_token as string };
    },
    async newTeam(creatorToken) {
      const r = creatorToken
        ? await h.call("POST", "/teams", { access: "server", body: { display_name: "T", creator_user_id: "me" }, headers: { "x-stack-access-token": creatorToken, "x-stack-allow-anonymous-user": "true" } })
        : await h.call("POST", "/teams", { access: "server", body: { display_name: "T" } });
      if (r.status !== 201) throw new Error(`team creation failed: ${r.status} ${r.text}`);
      return r.json.id as string;
    },
    async setConfig(payments) {
      const r = await h.call("PATCH", "/internal/config/override/environment", {
        access: "admin",
        body: { config_override_string: JSON.stringify({ payments }) },
      });
      if (r.status !== 200) throw new Error(`config failed: ${r.status} ${r.text}`);
    },
    async advanceClock(millis) {
      const r = await h.call("POST", "/internal/emulator/clock/advance", { body: { advance_millis: millis } });
      if (r.status !== 200) throw new Error(`clock failed: ${r.status} ${r.text}`);
    },
    close: () => emulator.close(),
  };
  return h;
}

/** A custom customer id no other test uses. */
export function customId(): string {
  return `cust-${randomUUID()}`;
}

export const DAY = 24 * 60 * 60 * 1000;
