/**
 * An unexpected error is reported (to the emulator's log) with the request's method and path, and
 * the path's query may carry a bearer secret: the checkout's `client_secret` (which confirms a
 * payment), a purchase `full_code`, a token. Those values are redacted in the report; the other
 * query parameters stay, to find the failing request.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Route } from "../../../src/emulator/http.js";
import { createProjectEmulator } from "../../../src/testing.js";

const extraRoutes: Route[] = [
  {
    method: "GET",
    path: "/test/crash-with-secrets",
    access: "none",
    handler: async () => {
      throw new Error("kaboom");
    },
  },
];
const reported: { path: string }[] = [];
const emulator = createProjectEmulator({ extraRoutes, onUnexpectedError: (_error, request) => reported.push(request) });
afterAll(() => emulator.close());

describe("the report of an unexpected error", () => {
  it("redacts secrets of the query and keeps the rest", async () => {
    const secret = "pi_abc_secret_def";
    const query = `limit=5&client_secret=${secret}&full_code=code-123&access_token=tok&refresh_token=rt&Publishable_Client_Key=pk&type=a%20b`;
    const res = await emulator.fetch(new Request(`http://emulator.test/api/v1/test/crash-with-secrets?${query}`));
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain(secret);
    expect(reported).toHaveLength(1);
    const path = reported[0]!.path;
    for (const value of [secret, "code-123", "tok", "rt", "pk"]) expect(path).not.toContain(`=${value}`);
    expect(path).toBe(
      "/api/v1/test/crash-with-secrets?limit=5&client_secret=[redacted]&full_code=[redacted]&access_token=[redacted]&refresh_token=[redacted]&Publishable_Client_Key=[redacted]&type=a%20b",
    );
  });
});
