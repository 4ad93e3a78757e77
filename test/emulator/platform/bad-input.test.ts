// Property-based: arbitrary bodies, ids, headers and tokens thrown at the platform routes are
// answered with a 2xx or 4xx, never a 500, and never change another user's data.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createProjectEmulator } from "../../../src/testing.js";
import { createApi } from "./api.js";

const emulator = createProjectEmulator();
const { call, signedInUser } = createApi(emulator);
let victim: { userId: string; accessToken: string };
let attacker: { userId: string; accessToken: string };
let before: string;
beforeAll(async () => {
  victim = await signedInUser({ display_name: "Victim", client_metadata: { keep: true } });
  attacker = await signedInUser();
  before = (await call("GET", `/users/${victim.userId}`, { access: "server" })).text;
});
afterAll(() => emulator.close());

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const routes: Array<[string, (id: string) => string]> = [
  ["POST", () => "/auth/password/sign-up"],
  ["POST", () => "/auth/password/sign-in"],
  ["POST", () => "/auth/sessions"],
  ["PATCH", () => "/users/me"],
  ["PATCH", (id) => `/users/${id}`],
  ["POST", () => "/users"],
  ["POST", () => "/teams"],
  ["PATCH", (id) => `/teams/${id}`],
  ["POST", (id) => `/team-memberships/${id}/${id}`],
  ["DELETE", (id) => `/team-memberships/${id}/me`],
  ["GET", (id) => `/team-permissions?team_id=${id}&user_id=me`],
  ["PATCH", () => "/internal/config/override/branch"],
  ["POST", () => "/internal/emulator/clock/advance"],
  ["DELETE", (id) => `/auth/sessions/${id}`],
];

describe("bad input never yields a 500", () => {
  test("random bodies, ids, access types and tokens", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        jsonValue,
        fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), fc.constant("me")),
        fc.constantFrom("client" as const, "server" as const, null),
        fc.oneof(fc.constant(undefined), fc.constant("attacker"), fc.string({ maxLength: 60 })),
        async ([method, path], body, id, access, token) => {
          const res = await call(method, path(encodeURIComponent(id)), {
            access,
            body: method === "GET" ? undefined : body,
            ...(token === undefined ? {} : { token: token === "attacker" ? attacker.accessToken : token }),
          });
          expect(res.status, `${method} ${path(id)} -> ${res.text}`).toBeLessThan(500);
        },
      ),
      { numRuns: 250 },
    );
    // The victim was never touched by any of it.
    expect((await call("GET", `/users/${victim.userId}`, { access: "server" })).text).toBe(before);
  });

  test("malformed JSON and odd content types", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "application/xml", ""), async (text, type) => {
        const res = await emulator.fetch(
          new Request("http://localhost/api/v1/users/me", {
            method: "PATCH",
            headers: { "x-stack-access-type": "client", "x-stack-project-id": emulator.project.id, "x-stack-access-token": attacker.accessToken, ...(type ? { "content-type": type } : {}) },
            body: text,
          }),
        );
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});
