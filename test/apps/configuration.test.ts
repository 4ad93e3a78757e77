/** Construction rules: secret keys never in client apps, no server app in a browser, env fallbacks. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { StackClientApp } from "../../src/index.js";
import { StackServerApp } from "../../src/server.js";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

describe("configuration", () => {
  it("refuses a secret server key in the client app", () => {
    expect(() => new StackClientApp({ projectId: "p", secretServerKey: "ssk_x" } as never)).toThrow(
      expect.objectContaining({ code: "CONFIGURATION_ERROR", message: expect.stringContaining("must never be sent from a browser") }),
    );
  });

  it("refuses StackServerApp where window and document exist", () => {
    vi.stubGlobal("window", {});
    vi.stubGlobal("document", { cookie: "" });
    expect(() => new StackServerApp({ projectId: "p", secretServerKey: "ssk_x" })).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR" }));
  });

  it("requires a project id", () => {
    vi.stubEnv("STACK_PROJECT_ID", "");
    expect(() => new StackClientApp({})).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR" }));
  });

  it("takes project id, keys, base URL and extra headers from the environment, HEXCLAVE_ names first", async () => {
    vi.stubEnv("STACK_PROJECT_ID", "stack-project");
    vi.stubEnv("HEXCLAVE_PROJECT_ID", "hexclave-project");
    vi.stubEnv("STACK_SECRET_SERVER_KEY", "ssk_env");
    vi.stubEnv("STACK_PUBLISHABLE_CLIENT_KEY", "pck_env");
    vi.stubEnv("STACK_API_URL", "http://env.test/");
    vi.stubEnv("STACK_EXTRA_REQUEST_HEADERS", '{"x-env":"1"}');
    const requests: Request[] = [];
    const app = new StackServerApp({
      fetch: async (input, init) => {
        requests.push(new Request(input, init));
        return new Response(JSON.stringify({ code: "USER_NOT_FOUND", error: "User not found." }), { headers: { "x-stack-actual-status": "404", "x-stack-known-error": "USER_NOT_FOUND" } });
      },
    });
    expect(app.projectId).toBe("hexclave-project");
    expect(await app.getUser("u1")).toBeNull();
    expect(requests[0]!.url).toBe("http://env.test/api/v1/users/u1");
    expect(Object.fromEntries(requests[0]!.headers)).toMatchObject({
      "x-stack-project-id": "hexclave-project",
      "x-stack-secret-server-key": "ssk_env",
      "x-stack-publishable-client-key": "pck_env",
      "x-env": "1",
    });
  });

  it("tokenStore: null refuses calls that need a user", async () => {
    const app = new StackClientApp({ projectId: "p", tokenStore: null, fetch: () => Promise.reject(new Error("no request expected")) });
    await expect(app.getUser()).rejects.toMatchObject({ code: "CONFIGURATION_ERROR" });
  });
});
